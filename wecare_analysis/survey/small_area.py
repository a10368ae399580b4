"""Small-area estimates of need prevalence: multilevel regression and post-stratification (MRP).

Model (one per need area *a*, all areas fitted together, vectorised)::

    y_i ~ Bernoulli(p_i),  logit p_i = x_i'β + v_prov(i) + u_mun(i) + f_firm(i)
    v ~ N(0, σ_p²),  u ~ N(0, σ_m²),  f ~ N(0, σ_f²),  β ~ N(0, 2²) (intercept N(0, 5²))
    σ_p, σ_m, σ_f ~ half-normal(1)

``x_i``: intercept, age class, sex, age class × sex, role (treatment coding, the
most frequent level as reference) and the standardised territorial covariates of
the respondent's municipality (:data:`COVARIATES`: log old-age index and log density,
from :func:`municipal_covariates`). Firms are nested in municipalities,
municipalities in provinces. The share of residents aged 0–14 is left out: over the
Piedmont municipalities its correlation with the log old-age index is −0.96
(variance inflation ≈ 13), so with both in the model their coefficients carry noise in
opposite directions that the small, extreme villages amplify (municipal RMSE against the
demo truth 11 % higher with it: 0.711 against 0.639 times the province-direct baseline's on
seeds 1–3, ``benchmarks/bench_small_area.py``).

Fit: the posterior of the variance parameters θ = (σ_m, σ_p, σ_f) is computed by the
Laplace approximation of the marginal likelihood, as INLA does (Rue, Martino & Chopin
2009, JRSS-B 71:319), and integrated adaptively on log σ: a coarse grid shared by the
needs (σ from 0.01, effectively 0, to 4) locates each need's posterior, then each need
gets its own grid around it, refined twice (:func:`refined_grids`: ±2 posterior sds
per axis, range 0.005–6), so that a posterior near 0 or beyond 1.5 is neither truncated
nor stuck on one coarse node; given θ the posterior
of (β, v, u, f) is the Gaussian at its mode with precision equal to the Hessian,
found by Newton steps whose linear systems are solved by eliminating the firm
then the municipality effects (their blocks are diagonal), so only a small dense
system of fixed + province effects is factorised. This replaces statsmodels'
``BinomialBayesMixedGLM.fit_vb`` (same model family), which took 12–17 s per need
on 3,000 respondents here, and whose mean-field posterior ignores the correlation
of the coefficients (too narrow intervals); the grid integrates the uncertainty
of the variances instead of plugging in one value.

Post-stratification (Gelman & Little 1997; Park, Gelman & Bafumi 2004): for each
municipality *m* and posterior draw *s*,

.. math:: \\hat p_{ms} = \\sum_{c,r} N_{mc}\\, \\pi_r\\, \\tilde p_{mcrs} / \\sum_c N_{mc}

with :math:`N_{mc}` ISTAT residents of the age class × sex cell *c* over the age
classes the respondents cover (:func:`poststrat_age_classes`: 18–64, plus 65–67,
up to the pension age, when respondents aged 65 and over took part, so that the
population post-stratified is the one the model and the direct estimates describe),
:math:`\\pi_{r|c}` the (weighted) share of role *r* among the respondents of the age
class × sex cell *c*, shrunk towards the overall share with :data:`ROLE_PRIOR_COUNT`
pseudo-respondents (role varies with age and sex; no census table gives it by
place), and :math:`\\tilde p` the cell probability averaged
over firm effects with the logistic-normal approximation
:math:`E[\\mathrm{expit}(\\eta + f)] \\approx \\mathrm{expit}(\\eta / \\sqrt{1 + c^2 σ_f^2})`,
:math:`c = 16\\sqrt 3/(15π)` (Zeger, Liang & Albert 1988). Municipalities
without respondents draw *u* from N(0, σ_m²). Provinces aggregate the municipal
draws with weights :math:`\\sum_c N_{mc}`. Intervals are the 2.5 % and 97.5 %
quantiles of the draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit

#: Age classes of the post-stratification cells (codebook code -> first, last age): residents 18-64.
POSTSTRAT_AGE_CLASSES: dict[str, tuple[int, int]] = {
    "18_24": (18, 24), "25_34": (25, 34), "35_44": (35, 44), "45_54": (45, 54), "55_64": (55, 64)}
#: Ages standing in for the class ``65_plus``: workers over 65 are mostly below the pension age (67).
OLDER_WORKER_AGES = (65, 67)
#: Pseudo-respondents pulling the role shares of a sparse age × sex cell towards the overall shares.
ROLE_PRIOR_COUNT = 20.0
#: Coarse exploration grids of the random-effect standard deviations (municipality, province, firm):
#: from near 0 (lme4 often finds 0 on the demo data) to large values (a truth of 1.5 was truncated at 1.25).
SIGMA_GRIDS = (np.geomspace(0.01, 4.0, 4), np.geomspace(0.01, 2.0, 3), np.geomspace(0.05, 1.5, 3))
#: Range of σ of the refined grids, nodes per axis (σ_m, σ_p, σ_f) and half-width in posterior sds of log σ.
LOG_SIGMA_RANGE = (0.005, 6.0)
REFINE_NODES = (5, 3, 3)
REFINE_HALF_WIDTH = 2.0
#: Refinements after the coarse grid: the second resolves posteriors narrower than the first grid's spacing.
REFINE_STAGES = 2
FIXED_PRIOR_SD, INTERCEPT_PRIOR_SD, SIGMA_PRIOR_SCALE = 2.0, 5.0, 1.0
#: Logistic-normal constant of Zeger, Liang & Albert (1988).
ZEGER_C2 = (16 * np.sqrt(3) / (15 * np.pi)) ** 2
#: Municipal covariates of the model (columns of :func:`municipal_covariates`; module docstring).
COVARIATES = ("old_age_z", "density_z")
MUNICIPALITY_COLUMNS = ["municipality_code", "province_sigla", "need_area", "variable", "prevalence", "se",
                        "ci_low", "ci_high", "n", "population"]


def municipal_covariates(territory: pd.DataFrame) -> pd.DataFrame:
    """Standardised territorial covariates of every municipality, indexed by ``municipality_code``.

    ``old_age_z`` = z of :math:`\\log((P_{65+} + ½)/(P_{0-14} + ½))`, ``density_z`` = z of
    :math:`\\log(\\text{residents}/\\text{km}^2)`, ``children_z`` = z of :math:`P_{0-14}/P`;
    z-scores over the municipalities given (mean 0, population sd 1).

    Examples
    --------
    >>> t = pd.DataFrame({"municipality_code": [1, 2], "age_65_plus": [99.5, 9.5], "age_0_14": [9.5, 99.5],
    ...                   "residents": [200, 200], "area_km2": [1.0, 1.0]})
    >>> municipal_covariates(t)["old_age_z"].round(6).tolist()
    [1.0, -1.0]
    """
    t = territory.set_index("municipality_code")
    raw = pd.DataFrame({
        "old_age_z": np.log((t["age_65_plus"] + 0.5) / (t["age_0_14"] + 0.5)),
        "density_z": np.log(np.maximum(t["residents"], 1) / t["area_km2"]),
        "children_z": t["age_0_14"] / np.maximum(t["residents"], 1)}, index=t.index)
    sd = raw.std(ddof=0).replace(0, 1.0)
    return (raw - raw.mean()) / sd


def poststrat_age_classes(data: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Post-stratification age classes matching the respondents: 18–64, plus ``65_plus`` (65–67) if present.

    Examples
    --------
    >>> sorted(poststrat_age_classes(pd.DataFrame({"age_class": ["18_24", "65_plus"]})))[-1]
    '65_plus'
    """
    classes = dict(POSTSTRAT_AGE_CLASSES)
    if "age_class" in data.columns and (data["age_class"].astype(str) == "65_plus").any():
        classes["65_plus"] = OLDER_WORKER_AGES
    return classes


