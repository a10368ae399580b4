"""`wecare run --survey EXPORT --form FORM` on a questionnaire that is not the shipped one (issue 14)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.cli import main
from wecare_analysis.report.exports import read_workbook
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
    assert "I pesi non usano la classe di età: con questi rispondenti i totali ISTAT" in html
    assert "raking) sui margini che il questionario consente" in html
    assert "Pesi di questa indagine: calibrati (raking) sui residenti ISTAT di 15-64 anni" in html
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
    sheet = read_workbook(report / "findings.xlsx", sheet_name="Bisogni")
    row = sheet[(sheet["Territorio"] == "Piemonte") & (sheet["Gruppo"] == "Tutti")
                & (sheet["Area di bisogno"] == "Servizi per bambini 0-2 anni")]
    assert len(row) == 1
    assert row["Stima (%)"].iloc[0] == pytest.approx(expected, abs=0.05)


def test_survey_without_sex_and_role_is_weighted_on_what_it_has(project_root, tmp_path):
    """The Google-Forms survey read with a mapping that leaves sex and role out ('-'): weights on province
    (and age where feasible), no estimates by sex or role, and the report's notes say "non rilevato"."""
    from wecare_analysis.analysis.needs import (
        SurveySource,
        estimate_needs,
        mrp_age_classes,
        raked_design,
        region_population,
        survey_margins,
    )
    from wecare_analysis.report.document import methods_markdown
    from wecare_analysis.survey.ingest import ingest_survey

    root = tmp_path / "project"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed", dirs_exist_ok=True)
    mapping = pd.read_csv(BYO / "conciliazione_google_mapping.csv", dtype=str, keep_default_na=False)
    asked = mapping["kind"].eq("column") & mapping["concept"].isin(["sex", "role"])
    mapping.loc[asked, "concept"] = "-"
    mapping = mapping[~(mapping["kind"].eq("value") & mapping["concept"].isin(["sex", "role"]))]
    mapping.to_csv(tmp_path / "map.csv", index=False)
    summary = ingest_survey(BYO / "conciliazione_google.csv", root=root, mapping=tmp_path / "map.csv")
    assert {"sex", "role"} <= set(summary["concepts_missing"])
    needs = pd.read_parquet(summary["outputs"]["needs"])
    territory, population = load_territory(2023, "01", root), region_population(2023, "01", root)
    margins, notes = survey_margins(needs, territory, population, summary, root=root)
    assert "sex" not in "".join(margins["variable"]) and "province_sigla" in set(margins["variable"])
    assert "I pesi non usano il sesso: il questionario non lo ha rilevato." in notes
    design, notes = raked_design(needs, territory, population, margins, notes)
    # the weights meet the province totals of ISTAT residents 15-64 of the provinces with respondents
    pop = population[population["age"].between(15, 64)].merge(territory[["municipality_code", "province_sigla"]])
    residents = pop.groupby("province_sigla")["residents"].sum()
    weighted = pd.Series(design.weights).groupby(needs["province_sigla"].to_numpy()).sum()
    assert weighted.to_dict() == pytest.approx(residents[weighted.index].to_dict(), rel=1e-3)
    est = estimate_needs(needs, design, territory, population, draws=50, age_classes=mrp_age_classes(summary))
    assert set(est.groups["group_var"]) == {"all"}
    survey = SurveySource(needs, Path(summary["file"]), False, summary["rows_read"], summary["rows_kept"],
                          summary["rows_quarantined"], None, summary, tuple(notes))
    text = methods_markdown(survey)
    assert "Il questionario non ha rilevato «Sesso» (non calcolati: stime per donne e uomini)." in text
    assert "I pesi non usano il sesso: il questionario non lo ha rilevato." in text
    assert summary["survey_sha256"] in text and "conciliazione_google.csv" in text


def test_survey_file_name_is_escaped_in_the_report():
    from wecare_analysis.analysis.needs import SurveySource

    survey = SurveySource(pd.DataFrame(), Path("/x/<img src=x onerror=alert(1)>.csv"), False, 1, 1, 0)
    assert "<img" not in survey.description and "&lt;img src=x onerror=alert(1)&gt;.csv" in survey.description


def _kobo_survey(project_root, tmp_path):
    from wecare_analysis.survey.ingest import ingest_survey

    root = tmp_path / "project"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed", dirs_exist_ok=True)
    summary = ingest_survey(BYO / "conciliazione_kobo_labels.xlsx", root=root, form=BYO / "conciliazione_form.xlsx")
    return root, summary, pd.read_parquet(summary["outputs"]["needs"])


