"""Parity with R ``survey`` 4.1 (numbers committed in tests/reference/, no R needed).

The R script ``tests/reference/estimate_reference.R`` ran svymean, svyby, svyciprop
(logit), rake, trimWeights and svyglm(quasibinomial) on ``estimate_data.csv``;
these tests recompute everything with wecare_analysis and compare: estimates
within 1e-8, SEs within 1e-6 relative; GLM coefficients 1e-6, SEs 1e-5 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.survey.design import survey_design
from wecare_analysis.survey.estimate import estimate_means
from wecare_analysis.survey.model import svyglm_logit
from wecare_analysis.survey.weights import margin_specs, rake, read_margins, trim_weights

REF = Path(__file__).parent / "reference"
FORMULAS = {
    "main": "need_health ~ C(sex) + C(age_class) + C(role) + employees",
    "na": "need_housing ~ C(sex) + employees",
}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "estimate_data.csv")


@pytest.fixture(scope="module")
def main(data: pd.DataFrame) -> pd.DataFrame:
    return data[data["province"] != "XX"].reset_index(drop=True)


def _design(df: pd.DataFrame, lonely: str = "fail"):
    return survey_design(len(df), df["w"], df["province"], df["firm"], lonely)


@pytest.fixture(scope="module")
def cases(data: pd.DataFrame, main: pd.DataFrame) -> dict:
    d0 = _design(main)
    rk = rake(d0, margin_specs(main, read_margins(str(REF / "estimate_margins.csv")))).design
    rkx = rake(d0, margin_specs(main, read_margins(str(REF / "estimate_margins_cross.csv")))).design
    out = {
        "plain": (main, d0),
        "raked": (main, rk),
        "raked_cross": (main, rkx),
        "raked_trim": (main, rk.with_weights(trim_weights(rk.weights, lower=25, upper=90))),
    }
    for opt in ("remove", "adjust", "average", "certainty"):
        out[f"lonely_{opt}"] = (data, _design(data, opt))
    sex_age = read_margins(str(REF / "estimate_margins.csv")).query("variable != 'province'")
    for opt in ("adjust", "average"):
        out[f"lonely_raked_{opt}"] = (data, rake(_design(data, opt), margin_specs(data, sex_age)).design)
    return out


def test_raked_and_trimmed_weights_equal_r(cases: dict) -> None:
    ref = pd.read_csv(REF / "estimate_ref_weights.csv")
    for case in ("raked", "raked_cross", "raked_trim"):
        w = cases[case][1].weights
        np.testing.assert_allclose(w, ref[case].to_numpy(), rtol=1e-10, err_msg=case)
    assert (ref["raked"] > 90).any()  # the trimming bounds bite


def _close_se(ours: pd.Series, ref: pd.Series, rtol: float) -> None:
    ours, ref = ours.to_numpy(float), ref.to_numpy(float)
    both_nan = np.isnan(ours) & np.isnan(ref)
    ok = both_nan | (np.abs(ours - ref) <= rtol * np.abs(ref) + 1e-13)
    assert ok.all(), list(zip(ours[~ok], ref[~ok]))


REF_MEANS = pd.read_csv(REF / "estimate_ref_means.csv", keep_default_na=False, na_values=["NA"])
GROUPS = sorted({(c, b) for c, b in zip(REF_MEANS["case"], REF_MEANS["by"])})


@pytest.mark.parametrize(("case", "by"), GROUPS, ids=[f"{c}-{b or 'overall'}" for c, b in GROUPS])
def test_means_equal_r_svymean_svyby(cases: dict, case: str, by: str) -> None:
    ref = REF_MEANS[(REF_MEANS["case"] == case) & (REF_MEANS["by"] == by)]
    df, design = cases[case.removesuffix("_logit")]
    by_cols = by.split("+") if by else []
    ours = estimate_means(df, list(ref["variable"].unique()), design, by=by_cols)
    ours["domain"] = ours[by_cols].astype(str).agg(":".join, axis=1) if by_cols else ""
    m = ref.merge(ours, on=["domain", "variable"], suffixes=("_r", ""), validate="one_to_one")
    assert len(m) == len(ref) == len(ours)
    if case.endswith("_logit"):
        # R's svyciprop estimate is expit(glm coefficient), converged to ~1e-9
        np.testing.assert_allclose(m["estimate"], m["estimate_r"], atol=1e-8)
        np.testing.assert_allclose(m["ci_logit_low"], m["ci_logit_low_r"], atol=1e-7)
        np.testing.assert_allclose(m["ci_logit_high"], m["ci_logit_high_r"], atol=1e-7)
    else:
        np.testing.assert_allclose(m["estimate"], m["estimate_r"], atol=1e-8, rtol=0)
        np.testing.assert_allclose(m["ci_low"].fillna(-9), m["ci_low_r"].fillna(-9), atol=1e-8)
        np.testing.assert_allclose(m["ci_high"].fillna(-9), m["ci_high_r"].fillna(-9), atol=1e-8)
    _close_se(m["se"], m["se_r"], 1e-6)


REF_GLM = pd.read_csv(REF / "estimate_ref_glm.csv")
GLM_GROUPS = sorted({(c, m) for c, m in zip(REF_GLM["case"], REF_GLM["model"])})


@pytest.mark.parametrize(("case", "model"), GLM_GROUPS, ids=[f"{c}-{m}" for c, m in GLM_GROUPS])
def test_logistic_model_equals_r_svyglm(cases: dict, case: str, model: str) -> None:
    ref = REF_GLM[(REF_GLM["case"] == case) & (REF_GLM["model"] == model)].reset_index(drop=True)
    df, design = cases[case]
    ours = svyglm_logit(df, FORMULAS[model], design)
    assert len(ours) == len(ref)
    assert ours["term"].iloc[0] == "Intercept"
    np.testing.assert_allclose(ours["estimate"], ref["estimate"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours["se"], ref["se"], rtol=1e-5)
    np.testing.assert_allclose(ours["ci_low"], ref["ci_low"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours["ci_high"], ref["ci_high"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours["p_value"], ref["p_value"], rtol=1e-4, atol=1e-6)
    assert (ours["df"] == ref["df"]).all()
