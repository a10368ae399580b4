"""``wecare estimate`` / ``wecare model``: the CLI contract, R parity through the CLI, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.cli import main

REF = Path(__file__).parent / "reference"
DESIGN = ["--weights", "w", "--cluster", "firm", "--strata", "province"]


def write_estimate_data(out: Path) -> Path:
    """The R-reference survey data (without province XX) as a CSV at ``out``."""
    df = pd.read_csv(REF / "estimate_data.csv")
    df[df["province"] != "XX"].to_csv(out, index=False)
    return out


@pytest.fixture()
def data_csv(tmp_path: Path) -> Path:
    return write_estimate_data(tmp_path / "survey.csv")


def _run(argv: list[str], capsys) -> tuple[int, str]:
    rc = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def test_estimate_by_domain_after_raking_equals_r(data_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "est.csv"
    rc, err = _run(["estimate", str(data_csv), "--vars", "need_health,score", "--by", "province", *DESIGN,
                    "--rake-to", str(REF / "estimate_margins.csv"), "--out", str(out)], capsys)
    assert rc == 0 and "raked in 3 passes" in err
    got = pd.read_csv(out)
    assert list(got.columns) == ["province", "variable", "estimate", "se", "ci_low", "ci_high", "n",
                                 "df", "deff", "ci_method"]
    assert got.loc[got["variable"] == "need_health", "ci_method"].eq("logit").all()
    assert got.loc[got["variable"] == "score", "ci_method"].eq("wald").all()
    ref = pd.read_csv(REF / "estimate_ref_means.csv", keep_default_na=False)
    ref = ref[(ref["case"] == "raked") & (ref["by"] == "province") & ref["variable"].isin(["need_health", "score"])]
    m = ref.merge(got, left_on=["domain", "variable"], right_on=["province", "variable"], suffixes=("_r", ""))
    assert len(m) == 16
    np.testing.assert_allclose(m["estimate"], m["estimate_r"].astype(float), atol=1e-8)
    np.testing.assert_allclose(m["se"], m["se_r"].astype(float), rtol=1e-6)
    assert got["n"].sum() == 2 * len(pd.read_csv(data_csv))


def test_estimate_without_by_gives_one_row_per_variable(data_csv: Path, capsys) -> None:
    rc = main(["estimate", str(data_csv), "--vars", "need_health,need_family", *DESIGN])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.strip().splitlines()
    assert lines[0] == "variable,estimate,se,ci_low,ci_high,n,df,deff,ci_method"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["need_health", "need_family"]
    assert float(lines[1].split(",")[1]) == pytest.approx(0.576803571258503, abs=1e-12)  # R svymean


def test_model_equals_r_svyglm(data_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "model.csv"
    rc, _ = _run(["model", str(data_csv), "--formula",
                  "need_health ~ C(sex) + C(age_class) + C(role) + employees", *DESIGN, "--out", str(out)], capsys)
    assert rc == 0
    got = pd.read_csv(out)
    assert list(got.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]
    assert got["term"].tolist()[:3] == ["Intercept", "C(sex)[T.M]", "C(age_class)[T.25_34]"]
    ref = pd.read_csv(REF / "estimate_ref_glm.csv")
    ref = ref[(ref["case"] == "plain") & (ref["model"] == "main")]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-6)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-5)


def _margins(tmp_path: Path, edit) -> Path:
    m = pd.read_csv(REF / "estimate_margins.csv", dtype={"level": str})
    m = edit(m)
    p = tmp_path / "margins.csv"
    m.to_csv(p, index=False)
    return p


BAD_MARGINS = {
    "totals_disagree": (lambda m: m.assign(total=np.where(m["level"] == "F", m["total"] + 500, m["total"])),
                        "totals disagree"),
    "empty_level": (lambda m: pd.concat([m, pd.DataFrame({"variable": ["age_class"], "level": ["65_plus"],
                                                          "total": [100]})]).assign(
        total=lambda d: np.where(d["level"] == "18_24", d["total"] - 100, d["total"])),
        "no respondent in level '65_plus' of 'age_class'"),
    "unknown_variable": (lambda m: m.replace({"variable": {"sex": "gender"}}), "'gender' is not a column"),
}


@pytest.mark.parametrize("case", sorted(BAD_MARGINS))
def test_bad_margins_exit_2(case: str, data_csv: Path, tmp_path: Path, capsys) -> None:
    edit, message = BAD_MARGINS[case]
    rc, err = _run(["estimate", str(data_csv), "--vars", "need_health", *DESIGN,
                    "--rake-to", str(_margins(tmp_path, edit))], capsys)
    assert rc == 2
    assert message in err


def _edited(data_csv: Path, col: str, row: int, value) -> Path:
    df = pd.read_csv(data_csv)
    df[col] = df[col].astype(object)
    df.loc[row, col] = value
    df.to_csv(data_csv, index=False)
    return data_csv


BAD_DATA = {
    "non_numeric_var": (("need_health", 6, "sì"), ["estimate"], "row 8, column need_health", "numeric"),
    "missing_weight": (("w", 3, None), ["estimate"], "row 5, column w: weight missing", ""),
    "negative_weight": (("w", 4, -2.5), ["estimate"], "row 6, column w: weight negative", ""),
    "missing_weight_model": (("w", 3, None), ["model"], "row 5, column w: weight missing", ""),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_data_exit_2(case: str, data_csv: Path, capsys) -> None:
    (col, row, value), cmd, message, extra = BAD_DATA[case]
    path = _edited(data_csv, col, row, value)
    target = ["--vars", "need_health"] if cmd == ["estimate"] else ["--formula", "need_health ~ C(sex)"]
    rc, err = _run([*cmd, str(path), *target, *DESIGN], capsys)
    assert rc == 2
    assert message in err and extra in err


@pytest.mark.parametrize(("option", "value"), [("--vars", "need_x"), ("--by", "region"), ("--weights", "peso"),
                                               ("--cluster", "impresa"), ("--strata", "prov")])
def test_unknown_columns_exit_2(option: str, value: str, data_csv: Path, capsys) -> None:
    argv = ["estimate", str(data_csv), "--vars", "need_health", *DESIGN]
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    rc, err = _run(argv, capsys)
    assert rc == 2
    assert f"unknown column(s) {value}" in err and "columns are province" in err


def test_model_unknown_column_and_lonely_fail(data_csv: Path, capsys) -> None:
    rc, err = _run(["model", str(data_csv), "--formula", "need_health ~ C(colour)", *DESIGN], capsys)
    assert rc == 2 and "colour" in err
    df = pd.read_csv(REF / "estimate_data.csv")  # includes stratum XX with a single firm
    path = data_csv.with_name("lonely.csv")
    df.to_csv(path, index=False)
    rc, err = _run(["estimate", str(path), "--vars", "need_health", *DESIGN, "--lonely-psu", "fail"], capsys)
    assert rc == 2 and "stratum XX has only one cluster" in err
    rc, err = _run(["estimate", str(path), "--vars", "need_health", *DESIGN], capsys)
    assert rc == 0 and "1 strata with one cluster: adjust" in err


def test_semicolon_decimal_comma_csv(tmp_path: Path, capsys) -> None:
    p = tmp_path / "it.csv"
    p.write_text("peso;y\n1,5;1\n0,5;0\n", encoding="utf-8-sig")
    assert main(["estimate", str(p), "--vars", "y", "--weights", "peso"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("y,0.75,")
