"""The MRP engine against ``lme4::glmer`` on the demo survey ("dati sintetici dimostrativi").

Reference fits were produced once by ``tests/reference/mrp_reference.R`` on
``tests/reference/mrp_data.csv`` (written by ``make_mrp_data.py``) and committed.
The engine is Bayesian (weak priors, variances integrated on a grid), lme4 maximises the
Laplace likelihood: fixed effects must agree within half of lme4's standard error, and
the municipal prevalences of the model (mean over the municipality's respondents of
expit(x'β + v_province + u_municipality)) within 0.02 on average.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from wecare_analysis.survey.small_area import COVARIATES, fit_mrp

REF = Path(__file__).parent / "reference"
NEEDS = ["need_health_prevention", "need_smart_working"]


def _r_name(name: str) -> str:
    if name == "intercept":
        return "(Intercept)"
    return name.replace("[", "").replace("]", "")


@pytest.fixture(scope="module")
def fitted():
    data = pd.read_csv(REF / "mrp_data.csv")
    cov = data.groupby("municipality_code")[list(COVARIATES)].first()
    provinces = sorted(data["province_sigla"].unique())
    fit = fit_mrp(data, NEEDS, cov, provinces)
    weights = fit.weights  # K x G
    g = np.stack([m[0] for m in fit.modes], axis=1)  # K x G x P
    u = np.stack([m[1] for m in fit.modes], axis=1)  # K x G x M
    return data, fit, np.einsum("kg,kgp->kp", weights, g), np.einsum("kg,kgm->km", weights, u)


def test_fixed_effects_within_half_a_standard_error_of_lme4(fitted) -> None:
    _, fit, g, _ = fitted
    ref = pd.read_csv(REF / "mrp_ref_fixed.csv")
    names = fit.engine.d.names[:fit.engine.d.n_fixed]
    for k, v in enumerate(NEEDS):
        r = ref[ref["variable"] == v].set_index("term")
        ours = pd.Series(g[k, :len(names)], index=[_r_name(n) for n in names])
        assert set(ours.index) == set(r.index)
        z = (ours - r["estimate"].reindex(ours.index)).abs() / r["se"].reindex(ours.index)
        assert z.max() <= 0.5, (v, z.sort_values().tail(3).to_dict())


def test_municipal_prevalences_close_to_lme4(fitted) -> None:
    data, fit, g, u = fitted
    d = fit.engine.d
    ref = pd.read_csv(REF / "mrp_ref_municipal.csv")
    for k, v in enumerate(NEEDS):
        eta = d.x @ g[k] + u[k][d.muni]
        ours = pd.Series(expit(eta)).groupby(data["municipality_code"].to_numpy()).mean()
        r = ref[ref["variable"] == v].set_index("municipality_code")["p"]
        diff = (ours.reindex(r.index) - r).abs()
        assert diff.notna().all() and diff.mean() <= 0.02, (v, float(diff.mean()), float(diff.max()))
