"""Disclosure control over everything a run publishes together: one suppression pattern, one audit.

A run publishes, for every province of a region, the respondent profile (``rispondenti.csv``:
counts by category of role, sex, age class, firm size, ATECO section, artisan firm, for the
province and the region) and the needs table (``bisogni.csv``: respondents of every need area
by territory and group). Read together, these are one system of linked tables: rows are
categories, columns the provinces and the region, and a reader knows the additive relations

- **region**: the provinces' cells of a row sum to the region's cell;
- **totals**: the categories of a profile variable sum to the column's respondents
  :math:`T_c`, the same for every variable (the province totals implied by fully published variables);
- **groups**: the respondents of a need area by sex (by role) sum to all its respondents;
- **links**: the respondents of a need area in a group are those of the group in the profile
  (and all of them the column's :math:`T_c`), when no one skipped the question.

A suppression decided table by table ("one more hidden cell in every line with one") can be
undone by differencing across tables. :func:`audit_system` attacks the whole system with linear
programming (scipy ``linprog``, HiGHS): for every suppressed cell :math:`x`, its minimum and maximum
subject to every published cell and relation and :math:`x \\ge 0` (the *protection interval*,
Hundepool et al. 2012, *Statistical Disclosure Control*, §4.2.2), and again with what the labels
say (``'< k'``: :math:`1 \\le x \\le k-1`; ``'n.p.'``: :math:`x \\ge k`). A cell is **safe** when its
interval is at least ``k`` wide (:math:`\\max - \\min \\ge k`) and the labels do not pin it to one
integer. A needs domain hidden as ``'n.p.'`` has ``k`` or more respondents (its *estimate* is what is
hidden): it is an unknown of the attack, not a cell to protect (:func:`exempt_cells`). A relation family the published cells contradict (a question some respondents skipped:
its categories sum to less than the total) is relaxed from ``=`` to ``<=`` and named in the result.

:func:`protect` computes the pattern once per region, on the true counts: it starts from the
per-table pattern (primary cells ``0 < n < k`` and their complements,
:func:`~wecare_analysis.disclosure.complementary_mask`) and, while the audit finds an unsafe cell,
hides the smallest published non-zero cell that shares a relation with it (the greedy heuristic
of hypercube-style methods, Hundepool et al. §4.2.3: not optimal in the number of hidden cells,
but every round hides at least one more cell, so it ends, and it ends with an audit that passes).
:func:`audit_reports` reads what a run published (``reports/*/opendata/*.csv`` and ``findings.xlsx``)
and runs the same audit: ``wecare disclosure audit reports/``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.disclosure import COMPLEMENTARY_LABEL, min_cell, suppression_label
from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.profile import PROFILE_VARIABLES

#: The data label's column of every published CSV (``report.labels.LABEL_COLUMN``): provenance text, not a count.
LABEL_COLUMN = "fonte_dati"

#: A cell of the system: ``("rispondenti", block, category, column)``, ``("bisogni", area, group_var, group,
#: column)`` or ``("totale", column)`` (respondents of a column, never published as such).
Key = tuple
#: Column key of the region in every table of the system.
REGION = "__region__"
#: Relation families, in the order they are relaxed when the published cells contradict them.
FAMILIES = ("links", "groups", "totals", "region")
#: Published group labels of the needs table → ``(group_var, group)`` codes
#: (:data:`wecare_analysis.report.document.GROUP_LABELS` inverted; a test keeps them in step).
PUBLISHED_GROUP_CODES: dict[str, tuple[str, str]] = {
    "Tutti": ("all", "all"), "Donne": ("sex", "F"), "Uomini": ("sex", "M"), "Dipendenti": ("role", "employee"),
    "Titolari e soci": ("role", "owner"), "Collaboratori familiari": ("role", "collaborator")}


@dataclass(frozen=True)
class Relation:
    """``sum(coef * x) = 0`` over ``terms`` (``<= 0`` when its family is relaxed: the parts carry +1, the whole -1)."""

    terms: tuple[tuple[Key, float], ...]
    family: str


@dataclass
class CellSystem:
    """Linked published tables: every cell's published value and the relations a reader knows.

    ``cells[key]`` is a number (published), a label (``'< k'``, ``'n.p.'``: suppressed) or None
    (an unknown never published, e.g. a column's respondents :math:`T_c`).
    """

    cells: dict[Key, object]
    relations: list[Relation] = field(default_factory=list)
    #: Suppressed cells that are unknowns of the attack but not cells to protect (see :func:`run_system`).
    exempt: frozenset = frozenset()


@dataclass
class Audit:
    """Result of :func:`audit_system`: one row per suppressed cell, the relaxed families, the threshold."""

    table: pd.DataFrame
    relaxed: tuple[str, ...]
    k: int

    @property
    def passed(self) -> bool:
        """Whether every suppressed cell is safe."""
        return bool(self.table["safe"].all()) if len(self.table) else True

    @property
    def unsafe(self) -> pd.DataFrame:
        """The suppressed cells that are not safe."""
        return self.table[~self.table["safe"]] if len(self.table) else self.table


# --- the linear programmes -----------------------------------------------------------------------------------

def _label_bounds(value: object, k: int) -> tuple[float, float | None]:
    if value == suppression_label(k):
        return 1.0, float(k - 1)
    if value == COMPLEMENTARY_LABEL:
        return float(k), None
    return 0.0, None


def _linear_rows(system: CellSystem, relaxed: set[str], position: dict[Key, int]):
    """Equality and inequality rows over the unknowns (published cells moved to the right-hand side)."""
    eq, ub = [], []
    for rel in system.relations:
        coef: dict[int, float] = {}
        rhs = 0.0
        for key, c in rel.terms:
            if key not in system.cells:
                continue
            if key in position:
                coef[position[key]] = coef.get(position[key], 0.0) + c
            else:
                rhs -= c * float(system.cells[key])
        (ub if rel.family in relaxed else eq).append((coef, rhs))
    return eq, ub


def _components(n: int, rows: Iterable[dict[int, float]]) -> list[list[int]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for coef in rows:
        ids = [i for i, c in coef.items() if c]
        for j in ids[1:]:
            parent[find(j)] = find(ids[0])
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _matrices(rows: list[tuple[dict[int, float], float]], members: list[int]):
    local = {g: i for i, g in enumerate(members)}
    picked = [(c, r) for c, r in rows if any(i in local for i in c)]
    if not picked:
        return None, None
    a = np.zeros((len(picked), len(members)))
    for j, (coef, _) in enumerate(picked):
        for i, c in coef.items():
            a[j, local[i]] = c
    return a, np.array([r for _, r in picked])


def _constant_rows_hold(rows: list[tuple[dict[int, float], float]], equal: bool) -> bool:
    """Relations without unknowns must hold among the published cells themselves."""
    for coef, rhs in rows:
        if not any(coef.values()) and ((equal and abs(rhs) > 1e-6) or (not equal and rhs < -1e-6)):
            return False
    return True


def _extremes(index: int, a_eq, b_eq, a_ub, b_ub, bounds) -> tuple[float, float] | None:
    """Min and max of unknown ``index`` (None: no table fits the constraints)."""
    from scipy.optimize import linprog

    objective = np.zeros(len(bounds))
    objective[index] = 1.0
    ends = []
    for sign in (1.0, -1.0):
        res = linprog(sign * objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 2:
            return None
        ends.append(np.inf if res.status == 3 else sign * float(res.fun))
    return ends[0], ends[1]


def _feasible(a_eq, b_eq, a_ub, b_ub, bounds) -> bool:
    from scipy.optimize import linprog

    res = linprog(np.zeros(len(bounds)), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return res.status != 2


def _component_audit(system: CellSystem, keys: list[Key], members: list[int], eq, ub, k: int) -> list[dict]:
    a_eq, b_eq = _matrices(eq, members)
    a_ub, b_ub = _matrices(ub, members)
    values = [system.cells[keys[i]] for i in members]
    known = [_label_bounds(v, k) for v in values]
    wide = [(0.0, None)] * len(members)
    out = []
    for j, i in enumerate(members):
        if values[j] is None or keys[i] in system.exempt:
            continue  # a total never published, or a cell hidden for another reason: not a cell to protect
        plain = _extremes(j, a_eq, b_eq, a_ub, b_ub, wide)
        told = _extremes(j, a_eq, b_eq, a_ub, b_ub, known)
        if plain is None or told is None:
            raise ValueError("the published cells contradict the relations between the tables")
        lower, upper = plain
        known_lower, known_upper = told
        pinned = bool(np.isfinite(known_upper) and np.floor(known_upper + 1e-6) <= np.ceil(known_lower - 1e-6))
        width = upper - lower
        out.append({"cell": keys[i], "label": values[j], "lower": lower, "upper": upper, "known_lower": known_lower,
                    "known_upper": known_upper, "width": width, "pinned": pinned,
                    "safe": bool(width >= k - 1e-6 and not pinned)})
    return out


def _relaxation(system: CellSystem, keys: list[Key], position: dict[Key, int], k: int) -> set[str]:
    """The smallest prefix of :data:`FAMILIES` to relax (``=`` → ``<=``) for the published cells to fit."""
    bounds = [_label_bounds(system.cells[key], k) for key in keys]
    relaxed: set[str] = set()
    for family in (None, *FAMILIES):
        if family is not None:
            relaxed.add(family)
        eq, ub = _linear_rows(system, relaxed, position)
        if not (_constant_rows_hold(eq, True) and _constant_rows_hold(ub, False)):
            continue
        if not keys:
            return relaxed
        a_eq, b_eq = _matrices(eq, list(range(len(keys))))
        a_ub, b_ub = _matrices(ub, list(range(len(keys))))
        if _feasible(a_eq, b_eq, a_ub, b_ub, bounds):
            return relaxed
    raise ValueError("the published cells contradict the relations between the tables, even relaxed")


def audit_system(system: CellSystem, k: int, relaxed: set[str] | None = None,
                 reuse: dict[tuple, list[dict]] | None = None) -> Audit:
    """Attack every suppressed cell of ``system`` with linear programming (see the module docstring).

    For each suppressed cell :math:`x_i`, :math:`\\min x_i` and :math:`\\max x_i` subject to
    :math:`A_{eq} x = b_{eq}` (the relations, published cells substituted), :math:`A_{ub} x \\le b_{ub}`
    (relaxed families) and :math:`x \\ge 0` give ``lower, upper``; with the label bounds too,
    ``known_lower, known_upper``. ``safe``: ``upper - lower >= k`` and not ``pinned`` (a single integer
    in ``[known_lower, known_upper]``). Cells in ``system.exempt`` are unknowns, not rows of the result.
    The unknowns are split into the connected components of the
    relations, and each component is solved on its own.

    Parameters
    ----------
    system
        The published cells and relations.
    k
        The disclosure threshold.
    relaxed
        Families to treat as ``<=`` (None: the fewest the published cells require, :data:`FAMILIES` order).
    reuse
        Cache of component results between calls (used by :func:`protect`).

    Returns
    -------
    Audit
        ``table``: ``cell, label, lower, upper, known_lower, known_upper, width, pinned, safe``.

    Examples
    --------
    >>> cells = {("t", "a"): "< 5", ("t", "b"): 12, ("t", "tot"): 15}
    >>> rel = Relation(((("t", "a"), 1.0), (("t", "b"), 1.0), (("t", "tot"), -1.0)), "region")
    >>> audit_system(CellSystem(cells, [rel]), 5).table[["lower", "upper", "safe"]].values.tolist()
    [[3.0, 3.0, False]]
    """
    keys = [key for key, v in system.cells.items() if v is None or isinstance(v, str)]
    position = {key: i for i, key in enumerate(keys)}
    if relaxed is None:
        relaxed = _relaxation(system, keys, position, k)
    eq, ub = _linear_rows(system, relaxed, position)
    if not (_constant_rows_hold(eq, True) and _constant_rows_hold(ub, False)):
        raise ValueError("the published cells contradict the relations between the tables")
    rows = []
    for members in _components(len(keys), [c for c, _ in eq + ub]):
        signature = (tuple(sorted(relaxed)),
                     tuple(sorted((repr(keys[i]), str(system.cells[keys[i]])) for i in members)))
        if reuse is not None and signature in reuse:
            found = reuse[signature]
        else:
            found = _component_audit(system, keys, members, eq, ub, k)
            if reuse is not None:
                reuse[signature] = found
        rows.extend(found)
    columns = ["cell", "label", "lower", "upper", "known_lower", "known_upper", "width", "pinned", "safe"]
    table = pd.DataFrame(rows, columns=columns)
    return Audit(table, tuple(f for f in FAMILIES if f in relaxed), k)


# --- the joint pattern --------------------------------------------------------------------------------------

def protect(values: Mapping[Key, float | None], relations: list[Relation], suppressed: Mapping[Key, str], k: int,
            max_rounds: int = 1000) -> dict[Key, str]:
    """The joint suppression pattern: ``suppressed`` (cell → label) grown until :func:`audit_system` passes.

    ``values`` are the true counts (None for an unknown never published). In every round, for
    every unsafe cell, the smallest published non-zero cell sharing a relation with it (else with
    any suppressed cell linked to it, breadth first) is hidden as ``'n.p.'``. The relations are
    audited as :func:`audit_reports` will audit the published cells (the families they contradict
    relaxed, round by round). Returns the full pattern (a superset of ``suppressed``).
    """
    pattern = dict(suppressed)
    by_cell: dict[Key, list[Relation]] = {}
    for rel in relations:
        for key, _ in rel.terms:
            by_cell.setdefault(key, []).append(rel)
    cache: dict[tuple, list[dict]] = {}
    for _ in range(max_rounds):
        published = {key: pattern.get(key, v) for key, v in values.items()}
        audit = audit_system(CellSystem(published, relations, exempt_cells(published)), k, None, cache)
        if audit.passed:
            return pattern
        added = False
        for cell in audit.unsafe["cell"]:
            pick = _next_cell(cell, values, pattern, by_cell)
            if pick is not None and pick not in pattern:
                pattern[pick] = COMPLEMENTARY_LABEL
                added = True
        if not added:
            raise RuntimeError("joint suppression: no cell left to hide for an unsafe cell")
    raise RuntimeError("joint suppression did not converge")


def _next_cell(start: Key, values: Mapping[Key, float | None], pattern: Mapping[Key, str],
               by_cell: Mapping[Key, list[Relation]]) -> Key | None:
    """Smallest published non-zero cell in a relation with ``start``, searching outwards through hidden cells."""
    seen, frontier = {start}, [start]
    while frontier:
        candidates, following = [], []
        for cell in frontier:
            for rel in by_cell.get(cell, ()):
                for key, _ in rel.terms:
                    if key in seen or key not in values:
                        continue
                    seen.add(key)
                    value = values[key]
                    if key in pattern or value is None:
                        following.append(key)
                    elif value > 0:
                        candidates.append((float(value), repr(key), key))
        if candidates:
            return min(candidates)[2]
        frontier = following
    return None


# --- the system of a run's tables ---------------------------------------------------------------------------

def group_categories() -> dict[tuple[str, str], tuple[str, str]]:
    """``(group_var, group)`` of the needs table → ``(block, category)`` of the respondent profile (codebook labels)."""

    book = load_codebook()
    out = {}
    for variable in ("sex", "role"):
        for code, label in book.options(book.question(variable)):
            shown = label if label.upper() != label else label.capitalize()
            out[(variable, code)] = (PROFILE_VARIABLES[variable], shown)
    return out


def run_system(profile: pd.DataFrame | None, needs: pd.DataFrame | None,
               links: Mapping[tuple[str, str], tuple[str, str]] | None = None) -> CellSystem:
    """The linked tables of one region as a :class:`CellSystem`.

    Parameters
    ----------
    profile
        Long respondent profile ``block, category, column, value`` (``column``: a province sigla or
        :data:`REGION`; ``value``: count or label).
    needs
        Long needs counts ``area, group_var, group, column, value`` (same columns).
    links
        ``(group_var, group)`` → ``(block, category)`` (default :func:`group_categories`).
    """
    links = group_categories() if links is None else links
    cells: dict[Key, object] = {}
    relations: list[Relation] = []
    columns: set[str] = set()

    def add_region(rows: dict[tuple, dict[str, Key]]) -> None:
        for by_column in rows.values():
            if REGION in by_column:
                parts = tuple((key, 1.0) for col, key in by_column.items() if col != REGION)
                relations.append(Relation(parts + ((by_column[REGION], -1.0),), "region"))

    if profile is not None and len(profile):
        rows: dict[tuple, dict[str, Key]] = {}
        blocks: dict[tuple[str, str], list[Key]] = {}
        for block, category, column, value in profile[["block", "category", "column", "value"]].itertuples(
                index=False):
            key = ("rispondenti", block, category, column)
            cells[key] = _cell_value(value)
            rows.setdefault((block, category), {})[column] = key
            blocks.setdefault((block, column), []).append(key)
            columns.add(column)
        add_region(rows)
        for (_, column), keys in blocks.items():
            relations.append(Relation(tuple((key, 1.0) for key in keys) + ((("totale", column), -1.0),), "totals"))
    if needs is not None and len(needs):
        rows = {}
        groups: dict[tuple[str, str, str], list[Key]] = {}
        for area, gv, group, column, value in needs[["area", "group_var", "group", "column", "value"]].itertuples(
                index=False):
            key = ("bisogni", area, gv, group, column)
            cells[key] = _cell_value(value)
            rows.setdefault((area, gv, group), {})[column] = key
            columns.add(column)
            if gv != "all":
                groups.setdefault((area, gv, column), []).append(key)
            if gv == "all":
                relations.append(Relation(((key, 1.0), (("totale", column), -1.0)), "links"))
            elif (gv, group) in links:
                block, category = links[(gv, group)]
                relations.append(Relation(((key, 1.0), (("rispondenti", block, category, column), -1.0)), "links"))
        add_region(rows)
        for (area, gv, column), keys in groups.items():
            whole = ("bisogni", area, "all", "all", column)
            if whole in cells:
                relations.append(Relation(tuple((key, 1.0) for key in keys) + ((whole, -1.0),), "groups"))
    for column in columns:
        cells[("totale", column)] = None
    return CellSystem(cells, relations, exempt_cells(cells))


def exempt_cells(cells: Mapping[Key, object]) -> frozenset:
    """The needs-table cells hidden as ``'n.p.'``: a domain of ``k`` or more respondents whose estimate is
    hidden (it rests on fewer than ``k`` with or without the need, or it is a complement). What they
    protect is the estimate, not the domain's size, which the respondent profile publishes anyway;
    they are unknowns of the attack (they protect the ``'< k'`` domains around them) but not targets."""
    return frozenset(key for key, v in cells.items() if key[0] == "bisogni" and v == COMPLEMENTARY_LABEL)


def _cell_value(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"<\s*\d+", text) or text == COMPLEMENTARY_LABEL:
            return re.sub(r"<\s*", "< ", text)
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"cell {value!r}: neither a count nor a suppression label") from None
    if value is None or (isinstance(value, float) and np.isnan(value)):
        raise ValueError("empty count cell")
    return float(value)


# --- reading what a run published ---------------------------------------------------------------------------

@dataclass
class PublishedRun:
    """The linked tables a run published, one system per region (by the region's name)."""

    systems: dict[str, CellSystem]
    reports: list[str]
    k: int | None


def region_key(name: str) -> str:
    """The key grouping a region's reports: its name as an ASCII snake_case slug (``"Piemonte"`` → ``piemonte``),
    the same for the workbook's header and the open-data CSV's column."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def _read_table(report: Path, csv_name: str, sheet: str) -> list[pd.DataFrame]:
    """The table as the open-data CSV and as the workbook sheet (either may be missing), headers lower-cased
    (the workbook's own headers in ``attrs["headers"]``)."""
    frames = []
    csv = report / "opendata" / csv_name
    if csv.is_file():
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        frame.attrs["headers"] = list(frame.columns)
        frames.append(frame.rename(columns=str.lower))
    book = report / "findings.xlsx"
    if book.is_file():
        from openpyxl import load_workbook

        wb = load_workbook(book, read_only=True, data_only=True)
        try:
            if sheet in wb.sheetnames:
                rows = _below_banner(list(wb[sheet].iter_rows(values_only=True)))
                if rows:
                    header = [str(h) for h in rows[0]]
                    frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
                    frame.attrs["headers"] = header
                    frames.append(frame.rename(columns=str.lower))
        finally:
            wb.close()
    return frames


def _below_banner(rows: list[tuple]) -> list[tuple]:
    """The sheet's rows from its header on: a data-label banner above the header (one filled cell in the
    first row, :mod:`wecare_analysis.report.labels`) is skipped."""
    if len(rows) > 1 and sum(v not in (None, "") for v in rows[0]) == 1 \
            and sum(v not in (None, "") for v in rows[1]) > 1:
        return rows[1:]
    return rows


def _profile_cells(report: Path, sigla: str) -> tuple[list[dict], str | None]:
    """Long profile cells of one report (``block, category, column, value``) and its region column's name."""
    records, region = [], None
    for frame in _read_table(report, "rispondenti.csv", "Rispondenti"):
        counts = [c for c in frame.columns if c not in ("variabile", "categoria", LABEL_COLUMN)]
        if "variabile" not in frame.columns or "categoria" not in frame.columns:
            raise ValueError(f"{report}: the respondents table has no 'variabile'/'categoria' columns")
        others = [c for c in counts if c.lower() != sigla.lower()]
        if len(others) != 1:
            raise ValueError(f"{report}: the respondents table should have the columns {sigla} and the region's, "
                             f"found {counts}")
        region = frame.attrs["headers"][list(frame.columns).index(others[0])]  # the workbook's, read last, wins
        for row in frame.itertuples(index=False):
            values = dict(zip(frame.columns, row, strict=True))
            for column in counts:
                if values[column] in (None, ""):
                    continue
                records.append({"block": str(values["variabile"]), "category": str(values["categoria"]),
                                "column": sigla if column.lower() == sigla.lower() else REGION,
                                "value": values[column], "source": str(report)})
    return records, region


def _needs_cells(report: Path, sigla: str, region: str | None) -> tuple[list[dict], str | None]:
    records, region_name = [], None
    for frame in _read_table(report, "bisogni.csv", "Bisogni"):
        area = next((c for c in frame.columns if c in ("area_di_bisogno", "area di bisogno")), None)
        if area is None or "territorio" not in frame.columns or "gruppo" not in frame.columns \
                or "rispondenti" not in frame.columns:
            raise ValueError(f"{report}: the needs table has no area/territorio/gruppo/rispondenti columns")
        places = list(dict.fromkeys(frame["territorio"].astype(str)))
        named = [p for p in places if region is not None and region_key(p) == region_key(region)]
        region_name = named[0] if named else (places[-1] if len(places) > 1 else None)
        for row in frame.itertuples(index=False):
            values = dict(zip(frame.columns, row, strict=True))
            group = PUBLISHED_GROUP_CODES.get(str(values["gruppo"]))
            if group is None or values["rispondenti"] in (None, ""):
                continue
            column = REGION if str(values["territorio"]) == region_name else sigla
            records.append({"area": str(values[area]), "group_var": group[0], "group": group[1], "column": column,
                            "value": values["rispondenti"], "source": str(report)})
    return records, region_name


def _merged(records: list[dict], keys: list[str]) -> pd.DataFrame:
    """One value per cell: a number published anywhere wins over a label; two different numbers are an error."""
    if not records:
        return pd.DataFrame(columns=[*keys, "value"])
    frame = pd.DataFrame(records)
    out = []
    for key, block in frame.groupby(keys, sort=False):
        values = [_cell_value(v) for v in block["value"]]
        numbers = {v for v in values if not isinstance(v, str)}
        if len(numbers) > 1:
            raise ValueError(f"cell {key}: published with different values {sorted(numbers)} "
                             f"({', '.join(sorted(set(block['source'])))})")
        labels = {v for v in values if isinstance(v, str)}
        out.append((*key, numbers.pop() if numbers else min(labels)))
    return pd.DataFrame(out, columns=[*keys, "value"])


def read_published(folder: str | os.PathLike[str]) -> PublishedRun:
    """Read the respondent and needs tables of every report folder under ``folder`` (``<folder>/<SIGLA>/``).

    A report folder's name is its province's sigla; its respondents table's other count column is
    the region (its name groups the provinces of one region). Tables in both ``opendata/`` and
    ``findings.xlsx`` are read both; a cell published as a number in either is known.
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder of reports")
    profile: dict[str, list[dict]] = {}
    needs: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    reports, labels = [], set()
    for report in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        sigla = report.name.upper()
        rows, region = _profile_cells(report, sigla)
        need_rows, region_name = _needs_cells(report, sigla, region)
        if not rows and not need_rows:
            continue
        reports.append(sigla)
        name = region or region_name or "?"
        key = region_key(name)
        if key not in names or names[key] == names[key].lower():  # prefer a workbook's header to a CSV slug
            names[key] = name
        profile.setdefault(key, []).extend(rows)
        needs.setdefault(key, []).extend(need_rows)
        labels |= {str(r["value"]).strip() for r in rows + need_rows if str(r["value"]).strip().startswith("<")}
    ks = {int(re.sub(r"\D", "", label)) for label in labels if re.fullmatch(r"<\s*\d+", label)}
    if len(ks) > 1:
        raise ValueError(f"the reports use different thresholds: {sorted(ks)}")
    k = ks.pop() if ks else None
    systems = {names[key]: run_system(_merged(profile[key], ["block", "category", "column"]),
                                      _merged(needs[key], ["area", "group_var", "group", "column"]))
               for key in profile}
    return PublishedRun(systems, reports, k)


def audit_reports(folder: str | os.PathLike[str], k: int | None = None) -> tuple[Audit, PublishedRun]:
    """:func:`audit_system` over every published table of the run in ``folder``, all regions together.

    ``k``: the threshold (default: the one the labels ``'< k'`` show, else
    :func:`~wecare_analysis.disclosure.min_cell`). ``cell`` in the result starts with the region's name.
    """

    run = read_published(folder)
    threshold = min_cell(k if k is not None else run.k)
    tables, relaxed = [], set()
    for name, system in run.systems.items():
        audit = audit_system(system, threshold)
        tables.append(audit.table.assign(cell=[(name, *c) for c in audit.table["cell"]]))
        relaxed |= set(audit.relaxed)
    columns = ["cell", "label", "lower", "upper", "known_lower", "known_upper", "width", "pinned", "safe"]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    return Audit(table, tuple(f for f in FAMILIES if f in relaxed), threshold), run
