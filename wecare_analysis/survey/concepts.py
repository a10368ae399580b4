"""Which workbench concepts a survey measured, and what follows for the analysis.

- :func:`mapped_validation`: read and validate an export through an XLSForm or a mapping
  file (the path behind ``wecare survey validate --form/--mapping``);
- :func:`concepts_found` / :func:`concepts_missing`: codebook question names present or
  not ("non rilevato") in a validated survey, as ``validation.json`` lists them;
- :func:`age_band_edges`: the survey's own age bands as ``{code: (first, last)}``, the
  form :func:`~wecare_analysis.survey.weights.margins_from_population` takes to compute
  raking margins from ISTAT single-year ages for exactly those bands;
- :func:`available_margins`: ISTAT raking margins restricted to the concepts the survey has
  (province always; sex and age class only when asked), and :func:`raking_margins` those of
  them that every respondent answered, with an Italian note for each margin left out;
- :func:`non_rilevato`: the Italian sentence a report section prints for a concept the
  questionnaire did not ask.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.survey.answers import answer_key
from wecare_analysis.survey.codebook import Codebook, load_codebook
from wecare_analysis.survey.draft import draft_mapping, form_aliases
from wecare_analysis.survey.form import read_xlsform
from wecare_analysis.survey.layout import lime_code
from wecare_analysis.survey.mapped import expressed_from, scale_points, validate_mapped
from wecare_analysis.survey.mapping import IGNORE, Rule, read_mapping, rules_from_mapping
from wecare_analysis.survey.readers import read_table
from wecare_analysis.survey.report_columns import column_report
from wecare_analysis.survey.validate import SurveyValidation

if TYPE_CHECKING:
    from wecare_analysis.survey.form import Form

#: Names of the concepts whose codebook question text does not say what it asks ("Lei è").
CONCEPT_LABELS = {"role": "Ruolo nell'impresa"}
#: Highest single-year age of the ISTAT tables (100 = 100 and over): the end of an open band.
TOP_AGE = 100


def header_score(sources: set[str]) -> Callable[[list[str]], int]:
    """Score of a candidate header row: how many cells are one of ``sources`` (folded; LimeSurvey codes too)."""

    keys = {answer_key(s) for s in sources}

    def known(cell: str) -> bool:
        code = lime_code(cell)
        return answer_key(cell) in keys or bool(code and answer_key(code) in keys)

    return lambda row: sum(1 for cell in row if cell and known(cell))


def form_headers(form: Form) -> set[str]:
    """Every header form of the form's questions (folded), for :func:`header_score`."""

    return set(form_aliases(form))


def mapped_validation(path: str | os.PathLike[str], form: str | os.PathLike[str] | None = None,
                      mapping: str | os.PathLike[str] | None = None, book: Codebook | None = None,
                      year: int = 2023, region: str = "01") -> tuple[SurveyValidation, dict[str, Rule]]:
    """Validate an export through a form or a mapping file; return the validation and the rules used.

    Raises
    ------
    InputError
        When the export, form or mapping cannot be used, or the survey has no place of the firm
        or no need item (exit code 2).
    """

    book = book or load_codebook()
    if mapping is not None:
        table_map = read_mapping(mapping)
        score = header_score(set(table_map.loc[table_map["kind"] == "column", "source"]))
        where = str(mapping)
    else:
        parsed_form = read_xlsform(form)
        score = header_score(form_headers(parsed_form))
        where = f"mapping drafted from {form}"
    table = read_table(path, score)
    if table.data.empty:
        raise InputError(f"{table.path}: no data rows below the header (row {table.header_row}); "
                         "expected at least one respondent.")
    if mapping is None:
        table_map = draft_mapping(table.data, book, parsed_form)
    rules, ignored = rules_from_mapping(table_map, list(table.data.columns), book, where)
    used = {c for r in rules.values() for c in r.columns} | set(ignored)
    unmatched = [h for h in table.data.columns if h not in used]
    check_mapped(table.path, rules, book, unmatched)
    return validate_mapped(table, rules, book, year, region, unmatched), rules


def check_mapped(path: Path, rules: dict[str, Rule], book: Codebook, unmatched: list[str]) -> None:
    """Refuse a survey without the place of the firm or without a need item (exit code 2)."""
    needs = {q.name for q in book.need_questions} | {"needs"}
    found = sorted(rules)
    hint = (f" Columns not mapped: {', '.join(unmatched[:8])}{', …' if len(unmatched) > 8 else ''}."
            if unmatched else "")
    if not ({"municipality", "province"} & set(rules)):
        raise InputError(f"{path}: no column gives the place of the firm (concept municipality, or province); "
                         f"concepts found: {', '.join(found) or 'none'}.{hint} Name it in the form's wecare "
                         "column or in the mapping (draft one with `wecare survey map`).")
    if not (needs & set(rules)):
        raise InputError(f"{path}: no need item found (a need question such as need_eldercare, or a list of "
                         f"services mapped to 'needs'); concepts found: {', '.join(found)}.{hint}")


def concepts_found(clean: pd.DataFrame, book: Codebook | None = None) -> list[str]:
    """Codebook question names with a column in a validated survey's kept rows, in codebook order."""
    book = book or load_codebook()
    present = set(clean.columns) | ({"municipality"} if "municipality_code" in clean else set())
    return [q.name for q in book.questions if q.name in present]


def concepts_missing(clean: pd.DataFrame, book: Codebook | None = None) -> list[str]:
    """Codebook question names the survey did not ask ("non rilevato"), in codebook order."""
    found = set(concepts_found(clean, book))
    return [q.name for q in (book or load_codebook()).questions if q.name not in found]