def test_raking_fallback_only_when_the_margins_cannot_be_met_and_says_so(project_root, tmp_path, caplog):
    """The age margin cannot be met (3 Turin respondents, all under 45): it is dropped, with a warning in the
    log and notes naming the margins that failed and those used; the weights meet the province totals."""
    from wecare_analysis.analysis.needs import raked_design, region_population, survey_margins

    root, summary, needs = _kobo_survey(project_root, tmp_path)
    territory, population = load_territory(2023, "01", root), region_population(2023, "01", root)
    margins, notes = survey_margins(needs, territory, population, summary, root=root)
    assert set(margins["variable"]) == {"province_sigla", "age_class"}  # sex: one respondent did not say
    with caplog.at_level("WARNING", logger="wecare_analysis.analysis.needs"):
        design, notes = raked_design(needs, territory, population, margins, notes)
    assert any("cannot meet the margins" in r.getMessage() and "without age_class" in r.getMessage()
               for r in caplog.records)
    assert notes[0] == "I pesi non usano il sesso: 1 rispondente non lo ha indicato."
    assert notes[1] == ("I pesi non usano la classe di età: con questi rispondenti i totali ISTAT per provincia e "
                        "per classe di età non si possono raggiungere insieme (in alcune province i rispondenti non "
                        "coprono tutte le classi di età); pesi per provincia.")
    assert notes[-1] == ("Pesi di questa indagine: calibrati (raking) sui residenti ISTAT di 15-64 anni delle "
                         "province con rispondenti per provincia.")
    pop = population[population["age"].between(15, 64)].merge(territory[["municipality_code", "province_sigla"]])
    residents = pop.groupby("province_sigla")["residents"].sum()
    weighted = pd.Series(design.weights).groupby(needs["province_sigla"].to_numpy()).sum()
    assert weighted.to_dict() == pytest.approx(residents[weighted.index].to_dict(), rel=1e-6)
    # the weighted need shares of the report's estimator, by hand on the same rows: w_i = N_p / n_p (n_p all the
    # province's respondents), share = sum_answered w_i y_i / sum_answered w_i ("Non so" is not an answer)
    from wecare_analysis.analysis.needs import design_estimates

    est = design_estimates(needs, design, "Piemonte", k=1)
    w = needs["province_sigla"].map(residents / needs["province_sigla"].value_counts())
    for col in ("need_eldercare", "need_smart_working", "need_childcare_0_2"):
        answered = needs[col].notna()
        hand = (w[answered] * needs.loc[answered, col]).sum() / w[answered].sum()
        row = est[(est["territory"] == "Piemonte") & (est["group_var"] == "all") & (est["variable"] == col)]
        assert row["estimate"].iloc[0] == pytest.approx(hand, rel=1e-9), col
        bi = needs["province_sigla"].eq("BI") & answered
        row = est[(est["territory"] == "BI") & (est["group_var"] == "all") & (est["variable"] == col)]
        assert row["estimate"].iloc[0] == pytest.approx(needs.loc[bi, col].mean(), rel=1e-9), col


def test_raking_errors_other_than_unmet_margins_are_not_swallowed(project_root, tmp_path):
    """Margins naming a column the respondents do not have are a bug or a bad input, not a reason to drop a margin."""
    from wecare_analysis.analysis.needs import raked_design, region_population, survey_margins
    from wecare_analysis.errors import InputError
    from wecare_analysis.survey.margin_check import MarginsNotMet

    root, summary, needs = _kobo_survey(project_root, tmp_path)
    territory, population = load_territory(2023, "01", root), region_population(2023, "01", root)
    margins, notes = survey_margins(needs, territory, population, summary, root=root)
    with pytest.raises(InputError, match="'age_class' is not a column of the data") as err:
        raked_design(needs.drop(columns=["age_class"]), territory, population, margins, notes)
    assert not isinstance(err.value, MarginsNotMet)


