"""Number formats, codes and headers of the published exports (``findings.xlsx``, ``opendata/``, ``layers.gpkg``).

Expectations are computed by hand from the rule of :func:`wecare_analysis.report.bundle.number_format`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point

from wecare_analysis.formatting import code_digits, code_text, is_code_column, label
from wecare_analysis.report import bundle
from wecare_analysis.report.exports import write_excel


@pytest.mark.parametrize(("header", "values", "expected"), [
    ("Residenti", [579948.0, 4240736.0], "#,##0"),                 # counts stored as floats
    ("Servizi per 1.000 utenti", [0.02, 0.15], "#,##0.00"),         # rounded to 2: keeps 2, not 0,0
    ("TOPSIS", [0.659, 0.650], "#,##0.000"),                        # below 1: 3 decimals, 0,659 ≠ 0,650
    ("Servizi raggiungibili", [3.592527542711161, 0.958, 6.18], "#,##0.00"),  # median 3.59: 2 decimals
    ("Indice di vecchiaia", [281.25, 505.88235294117646], "#,##0.0"),  # from 10 up: 1 decimal
    ("Stima (%)", [8.0, 12.0], "#,##0.0"),                           # percentages: always 1 decimal
    ("Accesso rispetto alla regione (%)", [96.9971475214539], "#,##0.0"),
    ("Codice ISTAT comune", [4235, 4102], "@"),                      # codes: text
    ("Sigla", ["CN", ""], "@"),
    ("Rispondenti", [1234, "< 5", "n.p."], "#,##0"),
    ("Comune", ["Alba", "Bra"], None),
])
def test_number_format_rule(header, values, expected) -> None:
    assert bundle.number_format(header, pd.Series(values)) == expected


def test_code_helpers() -> None:
    assert is_code_column("municipality_code") and is_code_column("CAP") and is_code_column("Codice catastale")
    assert not is_code_column("Capacità") and not is_code_column("Comuni in cluster alto bisogno – bassa offerta")
    assert code_digits("Codice ISTAT comune") == 6 and code_digits("Codice ISTAT provincia") == 3
    assert code_digits("region_code") == 2 and code_digits("CAP") == 5 and code_digits("Codice servizio") is None
    assert code_text(pd.Series([4001, 4235.0, None]), 6).tolist() == ["004001", "004235", None]
    assert code_text(pd.Series([4, 1]), 3).tolist() == ["004", "001"]


def test_italian_labels_of_the_territory_columns() -> None:
    assert label("municipality_code") == "Codice ISTAT comune"
    assert label("province_code") == "Codice ISTAT provincia"
    assert label("region_code") == "Codice ISTAT regione" and label("region_name") == "Regione"


def _municipalities() -> pd.DataFrame:
    return pd.DataFrame({"Codice ISTAT comune": [4001, 4235], "Codice ISTAT provincia": [4, 4],
                         "Codice ISTAT regione": [1, 1], "Comune": ["Acceglio", "Valloriate"],
                         "Residenti": [157.0, 579948.0], "Tasso per 1.000": [0.02, 0.15],
                         "TOPSIS": [0.659, 0.650]})


def test_findings_xlsx_codes_as_text_and_formats(tmp_path) -> None:
    territory = pd.DataFrame({"Indicatore": ["Comuni", "Residenti", "Indice di vecchiaia"],
                              "Cuneo": [247.0, 579948.0, 214.0495867768595]})
    path = bundle.write_findings_xlsx(
        {"Comuni": _municipalities(), "Territorio": territory}, tmp_path / "findings.xlsx",
        row_formats={"Territorio": bundle.indicator_row_formats(["n_municipalities", "residents",
                                                                  "old_age_index"])})
    book = load_workbook(path)
    ws = book["Comuni"]
    assert [c.value for c in ws[1]][:3] == ["Codice ISTAT comune", "Codice ISTAT provincia", "Codice ISTAT regione"]
    assert ws["A2"].value == "004001" and ws["A2"].number_format == "@" and ws["A3"].value == "004235"
    assert ws["B2"].value == "004" and ws["B2"].number_format == "@"
    assert ws["C2"].value == "01" and ws["C2"].number_format == "@"
    assert ws["E3"].value == 579948 and ws["E3"].number_format == "#,##0"
    assert ws["F2"].value == pytest.approx(0.02) and ws["F2"].number_format == "#,##0.00"
    assert ws["G2"].number_format == "#,##0.000"
    # long table of indicators: counts without decimals, the index with one, row by row
    ws = book["Territorio"]
    assert [ws[f"B{r}"].number_format for r in (2, 3, 4)] == ["#,##0", "#,##0", "#,##0.0"]


def test_write_excel_writes_codes_as_text(tmp_path) -> None:
    table = pd.DataFrame({"municipality_code": [1272], "istat_code": ["001272"], "residents": [846916]})
    ws = load_workbook(write_excel({"Comuni": table}, tmp_path / "t.xlsx"))["Comuni"]
    assert [c.value for c in ws[1]] == ["Codice ISTAT comune", "Codice ISTAT", "Residenti"]
    assert ws["A2"].value == "001272" and ws["A2"].number_format == "@" and ws["B2"].value == "001272"
    assert ws["C2"].number_format == "#,##0"


def test_opendata_codes_numbers_and_dictionary(tmp_path) -> None:
    gaps = pd.DataFrame({"Codice ISTAT comune": [4235, 4001], "Comune": ["Valloriate", "Acceglio"],
                         "Utenti potenziali": [247.0, 33.0],
                         "Servizio più vicino (km)": [193.93649553421076, 0.1274669386307864],
                         "Rispondenti": [12, "< 5"], "Residenti 75 anni e più": [24, 40]})
    bundle.write_opendata({"Divari maggiori": gaps}, tmp_path, {"Servizio più vicino (km)": "Distanza."},
                          year=2023)
    csv = pd.read_csv(tmp_path / "divari_maggiori.csv", dtype=str, keep_default_na=False)
    assert csv["codice_istat_comune"].tolist() == ["004235", "004001"]
    assert csv["utenti_potenziali"].tolist() == ["247", "33"]
    assert csv["servizio_piu_vicino_km"].tolist() == ["193.936", "0.127467"]  # 6 significant digits
    assert csv["rispondenti"].tolist() == ["12", "< 5"]
    dictionary = pd.read_csv(tmp_path / "dizionario_dati.csv", dtype=str).set_index("colonna")
    assert dictionary.loc["codice_istat_comune", "tipo"] == "testo"
    assert dictionary.loc["codice_istat_comune", "descrizione"].startswith("Codice ISTAT del comune: 6 cifre")
    assert dictionary.loc["comune", "tipo"] == "testo"
    assert dictionary.loc["utenti_potenziali", "tipo"] == "numero"
    assert dictionary.loc["rispondenti", "tipo"] == "numero"  # numbers and suppressed cells
    assert dictionary.loc["servizio_piu_vicino_km", "descrizione"] == "Distanza."
    # the year of the population replaces "dell'anno indicato"; the specific age group wins over "Residenti"
    assert dictionary.loc["residenti_75_anni_e_piu", "descrizione"].startswith(
        "Residenti di 75 anni compiuti e più al 1° gennaio 2023")


def test_dictionary_describes_the_province_tables(tmp_path) -> None:
    headers = ["Codice ISTAT", "Comune", "Codice catastale", "Codice ISTAT provincia", "Sigla provincia",
               "Provincia", "Codice ISTAT regione", "Regione", "Superficie (km²)", "Residenti", "Residenti donne",
               "Residenti uomini", "Bambini 0-2 anni", "Bambini 3-5 anni", "Ragazzi 6-14 anni",
               "Residenti 0-14 anni", "Residenti 15-64 anni", "Donne 15-64 anni", "Uomini 15-64 anni",
               "Residenti 65 anni e più", "Residenti 75 anni e più", "Residenti 85 anni e più", "Donne 25-49 anni",
               "Indice di vecchiaia", "Indice di dipendenza strutturale", "Indice di dipendenza degli anziani",
               "Densità (ab./km²)", "Area di bisogno", "Territorio", "Gruppo", "Stima (%)", "IC 95% inferiore (%)",
               "IC 95% superiore (%)", "Rispondenti", "Variabile", "Categoria", "Indicatore"]
    bundle.write_opendata({"Tutto": pd.DataFrame({h: [1] for h in headers})}, tmp_path)
    dictionary = pd.read_csv(tmp_path / "dizionario_dati.csv")
    undescribed = dictionary.loc[dictionary["descrizione"] == dictionary["intestazione"], "intestazione"]
    assert undescribed.tolist() == []
    types = dictionary.set_index("intestazione")["tipo"]
    assert (types[["Codice ISTAT", "Codice ISTAT provincia", "Codice ISTAT regione", "Sigla provincia"]]
            == "testo").all()


def test_dictionary_by_table_and_header(tmp_path) -> None:
    tables = {"Territorio": pd.DataFrame({"Indicatore": ["Residenti"], "Piemonte": [4240736.0]}),
              "Rispondenti": pd.DataFrame({"Variabile": ["Ruolo"], "Piemonte": [2032]})}
    bundle.write_opendata(tables, tmp_path, {("Territorio", "Piemonte"): "Valore per la regione.",
                                             ("Rispondenti", "Piemonte"): "Rispondenti della regione."})
    dictionary = pd.read_csv(tmp_path / "dizionario_dati.csv").set_index(["file", "colonna"])["descrizione"]
    assert dictionary[("territorio.csv", "piemonte")] == "Valore per la regione."
    assert dictionary[("rispondenti.csv", "piemonte")] == "Rispondenti della regione."
    assert (tmp_path / "territorio.csv").read_text(encoding="utf-8").splitlines()[1] == "Residenti,4240736"


def test_layers_have_italian_fields_and_text_codes(tmp_path) -> None:
    municipalities = gpd.GeoDataFrame(
        {"municipality_code": [4001], "istat_code": ["004001"], "name": ["Acceglio"], "province_code": [4],
         "region_code": [1], "residents": [157], "age_0_2": [3], "need_housing_pct": [12.5]},
        geometry=[Point(350000, 4930000)], crs=32632)
    services = gpd.GeoDataFrame({"municipality_code": [4001], "category": ["asilo_nido"], "shortfall": [2.5],
                                 "Asilo nido": [1.0]}, geometry=[Point(350000, 4930000)], crs=32632)
    path = bundle.write_layers({"comuni_indicatori": municipalities, "divari": services}, tmp_path / "layers.gpkg")
    comuni = gpd.read_file(path, layer="comuni_indicatori")
    assert list(comuni.columns) == ["codice_comune", "nome", "codice_provincia", "codice_regione", "residenti",
                                    "eta_0_2", "bisogno_casa_pct", "geometry"]
    assert comuni.loc[0, "codice_comune"] == "004001" and comuni.loc[0, "codice_provincia"] == "004"
    assert comuni.loc[0, "codice_regione"] == "01" and comuni.crs.to_epsg() == 32632
    divari = gpd.read_file(path, layer="divari")
    assert list(divari.columns) == ["codice_comune", "codice_servizio", "utenti_scoperti", "asilo_nido",
                                    "geometry"]
    assert divari.loc[0, "codice_comune"] == "004001"


def test_csv_number() -> None:
    assert bundle.csv_number(247.0) == "247" and bundle.csv_number(-0.5) == "-0.5"
    assert bundle.csv_number(193.93649553421076) == "193.936" and bundle.csv_number(1.0323323633394421) == "1.03233"
    assert bundle.csv_number(583.0985762161322) == "583.099"
