"""``wecare estimate``: honest intervals (defect 4 of issue 20), --where, --fpc, replicate variance,
totals and ratios through the command line, the tables ``wecare survey validate`` writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wecare_analysis.cli import main
from wecare_analysis.survey.design import survey_design
from wecare_analysis.survey.estimate import estimate_totals
from wecare_analysis.survey.estimate_design import istat_margins_for
from wecare_analysis.survey.replicates import design_replicates

REF = Path(__file__).parent / "reference"
DESIGN = ["--weights", "w", "--cluster", "firm", "--strata", "province"]
STATS = pd.read_csv(REF / "extra_ref_stats.csv", keep_default_na=False, na_values=["NA"])


def _ref(case: str, stat: str, by: str) -> pd.DataFrame:
    return STATS[(STATS["case"] == case) & (STATS["stat"] == stat) & (STATS["by"] == by)]


@pytest.fixture()
def main_csv(tmp_path: Path) -> Path:
    data = pd.read_csv(REF / "estimate_data.csv").query("province != 'XX'").reset_index(drop=True)
    fpc = pd.read_csv(REF / "extra_fpc.csv")
    data = data.merge(fpc[["province", "popsize"]], on="province", how="left")
    boot = pd.read_csv(REF / "extra_ref_boot_factors.csv").drop(columns="row")
    data = pd.concat([data, (boot.mul(data["w"], axis=0)).add_prefix("bw_")], axis=1)
    out = tmp_path / "main.csv"
    data.to_csv(out, index=False)
    return out


def _estimate(argv: list[str], tmp_path: Path, capsys) -> pd.DataFrame:
    out = tmp_path / "out.csv"
    rc = main(["estimate", *argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 0 and "Traceback" not in err, err
    return pd.read_csv(out, keep_default_na=False, na_values=[""])


def test_intervals_of_proportions_stay_in_0_1_and_0_of_n_is_usable(tmp_path: Path, capsys) -> None:
    """Defect 4: Wald gave [-0.027, 0.082] for p = 0.027 and [0, 0] for 0 of 56."""
    rng = np.random.default_rng(3)
    y = np.r_[np.zeros(56), np.zeros(36), 1.0, rng.integers(0, 2, 60)]
    grp = ["a"] * 56 + ["b"] * 37 + ["c"] * 60
    path = tmp_path / "d.csv"
    pd.DataFrame({"g": grp, "y": y, "psu": np.arange(len(y))}).to_csv(path, index=False)
    got = _estimate([str(path), "--vars", "y", "--by", "g", "--cluster", "psu"], tmp_path, capsys).set_index("g")
    assert (got["ci_low"] >= 0).all() and (got["ci_high"] <= 1).all()
    assert got.loc["a", "ci_method"] == "clopper-pearson"
    assert got.loc["a", "ci_low"] == 0 and got.loc["a", "ci_high"] == pytest.approx(1 - 0.025 ** (1 / 56))
    b = got.loc["b"]
    assert b["ci_method"] == "logit" and b["df"] == 36  # 37 PSUs, one stratum
    p, se = 1 / 37, b["se"]
    half = stats.t.ppf(0.975, 36) * se / (p * (1 - p))
    eta = np.log(p / (1 - p))
    assert b["ci_low"] == pytest.approx(1 / (1 + np.exp(-(eta - half))), rel=1e-9)
    assert b["ci_high"] == pytest.approx(1 / (1 + np.exp(-(eta + half))), rel=1e-9)
    wald = _estimate([str(path), "--vars", "y", "--by", "g", "--ci-method", "wald"], tmp_path, capsys)
    assert wald.loc[wald["g"] == "b", "ci_low"].item() == 0.0  # clipped, not -0.025


def test_where_is_a_domain_of_the_whole_design(main_csv: Path, tmp_path: Path, capsys) -> None:
    by = _estimate([str(main_csv), "--vars", "need_health", "--by", "sex", *DESIGN], tmp_path, capsys)
    only = _estimate([str(main_csv), "--vars", "need_health", "--where", "sex == 'F'", *DESIGN], tmp_path, capsys)
    f = by[by["sex"] == "F"].iloc[0]
    assert only["estimate"].item() == pytest.approx(f["estimate"], rel=1e-12)
    assert only["se"].item() == pytest.approx(f["se"], rel=1e-12) and only["df"].item() == f["df"]
    both = _estimate([str(main_csv), "--vars", "need_health", "--by", "sex", "--where",
                      "age_class in ('25_34', '35_44') and not role == 'owner'", *DESIGN], tmp_path, capsys)
    assert len(both) == 2


@pytest.mark.parametrize("expr", ["__import__('os').system('id')", "sex.upper() == 'F'", "employees + 1 > 3",
                                  "nosuch == 1", "sex == "])
def test_where_refuses_anything_but_comparisons(main_csv: Path, expr: str, capsys) -> None:
    assert main(["estimate", str(main_csv), "--vars", "need_health", "--where", expr]) == 2
    err = capsys.readouterr().err
    assert "--where" in err and "Traceback" not in err


@pytest.mark.parametrize(("case", "extra"), [
    ("fpc", ["--fpc", "popsize"]),
    ("jkn", ["--variance", "jkn"]),
    ("bootstrap", ["--repweights", "bw_", "--rep-type", "other", "--rep-scale",
                   (REF / "extra_ref_boot_scale.txt").read_text().strip()]),
    ("jkn_cal_raking", ["--variance", "jkn", "--calibrate-to", str(REF / "estimate_margins.csv"),
                        "--calfun", "raking"]),
])
def test_cli_variance_options_equal_r(main_csv: Path, tmp_path: Path, capsys, case: str, extra: list[str]) -> None:
    got = _estimate([str(main_csv), "--vars", "need_health,score", "--by", "province", *DESIGN, *extra],
                    tmp_path, capsys)
    ref = _ref(case, "mean", "province")
    m = ref.merge(got, left_on=["domain", "variable"], right_on=["province", "variable"], suffixes=("_r", ""))
    assert len(m) == 16
    np.testing.assert_allclose(m["estimate"], m["estimate_r"], rtol=1e-8)
    np.testing.assert_allclose(m["se"], m["se_r"], rtol=1e-6)


def test_cli_totals_and_ratios_equal_r(main_csv: Path, tmp_path: Path, capsys) -> None:
    got = _estimate([str(main_csv), "--vars", "need_health", "--by", "sex", "--stat", "total",
                     "--ratio", "need_health/employees", *DESIGN], tmp_path, capsys)
    for stat, var in (("total", "need_health"), ("ratio", "need_health/employees")):
        ref = _ref("plain", stat, "sex").query("variable == @var")
        m = ref.merge(got, left_on=["domain", "variable"], right_on=["sex", "variable"], suffixes=("_r", ""))
        assert len(m) == 2
        np.testing.assert_allclose(m["estimate"], m["estimate_r"], rtol=1e-8)
        np.testing.assert_allclose(m["se"], m["se_r"], rtol=1e-6)


def test_validated_tables_work_as_a_user_tries_them(tmp_path: Path, capsys) -> None:
    """The Parquet needs table (0/1) and respondents.csv (Likert 1-5) of ``survey validate``."""
    data = pd.read_csv(REF / "estimate_data.csv").query("province != 'XX'").reset_index(drop=True)
    tidy = data.rename(columns={"province": "province_sigla", "firm": "firm_id"})
    rng = np.random.default_rng(7)
    likert = np.where(tidy["need_health"] == 1, rng.integers(4, 6, len(tidy)), rng.integers(1, 4, len(tidy)))
    tidy.to_parquet(tmp_path / "needs.parquet", index=False)
    tidy.assign(need_health=likert).to_csv(tmp_path / "respondents.csv", index=False)
    design = ["--weights", "w", "--cluster", "firm_id", "--strata", "province_sigla"]
    a = _estimate([str(tmp_path / "needs.parquet"), "--vars", "need_health", "--by", "province_sigla", *design],
                  tmp_path, capsys)
    out = tmp_path / "b.csv"
    assert main(["estimate", str(tmp_path / "respondents.csv"), "--vars", "need_health", "--by", "province_sigla",
                 *design, "--out", str(out)]) == 0
    assert "Likert answers 1-5 read as needs" in capsys.readouterr().err
    b = pd.read_csv(out)
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
    ref = _ref("plain", "mean", "province").query("variable == 'need_health'")
    np.testing.assert_allclose(a["se"], ref["se"], rtol=1e-6)


def test_istat_margins_take_the_data_column_names_and_65_plus() -> None:
    df = pd.DataFrame({"province_sigla": ["TO"], "sex": ["F"], "age_class": ["65_plus"]})
    margins, note = istat_margins_for(df)
    assert set(margins["variable"]) == {"province_sigla", "sex", "age_class"}
    assert "65_plus" in set(margins["level"]) and "65-69" in note
    totals = margins.groupby("variable")["total"].sum()
    assert totals.nunique() == 1


def test_brr_variance_of_a_total_equals_the_taylor_one() -> None:
    """With two PSUs per stratum and a fully balanced set, BRR gives sum_h (t_h1 - t_h2)^2, as Taylor."""
    rng = np.random.default_rng(11)
    strata = np.repeat(np.arange(5), 6)
    psu = np.tile(np.repeat([0, 1], 3), 5)
    df = pd.DataFrame({"y": rng.normal(size=30), "s": strata, "c": psu})
    d = survey_design(30, rng.uniform(1, 3, 30), df["s"], df["c"])
    reps = design_replicates(d, "brr")
    assert reps.n_replicates == 8
    taylor = estimate_totals(df, ["y"], d)
    brr = estimate_totals(df, ["y"], d, replicates=reps)
    assert brr["se"].item() == pytest.approx(taylor["se"].item(), rel=1e-10)


@pytest.mark.parametrize(("extra", "message"), [
    (["--calibrate-to", str(REF / "estimate_margins.csv"), "--bounds", "0.95,1.1"], "did not meet the margins"),
    (["--calibrate-to", str(REF / "estimate_margins.csv"), "--bounds", "1.1,2"], "must contain 1"),
    (["--variance", "jk1"], "needs a design without strata"),
    (["--variance", "brr"], "exactly two clusters (PSUs) per stratum"),
    (["--fpc", "employees"], "fpc varies within stratum"),
    (["--repweights", "nosuch_"], "matches 0 column(s)"),
    (["--rake-to", str(REF / "estimate_margins.csv"), "--calibrate-to", str(REF / "estimate_margins.csv")],
     "either --rake-to or --calibrate-to"),
])
def test_unusable_design_options_exit_2(main_csv: Path, capsys, extra: list[str], message: str) -> None:
    assert main(["estimate", str(main_csv), "--vars", "need_health", *DESIGN, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
