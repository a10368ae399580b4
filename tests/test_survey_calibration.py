"""Raking and calibration that cannot meet their margins stop (exit 2) naming them; shares are
scaled; bounded calibration; the finite population correction and census strata (defects 1-3
of issue 20, values by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.cli import main
from wecare_analysis.errors import InputError
from wecare_analysis.survey.calibration import calibrate
from wecare_analysis.survey.design import linearised_variance, survey_design
from wecare_analysis.survey.weights import margin_specs, rake, read_margins

REF = Path(__file__).parent / "reference"
#: Defect 1 of issue 20: the only respondent with x1 = z is a woman, so x1 z = 300 and sex F = 100
#: cannot both hold; R's rake stops after 4 passes reporting success with 60 % women against 20 %.
PINNED = pd.DataFrame({"sex": list("FFMMMMFM"), "x1": list("zaabbaba"), "y": [1, 0, 1, 0, 0, 1, 1, 0]})
PINNED_MARGINS = "variable,level,total\nsex,F,100\nsex,M,400\nx1,z,300\nx1,a,100\nx1,b,100\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_raking_that_cannot_meet_the_margins_exits_2_naming_them(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d.csv"
    PINNED.to_csv(data, index=False)
    rc = main(["estimate", str(data), "--vars", "y", "--rake-to", str(_write(tmp_path, "m.csv", PINNED_MARGINS))])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert "did not meet the margins" in err and "sex F" in err and "+200.1%" in err and "sex M" in err


def test_contradictory_margins_exit_2(tmp_path: Path, capsys) -> None:
    data = tmp_path / "d.csv"
    PINNED.to_csv(data, index=False)
    # sex:x1 implies 300 women, the sex margin says 100
    margins = ("variable,level,total\nsex,F,100\nsex,M,400\nsex:x1,F:z,100\nsex:x1,F:a,100\nsex:x1,F:b,100\n"
               "sex:x1,M:a,100\nsex:x1,M:b,100\n")
    rc = main(["estimate", str(data), "--vars", "y", "--rake-to", str(_write(tmp_path, "m.csv", margins))])
    err = capsys.readouterr().err
    assert rc == 2 and "did not meet the margins" in err and "sex F" in err


def test_margins_as_shares_are_scaled_and_met(tmp_path: Path, capsys) -> None:
    """Defect 2: F 0.2 / M 0.8 gave 0.216 after 2 passes (absolute tolerance); now scaled to the counts."""
    df = pd.DataFrame({"sex": list("FFFMMMMM"), "x1": list("abababab"), "w": [1.0, 2, 3, 1, 2, 3, 1, 2]})
    margins = pd.DataFrame({"variable": ["sex", "sex", "x1", "x1"], "level": ["F", "M", "a", "b"],
                            "total": [0.2, 0.8, 300.0, 200.0]})
    specs = margin_specs(df, margins)
    assert [s.from_shares for s in specs] == [True, False]
    np.testing.assert_allclose(specs[0].totals, [100.0, 400.0])
    w = rake(survey_design(8, df["w"]), specs, maxit=50).design.weights
    assert w[:3].sum() / w.sum() == pytest.approx(0.2, rel=1e-3)
    alone = margin_specs(df, margins[margins["variable"] == "sex"])
    w2 = rake(survey_design(8, df["w"]), alone).design.weights
    assert w2[:3].sum() == pytest.approx(0.2 * 15, rel=1e-12) and w2.sum() == pytest.approx(15.0)
    data = tmp_path / "d.csv"
    df.assign(y=[1, 0, 1, 0, 1, 0, 1, 0]).to_csv(data, index=False)
    m = tmp_path / "m.csv"
    margins.to_csv(m, index=False)
    assert main(["estimate", str(data), "--vars", "y", "--weights", "w", "--rake-to", str(m)]) == 0
    assert "sex are shares (they sum to 1): scaled to the population total 500" in capsys.readouterr().err


def test_bounds_that_cannot_be_met_stop_naming_the_margins() -> None:
    """R: 'Calibration failed' (misfit 0.0044 after 51 iterations) for bounds 0.95-1.1 on these data."""
    data = pd.read_csv(REF / "estimate_data.csv").query("province != 'XX'").reset_index(drop=True)
    d0 = survey_design(len(data), data["w"], data["province"], data["firm"])
    specs = margin_specs(data, read_margins(str(REF / "estimate_margins.csv")))
    with pytest.raises(InputError, match=r"calibration \(linear, bounds 0.95-1.1\) did not meet the margins"):
        calibrate(d0, specs, bounds=(0.95, 1.1))
    ok = calibrate(d0, specs, bounds=(0.93, 1.15))
    g = ok.g
    assert g.min() == pytest.approx(0.93) and g.max() == pytest.approx(1.15)
    for s in specs:
        np.testing.assert_allclose(np.bincount(s.index, weights=ok.design.weights), s.totals, rtol=1e-7)


def test_fpc_scales_each_stratum_and_a_census_stratum_adds_nothing() -> None:
    """Stratum A: one cluster, all of the population (no lonely-PSU error even under 'fail');
    stratum B: 3 of 6 clusters with totals 1, 2, 4: V = (1 - 3/6) * 3/2 * sum (t - 7/3)^2."""
    design = survey_design(4, strata=["A", "B", "B", "B"], cluster=[1, 1, 2, 3], fpc=[1, 6, 6, 6],
                           lonely_psu="fail")
    z = np.array([[10.0], [1.0], [2.0], [4.0]])
    t = np.array([1.0, 2.0, 4.0])
    expected = 0.5 * 1.5 * ((t - t.mean()) ** 2).sum()
    assert linearised_variance(design, z)[0] == pytest.approx(expected, rel=1e-12)
    as_fraction = survey_design(4, strata=["A", "B", "B", "B"], cluster=[1, 1, 2, 3], fpc=[1, 0.5, 0.5, 0.5])
    assert linearised_variance(as_fraction, z)[0] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(InputError, match="smaller than the 3 sampled"):
        survey_design(4, strata=["A", "B", "B", "B"], cluster=[1, 1, 2, 3], fpc=[1, 2, 2, 2])
    with pytest.raises(InputError, match="varies within stratum B"):
        survey_design(4, strata=["A", "B", "B", "B"], cluster=[1, 1, 2, 3], fpc=[1, 6, 7, 6])
