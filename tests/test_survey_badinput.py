"""Bad-input corpus for `wecare survey validate`: each case asserts exit code, message and row accounting.

The corpus is built from ``tests/data/survey/base_kobo.csv`` (12 synthetic
respondents, KoboToolbox layout) plus the fixed files in ``tests/data/survey/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.cli import main

DATA = Path(__file__).parent / "data" / "survey"
BASE = DATA / "base_kobo.csv"


def base() -> pd.DataFrame:
    return pd.read_csv(BASE, sep=";", dtype=str, keep_default_na=False)


def csv(df: pd.DataFrame, path: Path, sep: str = ";", encoding: str = "utf-8") -> Path:
    df.to_csv(path, sep=sep, index=False, encoding=encoding)
    return path


def edit(column: str, row: int, value: str) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        df = base()
        df.loc[row, column] = value
        return csv(df, tmp / "in.csv")
    return build


def raw_bytes(data: bytes, name: str = "in.csv") -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name
    return build


def _header_only(tmp: Path) -> Path:
    return csv(base().iloc[0:0], tmp / "in.csv")


def _missing_column(tmp: Path) -> Path:
    return csv(base().drop(columns=["profilo/sex"]), tmp / "in.csv")


def _cp1252_labels(tmp: Path) -> Path:
    df = base()
    df["impresa/artisan"] = df["impresa/artisan"].map({"yes": "Sì", "no": "No"})
    df["profilo/age_class"] = "65 anni e più"
    return csv(df, tmp / "in.csv", sep=";", encoding="cp1252")


def _bom_comma(tmp: Path) -> Path:
    return csv(base(), tmp / "in.csv", sep=",", encoding="utf-8-sig")


def _tab(tmp: Path) -> Path:
    return csv(base(), tmp / "in.tsv", sep="\t")


def _decimal_comma(tmp: Path) -> Path:
    df = base()
    df["profilo/commute_minutes"] = "15,0"
    df.loc[3, "profilo/commute_minutes"] = "12,5"
    return csv(df, tmp / "in.csv")


def _truncated(tmp: Path) -> Path:
    text = BASE.read_text(encoding="utf-8")
    cut = text.rstrip("\n").rsplit(";", 30)[0]  # the last line loses its last 30 fields
    return raw_bytes(cut.encode())(tmp)


def _extra_fields(tmp: Path) -> Path:
    lines = BASE.read_text(encoding="utf-8").splitlines()
    lines[4] += ";extra;fields"
    return raw_bytes("\n".join(lines).encode())(tmp)


def _xlsx_title_rows(tmp: Path) -> Path:
    df = base()
    path = tmp / "in.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame([["Indagine Wecare 2024"], ["Estrazione del 3 maggio"]]).to_excel(
            xl, index=False, header=False)
        df.to_excel(xl, index=False, startrow=3)
    return path


def _duplicate_uuid(tmp: Path) -> Path:
    df = base()
    df.loc[5, "_uuid"] = df.loc[0, "_uuid"]
    return csv(df, tmp / "in.csv")


def _duplicate_no_uuid(tmp: Path) -> Path:
    df = base().drop(columns=["_uuid", "_id", "_index", "start", "end", "_submission_time"])
    df = pd.concat([df, df.iloc[[2]]], ignore_index=True)
    return csv(df, tmp / "in.csv")


def _bad_split_flag(tmp: Path) -> Path:
    df = base().drop(columns=["impresa/welfare_forms"])
    df.loc[1, "impresa/welfare_forms/bilateral"] = "forse"
    return csv(df, tmp / "in.csv")


def _sav(tmp: Path) -> Path:
    import pyreadstat

    df = base()
    df.columns = [c.replace("/", "_") for c in df.columns]
    df = df.rename(columns={c: c.lstrip("_") or c for c in df.columns})
    df["profilo_sex"] = df["profilo_sex"].map({"F": "Femmina", "M": "Maschio"})
    path = tmp / "in.sav"
    pyreadstat.write_sav(df, str(path))
    return path


def _limesurvey(tmp: Path) -> Path:
    df = base()
    out = pd.DataFrame({"id": range(1, len(df) + 1)})
    for col in df.columns:
        if col.startswith("_") or col in ("start", "end") or col.count("/") == 2:
            continue
        group, name = col.split("/")
        if name == "welfare_forms":
            for opt in ("unilateral", "bilateral", "contractual", "territorial", "none"):
                out[f"welfare_forms[{opt}]"] = df[col].str.split().map(lambda c, o=opt: "Y" if o in c else "")
        elif group == "bisogni":
            out[f"bisogni[{name.removeprefix('need_')}]"] = df[col]
        else:
            out[name] = df[col]
    return csv(out, tmp / "in.csv", sep=",")


def _kobo_labels(tmp: Path) -> Path:
    from wecare_analysis.survey.codebook import load_codebook

    book = load_codebook()
    df = base()
    out = pd.DataFrame()
    for q in book.questions:
        col = f"{q.group}/{q.name}"
        values = df[col]
        if q.type == "select_one":
            values = values.map(dict(book.options(q)))
        out[q.label] = values
    return csv(out, tmp / "in.csv")


CASES = [
    # id, builder, exit code, message fragment
    ("empty_file", raw_bytes(b""), 2, "empty"),
    ("blank_file", raw_bytes(b"  \n\n \r\n"), 2, "empty"),
    ("header_only", _header_only, 2, "no data rows"),
    ("binary_garbage", lambda t: DATA / "binary_garbage.csv", 2, "binary content"),
    ("other_questionnaire", lambda t: DATA / "other_questionnaire.csv", 2, "not the Wecare questionnaire"),
    ("required_column_missing", _missing_column, 2, "required columns missing: sex"),
    ("legacy_xls", raw_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "in.xls"), 2, ".xls"),
    ("damaged_xlsx", raw_bytes(b"PK\x03\x04garbage", "in.xlsx"), 2, "cannot read the Excel workbook"),
    ("no_such_file", lambda t: t / "missing.csv", 2, "no such file"),
    ("cp1252_semicolon_labels", _cp1252_labels, 0, None),
    ("utf8_bom_comma", _bom_comma, 0, None),
    ("tab_delimited", _tab, 0, None),
    ("decimal_comma", _decimal_comma, 1, "'12,5' is not a whole number"),
    ("truncated_file", _truncated, 1, "truncated or broken line"),
    ("extra_fields", _extra_fields, 1, "the row has 57 fields, the header has 55"),
    ("xlsx_title_rows", _xlsx_title_rows, 0, None),
    ("wrong_type", edit("profilo/commute_minutes", 2, "venti"), 1, "'venti' is not a whole number"),
    ("out_of_range", edit("profilo/commute_minutes", 2, "999"), 1, "999 is out of range for commute_minutes"),
    ("likert_out_of_range", edit("bisogni/need_mobility", 4, "7"), 1, "'7' is not an answer to need_mobility"),
    ("unknown_option", edit("profilo/role", 1, "boss"), 1, "'boss' is not an answer to role"),
    ("unknown_ateco", edit("impresa/ateco_section", 1, "Z"), 1, "'Z' is not an answer to ateco_section"),
    ("unknown_municipality", edit("impresa/municipality", 0, "999999"), 1, "unknown municipality code"),
    ("outside_region", edit("impresa/municipality", 0, "015146"), 1, "Milano (MI) is outside Piedmont"),
    ("missing_required", edit("profilo/sex", 3, ""), 1, "missing required answer to sex"),
    ("duplicate_uuid", _duplicate_uuid, 1, "duplicate respondent: same _uuid as row 2"),
    ("duplicate_no_uuid", _duplicate_no_uuid, 1, "duplicate respondent: identical answers to row 4"),
    ("bad_split_flag", _bad_split_flag, 1, "not a yes/no flag"),
    ("none_with_other", edit("impresa/welfare_forms", 0, "none bilateral"), 1, "'none' cannot be combined"),
    ("spss_sav", _sav, 0, None),
    ("limesurvey_layout", _limesurvey, 0, None),
    ("kobo_labels_export", _kobo_labels, 0, None),
]


@pytest.mark.parametrize(("builder", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], builder, code, fragment) -> None:
    path = builder(tmp_path)
    rc = main(["survey", "validate", str(path), "--json", "--out", str(tmp_path / "out"),
               "--root", str(tmp_path)])
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert rc == code, summary["errors"]
    assert summary["rows_kept"] + summary["rows_quarantined"] == summary["rows_read"]
    if code == 0:
        assert summary["rows_read"] == summary["rows_kept"] >= 12
        assert summary["errors"] == []
    else:
        assert any(fragment in e for e in summary["errors"]), summary["errors"]
    if code == 2:
        assert summary["rows_read"] == 0
        assert fragment in captured.err and "Traceback" not in captured.err
    if code == 1:
        quarantine = pd.read_csv(tmp_path / "out" / "quarantine.csv", dtype=str)
        assert list(quarantine.columns) == ["row", "column", "value", "reason"]
        assert quarantine["row"].nunique() == summary["rows_quarantined"] >= 1
        assert quarantine["reason"].str.contains(fragment, regex=False).any()


def test_corpus_has_twenty_distinct_faults() -> None:
    faults = [c for c in CASES if c[3] is not None]
    assert len({c[3] for c in faults}) >= 20


def test_message_names_file_row_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edit("profilo/role", 1, "boss")(tmp_path)
    main(["survey", "validate", str(path), "--out", str(tmp_path / "out"), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    # data row index 1 is spreadsheet row 3 (header is row 1)
    assert "in.csv: row 3, column 'profilo/role': 'boss' is not an answer to role: expected one of employee" in err


def test_retired_municipality_is_reconciled_and_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edit("impresa/municipality", 0, "005079")(tmp_path)
    rc = main(["survey", "validate", str(path), "--json", "--out", str(tmp_path / "out"), "--root", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out)
    assert rc == 0 and summary["rows_kept"] == 12
    assert any("'005079'" in w and "5122" in w.replace("005122", "5122") for w in summary["warnings"])
    kept = pd.read_parquet(tmp_path / "out" / "respondents.parquet")
    assert kept.loc[kept["source_row"] == 2, "municipality_code"].item() == 5122
    assert kept.loc[kept["source_row"] == 2, "province_sigla"].item() == "AT"


def test_national_survey_keeps_municipalities_of_every_region(tmp_path: Path) -> None:
    from wecare_analysis.survey.validate import validate_survey

    path = edit("impresa/municipality", 0, "015146")(tmp_path)  # Milano: outside Piedmont, inside Italy
    piedmont = validate_survey(path, region="01")
    italy = validate_survey(path, region="all")
    assert piedmont.rows_quarantined == 1 and italy.rows_quarantined == 0
    assert italy.rows_kept == piedmont.rows_kept + 1
