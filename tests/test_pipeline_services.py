"""`wecare run --services/--mef/--third-sector/--ahp`: the user's files reach every report, are checked once and
count for `--resume`; a file that cannot be used stops the run before any province."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis import pipeline
from wecare_analysis.analysis import RunParameters, analyse_region
from wecare_analysis.cli import main
from wecare_analysis.pipeline import state
from wecare_analysis.report.exports import read_workbook

pytestmark = pytest.mark.slow
PRACTICES = Path(__file__).parent / "data" / "practices"


@pytest.fixture(scope="module")
def services_run(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A project root, a CSV of Biella's services as a user exports it (``;`` and decimal commas) with two bad
    rows and one outside the region, and the number of good rows; then ``wecare run --province BI``."""
    from wecare_analysis.services.sources import demo_or_user_services
    from wecare_analysis.territory import load_territory

    root = tmp_path_factory.mktemp("services_root")
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("cache", "*.lock"))
    biella = set(load_territory(2023, "01", root).query("province_sigla == 'BI'")["municipality_code"])
    demo = demo_or_user_services(None, root)[0].kept  # the synthetic offer, here playing a user's export
    good = demo[demo["municipality_code"].isin(biella)].to_crs(4326)
    rows = pd.DataFrame({"id": good["service_id"], "categoria": good["category"], "nome": good["name"],
                         "lon": good.geometry.x.round(6), "lat": good.geometry.y.round(6)})
    bad = pd.DataFrame({"id": ["x1", "x2", "x3"], "categoria": ["bar", "asilo_nido", "farmacia"],
                        "nome": ["Bar Sport", "Nido senza coordinate", "Farmacia di Milano"],
                        "lon": [8.05, None, 9.19], "lat": [45.56, None, 45.46]})
    csv = tmp_path_factory.mktemp("user_files") / "servizi_biella.csv"
    pd.concat([rows, bad]).to_csv(csv, sep=";", decimal=",", index=False)
    practices = csv.parent  # copies: quarantine files are written next to the inputs
    for name in ("mef_valid.csv", "third_sector.csv", "ahp_categories.csv"):
        shutil.copy(PRACTICES / name, practices / name)
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # the working directory is not the project root
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        code = main(["run", "--province", "BI", "--root", str(root), "--services", str(csv), "--no-pdf",
                     "--no-overview", "--no-progress", "--jobs", "1", "--mef", str(practices / "mef_valid.csv"),
                     "--third-sector", str(practices / "third_sector.csv"),
                     "--ahp", str(practices / "ahp_categories.csv")])
    finally:
        os.chdir(cwd)
    assert code == 1  # 2 service rows quarantined, 1 outside the region: a partial run (README, issue 18)
    assert not any(elsewhere.iterdir())  # every check read the run's root, nothing was built in the cwd
    return root, csv, len(rows)


def test_user_services_reach_the_report(services_run):
    root, csv, n_good = services_run
    folder = root / "reports" / "BI"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["services_path"] == str(csv)
    assert f"file:{csv}" in manifest["inputs"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (folder / "report.html").read_text(encoding="utf-8")))
    # read = kept + quarantined + outside: 2 bad rows, 1 in Milan
    assert (f"Dal file dei servizi fornito sono state lette {n_good + 3} righe, per l'intera regione (Piemonte): "
            f"{n_good} tenute, 2 in quarantena, 1 fuori regione") in text.replace(".", "")
    assert "servizi dal file fornito" in text and "«servizi_biella.csv»" in text
    offer = read_workbook(folder / "findings.xlsx", sheet_name="Offerta di servizi")
    assert offer["Servizi"].sum() == n_good  # every good row placed in its Biella municipality
    # only Biella has services: its access is far above the region's (which counts the other provinces at 0)
    assert (offer["Accesso rispetto alla regione (%)"].dropna() > 100).all()


def test_bad_rows_are_quarantined_next_to_the_file(services_run):
    _, csv, _ = services_run
    quarantine = pd.read_csv(csv.with_name(csv.name + ".quarantine.csv"))
    assert quarantine["id"].tolist() == ["x1", "x2"]
    assert quarantine["reason"].str.contains("category").iloc[0]
    assert quarantine["reason"].str.contains("coordinates").iloc[1]


def test_resume_knows_the_service_list(services_run):
    root, csv, _ = services_run
    practices = csv.parent
    files = {"services_path": csv, "mef_path": practices / "mef_valid.csv",
             "third_sector_path": practices / "third_sector.csv", "ahp_path": practices / "ahp_categories.csv"}
    again = pipeline.run_all(["BI"], 2023, "01", root, resume=True, progress=False, pdf=False, overview=False,
                             user_files=files)
    assert [r.status for r in again] == ["skipped"]
    cat = pipeline.Catalog(root)
    without = state.run_fingerprint(cat, "BI", 2023, "01", pipeline.NOTEBOOKS, state.input_digests(cat, RunParameters(root=str(root))))
    assert not state.is_up_to_date(cat, "BI", without)  # the demo services would give another report