def _without_sex_and_role(tmp_path: Path) -> tuple[Path, Path]:
    """The conciliazione form and its Kobo labels export with the questions on sex and role taken out."""
    import openpyxl

    form = openpyxl.load_workbook(BYO / "conciliazione_form.xlsx")
    sheet = form["survey"]
    for row in sorted((c.row for c in sheet["B"] if c.value in ("genere", "ruolo")), reverse=True):
        sheet.delete_rows(row)
    form.save(tmp_path / "form_no_sex_role.xlsx")
    export = openpyxl.load_workbook(BYO / "conciliazione_kobo_labels.xlsx")
    data = export.active
    for col in sorted((c.column for c in data[1] if c.value in ("Chi sei/Genere", "Chi sei/Ruolo in azienda")),
                      reverse=True):
        data.delete_cols(col)
    export.save(tmp_path / "export_no_sex_role.xlsx")
    return tmp_path / "export_no_sex_role.xlsx", tmp_path / "form_no_sex_role.xlsx"


@pytest.mark.slow
def test_run_on_a_survey_without_sex_and_role_says_non_rilevato(project_root, tmp_path):
    """`wecare run --survey --form` on a questionnaire that asked neither sex nor role: reports 00 and 05 and the
    regional overview are produced; every section that needs the missing concept says so in Italian."""
    from pyxform.xls2xform import convert

    root = tmp_path / "project"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed", dirs_exist_ok=True)
    export, form = _without_sex_and_role(tmp_path)
    convert(xlsform=str(form))  # still a valid XLSForm
    code = main(["run", "--root", str(root), "--survey", str(export), "--form", str(form), "--province", "BI",
                 "--notebooks", "00_province_report.ipynb", "05_needs_estimates.ipynb", "--overview",
                 "--no-pdf", "--jobs", "1", "--no-progress"])
    assert code == 0
    summary = json.loads((root / "data" / "processed" / "survey" / "validation.json").read_text(encoding="utf-8"))
    assert {"sex", "role", "welfare_forms"} <= set(summary["concepts_missing"]) and summary["rows_kept"] == 30
    report = root / "reports" / "BI"
    html = (report / "report.html").read_text(encoding="utf-8")
    notes = [
        "Differenze tra donne e uomini: non rilevato (il questionario non chiedeva il sesso).",
        "Differenze tra dipendenti e titolari: non rilevato (il questionario non chiedeva il ruolo nell'impresa).",
        "Il questionario non ha rilevato «Ruolo nell'impresa» (non calcolati: stime per titolari e dipendenti).",
        ("Stime per comune: il questionario non chiedeva il sesso, quindi il modello non distingue donne e uomini "
         "(non rilevato)."),
        ("Imprese con welfare (criterio di trasferibilità): non rilevato (il questionario non chiedeva le forme di "
         "welfare già presenti in impresa)"),
        "Il questionario non ha rilevato «Sesso» (non calcolati: stime per donne e uomini).",
        "I pesi non usano il sesso: il questionario non lo ha rilevato.",
    ]
    for note in notes:
        assert html.count(note.replace("'", "&#x27;")) + html.count(note) >= 1, note
    # when a need counts as expressed, in the questionnaire's terms (4-point Likert: 3 or 4), not the codebook's
    assert ("rispondenti che esprimono ciascun bisogno (nelle domande a scala: 3 o 4 su 4; negli elenchi di "
            "servizi: il servizio scelto)") in html and "4 o 5 su 5" not in html
    # no empty chart, no broken section: the group charts are not drawn, the other needs sections are
    figures = {p.stem for p in (report / "figures").glob("*.png")}
    assert not {"bisogni_donne_uomini", "bisogni_dipendenti_titolari"} & figures
    assert {"bisogni", "bisogni_piccole_aree"} <= figures
    assert "Traceback" not in html and "Sezione non disponibile" not in html
    assert "Donne e uomini differiscono" not in html and "Dipendenti e titolari differiscono" not in html
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["survey"]["file"] == export.name and manifest["survey"]["rows_kept"] == 30
    # notebook 05 (needs, part 2): the same notes in place of its group charts
    part2 = next(p for p in report.rglob("*05_needs_estimates*") if p.suffix in (".html", ".ipynb"))
    text = part2.read_text(encoding="utf-8")
    assert "Differenze tra donne e uomini: non rilevato" in text and "Traceback" not in text
    assert "Stime per comune: il questionario non chiedeva il sesso" in text
    # the regional overview names what the questionnaire did not ask
    overview = (root / "reports" / "PIEMONTE" / "report.html")
    overview = overview if overview.is_file() else next((root / "reports").glob("*/report.html"))
    assert "Il questionario non ha rilevato «Sesso»" in overview.read_text(encoding="utf-8")
