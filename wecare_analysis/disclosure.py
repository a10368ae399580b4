"""Small-cell suppression: no published cell under ``k`` respondents (default 5).

The threshold comes from, in order: the ``k`` argument, the ``WECARE_MIN_CELL``
environment variable, :data:`DEFAULT_MIN_CELL`. A suppressed cell is shown as
:data:`SUPPRESSED_LABEL` ("< 5" with the default), never as a number, and its
value is not recoverable from what is published in the same table: a primary
suppression in a row or column with a total gets a complementary one
(:func:`suppressed_counts`), shown as :data:`COMPLEMENTARY_LABEL` ("n.p.").

Estimates of a domain with fewer than ``k`` respondents, and proportions resting
on fewer than ``k`` respondents with (or without) the attribute, are hidden
together with their complements (:func:`suppressed_estimates`). The audits
:func:`recoverable_cells` (linear-programming bounds of every suppressed cell
from the published cells and margins) and :func:`screen_outputs` (planted
identifiers searched in every published file) check what is published.

These decide and audit one table at a time; :mod:`wecare_analysis.disclosure_joint` decides the
pattern and audits it over every table a run publishes together (all provinces, the region's
column, every group), as the region analysis applies it.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError

DEFAULT_MIN_CELL = 5
#: Label of a complementary suppression (a cell of at least ``k`` hidden to protect a small one).
COMPLEMENTARY_LABEL = "n.p."


def min_cell(k: int | None = None) -> int:
    """The suppression threshold: ``k``, else ``$WECARE_MIN_CELL``, else 5."""
    if k is not None:
        value = int(k)
    else:
        value = int(os.environ.get("WECARE_MIN_CELL", DEFAULT_MIN_CELL))
    if value < 1:
        raise ValueError(f"the minimum cell size must be at least 1, found {value}")
    return value


def suppression_label(k: int | None = None) -> str:
    """Label shown instead of a suppressed cell, e.g. ``'< 5'``."""
    return f"< {min_cell(k)}"


def small_cells(counts: pd.DataFrame | pd.Series, k: int | None = None) -> pd.DataFrame | pd.Series:
    """Boolean mask of the primary suppressions: cells with ``0 < count < k``.

    Zero cells are published (an empty cell discloses nothing about a person).

    Examples
    --------
    >>> small_cells(pd.Series([0, 3, 5, 12])).tolist()
    [False, True, False, False]
    """
    threshold = min_cell(k)
    return (counts > 0) & (counts < threshold)


def complementary_mask(counts: pd.DataFrame, primary: pd.DataFrame) -> pd.DataFrame:
    """Add complementary suppressions so no suppressed cell can be derived from row or column totals.

    In every row and every column with exactly one suppressed cell, the smallest
    other non-zero cell is suppressed too; repeated until stable.
    """
    mask = primary.copy()
    values = counts.to_numpy(dtype=float)
    for _ in range(values.size):
        m = mask.to_numpy(dtype=bool, copy=True)
        changed = False
        for axis in (1, 0):
            lines = m if axis == 1 else m.T
            vals = values if axis == 1 else values.T
            for i in np.flatnonzero(lines.sum(axis=1) == 1):
                candidates = np.where(~lines[i] & (vals[i] > 0), vals[i], np.inf)
                if np.isfinite(candidates).any():
                    lines[i, int(np.argmin(candidates))] = True
                    changed = True
        mask = pd.DataFrame(m, index=counts.index, columns=counts.columns)
        if not changed:
            break
    return mask


def suppressed_counts(counts: pd.DataFrame, k: int | None = None,
                      complementary: bool = True) -> pd.DataFrame:
    """Return ``counts`` as an object table with small cells replaced by :func:`suppression_label`.

    Complementary suppressions (cells of ``k`` or more hidden only to protect a
    small one) read :data:`COMPLEMENTARY_LABEL` ("n.p."), so that no published
    label is false.

    Parameters
    ----------
    counts
        Table of respondent counts (rows × columns, no totals).
    k
        Minimum publishable cell (default :func:`min_cell`).
    complementary
        Also suppress the cells that would let a reader recompute a suppressed one
        from the row and column totals.
    """
    primary = small_cells(counts, k)
    mask = complementary_mask(counts, primary) if complementary else primary
    out = counts.astype(object).mask(mask & ~primary, COMPLEMENTARY_LABEL)
    return out.mask(primary, suppression_label(k))


def suppression_mask(counts: pd.DataFrame, k: int | None = None, complementary: bool = True) -> pd.DataFrame:
    """Boolean mask of every suppressed cell of ``counts``: primary (:func:`small_cells`) and complementary."""
    primary = small_cells(counts, k)
    return complementary_mask(counts, primary) if complementary else primary


def suppressed_estimates(estimates: pd.DataFrame, rows: str, columns: str | None = None,
                         k: int | None = None, value_columns: tuple[str, ...] = (
                             "estimate", "se", "ci_low", "ci_high", "ci_logit_low", "ci_logit_high"),
                         positives: str = "n_positive") -> pd.DataFrame:
    """Hide the estimates of small domains and of small answer cells, and their complements.

    A proportion :math:`\\hat p_d` of a domain :math:`d` with :math:`n_d` respondents,
    :math:`x_d` of whom have the attribute, publishes two cells of the domain ×
    answer table: :math:`x_d` and :math:`n_d - x_d` (with :math:`n_d`, a reader
    recovers them from :math:`\\hat p_d`). The domain is a primary suppression when
    :math:`0 < n_d < k` (its respondents are shown as ``'< k'``), or when
    :math:`0 < x_d < k` or :math:`0 < n_d - x_d < k` (shown as ``'n.p.'``: the
    domain has ``k`` or more respondents, but the answer rests on fewer). Zero
    cells are published, as in :func:`small_cells` (0 % and 100 % disclose no one).

    A weighted estimate of a domain can also be recomputed from the estimate of
    the whole and of the other domains when the population weights are known
    (they are: the survey is raked to ISTAT totals). So the domains are laid out
    as a table ``rows`` × ``columns`` (e.g. province × sex) and, in every row and
    column holding exactly one suppression, one more domain is hidden
    (:func:`complementary_mask`, the smallest ``n``). Masked domains lose their
    estimate and interval (NaN) and get ``suppressed = True`` and ``n_label``
    (``'< 5'`` for a small domain, ``'n.p.'`` otherwise, else the count).

    Parameters
    ----------
    estimates
        Long table with the ``rows`` (and ``columns``) domain columns, ``variable`` and ``n``
        and, for proportions, the unweighted count of respondents with the attribute in the
        column named by ``positives`` (without that column only domain sizes are checked).
    rows, columns
        Domain columns; ``columns=None`` treats each variable as one row of domains.
    k
        Threshold (default :func:`min_cell`).
    value_columns
        Columns blanked in suppressed domains.
    positives
        Column of the attribute counts :math:`x_d`.

    Examples
    --------
    >>> est = pd.DataFrame({"p": ["A", "B", "C"], "variable": "y", "estimate": [.5, .4, .3], "n": [3, 40, 9]})
    >>> suppressed_estimates(est, "p")["suppressed"].tolist()
    [True, False, True]
    >>> est = est.assign(n=[30, 40, 50], n_positive=[2, 16, 15])  # A: 2 of 30 have the attribute
    >>> out = suppressed_estimates(est, "p")
    >>> out["suppressed"].tolist(), out["n_label"].tolist()
    ([True, True, False], ['n.p.', 'n.p.', 50])
    """
    out = estimates.copy()
    out["suppressed"] = False
    out["n_label"] = out["n"].astype(object)
    label_primary = suppression_label(k)
    for variable, block in out.groupby("variable", sort=False):
        def layout(column: str, frame: pd.DataFrame = block, name: object = variable) -> pd.DataFrame:
            if columns is None:
                return frame.set_index(rows)[[column]].T.set_axis([name])
            return frame.pivot_table(index=rows, columns=columns, values=column, aggfunc="sum", fill_value=0)

        table = layout("n")
        small_domain = small_cells(table, k)
        primary = small_domain.copy()
        if positives in block.columns:
            with_attribute = layout(positives).reindex_like(table).fillna(0)
            primary |= small_cells(with_attribute, k) | small_cells(table - with_attribute, k)
        mask = complementary_mask(table, primary)
        for (r, c), hidden in mask.stack().items():
            if not hidden:
                continue
            if columns is None:
                sel = block.index[block[rows] == c]
            else:
                sel = block.index[(block[rows] == r) & (block[columns] == c)]
            out.loc[sel, "suppressed"] = True
            out.loc[sel, "n_label"] = label_primary if bool(small_domain.loc[r, c]) else COMPLEMENTARY_LABEL
    present = [c for c in value_columns if c in out.columns]
    out.loc[out["suppressed"], present] = np.nan
    return out


def _cell_bounds(label: object, k: int) -> tuple[float, float] | None:
    """Bounds a reader can infer from a published cell (None: it is a published number)."""
    if isinstance(label, str):
        if label == suppression_label(k):
            return 1.0, float(k - 1)
        if label == COMPLEMENTARY_LABEL:
            return float(k), np.inf
        return 0.0, np.inf
    return None


def recoverable_cells(published: pd.DataFrame, row_totals: pd.Series | None = None,
                      column_totals: pd.Series | None = None, total_column: str | None = None,
                      k: int | None = None) -> pd.DataFrame:
    """Attack a published table: the tightest bounds of every suppressed cell from what is published.

    Each suppressed cell is an unknown :math:`x_{rc} \\ge 0`; a reader knows the
    published cells, the margins (``row_totals``, ``column_totals``, and the
    ``total_column`` of the table itself, whose cells may be suppressed too), and
    that a ``'< k'`` cell lies in :math:`[1, k-1]` and an ``'n.p.'`` cell in
    :math:`[k, \\infty)`. For each unknown, two linear programmes (scipy
    ``linprog``) give its minimum and maximum under the constraints
    :math:`\\sum_c x_{rc} = T_r` and :math:`\\sum_r x_{rc} = T_c`; the cell is
    **recovered** when only one integer lies in the interval.

    Returns
    -------
    pandas.DataFrame
        ``row, column, label, lower, upper, recovered`` for every suppressed cell.

    Raises
    ------
    ValueError
        If the published cells and margins are inconsistent (no table fits them).

    Examples
    --------
    >>> pub = pd.DataFrame({"A": ["< 5", 20], "B": [8, 30]}, index=["x", "y"], dtype=object)
    >>> bool(recoverable_cells(pub, row_totals=pd.Series({"x": 11, "y": 50}))["recovered"].iloc[0])
    True
    """
    from scipy.optimize import linprog

    threshold = min_cell(k)
    cells = [c for c in published.columns if c != total_column]
    unknown: list[tuple[object, object]] = []
    bounds: list[tuple[float, float | None]] = []
    for r in published.index:
        for c in published.columns:
            b = _cell_bounds(published.loc[r, c], threshold)
            if b is not None:
                unknown.append((r, c))
                bounds.append((b[0], None if np.isinf(b[1]) else b[1]))
    if not unknown:
        return pd.DataFrame(columns=["row", "column", "label", "lower", "upper", "recovered"])
    position = {key: i for i, key in enumerate(unknown)}
    a_rows: list[np.ndarray] = []
    b_vals: list[float] = []

    def add(terms: list[tuple[object, object, float]], rhs: float) -> None:
        a = np.zeros(len(unknown))
        for r, c, sign in terms:
            if (r, c) in position:
                a[position[(r, c)]] += sign
            else:
                rhs -= sign * float(published.loc[r, c])
        if a.any():
            a_rows.append(a)
            b_vals.append(rhs)
        elif abs(rhs) > 1e-6:
            raise ValueError("the published cells and margins are inconsistent")

    for r in published.index:
        terms = [(r, c, 1.0) for c in cells]
        if total_column is not None:
            add(terms + [(r, total_column, -1.0)], 0.0)
        if row_totals is not None and r in row_totals.index:
            add(terms, float(row_totals[r]))
    if column_totals is not None:
        for c in published.columns:
            if c in column_totals.index:
                add([(r, c, 1.0) for r in published.index], float(column_totals[c]))
    a_eq = np.vstack(a_rows) if a_rows else None
    b_eq = np.array(b_vals) if b_vals else None
    rows = []
    for i, (r, c) in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[i] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if res.status == 2:
                raise ValueError("the published cells and margins are inconsistent")
            ends.append(np.inf if res.status == 3 else sign * res.fun)
        lower, upper = ends
        recovered = bool(np.isfinite(upper) and np.floor(upper + 1e-6) <= np.ceil(lower - 1e-6))
        rows.append({"row": r, "column": c, "label": published.loc[r, c], "lower": lower, "upper": upper,
                     "recovered": recovered})
    return pd.DataFrame(rows)


#: File types whose text :func:`published_text` extracts; any other file is read as raw bytes.
TEXT_SUFFIXES = {".html", ".htm", ".csv", ".json", ".ipynb", ".svg", ".txt", ".md", ".log", ".xml"}


def pdf_text(path: str | os.PathLike[str]) -> str:
    """The text layer of a PDF, page after page (pypdf, no system program), pages joined by form feeds.

    A PDF that cannot be parsed raises :class:`~wecare_analysis.errors.InputError` naming the file.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return "\f".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except (PyPdfError, ValueError, KeyError) as err:

        raise InputError(f"{path}: cannot be read as a PDF ({err}).") from None


