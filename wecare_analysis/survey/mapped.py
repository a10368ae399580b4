"""Validate an export through mapping rules (from an XLSForm or a mapping file), without losing a row.

:func:`validate_mapped` reads each concept's column(s) through its
:class:`~wecare_analysis.survey.mapping.Rule`: answers listed by the form or the
mapping first, then the tolerant guesses of :mod:`~wecare_analysis.survey.guess`.
Only the place of the firm (municipality, or the province when only that was
asked) is required in every row; other unanswered questions and explicit
non-responses are missing values. Need items of every shape become 0/1 columns
``need_<area>`` (1 = need expressed): Likert items of any length (expressed at the
top two points of a 4–7 point scale, the top point of a 3-point one, or from the
rule's ``expressed`` point), yes/no items, and lists of services whose options name
need areas (split 0/1 columns or one cell of options joined by ``, ``, ``;`` or
spaces). The quarantine, duplicate and damaged-row rules are those of
:mod:`~wecare_analysis.survey.validate`; ``rows_kept + rows_quarantined == rows_read``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from wecare_analysis.survey import validate as base
from wecare_analysis.survey.answers import answer_key, is_non_response, split_labels
from wecare_analysis.survey.codebook import Codebook, Question
from wecare_analysis.survey.guess import guess_level
from wecare_analysis.survey.layout import META_COLUMNS, ColumnMap, norm
from wecare_analysis.survey.mapping import IGNORE, Rule, expected_levels
from wecare_analysis.survey.readers import RawTable
from wecare_analysis.survey.values import flag_value, integer_parser, parse_column

Parsed = tuple[object, str | None]


def expressed_from(points: int, override: int | None = None) -> int:
    """Lowest point of a ``points``-point Likert scale at which a need counts as expressed.

    The top two points of a 4–7 point scale, the top point of a 2- or 3-point one (and the
    top two of longer scales), unless ``override`` is given.

    >>> [expressed_from(k) for k in (3, 4, 5, 7)], expressed_from(5, override=5)
    ([3, 3, 4, 6], 5)
    """
    if override is not None:
        return override
    return points if points <= 3 else points - 1


def scale_points(rule: Rule) -> int:
    """Number of points of a Likert need item: the highest point the rule lists, else 5 (the codebook's)."""
    points = [int(v) for v in rule.values.values() if v.isdigit()]
    return max(points) if points else 5


def _level_parser(book: Codebook, rule: Rule) -> Callable[[str], Parsed]:
    """Answer text → level (``'-'`` for a non-response), from the rule's values then the guesses."""
    listed = list(dict.fromkeys(rule.sources))
    expected = (f"expected one of {', '.join(map(repr, listed[:10]))}{', …' if len(listed) > 10 else ''}"
                if listed else expected_levels(book, rule.concept))

    def parse(raw: str) -> Parsed:
        level = rule.values.get(answer_key(raw))
        if level is None and not rule.concept.startswith("extra_"):
            level, _why = guess_level(book, rule.concept, raw)
        if level is None and rule.concept.startswith("extra_") and rule.values:
            return None, f"{raw!r} is not an option of {rule.concept[6:]} in the form"
        if level is None and not rule.concept.startswith("extra_"):
            return None, (f"{raw!r} is not a recognised answer to {rule.concept}: {expected}; "
                          f"to accept it add the mapping row value,{rule.concept},{raw},<level>")
        return (raw if level is None else level), None

    return parse


def _parts(raw: str, rule: Rule) -> list[str] | None:
    """The answers of a multiple-answer cell: ``, `` / ``;`` separated, else labels joined by spaces."""
    if answer_key(raw) in rule.values:
        return [raw]
    if re.search(r"[;,]", raw):
        return [p.strip() for p in re.split(r"[;,]", raw) if p.strip()]
    return split_labels(raw, rule.sources) or raw.split()


def _multiple_parser(book: Codebook, rule: Rule) -> Callable[[str], Parsed]:
    """A multiple-answer cell → the set of levels (a frozenset), or why a part is not recognised."""
    one = _level_parser(book, rule)

    def parse(raw: str) -> Parsed:
        levels = set()
        for part in _parts(raw, rule) or []:
            level, why = one(part)
            if why is not None:
                return None, why
            levels.add(level)
        return frozenset(levels - {IGNORE}), None

    return parse


def each_distinct(values: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """``values.map(func)`` calling ``func`` once per distinct value (None for a missing one).

    >>> each_distinct(pd.Series(["a", "b", "a", None]), lambda v: v and v.upper()).tolist()
    ['A', 'B', 'A', None]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [func(u) for u in uniques]
    results[-1] = func(None)
    return pd.Series(results[codes], index=values.index, dtype=object)


def _fault(pos: np.ndarray, column: str, values: pd.Series, reasons: pd.Series | str) -> pd.DataFrame:
    return base._fault(pos, column, values, reasons)


def _read(data: pd.DataFrame, rule: Rule, parse: Callable[[str], Parsed]) -> tuple[pd.Series, list[pd.DataFrame]]:
    values = data[rule.column].fillna("")
    parsed, reasons, _missing = parse_column(values, lambda v: (None, None) if is_non_response(v) else parse(v))
    bad = reasons.notna().to_numpy()
    faults = [_fault(np.flatnonzero(bad), rule.column, values[bad], reasons[bad])] if bad.any() else []
    return parsed.where(~bad, None), faults


def _flag_columns(data: pd.DataFrame, rule: Rule) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The rule's 0/1 columns as booleans (None where the cell is empty), with faults for other values."""
    flags, faults = {}, []
    for column, level in rule.flags.items():
        values = data[column].fillna("")
        read = each_distinct(values, lambda v: None if v is None or v.strip() == "" else flag_value(v))
        bad = (values.str.strip() != "").to_numpy() & read.isna().to_numpy()
        if bad.any():
            faults.append(_fault(np.flatnonzero(bad), column, values[bad],
                                 f"not a yes/no flag: expected 1/0, Y/empty or True/False for {rule.concept} = {level}"))
        flags[column] = read.where(~bad, None)
    return pd.DataFrame(flags, index=data.index, dtype=object), faults


def _selected(data: pd.DataFrame, book: Codebook, rule: Rule) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Sets of levels selected, from the joined column if any, else from the flag columns (None: no answer)."""
    joined, faults = _read(data, rule, _multiple_parser(book, rule)) if rule.column is not None else (None, [])
    if not rule.flags:
        return joined, faults
    flags, flag_faults = _flag_columns(data, rule)
    state = np.column_stack([np.where(flags[c].isna(), -1, flags[c].eq(True).astype(np.int8)) for c in flags])
    combos, which = np.unique(state, axis=0, return_inverse=True)
    levels = list(rule.flags.values())
    sets = np.empty(len(combos), dtype=object)
    sets[:] = [None if (row < 0).all() else frozenset(lv for lv, v in zip(levels, row) if v == 1) for row in combos]
    from_flags = pd.Series(sets[np.ravel(which)], index=data.index, dtype=object)
    if joined is None:
        return from_flags, flag_faults
    # the joined cell decides; where it is empty, the 0/1 columns (KoboToolbox writes both)
    return joined.where(joined.notna(), from_flags), faults + flag_faults


def _need_flags(data: pd.DataFrame, book: Codebook, rule: Rule) -> tuple[dict[str, pd.Series], list]:
    """0/1 need columns of one rule: a Likert/yes-no need item, or a list of services (``needs``)."""
    if rule.concept == "needs":
        chosen, faults = _selected(data, book, rule)
        areas = sorted(({*rule.values.values(), *rule.flags.values()}) - {IGNORE})
        found = set().union(*[c for c in chosen.dropna()]) if chosen.notna().any() else set()
        areas = sorted(set(areas) | (found - {IGNORE}))
        return {a: each_distinct(chosen, lambda c, a=a: None if c is None else int(a in c)).astype("Int64")
                for a in areas}, faults
    levels, faults = _read(data, rule, _level_parser(book, rule))
    levels = levels.astype(object).where(levels.notna(), None)
    points = scale_points(rule)
    cut = expressed_from(points, rule.expressed)
    over = each_distinct(levels, lambda v: isinstance(v, str) and v.isdigit() and int(v) > points).to_numpy(bool)
    if over.any():
        faults.append(_fault(np.flatnonzero(over), rule.column, data[rule.column][over],
                             f"above the {points}-point scale of {rule.concept}: expected a point from 1 to {points}"))
    flag = each_distinct(levels, lambda v: None if v is None or v == IGNORE else
                         int(v == "yes") if v in ("yes", "no") else int(int(v) >= cut))
    return {rule.concept: flag.astype("Int64")}, faults


def _concept_column(data: pd.DataFrame, book: Codebook, q: Question, rule: Rule) -> tuple[pd.Series, list]:
    """Values of one non-need concept in codebook levels."""
    if q.type in ("identifier", "text"):
        return data[rule.column].fillna("").str.strip(), []
    if q.type == "integer":
        values, faults = _read(data, rule, integer_parser(q))
        return values.astype("Int64"), faults
    if q.type == "select_multiple":
        order = [code for code, _ in book.options(q)]
        chosen, faults = _selected(data, book, rule)
        return chosen.map(lambda c: None if c is None else " ".join(x for x in order if x in c)), faults
    values, faults = _read(data, rule, _level_parser(book, rule))
    values = values.where(values != IGNORE, None)
    if q.type == "likert":
        values = pd.to_numeric(values, errors="coerce").astype("Int64")
    return values, faults


def effective_codebook(book: Codebook, rules: dict[str, Rule]) -> Codebook:
    """The codebook plus one question per extra column (free-text extras typed ``text``, so restricted)."""
    group = book.groups[-1][0]
    extra = tuple(Question(name=c, group=group, type="text" if c.startswith("extra_text_") else "integer",
                           label=c) for c in rules if c.startswith("extra_"))
    return dataclasses.replace(book, questions=book.questions + extra)


def _place(data: pd.DataFrame, rules: dict[str, Rule], out: pd.DataFrame, year: int, region: str) -> list:
    """Municipality (required), or the province when only that was asked; fills the place columns of ``out``."""
    # lazy: loads geopandas/shapely, which not every caller of this module needs
    from wecare_analysis.territory.names import _gazetteer, name_key

    gaz = _gazetteer(year)
    province = rules.get("province")
    hints = _named(data, province) if province and province.column else None
    rule = rules.get("municipality") or province
    values = _named(data, rule)
    values = values.where(~each_distinct(values, is_non_response).astype(bool), "")
    missing = (values == "").to_numpy()
    faults = [_fault(np.flatnonzero(missing), rule.column, values[missing],
                     f"missing required answer: the {rule.concept} of the firm")] if missing.any() else []
    if "municipality" in rules:
        return faults + base._municipality_faults(values, rule.column, out, year, region, hints)
    sigla = values.map(lambda v: gaz.province.get(name_key(v)))
    unknown = ~missing & sigla.isna().to_numpy()
    if unknown.any():
        faults.append(_fault(np.flatnonzero(unknown), rule.column, values[unknown],
                             "not an Italian province: expected a sigla (BI) or a province name (Biella)"))
    codes = {s: c // 1000 for c, s in gaz.sigla_of.items()}
    out["province_sigla"] = sigla
    out["province_code"] = sigla.map(codes).astype("Int64")
    return faults


def _named(data: pd.DataFrame, rule: Rule) -> pd.Series:
    """A place column with the form's or mapping's names put for the answers they list (XML names → labels)."""
    values = data[rule.column].fillna("").str.strip()
    if not rule.values:
        return values
    uniques = pd.unique(values)
    return values.map({u: rule.values.get(answer_key(u), u) for u in uniques})


def _meta(headers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for h in headers:
        key = norm(h).rsplit("/", 1)[-1]
        if key in META_COLUMNS:
            found.setdefault(key, h)
    return found


def validate_mapped(table: RawTable, rules: dict[str, Rule], book: Codebook, year: int = 2023,
                    region: str = "01", unmatched: list[str] | None = None) -> base.SurveyValidation:
    """Validate an export read by :func:`~wecare_analysis.survey.readers.read_table` through ``rules``.

    Returns a :class:`~wecare_analysis.survey.validate.SurveyValidation` whose ``clean`` has the
    concepts found (codebook levels; need items as 0/1 ``Int64``), the place columns and
    ``extra_*`` columns; the caller checks beforehand that a place and a need item were found.
    """
    data = table.data
    out = pd.DataFrame({"row_number": table.row_numbers}, index=data.index)
    cmap = ColumnMap(direct={c: r.column for c, r in rules.items() if r.column},
                     split={c: {lv: col for col, lv in r.flags.items()} for c, r in rules.items()
                            if r.flags and not r.column},
                     meta=_meta(list(data.columns)), unmatched=list(unmatched or []))
    for meta in ("_uuid", "_id"):
        if meta in cmap.meta:
            out[meta] = data[cmap.meta[meta]]
    faults = _place(data, rules, out, year, region)
    for concept, rule in rules.items():
        if concept in ("municipality", "province"):
            continue
        if concept == "needs" or concept in {q.name for q in book.need_questions}:
            flags, found = _need_flags(data, book, rule)
            for name, flag in flags.items():  # a need asked twice is expressed if either answer expresses it
                out[name] = flag if name not in out else _either(out[name], flag)
        elif concept.startswith("extra_"):
            values, found = (data[rule.column].fillna("").str.strip(), []) if concept.startswith("extra_text_") \
                else _read(data, rule, _level_parser(book, rule))
            out[concept] = values
        else:
            out[concept], found = _concept_column(data, book, book.question(concept), rule)
        faults += found
    # a duplicate is the same _uuid or, without one, the same raw row (tool metadata included): two people
    # may give the same few answers to a short questionnaire
    faults += base._duplicate_faults(data, cmap, data if "_uuid" not in cmap.meta else out)
    damaged = base._damaged_rows(table, data.shape[1])
    if len(damaged):
        faults = [f[~f["pos"].isin(damaged.index)] for f in faults]
        faults.append(pd.DataFrame({"pos": damaged.index.to_numpy(), "column": "(row)", "value": "",
                                    "reason": damaged.to_numpy()}))
    return base._result(table, cmap, effective_codebook(book, rules), out, faults)


def _either(a: pd.Series, b: pd.Series) -> pd.Series:
    """0/1 expressed if either answer expresses it; missing only where both are."""
    both = pd.concat([a.astype("Float64"), b.astype("Float64")], axis=1)
    return both.max(axis=1, skipna=True).astype("Int64")