def test_unusable_service_list_stops_the_run_at_once(project_root, tmp_path, capsys):
    empty = tmp_path / "servizi.csv"
    empty.write_text("id;categoria;nome\n", encoding="utf-8")
    code = main(["run", "--province", "AT", "--root", str(project_root), "--services", str(empty), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "servizi.csv" in err and "no data rows" in err
    assert "Traceback" not in err
    missing = main(["run", "--province", "AT", "--root", str(project_root), "--services", str(tmp_path / "no.csv"),
                    "--no-progress"])
    assert missing == 2 and "service list not found" in capsys.readouterr().err
    wrong = PRACTICES / "mef_wrong_columns.csv"
    assert main(["run", "--province", "AT", "--root", str(project_root), "--mef", str(wrong), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "mef_wrong_columns.csv: cannot be used" in err and "Traceback" not in err
    bad_ahp = PRACTICES / "ahp_not_reciprocal.csv"
    assert main(["run", "--province", "AT", "--root", str(project_root), "--ahp", str(bad_ahp), "--no-progress"]) == 2
    assert "reciprocal" in capsys.readouterr().err


def test_criteria_files_and_ahp_weights_reach_the_report(services_run):
    from wecare_analysis.formatting import format_it
    from wecare_analysis.practices.ahp import ahp_from_csv

    root, csv, _ = services_run
    practices = csv.parent
    folder = root / "reports" / "BI"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["mef_path"] == str(practices / "mef_valid.csv")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (folder / "report.html").read_text(encoding="utf-8")))
    assert "Redditi IRPEF (MEF): file fornito «mef_valid.csv», usato" in text
    assert "Registro del terzo settore (5×1000): file fornito «third_sector.csv», usato in parte" in text
    quarantine = pd.read_csv(practices / "third_sector.csv.quarantine.csv")
    assert len(quarantine) == 2 and quarantine["reason"].notna().all()
    cr = ahp_from_csv(practices / "ahp_categories.csv").cr
    assert f"confronti a coppie (AHP) forniti, rapporto di consistenza {format_it(cr, 2)}" in text
    # with both files the income and third-sector criteria are available: not in the "non disponibili" note
    note = re.search(r"Criteri non disponibili[^.]*\.", text)
    assert note is None or ("Reddito" not in note.group(0) and "Terzo settore" not in note.group(0))
    # the published scores are those of the AHP weights, not of the equal weights
    from wecare_analysis.practices.assess import assess_province

    published = read_workbook(folder / "findings.xlsx", sheet_name="Pratiche trasferibili").set_index("Pratica")
    published["TOPSIS"] = pd.to_numeric(published["TOPSIS"].astype(str).str.replace(",", "."))
    transfer = _analysis(root, csv)  # the report's region analysis: the user's services and files
    equal = assess_province("BI", transfer.catalogue, transfer.transfer_inputs.criteria).ranking.set_index("practice_name")
    with_ahp = assess_province("BI", transfer.catalogue, transfer.transfer_inputs.criteria,
                               ahp_from_csv(practices / "ahp_categories.csv")).ranking.set_index("practice_name")
    assert not equal["topsis"].round(3).equals(with_ahp["topsis"].round(3))
    assert (published["TOPSIS"] - with_ahp.loc[published.index, "topsis"]).abs().max() <= 0.005  # shown to 0,01


def _analysis(root: Path, csv: Path):
    practices = csv.parent
    return analyse_region(RunParameters(root=str(root), services_path=str(csv),
                                        mef_path=str(practices / "mef_valid.csv"),
                                        third_sector_path=str(practices / "third_sector.csv"),
                                        ahp_path=str(practices / "ahp_categories.csv")))


def test_user_services_are_the_one_offer_of_report_notebook_04_ranking_and_overview(services_run, tmp_path):
    """Issue 19: with --services, report 00, notebook 04, the transferability ranking and the overview read one
    offer, the user's (notebook 04 used to rank on the demo services)."""
    from conftest import execute_notebook

    from wecare_analysis.report import overview_offer as ovo
    from wecare_analysis.report import service_offer as so

    root, csv, n_good = services_run
    analysis = _analysis(root, csv)
    assert not analysis.offer.synthetic and analysis.offer.validation["rows_kept"] == n_good
    # the criteria of the ranking read the offer the report publishes
    pd.testing.assert_frame_equal(analysis.transfer_inputs.criteria.access, analysis.offer.gaps)
    report_offer = read_workbook(root / "reports" / "BI" / "findings.xlsx", sheet_name="Offerta di servizi")
    assert so.analysis_offer(analysis, "BI").gaps is analysis.offer.gaps
    assert report_offer["Servizi"].sum() == n_good
    # the overview's per-province services: only Biella has any, as in the report
    overview = ovo.province_access(so.RegionalOffer.of(2023, analysis.territory, analysis.offer))
    overview = overview[overview["province_sigla"].isin(analysis.provinces)]  # the region's rows left out
    services = overview.groupby("province_sigla")["services"].sum()
    assert services["BI"] == n_good and services.drop("BI").sum() == 0
    # notebook 04 given the same files: no demo offer, and the same ranking as the report
    params = {"province": "BI", "services_path": str(csv), "mef_path": str(csv.parent / "mef_valid.csv"),
              "third_sector_path": str(csv.parent / "third_sector.csv"),
              "ahp_path": str(csv.parent / "ahp_categories.csv")}
    _, text, _ = execute_notebook("04_transferability.ipynb", root, tmp_path, **params)
    assert "Offerta di servizi e divari: dati sintetici" not in text
    published = read_workbook(root / "reports" / "BI" / "findings.xlsx", sheet_name="Pratiche trasferibili")
    ranking = analysis.assessment("BI").ranking
    assert published["Pratica"].tolist() == ranking["practice_name"].tolist()
    positions = [text.find(name) for name in ranking["practice_name"].head(3)]
    assert -1 not in positions
