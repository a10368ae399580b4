"""The NumPy normal and t quantiles of the intervals equal SciPy's (the reference)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from wecare_analysis.survey.quantiles import SERIES_MAX_DF, normal_quantile, t_quantile


@pytest.mark.parametrize("p", [0.55, 0.8, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025, 0.1])
def test_t_quantiles_equal_scipy(p: float) -> None:
    df = np.concatenate([np.arange(1.0, 1200.0), [5e3, 1e4, 1e6, 1e9]])
    rtol = 1e-12 if 0.005 <= p <= 0.995 else 1e-10
    np.testing.assert_allclose(t_quantile(df, p), special.stdtrit(df, p), rtol=rtol)


def test_t_quantiles_by_hand_and_edge_cases() -> None:
    # nu = 1: tan(pi (p - 1/2)); nu = 2: (2p - 1) / sqrt(2 p (1 - p))
    assert t_quantile(np.array([1.0]), 0.9)[0] == pytest.approx(np.tan(0.4 * np.pi), rel=1e-14)
    assert t_quantile(np.array([2.0]), 0.9)[0] == pytest.approx(0.8 / np.sqrt(2 * 0.9 * 0.1), rel=1e-14)
    out = t_quantile(np.array([0.0, -3.0, np.nan, np.inf, 2.5]), 0.975)
    assert np.isnan(out[:3]).all()
    assert out[3] == pytest.approx(special.ndtri(0.975), rel=1e-15)
    assert out[4] == pytest.approx(special.stdtrit(2.5, 0.975), rel=1e-12)  # not whole: SciPy
    assert SERIES_MAX_DF < 1200  # the test above crosses the switch to Cornish-Fisher


@pytest.mark.parametrize("p", [1e-6, 0.001, 0.025, 0.3, 0.5, 0.5 + 1e-7, 0.7, 0.975, 0.999999])
def test_normal_quantile_equals_scipy(p: float) -> None:
    assert normal_quantile(p) == pytest.approx(float(special.ndtri(p)), rel=1e-12, abs=1e-15)
