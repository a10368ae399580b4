"""Templates of the programme records: filled by the test, validated back with nothing quarantined."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from wecare_analysis.activities.schema import fields, need_area_choices
from wecare_analysis.activities.store import ingest_activities
from wecare_analysis.activities.templates import write_template
from wecare_analysis.survey.codebook import load_codebook

PERIOD = (dt.date(2023, 1, 1), dt.date(2024, 12, 31))

#: One filled row per kind, as an operator picks it from the XLSX dropdowns (labels) or types it.
FILLED = {
    "meetings": [
        {"Data": dt.datetime(2024, 3, 15), "Provincia": "TO - Torino", "Comune": "Pinerolo",
         "Tipo di incontro": "Animazione territoriale", "Modalità": "In presenza", "Partecipanti: imprese": 18,
         "Partecipanti: lavoratori": 6, "Partecipanti: enti pubblici": 2, "Partecipanti: terzo settore": 3,
         "Imprese associate CNA presenti": 11, "Nuovi contatti": 7, "Note (riservate)": "sala del Comune"},
        {"Data": dt.datetime(2023, 11, 7), "Provincia": "BI - Biella", "Comune": "BIELLA",
         "Tipo di incontro": "Presentazione di buone pratiche", "Modalità": "Mista", "Partecipanti: imprese": 9,
         "Partecipanti: lavoratori": 0, "Partecipanti: enti pubblici": 1, "Partecipanti: terzo settore": 2,
         "Imprese associate CNA presenti": 9, "Nuovi contatti": 0, "Note (riservate)": None},
    ],
    "desk": [
        {"Data": dt.datetime(2024, 2, 1), "Sportello": "Epasa Itaco Cuneo", "Provincia": "CN - Cuneo",
         "Canale": "Telefono", "Area della richiesta": "Previdenza complementare",
         "Dimensione dell'impresa": "2-9 addetti", "Esito": "Informazioni fornite",
         "Note (riservate)": "chiede del fondo pensione"},
        {"Data": dt.datetime(2024, 2, 2), "Sportello": "Sanarti Torino", "Provincia": "TO - Torino",
         "Canale": "E-mail", "Area della richiesta": "Informazioni generali sul welfare aziendale",
         "Dimensione dell'impresa": None, "Esito": "Da ricontattare", "Note (riservate)": None},
    ],
    "focus": [
        {"Data": dt.datetime(2024, 5, 20), "Luogo (comune)": "Moncalieri", "Provincia": "TO - Torino",
         "Partecipanti: imprese": 8, "Partecipanti: lavoratori": 3, "Partecipanti: enti pubblici": 1,
         "Partecipanti: terzo settore": 2, "Tema: Assistenza a familiari anziani o non autosufficienti": "3 - Centrale",
         "Tema: Salute e prevenzione": "2 - Discusso", "Tema: Servizi per bambini 0-2 anni": "1 - Accennato"},
    ],
}


def _fill_xlsx(template: Path, rows: list[dict], target: Path) -> None:
    book = load_workbook(template)
    sheet = book["Dati"]
    headers = [c.value for c in sheet[1]]
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            sheet.cell(row=r, column=headers.index(header) + 1, value=value)
    book.save(target)


@pytest.mark.parametrize("kind", ["meetings", "desk", "focus"])
def test_xlsx_round_trip_keeps_every_row_with_its_values(tmp_path: Path, kind: str) -> None:
    template = write_template(kind, tmp_path / f"{kind}.xlsx")
    filled = tmp_path / f"{kind}_compilato.xlsx"
    _fill_xlsx(template, FILLED[kind], filled)
    summary = ingest_activities(filled, kind, root=tmp_path, period=PERIOD)
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_quarantined"]) == (len(FILLED[kind]),) * 2 + (0,)
    assert summary["exit_code"] == 0 and summary["screened"] == []
    table = pd.read_parquet(summary["outputs"]["table"])
    assert "notes" not in table.columns
    if kind == "meetings":
        assert table["province_sigla"].tolist() == ["TO", "BI"]
        assert table["municipality_code"].tolist() == [1191, 96004]  # Pinerolo 001191, Biella 096004 (ISTAT)
        assert table["meeting_kind"].tolist() == ["territorial_animation", "good_practices"]
        assert table["participants_firms"].tolist() == [18, 9]
        assert table["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-15", "2023-11-07"]
    elif kind == "desk":
        assert table["request_area"].tolist() == ["supplementary_pension", "general_info"]
        assert table["size_class"].tolist()[0] == "2_9" and pd.isna(table["size_class"].tolist()[1])
        assert table["channel"].tolist() == ["phone", "email"]
    else:
        assert table.loc[0, "municipality_code"] == 1156  # Moncalieri 001156
        assert (table.loc[0, "theme_eldercare"], table.loc[0, "theme_health_prevention"],
                table.loc[0, "theme_childcare_0_2"], table.loc[0, "theme_housing"]) == (3, 2, 1, 0)


def test_xlsx_template_has_dropdowns_and_instructions(tmp_path: Path) -> None:
    book = load_workbook(write_template("desk", tmp_path / "desk.xlsx"))
    assert book.sheetnames[0] == "Dati" and "Istruzioni" in book.sheetnames
    assert book["Elenchi"].sheet_state == "hidden"
    rules = {str(dv.sqref).split(":")[0]: dv for dv in book["Dati"].data_validations.dataValidation}
    headers = [c.value for c in book["Dati"][1]]
    area = rules[f"{chr(ord('A') + headers.index('Area della richiesta'))}2"]
    assert area.type == "list" and area.formula1.startswith("Elenchi!")
    listed = [c.value for c in book["Elenchi"]["C"][1:] if c.value]  # third list: the request areas
    assert listed == [label for _code, label in need_area_choices()] + ["Informazioni generali sul welfare aziendale"]
    assert len(listed) == len(load_codebook().need_areas) + 1
    help_rows = [row for row in book["Istruzioni"].iter_rows(values_only=True)]
    assert any(r[0] == "Note (riservate)" and "NON scrivere nomi" in r[1] for r in help_rows if r and r[1])


def test_csv_template_filled_with_codes_validates(tmp_path: Path) -> None:
    template = write_template("meetings", tmp_path / "incontri.csv")
    header = template.read_text(encoding="utf-8-sig").strip()
    assert header.split(";") == [f.label for f in fields("meetings")]
    row = "07/03/2024;AL;Casale Monferrato;info_seminar;online;5;2;0;1;4;3;"
    filled = tmp_path / "incontri_compilato.csv"
    filled.write_text(header + "\r\n" + row + "\r\n", encoding="cp1252")
    summary = ingest_activities(filled, root=tmp_path, period=PERIOD)
    assert summary["kind"] == "meetings" and summary["rows_quarantined"] == 0
    assert pd.read_parquet(summary["outputs"]["table"])["municipality_code"].tolist() == [6039]


@pytest.mark.parametrize("kind", ["meetings", "desk", "focus"])
def test_xlsform_converts_with_pyxform_and_its_export_validates(tmp_path: Path, kind: str) -> None:
    from pyxform.xls2xform import convert

    form = write_template(kind, tmp_path / f"{kind}.xlsform.xlsx")
    warnings: list[str] = []
    xform = convert(str(form), warnings=warnings).xform
    assert warnings == [] and f"wecare_{kind}" in xform
    survey = pd.read_excel(form, sheet_name="survey", dtype=str).fillna("")
    assert survey["name"].tolist() == [f.name for f in fields(kind)]
    # a KoboToolbox CSV export of the form: XML names under a group, option names as values, meta columns
    values = {"date": "2024-04-10", "province": "NO", "municipality": "Novara", "place": "Borgomanero",
              "meeting_kind": "territorial_animation", "mode": "in_person", "participants_firms": "10",
              "participants_workers": "4", "participants_public": "1", "participants_third_sector": "0",
              "cna_members": "6", "new_contacts": "5", "desk": "Sanarti Novara", "channel": "in_person",
              "request_area": "eldercare", "size_class": "0_1", "outcome": "referred", "theme_mobility": "2"}
    row = {f"gruppo/{f.name}": values.get(f.name, "") for f in fields(kind)}
    export = pd.DataFrame([{**row, "_id": "101", "_uuid": "0a1b", "_submission_time": "2024-04-10T18:00:00"}])
    path = tmp_path / f"{kind}_kobo.csv"
    export.to_csv(path, sep=";", index=False)
    summary = ingest_activities(path, kind, root=tmp_path, period=PERIOD)
    assert summary["rows_read"] == 1 and summary["rows_quarantined"] == 0, summary["errors"]