def poststrat_cells(population: pd.DataFrame, age_classes: dict[str, tuple[int, int]] | None = None) -> pd.DataFrame:
    """Residents per municipality × age class × sex: the post-stratification cells.

    Examples
    --------
    >>> pop = pd.DataFrame({"municipality_code": [1, 1, 1], "age": [20, 24, 70], "sex": ["F", "F", "M"],
    ...                     "residents": [3, 4, 9]})
    >>> poststrat_cells(pop, {"18_24": (18, 24)})["residents"].tolist()
    [7.0]
    """
    classes = age_classes or POSTSTRAT_AGE_CLASSES
    age_map = {a: code for code, (lo, hi) in classes.items() for a in range(lo, hi + 1)}
    pop = population.assign(age_class=population["age"].map(age_map)).dropna(subset=["age_class"])
    cells = pop.groupby(["municipality_code", "age_class", "sex"], as_index=False)["residents"].sum()
    return cells.astype({"residents": float})


@dataclass(frozen=True)
class Design:
    """Model matrices of the respondents (see the module docstring)."""

    x: np.ndarray  # n x P: fixed effects then one column per province
    n_fixed: int
    names: tuple[str, ...]
    muni: np.ndarray  # municipality index of each respondent (0..M-1)
    firm: np.ndarray  # firm index (0..F-1)
    firm_muni: np.ndarray  # municipality index of each firm
    n_muni: int


def _reference(values: pd.Series) -> object:
    counts = values.value_counts()
    return min(counts.index[counts == counts.max()])


