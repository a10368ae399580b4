"""Design-based means and proportions, overall and by domain, with confidence intervals.

The mean of *y* in domain *d* is the ratio
:math:`\\hat{\\bar y}_d = \\sum_{k \\in d} w_k y_k / \\sum_{k \\in d} w_k`; its
influence values :math:`z_k = 1_{k \\in d}\\, w_k (y_k - \\hat{\\bar y}_d) / \\hat W_d`
go to :func:`~wecare_analysis.survey.design.linearised_variance`, which uses the
whole design (records outside the domain contribute zero, never a subset of the
data): the same numbers as R ``svymean`` and ``svyby(..., svymean)``.

Totals (:func:`estimate_totals`, R ``svytotal``) have influence values
:math:`w_k y_k`; ratios (:func:`estimate_ratios`, R ``svyratio``)
:math:`\\hat R = \\sum w_k y_k / \\sum w_k x_k` have
:math:`z_k = w_k (y_k - \\hat R x_k) / \\sum w_k x_k`. With replicate weights
(:mod:`~wecare_analysis.survey.replicates`) the variance comes from the statistic
recomputed with every replicate instead.

The records are read once per variable: sums over the (PSU, domain) cells
(:mod:`~wecare_analysis.survey.cells`) give the estimates, the Taylor variance of a
design neither raked nor calibrated and the variance of replicates built from the
design (factors per PSU), for all domains at once. A raked or calibrated design (its
influence values adjusted record by record) and replicate weights given record by
record use the records x statistics engines of :mod:`~wecare_analysis.survey.design`
and :mod:`~wecare_analysis.survey.replicates`.

Intervals (:mod:`~wecare_analysis.survey.intervals`): ``ci_low``/``ci_high`` by
``ci_method`` (Wald with normal quantiles by default, R ``confint``; ``logit`` for
proportions as R ``svyciprop(method="logit")`` with *df* the degrees of freedom of
the domain, PSUs minus strata with respondents); ``ci_logit_low``/``ci_logit_high``
are the logit intervals. ``deff`` is the design effect against simple random
sampling without replacement, as R ``svymean(deff=TRUE)`` (NaN where the weights sum
to no more than the respondents, so that sampling without replacement has no variance):
:math:`\\hat V / (s^2_w (\\hat N - n)/(\\hat N n))`, :math:`s^2_w` the weighted
variance with divisor :math:`n-1` (for a total times :math:`\\hat N^2`).
Missing values of a variable are left out of that variable's estimate only
(R ``na.rm=TRUE``), as a domain of the full design.

Every row carries the unweighted ``n`` and ``below_threshold`` (n < k, k = 5 by
default): suppression itself is applied at publication.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from wecare_analysis.disclosure import DEFAULT_MIN_CELL
from wecare_analysis.survey.cells import cell_statistics, domain_cells
from wecare_analysis.survey.design import SurveyDesign, _domain_columns, cell_variance, partition_variance
from wecare_analysis.survey.intervals import interval, logit_interval
from wecare_analysis.survey.replicates import ReplicateWeights, replicate_totals, replicate_variance

__all__ = ["DISCLOSURE_K", "OUTPUT_COLUMNS", "domain_codes", "estimate_means", "estimate_ratios",
           "estimate_totals", "logit_interval", "mean_influence"]

#: Minimum unweighted count for a cell to be published: the package's one default,
#: :data:`wecare_analysis.disclosure.DEFAULT_MIN_CELL` (a run's threshold is ``min_cell()``).
DISCLOSURE_K = DEFAULT_MIN_CELL

OUTPUT_COLUMNS = ["variable", "estimate", "se", "ci_low", "ci_high", "n"]

#: Columns the ``wecare estimate`` command adds after :data:`OUTPUT_COLUMNS`.
EXTRA_COLUMNS = ["df", "deff", "ci_method"]


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



def ratio_influence(design: SurveyDesign, num: np.ndarray, den: np.ndarray | None, domain: np.ndarray,
                    n_domains: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return estimates, counts, influence values, validity and SRS variances of ratios or totals.

    ``den`` None: totals :math:`\\sum w y` (:math:`z = w y`); else ratios
    :math:`\\sum w y / \\sum w x` (a mean when ``den`` is all ones). The SRS variance
    (for ``deff``) is :math:`s^2_w (\\hat N - n) / (\\hat N n)` of the numerator
    (times :math:`\\hat N^2` for a total), as R ``svymean``/``svytotal(deff=TRUE)``.
    """
    import scipy.sparse as sp
    n = num.shape[0]
    w = design.weights
    valid = ~np.isnan(num) & (domain >= 0)[:, None]
    if den is not None:
        valid &= ~np.isnan(den)
    inr = np.flatnonzero(domain >= 0)
    ind = sp.csr_matrix((np.ones(inr.size), (domain[inr], inr)), shape=(n_domains, n))
    wind = sp.csr_matrix((w[inr], (domain[inr], inr)), shape=(n_domains, n))
    v = valid.astype(float)
    a = np.where(valid, num, 0.0)
    cnt = ind @ v
    wsum, asum, a2sum = wind @ v, wind @ a, wind @ (a * a)
    d = np.where(domain >= 0, domain, 0)
    wv = v * w[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        # sum w (a - mean)^2 = sum w a^2 - (sum w a)^2 / sum w
        s2 = np.maximum(a2sum - asum * asum / wsum, 0.0) / wsum * cnt / (cnt - 1)
        vsrs = s2 * (wsum - cnt) / (wsum * cnt)
        if den is None:
            est, z = asum, wv * a
            vsrs = vsrs * wsum * wsum
        else:
            b = np.where(valid, den, 0.0)
            bsum = wind @ b
            est = asum / bsum
            z = np.where(valid, wv * (a - est[d] * b) / bsum[d], 0.0)
    return est, cnt.astype(np.int64), z, valid, vsrs


def _replicate_estimates(design: SurveyDesign, reps: ReplicateWeights, num: np.ndarray, den: np.ndarray | None,
                         valid: np.ndarray, domain: np.ndarray, n_domains: int, est: np.ndarray) -> np.ndarray:
    """Replicate variance of the domain totals or ratios (D x V)."""
    a, _ = _domain_columns(np.where(valid, num, 0.0), valid, domain, n_domains)
    ta = replicate_totals(reps, design, a)
    if den is None:
        thetas = ta
    else:
        b, _ = _domain_columns(np.where(valid, den, 0.0), valid, domain, n_domains)
        with np.errstate(invalid="ignore", divide="ignore"):
            thetas = ta / replicate_totals(reps, design, b)
    return replicate_variance(thetas, est.ravel(), reps).reshape(est.shape)


def _estimate_table(data: pd.DataFrame, names: list[str], num: np.ndarray, den: np.ndarray | str | None,
                    design: SurveyDesign, by: list[str], level: float, disclosure_k: int,
                    subset: np.ndarray | None, replicates: ReplicateWeights | None, ci_method: str,
                    proportion: np.ndarray) -> pd.DataFrame:
    domain, table = domain_codes(data, by)
    if subset is not None:
        domain = np.where(np.asarray(subset, dtype=bool), domain, -1)
    n_dom = len(table)
    cells = domain_cells(design, domain, n_dom)
    stats = cell_statistics(design, cells, num, den)
    if isinstance(den, str):  # a mean: the ratio to x = 1, for the record-level engines below
        den = np.ones_like(num) if replicates is not None or design.raking or design.calibration else None
    est, counts, vsrs = stats.estimate, stats.counts, stats.srs_variance
    if replicates is not None and replicates.psu_factors is not None:
        # replicate weights w_k a_{r,psu(k)}: replicate totals from the cell sums
        ta = cells.replicate_totals(replicates.psu_factors, stats.num)
        with np.errstate(invalid="ignore", divide="ignore"):
            thetas = ta if stats.den is None else ta / cells.replicate_totals(replicates.psu_factors, stats.den)
        var = replicate_variance(thetas, est.ravel(), replicates).reshape(est.shape)
        df = np.full(est.shape, float(replicates.degf(design)))
    elif replicates is not None:  # records x replicates weights (supplied, raked or calibrated)
        valid = ~np.isnan(num) & (domain >= 0)[:, None]
        if den is not None:
            valid &= ~np.isnan(den)
        var = _replicate_estimates(design, replicates, num, den, valid, domain, n_dom, est)
        df = np.full(est.shape, float(replicates.degf(design)))
    elif design.raking or design.calibration:  # influence values adjusted record by record
        _, _, z, valid, _ = ratio_influence(design, num, den, domain, n_dom)
        var, df = partition_variance(design, z, valid, domain, n_dom)
    else:
        var, df = cell_variance(design, cells.psu, cells.domain, n_dom, stats.z, stats.has)
    se = np.sqrt(var).ravel()
    e = est.ravel()
    prop = np.tile(proportion, n_dom)
    lo, hi, method = interval(e, se, df.ravel(), counts.ravel(), prop, ci_method, level)
    lo_logit, hi_logit = logit_interval(e, se, df.ravel(), level)
    out = table.loc[np.repeat(np.arange(n_dom), len(names)), by].reset_index(drop=True)
    out["variable"] = np.tile(names, n_dom)
    out["estimate"] = e
    out["se"] = se
    out["ci_low"], out["ci_high"] = lo, hi
    out["n"] = counts.ravel()
    out["df"] = df.ravel().astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):  # no SRS variance (weights summing to n or less): NaN
        out["deff"] = np.where(vsrs.ravel() > 0, var.ravel() / vsrs.ravel(), np.nan)
    out["ci_method"] = method
    out["ci_logit_low"], out["ci_logit_high"] = lo_logit, hi_logit
    out["below_threshold"] = out["n"] < disclosure_k
    return out.loc[out["n"] > 0].reset_index(drop=True)


