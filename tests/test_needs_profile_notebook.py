"""Notebook 02 (needs, part 1: who answered) runs with papermill, shows the published profile, and reads the
survey every report reads without rewriting it."""

from __future__ import annotations

import pytest
from conftest import execute_notebook

pytestmark = pytest.mark.slow


def test_notebook_02_shows_the_profile_and_leaves_the_survey_alone(project_root, tmp_path) -> None:
    from wecare_analysis.report import document as doc
    from wecare_analysis.survey.ingest import default_output_dir

    survey = doc.survey_source(project_root)  # the ingested survey, else the demo one (ingested now)
    processed = sorted(default_output_dir(project_root).glob("*"))
    before = {p: p.stat().st_mtime_ns for p in processed}
    _, text, _ = execute_notebook("02_needs_profile.ipynb", project_root, tmp_path, province="BI")
    assert {p: p.stat().st_mtime_ns for p in processed} == before, "notebook 02 rewrote the ingested survey"

    employees = int(((survey.needs["province_sigla"] == "BI") & (survey.needs["role"] == "employee")).sum())
    everyone = int((survey.needs["role"] == "employee").sum())
    assert employees >= 5 and everyone > 1000
    # counts in the Italian format: 2032 -> "2.032"
    assert f">{employees}</td>" in text and f">{everyone:,}</td>".replace(",", ".") in text
    assert f"righe lette {survey.rows_read:,}".replace(",", ".") in text
    if survey.synthetic:
        assert "Dati sintetici dimostrativi" in text
    assert "min_cell" not in text and "output_dir" not in text