def fixed_effect_terms(data: pd.DataFrame, factors: Sequence[str]) -> list[tuple[str, dict[str, object]]]:
    """Columns of the fixed-effect matrix: ``(name, {factor: level})`` after the intercept.

    Treatment coding with the most frequent level as reference; ``age_class`` × ``sex``
    interaction when both are present.

    Examples
    --------
    >>> d = pd.DataFrame({"sex": ["F", "M", "M"], "age_class": ["a", "b", "b"]})
    >>> [n for n, _ in fixed_effect_terms(d, ["age_class", "sex"])]
    ['age_class[a]', 'sex[F]', 'age_class[a]:sex[F]']
    """
    main = {f: [lv for lv in sorted(data[f].dropna().unique()) if lv != _reference(data[f])] for f in factors}
    terms = [(f"{f}[{lv}]", {f: lv}) for f in factors for lv in main[f]]
    if "age_class" in main and "sex" in main:
        terms += [(f"age_class[{a}]:sex[{s}]", {"age_class": a, "sex": s}) for a in main["age_class"]
                  for s in main["sex"]]
    return terms


def term_matrix(frame: pd.DataFrame, terms: list[tuple[str, dict[str, object]]]) -> np.ndarray:
    """Intercept and 0/1 indicator columns of ``terms`` for the rows of ``frame``."""
    cols = [np.ones(len(frame))]
    for _name, levels in terms:
        cols.append(np.logical_and.reduce([frame[f].to_numpy() == lv for f, lv in levels.items()]).astype(float))
    return np.column_stack(cols)


def _sparse_index(index: np.ndarray, size: int) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(len(index)), (index, np.arange(len(index)))), shape=(size, len(index)))


