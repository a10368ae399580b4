"""The mapping file: how the columns and answers of an export translate to the workbench's concepts.

A mapping is a table (``.xlsx`` or ``.csv``) with the columns ``kind, source, concept,
level, note``:

- ``kind=column``: ``source`` is a header as it appears in the export, ``concept`` a
  codebook question name (``municipality``, ``sex``, ``need_eldercare``…), ``province``,
  ``needs`` (a list of services or needs whose answers name need areas) or ``-`` (ignore
  the column; ``extra_<name>`` keeps it as an extra column, ``extra_text_<name>`` as restricted free
  text, as drafted from a form's questions without ``wecare``). When ``level`` is filled the column is the 0/1 (``1``/``0``, ``Y``/empty,
  ``True``/``False``) flag of that level: one column of a split select_multiple;
- ``kind=value``: ``concept`` a codebook question, ``source`` an answer text as it appears,
  ``level`` its codebook level (an option code, a Likert point ``1``…``k``, an age band
  ``45-54`` / ``65+``, a need question for ``needs``, or ``-`` for a non-response);
- ``kind=expressed`` (optional): for a Likert need item ``concept``, ``level`` is the lowest
  point at which the need counts as expressed.

:func:`rules_from_mapping` turns the table into one :class:`Rule` per concept;
:mod:`wecare_analysis.survey.draft` drafts a mapping from an export (``wecare survey map``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wecare_analysis.atomic import atomic_path
from wecare_analysis.bounded import check_xlsx
from wecare_analysis.errors import InputError
from wecare_analysis.safe_text import neutralised, restored_cell
from wecare_analysis.survey.answers import age_band_of, answer_key, band_code
from wecare_analysis.survey.codebook import Codebook
from wecare_analysis.survey.form import EXTRA_CONCEPTS

MAPPING_COLUMNS = ["kind", "source", "concept", "level", "note"]
KINDS = ("column", "value", "expressed")
IGNORE = "-"


@dataclass
class Rule:
    """Where one concept is in an export and how its answers translate.

    ``column`` is the header of the single column holding the answers (None when only
    flag columns exist); ``flags`` maps a 0/1 column to the level it flags; ``values`` maps an
    :func:`~wecare_analysis.survey.answers.answer_key` to a level (``'-'``: a non-response);
    ``sources`` keeps the answer texts as written (to split cells of labels joined by spaces);
    ``expressed`` is the lowest Likert point of an expressed need, when given.
    """

    concept: str
    column: str | None = None
    flags: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    expressed: int | None = None

    @property
    def columns(self) -> list[str]:
        """Every export column the rule reads."""
        return ([self.column] if self.column else []) + list(self.flags)


def concept_names(book: Codebook) -> list[str]:
    """Concepts a mapping may name: the codebook's question names, then ``province`` and ``needs``."""
    return [q.name for q in book.questions] + list(EXTRA_CONCEPTS)


def read_mapping(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a mapping file (``.xlsx`` or ``.csv``, ``,`` or ``;``), every cell a stripped string.

    Raises
    ------
    InputError
        When the file cannot be read or lacks a column ``kind, source, concept, level`` (exit 2).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such mapping file.")
    check_xlsx(path)
    try:
        if path.read_bytes()[:4] == b"PK\x03\x04":
            frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
        else:
            frame = pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig",
                                keep_default_na=False)
    except Exception as err:  # noqa: BLE001 - pandas/openpyxl raise many kinds on a damaged file
        raise InputError(f"{path}: cannot read the mapping ({type(err).__name__}: {err}); expected a CSV or "
                         f"XLSX table with columns {','.join(MAPPING_COLUMNS)}.") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in MAPPING_COLUMNS[:4] if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: mapping columns missing: {', '.join(missing)}; expected "
                         f"{','.join(MAPPING_COLUMNS)}, found {','.join(frame.columns)}.")
    frame = frame.reindex(columns=MAPPING_COLUMNS).fillna("").astype(str)
    for col in MAPPING_COLUMNS:
        frame[col] = frame[col].map(restored_cell).str.strip()
    frame["kind"] = frame["kind"].str.lower()
    return frame[frame[["kind", "source", "concept"]].ne("").any(axis=1)].reset_index(drop=True)


