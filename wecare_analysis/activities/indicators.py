"""Indicators of the programme's activities per province and for the region.

Inputs are the validated tables of :func:`wecare_analysis.activities.store.load_activities`
(English column names). Every table has one row per province of the region, in
ISTAT order, and a last row for the region (``province_sigla`` = :data:`REGION_KEY`),
so that a province with no activity shows zeros instead of vanishing.

Disclosure: desk contacts are people. In the published area tables (desk requests,
coded free-text answers) the counts under the threshold ``k``
(:func:`wecare_analysis.disclosure.min_cell`) are merged into "altre aree"
(:func:`published_counts`); the desk contacts of a province are suppressed under ``k``
with their complements (:func:`~wecare_analysis.disclosure.suppression_mask`), and a
rate per 1,000 firms or workers is shown only where its count is. Meetings and focus groups are public events: their counts and
attendance are published as they are.

Denominators (optional): a CSV or XLSX with a province column (``province`` or
``provincia``: sigla or name) and ``firms``/``imprese`` (active firms, e.g. ISTAT
ASIA or the chamber-of-commerce register of artisan firms) and/or
``workers``/``addetti`` (persons employed). ``contacts_per_1000_firms`` =
1,000 × contacts / firms, ``contacts_per_1000_workers`` likewise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wecare_analysis.activities.freetext import code_answers, load_dictionary
from wecare_analysis.activities.ingest import PARTICIPANTS
from wecare_analysis.activities.parsing import province_parser
from wecare_analysis.activities.schema import theme_columns
from wecare_analysis.activities.templates import region_provinces
from wecare_analysis.disclosure import min_cell, suppression_label
from wecare_analysis.errors import InputError
from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.layout import norm
from wecare_analysis.survey.readers import read_table

#: ``province_sigla`` of the region's row in every table.
REGION_KEY = "REGIONE"
#: The programme's minimum of territorial meetings in every province (seed text: "almeno un'animazione in ogni
#: provincia").
MIN_MEETINGS = 1
#: Row of the published area tables holding the merged cells, and the label of a merged cell.
OTHER_KEY = "other_areas"
MERGED_LABEL = "in altre aree"
DENOMINATOR_COLUMNS = {"province": ("province", "provincia", "sigla"), "firms": ("firms", "imprese"),
                       "workers": ("workers", "addetti", "lavoratori")}


@dataclass
class ActivitiesIndicators:
    """The indicator tables (see each builder for the columns), unsuppressed; publishing applies ``k``."""

    meetings: pd.DataFrame
    desk: pd.DataFrame
    requests: pd.DataFrame
    focus: pd.DataFrame
    focus_groups: pd.DataFrame
    free_text: pd.DataFrame | None
    provinces: tuple[tuple[str, str], ...]
    k: int


def _by_province(frame: pd.DataFrame, provinces, values: dict[str, pd.Series | str]) -> pd.DataFrame:
    """Sum ``values`` per province of ``provinces`` (zeros where none) and add the region's row."""
    sigle = [s for s, _ in provinces]
    if frame.empty:
        out = pd.DataFrame(0, index=sigle, columns=list(values))
    else:
        cols = {name: (frame[v] if isinstance(v, str) else v) for name, v in values.items()}
        out = pd.DataFrame(cols).groupby(frame["province_sigla"]).sum().reindex(sigle, fill_value=0)
    out.loc[REGION_KEY] = out.sum()
    out = out.astype("int64").rename_axis("province_sigla").reset_index()
    names = dict(provinces)
    out.insert(1, "province_name", out["province_sigla"].map(names).fillna(""))
    return out


def meeting_indicators(meetings: pd.DataFrame, provinces) -> pd.DataFrame:
    """Per province: ``meetings``, the four participant counts, ``participants``, ``firms_reached``
    (firms present, summed over meetings), ``cna_members``, ``new_contacts`` and ``below_minimum``
    (fewer than :data:`MIN_MEETINGS` meetings; the region's row: any province below)."""
    values: dict[str, pd.Series | str] = {"meetings": pd.Series(1, index=meetings.index)}
    values.update({c: c for c in PARTICIPANTS})
    values.update({"cna_members": "cna_members", "new_contacts": "new_contacts"})
    out = _by_province(meetings, provinces, values)
    out["participants"] = out[PARTICIPANTS].sum(axis=1)
    out["firms_reached"] = out["participants_firms"]
    below = out["meetings"] < MIN_MEETINGS
    below.iloc[-1] = bool(below.iloc[:-1].any())
    out["below_minimum"] = below
    return out