def age_band_edges(summary_or_codes: dict[str, Any] | list[str]) -> dict[str, tuple[int, int]]:
    """Age bands as ``{code: (first, last)}`` (inclusive; open bands end at 100, ISTAT's 100+).

    Accepts a ``validation.json`` summary (its ``age_bands``) or a list of band codes.

    Examples
    --------
    >>> age_band_edges(["18_34", "35_49", "50_64", "65_plus"])
    {'18_34': (18, 34), '35_49': (35, 49), '50_64': (50, 64), '65_plus': (65, 100)}
    """
    codes = summary_or_codes.get("age_bands", []) if isinstance(summary_or_codes, dict) else summary_or_codes
    edges = {}
    for code in codes:
        found = re.fullmatch(r"(\d+)_(\d+|plus)", str(code))
        if found:
            edges[code] = (int(found.group(1)), TOP_AGE if found.group(2) == "plus" else int(found.group(2)))
    return dict(sorted(edges.items(), key=lambda kv: kv[1]))


def available_margins(summary: dict[str, Any], year: int = 2023, region: str = "01",
                      root: str | None = None, provinces: Collection[str] | None = None) -> pd.DataFrame:
    """ISTAT raking margins ``variable,level,total`` for the concepts the survey has.

    Province always; ``sex`` only when the survey asked it; ``age_class`` only when asked,
    computed from single-year ages for the survey's own bands (:func:`age_band_edges`).
    ``provinces`` (sigle): the residents of these provinces only, for every margin (the
    covered population: the sex and age totals then add up to the province totals); None
    for the whole region.
    """
    # lazy: loads scipy, which not every caller of this module needs
    from wecare_analysis.survey.weights import DEFAULT_AGE_CLASSES, margins_from_population

    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory import load_territory, population_by_age_sex

    found = set(summary.get("concepts_found", []))
    bands = age_band_edges(summary)
    shipped = {code for code, _ in load_codebook().choices["age_class"]}
    if not bands or set(bands) <= shipped:  # the codebook's own classes: the default ISTAT margins
        bands = DEFAULT_AGE_CLASSES if "age_class" in found else None
    terr = load_territory(year, region, root)
    sigla = pd.Series(terr["province_sigla"].to_numpy(), index=terr["municipality_code"].to_numpy())
    if provinces is not None:
        sigla = sigla[sigla.isin(set(provinces))]
    margins = margins_from_population(population_by_age_sex(year, region, root), sigla, bands or None,
                                      ("province_sigla", "sex", "age_class"))
    keep = {"province_sigla"} | ({"sex"} & found) | ({"age_class"} & found)
    return margins[margins["variable"].isin(keep)].reset_index(drop=True)


def raking_margins(needs: pd.DataFrame, summary: dict[str, Any], year: int = 2023, region: str = "01",
                   root: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Margins to rake ``needs`` (the tidy table) to: the ones the survey has, complete for every respondent.

    Every margin counts the residents of the provinces with respondents only (the covered population:
    the province, sex and age totals add up to the same number). A margin whose variable was not
    asked, or that some respondents left unanswered (a stated non-response), is left out (raking needs
    a level for every record). Returns the margins and one Italian note per margin left out.
    """
    margins = available_margins(summary, year, region, root, provinces=needs["province_sigla"].dropna().unique())
    notes = []
    for variable, label in (("sex", "il sesso"), ("age_class", "la classe di età")):
        if variable not in set(margins["variable"]):
            notes.append(f"I pesi non usano {label}: il questionario non lo ha rilevato.")
        elif needs[variable].isna().any():
            n = int(needs[variable].isna().sum())
            margins = margins[margins["variable"] != variable]
            who = "1 rispondente non lo ha indicato" if n == 1 else f"{n} rispondenti non lo hanno indicato"
            notes.append(f"I pesi non usano {label}: {who}.")
    return margins.reset_index(drop=True), notes


def non_rilevato(concept: str, book: Codebook | None = None) -> str:
    """Italian note for a section that needs a concept the questionnaire did not ask.

    >>> non_rilevato("sex")
    'Il questionario non ha rilevato «Sesso»: questa parte non è calcolata.'
    """
    book = book or load_codebook()
    label = book.question(concept).label.rstrip(":?") if concept in {q.name for q in book.questions} else concept
    label = CONCEPT_LABELS.get(concept, label)
    return f"Il questionario non ha rilevato «{label}»: questa parte non è calcolata."


def summary_extras(result: SurveyValidation, rules: dict[str, Rule] | None, book: Codebook | None = None) -> dict:
    """Keys ``concepts_found``, ``concepts_missing``, ``age_bands``, ``need_scales``, ``column_report``."""

    book = book or load_codebook()
    clean = result.clean
    extras: dict[str, Any] = {"concepts_found": concepts_found(clean, book),
                              "concepts_missing": concepts_missing(clean, book)}
    if "age_class" in clean:
        extras["age_bands"] = sorted(clean["age_class"].dropna().unique().tolist(),
                                     key=lambda c: age_band_edges([c]).get(c, (999, 0)))
    if rules:

        extras["need_scales"] = {
            c: {"column": r.column, "points": scale_points(r), "expressed_from": expressed_from(scale_points(r),
                                                                                               r.expressed),
                "points_listed": any(v.isdigit() for v in r.values.values())}  # else yes/no, or 5 by default
            for c, r in rules.items() if c in {q.name for q in book.need_questions} and r.column}
        extras["needs_lists"] = sorted({lv for c, r in rules.items() if c == "needs"
                                        for lv in [*r.values.values(), *r.flags.values()] if lv != IGNORE})
    extras["column_report"] = column_report(result, rules)
    return extras
