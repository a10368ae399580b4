"""Tolerant answer matching (answers.py, guess.py) and its use on the shipped questionnaire's exports."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.cli import main
from wecare_analysis.survey.answers import (
    age_band_of,
    answer_key,
    is_non_response,
    likert_point,
    split_labels,
)
from wecare_analysis.survey.codebook import load_codebook
from wecare_analysis.survey.guess import guess_level

BASE = Path(__file__).parent / "data" / "survey" / "base_kobo.csv"


@pytest.mark.parametrize("text, band", [("45-54", (45, 54)), ("45-54 anni", (45, 54)), ("45 – 54", (45, 54)),
                                        ("45—54 ANNI", (45, 54)), ("dai 45 ai 54 anni", (45, 54)), ("65+", (65, None)),
                                        ("65 e più", (65, None)), ("Più di 64", (65, None)), ("Over 65", (65, None)),
                                        ("meno di 25", (0, 24)), ("fino a 24 anni", (0, 24)), ("54-45", None)])
def test_age_bands_as_written(text, band):
    assert age_band_of(text) == band


@pytest.mark.parametrize("concept, text, level", [
    ("sex", "Donna", "F"), ("sex", "UOMO", "M"), ("sex", "femmina", "F"), ("sex", "Maschio", "M"),
    ("sex", "Preferisco non rispondere", "-"), ("need_eldercare", "Non so", "-"),
    ("need_eldercare", "Molto", "4"), ("need_eldercare", "moltissimo", "5"), ("need_eldercare", "4 - Molto", "4"),
    ("need_eldercare", "Per niente importante", "1"), ("need_eldercare", "3,0", "3"),
    ("age_class", "45-54", "45_54"), ("age_class", "45-54 anni", "45_54"), ("artisan", "Sì", "yes"),
    ("artisan", "SI", "yes"), ("welfare_forms", "Unilaterale", "unilateral"),
    ("role", "Titolare o socio", "owner"), ("needs", "Centro estivo", "need_childcare_6_14"),
])
def test_levels_guessed_from_answers_as_people_write_them(concept, text, level):
    assert guess_level(load_codebook(), concept, text)[0] == level


def test_unknown_answers_have_no_guess():
    book = load_codebook()
    assert guess_level(book, "sex", "Altro")[0] is None
    assert guess_level(book, "need_eldercare", "Tantissimo")[0] is None
    assert likert_point("6", {1: "Per niente", 2: "Poco"}) is None


def test_folding_and_non_responses():
    assert answer_key("Dell’Impresa — Titolare") == answer_key("dell'impresa-titolare") == "dellimpresatitolare"
    assert [is_non_response(t) for t in ("Non so", "NON SO", "Preferisco non rispondere", "N/A", "No")] == [
        True, True, True, True, False]
    assert split_labels("Bilaterale (enti bilaterali) Nessuna", ["Nessuna", "Bilaterale (enti bilaterali)"]) == [
        "Bilaterale (enti bilaterali)", "Nessuna"]


def _edited(tmp_path: Path, **cells: str) -> Path:
    data = pd.read_csv(BASE, sep=";", dtype=str, keep_default_na=False)
    for column, value in cells.items():
        data.loc[0, column.replace("__", "/")] = value
    path = tmp_path / "export.csv"
    data.to_csv(path, sep=";", index=False)
    return path


def test_shipped_questionnaire_accepts_words_labels_and_stated_non_responses(tmp_path, capsys):
    path = _edited(tmp_path, profilo__sex="Donna", profilo__age_class="45-54", bisogni__need_eldercare="Molto",
                   bisogni__need_housing="Non so", impresa__artisan="SI", impresa__municipality="Biella (BI)",
                   profilo__role="Titolare o socio")
    code = main(["survey", "validate", str(path), "--json", "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["rows_kept"] == 12, summary["errors"]
    kept = pd.read_parquet(tmp_path / "o" / "respondents.parquet").iloc[0]
    assert (kept["sex"], kept["age_class"], kept["need_eldercare"], kept["artisan"], kept["role"]) == (
        "F", "45_54", 4, "yes", "owner")
    assert pd.isna(kept["need_housing"]) and kept["municipality_code"] == 96004
    assert summary["concepts_missing"] == [] and "need_housing" in summary["concepts_found"]


def test_a_stated_non_response_for_the_place_of_the_firm_is_still_missing(tmp_path, capsys):
    path = _edited(tmp_path, impresa__municipality="Non so")
    code = main(["survey", "validate", str(path), "--json", "--out", str(tmp_path / "o"), "--root", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 1 and summary["rows_quarantined"] == 1 and "missing required answer" in summary["errors"][0]


def test_run_ingests_the_chosen_survey_before_the_run(tmp_path, capsys):
    from wecare_analysis.commands.run import _ingest_chosen_survey
    from wecare_analysis.errors import InputError

    byo = Path(__file__).parent / "data" / "survey" / "byo"
    args = argparse.Namespace(survey=str(byo / "conciliazione_kobo_xml.csv"), form=str(byo / "conciliazione_form.xlsx"),
                              mapping=None, root=str(tmp_path), year=2023)
    _ingest_chosen_survey(args, "01")
    processed = tmp_path / "data" / "processed" / "survey"
    manifest = json.loads((processed / "survey.manifest.json").read_text())
    assert manifest["file"] == "conciliazione_kobo_xml.csv" and manifest["rows_kept"] == 30
    assert manifest["form"]["name"] == "conciliazione_form.xlsx" and len(manifest["sha256"]) == 64
    assert "30 kept" in capsys.readouterr().err
    _ingest_chosen_survey(argparse.Namespace(survey="demo", form=None, mapping=None, root=str(tmp_path),
                                             year=2023), "01")
    summary = json.loads((processed / "validation.json").read_text())
    assert Path(summary["file"]).name == "survey.csv" and summary["rows_kept"] > 2000
    with pytest.raises(InputError, match="--survey EXPORT"):
        _ingest_chosen_survey(argparse.Namespace(survey=None, form="f.xlsx", mapping=None, root=None, year=2023),
                              "01")


def test_odk_central_headers_of_the_shipped_questionnaire(tmp_path, capsys):
    data = pd.read_csv(BASE, sep=";", dtype=str, keep_default_na=False)
    data = data.drop(columns=[c for c in data.columns if c.count("/") == 2])  # ODK Central: space-separated only
    odk = data.rename(columns=lambda c: c.replace("/", "-")).rename(columns={"_uuid": "meta-instanceID",
                                                                             "_submission_time": "SubmissionDate"})
    odk["KEY"] = "uuid:" + odk["meta-instanceID"]
    odk.to_csv(tmp_path / "odk.csv", index=False)
    code = main(["survey", "validate", str(tmp_path / "odk.csv"), "--json", "--out", str(tmp_path / "o"),
                 "--root", str(tmp_path)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["rows_kept"] == 12 and summary["concepts_missing"] == []
    assert summary["unmatched_columns"] == []
