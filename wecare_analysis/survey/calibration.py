"""Calibration of weights to population margins: linear (GREG), bounded linear, raking.

As R ``survey::calibrate(design, ~m1 + m2 + ..., population, calfun=, bounds=)``
(Deville & Särndal 1992). The model matrix :math:`X` has an intercept and the
treatment-coded levels of every margin; the population vector is the grand total
and the totals of every level but the first. Calibrated weights are
:math:`w_k g_k` with

- ``linear``, no bounds: :math:`g = 1 + X (X^\\top W X)^{-1} (T - X^\\top w)`
  (R ``regcalibrate``, closed form);
- ``linear`` with ``bounds=(L, U)`` or ``raking``: Newton iterations of R's
  ``grake`` on :math:`g = F(X\\eta)`, :math:`F(u) = \\min(\\max(1 + u, L), U)`
  (bounded linear) or :math:`e^u` (raking), with the generalised inverse of
  :math:`X^\\top W F'(X\\eta) X`, R's rescaling of the weights when every
  population total is over 20 times its sample total, and R's stopping rule
  :math:`\\max |T - \\hat T| / (1 + |T|) < \\epsilon`.

After the iterations every margin level is checked against its target with a
relative tolerance (:mod:`~wecare_analysis.survey.margin_check`), so bounds that
cannot be met stop the run naming the margins. For the variance the design keeps
:class:`~wecare_analysis.survey.greg.GregCalibration` (the QR basis of
:math:`X\\sqrt{w}` and :math:`g\\sqrt{w}`), as R's ``svyrecvar``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wecare_analysis.errors import InputError
from wecare_analysis.survey.design import SurveyDesign
from wecare_analysis.survey.greg import GregCalibration, orthonormal_columns
from wecare_analysis.survey.margin_check import check_margins
from wecare_analysis.survey.weights import MARGIN_RTOL, MarginSpec, scaled_shares

CALFUNS = ("linear", "raking")

#: R ``grake``: rescale the weights first when every population/sample ratio exceeds this.
_RESCALE_THRESHOLD = 20.0


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`calibrate`: the calibrated design, the g-weights and the iterations."""

    design: SurveyDesign
    g: np.ndarray
    iterations: int


