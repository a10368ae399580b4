"""MRP engine: covariates, cells, design, and the Laplace engine against a dense brute-force computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from wecare_analysis.survey import small_area as sa


def test_municipal_covariates_by_hand() -> None:
    t = pd.DataFrame({"municipality_code": [1, 2, 3], "age_65_plus": [9.5, 99.5, 29.5],
                      "age_0_14": [9.5, 9.5, 29.5], "residents": [100, 100, 100], "area_km2": [1.0, 10.0, 100.0]})
    cov = sa.municipal_covariates(t)
    old = np.log([1.0, 10.0, 1.0])
    np.testing.assert_allclose(cov["old_age_z"], (old - old.mean()) / old.std())
    dens = np.log([100.0, 10.0, 1.0])
    np.testing.assert_allclose(cov["density_z"], (dens - dens.mean()) / dens.std())
    kids = np.array([0.095, 0.095, 0.295])
    np.testing.assert_allclose(cov["children_z"], (kids - kids.mean()) / kids.std())


def test_poststrat_cells_sum_residents_by_class_and_sex() -> None:
    pop = pd.DataFrame({"municipality_code": [7] * 6, "age": [17, 18, 30, 34, 64, 65],
                        "sex": ["F", "F", "M", "M", "F", "F"], "residents": [100, 1, 2, 3, 4, 500]})
    cells = sa.poststrat_cells(pop).set_index(["age_class", "sex"])["residents"]
    assert cells.to_dict() == {("18_24", "F"): 1.0, ("25_34", "M"): 5.0, ("55_64", "F"): 4.0}


def test_fixed_effect_terms_reference_is_the_modal_level() -> None:
    d = pd.DataFrame({"age_class": ["25_34", "35_44", "35_44"], "sex": ["F", "F", "M"],
                      "role": ["owner", "employee", "employee"]})
    terms = sa.fixed_effect_terms(d, ["age_class", "sex", "role"])
    assert [n for n, _ in terms] == ["age_class[25_34]", "sex[M]", "role[owner]", "age_class[25_34]:sex[M]"]
    x = sa.term_matrix(d, terms)
    np.testing.assert_array_equal(x, [[1, 1, 0, 1, 0], [1, 0, 0, 0, 0], [1, 0, 1, 0, 0]])


def _toy(seed: int = 3, n: int = 120):
    rng = np.random.default_rng(seed)
    muni_of_firm = np.array([0, 0, 1, 2, 2, 3, 4, 4, 5])
    firm = rng.integers(0, len(muni_of_firm), n)
    muni = muni_of_firm[firm]
    prov = np.where(muni < 3, "A", "B")
    data = pd.DataFrame({"municipality_code": muni + 1, "province_sigla": prov, "firm_id": firm,
                         "sex": rng.choice(["F", "M"], n), "age_class": rng.choice(["18_24", "25_34"], n)})
    cov = pd.DataFrame({c: rng.normal(size=6) for c in sa.COVARIATES}, index=np.arange(1, 7))
    design, _ = sa.model_design(data, cov, ["A", "B", "C"], ["age_class", "sex"])
    y = (rng.random((2, n)) < 0.35).astype(float)
    y[1, :5] = np.nan
    return design, y


def _dense_reference(design: sa.Design, y: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, float]:
    """Mode and Laplace log marginal of one need, with the full dense matrices (no elimination)."""
    n = len(y)
    zm = np.eye(design.n_muni)[design.muni]
    zf = np.eye(len(design.firm_muni))[design.firm]
    xt = np.column_stack([design.x, zm, zf])
    nf = design.n_fixed
    lam = np.r_[1 / 25, np.full(nf - 1, 1 / 4), np.full(design.x.shape[1] - nf, 1 / theta[1] ** 2),
                np.full(zm.shape[1], 1 / theta[0] ** 2), np.full(zf.shape[1], 1 / theta[2] ** 2)]
    ok = ~np.isnan(y)
    yy = np.where(ok, y, 0)

    def nlp(b):
        eta = xt @ b
        return -np.sum(ok * (yy * eta - np.logaddexp(0, eta))) + 0.5 * np.sum(lam * b ** 2)

    def grad(b):
        return -xt.T @ (ok * (yy - expit(xt @ b))) + lam * b

    b = minimize(nlp, np.zeros(xt.shape[1]), jac=grad, method="BFGS", options={"gtol": 1e-10}).x
    mu = expit(xt @ b)
    h = xt.T @ (xt * (ok * mu * (1 - mu))[:, None]) + np.diag(lam)
    logml = -nlp(b) + 0.5 * np.sum(np.log(lam)) - 0.5 * np.linalg.slogdet(h)[1]
    assert n == xt.shape[0]
    return b, logml, h


@pytest.mark.parametrize("theta", [np.array([0.3, 0.5, 0.2]), np.array([1.0, 0.1, 0.8])])
def test_laplace_engine_equals_dense_computation(theta: np.ndarray) -> None:
    design, y = _toy()
    engine = sa.LaplaceEngine(design, y)
    g, u, f, logml = engine.mode(theta, tol=1e-10)
    for k in range(2):
        b, ref, _h = _dense_reference(design, y[k], theta)
        p = design.x.shape[1]
        np.testing.assert_allclose(np.r_[g[k], u[k], f[k]], b, atol=1e-5)
        assert logml[k] == pytest.approx(ref, abs=1e-6)
        assert p == engine.p


def test_posterior_draws_have_the_inverse_hessian_covariance() -> None:
    design, y = _toy()
    engine = sa.LaplaceEngine(design, y)
    theta = np.array([0.4, 0.6, 0.3])
    mode = engine.mode(theta, tol=1e-10)[:3]
    need = np.zeros(20000, dtype=int)
    gam, u = engine.draws(theta, mode, need, np.random.default_rng(5))
    _b, _ref, h = _dense_reference(design, y[0], theta)
    p, m = design.x.shape[1], design.n_muni
    cov = np.linalg.inv(h)[: p + m, : p + m]
    sample = np.cov(np.column_stack([gam, u]).T)
    np.testing.assert_allclose(np.sqrt(np.diag(sample)), np.sqrt(np.diag(cov)), rtol=0.03)
    np.testing.assert_allclose(sample[0, 1:4], cov[0, 1:4], atol=0.03 * np.sqrt(cov[0, 0] * np.diag(cov)[1:4]).max())
    np.testing.assert_allclose(np.column_stack([gam, u]).mean(0), np.r_[mode[0][0], mode[1][0]],
                               atol=4 * np.sqrt(np.diag(cov).max() / 20000))


def _one_province(needs_n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    territory = pd.DataFrame({"municipality_code": [1, 2], "province_sigla": "AA", "age_65_plus": 10,
                              "age_0_14": 10, "residents": 100, "area_km2": 1.0})
    return territory, pd.DataFrame({"firm_id": rng.integers(0, needs_n // 5, needs_n),
                                    "municipality_code": rng.integers(1, 3, needs_n), "province_sigla": "AA"})


def test_poststratification_covers_respondents_aged_65_and_over() -> None:
    """Defect 5 of issue 20: respondents 65+ were modelled but post-stratified on residents 18-64.
    Need 0.9 at 65+, 0.1 below; municipality 1: 30 residents 18-24, 10 aged 66, 99 aged 70 (not
    workers): 0.3 = (30 x 0.1 + 10 x 0.9) / 40."""
    rng = np.random.default_rng(1)
    territory, needs = _one_province(4000, rng)
    age = rng.choice(["18_24", "65_plus"], len(needs))
    needs = needs.assign(sex="F", age_class=age,
                         need_x=(rng.random(len(needs)) < np.where(age == "65_plus", 0.9, 0.1)).astype(int))
    population = pd.DataFrame({"municipality_code": [1, 1, 1, 2], "age": [20, 66, 70, 22], "sex": "F",
                               "residents": [30, 10, 99, 5]})
    out = sa.small_area_estimates(needs, territory, population, draws=300).municipality.set_index(
        "municipality_code")
    assert out["population"].tolist() == [40.0, 5.0]
    np.testing.assert_allclose(out["prevalence"], [0.3, 0.1], atol=0.03)


def test_role_shares_follow_the_age_and_sex_of_the_cell() -> None:
    """Women are all employees (need 0.1), men all owners (need 0.9): a municipality of women gets
    about 0.1, one of men about 0.9 (one overall role share gave 0.5 to both)."""
    rng = np.random.default_rng(2)
    territory, needs = _one_province(4000, rng)
    sex = rng.choice(["F", "M"], len(needs))
    role = np.where(sex == "F", "employee", "owner")
    needs = needs.assign(sex=sex, age_class="35_44", role=role,
                         need_x=(rng.random(len(needs)) < np.where(role == "owner", 0.9, 0.1)).astype(int))
    population = pd.DataFrame({"municipality_code": [1, 2], "age": [40, 40], "sex": ["F", "M"],
                               "residents": [50, 50]})
    out = sa.small_area_estimates(needs, territory, population, draws=300).municipality.set_index(
        "municipality_code")
    np.testing.assert_allclose(out["prevalence"], [0.1, 0.9], atol=0.03)


def test_model_factors_are_configurable() -> None:
    rng = np.random.default_rng(3)
    territory, needs = _one_province(1500, rng)
    needs = needs.assign(sex=rng.choice(["F", "M"], len(needs)), age_class=rng.choice(["18_24", "35_44"], len(needs)),
                         role="employee", need_x=rng.integers(0, 2, len(needs)))
    population = pd.DataFrame({"municipality_code": [1, 2], "age": [40, 20], "sex": ["F", "M"], "residents": [5, 5]})
    fit = sa.small_area_estimates(needs, territory, population, draws=50, factors=("sex",)).fit
    assert [name for name, _ in fit.terms] == ["sex[M]"] or [name for name, _ in fit.terms] == ["sex[F]"]
    with pytest.raises(ValueError, match="education unknown"):
        sa.small_area_estimates(needs, territory, population, draws=50, factors=("sex", "education"))