class LaplaceEngine:
    """Posterior mode, Hessian factors and Laplace marginal likelihood for all needs at once.

    Parameters: ``design`` (:class:`Design`), ``y`` needs × respondents 0/1 array
    (NaN = not answered, left out of that need's likelihood).
    """

    def __init__(self, design: Design, y: np.ndarray) -> None:
        self.d = design
        self.mask = ~np.isnan(y)
        self.y = np.where(self.mask, y, 0.0)
        self.zm = _sparse_index(design.muni, design.n_muni)
        self.zf = _sparse_index(design.firm, len(design.firm_muni))
        self.fm = _sparse_index(design.firm_muni, design.n_muni)
        p, nf = design.x.shape[1], design.n_fixed
        self.lam_fixed = np.r_[1 / INTERCEPT_PRIOR_SD ** 2, np.full(nf - 1, 1 / FIXED_PRIOR_SD ** 2)]
        self.k, self.p = y.shape[0], p

    def _theta(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """σ_m, σ_p, σ_f as K x 1 columns: ``theta`` is one (3,) vector for all needs or one row per need."""
        t = np.broadcast_to(np.asarray(theta, dtype=float), (self.k, 3))
        return t[:, :1], t[:, 1:2], t[:, 2:]

    def _lambda(self, theta: np.ndarray) -> np.ndarray:
        """Prior precisions of the fixed and province effects, K x P."""
        sp_ = self._theta(theta)[1]
        return np.column_stack([np.broadcast_to(self.lam_fixed, (self.k, self.d.n_fixed)),
                                np.broadcast_to(1 / sp_ ** 2, (self.k, self.p - self.d.n_fixed))])

    def eta(self, g: np.ndarray, u: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Linear predictors, needs × respondents."""
        return g @ self.d.x.T + u[:, self.d.muni] + f[:, self.d.firm]

    def parts(self, theta: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
        """Blocks of the Hessian after eliminating firms, then municipalities (module docstring)."""
        x, k, p = self.d.x, self.k, self.p
        sm, _sp, sf = self._theta(theta)
        c_f = (self.zf @ w.T).T  # K x F
        d_f = c_f + 1 / sf ** 2
        d_m = (self.zm @ w.T).T + 1 / sm ** 2
        xw = (np.ascontiguousarray(w.T)[:, :, None] * x[:, None, :]).reshape(len(x), k * p)
        g_f = np.asarray(self.zf @ xw).reshape(-1, k, p).transpose(1, 0, 2)  # K x F x P
        g_m = np.asarray(self.zm @ xw).reshape(-1, k, p).transpose(1, 0, 2)  # K x M x P
        a = (x.T @ xw).reshape(p, k, p).transpose(1, 0, 2) + self._lambda(theta)[:, :, None] * np.eye(p)
        r = c_f / d_f
        d_m2 = d_m - (self.fm @ (c_f * r).T).T
        g_m2 = g_m - np.asarray(self.fm @ (g_f * r[:, :, None]).transpose(1, 0, 2).reshape(-1, k * p)
                                ).reshape(-1, k, p).transpose(1, 0, 2)
        a2 = a - np.transpose(g_f, (0, 2, 1)) @ (g_f / d_f[:, :, None])
        s = a2 - np.transpose(g_m2, (0, 2, 1)) @ (g_m2 / d_m2[:, :, None])
        return {"c_f": c_f, "d_f": d_f, "d_m2": d_m2, "g_f": g_f, "g_m2": g_m2, "s": s,
                "chol": np.linalg.cholesky(s)}

    def newton_step(self, theta: np.ndarray, g: np.ndarray, u: np.ndarray, f: np.ndarray) -> tuple:
        """One Newton step of the log posterior; returns new ``(g, u, f)``, the step size and the parts."""
        sm, _sp, sf = self._theta(theta)
        mu = expit(self.eta(g, u, f))
        w = np.where(self.mask, mu * (1 - mu), 0.0)
        resid = np.where(self.mask, self.y - mu, 0.0)  # minus the gradient of the negative log likelihood
        r_g = resid @ self.d.x - self._lambda(theta) * g
        r_u = (self.zm @ resid.T).T - u / sm ** 2
        r_f = (self.zf @ resid.T).T - f / sf ** 2
        pt = self.parts(theta, w)
        q = r_f / pt["d_f"]
        r_u2 = r_u - (self.fm @ (pt["c_f"] * q).T).T
        r_g2 = r_g - np.einsum("kfp,kf->kp", pt["g_f"], q)
        r_g3 = r_g2 - np.einsum("kmp,km->kp", pt["g_m2"], r_u2 / pt["d_m2"])
        dg = np.linalg.solve(pt["s"], r_g3[:, :, None])[:, :, 0]
        du = (r_u2 - np.einsum("kmp,kp->km", pt["g_m2"], dg)) / pt["d_m2"]
        df = (r_f - pt["c_f"] * du[:, self.d.firm_muni] - np.einsum("kfp,kp->kf", pt["g_f"], dg)) / pt["d_f"]
        step = max(np.abs(dg).max(), np.abs(du).max(initial=0), np.abs(df).max(initial=0))
        scale = min(1.0, 4.0 / step) if step > 0 else 1.0
        return g + scale * dg, u + scale * du, f + scale * df, step, pt

    def mode(self, theta: np.ndarray, start: tuple | None = None, tol: float = 1e-5, maxit: int = 30) -> tuple:
        """Posterior mode given ``theta``; returns ``(g, u, f, log marginal likelihood per need)``."""
        g, u, f = start or (np.zeros((self.k, self.p)), np.zeros((self.k, self.d.n_muni)),
                            np.zeros((self.k, len(self.d.firm_muni))))
        for _ in range(maxit):
            g, u, f, step, pt = self.newton_step(theta, g, u, f)
            if step < tol:
                break
        return g, u, f, self.log_marginal(theta, g, u, f, pt if step < tol else None)

    def log_marginal(self, theta: np.ndarray, g: np.ndarray, u: np.ndarray, f: np.ndarray,
                     pt: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Laplace approximation of log p(y | θ) for each need, at the mode ``(g, u, f)``.

        :math:`\\ell(\\hat b) - ½\\hat b'Λ\\hat b + ½\\log|Λ| - ½\\log|H|`, with Λ the prior precision and
        H the Hessian of the negative log posterior at the mode (``pt``: its blocks, if already computed).
        """
        sm, _sp, sf = (c[:, 0] for c in self._theta(theta))
        eta = self.eta(g, u, f)
        loglik = np.where(self.mask, self.y * eta - np.logaddexp(0, eta), 0.0).sum(axis=1)
        lam = self._lambda(theta)
        prior = -0.5 * ((lam * g ** 2).sum(1) + (u ** 2).sum(1) / sm ** 2 + (f ** 2).sum(1) / sf ** 2)
        logdet_prior = np.log(lam).sum(1) - 2 * u.shape[1] * np.log(sm) - 2 * f.shape[1] * np.log(sf)
        if pt is None:
            mu = expit(eta)
            pt = self.parts(theta, np.where(self.mask, mu * (1 - mu), 0.0))
        logdet_h = (np.log(pt["d_f"]).sum(1) + np.log(pt["d_m2"]).sum(1)
                    + 2 * np.log(np.diagonal(pt["chol"], axis1=1, axis2=2)).sum(1))
        return loglik + prior + 0.5 * (logdet_prior - logdet_h)

    def draws(self, theta: np.ndarray, mode: tuple, need: np.ndarray, rng: np.random.Generator) -> tuple:
        """Gaussian posterior draws of (fixed + province effects, municipality effects) for needs ``need``.

        γ ~ N(γ̂, S⁻¹); u | γ ~ N(û − D⁻¹ G'(γ − γ̂), D⁻¹) with S, G, D the blocks after
        eliminating the firms (exact conditional of a Gaussian given by its precision).
        """
        g, u, f = mode
        eta = self.eta(g, u, f)
        mu = expit(eta)
        pt = self.parts(theta, np.where(self.mask, mu * (1 - mu), 0.0))
        chol = pt["chol"][need]
        z = rng.standard_normal((len(need), self.p, 1))
        dg = np.linalg.solve(np.transpose(chol, (0, 2, 1)), z)[:, :, 0]
        d_m2, g_m2 = pt["d_m2"][need], pt["g_m2"][need]
        du = -np.einsum("smp,sp->sm", g_m2, dg) / d_m2 + rng.standard_normal(d_m2.shape) / np.sqrt(d_m2)
        return g[need] + dg, u[need] + du


def model_design(data: pd.DataFrame, covariates: pd.DataFrame, provinces: Sequence[str],
                 factors: Sequence[str]) -> tuple[Design, list[tuple[str, dict[str, object]]]]:
    """Model matrices of the respondents ``data`` (rows complete in ``factors`` and placed in ``covariates``)."""
    terms = fixed_effect_terms(data, factors)
    cov = covariates.loc[data["municipality_code"].to_numpy(), list(COVARIATES)].to_numpy()
    prov = (data["province_sigla"].to_numpy()[:, None] == np.asarray(provinces)[None, :]).astype(float)
    x = np.column_stack([term_matrix(data, terms), cov, prov])
    muni, _ = pd.factorize(data["municipality_code"], sort=True)
    firm_key = data["firm_id"].astype(str) + "@" + data["municipality_code"].astype(str)  # firms nested in places
    firm, firm_keys = pd.factorize(firm_key, sort=True)
    firm_muni = np.zeros(len(firm_keys), dtype=np.int64)
    firm_muni[firm] = muni
    names = ("intercept", *[n for n, _ in terms], *COVARIATES, *[f"province[{p}]" for p in provinces])
    design = Design(x=x, n_fixed=1 + len(terms) + len(COVARIATES), names=names, muni=muni.astype(np.int64),
                    firm=firm.astype(np.int64), firm_muni=firm_muni, n_muni=int(muni.max()) + 1)
    return design, terms


@dataclass
class MrpFit:
    """Fitted MRP model of several needs: each need's grid of θ, posterior weights and modes (module docstring)."""

    engine: LaplaceEngine
    terms: list[tuple[str, dict[str, object]]]
    variables: list[str]
    provinces: list[str]
    municipalities: np.ndarray  # municipality codes of the model's municipality effects
    thetas: np.ndarray  # K x G x 3: sigma_m, sigma_p, sigma_f of grid point g of need k
    weights: np.ndarray  # K x G posterior weights of the grid points
    modes: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per grid point: (g, u, f) of every need

    def sigma_means(self) -> pd.DataFrame:
        """Posterior mean of σ_m, σ_p, σ_f for each need."""
        return pd.DataFrame(np.einsum("kg,kgt->kt", self.weights, self.thetas), index=self.variables,
                            columns=["sigma_municipality", "sigma_province", "sigma_firm"])

    def posterior_means(self) -> tuple[np.ndarray, np.ndarray]:
        """Posterior means of the fixed + province effects (K x P) and municipality effects (K x M).

        Mixture over the grid of the conditional means (the modes, Gaussian approximation).
        """
        g = np.stack([m[0] for m in self.modes], axis=1)  # K x G x P
        u = np.stack([m[1] for m in self.modes], axis=1)  # K x G x M
        return np.einsum("kg,kgp->kp", self.weights, g), np.einsum("kg,kgm->km", self.weights, u)


def theta_grid(grids: Sequence[np.ndarray] = SIGMA_GRIDS) -> np.ndarray:
    """All combinations of ``grids`` (σ_m, σ_p, σ_f), in an order where neighbours are close (warm starts)."""
    sm, sp_, sf = np.meshgrid(*grids, indexing="ij")
    return np.column_stack([sm.ravel(), sp_.ravel(), sf.ravel()])


def log_sigma_prior(thetas: np.ndarray) -> np.ndarray:
    """Log prior density of ψ = log σ (half-normal σ with scale :data:`SIGMA_PRIOR_SCALE`, Jacobian σ)."""
    return (np.log(thetas) - thetas ** 2 / (2 * SIGMA_PRIOR_SCALE ** 2)).sum(axis=-1)


def refined_grids(thetas: np.ndarray, weights: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Each need's integration grid around its posterior of θ, from a cruder grid (K x G2 x 3).

    On ψ = log σ, axis by axis: centre the posterior mean over ``thetas`` (G x 3 shared, or
    K x G x 3) with ``weights`` (K x G); half-width :data:`REFINE_HALF_WIDTH` posterior sds, an
    sd at least ``floor`` (K x 3 or 3: a third of the cruder grid's spacing, where its weights
    could not resolve the posterior); clipped to :data:`LOG_SIGMA_RANGE`; :data:`REFINE_NODES`
    equally spaced nodes per axis (INLA's grid strategy on the diagonal scale, Rue, Martino &
    Chopin 2009, §3.1).
    """
    k = weights.shape[0]
    psi = np.broadcast_to(np.log(thetas), (k, *np.shape(thetas)[-2:]))  # K x G x 3
    mean = np.einsum("kg,kgt->kt", weights, psi)
    sd = np.sqrt(np.maximum(np.einsum("kg,kgt->kt", weights, psi ** 2) - mean ** 2, 0.0))
    sd = np.maximum(sd, floor)
    lo, hi = np.log(LOG_SIGMA_RANGE[0]), np.log(LOG_SIGMA_RANGE[1])
    a = np.clip(mean - REFINE_HALF_WIDTH * sd, lo, hi)
    b = np.clip(mean + REFINE_HALF_WIDTH * sd, lo, hi)
    axes = [a[:, j, None] + (b - a)[:, j, None] * np.linspace(0, 1, n)[None, :] for j, n in enumerate(REFINE_NODES)]
    idx = [m.ravel() for m in np.meshgrid(*[np.arange(n) for n in REFINE_NODES], indexing="ij")]
    return np.exp(np.stack([axes[j][:, idx[j]] for j in range(3)], axis=-1))


def grid_spacing(thetas: np.ndarray) -> np.ndarray:
    """Largest step of log σ between neighbouring nodes on each axis of a refined grid (K x 3)."""
    psi = np.log(thetas)
    return (psi.max(axis=1) - psi.min(axis=1)) / (np.asarray(REFINE_NODES) - 1)


def _explore(engine: LaplaceEngine, thetas: np.ndarray, start: tuple | None) -> tuple[list, np.ndarray]:
    """Modes and log posterior of θ (K x G) at every grid point; ``thetas`` G x 3 or K x G x 3."""
    modes, lp = [], []
    for j in range(thetas.shape[-2]):
        theta = thetas[..., j, :]
        g, u, f, lml = engine.mode(theta, start)
        start = (g, u, f)
        modes.append(start)
        lp.append(lml + log_sigma_prior(theta))
    return modes, np.array(lp).T


def _normalised(lp: np.ndarray) -> np.ndarray:
    w = np.exp(lp - lp.max(axis=1, keepdims=True))
    return w / w.sum(1, keepdims=True)


def fit_mrp(data: pd.DataFrame, variables: Sequence[str], covariates: pd.DataFrame, provinces: Sequence[str],
            factors: Sequence[str] = ("age_class", "sex", "role")) -> MrpFit:
    """Fit the multilevel logistic model of every need in ``variables`` (module docstring).

    The variance parameters are integrated adaptively: a coarse grid shared by the needs
    (:data:`SIGMA_GRIDS`, σ from 0.01, effectively 0, to 4) locates each need's posterior
    of θ; then each need gets its own grid around it (:func:`refined_grids`), refined
    :data:`REFINE_STAGES` times, where the Laplace posterior of θ is evaluated and normalised.
    """
    factors = [f for f in factors if f in data.columns]
    design, terms = model_design(data, covariates, provinces, factors)
    y = data.loc[:, list(variables)].to_numpy(dtype=float).T
    engine = LaplaceEngine(design, y)
    thetas = theta_grid()
    modes, lp = _explore(engine, thetas, None)
    weights = _normalised(lp)
    floor = np.array([np.diff(np.log(g)).max() for g in SIGMA_GRIDS]) / 3
    for _ in range(REFINE_STAGES):
        best = weights.argmax(axis=1)
        start = tuple(np.stack([modes[j][i][k] for k, j in enumerate(best)]) for i in range(3))
        thetas = refined_grids(thetas, weights, floor)
        modes, lp = _explore(engine, thetas, start)
        weights = _normalised(lp)
        floor = grid_spacing(thetas) / 3
    munis = np.sort(data["municipality_code"].unique())
    return MrpFit(engine, terms, list(variables), list(provinces), munis, thetas, weights, modes)


def posterior_draws(fit: MrpFit, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draws of θ (K x S x 3), of the fixed + province effects (K x S x P) and municipality effects (K x S x M)."""
    k, p, m = fit.engine.k, fit.engine.p, fit.engine.d.n_muni
    grid = np.stack([rng.choice(fit.weights.shape[1], size=draws, p=wk) for wk in fit.weights])  # K x S
    gam, u = np.empty((k, draws, p)), np.empty((k, draws, m))
    for j in np.unique(grid):
        need, slot = np.nonzero(grid == j)
        gam[need, slot], u[need, slot] = fit.engine.draws(fit.thetas[:, j], fit.modes[j], need, rng)
    return np.take_along_axis(fit.thetas, grid[:, :, None], axis=1), gam, u


def _cell_frame(cells: pd.DataFrame, data: pd.DataFrame, weights: np.ndarray | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Cell × role combinations and the role shares :math:`\\pi_{r|c}` (cells x roles, rows as the cells).

    Weighted shares of the roles among the respondents of each age class × sex cell (of the age
    class, or of the sex, when the questionnaire asked only one of them), shrunk towards the overall
    shares with :data:`ROLE_PRIOR_COUNT` pseudo-respondents.
    """
    keys = cells[["age_class", "sex"]].drop_duplicates().sort_values(["age_class", "sex"]).reset_index(drop=True)
    if "role" not in data.columns:
        return keys, np.ones((len(keys), 1))
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    roles = np.sort(data["role"].astype(str).unique())
    overall = pd.Series(w).groupby(data["role"].astype(str).to_numpy()).sum().reindex(roles).to_numpy()
    overall = overall / overall.sum()
    by = [c for c in ("age_class", "sex") if c in data.columns]  # a questionnaire may not ask sex or age
    if not by:
        return keys.merge(pd.DataFrame({"role": roles}), how="cross"), np.tile(overall, (len(keys), 1))
    tab = pd.DataFrame({**{c: data[c].astype(str).to_numpy() for c in by}, "role": data["role"].astype(str).to_numpy(),
                        "w": w})
    wt = tab.pivot_table(index=by, columns="role", values="w", aggfunc="sum", fill_value=0.0)
    nn = tab.groupby(by).size()
    idx = pd.MultiIndex.from_frame(keys[by]) if len(by) > 1 else pd.Index(keys[by[0]])
    wt = wt.reindex(index=idx, columns=roles, fill_value=0.0).to_numpy()
    nn = nn.reindex(idx, fill_value=0).to_numpy(dtype=float)
    tot = wt.sum(axis=1, keepdims=True)
    share = np.divide(wt, tot, out=np.zeros_like(wt), where=tot > 0)
    pi = (nn[:, None] * share + ROLE_PRIOR_COUNT * overall[None, :]) / (nn[:, None] + ROLE_PRIOR_COUNT)
    frame = keys.merge(pd.DataFrame({"role": roles}), how="cross")
    return frame, pi


def _summaries(draws: np.ndarray) -> dict[str, np.ndarray]:
    lo, hi = np.quantile(draws, [0.025, 0.975], axis=-1)
    return {"prevalence": draws.mean(-1), "se": draws.std(-1, ddof=1), "ci_low": lo, "ci_high": hi}


def cell_weights(cells: pd.DataFrame, frame: pd.DataFrame, pi: np.ndarray,
                 codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Post-stratification weights :math:`N_{mc}\\pi_{r|c}/\\sum_c N_{mc}` (municipalities x cell-role rows of
    ``frame``) and the residents :math:`\\sum_c N_{mc}` of each municipality of ``codes``.

    ``pi``: role shares, one vector for every cell or one row per cell (cells x roles).

    Examples
    --------
    >>> cells = pd.DataFrame({"municipality_code": [1, 1], "age_class": ["a", "b"], "sex": ["F", "F"],
    ...                       "residents": [30.0, 10.0]})
    >>> frame = pd.DataFrame({"age_class": ["a", "a", "b", "b"], "sex": "F", "role": ["o", "e"] * 2})
    >>> w, total = cell_weights(cells, frame, np.array([0.2, 0.8]), np.array([1]))
    >>> w.round(3).tolist(), total.tolist()
    ([[0.15, 0.6, 0.05, 0.2]], [40.0])
    """
    keys = frame[["age_class", "sex"]].drop_duplicates()
    counts = cells.pivot_table(index="municipality_code", columns=["age_class", "sex"], values="residents",
                               aggfunc="sum", fill_value=0.0)
    counts = counts.reindex(index=codes, columns=pd.MultiIndex.from_frame(keys), fill_value=0.0).to_numpy()
    total = counts.sum(axis=1)
    pi = np.asarray(pi, dtype=float)
    n_roles = pi.shape[-1]
    per_cell = pi.ravel() if pi.ndim == 2 else np.tile(pi, counts.shape[1])
    wmc = np.repeat(counts, n_roles, axis=1) * per_cell[None, :]
    return wmc / np.where(total > 0, total, np.nan)[:, None], total


@dataclass
class SmallAreaEstimates:
    """MRP prevalences: ``municipality`` and ``province`` tables (:func:`small_area_estimates`) and the fit."""

    municipality: pd.DataFrame
    province: pd.DataFrame
    fit: MrpFit


def small_area_estimates(needs: pd.DataFrame, territory: pd.DataFrame, population: pd.DataFrame,
                         variables: Sequence[str] | None = None, weights: np.ndarray | None = None,
                         draws: int = 400, seed: int = 0,
                         age_classes: dict[str, tuple[int, int]] | None = None,
                         factors: Sequence[str] = ("age_class", "sex", "role")) -> SmallAreaEstimates:
    """MRP prevalence of each need in every municipality and province of ``territory``.

    Parameters
    ----------
    needs
        Tidy respondent table (:func:`wecare_analysis.survey.tidy.needs_table`): ``municipality_code``,
        ``province_sigla``, ``firm_id``, ``age_class``, ``sex``, ``role`` (optional) and the 0/1 needs.
        Rows with a missing factor or a municipality outside ``territory`` are left out.
    territory
        Municipality layer (:func:`wecare_analysis.territory.load_territory`).
    population
        Residents by ``municipality_code, age, sex`` (:func:`wecare_analysis.territory.population_by_age_sex`).
    variables
        Need columns (default: every ``need_*`` column).
    weights
        Survey weights of ``needs`` rows, only used for the role shares π_r (default: unweighted).
    draws, seed
        Posterior draws and the seed of their generator.
    age_classes
        Post-stratification age classes (default :func:`poststrat_age_classes`: residents 18–64,
        and 65–67 when respondents aged 65 and over took part).
    factors
        Individual factors of the model (a subset of ``age_class``, ``sex``, ``role``; the
        age × sex interaction enters when both are present); the municipal covariates and
        the random effects are always in.

    Returns
    -------
    SmallAreaEstimates
        ``municipality``: :data:`MUNICIPALITY_COLUMNS`, one row per municipality × need:
        ``need_area`` (code without ``need_``), ``variable`` (``need_<area>``), ``prevalence``
        (posterior mean, share 0–1), ``se`` (posterior sd), ``ci_low``/``ci_high`` (95 %
        interval), ``n`` (respondents of the municipality in the fit), ``population``
        (residents of the post-stratification cells). ``province``: the same columns
        without ``municipality_code``, one row per province × need.
    """
    variables = list(variables or [c for c in needs.columns if c.startswith("need_")])
    cov = municipal_covariates(territory)
    provinces = sorted(territory["province_sigla"].unique())
    unknown = sorted(set(factors) - {"age_class", "sex", "role"})
    if unknown:
        raise ValueError(f"MRP factors {', '.join(unknown)} unknown; use age_class, sex, role")
    factors = [f for f in factors if f in needs.columns]
    ok = needs[["municipality_code", "province_sigla", "firm_id", *factors]].notna().all(axis=1)
    ok &= needs["municipality_code"].isin(cov.index)
    if not ok.any():
        raise ValueError("no respondent has a municipality of the territory and all of " + ", ".join(factors))
    data = needs.loc[ok].reset_index(drop=True)
    fit = fit_mrp(data, variables, cov, provinces, factors)
    theta, gam, u_obs = posterior_draws(fit, draws, np.random.default_rng(seed))
    codes = np.sort(territory["municipality_code"].to_numpy())
    cells = poststrat_cells(population, age_classes or poststrat_age_classes(data))
    frame, pi = _cell_frame(cells, data, None if weights is None else np.asarray(weights)[ok.to_numpy()])
    wmc, total = cell_weights(cells, frame, pi, codes)
    nf0 = 1 + len(fit.terms)
    x_cell = term_matrix(frame, fit.terms)
    sigla = territory.set_index("municipality_code").loc[codes, "province_sigla"].to_numpy()
    x_muni = np.column_stack([cov.loc[codes, list(COVARIATES)].to_numpy(),
                              (sigla[:, None] == np.asarray(provinces)[None, :]).astype(float)])
    rng = np.random.default_rng([seed, 1])
    u = rng.standard_normal((len(variables), draws, len(codes))) * theta[:, :, :1]
    u[:, :, np.searchsorted(codes, fit.municipalities)] = u_obs
    prov_w = (sigla[:, None] == np.asarray(provinces)[None, :]) * np.nan_to_num(total)[:, None]
    prov_w = prov_w / np.where(prov_w.sum(0) > 0, prov_w.sum(0), np.nan)
    muni_draws, prov_draws = [], []
    for k in range(len(variables)):
        eta_cell = (gam[k, :, :nf0] @ x_cell.T).astype(np.float32)  # S x CR
        eta_muni = (gam[k, :, nf0:] @ x_muni.T + u[k]).astype(np.float32)  # S x M
        scale = (1 / np.sqrt(1 + ZEGER_C2 * theta[k, :, 2] ** 2)).astype(np.float32)
        p = expit((eta_muni[:, :, None] + eta_cell[:, None, :]) * scale[:, None, None])  # float32: 1e-6 precision
        prev = np.einsum("smc,mc->ms", p, wmc.astype(np.float32)).astype(float)
        muni_draws.append(prev)
        prov_draws.append(np.nan_to_num(prov_w).T @ prev)
    n_resp = data.groupby("municipality_code").size().reindex(codes, fill_value=0).to_numpy()
    areas = [v.removeprefix("need_") for v in variables]
    ms, ps = _summaries(np.stack(muni_draws)), _summaries(np.stack(prov_draws))
    kk = len(variables)
    municipality = pd.DataFrame({
        "municipality_code": np.tile(codes, kk), "province_sigla": np.tile(sigla, kk),
        "need_area": np.repeat(areas, len(codes)), "variable": np.repeat(variables, len(codes)),
        **{c: v.ravel() for c, v in ms.items()}, "n": np.tile(n_resp, kk), "population": np.tile(total, kk)})
    prov_n = data.groupby("province_sigla").size().reindex(provinces, fill_value=0).to_numpy()
    prov_pop = pd.Series(total).groupby(sigla).sum().reindex(provinces).to_numpy()
    province = pd.DataFrame({
        "province_sigla": np.tile(provinces, kk), "need_area": np.repeat(areas, len(provinces)),
        "variable": np.repeat(variables, len(provinces)), **{c: v.ravel() for c, v in ps.items()},
        "n": np.tile(prov_n, kk), "population": np.tile(prov_pop, kk)})
    return SmallAreaEstimates(municipality[MUNICIPALITY_COLUMNS], province, fit)