def write_mapping(mapping: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a mapping atomically as ``.xlsx`` (one sheet ``mapping``) or ``.csv`` (UTF-8 with BOM, for Excel)."""

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise InputError(f"--out {path}: a mapping is written as .xlsx or .csv.")
    table = neutralised(mapping.reindex(columns=MAPPING_COLUMNS).fillna(""))
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                table.to_excel(writer, sheet_name="mapping", index=False)
        else:
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def _level_ok(book: Codebook, concept: str, level: str) -> bool:
    """Whether ``level`` is a level the concept can take (``-`` is a non-response everywhere)."""
    if level == IGNORE or concept in ("municipality", "province"):
        return True
    if concept == "needs":
        return level in {q.name for q in book.need_questions} or f"need_{level}" in {
            q.name for q in book.need_questions}
    if concept == "age_class":
        return age_band_of(level) is not None
    q = book.question(concept)
    if q.type == "likert" or q.need_area:
        return level.isdigit() or level in ("yes", "no")
    return level in {code for code, _ in book.options(q)}


def normalised_level(concept: str, level: str) -> str:
    """A level as the rules keep it: age bands as codes (``45-54`` → ``45_54``), need areas as question names."""
    if concept == "age_class" and level != IGNORE:
        return band_code(age_band_of(level))
    if concept == "needs" and level != IGNORE and not level.startswith("need_"):
        return f"need_{level}"
    return level


def rules_from_mapping(mapping: pd.DataFrame, headers: list[str], book: Codebook,
                       where: str = "mapping") -> tuple[dict[str, Rule], list[str]]:
    """Turn a mapping table into rules for the headers of one export.

    Returns
    -------
    (rules, ignored)
        One :class:`Rule` per concept that has a column in ``headers``, and the headers the
        mapping marks ``-`` (a header with a blank concept is neither: it is reported as not mapped).

    Raises
    ------
    InputError
        For a mapping row that names an unknown kind, concept or level (the message gives
        the row and the valid values).
    """
    valid = set(concept_names(book))
    rules: dict[str, Rule] = {}
    ignored: list[str] = []
    present = set(headers)
    for i, row in enumerate(mapping.to_dict("records"), start=2):
        kind, source, concept, level = row["kind"], row["source"], row["concept"], row["level"]
        at = f"{where}, row {i}"
        if kind not in KINDS:
            raise InputError(f"{at}: kind {kind!r} is unknown; expected one of {', '.join(KINDS)}.")
        if kind == "column" and concept in ("", IGNORE):  # '-': ignored; blank: not mapped yet (reported)
            ignored += [source] if source in present and concept == IGNORE else []
            continue
        if concept not in valid and not concept.startswith("extra_"):
            raise InputError(f"{at}: concept {concept!r} is no workbench concept; expected a codebook question "
                             f"name ({', '.join(sorted(valid)[:10])}, …), 'needs', 'province' or '-'.")
        if kind == "column":
            if source not in present:
                continue
            rule = rules.setdefault(concept, Rule(concept))
            if level:
                rule.flags[source] = normalised_level(concept, level)
            elif rule.column is None:
                rule.column = source
        elif kind == "expressed":
            if not level.isdigit():
                raise InputError(f"{at}: expressed level {level!r} of {concept}: expected the lowest Likert point "
                                 "of an expressed need (a whole number).")
            rules.setdefault(concept, Rule(concept)).expressed = int(level)
        elif level:
            if not concept.startswith("extra_") and not _level_ok(book, concept, level):
                raise InputError(f"{at}: level {level!r} is not a level of {concept}; "
                                 f"{expected_levels(book, concept)}.")
            rule = rules.setdefault(concept, Rule(concept))
            rule.values.setdefault(answer_key(source), normalised_level(concept, level))
            rule.sources.append(source)
    return {k: r for k, r in rules.items() if r.columns}, ignored


def expected_levels(book: Codebook, concept: str) -> str:
    """Sentence naming the levels a concept takes, for messages."""
    if concept == "needs":
        return "expected a need question (" + ", ".join(q.name for q in book.need_questions[:4]) + ", …)"
    if concept == "age_class":
        return "expected an age band such as 45-54 or 65+"
    if concept.startswith("extra_"):
        return "expected an option of the form"
    q = book.question(concept)
    if q.type == "likert" or q.need_area:
        return "expected a Likert point (1, 2, …) or yes/no"
    pairs = book.options(q)
    shown = ", ".join(f"{code} ({label})" for code, label in pairs[:8])
    return f"expected one of {shown}{', …' if len(pairs) > 8 else ''}"