def is_binary(values: np.ndarray) -> np.ndarray:
    """Return, per column, whether every non-missing value is 0 or 1 (a proportion)."""
    x = np.asarray(values, dtype=float)
    out = np.zeros(x.shape[1], dtype=bool)
    for j in range(x.shape[1]):  # column by column: no records x variables temporaries
        c = x[:, j]
        missing = np.isnan(c)
        out[j] = bool(((c == 0.0) | (c == 1.0) | missing).all()) and not missing.all()
    return out


def estimate_means(
    data: pd.DataFrame,
    variables: Sequence[str],
    design: SurveyDesign,
    by: Sequence[str] | None = None,
    level: float = 0.95,
    disclosure_k: int = DISCLOSURE_K,
    *,
    subset: np.ndarray | None = None,
    replicates: ReplicateWeights | None = None,
    ci_method: str = "wald",
) -> pd.DataFrame:
    """Return weighted means (proportions for 0/1 variables) overall or by domain.

    Parameters
    ----------
    data
        Records, aligned with ``design``.
    variables
        Numeric columns to estimate (0/1 for proportions).
    design
        Survey design (possibly raked or calibrated) of the records.
    by
        Columns whose observed combinations are the domains; ``None``: overall.
    level
        Confidence level.
    disclosure_k
        Cells with fewer respondents are flagged ``below_threshold``.
    subset
        Boolean mask: estimate in this subpopulation only, as a domain of the whole
        design (R ``subset()``), never by dropping records.
    replicates
        Replicate weights: variance from the replicates instead of linearisation.
    ci_method
        ``wald`` (default, R ``confint``), ``wald-t``, ``logit`` or ``auto`` (logit
        for 0/1 variables); see :mod:`~wecare_analysis.survey.intervals`.

    Returns
    -------
    pandas.DataFrame
        Columns: the ``by`` columns, ``variable, estimate, se, ci_low, ci_high, n``,
        then ``df, deff, ci_method, ci_logit_low, ci_logit_high, below_threshold``; one
        row per domain and variable, domains sorted, variables in the given order.

    Examples
    --------
    >>> from wecare_analysis.survey.design import survey_design
    >>> df = pd.DataFrame({"y": [0, 1, 1, 1]})
    >>> out = estimate_means(df, ["y"], survey_design(4))
    >>> float(out["estimate"][0]), round(float(out["se"][0]), 6)
    (0.75, 0.25)
    """
    variables = list(variables)
    y = data.loc[:, variables].to_numpy(dtype=float)
    return _estimate_table(data, variables, y, "mean", design, list(by or []), level, disclosure_k,
                           subset, replicates, ci_method, is_binary(y))


