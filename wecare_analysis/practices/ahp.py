"""AHP weights from a pairwise-comparison matrix (Saaty 1980), with the consistency ratio.

For a positive reciprocal matrix :math:`A` (:math:`a_{ij}` = how much more important
*i* is than *j* on Saaty's 1–9 scale, :math:`a_{ji} = 1/a_{ij}`), the weights are the
principal right eigenvector normalised to sum 1, :math:`A w = \\lambda_{max} w`; the
consistency index is :math:`CI = (\\lambda_{max} - n)/(n - 1)` and the consistency
ratio :math:`CR = CI / RI_n` with Saaty's random indices :data:`RANDOM_INDEX`. A
CR above 0.10 means the judgements should be revised (Saaty 1980, *The Analytic
Hierarchy Process*, McGraw-Hill; Saaty 2008, Int. J. Services Sciences 1(1):83-98).

CSV format (``,`` or ``;`` separated): the first row names the items, the first
column repeats them in the same order; cells are numbers (``3``, ``0.333``,
``0,5``) or fractions (``1/3``). The lower triangle may be left empty: it is
filled with the reciprocals of the upper one. Items are criteria ids
(:data:`wecare_analysis.practices.criteria.CRITERIA`) or criterion categories
(``population``, ``environment``, ``implementation``, ``scale``).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError

#: Saaty's random consistency index RI by matrix size n (Saaty 1980, table 1.7).
RANDOM_INDEX: dict[int, float] = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
                                  9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
CR_THRESHOLD = 0.10
RECIPROCAL_TOLERANCE = 0.02


@dataclass(frozen=True)
class AHPResult:
    """Weights (indexed by item), principal eigenvalue, CI, CR and whether CR exceeds 0.10."""

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float

    @property
    def inconsistent(self) -> bool:
        """True when the consistency ratio is above :data:`CR_THRESHOLD`."""
        return bool(self.cr > CR_THRESHOLD)


def ahp_weights(matrix: np.ndarray | pd.DataFrame) -> AHPResult:
    """Return the AHP weights and consistency of a positive reciprocal matrix.

    Examples
    --------
    Consistent judgements (:math:`a_{ij} = w_i/w_j`) give back the weights and CR = 0:

    >>> r = ahp_weights(np.array([[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]]))
    >>> r.weights.round(4).tolist(), round(r.cr, 6)
    ([0.5714, 0.2857, 0.1429], 0.0)
    """
    labels = list(matrix.index) if isinstance(matrix, pd.DataFrame) else list(range(len(matrix)))
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if a.ndim != 2 or a.shape[1] != n or n == 0:
        raise InputError(f"the comparison matrix must be square, found shape {a.shape}.")
    if n > max(RANDOM_INDEX):
        raise InputError(f"at most {max(RANDOM_INDEX)} items can be compared, found {n}.")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(values[k].real)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(pd.Series(w, index=labels, name="weight"), lam, max(ci, 0.0), max(cr, 0.0))


def _number(text: str, where: str) -> float:
    t = text.strip().replace(",", ".")
    try:
        if "/" in t:
            num, den = t.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(t)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{where}: expected a positive number or a fraction such as 1/3, found {text!r}.") from None
    if not value > 0 or not np.isfinite(value):
        raise InputError(f"{where}: comparisons must be positive, found {text!r}.")
    return value


def read_comparison_matrix(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a pairwise-comparison CSV (format in the module docstring) into a square DataFrame.

    Raises :class:`InputError` naming the row and column of a bad cell, a diagonal not
    equal to 1, or a pair that is not reciprocal within 2 %.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"AHP matrix {p} not found.")
    text = p.read_bytes().decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delim = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if any(c.strip() for c in r)]
    except csv.Error as err:
        raise InputError(f"{p.name}: not a comparison matrix in CSV ({err}).") from None
    if len(rows) < 3:
        raise InputError(f"{p.name}: expected a header row and at least two item rows.")
    items = [c.strip() for c in rows[0][1:] if c.strip()]
    n = len(items)
    if len(rows) - 1 != n:
        raise InputError(f"{p.name}: the header names {n} items but there are {len(rows) - 1} rows.")
    a = np.full((n, n), np.nan)
    for i, row in enumerate(rows[1:]):
        if row[0].strip() != items[i]:
            raise InputError(f"{p.name}, row {i + 2}: expected item {items[i]!r} in the first column (same order "
                             f"as the header), found {row[0].strip()!r}.")
        for j in range(n):
            cell = row[j + 1].strip() if j + 1 < len(row) else ""
            if cell:
                a[i, j] = _number(cell, f"{p.name}, row {i + 2}, column {items[j]}")
    for i in range(n):
        if np.isnan(a[i, i]):
            a[i, i] = 1.0
        if abs(a[i, i] - 1) > 1e-9:
            raise InputError(f"{p.name}, row {i + 2}, column {items[i]}: the diagonal must be 1, found {a[i, i]:g}.")
        for j in range(i + 1, n):
            if np.isnan(a[i, j]) and np.isnan(a[j, i]):
                raise InputError(f"{p.name}: the comparison {items[i]} vs {items[j]} is missing (row {i + 2}).")
            if np.isnan(a[j, i]):
                a[j, i] = 1 / a[i, j]
            elif np.isnan(a[i, j]):
                a[i, j] = 1 / a[j, i]
            elif abs(a[i, j] * a[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise InputError(f"{p.name}, row {j + 2}, column {items[i]}: expected the reciprocal of "
                                 f"{a[i, j]:g} ({1 / a[i, j]:.3g}), found {a[j, i]:g}.")
    return pd.DataFrame(a, index=items, columns=items)


def ahp_from_csv(path: str | os.PathLike[str]) -> AHPResult:
    """Read the CSV and return :func:`ahp_weights` of it (weights indexed by the item names)."""
    return ahp_weights(read_comparison_matrix(path))
