"""Design-based means and proportions, overall and by domain, with confidence intervals.

The mean of *y* in domain *d* is the ratio
:math:`\\hat{\\bar y}_d = \\sum_{k \\in d} w_k y_k / \\sum_{k \\in d} w_k`; its
influence values :math:`z_k = 1_{k \\in d}\\, w_k (y_k - \\hat{\\bar y}_d) / \\hat W_d`
go to :func:`~wecare_analysis.survey.design.linearised_variance`, which uses the
whole design (records outside the domain contribute zero, never a subset of the
data): the same numbers as R ``svymean`` and ``svyby(..., svymean)``.

Intervals: ``ci_low``/``ci_high`` are Wald intervals with normal quantiles (R
``confint`` of ``svymean``/``svyby``); ``ci_logit_low``/``ci_logit_high`` are
logit intervals for proportions, :math:`\\mathrm{expit}(\\mathrm{logit}\\,\\hat p
\\pm t_{df}\\, se / (\\hat p (1-\\hat p)))` with *df* the degrees of freedom of the
domain (PSUs minus strata with respondents), as R ``svyciprop(method="logit")``.
Missing values of a variable are left out of that variable's estimate only
(R ``na.rm=TRUE``), as a domain of the full design.

Every row carries the unweighted ``n`` and ``below_threshold`` (n < k, k = 5 by
default): suppression itself is applied at publication.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from wecare_analysis.survey.design import SurveyDesign, partition_variance

#: Minimum unweighted count for a cell to be published (disclosure threshold).
DISCLOSURE_K = 5

OUTPUT_COLUMNS = ["variable", "estimate", "se", "ci_low", "ci_high", "n"]


def domain_codes(data: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Return each record's domain code (-1 if a by value is missing) and the domain table.

    Domains are the observed combinations of the ``by`` columns, sorted.

    Examples
    --------
    >>> codes, table = domain_codes(pd.DataFrame({"s": ["b", "a", "b"]}), ["s"])
    >>> codes.tolist(), table["s"].tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    if not by:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=[0])
    codes = data.groupby(list(by), sort=True, dropna=True).ngroup().to_numpy()
    codes = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
    table = data.loc[:, list(by)].dropna().drop_duplicates().sort_values(list(by)).reset_index(drop=True)
    return codes, table


def mean_influence(
    design: SurveyDesign, y: np.ndarray, domain: np.ndarray, n_domains: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return domain means, unweighted counts, influence values and validity.

    Parameters
    ----------
    design
        Survey design.
    y
        Records x variables array (NaN = missing).
    domain
        Domain code of every record (-1: in no domain).
    n_domains
        Number of domains D.

    Returns
    -------
    means, counts : numpy.ndarray
        D x V arrays.
    z, valid : numpy.ndarray
        Records x variables: :math:`w_k (y_k - \\bar y_{d(k)}) / \\hat W_{d(k)}` (0 where
        missing or in no domain) and whether the record counts for the variable.
    """
    n, nv = y.shape
    w = design.weights
    valid = ~np.isnan(y) & (domain >= 0)[:, None]
    d = np.where(domain >= 0, domain, 0)
    z = np.zeros((n, nv))
    means = np.full((n_domains, nv), np.nan)
    counts = np.zeros((n_domains, nv), dtype=np.int64)
    for v in range(nv):  # loop over variables only; domains are vectorised
        ok = valid[:, v]
        wk = np.where(ok, w, 0.0)
        yk = np.where(ok, y[:, v], 0.0)
        wsum = np.bincount(d, weights=wk, minlength=n_domains)
        ysum = np.bincount(d, weights=wk * yk, minlength=n_domains)
        counts[:, v] = np.bincount(d, weights=ok, minlength=n_domains).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            means[:, v] = ysum / wsum
            z[:, v] = np.where(ok, wk * (yk - means[d, v]) / wsum[d], 0.0)
    return means, counts, z, valid


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
        q = stats.t.ppf((1 + level) / 2, np.where(df > 0, df, np.nan))
        eta = np.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        ok = (p > 0) & (p < 1)
        lo = np.where(ok, 1 / (1 + np.exp(-(eta - half))), np.nan)
        hi = np.where(ok, 1 / (1 + np.exp(-(eta + half))), np.nan)
    return lo, hi


def estimate_means(
    data: pd.DataFrame,
    variables: Sequence[str],
    design: SurveyDesign,
    by: Sequence[str] | None = None,
    level: float = 0.95,
    disclosure_k: int = DISCLOSURE_K,
) -> pd.DataFrame:
    """Return weighted means (proportions for 0/1 variables) overall or by domain.

    Parameters
    ----------
    data
        Records, aligned with ``design``.
    variables
        Numeric columns to estimate (0/1 for proportions).
    design
        Survey design (possibly raked) of the records.
    by
        Columns whose observed combinations are the domains; ``None``: overall.
    level
        Confidence level.
    disclosure_k
        Cells with fewer respondents are flagged ``below_threshold``.

    Returns
    -------
    pandas.DataFrame
        Columns: the ``by`` columns, ``variable, estimate, se, ci_low, ci_high, n``,
        then ``df, ci_logit_low, ci_logit_high, below_threshold``; one row per
        domain and variable, domains sorted, variables in the given order.

    Examples
    --------
    >>> from wecare_analysis.survey.design import survey_design
    >>> df = pd.DataFrame({"y": [0, 1, 1, 1]})
    >>> out = estimate_means(df, ["y"], survey_design(4))
    >>> float(out["estimate"][0]), round(float(out["se"][0]), 6)
    (0.75, 0.25)
    """
    by = list(by or [])
    variables = list(variables)
    y = data.loc[:, variables].to_numpy(dtype=float)
    domain, table = domain_codes(data, by)
    n_dom = len(table)
    means, counts, z, valid = mean_influence(design, y, domain, n_dom)
    var, df = partition_variance(design, z, valid, domain, n_dom)
    se = np.sqrt(var)
    q = stats.norm.ppf((1 + level) / 2)
    est = means.ravel()
    se_f = se.ravel()
    lo_logit, hi_logit = logit_interval(est, se_f, df.ravel(), level)
    out = table.loc[np.repeat(np.arange(n_dom), len(variables)), by].reset_index(drop=True)
    out["variable"] = np.tile(variables, n_dom)
    out["estimate"] = est
    out["se"] = se_f
    out["ci_low"] = est - q * se_f
    out["ci_high"] = est + q * se_f
    out["n"] = counts.ravel()
    out["df"] = df.ravel()
    out["ci_logit_low"] = lo_logit
    out["ci_logit_high"] = hi_logit
    out["below_threshold"] = out["n"] < disclosure_k
    keep = out["n"] > 0
    return out.loc[keep].reset_index(drop=True)
