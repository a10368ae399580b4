"""Codebook, exports, round trips, pseudonymisation, tidy table, profile and disclosure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.cli import main
from wecare_analysis.disclosure import complementary_mask, min_cell, small_cells, suppressed_counts
from wecare_analysis.survey.codebook import ateco_section_of, load_codebook
from wecare_analysis.survey.export import codebook_from_xlsform, questionnaire_markdown, write_xlsform
from wecare_analysis.survey.profile import format_count_it, respondent_profile
from wecare_analysis.survey.pseudonymise import load_salt, pseudonym
from wecare_analysis.survey.readers import sniff_delimiter
from wecare_analysis.survey.tidy import need_columns, needs_table


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("root")
    out = root / "demo"
    assert main(["demo-data", "--out", str(out), "--respondents", "3000", "--seed", "11", "--root", str(root)]) == 0
    return {"root": root, "out": out}


def test_codebook_areas_and_types() -> None:
    book = load_codebook()
    assert len(book.index_areas) == 10
    index = {code for code, _ in book.index_areas}
    assert {area for _, _, area in book.need_areas} == index  # every index area is measured
    assert {"childcare_0_2", "childcare_3_5", "childcare_6_14", "eldercare", "mobility", "housing",
            "psychological_support", "smart_working", "errands_concierge"} <= set(book.need_area_codes)
    assert [c for c, _ in book.choices["size_class"]] == ["0_1", "2_9", "10_49", "50_249"]
    assert dict(book.choices["ateco_section"])["C"] == "ATTIVITÀ MANIFATTURIERE"
    assert ateco_section_of("43.21.01") == "F" and ateco_section_of("99.99.99") is None


def test_xlsform_round_trip_and_pyxform(tmp_path: Path) -> None:
    book = load_codebook()
    path = write_xlsform(book, tmp_path / "form.xlsx")
    assert codebook_from_xlsform(path) == book
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    assert {"survey", "choices", "settings"} <= set(sheets)
    survey = sheets["survey"].set_index("name")
    assert survey.loc["role", "type"] == "select_one role"
    assert survey.loc["welfare_forms", "type"] == "select_multiple welfare_form"
    assert survey.loc["commute_minutes", "constraint"] == ". >= 0 and . <= 240"
    xls2xform = pytest.importorskip("pyxform.xls2xform")
    xml = xls2xform.convert(xlsform=str(path)).xform
    assert 'id="wecare_bisogni_welfare"' in xml and "need_childcare_0_2" in xml


def test_codebook_export_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codebook", "export", "--format", "xlsform", "--out", str(tmp_path / "f.xlsx")]) == 0
    assert codebook_from_xlsform(tmp_path / "f.xlsx") == load_codebook()
    assert main(["codebook", "export", "--format", "markdown", "--out", str(tmp_path / "q.md")]) == 0
    text = (tmp_path / "q.md").read_text()
    assert text == questionnaire_markdown(load_codebook())
    assert "## I bisogni di welfare" in text and "- ☐ Titolare o socio" in text
    assert main(["codebook", "export", "--format", "xlsform", "--out", str(tmp_path / "f.txt")]) == 2


def test_demo_validate_round_trip(demo: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = demo["root"] / "processed"
    rc = main(["survey", "validate", str(demo["out"] / "survey.csv"), "--json", "--out", str(out),
               "--root", str(demo["root"])])
    summary = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert summary["rows_read"] == summary["rows_kept"] == 3000 and summary["rows_quarantined"] == 0
    needs = pd.read_parquet(out / "needs.parquet")
    assert set(need_columns()) <= set(needs.columns)
    assert needs["province_sigla"].nunique() == 8
    assert 500 <= needs["firm_id"].nunique() <= 900  # about 700 firms
    # provinces in proportion to population: Torino has about 52 % of Piedmont's residents
    assert 0.45 < (needs["province_sigla"] == "TO").mean() < 0.59


def test_demo_planted_effects_and_truth(demo: dict[str, Path]) -> None:
    survey = pd.read_csv(demo["out"] / "survey.csv", sep=";", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo["out"] / "truth_needs.csv")
    assert set(truth["level"]) == {"province", "municipality", "province_respondents", "respondent"}
    assert (truth["source"] == "dati sintetici dimostrativi").all()
    assert len(truth[truth["level"] == "municipality"]) == 1180
    resp = truth[truth["level"] == "respondent"].set_index("unit").loc[survey["_uuid"]]
    need = survey["bisogni/need_childcare_0_2"].astype(int) >= 4
    with_child = survey["profilo/children_0_2"].astype(int) > 0
    assert need[with_child].mean() > need[~with_child].mean() + 0.3  # logit +3.5 with a child 0-2
    # the Likert answer follows the true probability: mean need close to mean p
    assert abs(need.mean() - resp["p_childcare_0_2"].mean()) < 0.03
    commute = survey["profilo/commute_minutes"].astype(int)
    mob = survey["bisogni/need_mobility"].astype(int) >= 4
    assert mob[commute > 40].mean() > mob[commute < 15].mean()
    prov = truth[truth["level"] == "province"].set_index("unit")
    # eldercare follows the old-age index: Biella (old) above Cuneo (younger)
    assert prov.loc["BI", "p_eldercare"] > prov.loc["CN", "p_eldercare"]
    effects = pd.read_csv(demo["out"] / "truth_effects.csv")
    assert effects.query("need_area == 'childcare_0_2' and term == 'child_0_2'")["coefficient"].item() == 3.5


def test_privacy_identifiers_never_leave_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = pd.read_csv(Path(__file__).parent / "data" / "survey" / "base_kobo.csv", sep=";", dtype=str,
                       keep_default_na=False)
    planted = {"contatti/respondent_name": "Zefirina Quartapelle", "contatti/email": "zefirina@example.org",
               "contatti/phone": "+39 347 1234567", "contatti/fiscal_code": "QRTZFR80A41L219K",
               "impresa/firm_name": "Officina Quartapelle snc", "contatti/comments": "segreto-commento-xyz"}
    for col, value in planted.items():
        base.loc[:, col] = value
    firm_ids = set(base["impresa/firm_id"]) | set(base["_uuid"])
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    src = raw / "export.csv"
    base.to_csv(src, sep=";", index=False)
    assert main(["survey", "validate", str(src), "--json", "--root", str(tmp_path)]) == 0
    capsys.readouterr()
    secrets = list(planted.values()) + sorted(firm_ids)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and raw not in p.parents]
    assert any(p.name == "respondents.parquet" for p in outside)
    for path in outside:
        blob = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in blob, (secret, path)
    (free_text,) = (raw / "restricted").glob("export_*_free_text.csv")  # keyed by path and content
    restricted = pd.read_csv(free_text)
    assert (restricted["comments"] == "segreto-commento-xyz").all()
    kept = pd.read_parquet(tmp_path / "data" / "processed" / "survey" / "respondents.parquet")
    salt = load_salt(tmp_path)
    assert kept["firm_id"].iloc[0] == pseudonym(base["impresa/firm_id"].iloc[0], salt, "F")
    assert kept["respondent_id"].iloc[0] == pseudonym(base["_uuid"].iloc[0], salt, "R")


def test_salt_is_local_private_and_stable(tmp_path: Path) -> None:
    first = load_salt(tmp_path)
    assert len(first) == 32 and load_salt(tmp_path) == first
    assert oct((tmp_path / ".wecare_salt").stat().st_mode & 0o777) == "0o600"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".wecare_salt"], cwd=Path(__file__).parents[1], check=False)
    assert ignored.returncode == 0


def test_pseudonym_matches_rfc4231() -> None:
    key, msg = b"Jefe", "what do ya want for nothing?"
    assert pseudonym(msg, key) == "5bdcc146bf60754e"  # RFC 4231 test case 2, HMAC-SHA-256


def test_needs_table_threshold() -> None:
    clean = pd.DataFrame({"respondent_id": ["R1", "R2", "R3"], "need_mobility": [3, 4, 5],
                          "artisan": ["yes", "no", "yes"], "province_sigla": ["TO", "TO", "CN"]})
    tidy = needs_table(clean)
    assert tidy["need_mobility"].tolist() == [0, 1, 1]
    assert tidy["artisan"].tolist() == [True, False, True]


def test_small_cells_and_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    assert small_cells(pd.Series([0, 1, 4, 5, 9])).tolist() == [False, True, True, False, False]
    monkeypatch.setenv("WECARE_MIN_CELL", "10")
    assert min_cell() == 10 and small_cells(pd.Series([9, 10])).tolist() == [True, False]
    assert min_cell(3) == 3
    with pytest.raises(ValueError):
        min_cell(0)


def test_complementary_suppression() -> None:
    counts = pd.DataFrame({"A": [3, 20, 30], "B": [12, 25, 8], "Tot": [15, 45, 38]}, index=["x", "y", "z"])
    out = suppressed_counts(counts)
    assert out.loc["x", "A"] == "< 5"
    # x has one primary suppression: its smallest other cell (B = 12) is suppressed too,
    # and column A then needs a complement (y = 20, the smallest other non-zero)
    mask = complementary_mask(counts, small_cells(counts))
    assert mask.loc["x", "B"] and mask.loc["y", "A"]
    assert (mask.sum(axis=1).isin([0, 2, 3])).all() and (mask.sum(axis=0).isin([0, 2, 3])).all()
    assert out.loc["z", "Tot"] == 38


def test_respondent_profile_suppresses(demo: dict[str, Path]) -> None:
    from wecare_analysis.survey.ingest import ingest_survey

    summary = ingest_survey(demo["out"] / "survey.csv", demo["root"] / "profile", root=demo["root"])
    needs = pd.read_parquet(summary["outputs"]["needs"])
    profile = respondent_profile(needs)
    assert "Piemonte" in profile.columns
    sex = profile.loc["Sesso"]
    assert sex.loc["Femmina", "Piemonte"] + sex.loc["Maschio", "Piemonte"] == len(needs)
    numbers = profile.map(lambda v: v if not isinstance(v, str) else np.nan).astype(float)
    assert not ((numbers > 0) & (numbers < 5)).any().any()
    assert format_count_it(1234567) == "1.234.567"


def test_sniff_delimiter() -> None:
    assert sniff_delimiter(["a;b;c", "1;2,5;3"]) == ";"
    assert sniff_delimiter(["a,b,c", "1,2,3"]) == ","
    assert sniff_delimiter(["a\tb", "1\t2"]) == "\t"


def test_cli_module_runs_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "wecare_analysis.cli", "survey", "validate",
                           str(tmp_path / "nope.csv")], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr
