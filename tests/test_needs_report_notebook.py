"""Notebook 05 (needs, part 2) runs with papermill on Biella and shows the numbers the package computes."""

from __future__ import annotations

import pytest
from conftest import execute_notebook

pytestmark = pytest.mark.slow


def test_notebook_05_runs_on_biella(project_root, tmp_path):
    from wecare_analysis.analysis import RunParameters, analyse_region
    from wecare_analysis.analysis.needs import _design_block
    from wecare_analysis.report import document as doc
    from wecare_analysis.report.needs import interval_text

    _, text, out = execute_notebook("05_needs_estimates.ipynb", project_root, tmp_path, province="BI")
    assert "dati sintetici dimostrativi" in text and "Biella (BI)" in text
    # the top need of Biella and its interval, recomputed here with the design-based estimator
    survey = doc.survey_source(project_root)
    groups = analyse_region(RunParameters(root=str(project_root))).needs.groups
    prov = _design_block(groups[groups["territory"] == "BI"], "province_sigla").dropna(subset=["prevalence"])
    top = prov.loc[prov["prevalence"].idxmax()]
    assert f"**{top['label']}**: {interval_text(top['prevalence'], top['ci_low'], top['ci_high'])}" in text
    biella = int((survey.needs["province_sigla"] == "BI").sum())
    assert f"rispondenti nella provincia: {biella:,}".replace(",", ".") in text and biella < len(survey.needs)
    assert "stima per piccola area (MRP)" in text and "Comuni con la stima più alta" in text
    for name in ("bisogni_provincia_regione", "bisogni_donne_uomini", "bisogni_dipendenti_titolari",
                 "mappe_bisogni_mrp"):
        assert (out / "figures" / f"{name}.png").is_file()
