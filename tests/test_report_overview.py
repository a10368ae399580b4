"""The regional overview entry point publishes reports/PIEMONTE/ with HTML, PDF and exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wecare_analysis.pipeline.overview_run import run_regional_overview
from wecare_analysis.report import service_offer as so
from wecare_analysis.report.exports import read_workbook
from wecare_analysis.report.overview import OVERVIEW_SIGLA


def test_run_regional_overview(project_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "*.lock"))
    folder = run_regional_overview(root=root)
    assert folder == root / "reports" / OVERVIEW_SIGLA
    for name in ("report.html", "report.pdf", "findings.xlsx", "layers.gpkg", "manifest.json",
                 "opendata/dizionario_dati.csv", "figures/bisogni_province.png", "figures/bisogni_province.svg"):
        assert (folder / name).is_file(), name
    sheets = read_workbook(folder / "findings.xlsx", sheet_name=None)
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
    # service offer per province: the same regional table as the province reports
    assert "Offerta di servizi nelle province" in html
    assert (folder / "figures" / "accesso_servizi_province.png").is_file()
    access = sheets["Accesso per provincia"].fillna({"Sigla": ""}).set_index(["Sigla", "Codice servizio"])
    assert access.xs("", level="Sigla")["Accesso rispetto alla regione (%)"].tolist() == pytest.approx([100.0] * 19)
    offer = so.service_offer_context("CN", 2023, "01", root)
    cuneo = so.access_summary(offer).set_index("category")
    assert access.loc[("CN", "rsa"), "Servizi raggiungibili per 1.000 utenti (2SFCA)"] == pytest.approx(
        cuneo.loc["rsa", "access_per_1000"])
    assert access.loc[("CN", "rsa"), "Comuni in cluster alto bisogno – bassa offerta"] == cuneo.loc[
        "rsa", "hh_municipalities"]
    in_cuneo = offer.services["municipality_code"].isin(offer.province["municipality_code"])
    assert access.xs("CN", level="Sigla")["Servizi"].sum() == in_cuneo.sum()  # every service of the province
    definitions = sheets["Definizioni e fonti"].set_index("Voce")
    assert "2SFCA" in definitions.loc["Servizi raggiungibili per 1.000 utenti (2SFCA)", "Definizione"]
    # issue 17: the section "Attività del programma" of every province and the region
    from activities_report_checks import check_section_published

    check_section_published(folder, root, None)
    meetings = sheets["Attività - incontri"]
    assert meetings["Provincia"].tolist() == ["Torino", "Vercelli", "Novara", "Cuneo", "Asti", "Alessandria",
                                              "Biella", "Verbano-Cusio-Ossola", "Piemonte"]
    assert meetings["Incontri"].tolist() == [4, 1, 2, 3, 1, 2, 1, 1, 15]  # the demo's MEETINGS_PER_PROVINCE
    # issue 16: the overview opens with its summary; the kit is published and verified with the report
    import json

    from PIL import Image
    from pypdf import PdfReader

    from wecare_analysis.pipeline import integrity

    body = html[html.index("<body"):]
    assert body.index(">Sintesi<") < body.index(">Le province a confronto<")
    assert 'class="wecare-toc"' in html
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in ("kit/sintesi.pdf", "kit/sintesi_slide.png", "kit/figura_bisogni_1920x1080.png",
                 "kit/figura_mappa_1920x1080.png", "kit/comuni.geojson"):
        assert name in manifest["files"] and name in manifest["outputs"], name
    assert integrity.report_problems(folder) == []
    assert len(PdfReader(folder / "kit" / "sintesi.pdf").pages) == 1
    assert Image.open(folder / "kit" / "sintesi_slide.png").size == (1920, 1080)
    import geopandas as gpd

    web = gpd.read_file(folder / "kit" / "comuni.geojson")
    assert web.crs.to_epsg() == 4326 and len(web) == 1180
