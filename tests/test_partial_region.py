"""No finding without data (issue 16, item 2): a region without survey and services gives a "parziale" report.

``wecare run --region 05 --province VR``: the demo survey and services cover Piedmont only, so the
needs, offer and gaps sections say "non disponibile", no map, LISA cluster, cluster count or ranking is
drawn from zeros, the manifest and the run summary say "parziale" and list what is missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from wecare_analysis.pipeline.province_run import ProvinceResult
from wecare_analysis.practices.criteria import CRITERIA, OK, UNAVAILABLE
from wecare_analysis.report import availability as av


def _assessment(unavailable: set[str]) -> SimpleNamespace:
    """An assessment whose criteria table has ``unavailable`` criteria "non disponibile" for both provinces."""
    rows = [{"practice_id": "p1", "province_sigla": p, "criterion": c, "status": UNAVAILABLE if c in unavailable
             else OK} for p in ("VR", "VI") for c in CRITERIA]
    return SimpleNamespace(criteria=pd.DataFrame(rows), notes=["Criteri non disponibili: …"])


def test_ranking_withheld_when_most_criteria_lack_data():
    survey_and_files = {"need_prevalence", "firm_welfare", "income_fit", "third_sector"}
    # Piedmont demo: only the optional files are missing (2 of 9): shown, with its notes
    assert av.transfer_reason(_assessment({"income_fit", "third_sector"})) is None
    # 4 of 9 unavailable: still shown (not more than half)
    assert av.transfer_reason(_assessment(survey_and_files)) is None
    # the same without any service in the region: the two offer criteria are zeros too, 6 of 9, withheld
    reason = av.transfer_reason(_assessment(survey_and_files), offer_missing=True)
    assert reason.startswith("mancano i dati di 6 criteri su 9 (Bisogni stimati, Reddito, Divario bisogni-offerta, "
                             "Imprese con welfare, Terzo settore, Servizi esistenti)")
    notes = av.ranking_notes(_assessment({"income_fit"}), offer_missing=True)
    assert "Graduatoria parziale: i criteri Divario bisogni-offerta, Servizi esistenti non hanno dati" in notes


def test_offer_reason_needs_a_service_in_the_region():
    assert av.offer_reason(SimpleNamespace(services=pd.DataFrame({"x": [1]}), synthetic=True)) is None
    assert "elenco dimostrativo" in av.offer_reason(SimpleNamespace(services=pd.DataFrame(), synthetic=True))
    assert "file dei servizi fornito" in av.offer_reason(SimpleNamespace(services=pd.DataFrame(), synthetic=False))


def test_availability_record(tmp_path):
    record = av.Availability(tmp_path)
    assert record.check("Bisogni di welfare", None) and not record.check("Offerta", "nessun servizio")
    assert not record.check("Offerta", "nessun servizio")  # recorded once
    record.write()
    assert av.missing_sections(tmp_path) == [{"section": "Offerta", "reason": "nessun servizio"}]
    assert av.missing_sections(tmp_path / "nowhere") == []


def test_summary_counts_and_lists_partial_reports():
    from wecare_analysis.pipeline import summary_table

    results = [ProvinceResult("VR", "parziale", 3.0, ["a"], missing=["Offerta di servizi e divari: nessun servizio"]),
               ProvinceResult("VI", "ok", 2.0, ["a"])]
    text = summary_table(results)
    assert "VR      parziale       3.0        1  non disponibile: Offerta di servizi e divari" in text
    assert "2 report(s): 1 ok, 1 parziale, 0 skipped (up to date), 0 failed" in text
    assert text.endswith("VR parziale: Offerta di servizi e divari: nessun servizio")


def test_resume_skips_and_only_failed_leaves_partial_reports(tmp_path):
    from wecare_analysis.catalog import Catalog
    from wecare_analysis.pipeline import state

    cat = Catalog(tmp_path)
    folder = cat.report_dir("VR")
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("x")
    manifest = {"status": "parziale", "fingerprint": "f", "outputs": ["report.html"]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert state.is_up_to_date(cat, "VR", "f") and not state.is_up_to_date(cat, "VR", "g")
    assert state.rerun_reason(cat, "VR", (), {}, {}) != "the published report is not complete"
    state.write_status(cat, "VR", "parziale")
    state.write_status(cat, "VI", "failed")
    assert state.failed_provinces(cat, ["VR", "VI"]) == ["VI"]


def test_methods_describe_only_what_ran():
    from wecare_analysis.report import document as doc

    survey = SimpleNamespace(description="dati sintetici dimostrativi", rows_read=10, rows_kept=10,
                             rows_quarantined=0, raking_notes=(), synthetic=True, asked=lambda c: True)
    full = doc.methods_markdown(survey, sections=("offer", "transfer"))
    assert "Stime dei bisogni" in full and "LISA" in full and "TOPSIS" in full
    bare = doc.methods_markdown(survey, sections=(), needs=False)
    for absent in ("Stime dei bisogni", "Indagine sui bisogni", "LISA", "2SFCA", "TOPSIS", "MRP"):
        assert absent not in bare, absent
    assert "Tutela della riservatezza" in bare and "ISTAT" in bare


@pytest.mark.slow
def test_wecare_run_veneto_is_partial(project_root: Path, tmp_path_factory: pytest.TempPathFactory, capsys):
    from wecare_analysis.cli import main
    from wecare_analysis.report.exports import read_workbook

    root = tmp_path_factory.mktemp("veneto")
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "practices_survey", "cache", "*.lock"))
    code = main(["run", "--region", "05", "--province", "VR", "--root", str(root), "--jobs", "1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1, out  # published, but partial (README: exit codes)
    assert "VR      parziale" in out and "1 report(s): 0 ok, 1 parziale, 0 skipped (up to date), 0 failed" in out
    for section in ("Bisogni di welfare", "Offerta di servizi e divari", "Buone pratiche trasferibili"):
        assert f"VR parziale: {section}: " in out
    folder = root / "reports" / "VR"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "parziale"
    assert [m["section"] for m in manifest["missing"]] == ["Bisogni di welfare", "Offerta di servizi e divari",
                                                          "Buone pratiche trasferibili"]
    nb = json.loads((folder / "00_province_report.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) + "".join(o.get("text", ""))
                     for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    for heading in ("Bisogni di welfare", "Offerta di servizi e divari", "Buone pratiche trasferibili"):
        assert f"## {heading}\n\n*Sezione non disponibile: " in text, heading
    assert "### Dove il bisogno supera l'offerta\n\n*Sezione non disponibile: l'elenco dimostrativo" in text
    # nothing drawn or counted from zeros: no service count, no LISA map or cluster, no ranking
    for absent in ("0 servizi", "LISA", "cluster", "Alto bisogno", "TOPSIS", "Perché: le prime tre pratiche",
                   "Stime dei bisogni"):
        assert absent not in text, absent
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert figures == {"mappe_indicatori.png", "mappe_indicatori.svg", "piramide_eta.png", "piramide_eta.svg"}
    sheets = read_workbook(folder / "findings.xlsx", sheet_name=None)
    assert not {"Offerta di servizi", "Divari maggiori", "Pratiche trasferibili", "Bisogni"} & set(sheets)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "Sezione non disponibile" in html and "cluster_lisa" not in html
    # --resume: the partial report of unchanged inputs is up to date (skipped), nothing runs again
    assert main(["run", "--region", "05", "--province", "VR", "--root", str(root), "--resume", "--no-progress"]) == 0
    assert "0 ok, 0 parziale, 1 skipped" in capsys.readouterr().out
