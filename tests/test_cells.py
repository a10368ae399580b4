"""The (PSU, domain) cell pass of domain estimates equals the record-level engines it replaces.

:mod:`wecare_analysis.survey.cells` computes domain means, totals and ratios, their
Taylor variance and their replicate variance from sums over (PSU, domain) cells. Here
each is checked against the general engines that work record by record (and that the
parity tests hold equal to R): :func:`~wecare_analysis.survey.design.linearised_variance`
on a records x statistics matrix of influence values, and replicate weights given as a
records x replicates matrix; plus a variance worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.survey.cells import cell_statistics, domain_cells
from wecare_analysis.survey.design import _domain_columns, linearised_variance, subset_degf, survey_design
from wecare_analysis.survey.estimate import estimate_means, estimate_ratios, estimate_totals, mean_influence
from wecare_analysis.survey.replicates import ReplicateWeights, design_replicates


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 1500
    df = pd.DataFrame({"st": rng.integers(0, 8, n), "cl": rng.integers(0, 30, n), "w": rng.uniform(1, 9, n),
                       "g": rng.choice(list("abcd"), n), "h": rng.choice(["x", "y", None], n)})
    df.loc[df["st"] == 7, "cl"] = 3  # a stratum with one PSU
    for j in range(3):
        y = (rng.random(n) < 0.2 + 0.2 * j).astype(float)
        y[rng.random(n) < 0.1] = np.nan  # missing answers
        df[f"y{j}"] = y
    df["x"] = rng.uniform(0.5, 3, n)
    df["popsize"] = df.groupby("st")["cl"].transform("nunique") * 4
    return df


VARS = ["y0", "y1", "y2", "x"]


@pytest.mark.parametrize("lonely", ["adjust", "average", "remove"])
@pytest.mark.parametrize("fpc", [False, True])
@pytest.mark.parametrize("by", [["g"], ["g", "h"]])
def test_cell_variance_equals_record_level_engine(data: pd.DataFrame, lonely: str, fpc: bool, by: list[str]) -> None:
    d = survey_design(len(data), data["w"], data["st"], data["cl"], lonely_psu=lonely,
                      fpc=data["popsize"] if fpc else None)
    out = estimate_means(data, VARS, d, by=by)
    codes = data.groupby(by, sort=True, dropna=True).ngroup().to_numpy()
    codes = np.where(np.isnan(codes.astype(float)), -1, codes).astype(np.int64)
    n_dom = int(codes.max()) + 1
    y = data[VARS].to_numpy(float)
    means, counts, z, valid = mean_influence(d, y, codes, n_dom)
    zs, ms = _domain_columns(z, valid, codes, n_dom)
    var = linearised_variance(d, zs, ms)
    keep = counts.ravel() > 0
    np.testing.assert_allclose(out["estimate"], means.ravel()[keep], rtol=1e-12)
    np.testing.assert_allclose(out["se"] ** 2, var[keep], rtol=1e-10, atol=1e-18)
    np.testing.assert_array_equal(out["df"], subset_degf(d, ms)[keep])
    np.testing.assert_array_equal(out["n"], counts.ravel()[keep])


def test_cell_variance_of_a_domain_mean_by_hand() -> None:
    # stratum a: PSUs 1, 2; stratum b: PSUs 1, 2; domain "u" = records 0, 1, 3 (y 1, 0, 1; w 1).
    # mean 2/3, z_k = (y_k - 2/3)/3: PSU totals a1 = 1/9, a2 = -2/9, b1 = 0 (no record of u), b2 = 1/9;
    # V = 2 * ((1/9 + 1/18)^2 + (-2/9 + 1/18)^2) + 2 * ((0 - 1/18)^2 + (1/9 - 1/18)^2) = 1/9 + 1/81 = 10/81
    df = pd.DataFrame({"y": [1.0, 0.0, 5.0, 1.0], "dom": ["u", "u", "v", "u"]})
    d = survey_design(4, strata=list("aabb"), cluster=[1, 2, 1, 2])
    out = estimate_means(df, ["y"], d, by=["dom"])
    assert out["estimate"][0] == pytest.approx(2 / 3)
    assert out["se"][0] ** 2 == pytest.approx(10 / 81)
    assert out["df"][0] == 1  # 3 PSUs with records of u, in 2 strata
    cells = domain_cells(d, np.array([0, 0, 1, 0]), 2)
    assert cells.n_cells == 4  # (a1, u), (a2, u), (b1, v), (b2, u)
    stats = cell_statistics(d, cells, df[["y"]].to_numpy(), None)
    assert stats.estimate.ravel().tolist() == [2.0, 5.0]  # totals


@pytest.mark.parametrize("kind", ["jk1", "bootstrap"])
def test_replicate_cells_equal_replicate_weight_matrix(data: pd.DataFrame, kind: str) -> None:
    d = survey_design(len(data), data["w"], None, data["cl"])
    reps = design_replicates(d, kind, replicates=25, seed=3)
    as_matrix = ReplicateWeights(reps.kind, reps.scale, reps.rscales, weights=reps.matrix(d))
    sub = (data["g"] != "d").to_numpy()
    for fun, what in ((estimate_means, VARS), (estimate_totals, VARS), (estimate_ratios, [("y0", "x")])):
        fast = fun(data, what, d, by=["h"], replicates=reps, subset=sub)
        slow = fun(data, what, d, by=["h"], replicates=as_matrix, subset=sub)
        np.testing.assert_allclose(fast["estimate"], slow["estimate"], rtol=1e-12)
        np.testing.assert_allclose(fast["se"], slow["se"], rtol=1e-10)
        np.testing.assert_array_equal(fast["df"], slow["df"])


def test_jk1_degrees_of_freedom_are_the_rank_of_the_replicates(data: pd.DataFrame) -> None:
    d = survey_design(len(data), data["w"], None, data["cl"])
    reps = design_replicates(d, "jk1")
    rank = np.linalg.matrix_rank(reps.psu_factors)
    assert reps.degf(d) == rank - 1 == d.n_psu - 1  # R degf: qr(weights)$rank - 1