def desk_indicators(desk: pd.DataFrame, provinces, denominators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per province: ``contacts`` and, with ``denominators``, ``firms``, ``workers``,
    ``contacts_per_1000_firms``, ``contacts_per_1000_workers`` (NaN where no denominator)."""
    out = _by_province(desk, provinces, {"contacts": pd.Series(1, index=desk.index)})
    for what in ("firms", "workers"):
        if denominators is not None and what in denominators:
            den = denominators.set_index("province_sigla")[what]
            den = pd.concat([den, pd.Series({REGION_KEY: den.sum() if den.notna().all() and
                                             len(den) == len(provinces) else np.nan})])
            out[what] = out["province_sigla"].map(den).astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"contacts_per_1000_{what}"] = 1000 * out["contacts"] / out[what].where(out[what] > 0)
    return out


def request_counts(desk: pd.DataFrame, provinces, areas: list[str]) -> pd.DataFrame:
    """Desk contacts by request area (rows: ``areas`` + ``general_info``) × province (columns) + ``REGIONE``."""
    rows = [*areas, "general_info"]
    sigle = [s for s, _ in provinces]
    if desk.empty:
        table = pd.DataFrame(0, index=rows, columns=sigle)
    else:
        table = pd.crosstab(desk["request_area"], desk["province_sigla"]).reindex(index=rows, columns=sigle,
                                                                                fill_value=0)
    table[REGION_KEY] = table.sum(axis=1)
    return table.rename_axis(index="area", columns=None).astype("int64")


def focus_attendance(focus: pd.DataFrame, provinces) -> pd.DataFrame:
    """Per province: ``focus_groups`` held and the four participant counts."""
    return _by_province(focus, provinces, {"focus_groups": pd.Series(1, index=focus.index),
                                           **{c: c for c in PARTICIPANTS}})


def focus_indicators(focus: pd.DataFrame, provinces) -> pd.DataFrame:
    """Per need area: ``groups`` (focus groups where the theme emerged, strength ≥ 1), ``strength_total``
    (sum of strengths, the area's score) and ``strength_mean`` (over the groups where it emerged), for the
    region; plus ``groups_<SIGLA>`` per province."""
    themes = theme_columns()
    rows = []
    for column, area in themes.items():
        s = focus[column].astype(float) if column in focus else pd.Series(dtype=float)
        row = {"area": area, "groups": int((s >= 1).sum()), "strength_total": int(s.sum())}
        row["strength_mean"] = float(s[s >= 1].mean()) if row["groups"] else np.nan
        for sigla, _ in provinces:
            here = s[focus["province_sigla"] == sigla] if len(s) else s
            row[f"groups_{sigla}"] = int((here >= 1).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _merge_step(table: pd.DataFrame, hidden: pd.DataFrame, k: int) -> bool:
    """Hide one more cell where the published table would still give a merged cell away; True if it did."""
    provinces = [c for c in table.columns if c != REGION_KEY]
    for c in table.columns:  # a column's merged cells must add up to 0 or to k or more
        merged = int(table.loc[hidden[c], c].sum())
        shown = table.loc[~hidden[c], c]
        if 0 < merged < k and len(shown):
            hidden.loc[shown.idxmin(), c] = True
            return True
    for r in table.index:  # a published area total must not leave a single non-zero merged cell in its row
        if REGION_KEY not in table.columns or hidden.loc[r, REGION_KEY]:
            continue
        merged = hidden.loc[r, provinces]
        if merged.sum() == 1 and table.loc[r, provinces][merged].sum() > 0:
            shown = table.loc[r, provinces][~merged]
            hidden.loc[r, shown.idxmin() if len(shown) else REGION_KEY] = True
            return True
    return False


def published_counts(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """``table`` (area × province counts, with the ``REGIONE`` total column) as published.

    Desk contacts by area and province are sparse: with every cell under ``k`` shown as ``'< k'``, the
    zeros and the totals let a reader solve for many of them (the audit
    :func:`~wecare_analysis.disclosure.recoverable_cells` finds them). So, in every column, the cells under
    ``k`` (zeros included) are merged into a last row :data:`OTHER_KEY` ("altre aree") and shown as
    :data:`MERGED_LABEL`; more cells are merged, smallest first, while a column's merged sum is between 1
    and ``k - 1``, or while a published area total leaves a single non-zero merged cell in its row; a
    column whose whole total is under ``k`` shows ``'< k'`` in its "altre aree" cell.
    """
    hidden = table < k
    for _ in range(table.size):
        if not _merge_step(table, hidden, k):
            break

    out = table.astype(object).mask(hidden, MERGED_LABEL)
    other = table.where(hidden, 0).sum().astype("int64").astype(object)
    out.loc[OTHER_KEY] = other.mask((other > 0) & (other < k), suppression_label(k))  # a column under k in all
    return out


def read_denominators(path: str | os.PathLike[str], region: str = "01") -> pd.DataFrame:
    """Read the optional denominator file (module docstring): ``province_sigla``, ``firms``, ``workers``."""

    names = {norm(alias): key for key, aliases in DENOMINATOR_COLUMNS.items() for alias in aliases}
    table = read_table(path, lambda row: sum(norm(c) in names for c in row)).data
    columns = {names[norm(c)]: c for c in table.columns if norm(c) in names}
    if "province" not in columns or not {"firms", "workers"} & set(columns):
        raise InputError(f"{path}: expected a province column (province/provincia) and firms/imprese and/or "
                         f"workers/addetti; found {', '.join(table.columns)}.")
    parse = province_parser(region)
    sigla = table[columns["province"]].map(lambda v: parse(str(v))[0])
    if sigla.isna().any():
        bad = table.loc[sigla.isna(), columns["province"]].value_counts()
        raise InputError(f"{path}: unknown provinces in column {columns['province']!r}: "
                         + ", ".join(f"{v!r} ({n})" for v, n in bad.items()))
    out = pd.DataFrame({"province_sigla": sigla})
    for key in ("firms", "workers"):
        if key in columns:
            raw = table[columns[key]].astype(str).str.replace(".", "", regex=False).str.replace(",", ".")
            values = pd.to_numeric(raw, errors="coerce")
            if values.isna().any() or (values < 0).any():
                raise InputError(f"{path}: column {columns[key]!r} must hold numbers of 0 or more; found "
                                 + ", ".join(repr(v) for v in table.loc[values.isna() | (values < 0),
                                                                         columns[key]].unique()[:5]))
            out[key] = values
    return out.groupby("province_sigla", as_index=False).sum()


def free_text_counts(texts: pd.DataFrame, provinces, book=None) -> pd.DataFrame:
    """Answers coded to each need area (rows) × province (columns) + ``REGIONE``, from ``texts``
    (``province_sigla``, ``text``): the survey's "Altri bisogni o suggerimenti" and the desk notes.

    Only counts leave this function, never a text (:func:`~wecare_analysis.activities.freetext.code_answers`).
    """

    book = book or load_dictionary()
    sigle = [s for s, _ in provinces]
    coded = code_answers(texts["text"], book) if len(texts) else pd.DataFrame(columns=list(book.areas))
    table = coded.groupby(texts["province_sigla"].to_numpy()).sum().T if len(texts) else pd.DataFrame(
        0, index=list(book.areas), columns=sigle)
    table = table.reindex(index=list(book.areas), columns=sigle, fill_value=0)
    table[REGION_KEY] = coded.sum().reindex(list(book.areas), fill_value=0) if len(texts) else 0
    return table.rename_axis(index="area", columns=None).astype("int64")


def activity_indicators(meetings: pd.DataFrame, desk: pd.DataFrame, focus: pd.DataFrame,
                        region: str = "01", denominators: pd.DataFrame | None = None,
                        free_text: pd.DataFrame | None = None, k: int | None = None,
                        book=None) -> ActivitiesIndicators:
    """All the indicator tables of the programme's activities (see :class:`ActivitiesIndicators`).

    Parameters
    ----------
    meetings, desk, focus
        Validated tables (:func:`~wecare_analysis.activities.store.load_activities`); empty ones allowed.
    region
        Region whose provinces make the rows ("01" Piedmont).
    denominators
        Optional :func:`read_denominators` table.
    free_text
        Optional ``province_sigla, text`` table to code (survey answers and desk notes).
    k
        Disclosure threshold (default :func:`~wecare_analysis.disclosure.min_cell`).
    book
        Free-text dictionary (default :func:`~wecare_analysis.activities.freetext.load_dictionary`).
    """

    provinces = region_provinces(region)
    areas = list(load_codebook().need_area_codes)
    return ActivitiesIndicators(
        meetings=meeting_indicators(meetings, provinces),
        desk=desk_indicators(desk, provinces, denominators),
        requests=request_counts(desk, provinces, areas),
        focus=focus_indicators(focus, provinces),
        focus_groups=focus_attendance(focus, provinces),
        free_text=None if free_text is None else free_text_counts(free_text, provinces, book),
        provinces=provinces, k=min_cell(k))