def published_text(path: str | os.PathLike[str]) -> str:
    """The text a reader of a published file can see, for screening.

    Text files as they are; ``.xlsx`` every cell of every sheet; ``.gpkg`` every
    attribute of every layer (and the raw file); ``.pdf`` its text layer
    (:func:`pdf_text`); any other file (PNG...) its bytes decoded as latin-1.
    """
    from pathlib import Path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return p.read_text(encoding="utf-8", errors="replace")
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(p, read_only=True, data_only=True)
        parts = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for v in row if v is not None]
        book.close()
        return "\n".join(parts)
    if suffix == ".gpkg":
        import pyogrio

        parts = [p.read_bytes().decode("latin-1")]
        for name, _ in pyogrio.list_layers(p):
            frame = pyogrio.read_dataframe(p, layer=name, read_geometry=False)
            parts.append(frame.to_csv(index=False))
        return "\n".join(parts)
    if suffix == ".pdf":
        return pdf_text(p)
    return p.read_bytes().decode("latin-1")


def screen_outputs(folder: str | os.PathLike[str], needles: list[str]) -> pd.DataFrame:
    """Search every file under ``folder`` for each of ``needles`` (case-insensitive).

    Returns one row ``file, needle`` per hit (empty: nothing found). Use it with
    the direct identifiers, free text and pseudonymous ids of the input to prove
    that no respondent-level datum reached a published file.
    """
    from pathlib import Path

    hits = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        text = published_text(path).casefold()
        hits.extend({"file": str(path), "needle": n} for n in needles if n and n.casefold() in text)
    return pd.DataFrame(hits, columns=["file", "needle"])
