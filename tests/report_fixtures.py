"""Helpers of the report and privacy tests: a demo survey with planted identifiers, one report run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: Direct identifiers and free text planted in the survey input; none may reach a published file.
PLANTED = {
    "contatti/respondent_name": "Zebedeo Quagliarella",
    "contatti/email": "zebedeo.quagliarella@planted.example",
    "contatti/phone": "+39 347 9990001",
    "contatti/fiscal_code": "QGLZBD70A01L746X",
    "contatti/comments": "Ermenegildo Trombetta non paga gli straordinari",
    "impresa/firm_name": "Officina Piantata Unica srl",
}
#: A rare combination: the only mining (ATECO B) collaborator aged 65+ of a 50-249 firm, in VB.
RARE = {"impresa/ateco_section": "B", "impresa/size_class": "50_249", "profilo/role": "collaborator",
        "profilo/age_class": "65_plus", "impresa/firm_id": "IMPPIANTATA"}


def planted_survey(root: Path) -> tuple[Path, list[str]]:
    """Write the demo survey with three VB respondents carrying planted data; return the file and needles."""
    from wecare_analysis.demo.survey import write_demo_survey

    demo = write_demo_survey(root / "data" / "raw" / "demo", root=root)[0]
    survey = pd.read_csv(demo, sep=";", dtype=str, keep_default_na=False)
    vb = survey.index[survey["impresa/municipality"].str.startswith("103")][:3]
    for column, value in PLANTED.items():
        survey.loc[vb, column] = value
    for column, value in RARE.items():
        survey.loc[vb[0], column] = value
    needles = list(PLANTED.values()) + [RARE["impresa/firm_id"]] + survey.loc[vb, "_uuid"].tolist()
    contacts = survey["contatti/email"].replace("", pd.NA).dropna().unique().tolist()
    target = root / "data" / "raw" / "survey_planted.csv"
    survey.to_csv(target, sep=";", index=False)
    return target, needles + contacts


def run_planted_report(root: Path, out: Path, province: str) -> dict:
    """Run ``00_province_report`` for ``province`` on the planted survey into ``out``, then HTML and PDF."""
    import papermill as pm

    from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment
    from wecare_analysis.report.editions import write_report_editions

    survey, needles = planted_survey(root)
    kernel_environment()
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "00_province_report.ipynb"
    out.mkdir(parents=True, exist_ok=True)
    params = {"province": province, "year": 2023, "region": "01", "root": str(root), "output_dir": str(out),
              "survey_path": str(survey)}
    pm.execute_notebook(notebook, out / notebook.name, parameters=params, kernel_name="python3",
                        progress_bar=False, cwd=str(root), extra_arguments=KERNEL_ARGUMENTS)
    write_report_editions(out / notebook.name, out, f"Wecare – rapporto provinciale {province}")
    respondents = pd.read_parquet(root / "data" / "processed" / "survey" / "respondents.parquet")
    planted_rows = respondents[respondents["firm_id"].isin(
        respondents.loc[respondents["ateco_section"] == "B", "firm_id"])] if "ateco_section" in respondents else None
    pseudonyms = [] if planted_rows is None else planted_rows[["respondent_id", "firm_id"]].stack().tolist()
    return {"root": root, "out": out, "needles": needles + pseudonyms, "rare": RARE, "province": province}
