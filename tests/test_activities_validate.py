"""Planted faults in programme records: quarantined with their reason, or screened; personal data stays raw."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.cli import main

DESK_HEADER = "Data;Sportello;Provincia;Canale;Area della richiesta;Dimensione dell'impresa;Esito;Note (riservate)"
PHONE = "347 998 1122"
EMAIL = "g.fiorentino@planted.example"
DESK_ROWS = [
    "05/02/2024;Epasa Itaco Cuneo;CN;phone;eldercare;2_9;information;",                           # row 2: fine
    "06/02/2024;Sanarti Torino;ZZ;email;health_prevention;0_1;follow_up;",                       # 3: province
    "07/02/2021;Sanarti Torino;TO;email;health_prevention;0_1;follow_up;",                        # 4: period
    "08/02/2024;Sanarti Torino;TO;email;teletrasporto;0_1;follow_up;",                            # 5: area
    f"09/02/2024;Sanarti Torino;TO;phone;purchasing_power;;information;richiamare al {PHONE}",   # 6: phone
    f"10/02/2024;Sanarti Asti;Asti;video;housing;10_49;referred;scrivere a {EMAIL}, affitto",     # 7: e-mail
    "31/02/2024;Sanarti Asti;AT;video;housing;10_49;referred;",                                   # 8: no date
]


def _desk_file(folder: Path) -> Path:
    path = folder / "data" / "raw" / "sportelli.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\r\n".join([DESK_HEADER, *DESK_ROWS]) + "\r\n", encoding="utf-8")
    return path


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_planted_faults_are_quarantined_and_personal_data_screened(tmp_path: Path, capsys) -> None:
    path = _desk_file(tmp_path)
    code, out, err = _run(["activities", "validate", str(path), "--json", "--root", str(tmp_path),
                           "--period", "2023-01-01:2024-12-31"], capsys)
    summary = json.loads(out)
    assert code == 1 and summary["exit_code"] == 1
    assert summary["kind"] == "desk"  # guessed from the headers
    assert summary["rows_read"] == 7 == summary["rows_kept"] + summary["rows_quarantined"]
    assert (summary["rows_kept"], summary["rows_quarantined"]) == (3, 4)
    quarantine = pd.read_csv(summary["outputs"]["quarantine"], dtype=str)
    reasons = dict(zip(quarantine["row"].astype(int), quarantine["reason"]))
    assert sorted(reasons) == [3, 4, 5, 8]
    assert reasons[3].startswith("unknown province 'ZZ'")
    assert "outside the programme period 01/01/2023–31/12/2024" in reasons[4]
    assert "'teletrasporto' is not a need area of the codebook" in reasons[5]
    assert "is not a date" in reasons[8]
    screened = {cell["row"]: cell["found"] for cell in summary["screened"]}
    assert screened == {6: ["phone"], 7: ["email"]}
    # the phone and the e-mail reach no processed file, no stdout, no stderr; the restricted notes are masked
    processed = tmp_path / "data" / "processed"
    texts = [p.read_bytes().decode("latin-1") for p in processed.rglob("*") if p.is_file()] + [out, err]
    texts.append(Path(summary["outputs"]["quarantine"]).read_text(encoding="utf-8"))
    notes = Path(summary["outputs"]["restricted_notes"])
    assert notes.is_relative_to(tmp_path / "data" / "raw" / "restricted")
    texts.append(notes.read_text(encoding="utf-8"))
    for needle in (PHONE, PHONE.replace(" ", ""), EMAIL):
        assert not any(needle in text for text in texts)
    assert pd.read_csv(notes)["notes"].tolist() == ["richiamare al [omesso]", "scrivere a [omesso], affitto"]
    kept = pd.read_parquet(summary["outputs"]["table"])
    assert kept["source_row"].tolist() == [2, 6, 7] and "notes" not in kept


def test_municipality_faults_and_broken_lines(tmp_path: Path) -> None:
    from wecare_analysis.activities.ingest import validate_activities

    header = ("Data;Provincia;Comune;Tipo di incontro;Modalità;Partecipanti: imprese;Partecipanti: lavoratori;"
              "Partecipanti: enti pubblici;Partecipanti: terzo settore;Imprese associate CNA presenti;Nuovi contatti;"
              "Note (riservate)")
    rows = ["01/03/2024;AT;Calliano;territorial_animation;;10;0;1;0;5;2;",      # 2: Calliano AT, fine
            "02/03/2024;TO;Biella;territorial_animation;;10;0;1;0;5;2;",        # 3: Biella is in BI
            "03/03/2024;TO;Torinoo;territorial_animation;;10;0;1;0;5;2;",       # 4: unknown name
            "04/03/2024;TO;Torino;territorial_animation;;10;0;1;0;12;2;",       # 5: more CNA than firms
            "05/03/2024;TO;Torino;territorial_animation;;0;0;0;0;0;0;",         # 6: nobody
            "06/03/2024;TO;Torino;territorial_animation;;10;0;1;0;5",           # 7: line cut short
            "01/03/2024;AT;Calliano;territorial_animation;;10;0;1;0;5;2;",      # 8: row 2 entered twice
            "07/03/2024;VB;Moransengo;territorial_animation;;10;0;1;0;5;2;",    # 9: retired name, wrong province
            "08/03/2024;BI;001272;territorial_animation;;10;0;1;0;5;2;"]        # 10: Torino's code, BI
    path = tmp_path / "incontri.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = validate_activities(path)
    reasons = result.quarantine.groupby("row")["reason"].apply(" | ".join).to_dict()
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert reasons[3] == "municipality unknown: no municipality of this name in province TO: Biella (BI)"
    assert reasons[10] == "municipality is in province TO, not in the row's province BI"
    assert reasons[4].startswith("municipality unknown: not an ISTAT municipality name or code; nearest names:")
    assert "Torino (TO)" in reasons[4]
    assert "cna_members is more than the firms present (10)" in reasons[5]
    assert reasons[6] == "no participant recorded: every count is 0"
    assert reasons[7].startswith("the row has 10 fields, the header has 12")
    assert reasons[8] == "entered twice: same values as row 2"
    assert "municipality unknown" in reasons[9]
    assert result.rows_read == 9 and result.rows_kept == 1
    assert result.clean["municipality_code"].tolist() == [5014]  # Calliano (AT) 005014


def test_unusable_files_exit_2_with_one_message(tmp_path: Path, capsys) -> None:
    other = tmp_path / "altro.csv"
    other.write_text("nome;cognome\nMario;Rossi\n", encoding="utf-8")
    code, out, err = _run(["activities", "validate", str(other), "--json"], capsys)
    assert code == 2 and json.loads(out)["exit_code"] == 2
    assert "cannot tell the kind of records" in err and "Traceback" not in err and "Rossi" not in out + err
    code, _out, err = _run(["activities", "validate", str(other), "--kind", "desk"], capsys)
    assert code == 2 and "required columns missing: Data, Sportello, Provincia" in err
    code, _out, err = _run(["activities", "validate", str(other), "--period", "2024-12-31:2023-01-01"], capsys)
    assert code == 2 and "START not after END" in err


def test_template_command_formats(tmp_path: Path, capsys) -> None:
    for name, fmt in (("a.xlsx", "xlsx"), ("b.csv", "csv"), ("c.xlsform.xlsx", "xlsform")):
        code, out, _err = _run(["activities", "template", "focus", "--out", str(tmp_path / name)], capsys)
        assert code == 0 and f"({fmt})" in out and (tmp_path / name).is_file()
    code, _out, err = _run(["activities", "template", "focus", "--out", str(tmp_path / "d.txt")], capsys)
    assert code == 2 and "expected a file name ending in .xlsx, .csv or .xlsform.xlsx" in err
    code, _out, _err = _run(["activities", "template", "desk", "--out", str(tmp_path / "e.xlsx"),
                             "--format", "xlsform"], capsys)
    assert code == 0 and "survey" in pd.ExcelFile(tmp_path / "e.xlsx").sheet_names


@pytest.mark.parametrize("text,found", [("Mi chiamo Anna Verdi, 011 5552233", ["name", "phone"]),
                                        ("RSSMRA80A01L219X", ["fiscal_code"]),
                                        ("riunione del 12/03/2024 con 40 imprese, periodo 2023-2024", [])])
def test_screening_finds_personal_data_not_dates(text: str, found: list[str]) -> None:
    from wecare_analysis.activities.screening import masked_text, personal_data_found

    assert personal_data_found(text) == found
    assert ("[omesso]" in masked_text(text)) == bool(found)


def test_a_focus_theme_outside_the_codebook_is_reported(tmp_path: Path) -> None:
    from wecare_analysis.activities.ingest import validate_activities

    header = ("Data;Luogo (comune);Provincia;Partecipanti: imprese;Partecipanti: lavoratori;Partecipanti: enti pubblici;"
              "Partecipanti: terzo settore;Tema: Salute e prevenzione;Tema: Teletrasporto")
    path = tmp_path / "focus.csv"
    path.write_text(header + "\n12/04/2024;Collegno;TO;6;2;1;1;3;2\n", encoding="utf-8")
    result = validate_activities(path)
    assert result.kind == "focus" and result.rows_kept == 1
    assert result.warnings == [("column 'Tema: Teletrasporto' is not a need area of the codebook: its strengths are "
                               "not used")]
    assert result.clean.loc[0, "theme_health_prevention"] == 3 and result.clean.loc[0, "theme_housing"] == 0


def test_retired_municipality_names_are_reconciled_and_kept(tmp_path: Path) -> None:
    from wecare_analysis.activities.ingest import validate_activities

    path = tmp_path / "incontri.csv"
    path.write_text("Data;Provincia;Comune;Tipo di incontro;Partecipanti: imprese;Partecipanti: lavoratori;"
                    "Partecipanti: enti pubblici;Partecipanti: terzo settore;Imprese associate CNA presenti;"
                    "Nuovi contatti\n02/05/2024;Asti;Moransengo;Altro;4;0;1;0;2;1\n", encoding="utf-8")
    result = validate_activities(path)
    assert result.rows_kept == 1 and result.clean["municipality_code"].tolist() == [5122]  # Moransengo-Tonengo
    assert len(result.warnings) == 1 and "Moransengo" in result.warnings[0] and "reconciled" in result.warnings[0]
