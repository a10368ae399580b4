"""Aggregation of criterion scores: TOPSIS and weighted sum, and the ranks they give.

TOPSIS (Hwang & Yoon 1981, *Multiple Attribute Decision Making*, Springer LNEMS 186):
with the decision matrix :math:`x_{ij}` (alternative *i*, criterion *j*), vector
normalisation :math:`r_{ij} = x_{ij} / \\sqrt{\\sum_i x_{ij}^2}`, weighted
:math:`v_{ij} = w_j r_{ij}`, ideal :math:`v_j^+ = \\max_i v_{ij}` (benefit) or
:math:`\\min_i v_{ij}` (cost) and anti-ideal the opposite,

.. math::

    D_i^\\pm = \\sqrt{\\sum_j (v_{ij} - v_j^\\pm)^2}, \\qquad C_i = \\frac{D_i^-}{D_i^+ + D_i^-}.

Weighted sum (simple additive weighting, Triantaphyllou 2000, *Multi-Criteria
Decision Making Methods: A Comparative Study*, Springer, §2.2.1):
:math:`S_i = \\sum_j w_j x_{ij}` on scores that are already comparable (the 0–1
criterion scores), optionally after the linear normalisation :math:`x / \\max x`.

A column whose values are all equal carries no information: TOPSIS gives it zero
distance to both ideals, so it does not change the ranking.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import pandas as pd

#: Aggregation of the criteria scores: TOPSIS closeness or weighted sum.
RankingMethod = Literal["topsis", "weighted_sum"]
METHODS: tuple[RankingMethod, ...] = get_args(RankingMethod)


def _arrays(matrix, weights, benefit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 2 or w.shape != (x.shape[1],):
        raise ValueError(f"matrix {x.shape} and weights {w.shape} do not match")
    if np.isnan(x).any():
        raise ValueError("the decision matrix has missing values; impute or drop the criterion first")
    b = np.ones(x.shape[1], dtype=bool) if benefit is None else np.asarray(benefit, dtype=bool)
    return x, w / w.sum(), b


def topsis(matrix, weights, benefit=None) -> np.ndarray:
    """Return the TOPSIS closeness :math:`C_i` of each alternative (formula in the module docstring).

    Parameters
    ----------
    matrix
        Alternatives × criteria (array or DataFrame).
    weights
        One weight per criterion (normalised to sum 1).
    benefit
        True for a criterion to maximise, False for a cost; default all benefit.

    Examples
    --------
    >>> topsis([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0.5, 0.5]).round(3).tolist()
    [0.5, 0.5, 0.5]
    """
    x, w, b = _arrays(matrix, weights, benefit)
    norm = np.sqrt((x ** 2).sum(axis=0))
    r = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
    v = r * w
    best = np.where(b, v.max(axis=0), v.min(axis=0))
    worst = np.where(b, v.min(axis=0), v.max(axis=0))
    d_plus = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - worst) ** 2).sum(axis=1))
    total = d_plus + d_minus
    return np.divide(d_minus, total, out=np.full(len(x), 0.5), where=total > 0)


def weighted_sum(matrix, weights, normalise: bool = False) -> np.ndarray:
    """Return :math:`S_i = \\sum_j w_j x_{ij}` (after :math:`x/\\max x` per criterion when ``normalise``).

    Examples
    --------
    >>> weighted_sum([[1.0, 0.0], [0.5, 0.5]], [0.75, 0.25]).tolist()
    [0.75, 0.5]
    """
    x, w, _ = _arrays(matrix, weights, None)
    if normalise:
        top = x.max(axis=0)
        x = np.divide(x, top, out=np.zeros_like(x), where=top > 0)
    return x @ w


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score; ties share the best rank ('min' method).

    Examples
    --------
    >>> ranks(np.array([0.2, 0.9, 0.2, 0.5])).tolist()
    [3, 1, 3, 2]
    """
    return pd.Series(scores).rank(ascending=False, method="min").astype(int).to_numpy()


def aggregate(matrix: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Return ``practice_id, topsis, rank_topsis, weighted_sum, rank_weighted_sum`` for a practice × criterion matrix.

    Criteria with zero weight are left out; rows are sorted by the TOPSIS rank.
    """
    w = weights.reindex(matrix.columns).fillna(0.0)
    keep = w[w > 0].index
    x, wk = matrix[keep], w[keep]
    c = topsis(x, wk)
    s = weighted_sum(x, wk)
    out = pd.DataFrame({"practice_id": matrix.index, "topsis": c, "rank_topsis": ranks(c),
                        "weighted_sum": s, "rank_weighted_sum": ranks(s)})
    return out.sort_values(["rank_topsis", "practice_id"]).reset_index(drop=True)
