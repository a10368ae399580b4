"""The MRP engine against ``lme4::glmer`` on the demo survey and two misspecified truths ("dati sintetici
dimostrativi").

Reference fits were produced once by ``tests/reference/mrp_reference.R`` on
``tests/reference/mrp_data.csv`` (demo survey, two needs) and ``mrp_data_<truth>.csv`` (truths
``correlated_area`` and ``large_area`` of ``benchmarks/bench_small_area.py``, one need ``need_y``),
written by ``make_mrp_data.py``, and committed.
The engine is Bayesian (weak priors, variances integrated on a grid), lme4 maximises the
Laplace likelihood: fixed effects must agree within half of lme4's standard error, and
the municipal prevalences of the model (mean over the municipality's respondents of
expit(x'β + v_province + u_municipality)) within 0.02 on average.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scipy.special import expit

from wecare_analysis.survey.small_area import COVARIATES, fit_mrp

REF = Path(__file__).parent / "reference"
#: Data set suffix -> needs fitted by lme4.
DATASETS = {"": ["need_health_prevention", "need_smart_working"], "_correlated_area": ["need_y"],
            "_large_area": ["need_y"]}


def _r_name(name: str) -> str:
    if name == "intercept":
        return "(Intercept)"
    return name.replace("[", "").replace("]", "")


@pytest.fixture(scope="module", params=list(DATASETS), ids=lambda s: s.strip("_") or "demo")
def fitted(request):
    suffix = request.param
    data = pd.read_csv(REF / f"mrp_data{suffix}.csv")
    cov = data.groupby("municipality_code")[list(COVARIATES)].first()
    provinces = sorted(data["province_sigla"].unique())
    fit = fit_mrp(data, DATASETS[suffix], cov, provinces)
    g, u = fit.posterior_means()
    return suffix, data, fit, g, u


def test_fixed_effects_within_half_a_standard_error_of_lme4(fitted, request) -> None:
    suffix, _, fit, g, _ = fitted
    if suffix == "_large_area":  # strict: passing would flag the note as stale
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "large iid area effects: density_z 0.58 lme4 SE below lme4 (0.5 allowed); lme4 puts the province SD "
            "at the boundary 0, the engine integrates it (posterior mean 0.22), so province effects take part "
            "of the density gradient")))
    ref = pd.read_csv(REF / f"mrp_ref_fixed{suffix}.csv")
    names = fit.engine.d.names[:fit.engine.d.n_fixed]
    for k, v in enumerate(DATASETS[suffix]):
        r = ref[ref["variable"] == v].set_index("term")
        ours = pd.Series(g[k, :len(names)], index=[_r_name(n) for n in names])
        assert set(ours.index) == set(r.index)
        z = (ours - r["estimate"].reindex(ours.index)).abs() / r["se"].reindex(ours.index)
        assert z.max() <= 0.5, (v, z.sort_values().tail(3).to_dict())


def test_municipal_prevalences_close_to_lme4(fitted) -> None:
    suffix, data, fit, g, u = fitted
    d = fit.engine.d
    ref = pd.read_csv(REF / f"mrp_ref_municipal{suffix}.csv")
    for k, v in enumerate(DATASETS[suffix]):
        eta = d.x @ g[k] + u[k][d.muni]
        ours = pd.Series(expit(eta)).groupby(data["municipality_code"].to_numpy()).mean()
        r = ref[ref["variable"] == v].set_index("municipality_code")["p"]
        diff = (ours.reindex(r.index) - r).abs()
        assert diff.notna().all() and diff.mean() <= 0.02, (v, float(diff.mean()), float(diff.max()))
