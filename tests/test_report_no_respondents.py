"""The province report of a region the survey did not cover (Valle d'Aosta, region 02) is still produced.

The needs sections carry the "non disponibile" note, key findings come from the territory,
the service offer, the gaps and the transferability ranking (6 of 9 criteria without data) say
"non disponibile".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import execute_notebook

from wecare_analysis.report.exports import read_workbook

NOTE = "Sezione non disponibile: l'indagine non ha rispondenti in questa regione"


@pytest.fixture(scope="module")
def aosta_root(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root with the Piedmont demo survey ingested (as a national run does) and the 02 layer built."""
    from wecare_analysis.report import document as doc
    from wecare_analysis.territory import load_territory

    root = tmp_path_factory.mktemp("aosta")
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "practices_survey", "cache", "*.lock"))
    doc.survey_source(root, 2023, "01")  # the Piedmont demo survey, ingested once for the whole run
    load_territory(2023, "02", root)
    return root


def test_region_respondents_keeps_the_region_provinces():
    from wecare_analysis.report.document import region_respondents

    needs = pd.DataFrame({"province_sigla": ["TO", "AO", "BI", "TO"], "x": [1, 2, 3, 4]})
    territory = pd.DataFrame({"province_sigla": ["TO", "TO", "BI"]})
    assert region_respondents(needs, territory)["x"].tolist() == [1, 3, 4]
    assert region_respondents(needs, pd.DataFrame({"province_sigla": ["RM"]})).empty


def test_territory_findings_quote_the_territory_table(project_root):
    from wecare_analysis.formatting import format_it
    from wecare_analysis.report import document as doc
    from wecare_analysis.report import territory_profile as tp

    ctx = tp.province_context("BI", 2023, "01", project_root)
    findings = doc.territory_findings(ctx)
    assert len(findings) == 5
    residents = int(ctx.province["residents"].sum())
    assert f"conta {format_it(residents)} residenti in {len(ctx.province)} comuni" in findings[0].text
    share = 100 * ctx.province["age_75_plus"].sum() / residents
    assert f"({format_it(share, 1)}% della popolazione)" in findings[2].text
    # Piedmont has eight provinces: the old-age index is compared with the region's
    region_index = 100 * ctx.territory["age_65_plus"].sum() / (
        ctx.territory[["age_0_2", "age_3_5", "age_6_14"]].sum().sum())
    assert f"100 sotto i 15 anni (Piemonte: {format_it(region_index, 1)})" in findings[1].text
    for f in findings:
        for q in f.quotes:
            assert q.sheet == doc.TERRITORY_SHEET and q.text in f.text
    text = doc.findings_markdown(findings, reason=doc.NO_RESPONDENTS)
    assert "per i bisogni: l'indagine non ha rispondenti in questa regione" in text and "5. La densità" in text


def test_report_of_a_region_without_respondents(aosta_root, tmp_path):
    from wecare_analysis.formatting import format_it
    from wecare_analysis.territory import load_territory

    _, text, out = execute_notebook("00_province_report.ipynb", aosta_root, tmp_path, province="AO",
                                     region="02")
    for section in ("Bisogni di welfare", "Stime per comune (piccole aree)", "Chi ha risposto"):
        assert f"{section}\n\n*{NOTE}.*" in text
    # key findings from the territory: residents of Valle d'Aosta computed from the layer
    aosta = load_territory(2023, "02", aosta_root)
    assert f"conta {format_it(int(aosta['residents'].sum()))} residenti in {len(aosta)} comuni" in text
    # service offer: the Piedmont demo services are all outside the region, so no offer, gap or cluster is shown
    assert "Offerta di servizi e divari\n\n*Sezione non disponibile: l'elenco dimostrativo dei servizi" in text
    assert "Dove il bisogno supera l'offerta\n\n*Sezione non disponibile" in text
    assert "Nessun servizio di questa regione nel file dei servizi" not in text
    # transferability: 6 of 9 criteria without data (survey, optional files, offer): the ranking is withheld
    assert ("Buone pratiche trasferibili\n\n*Sezione non disponibile: mancano i dati di 6 criteri su 9 (Bisogni "
            "stimati, Reddito, Divario bisogni-offerta, Imprese con welfare, Terzo settore, Servizi esistenti)") in text
    assert "Perché: le prime tre pratiche" not in text
    sheets = read_workbook(out / "findings.xlsx", sheet_name=None)
    assert "Bisogni" not in sheets and "Rispondenti" not in sheets
    territory = sheets["Territorio"]
    assert list(territory.columns) == ["Indicatore", "Valle d'Aosta/Vallée d'Aoste",
                                       "Valle d'Aosta/Vallée d'Aoste (regione)"]
    assert territory.set_index("Indicatore").loc["Residenti"].tolist() == [aosta["residents"].sum()] * 2
    assert not (out / "figures" / "trasferibilita_graduatoria.png").exists()
    assert "Pratiche trasferibili" not in sheets and "Offerta di servizi" not in sheets


def test_regional_overview_of_a_region_without_respondents(aosta_root, tmp_path):
    from wecare_analysis.territory import load_territory

    _, text, out = execute_notebook("09_regional_overview.ipynb", aosta_root, tmp_path, region="02")
    name = "Valle d'Aosta/Vallée d'Aoste"
    assert f"# Wecare – quadro regionale: {name}" in text and "rapporto provinciale" not in text
    assert f"Bisogni di welfare nelle province\n\n*{NOTE}.*" in text
    assert "Piemonte" not in text  # neither the region label nor another region's respondents
    sheets = read_workbook(out / "findings.xlsx", sheet_name=None)
    assert "Bisogni per provincia" not in sheets and "Graduatoria bisogni" not in sheets
    # the Piedmont demo services are all outside the region: no offer section, no offer sheet
    assert ("Offerta di servizi nelle province\n\n*Sezione non disponibile: il file dei servizi non ha servizi "
            "in questa regione.*") in text
    assert "Accesso per provincia" not in sheets
    province = sheets["Province"].set_index("Provincia")
    residents = int(load_territory(2023, "02", aosta_root)["residents"].sum())
    assert province.loc[name, "Residenti"].tolist() == [residents, residents]  # the province, then the region