def calibration_matrix(specs: Sequence[MarginSpec], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the model matrix (intercept + treatment dummies) and the population totals.

    Equivalent to R ``model.matrix(~m1 + m2 + ...)`` with levels sorted, and the
    population vector ``c(N, T_m1[-1], T_m2[-1], ...)``.
    """
    cols = [np.ones(n)]
    pop = [float(specs[0].totals.sum())]
    for s in specs:
        for j in range(1, len(s.levels)):
            cols.append((s.index == j).astype(float))
            pop.append(float(s.totals[j]))
    return np.column_stack(cols), np.asarray(pop)


def _calfun(name: str, bounds: tuple[float, float]):
    lo, hi = bounds
    if name == "linear":
        def fm1(u):
            return np.minimum(np.maximum(u + 1.0, lo), hi) - 1.0

        def df(u):
            return ((u < hi - 1.0) & (u > lo - 1.0)).astype(float)
    else:
        def fm1(u):
            return np.expm1(u)

        def df(u):
            return np.exp(u)
    return fm1, df


def calibration_g(x: np.ndarray, w: np.ndarray, population: np.ndarray, calfun: str = "linear",
                  bounds: tuple[float, float] = (-np.inf, np.inf), maxit: int = 50,
                  epsilon: float = 1e-7) -> tuple[np.ndarray, int, float]:
    """Return the g-weights, the iterations and the achieved relative misfit (R ``grake``/``regcalibrate``)."""
    sample_total = x.T @ w
    if calfun == "linear" and np.isinf(bounds[0]) and np.isinf(bounds[1]):
        t = (x * np.sqrt(w)[:, None])
        g = 1.0 + x @ np.linalg.solve(t.T @ t, population - sample_total)
        return g, 1, float(np.max(np.abs(x.T @ (w * g) - population) / (1 + np.abs(population))))
    fm1, dfun = _calfun(calfun, bounds)
    with np.errstate(divide="ignore"):
        ratios = population / sample_total
    scale = float(np.mean(ratios)) if np.min(ratios) > _RESCALE_THRESHOLD else None
    ww = w * scale if scale else w
    sample_total = x.T @ ww
    eta = np.zeros(x.shape[1])
    xeta = x @ eta
    it = 1
    while True:
        tmat = (x * (ww * dfun(xeta))[:, None]).T @ x
        misfit = population - sample_total - x.T @ (ww * fm1(xeta))
        deta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = x @ eta
        with np.errstate(over="ignore", invalid="ignore"):
            while it < maxit and not (np.isfinite(fm1(xeta)).all() and np.isfinite(dfun(xeta)).all()):
                it += 1
                deta = deta / 2
                eta = eta - deta
                xeta = x @ eta
        misfit = population - sample_total - x.T @ (ww * fm1(xeta))
        achieved = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
        if achieved < epsilon:
            break
        it += 1
        if it > maxit:
            break
    g = 1.0 + fm1(xeta)
    return (g * scale if scale else g), it, achieved


def calibrate(design: SurveyDesign, specs: Sequence[MarginSpec], calfun: str = "linear",
              bounds: tuple[float, float] = (-np.inf, np.inf), maxit: int = 50, epsilon: float = 1e-7,
              margin_rtol: float = MARGIN_RTOL) -> CalibrationResult:
    """Return the design calibrated to the margins, as R ``calibrate(design, ~m1 + ..., pop, calfun, bounds)``.

    Parameters
    ----------
    design
        Design with the starting (design) weights; not raked nor calibrated yet.
    specs
        Margins from :func:`~wecare_analysis.survey.weights.margin_specs`.
    calfun
        ``linear`` (GREG; bounded linear with ``bounds``) or ``raking``.
    bounds
        Lower and upper bound of the g-weights, R ``bounds=c(L, U)``.
    maxit, epsilon
        R's iteration limit and stopping rule.
    margin_rtol
        Relative tolerance for every margin level after calibration.

    Raises
    ------
    InputError
        Unknown ``calfun``, bounds in the wrong order, a design already weighted to
        margins, no convergence (R: "Calibration failed") or margins not met.
    """
    if calfun not in CALFUNS:
        raise InputError(f"calibration function {calfun!r} unknown; use one of {', '.join(CALFUNS)}.")
    lo, hi = bounds
    if not lo < 1 < hi:
        raise InputError(f"calibration bounds [{lo:g}, {hi:g}] must contain 1 (g-weights of 1 leave a weight "
                         "unchanged), e.g. 0.5,2.")
    if design.raking or design.calibration:
        raise InputError("the design is already raked or calibrated; calibrate the design weights instead.")
    w = design.weights.astype(float)
    specs = scaled_shares(list(specs), float(w.sum()))
    x, pop = calibration_matrix(specs, design.n)
    g, it, achieved = calibration_g(x, w, pop, calfun, bounds, maxit, epsilon)
    what = f"calibration ({calfun}{'' if np.isinf(lo) and np.isinf(hi) else f', bounds {lo:g}-{hi:g}'})"
    if not (np.isfinite(g).all() and achieved < epsilon):
        check_margins(w * np.nan_to_num(g), specs, min(margin_rtol, 1e-9), what)
        raise InputError(f"{what} failed to converge in {maxit} iterations (relative misfit {achieved:.3g}); "
                         "widen the bounds or collapse sparse levels.")
    check_margins(w * g, specs, margin_rtol, what)
    whalf = np.sqrt(w)
    cal = GregCalibration(orthonormal_columns(x * whalf[:, None]), g * whalf, tuple(s.name for s in specs))
    return CalibrationResult(design.with_weights(w * g, calibration=(cal,)), g, it)

