"""Unit tests of the estimation core against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.errors import InputError
from wecare_analysis.survey.design import linearised_variance, subset_degf, survey_design
from wecare_analysis.survey.estimate import domain_codes, estimate_means, logit_interval
from wecare_analysis.survey.model import logistic_fit, model_matrices, svyglm_logit
from wecare_analysis.survey.weights import (
    level_labels,
    margin_specs,
    rake,
    trim_weights,
    weighting_summary,
)


def test_survey_design_nests_clusters_in_strata() -> None:
    d = survey_design(5, strata=["a", "a", "b", "b", "b"], cluster=[1, 2, 1, 1, 2])
    assert d.n_psu == 4  # cluster 1 of a and cluster 1 of b are different PSUs
    assert d.npsu.tolist() == [2, 2]
    assert d.degf == 2
    with pytest.raises(InputError, match="lonely PSU option"):
        survey_design(2, lonely_psu="drop")


def test_variance_of_a_total_by_hand() -> None:
    # stratum a: PSU totals 1 and 3 -> 2/1 * ((1-2)^2 + (3-2)^2) = 4; stratum b: 2, 2, 5 -> 3/2 * 6 = 9
    d = survey_design(6, strata=list("aabbbb"), cluster=[1, 2, 1, 2, 3, 3])
    z = np.array([[1.0], [3.0], [2.0], [2.0], [4.0], [1.0]])
    assert linearised_variance(d, z)[0] == pytest.approx(13.0)
    assert subset_degf(d, np.ones((6, 1))).tolist() == [3]


def test_lonely_psu_options_by_hand() -> None:
    # stratum a: totals 1, 3 -> 2/1 * 2 = 4; stratum c has one PSU with total 2 (adjust: 2^2)
    z = np.array([[1.0], [3.0], [2.0]])
    strata, cluster = ["a", "a", "c"], [1, 2, 1]
    with pytest.raises(InputError, match="stratum c has only one cluster"):
        linearised_variance(survey_design(3, None, strata, cluster, "fail"), z)
    v = {opt: linearised_variance(survey_design(3, None, strata, cluster, opt), z)[0]
         for opt in ("remove", "certainty", "adjust", "average")}
    assert v == pytest.approx({"remove": 4.0, "certainty": 4.0, "adjust": 8.0, "average": 8.0})


def test_estimate_means_by_hand() -> None:
    # weights 1,1,2 ; y 0,1,1 -> mean 3/4; each record its own PSU, one stratum:
    # z = w (y - 3/4) / 4 = -3/16, 1/16, 2/16; var = 3/2 * sum((z - 0)^2) = 3/2 * 14/256
    df = pd.DataFrame({"y": [0, 1, 1], "g": ["x", "x", "y"]})
    d = survey_design(3, weights=[1, 1, 2])
    out = estimate_means(df, ["y"], d)
    assert out.loc[0, "estimate"] == pytest.approx(0.75)
    assert out.loc[0, "se"] == pytest.approx(np.sqrt(1.5 * 14 / 256))
    assert out.loc[0, "n"] == 3 and bool(out.loc[0, "below_threshold"])
    by = estimate_means(df, ["y"], d, by=["g"])
    assert by["g"].tolist() == ["x", "y"] and by["estimate"].tolist() == [0.5, 1.0]
    assert by["below_threshold"].all()  # n = 2 and 1 < 5
    assert list(by.columns[:7]) == ["g", "variable", "estimate", "se", "ci_low", "ci_high", "n"]


def test_missing_values_leave_only_that_variable() -> None:
    df = pd.DataFrame({"a": [1.0, np.nan, 0.0, 1.0], "b": [1.0, 0.0, 0.0, 0.0]})
    out = estimate_means(df, ["a", "b"], survey_design(4))
    assert out["estimate"].tolist() == [pytest.approx(2 / 3), 0.25]
    assert out["n"].tolist() == [3, 4]


def test_domain_codes_skip_missing() -> None:
    codes, table = domain_codes(pd.DataFrame({"s": ["b", None, "a"]}), ["s"])
    assert codes.tolist() == [1, -1, 0]
    assert table["s"].tolist() == ["a", "b"]


def test_logit_interval_by_hand() -> None:
    lo, hi = logit_interval(np.array([0.2, 0.0]), np.array([0.04, 0.0]), np.array([10, 10]))
    half = 2.2281388519649385 * 0.04 / 0.16  # t_{10, 0.975}
    assert lo[0] == pytest.approx(1 / (1 + np.exp(-(np.log(0.25) - half))))
    assert hi[0] == pytest.approx(1 / (1 + np.exp(-(np.log(0.25) + half))))
    assert np.isnan(lo[1])


def test_rake_two_margins_by_hand() -> None:
    # 2x2 table of counts 1 each, margins rows 30/70, columns 40/60: IPF converges to the
    # independence table (12, 18, 28, 42), so records get those weights.
    df = pd.DataFrame({"r": ["a", "a", "b", "b"], "c": ["x", "y", "x", "y"]})
    margins = pd.DataFrame({"variable": ["r", "r", "c", "c"], "level": ["a", "b", "x", "y"],
                            "total": [30.0, 70.0, 40.0, 60.0]})
    res = rake(survey_design(4), margin_specs(df, margins), maxit=50, epsilon=1e-9)
    np.testing.assert_allclose(res.design.weights, [12, 18, 28, 42])
    assert res.converged and len(res.design.raking) == 2


def test_margin_errors_name_the_problem() -> None:
    df = pd.DataFrame({"r": ["a", "a", "b"], "c": ["x", "y", "x"]})
    bad_total = pd.DataFrame({"variable": ["r", "r", "c", "c"], "level": ["a", "b", "x", "y"],
                              "total": [30.0, 70.0, 40.0, 50.0]})
    with pytest.raises(InputError, match="totals disagree"):
        margin_specs(df, bad_total)
    empty = pd.DataFrame({"variable": ["r", "r", "r"], "level": ["a", "b", "c"], "total": [1.0, 1.0, 1.0]})
    with pytest.raises(InputError, match="no respondent in level 'c' of 'r'.*collapse"):
        margin_specs(df, empty)
    with pytest.raises(InputError, match="not a column"):
        margin_specs(df, empty.assign(variable="zz"))


def test_rake_non_convergence_is_an_error() -> None:
    df = pd.DataFrame({"r": ["a", "a", "b"], "c": ["x", "y", "x"]})
    margins = pd.DataFrame({"variable": ["r", "r", "c", "c"], "level": ["a", "b", "x", "y"],
                            "total": [10.0, 90.0, 5.0, 95.0]})
    with pytest.raises(InputError, match="did not converge"):
        rake(survey_design(3), margin_specs(df, margins), maxit=3, epsilon=1e-12)


def test_trim_and_weighting_summary_by_hand() -> None:
    np.testing.assert_allclose(trim_weights(np.array([1.0, 2.0, 9.0]), upper=6.0), [2.5, 3.5, 6.0])
    s = weighting_summary(np.array([1.0, 1.0, 2.0]))
    assert s["kish_deff"] == pytest.approx(3 * 6 / 16)
    assert s["efficiency"] == pytest.approx(16 / 18)
    assert level_labels(pd.Series([1.0, 3.0])).tolist() == ["1", "3"]


def test_model_matrix_and_logistic_fit() -> None:
    df = pd.DataFrame({"y": [0, 1, 1, 0, 1, 1], "g": ["b", "a", "b", "a", "a", "b"]})
    y, x, _ = model_matrices("y ~ C(g)", df)
    assert list(x.columns) == ["Intercept", "C(g)[T.b]"]
    beta, _ = logistic_fit(y, x.to_numpy(), np.ones(6))
    # group a: 2/3 ones, group b: 2/3 ones -> intercept logit(2/3), slope 0
    np.testing.assert_allclose(beta, [np.log(2), 0.0], atol=1e-10)
    out = svyglm_logit(df, "y ~ C(g)", survey_design(6))
    assert out["odds_ratio"].iloc[0] == pytest.approx(2.0)
    with pytest.raises(InputError, match="between 0 and 1"):
        model_matrices("g2 ~ 1", df.assign(g2=[0, 2, 1, 0, 1, 1]))


def test_margins_from_population_by_hand() -> None:
    from wecare_analysis.survey.weights import margins_from_population

    pop = pd.DataFrame({"municipality_code": [1, 1, 1, 2, 2, 2], "age": [14, 20, 30, 20, 64, 70],
                        "sex": ["F", "M", "F", "F", "M", "M"], "residents": [5, 10, 20, 30, 40, 50]})
    prov = pd.Series(["TO", "CN"], index=[1, 2])
    m = margins_from_population(pop, prov)  # ages 14 and 70 are outside 15-64
    got = {(v, lv): t for v, lv, t in m.itertuples(index=False)}
    assert got == {("province", "CN"): 70, ("province", "TO"): 30, ("sex", "F"): 50, ("sex", "M"): 50,
                   ("age_class", "18_24"): 40, ("age_class", "25_34"): 20, ("age_class", "55_64"): 40}
    crossed = margins_from_population(pop, prov, crossed=True)
    assert set(crossed["variable"]) == {"province:sex", "age_class"}
    assert crossed.loc[crossed["level"] == "CN:F", "total"].item() == 30
