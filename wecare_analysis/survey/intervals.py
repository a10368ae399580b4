"""Confidence intervals of design-based estimates: Wald (normal or t), logit-t, exact at 0 and 1.

``wald``
    :math:`\\hat\\theta \\pm z_{(1+L)/2}\\, se` (R ``confint`` of ``svymean``/``svytotal``);
    for a proportion clipped to [0, 1].
``wald-t``
    :math:`\\hat\\theta \\pm t_{df,(1+L)/2}\\, se`; for a proportion clipped to [0, 1].
``logit``
    :math:`\\mathrm{expit}(\\mathrm{logit}\\,\\hat p \\pm t_{df,(1+L)/2}\\, se / (\\hat p(1-\\hat p)))`,
    R ``svyciprop(method="logit", df=degf(design))``; never outside (0, 1).
    Where :math:`\\hat p` is 0 or 1 (no variance, the logit undefined) the interval is
    the Clopper-Pearson one of 0 (or n) successes in the *n* respondents,
    :math:`[0,\\, 1 - ((1-L)/2)^{1/n}]` (or its mirror), so "0 of 56" gives
    [0, 0.0638] rather than [0, 0]; such rows say ``clopper-pearson``.
"""

from __future__ import annotations

import numpy as np

# quantiles without SciPy: start-up time of the command line
from wecare_analysis.survey.quantiles import normal_quantile, t_quantile

CI_METHODS = ("auto", "logit", "wald", "wald-t")


def logit_interval(p: np.ndarray, se: np.ndarray, df: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Return the logit-scale interval of proportions (R ``svyciprop(method="logit")``).

    :math:`\\mathrm{expit}(\\mathrm{logit}\\,p \\pm t_{df,(1+level)/2}\\, se/(p(1-p)))`;
    NaN where p is 0 or 1 or df <= 0.

    Examples
    --------
    >>> lo, hi = logit_interval(np.array([0.5]), np.array([0.1]), np.array([1e9]))
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)  # expit(±1.96 × 0.1 / 0.25)
    (0.3135, 0.6865)
    """
    p, se, df = (np.asarray(a, dtype=float) for a in (p, se, df))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = t_quantile(np.where(df > 0, df, np.nan), (1 + level) / 2)
        eta = np.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        ok = (p > 0) & (p < 1)
        lo = np.where(ok, 1 / (1 + np.exp(-(eta - half))), np.nan)
        hi = np.where(ok, 1 / (1 + np.exp(-(eta + half))), np.nan)
    return lo, hi


def boundary_interval(p: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Return the Clopper-Pearson interval where ``p`` is 0 or 1 (NaN elsewhere).

    Examples
    --------
    >>> lo, hi = boundary_interval(np.array([0.0, 1.0, 0.5]), np.array([56, 10, 9]))
    >>> round(float(hi[0]), 4), round(float(lo[1]), 4), bool(np.isnan(lo[2]))
    (0.0638, 0.6915, True)
    """
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tail = ((1 - level) / 2) ** (1 / np.where(n > 0, n, np.nan))
    lo = np.where(p == 0, 0.0, np.where(p == 1, tail, np.nan))
    hi = np.where(p == 0, 1 - tail, np.where(p == 1, 1.0, np.nan))
    return lo, hi


def interval(estimate: np.ndarray, se: np.ndarray, df: np.ndarray, n: np.ndarray, proportion: np.ndarray,
             method: str = "auto", level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``ci_low, ci_high, ci_method`` for each estimate.

    ``proportion`` marks estimates of a 0/1 variable's mean; ``auto`` is ``logit``
    for those and ``wald`` for the others; ``logit`` applies to proportions only
    (the others get ``wald``).
    """
    est, se, df = (np.asarray(a, dtype=float) for a in (estimate, se, df))
    prop = np.asarray(proportion, dtype=bool)
    use_logit = prop & (method in ("auto", "logit"))
    with np.errstate(invalid="ignore"):
        q = (t_quantile(np.where(df > 0, df, np.nan), (1 + level) / 2) if method == "wald-t"
             else np.full(est.shape, normal_quantile((1 + level) / 2)))
    lo, hi = est - q * se, est + q * se
    lo = np.where(prop, np.clip(lo, 0, 1), lo)
    hi = np.where(prop, np.clip(hi, 0, 1), hi)
    llo, lhi = logit_interval(est, se, df, level)
    blo, bhi = boundary_interval(est, n, level)
    edge = prop & ((est == 0) | (est == 1))
    lo = np.where(use_logit, llo, lo)
    hi = np.where(use_logit, lhi, hi)
    lo = np.where(edge, blo, lo)
    hi = np.where(edge, bhi, hi)
    base = "wald-t" if method == "wald-t" else "wald"
    names = np.where(edge, "clopper-pearson", np.where(use_logit, "logit", base)).astype(object)
    return lo, hi, names
