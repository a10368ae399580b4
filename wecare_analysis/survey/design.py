"""Survey design description and the Taylor-linearisation variance engine.

A design is stratified, with one stage of clusters (primary sampling units, PSUs)
nested within strata, and sampling weights, as R ``survey::svydesign(ids=~C,
strata=~S, weights=~W, nest=TRUE)``, with an optional finite population correction (R ``fpc=``:
the population number of PSUs of each stratum, or the sampling fraction), and
optionally calibrated (:mod:`wecare_analysis.survey.calibration`).

The variance of a linearised statistic with influence values :math:`z_k` is

.. math::

    \\hat V = \\sum_h \\frac{n_h}{n_h - 1} \\sum_{i \\in h} (z_{hi} - \\bar z_h)^2,
    \\qquad z_{hi} = \\sum_{k \\in (h, i)} z_k,

with :math:`n_h` the PSUs of stratum *h* in the whole design (R ``svyrecvar`` /
``onestrat``; Wolter 2007, *Introduction to Variance Estimation*, ch. 6), each
stratum's term multiplied by :math:`1 - n_h/N_h` under a finite population
correction (a stratum sampled completely, :math:`n_h = N_h`, adds nothing and is
never a "lonely" stratum, as in R).
After raking, the influence values are first replaced by their residuals from the
raking margins exactly as R's ``svyrecvar`` does for a ``rake()`` design: ten
sweeps of :math:`z \\leftarrow z - w_m\\,\\overline{(z/w_m)}_{m}` over the
margins *m*, where :math:`w_m` are the weights stored after post-stratifying on
margin *m* in the last raking pass and the bar is the mean within each level of
the margin. The sweeps run on level coefficients, never on a dense records x
statistics matrix, so thousands of domain estimates cost a few sparse products.

Strata with a single PSU (``lonely_psu``, as R's option ``survey.lonely.psu``):

``fail`` (R's default)
    stop with an error naming the strata;
``remove`` / ``certainty``
    the stratum contributes nothing;
``adjust``
    the PSU total is centred on zero, i.e. on the overall estimate (conservative);
``average``
    the stratum is left out and the variance is scaled up by
    (strata present) / (strata with two or more PSUs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.survey.fpc import stratum_popsize
from wecare_analysis.survey.greg import GregCalibration, greg_projection, greg_psu_basis
from wecare_analysis.survey.lonely_psu import LONELY_PSU_OPTIONS

if TYPE_CHECKING:  # scipy.sparse is imported where it is used: `wecare estimate` starts without it
    import scipy.sparse as sp

#: Number of backfitting sweeps R's ``svyrecvar`` applies to a raked design.
RAKING_RESIDUAL_SWEEPS = 10

_CHUNK_COLUMNS = 256


@dataclass(frozen=True)
class RakingMargin:
    """One raking margin as stored by R's ``postStratify`` inside ``rake``.

    Attributes
    ----------
    name
        Margin name (a column of the data, or ``a:b`` for a crossing).
    levels
        Level labels, in code order.
    index
        Level code (0 .. len(levels)-1) of every record.
    weights
        Record weights just after post-stratifying on this margin in the last pass.
    """

    name: str
    levels: tuple[str, ...]
    index: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True)
class SurveyDesign:
    """A stratified one-stage cluster design with weights (and raking, if any).

    Build it with :func:`survey_design`; attributes are arrays aligned on records.
    """

    weights: np.ndarray
    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    npsu: np.ndarray
    stratum_labels: tuple[str, ...]
    raking: tuple[RakingMargin, ...] = ()
    lonely_psu: str = "fail"
    fpc: np.ndarray | None = None
    calibration: tuple[GregCalibration, ...] = ()
    popsize: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of records."""
        return int(self.weights.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return int(self.npsu.shape[0])

    @property
    def n_psu(self) -> int:
        """Number of PSUs."""
        return int(self.psu_stratum.shape[0])

    @property
    def degf(self) -> int:
        """Design degrees of freedom, PSUs minus strata (R ``degf``)."""
        return self.n_psu - self.n_strata

    @property
    def census(self) -> np.ndarray:
        """Strata sampled completely (finite population correction 0), one bool per stratum."""
        if self.fpc is None:
            return np.zeros(self.n_strata, dtype=bool)
        return self.fpc < 1e-7

    def with_weights(self, weights: np.ndarray, raking: tuple[RakingMargin, ...] | None = None,
                     calibration: tuple[GregCalibration, ...] | None = None) -> SurveyDesign:
        """Return a copy with new weights (and raking or calibration information, if given)."""
        return dataclasses.replace(
            self, weights=np.asarray(weights, dtype=float), raking=self.raking if raking is None else raking,
            calibration=self.calibration if calibration is None else calibration,
        )

    def psu_matrix(self) -> sp.csr_matrix:
        """Sparse PSUs x records indicator matrix."""
        import scipy.sparse as sp
        n = self.n
        return sp.csr_matrix((np.ones(n), (self.psu, np.arange(n))), shape=(self.n_psu, n))

    def stratum_matrix(self) -> sp.csr_matrix:
        """Sparse strata x PSUs indicator matrix."""
        import scipy.sparse as sp
        p = self.n_psu
        return sp.csr_matrix((np.ones(p), (self.psu_stratum, np.arange(p))), shape=(self.n_strata, p))


def _codes(values: Sequence | np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def survey_design(
    n: int,
    weights: Sequence[float] | np.ndarray | None = None,
    strata: Sequence | np.ndarray | pd.Series | None = None,
    cluster: Sequence | np.ndarray | pd.Series | None = None,
    lonely_psu: str = "fail",
    fpc: Sequence[float] | np.ndarray | pd.Series | None = None,
) -> SurveyDesign:
    """Return the design of ``n`` records: weights, strata, clusters nested in strata.

    Equivalent to R ``svydesign(ids=~cluster, strata=~strata, weights=~weights,
    nest=TRUE, fpc=~fpc)``; a missing ``cluster`` makes every record its own PSU, missing
    ``strata`` one stratum, missing ``weights`` all ones. ``fpc`` (one value per
    record, constant within a stratum) is the population number of PSUs of the
    stratum, or, when every value is at most 1, the sampling fraction (R's rule).

    Examples
    --------
    >>> d = survey_design(4, strata=["a", "a", "b", "b"], cluster=[1, 2, 1, 1])
    >>> d.n_psu, d.npsu.tolist(), d.degf
    (3, [2, 1], 1)
    """
    if lonely_psu not in LONELY_PSU_OPTIONS:
        raise InputError(f"lonely PSU option {lonely_psu!r} unknown; use one of {', '.join(LONELY_PSU_OPTIONS)}.")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise InputError(f"weights have {w.shape[0]} values for {n} records.")
    if strata is None:
        stratum, labels = np.zeros(n, dtype=np.int64), np.array(["all"], dtype=object)
    else:
        stratum, labels = _codes(strata)
    if (stratum < 0).any():
        raise InputError(f"strata are missing for {int((stratum < 0).sum())} records (first row {int(np.argmax(stratum < 0))}).")
    if cluster is None:
        psu_key = np.arange(n)
    else:
        ccodes, _ = _codes(cluster)
        if (ccodes < 0).any():
            raise InputError(f"clusters are missing for {int((ccodes < 0).sum())} records (first row {int(np.argmax(ccodes < 0))}).")
        psu_key = stratum * (int(ccodes.max()) + 1 if n else 1) + ccodes  # nest=TRUE
    psu = np.unique(psu_key, return_inverse=True)[1].astype(np.int64)
    psu_stratum = np.zeros(int(psu.max()) + 1 if n else 0, dtype=np.int64)
    psu_stratum[psu] = stratum
    npsu = np.bincount(psu_stratum, minlength=len(labels))
    popsize = None if fpc is None else stratum_popsize(fpc, stratum, npsu, labels)
    return SurveyDesign(
        weights=w,
        stratum=stratum,
        psu=psu.astype(np.int64),
        psu_stratum=psu_stratum,
        npsu=npsu,
        stratum_labels=tuple(str(x) for x in labels),
        lonely_psu=lonely_psu,
        fpc=None if popsize is None else (popsize - npsu) / popsize,
        popsize=popsize,
    )


def _level_matrix(margin: RakingMargin, scale: np.ndarray | None = None) -> sp.csr_matrix:
    """Sparse levels x records matrix of a margin, entries ``scale`` (default 1)."""
    import scipy.sparse as sp
    n = margin.index.shape[0]
    data = np.ones(n) if scale is None else scale
    return sp.csr_matrix((data, (margin.index, np.arange(n))), shape=(len(margin.levels), n))


def _dense(a: sp.spmatrix | np.ndarray) -> np.ndarray:
    import scipy.sparse as sp
    return a.toarray() if sp.issparse(a) else np.asarray(a, dtype=float)


def _raking_coefficients(design: SurveyDesign, z: sp.csr_matrix | np.ndarray) -> list[np.ndarray]:
    """Level coefficients c_m such that the residuals are ``z - sum_m w_m * c_m[level_m]``.

    Reproduces R ``svyrecvar`` for a ``raking`` post-stratum: ten Gauss-Seidel sweeps
    ``x <- x - psw * ave(x / psw, margin)`` over the margins.
    """
    margins = design.raking
    k = z.shape[1]
    ind = [_level_matrix(m) for m in margins]
    counts = [np.asarray(lm.sum(axis=1)).ravel() for lm in ind]
    b = [_dense(_level_matrix(m, 1.0 / m.weights) @ z) for m in margins]
    g = [
        [(_level_matrix(m, mp.weights / m.weights) @ ind[j].T).toarray() for j, mp in enumerate(margins)]
        for m in margins
    ]
    c = [np.zeros((len(m.levels), k)) for m in margins]
    for _ in range(RAKING_RESIDUAL_SWEEPS):
        for i in range(len(margins)):
            acc = b[i].copy()
            for j in range(len(margins)):
                acc -= g[i][j] @ c[j]
            c[i] += acc / counts[i][:, None]
    return c


def _stratum_variances(
    design: SurveyDesign, centred: np.ndarray, squares: np.ndarray | None, present: np.ndarray
) -> np.ndarray:
    """Combine per-stratum sums of squares of PSU totals into variances (strata x columns in).

    ``centred`` holds the sums of squared deviations from the stratum mean (over all
    the stratum's PSUs), ``squares`` the sums of squares around zero (used for lonely
    PSUs under ``adjust``; may be None when no stratum has a single PSU).
    """
    nh = design.npsu.astype(float)[:, None]
    lonely = ((design.npsu == 1) & ~design.census)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(design.npsu[:, None] == 1, 0.0, np.maximum(centred, 0.0) * nh / (nh - 1.0))
    option = design.lonely_psu
    lonely_present = lonely & present
    if lonely_present.any():
        if option == "fail":
            names = [design.stratum_labels[h] for h in np.flatnonzero(lonely_present.any(axis=1))]
            raise InputError(
                f"stratum {', '.join(names[:5])}{' …' if len(names) > 5 else ''} has only one cluster (PSU): "
                "choose how to treat it (lonely PSU option remove, adjust, average or certainty) "
                "or merge it with a neighbouring stratum."
            )
        if option == "adjust":
            v = np.where(lonely_present, squares, v)
    v = np.where(present, v, 0.0)
    if design.fpc is not None:
        v = v * design.fpc[:, None]
    total = v.sum(axis=0)
    if option == "average":
        n_present = present.sum(axis=0)
        n_ok = (present & ~lonely).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(n_ok > 0, total * n_present / np.maximum(n_ok, 1), np.nan)
    return total


def linearised_variance(
    design: SurveyDesign,
    z: sp.spmatrix | np.ndarray,
    members: sp.spmatrix | np.ndarray | None = None,
) -> np.ndarray:
    """Return the Taylor-linearised variance of each column of influence values ``z``.

    Parameters
    ----------
    design
        The survey design (with its raking information, if raked).
    z
        Records x statistics influence values, dense or sparse (zero outside a
        statistic's domain), e.g. :math:`w_k (y_k - \\bar y_d) / \\hat W_d` for a
        domain mean.
    members
        Records x statistics membership (nonzero where a record belongs to the
        statistic's subset); it decides which strata are present in a domain for
        the lonely-PSU rules, as R does for a subset of an uncalibrated design.
        ``None``: all records. A raked design keeps every stratum present, as R's
        subsets of a calibrated design keep every record with weight zero.

    Returns
    -------
    numpy.ndarray
        Variance per column (no finite population correction).
    """
    import scipy.sparse as sp
    k = z.shape[1]
    pm, sm = design.psu_matrix(), design.stratum_matrix()
    if members is None or design.raking or design.calibration:
        present = np.ones((design.n_strata, k), dtype=bool)
    else:
        pres_psu = sp.csr_matrix(pm @ sp.csr_matrix(members != 0, dtype=float))
        present = (sm @ pres_psu).toarray() > 0
    if not design.raking and not design.calibration:
        tot = pm @ z
        if sp.issparse(tot):
            tot = sp.csr_matrix(tot)
            s1 = np.asarray((sm @ tot).todense())
            s2 = np.asarray((sm @ tot.multiply(tot)).todense())
        else:
            tot = np.asarray(tot, dtype=float)
            s1, s2 = sm @ tot, sm @ (tot * tot)
        s1, s2 = np.asarray(s1), np.asarray(s2)
        centred = s2 - s1 * s1 / design.npsu[:, None].astype(float)
        return _stratum_variances(design, centred, s2, present)
    coef = _raking_coefficients(design, z) if design.raking else []
    greg = [(greg_psu_basis(c, pm), greg_projection(c, z)) for c in design.calibration]
    tot0 = pm @ z
    tot0 = sp.csc_matrix(tot0) if sp.issparse(tot0) else np.asarray(tot0)
    hm = [sp.csr_matrix(pm @ _level_matrix(m, m.weights).T) for m in design.raking]
    need_squares = design.lonely_psu == "adjust" and bool((design.npsu == 1).any())
    out = np.empty(k)
    for start in range(0, k, _CHUNK_COLUMNS):
        cols = slice(start, min(k, start + _CHUNK_COLUMNS))
        t = tot0[:, cols]
        t = t.toarray() if sp.issparse(t) else np.array(t, dtype=float)
        for h_m, c_m in zip(hm, coef):
            t -= h_m @ c_m[:, cols]
        for basis, proj in greg:
            t -= basis @ proj[:, cols]
        mean = (sm @ t) / design.npsu[:, None].astype(float)
        squares = sm @ (t * t) if need_squares else None
        t -= mean[design.psu_stratum]
        np.square(t, out=t)
        out[cols] = _stratum_variances(design, sm @ t, squares, present[:, cols])
    return out


def _domain_columns(z: np.ndarray, valid: np.ndarray, domain: np.ndarray, n_domains: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Sparse records x (domain*V + variable) influence values and membership, built without sorting."""
    import scipy.sparse as sp
    n, nv = z.shape
    mask = valid & (domain >= 0)[:, None]
    cols = (np.where(domain >= 0, domain, 0) * nv)[:, None] + np.arange(nv)[None, :]
    indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
    shape = (n, n_domains * nv)
    zs = sp.csr_matrix((z[mask], cols[mask], indptr), shape=shape)
    ms = sp.csr_matrix((np.ones(int(indptr[-1])), cols[mask], indptr), shape=shape)
    return zs, ms


def partition_variance(
    design: SurveyDesign, z: np.ndarray, valid: np.ndarray, domain: np.ndarray, n_domains: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return variances and degrees of freedom of statistics on a partition into domains.

    The fast path of :func:`linearised_variance` for domain estimates: each record is
    in at most one domain, so PSU totals are sums over (PSU, domain) pairs, computed
    with ``np.bincount`` and no records x statistics matrix.

    Parameters
    ----------
    design
        Survey design.
    z
        Records x variables influence values (zero where not valid).
    valid
        Records x variables: the record is in the variable's subset (non-missing).
    domain
        Domain code of every record (-1: in no domain).
    n_domains
        Number of domains D.

    Returns
    -------
    var, degf : numpy.ndarray
        D x V arrays: variance, and R's ``degf`` of the domain subset.
    """
    nv = z.shape[1]
    d_count = n_domains
    if design.raking or design.calibration:
        zs, ms = _domain_columns(z, valid, domain, d_count)
        var = linearised_variance(design, zs, ms).reshape(d_count, nv)
        return var, subset_degf(design, ms).reshape(d_count, nv)
    inr = domain >= 0
    uniq, inv = np.unique(design.psu[inr] * d_count + domain[inr], return_inverse=True)
    inv = inv.ravel()
    zz, vv = z[inr], valid[inr]
    tot = np.stack([np.bincount(inv, weights=zz[:, v], minlength=len(uniq)) for v in range(nv)], axis=1)
    has = np.stack([np.bincount(inv, weights=vv[:, v], minlength=len(uniq)) for v in range(nv)], axis=1) > 0
    return cell_variance(design, uniq // d_count, uniq % d_count, d_count, tot.reshape(-1, nv), has.reshape(-1, nv))


def cell_variance(design: SurveyDesign, cell_psu: np.ndarray, cell_domain: np.ndarray, n_domains: int,
                  tot: np.ndarray, has: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return variances and degrees of freedom of domain statistics from their (PSU, domain) cell totals.

    :math:`\\hat V_d = \\sum_h \\frac{n_h}{n_h-1} \\sum_{i \\in h} (z_{id} - \\bar z_{hd})^2` with
    :math:`n_h` the PSUs of stratum *h* in the whole design (a PSU without a cell of
    domain *d* has :math:`z_{id} = 0`), lonely PSUs and the finite population
    correction as :func:`linearised_variance`; R's ``degf`` of domain *d* is its PSUs
    with a valid record minus its strata with one.

    Parameters
    ----------
    design
        Survey design (not raked or calibrated: the influence values are linear in the records).
    cell_psu, cell_domain
        PSU and domain of every cell.
    n_domains
        Number of domains D.
    tot
        Cells x variables sums of the influence values over the cell's records.
    has
        Cells x variables: the cell holds a record valid for the variable.

    Returns
    -------
    var, degf : numpy.ndarray
        D x V arrays.
    """
    nv = tot.shape[1]
    n_strata = design.n_strata
    cols = n_domains * nv
    # column of (domain, variable) within a stratum row: stratum * D*V + domain * V + variable
    index = ((design.psu_stratum[cell_psu] * n_domains + cell_domain) * nv)[:, None] + np.arange(nv)[None, :]
    index = index.ravel()
    size = n_strata * cols
    s1 = np.bincount(index, weights=tot.ravel(), minlength=size).reshape(n_strata, cols)
    s2 = np.bincount(index, weights=(tot * tot).ravel(), minlength=size).reshape(n_strata, cols)
    present = np.bincount(index, weights=has.ravel(), minlength=size).reshape(n_strata, cols) > 0
    nh = design.npsu[:, None].astype(float)
    var = _stratum_variances(design, s2 - s1 * s1 / nh, s2, present).reshape(n_domains, nv)
    psus = np.bincount(((cell_domain * nv)[:, None] + np.arange(nv)[None, :]).ravel(), weights=has.ravel(),
                       minlength=cols)
    degf = (psus - present.sum(axis=0)).reshape(n_domains, nv).astype(float)
    return var, degf


def subset_degf(design: SurveyDesign, members: sp.spmatrix | np.ndarray) -> np.ndarray:
    """Return R's ``degf`` of each column's subset: PSUs with members minus strata with members."""
    import scipy.sparse as sp
    pm, sm = design.psu_matrix(), design.stratum_matrix()
    pres_psu = sp.csr_matrix(pm @ sp.csr_matrix(members != 0, dtype=float))
    pres_psu.data[:] = 1.0
    pres_str = sp.csr_matrix(sm @ pres_psu)
    return pres_psu.getnnz(axis=0) - pres_str.getnnz(axis=0)
