"""The questionnaire codebook: questions, types, options and need areas.

The codebook lives in one text data file, ``codebook.yaml`` beside this module,
the single source of truth read by ingestion, validation, the synthetic survey
and the exports. :func:`load_codebook` returns it as a :class:`Codebook`; the
choice list ``ateco_section`` is filled from the ``ateco`` package (ATECO 2025
sections A–V).

Question types
--------------
``select_one`` / ``select_multiple``
    Options from a named choice list (code and Italian label).
``likert``
    Integer 1–5 (choice list ``likert5``).
``integer``
    Whole number within ``min``–``max``.
``municipality``
    ISTAT municipality code (6 digits; ints and cadastral codes are accepted and
    reconciled through ISTAT territorial changes).
``text``
    Free text: moved to a restricted file, never into processed data.
``identifier``
    Direct identifier (names, e-mails, phones, fiscal codes, firm names): dropped,
    or replaced by a salted hash when ``hashed`` is true (the firm id, used as
    the cluster of the survey design).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

QUESTION_TYPES = ("select_one", "select_multiple", "likert", "integer", "municipality", "text", "identifier")
LIKERT_CHOICES = "likert5"


@dataclass(frozen=True)
class Question:
    """One question of the codebook (see the module docstring for ``type``)."""

    name: str
    group: str
    type: str
    label: str
    required: bool = False
    choices: str | None = None
    need_area: str | None = None
    min: int | None = None
    max: int | None = None
    hashed: bool = False


@dataclass(frozen=True)
class Codebook:
    """The questionnaire: settings, groups, areas, choice lists and questions.

    ``choices`` maps a list name to a tuple of ``(code, label)`` pairs.
    """

    form_id: str
    version: str
    title: str
    default_language: str
    groups: tuple[tuple[str, str], ...]
    index_areas: tuple[tuple[str, str], ...]
    need_areas: tuple[tuple[str, str, str], ...]
    choices: dict[str, tuple[tuple[str, str], ...]] = field(hash=False)
    questions: tuple[Question, ...]

    def question(self, name: str) -> Question:
        """Return the question called ``name`` (KeyError if there is none)."""
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)

    def options(self, question: Question) -> tuple[tuple[str, str], ...]:
        """Return the ``(code, label)`` options of a choice or Likert question."""
        if question.type == "likert":
            return self.choices[LIKERT_CHOICES]
        return self.choices[question.choices] if question.choices else ()

    @property
    def need_questions(self) -> tuple[Question, ...]:
        """The Likert items that measure a need area, in codebook order."""
        return tuple(q for q in self.questions if q.need_area)

    @property
    def need_area_codes(self) -> tuple[str, ...]:
        """Codes of the need areas, in codebook order."""
        return tuple(code for code, _label, _index in self.need_areas)

    def group_label(self, name: str) -> str:
        """Italian label of a questionnaire section."""
        return dict(self.groups)[name]


def ateco_sections(edition: str = "2025") -> tuple[tuple[str, str], ...]:
    """Return the ATECO sections ``(letter, title)`` of an edition, from the ``ateco`` package.

    Examples
    --------
    >>> dict(ateco_sections())["F"]
    'COSTRUZIONI'
    """
    from ateco._load import load_nodes  # the package exposes no section listing

    nodes = load_nodes(edition).values()
    return tuple(sorted((n["code"], n["title"]) for n in nodes if n["level"] == "section"))


def ateco_section_of(code: str, edition: str = "2025") -> str | None:
    """Return the section letter of an ATECO code (``'43.21.01'`` → ``'F'``), None if unknown."""
    import ateco

    node = ateco.lookup(code, edition=edition) if code else None
    while node is not None and node.level != "section":
        node = ateco.lookup(node.parent, edition=edition) if node.parent else None
    return node.code if node is not None else None


def _choice_list(spec: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(spec, dict) and "source" in spec:
        kind, edition, level = str(spec["source"]).split(":")
        if kind != "ateco" or level != "section":
            raise ValueError(f"unknown choice source {spec['source']!r}")
        return ateco_sections(edition)
    return tuple((str(o["code"]), str(o["label"])) for o in spec)


def codebook_from_dict(data: dict[str, Any]) -> Codebook:
    """Build a :class:`Codebook` from the parsed YAML mapping, checking its consistency."""
    choices = {name: _choice_list(spec) for name, spec in data["choices"].items()}
    questions = tuple(
        Question(**{k: v for k, v in q.items() if k in Question.__dataclass_fields__}) for q in data["questions"]
    )
    book = Codebook(
        form_id=str(data["form_id"]),
        version=str(data["version"]),
        title=str(data["title"]),
        default_language=str(data["default_language"]),
        groups=tuple((g["name"], g["label"]) for g in data["groups"]),
        index_areas=tuple((a["code"], a["label"]) for a in data["index_areas"]),
        need_areas=tuple((a["code"], a["label"], a["index_area"]) for a in data["need_areas"]),
        choices=choices,
        questions=questions,
    )
    _check(book)
    return book


def _check(book: Codebook) -> None:
    names = [q.name for q in book.questions]
    if len(set(names)) != len(names):
        raise ValueError("codebook: duplicate question names")
    groups = dict(book.groups)
    index = {code for code, _ in book.index_areas}
    needs = set(book.need_area_codes)
    for q in book.questions:
        if q.type not in QUESTION_TYPES:
            raise ValueError(f"codebook: question {q.name} has unknown type {q.type!r}")
        if q.group not in groups:
            raise ValueError(f"codebook: question {q.name} is in unknown group {q.group!r}")
        if q.type in ("select_one", "select_multiple") and q.choices not in book.choices:
            raise ValueError(f"codebook: question {q.name} uses unknown choice list {q.choices!r}")
        if q.need_area is not None and q.need_area not in needs:
            raise ValueError(f"codebook: question {q.name} measures unknown need area {q.need_area!r}")
    for code, _label, area in book.need_areas:
        if area not in index:
            raise ValueError(f"codebook: need area {code} maps to unknown index area {area!r}")


@functools.cache
def load_codebook() -> Codebook:
    """Return the questionnaire codebook shipped with the package.

    Examples
    --------
    >>> book = load_codebook()
    >>> book.question("role").choices
    'role'
    >>> len(book.index_areas)
    10
    """
    text = resources.files("wecare_analysis.survey").joinpath("codebook.yaml").read_text(encoding="utf-8")
    return codebook_from_dict(yaml.safe_load(text))
