"""Small-cell suppression: no published cell under ``k`` respondents (default 5).

The threshold comes from, in order: the ``k`` argument, the ``WECARE_MIN_CELL``
environment variable, :data:`DEFAULT_MIN_CELL`. A suppressed cell is shown as
:data:`SUPPRESSED_LABEL` ("< 5" with the default), never as a number, and its
value is not recoverable from what is published in the same table: a primary
suppression in a row or column with a total gets a complementary one
(:func:`suppressed_counts`).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

DEFAULT_MIN_CELL = 5


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
    mask = small_cells(counts, k)
    if complementary:
        mask = complementary_mask(counts, mask)
    return counts.astype(object).mask(mask, suppression_label(k))
