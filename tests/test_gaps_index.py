"""Need per municipality × category and the gap index, checked against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.gaps import gap_index, need_by_category, standardised


@pytest.fixture()
def territory() -> pd.DataFrame:
    return pd.DataFrame({"municipality_code": [1, 2, 3, 4], "residents": [1000, 500, 200, 0],
                         "age_75_plus": [100, 100, 60, 0], "age_0_2": [30, 10, 2, 0]})


def test_need_from_population_is_the_share_of_residents_in_the_user_population(territory):
    need = need_by_category(territory, ["rsa", "asilo_nido"]).set_index(["category", "municipality_code"])
    np.testing.assert_allclose(need.loc["rsa", "need_rate"].iloc[:3], [0.1, 0.2, 0.3])
    np.testing.assert_allclose(need.loc["asilo_nido", "need_rate"].iloc[:3], [0.03, 0.02, 0.01])
    assert np.isnan(need.loc[("rsa", 4), "need_rate"])  # no residents
    assert need.loc["rsa", "need"].tolist() == [100, 100, 60, 0]
    assert set(need["need_source"]) == {"population"}


def test_need_from_small_area_estimates_long_and_wide(territory):
    long = pd.DataFrame({"municipality_code": [1, 2, 3, 4] * 2,
                         "need_area": ["eldercare"] * 4 + ["other"] * 4,
                         "prevalence": [0.5, 0.25, 0.1, 0.0, 0.9, 0.9, 0.9, 0.9]})
    need = need_by_category(territory, ["rsa", "asilo_nido"], small_area=long)
    rsa = need[need["category"] == "rsa"]
    assert rsa["need_rate"].tolist() == [0.5, 0.25, 0.1, 0.0]
    np.testing.assert_allclose(rsa["need"], [50, 25, 6, 0])  # prevalence x users aged 75+
    assert set(rsa["need_source"]) == {"small_area"}
    nido = need[need["category"] == "asilo_nido"]  # childcare_0_2 not estimated: back to the population
    assert set(nido["need_source"]) == {"population"}
    wide = long.pivot(index="municipality_code", columns="need_area", values="prevalence")
    pd.testing.assert_frame_equal(need_by_category(territory, ["rsa"], small_area=wide),
                                  rsa.reset_index(drop=True))
    # a category with two need areas takes their mean: consultorio = health_prevention, psychological_support
    two = pd.DataFrame({"municipality_code": [1, 1],
                        "need_area": ["health_prevention", "psychological_support"],
                        "prevalence": [0.2, 0.4]})
    t = territory.assign(women_25_49=[200, 100, 40, 0])
    cons = need_by_category(t, ["consultorio"], small_area=two)
    assert cons["need_rate"].iloc[0] == pytest.approx(0.3) and np.isnan(cons["need_rate"].iloc[1])
    with pytest.raises(ValueError, match="between 0 and 1"):
        need_by_category(territory, ["rsa"], small_area=long.assign(prevalence=long["prevalence"] * 100))


def test_standardised():
    z = standardised(np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]))  # mean 5, sd 2
    np.testing.assert_allclose(z, [-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2])
    assert standardised(np.array([3.0, 3.0, np.nan]))[:2].tolist() == [0.0, 0.0]


def test_gap_index_by_hand(territory):
    need = need_by_category(territory, ["rsa"])  # need_rate 0.1, 0.2, 0.3, NaN
    access = pd.DataFrame({"municipality_code": [1, 2, 3, 4], "category": "rsa",
                           "access_per_1000": [4.0, 1.0, 1.0, np.nan]})
    g = gap_index(need, access).set_index("municipality_code")
    # z(need) = (-1.2247, 0, 1.2247); access mean 2, sd sqrt(2): z(access) = (1.4142, -0.7071, -0.7071)
    s6, s2 = np.sqrt(1.5), np.sqrt(2.0)
    np.testing.assert_allclose(g["z_need"].iloc[:3], [-s6, 0, s6], atol=1e-12)
    np.testing.assert_allclose(g["z_access"].iloc[:3], [s2, -1 / s2, -1 / s2])
    np.testing.assert_allclose(g["gap_index"].iloc[:3], [-s6 - s2, 1 / s2, s6 + 1 / s2], atol=1e-12)
    # regional access weighted by users: (100*4 + 100*1 + 60*1) / 260 = 560/260
    np.testing.assert_allclose(g["access_ratio"].iloc[:3], np.array([4.0, 1.0, 1.0]) / (560 / 260))
    np.testing.assert_allclose(g["shortfall"].iloc[:3], [0, 100 * (1 - 260 / 560), 60 * (1 - 260 / 560)])
    assert g.loc[4, ["gap_index", "access_ratio", "shortfall"]].isna().all()


def test_gap_index_with_uniform_need_is_minus_the_access_score():
    t = pd.DataFrame({"municipality_code": [1, 2, 3], "residents": [10, 20, 30]})
    need = need_by_category(t, ["farmacia"])  # user population = residents: need_rate 1 everywhere
    access = pd.DataFrame({"municipality_code": [1, 2, 3], "category": "farmacia",
                           "access_per_1000": [1.0, 2, 3]})
    g = gap_index(need, access)
    np.testing.assert_allclose(g["gap_index"], -standardised(np.array([1.0, 2, 3])))
