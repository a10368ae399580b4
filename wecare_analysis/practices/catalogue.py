"""The good-practice catalogue: load ``catalogue.yaml`` and validate it against its schema.

The schema is described at the top of ``catalogue.yaml``. Every fault raises an
:class:`~wecare_analysis.errors.InputError` that names the file, the practice and
the field, with the expected and the found value, e.g.::

    catalogue.yaml, practice 'rete_giunca', field need_areas: unknown need area 'welness';
    expected codebook need areas (childcare_0_2, ...).

Adding a practice means adding an entry to the data file: nothing in the code
lists the practices.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wecare_analysis.errors import InputError
from wecare_analysis.practices.criteria import CRITERIA
from wecare_analysis.survey.codebook import load_codebook

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")
YEAR_UNKNOWN = "non indicato nel testo"
REQUIRED_FIELDS = ("id", "name", "promoter", "place", "year", "welfare_form", "need_areas", "target",
                   "delivery_model", "actors", "scale", "preconditions", "notes", "source")
VOCABULARIES = ("welfare_forms", "targets", "delivery_models", "actors")


@dataclass(frozen=True)
class Precondition:
    """Something that must exist for a practice to work; ``criterion`` measures it (None: check locally)."""

    text: str
    criterion: str | None


@dataclass(frozen=True)
class Practice:
    """One good practice (fields as in ``catalogue.yaml``)."""

    id: str
    name: str
    promoter: str
    place: str
    year: int | str
    welfare_form: str
    need_areas: tuple[str, ...]
    target: tuple[str, ...]
    delivery_model: str
    actors: tuple[str, ...]
    scale: dict[str, Any]
    preconditions: tuple[Precondition, ...]
    notes: str
    source: dict[str, str]

    @property
    def primary_target(self) -> str:
        """The first target: the population the scale-fit criterion compares with the origin."""
        return self.target[0]


@dataclass(frozen=True)
class Catalogue:
    """Practices in file order and the controlled vocabularies (code -> Italian label or spec)."""

    practices: tuple[Practice, ...]
    welfare_forms: dict[str, str]
    targets: dict[str, dict[str, Any]]
    delivery_models: dict[str, dict[str, Any]]
    actors: dict[str, str]
    path: Path

    def __getitem__(self, practice_id: str) -> Practice:
        for p in self.practices:
            if p.id == practice_id:
                return p
        known = ", ".join(p.id for p in self.practices)
        raise InputError(f"practice {practice_id!r} is not in the catalogue {self.path.name}; known ids: {known}.")

    def __len__(self) -> int:
        return len(self.practices)

    @property
    def ids(self) -> list[str]:
        """Practice ids in file order."""
        return [p.id for p in self.practices]

    def table(self) -> pd.DataFrame:
        """One row per practice: id, name, promoter, place, year, welfare_form, delivery_model, need_areas, target."""
        return pd.DataFrame([{"id": p.id, "name": p.name, "promoter": p.promoter, "place": p.place,
                              "year": p.year, "welfare_form": p.welfare_form, "delivery_model": p.delivery_model,
                              "need_areas": ", ".join(p.need_areas), "target": ", ".join(p.target)}
                             for p in self.practices])


def _fail(path: Path, where: str, message: str) -> None:
    raise InputError(f"{path.name}, {where}: {message}")


def _codebook_areas() -> list[str]:

    return list(load_codebook().need_area_codes)


def _check_text(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(path, where, f"expected a non-empty text, found {value!r}.")
    return value.strip()


def _check_codes(path: Path, where: str, value: Any, allowed: list[str], what: str, single: bool = False) -> tuple:
    values = [value] if single else value
    if not isinstance(values, list) or not values:
        _fail(path, where, f"expected a non-empty list of {what}, found {value!r}.")
    for v in values:
        if v not in allowed:
            _fail(path, where, f"unknown {what.removesuffix('s')} {v!r}; "
                               f"expected one of {', '.join(allowed)}.")
    if len(set(values)) != len(values):
        _fail(path, where, f"repeated values in {values!r}.")
    return tuple(values)


def _check_year(path: Path, where: str, value: Any) -> int | str:
    if isinstance(value, int) and 1900 <= value <= 2100:
        return value
    if isinstance(value, str) and (value == YEAR_UNKNOWN or re.fullmatch(r"(19|20)\d\d-(19|20)\d\d", value)):
        return value
    _fail(path, where, f"expected a year (2014), a span ('2014-2016') or {YEAR_UNKNOWN!r}, found {value!r}.")
    raise AssertionError  # pragma: no cover


def _normalised(text: str) -> str:
    return " ".join(str(text).split())


def _check_scale(path: Path, where: str, scale: Any, passage: str, provinces: set[str] | None) -> dict[str, Any]:
    if not isinstance(scale, dict):
        _fail(path, where, f"expected a mapping with description, figures, reference_population, found {scale!r}.")
    _check_text(path, f"{where}.description", scale.get("description"))
    figures = scale.get("figures")
    if not isinstance(figures, list):
        _fail(path, f"{where}.figures", f"expected a list (possibly empty), found {figures!r}.")
    for i, fig in enumerate(figures):
        w = f"{where}.figures[{i}]"
        if not isinstance(fig, dict) or not isinstance(fig.get("value"), (int, float)) or fig["value"] <= 0:
            _fail(path, w, f"expected {{value: positive number, unit, quote}}, found {fig!r}.")
        _check_text(path, f"{w}.unit", fig.get("unit"))
        quote = _check_text(path, f"{w}.quote", fig.get("quote"))
        if _normalised(quote) not in passage:
            _fail(path, f"{w}.quote", f"the quote {quote!r} is not in the source passage.")
    ref = scale.get("reference_population", "missing")
    if ref == "missing":
        _fail(path, f"{where}.reference_population", "field missing; write null when the text gives no size.")
    if ref is not None:
        w = f"{where}.reference_population"
        if not isinstance(ref, dict) or ref.get("basis") not in ("text", "istat_province"):
            _fail(path, w, f"expected basis 'text' or 'istat_province', found {ref!r}.")
        _check_text(path, f"{w}.unit", ref.get("unit"))
        _check_text(path, f"{w}.note", ref.get("note"))
        if ref["basis"] == "text" and not (isinstance(ref.get("value"), (int, float)) and ref["value"] > 0):
            _fail(path, f"{w}.value", f"basis 'text' needs a positive value, found {ref.get('value')!r}.")
        if ref["basis"] == "istat_province":
            sigla = ref.get("province")
            if not isinstance(sigla, str) or (provinces is not None and sigla not in provinces):
                _fail(path, f"{w}.province", f"expected an Italian province sigla, found {sigla!r}.")
    return scale


def _check_preconditions(path: Path, where: str, value: Any, criteria: list[str]) -> tuple[Precondition, ...]:
    if not isinstance(value, list) or not value:
        _fail(path, where, f"expected a non-empty list of {{text, criterion}}, found {value!r}.")
    out = []
    for i, item in enumerate(value):
        w = f"{where}[{i}]"
        if not isinstance(item, dict) or "criterion" not in item:
            _fail(path, w, f"expected {{text, criterion}} (criterion may be null), found {item!r}.")
        text = _check_text(path, f"{w}.text", item.get("text"))
        crit = item["criterion"]
        if crit is not None and crit not in criteria:
            _fail(path, f"{w}.criterion", f"unknown criterion {crit!r}; expected null or one of {', '.join(criteria)}.")
        out.append(Precondition(text, crit))
    return tuple(out)


def practice_from_dict(raw: Any, vocab: dict[str, dict], path: Path, position: int,
                       areas: list[str], criteria: list[str], provinces: set[str] | None = None) -> Practice:
    """Validate one practice entry and return it (``position`` numbers it in messages when it has no id)."""
    if not isinstance(raw, dict):
        _fail(path, f"practice #{position}", f"expected a mapping of fields, found {raw!r}.")
    pid = raw.get("id")
    where = f"practice {pid!r}" if isinstance(pid, str) else f"practice #{position}"
    missing = [f for f in REQUIRED_FIELDS if f not in raw]
    if missing:
        _fail(path, where, f"missing field(s) {', '.join(missing)}.")
    extra = sorted(set(raw) - set(REQUIRED_FIELDS))
    if extra:
        _fail(path, where, f"unknown field(s) {', '.join(extra)}; expected {', '.join(REQUIRED_FIELDS)}.")
    if not isinstance(pid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", pid):
        _fail(path, f"{where}, field id", f"expected a snake_case key, found {pid!r}.")
    src = raw["source"]
    if not isinstance(src, dict):
        _fail(path, f"{where}, field source", f"expected {{file, passage}}, found {src!r}.")
    _check_text(path, f"{where}, field source.file", src.get("file"))
    passage = _normalised(_check_text(path, f"{where}, field source.passage", src.get("passage")))
    return Practice(
        id=pid,
        name=_check_text(path, f"{where}, field name", raw["name"]),
        promoter=_check_text(path, f"{where}, field promoter", raw["promoter"]),
        place=_check_text(path, f"{where}, field place", raw["place"]),
        year=_check_year(path, f"{where}, field year", raw["year"]),
        welfare_form=_check_codes(path, f"{where}, field welfare_form", raw["welfare_form"],
                                  list(vocab["welfare_forms"]), "welfare forms", single=True)[0],
        need_areas=_check_codes(path, f"{where}, field need_areas", raw["need_areas"], areas,
                                "codebook need areas"),
        target=_check_codes(path, f"{where}, field target", raw["target"], list(vocab["targets"]), "targets"),
        delivery_model=_check_codes(path, f"{where}, field delivery_model", raw["delivery_model"],
                                    list(vocab["delivery_models"]), "delivery models", single=True)[0],
        actors=_check_codes(path, f"{where}, field actors", raw["actors"], list(vocab["actors"]), "actors"),
        scale=_check_scale(path, f"{where}, field scale", raw["scale"], passage, provinces),
        preconditions=_check_preconditions(path, f"{where}, field preconditions", raw["preconditions"], criteria),
        notes=_check_text(path, f"{where}, field notes", raw["notes"]),
        source={"file": src["file"], "passage": passage},
    )


def _check_vocabularies(raw: dict, path: Path) -> dict[str, dict]:
    vocab = {}
    for name in VOCABULARIES:
        value = raw.get(name)
        if not isinstance(value, dict) or not value:
            _fail(path, f"section {name}", f"expected a mapping code -> label, found {value!r}.")
        vocab[name] = value
    for code, spec in vocab["targets"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("population"), list):
            _fail(path, f"targets.{code}", f"expected {{label, population: [columns]}}, found {spec!r}.")
    for code, spec in vocab["delivery_models"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("min_density"), (int, float)) \
                or not isinstance(spec.get("aggregates_offer"), bool):
            _fail(path, f"delivery_models.{code}",
                  f"expected {{label, min_density: number, aggregates_offer: true/false}}, found {spec!r}.")
    return vocab


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Return the validated catalogue (the packaged ``catalogue.yaml`` by default).

    Raises
    ------
    InputError
        Naming the file, the practice and the field of the first fault.

    Examples
    --------
    >>> cat = load_catalogue()
    >>> len(cat), cat["biellawelfare"].delivery_model
    (8, 'digital_platform')
    """
    p = Path(path) if path is not None else CATALOGUE_FILE
    if not p.is_file():
        raise InputError(f"catalogue file {p} not found.")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(f"{p.name} is not valid YAML: {err}".replace("\n", " ")) from err
    if not isinstance(raw, dict) or not isinstance(raw.get("practices"), list) or not raw["practices"]:
        raise InputError(f"{p.name}: expected a mapping with a non-empty list `practices`.")
    vocab = _check_vocabularies(raw, p)
    areas = _codebook_areas()
    practices = [practice_from_dict(item, vocab, p, i + 1, areas, list(CRITERIA))
                 for i, item in enumerate(raw["practices"])]
    ids = [x.id for x in practices]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"{p.name}: practice id(s) {', '.join(dup)} appear more than once; ids must be unique.")
    return Catalogue(tuple(practices), vocab["welfare_forms"], vocab["targets"], vocab["delivery_models"],
                     vocab["actors"], p)
