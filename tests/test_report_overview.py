"""The regional overview entry point publishes reports/PIEMONTE/ with HTML, PDF and exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from wecare_analysis.report.overview import OVERVIEW_SIGLA, run_regional_overview


def test_run_regional_overview(project_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "*.lock"))
    folder = run_regional_overview(root=root)
    assert folder == root / "reports" / OVERVIEW_SIGLA
    for name in ("report.html", "report.pdf", "findings.xlsx", "layers.gpkg", "manifest.json",
                 "opendata/dizionario_dati.csv", "figures/bisogni_province.png", "figures/bisogni_province.svg"):
        assert (folder / name).is_file(), name
    sheets = pd.read_excel(folder / "findings.xlsx", sheet_name=None)
    assert next(iter(sheets)) == "Definizioni e fonti"
    wide = sheets["Bisogni per provincia"]
    assert list(wide.columns[1:]) == ["AL", "AT", "BI", "CN", "NO", "TO", "VB", "VC", "Piemonte"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "CC BY 4.0" in html and "dati sintetici dimostrativi" in html.lower()
    assert "Dove ciascuna pratica si trasferisce meglio" in html
    practices = sheets["Pratiche per provincia"]
    assert len(practices) == 8 and practices["Provincia più adatta"].isin(wide.columns).all()
    scores = practices.set_index("Pratica").drop(columns="Provincia più adatta")
    assert (scores.idxmax(axis=1) == practices.set_index("Pratica")["Provincia più adatta"]).all()
    assert not list(folder.parent.glob(".staging-*"))
