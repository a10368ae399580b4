"""Replicate weights: jackknife (JK1, JKn), bootstrap, BRR/Fay, built as R ``as.svrepdesign`` or supplied.

A replicate design holds :math:`R` sets of weights :math:`w^{(r)}`; a statistic
:math:`\\hat\\theta` recomputed with each gives :math:`\\hat\\theta_r` and

.. math::

    \\hat V = c \\sum_r c_r (\\hat\\theta_r - \\bar\\theta)^2,

with ``scale`` :math:`c`, ``rscales`` :math:`c_r` and :math:`\\bar\\theta` the mean
of the replicates (R's default ``mse=FALSE``) or :math:`\\hat\\theta` (``mse=TRUE``)
(R ``svrVar``; Wolter 2007, ch. 3-5). Built from a design (R 4.1 code paths):

``JK1`` (unstratified designs only, as R)
    drop one PSU at a time, the others x :math:`n/(n-1)`; :math:`c = f (n-1)/n`.
``JKn``
    drop one PSU of stratum *h*, the others of *h* x :math:`n_h/(n_h-1)`;
    :math:`c_r = f_h (n_h-1)/n_h`, :math:`c = 1`; census strata give no replicate;
    a stratum with one PSU follows the lonely-PSU option as R ``jknweights``.
``bootstrap``
    R ``bootweights``: in each stratum :math:`n_h` PSUs drawn with replacement (with
    a finite population correction, :math:`n_h` drawn without replacement from the
    PSUs repeated to :math:`N_h`); the factor is the number of draws;
    :math:`c = \\tilde n / ((\\tilde n - 1)(R - 1))`, :math:`\\tilde n` the harmonic
    mean of the PSUs per stratum.
``brr`` (two PSUs per stratum)
    balanced half-samples from a Sylvester Hadamard matrix (order the smallest power
    of 2 above the number of strata; R builds other Hadamard matrices, so the replicate
    set differs from R's while being equally balanced); factors 2 and 0 (Fay:
    :math:`2-\\rho` and :math:`\\rho`), :math:`c = 1/(R(1-\\rho)^2)`.

Replicate factors of a design are kept per PSU (the replicate weight of record *k*
is :math:`w_k a_{r,\\mathrm{psu}(k)}`), so estimates for thousands of domains cost
one product of the replicates x PSUs factors with the PSUs x statistics totals.
After raking or calibration the replicate weights are raked (same passes) or
calibrated again, replicate by replicate, as R ``rake``/``calibrate`` on a
replicate design, and kept as a records x replicates matrix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.survey.calibration import calibration_g, calibration_matrix
from wecare_analysis.survey.design import SurveyDesign

if TYPE_CHECKING:  # scipy.sparse is imported where it is used: `wecare estimate` starts without it
    import scipy.sparse as sp

BUILT_TYPES = ("jk1", "jkn", "bootstrap", "brr")
SUPPLIED_TYPES = ("JK1", "bootstrap", "BRR", "Fay", "successive-difference", "JK2", "other")


@dataclass(frozen=True)
class ReplicateWeights:
    """Replicate weights and how to combine them.

    Exactly one of ``psu_factors`` (replicates x PSUs multipliers of the design
    weights) and ``weights`` (records x replicates full weights) is set.
    """

    kind: str
    scale: float
    rscales: np.ndarray
    psu_factors: np.ndarray | None = None
    weights: np.ndarray | None = None
    mse: bool = False

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return int(self.rscales.shape[0])

    def matrix(self, design: SurveyDesign) -> np.ndarray:
        """Records x replicates weights."""
        if self.weights is not None:
            return self.weights
        return design.weights[:, None] * self.psu_factors.T[design.psu]

    def degf(self, design: SurveyDesign) -> int:
        """Degrees of freedom, R ``degf``: rank of the replicate weights minus 1."""
        if self.psu_factors is not None:
            if self.kind == "JK1":  # n/(n-1) (J - I), eigenvalues n and -n/(n-1): full rank n
                return int(self.psu_factors.shape[0]) - 1
            a = self.psu_factors
        else:
            w = self.weights
            a = (w.T @ w) if w.shape[0] > w.shape[1] else w
            return int(np.linalg.matrix_rank(a, tol=1e-10 * np.abs(a).max())) - 1
        return int(np.linalg.matrix_rank(a)) - 1


def replicate_variance(thetas: np.ndarray, estimate: np.ndarray, reps: ReplicateWeights) -> np.ndarray:
    """Return :math:`c \\sum_r c_r (\\theta_r - \\bar\\theta)^2` per column (R ``svrVar``); thetas R x k."""
    use = reps.rscales > 0
    centre = estimate if reps.mse else thetas[use].mean(axis=0)
    dev = thetas - centre[None, :]
    return reps.scale * (reps.rscales[:, None] * dev * dev).sum(axis=0)


def _correction(design: SurveyDesign) -> np.ndarray:
    return np.ones(design.n_strata) if design.fpc is None else design.fpc


def jk1_replicates(design: SurveyDesign) -> ReplicateWeights:
    """Return delete-one-PSU jackknife replicates of an unstratified design (R ``jk1weights``)."""
    if design.n_strata > 1:
        raise InputError(f"--variance jk1 needs a design without strata (R: \"Can't use JK1 for a stratified "
                         f"design\"); this one has {design.n_strata} strata: use --variance jkn.")
    n = design.n_psu
    if n < 2:
        raise InputError("--variance jk1 needs at least two clusters (PSUs).")
    corr = float(_correction(design)[0])
    if corr < 1e-7:
        raise InputError("every cluster of the population was sampled (fpc): there is no sampling variance.")
    a = np.full((n, n), n / (n - 1.0))
    np.fill_diagonal(a, 0.0)
    return ReplicateWeights("JK1", corr * (n - 1) / n, np.ones(n), psu_factors=a)


def jkn_replicates(design: SurveyDesign) -> ReplicateWeights:
    """Return stratified delete-one-PSU jackknife replicates (R ``jknweights``)."""
    corr = _correction(design)
    cols, rsc = [], []
    nstrat, p = design.n_strata, design.n_psu
    skipped = 0
    for h in range(nstrat):
        psus = np.flatnonzero(design.psu_stratum == h)
        nh = psus.size
        if corr[h] < 1e-7 and design.fpc is not None:
            continue  # census stratum: no replicate (R survey.drop.replicates)
        if nh == 1:
            opt = design.lonely_psu
            if opt == "fail":
                raise InputError(f"stratum {design.stratum_labels[h]} has only one cluster (PSU): choose a lonely "
                                 "PSU option (remove, adjust, average, certainty) or merge it with another stratum.")
            if opt == "adjust":
                a = np.where(design.psu_stratum == h, 0.0, nstrat / (nstrat - 1.0))
                cols.append(a)
                rsc.append((nstrat - 1.0) / nstrat)
            else:
                skipped += 1
            continue
        for i in psus:
            a = np.ones(p)
            a[psus] = nh / (nh - 1.0)
            a[i] = 0.0
            cols.append(a)
            rsc.append(corr[h] * (nh - 1.0) / nh)
    if not cols:
        raise InputError("every stratum was sampled completely: there is no sampling variance.")
    scale = 1.0
    if design.lonely_psu == "average" and len(cols) < p:
        scale = p / len(cols)
    return ReplicateWeights("JKn", scale, np.asarray(rsc), psu_factors=np.vstack(cols))


def bootstrap_replicates(design: SurveyDesign, replicates: int = 50, seed: int | None = None) -> ReplicateWeights:
    """Return Canty-Davison bootstrap replicates as R ``bootweights`` (R uses its own random numbers)."""
    if replicates < 2:
        raise InputError(f"--replicates must be at least 2 for the bootstrap, found {replicates}.")
    rng = np.random.default_rng(seed)
    a = np.zeros((replicates, design.n_psu))
    for h in range(design.n_strata):
        psus = np.flatnonzero(design.psu_stratum == h)
        nh = psus.size
        if design.popsize is None:
            draws = rng.integers(0, nh, size=(replicates, nh))
        else:
            pool = np.resize(np.arange(nh), int(design.popsize[h]))
            draws = np.vstack([rng.choice(pool, size=nh, replace=False) for _ in range(replicates)])
        counts = np.zeros((replicates, nh))
        np.add.at(counts, (np.repeat(np.arange(replicates), nh), draws.ravel()), 1.0)
        a[:, psus] = counts
    hm = 1.0 / np.mean(1.0 / design.npsu)
    if hm <= 1:
        raise InputError("the bootstrap needs strata with two or more clusters (PSUs).")
    return ReplicateWeights("bootstrap", hm / ((hm - 1.0) * (replicates - 1.0)), np.ones(replicates), psu_factors=a)


def brr_replicates(design: SurveyDesign, fay_rho: float = 0.0) -> ReplicateWeights:
    """Return balanced repeated replication (or Fay's method) half-samples; two PSUs per stratum."""
    bad = np.flatnonzero(design.npsu != 2)
    if bad.size:
        raise InputError(f"--variance brr needs exactly two clusters (PSUs) per stratum; stratum "
                         f"{design.stratum_labels[int(bad[0])]} has {int(design.npsu[bad[0]])} "
                         f"({bad.size} such strata): use --variance jkn or bootstrap.")
    if not 0 <= fay_rho < 1:
        raise InputError(f"Fay's rho must be in [0, 1), found {fay_rho:g}.")
    import scipy.linalg  # only here: start-up time of the command line

    order = 1 << int(np.ceil(np.log2(design.n_strata + 1)))
    had = scipy.linalg.hadamard(order)[:, 1:design.n_strata + 1]
    a = np.empty((order, design.n_psu))
    for h in range(design.n_strata):
        first, second = np.flatnonzero(design.psu_stratum == h)
        a[:, first] = np.where(had[:, h] > 0, 2 - fay_rho, fay_rho)
        a[:, second] = 2 - a[:, first]
    kind = "Fay" if fay_rho else "BRR"
    return ReplicateWeights(kind, 1.0 / (order * (1 - fay_rho) ** 2), np.ones(order), psu_factors=a)


def design_replicates(design: SurveyDesign, kind: str, replicates: int = 50, seed: int | None = None,
                      fay_rho: float = 0.0, mse: bool = False) -> ReplicateWeights:
    """Return replicate weights of ``kind`` (``jk1``, ``jkn``, ``bootstrap``, ``brr``) built from the design."""
    if kind == "jk1":
        reps = jk1_replicates(design)
    elif kind == "jkn":
        reps = jkn_replicates(design)
    elif kind == "bootstrap":
        reps = bootstrap_replicates(design, replicates, seed)
    elif kind == "brr":
        reps = brr_replicates(design, fay_rho)
    else:
        raise InputError(f"replicate type {kind!r} unknown; use one of {', '.join(BUILT_TYPES)}.")
    return dataclasses.replace(reps, mse=mse)


def supplied_replicates(data: pd.DataFrame, prefix: str, kind: str, scale: float | None = None,
                        fay_rho: float = 0.0, mse: bool = False, source: str = "data") -> ReplicateWeights:
    """Return replicate weights read from the columns starting with ``prefix`` (R ``svrepdesign``, combined).

    Default scales as R: JK1 :math:`(R-1)/R`, bootstrap :math:`1/(R-1)`, BRR :math:`1/R`,
    Fay :math:`1/(R(1-\\rho)^2)`, successive-difference :math:`4/R`, JK2 1; ``other``
    needs ``scale``.
    """
    cols = [c for c in data.columns if str(c).startswith(prefix)]
    if len(cols) < 2:
        raise InputError(f"{source}: --repweights {prefix!r} matches {len(cols)} column(s); expected the replicate "
                         f"weight columns (e.g. {prefix}1, {prefix}2, ...).")
    w = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise InputError(f"{source}, row {i + 2}, column {cols[j]}: replicate weight {data[cols[j]].iloc[i]!r}; "
                         f"replicate weights must be numbers >= 0 ({int(bad.sum())} bad cell(s)).")
    r = len(cols)
    defaults = {"JK1": (r - 1) / r, "bootstrap": 1 / (r - 1), "BRR": 1 / r,
                "Fay": 1 / (r * (1 - fay_rho) ** 2), "successive-difference": 4 / r, "JK2": 1.0}
    if kind not in SUPPLIED_TYPES:
        raise InputError(f"--rep-type {kind!r} unknown; use one of {', '.join(SUPPLIED_TYPES)}.")
    if scale is None:
        if kind == "other":
            raise InputError("--rep-type other needs --rep-scale (the constant c of the variance c Σ(θr - θ)²).")
        scale = defaults[kind]
    return ReplicateWeights(kind, float(scale), np.ones(r), weights=w, mse=mse)


def replicate_totals(reps: ReplicateWeights, design: SurveyDesign, values: sp.csr_matrix) -> np.ndarray:
    """Return the replicate-weighted column totals of ``values`` (records x k, unweighted), replicates x k."""
    import scipy.sparse as sp
    if reps.psu_factors is not None:
        psu_tot = design.psu_matrix() @ sp.csr_matrix(values.multiply(design.weights[:, None]))
        return np.asarray((sp.csr_matrix(psu_tot).T @ reps.psu_factors.T).T)
    return np.asarray((sp.csr_matrix(values).T @ reps.weights).T)


def raked_replicates(reps: ReplicateWeights, design: SurveyDesign, specs: Sequence, passes: int) -> ReplicateWeights:
    """Return the replicate weights raked with the same passes as the full sample (R ``rake`` on svyrep)."""
    import scipy.sparse as sp
    w = np.array(reps.matrix(design), dtype=float)
    for _ in range(max(passes, 1)):
        for s in specs:
            ind = sp.csr_matrix((np.ones(s.index.size), (s.index, np.arange(s.index.size))),
                                shape=(len(s.levels), s.index.size))
            freq = np.asarray(ind @ w)
            w *= (s.totals[:, None] / freq)[s.index]
    return dataclasses.replace(reps, psu_factors=None, weights=w)


def calibrated_replicates(reps: ReplicateWeights, design: SurveyDesign, specs: Sequence, calfun: str,
                          bounds: tuple[float, float], maxit: int = 50, epsilon: float = 1e-7) -> ReplicateWeights:
    """Return every replicate calibrated to the margins (R ``calibrate`` on a replicate design)."""

    w = np.array(reps.matrix(design), dtype=float)
    x, pop = calibration_matrix(list(specs), design.n)
    for r in range(w.shape[1]):
        g, _, achieved = calibration_g(x, w[:, r], pop, calfun, bounds, maxit, epsilon)
        if not (np.isfinite(g).all() and achieved < max(epsilon, 1e-6)):
            raise InputError(f"calibration of replicate {r + 1} failed (relative misfit {achieved:.3g}); widen "
                             "the bounds or use Taylor linearisation (--variance taylor).")
        w[:, r] *= g
    return dataclasses.replace(reps, psu_factors=None, weights=w)