def estimate_totals(data: pd.DataFrame, variables: Sequence[str], design: SurveyDesign,
                    by: Sequence[str] | None = None, level: float = 0.95, disclosure_k: int = DISCLOSURE_K, *,
                    subset: np.ndarray | None = None, replicates: ReplicateWeights | None = None,
                    ci_method: str = "wald") -> pd.DataFrame:
    """Return weighted totals :math:`\\sum_{k \\in d} w_k y_k` (R ``svytotal``/``svyby``); columns as :func:`estimate_means`."""
    variables = list(variables)
    y = data.loc[:, variables].to_numpy(dtype=float)
    return _estimate_table(data, variables, y, None, design, list(by or []), level, disclosure_k, subset,
                           replicates, "wald" if ci_method in ("auto", "logit") else ci_method,
                           np.zeros(len(variables), dtype=bool))


def estimate_ratios(data: pd.DataFrame, pairs: Sequence[tuple[str, str]], design: SurveyDesign,
                    by: Sequence[str] | None = None, level: float = 0.95, disclosure_k: int = DISCLOSURE_K, *,
                    subset: np.ndarray | None = None, replicates: ReplicateWeights | None = None,
                    ci_method: str = "wald") -> pd.DataFrame:
    """Return ratios :math:`\\sum w y / \\sum w x` for ``(y, x)`` pairs (R ``svyratio``), variable ``y/x``.

    ``deff`` is not defined for a ratio here (NaN); other columns as :func:`estimate_means`.
    """
    pairs = list(pairs)
    num = data.loc[:, [p[0] for p in pairs]].to_numpy(dtype=float)
    den = data.loc[:, [p[1] for p in pairs]].to_numpy(dtype=float)
    out = _estimate_table(data, [f"{a}/{b}" for a, b in pairs], num, den, design, list(by or []), level,
                          disclosure_k, subset, replicates, "wald" if ci_method in ("auto", "logit") else ci_method,
                          np.zeros(len(pairs), dtype=bool))
    out["deff"] = np.nan
    return out
