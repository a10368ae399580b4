"""`wecare run --survey EXPORT --form FORM` on a questionnaire that is not the shipped one (issue 14)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.cli import main
from wecare_analysis.territory import load_territory, population_by_age_sex

BYO = Path(__file__).parent / "data" / "survey" / "byo"


@pytest.mark.slow
def test_run_with_own_form_reports_from_that_survey(project_root, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed", dirs_exist_ok=True)
    survey = BYO / "conciliazione_kobo_labels.xlsx"
    code = main(["run", "--root", str(root), "--survey", str(survey), "--form", str(BYO / "conciliazione_form.xlsx"),
                 "--province", "BI", "--no-pdf", "--no-overview", "--jobs", "1"])
    assert code == 0
    report = root / "reports" / "BI"
    html = (report / "report.html").read_text(encoding="utf-8")
    # the survey has no welfare_forms question: the report says so
    assert "non ha rilevato «Quali forme di welfare sono già presenti in impresa»" in html
    # the weights say which margins they could not use, and why
    assert "I pesi non usano il sesso: 1 rispondente non lo ha indicato." in html
    assert "I pesi non usano la classe di età: i rispondenti di alcune province" in html
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["survey"]["file"] == survey.name
    assert manifest["survey"]["sha256"] == hashlib.sha256(survey.read_bytes()).hexdigest()
    assert manifest["survey"]["rows_kept"] == 30 and manifest["survey"]["synthetic"] is False
    assert manifest["survey"]["sha256"] in html
    # hand computation: one respondent did not state sex (no sex margin); the province x age margins cannot be met
    # (3 Turin respondents, all under 45), so the weights are those of province alone: N_p / n_p, with N_p the
    # residents 15-64 of the province. Regional share = sum_p N_p * mean_p(y) / sum_p N_p.
    needs = pd.read_parquet(root / "data" / "processed" / "survey" / "needs.parquet")
    terr = load_territory(2023, "01", root)
    pop = population_by_age_sex(2023, "01", root)
    pop = pop[pop["age"].between(15, 64)].merge(terr[["municipality_code", "province_sigla"]], on="municipality_code")
    residents = pop.groupby("province_sigla")["residents"].sum()
    means = needs.groupby("province_sigla")["need_childcare_0_2"].mean()
    expected = 100 * (means * residents[means.index]).sum() / residents[means.index].sum()
    sheet = pd.read_excel(report / "findings.xlsx", sheet_name="Bisogni")
    row = sheet[(sheet["Territorio"] == "Piemonte") & (sheet["Gruppo"] == "Tutti")
                & (sheet["Area di bisogno"] == "Servizi per bambini 0-2 anni")]
    assert len(row) == 1
    assert row["Stima (%)"].iloc[0] == pytest.approx(expected, abs=0.05)
