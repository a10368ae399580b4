"""Parity with R ``survey`` 4.1.1 for the finite population correction, replicate designs,
calibration, totals, ratios, logit intervals and design effects.

The numbers were produced once by ``tests/reference/survey_extra_reference.R`` on
``estimate_data.csv`` and committed (no R needed here). Estimates within 1e-8
(relative), standard errors, design effects and interval limits within 1e-6 relative.
The bootstrap uses R's own replicate weights (exported), since R draws its own random
numbers; the construction of its scale is checked separately.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.survey.calibration import calibrate
from wecare_analysis.survey.design import survey_design
from wecare_analysis.survey.estimate import estimate_means, estimate_ratios, estimate_totals
from wecare_analysis.survey.replicates import (
    ReplicateWeights,
    bootstrap_replicates,
    calibrated_replicates,
    design_replicates,
    raked_replicates,
)
from wecare_analysis.survey.weights import margin_specs, rake, read_margins

REF = Path(__file__).parent / "reference"
STATS = pd.read_csv(REF / "extra_ref_stats.csv", keep_default_na=False, na_values=["NA"])
GROUPS = sorted({(c, s, b) for c, s, b in zip(STATS["case"], STATS["stat"], STATS["by"])})
VARS = ["need_health", "need_family", "score"]
INF = (-np.inf, np.inf)


@pytest.fixture(scope="module")
def main() -> pd.DataFrame:
    data = pd.read_csv(REF / "estimate_data.csv")
    fpc = pd.read_csv(REF / "extra_fpc.csv")
    m = data[data["province"] != "XX"].reset_index(drop=True)
    return m.merge(fpc[["province", "popsize", "fraction"]], on="province", how="left")


@pytest.fixture(scope="module")
def cases(main: pd.DataFrame) -> dict:
    d0 = survey_design(len(main), main["w"], main["province"], main["firm"])
    dfpc = survey_design(len(main), main["w"], main["province"], main["firm"], fpc=main["popsize"])
    dfrac = survey_design(len(main), main["w"], main["province"], main["firm"], fpc=main["fraction"])
    specs = margin_specs(main, read_margins(str(REF / "estimate_margins.csv")))
    jkn = design_replicates(d0, "jkn")
    unstrat = survey_design(len(main), main["w"], None, main["firm"])
    factors = pd.read_csv(REF / "extra_ref_boot_factors.csv").drop(columns="row").to_numpy(float)
    scale = float((REF / "extra_ref_boot_scale.txt").read_text())
    boot = ReplicateWeights("bootstrap", scale, np.ones(factors.shape[1]), weights=d0.weights[:, None] * factors)
    lin = calibrate(d0, specs).design
    raked = rake(d0, specs, maxit=50, epsilon=1.0)
    return {
        "plain": (d0, None), "fpc": (dfpc, None), "fpc_fraction": (dfrac, None),
        "jk1": (unstrat, design_replicates(unstrat, "jk1")), "jkn": (d0, jkn),
        "jkn_fpc": (dfpc, design_replicates(dfpc, "jkn")), "bootstrap": (d0, boot),
        "cal_linear": (lin, None), "cal_bounded": (calibrate(d0, specs, bounds=(0.93, 1.15)).design, None),
        "cal_raking": (calibrate(d0, specs, calfun="raking").design, None),
        "cal_linear_fpc": (calibrate(dfpc, specs).design, None),
        "jkn_cal_linear": (lin, calibrated_replicates(jkn, d0, specs, "linear", INF)),
        "jkn_cal_raking": (calibrate(d0, specs, calfun="raking").design,
                           calibrated_replicates(jkn, d0, specs, "raking", INF)),
        "jkn_rake": (raked.design, raked_replicates(jkn, d0, specs, raked.iterations)),
    }


def _close(ours: np.ndarray, ref: np.ndarray, rtol: float, what: str) -> None:
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    ok = (np.isnan(ours) & np.isnan(ref)) | (np.abs(ours - ref) <= rtol * np.abs(ref) + 1e-12)
    assert ok.all(), (what, list(zip(ours[~ok], ref[~ok])))


def test_calibrated_weights_equal_r(cases: dict) -> None:
    ref = pd.read_csv(REF / "extra_ref_weights.csv")
    for case in ("cal_linear", "cal_bounded", "cal_raking"):
        _close(cases[case][0].weights, ref[case].to_numpy(), 1e-9, case)
    g = ref["cal_bounded"] / cases["plain"][0].weights
    assert np.isclose(g, 0.93).sum() >= 5 and np.isclose(g, 1.15).sum() >= 50  # the bounds bite


def test_bootstrap_scale_is_rs_construction(cases: dict) -> None:
    d0 = cases["plain"][0]
    ours = bootstrap_replicates(d0, 60, seed=1)
    assert ours.scale == pytest.approx(cases["bootstrap"][1].scale, rel=1e-12)
    assert ours.psu_factors.sum(axis=1).tolist() == [float(d0.n_psu)] * 60  # n_h draws in every stratum


@pytest.mark.parametrize(("case", "stat", "by"), GROUPS, ids=[f"{c}-{s}-{b or 'all'}" for c, s, b in GROUPS])
def test_statistics_equal_r(cases: dict, main: pd.DataFrame, case: str, stat: str, by: str) -> None:
    design, reps = cases[case]
    ref = STATS[(STATS["case"] == case) & (STATS["stat"] == stat) & (STATS["by"] == by)]
    by_cols = [by] if by else []
    kw = {"replicates": reps}
    if stat == "mean":
        out = estimate_means(main, VARS, design, by_cols, **kw)
    elif stat == "total":
        out = estimate_totals(main, VARS, design, by_cols, **kw)
    elif stat == "ratio":
        out = estimate_ratios(main, [("need_health", "employees")], design, by_cols, **kw)
    else:
        out = estimate_means(main, ["need_health", "need_family"], design, by_cols, ci_method="logit", **kw)
    out["domain"] = out[by].astype(str) if by else ""
    merged = ref.merge(out, on=["domain", "variable"], suffixes=("_r", ""), how="left", validate="1:1")
    assert len(merged) == len(ref) and merged["estimate"].notna().all()
    _close(merged["estimate"], merged["estimate_r"], 1e-8, "estimate")
    _close(merged["se"], merged["se_r"], 1e-6, "se")
    if merged["deff_r"].notna().any():
        _close(merged["deff"], merged["deff_r"], 1e-6, "deff")
    if stat == "logit":
        _close(merged["ci_low"], merged["ci_low_r"], 1e-6, "ci_low")
        _close(merged["ci_high"], merged["ci_high_r"], 1e-6, "ci_high")
