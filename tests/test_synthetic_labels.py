"""Labels travel with the data (issue 16, item 1) and the workbooks are printable (item 5).

Unit tests of every writer with a registered label, then two walks of every output of a report:
a demo run of one province (the synthetic label everywhere) and a run with an ingested survey
(the session's ``planted_report``: the survey's file name everywhere instead).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from label_walk import missing_label, svg_text
from openpyxl import load_workbook
from PIL import Image
from shapely.geometry import Point

from wecare_analysis.report import labels
from wecare_analysis.report.labels import SYNTHETIC_WORDS, DataLabel

DEMO = DataLabel(SYNTHETIC_WORDS, True, SYNTHETIC_WORDS, True, 2023)
REAL = DataLabel(labels.survey_text(False, "bisogni_2025.csv", "2025-03-01"), False,
                 labels.services_text(False, "asili.geojson"), False, 2023)


def test_label_texts():
    assert DEMO.banner == "Dati sintetici dimostrativi (indagine, servizi) – non usare per conclusioni sul territorio"
    assert DEMO.source_line == ("Fonti: ISTAT, popolazione 2023; indagine: dati sintetici dimostrativi; servizi: "
                                "dati sintetici dimostrativi")
    assert REAL.source_line == ("Fonti: ISTAT, popolazione 2023; indagine: indagine «bisogni_2025.csv» del "
                                "01/03/2025; servizi: servizi «asili.geojson»")
    assert not REAL.synthetic and REAL.banner == REAL.source_line and "sintetici" not in REAL.footer
    # only the demo services are synthetic: the label says which part
    mixed = DataLabel(REAL.survey, False, SYNTHETIC_WORDS, True)
    assert mixed.banner.startswith("Dati sintetici dimostrativi (servizi) – ") and "bisogni_2025.csv" in mixed.footer


def test_registry_finds_the_nearest_folder(tmp_path):
    labels.register(tmp_path / "a", DEMO)
    assert labels.label_for(tmp_path / "a" / "opendata" / "x.csv") is DEMO
    assert labels.label_for(tmp_path / "b" / "x.csv") is None and labels.label_for(None) is None


def test_workbook_banner_filter_print_and_integers(tmp_path):
    from wecare_analysis.report.exports import MAX_COLUMN_WIDTH, read_workbook, write_workbook

    long_text = "Definizione " * 25  # 300 characters
    wide = pd.DataFrame({f"Colonna {i}": [1.0, 2.0, 3.0] for i in range(12)})
    narrow = pd.DataFrame({"Voce": ["a", "b"], "Definizione": [long_text, "breve"], "Comuni": [12.0, 3.0],
                           "Quota": [0.25, 0.5]})
    fmt = lambda c, s: "#,##0" if c.startswith(("Colonna", "Comuni")) else None
    path = write_workbook({"Larga": wide, "Stretta": narrow}, tmp_path / "w.xlsx", fmt, banner=DEMO.banner)
    book = load_workbook(path)
    for sheet, table in (("Larga", wide), ("Stretta", narrow)):
        ws = book[sheet]
        assert ws["A1"].value == DEMO.banner and ws["A2"].value == table.columns[0]
        assert ws.freeze_panes == "A3" and ws.print_title_rows == "$2:$2"
        last = chr(ord("A") + len(table.columns) - 1)
        assert ws.auto_filter.ref == f"A2:{last}{2 + len(table)}"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    # 12 columns of 10 characters = 120 > 100: landscape; 4 narrow columns: portrait
    assert book["Larga"].page_setup.orientation == "landscape"
    assert book["Stretta"].page_setup.orientation == "portrait"
    ws = book["Stretta"]
    assert ws.column_dimensions["B"].width == MAX_COLUMN_WIDTH and ws["B3"].alignment.wrap_text
    assert not ws["A3"].alignment.wrap_text
    assert ws["C3"].value == 12 and type(ws["C3"].value) is int and ws["C3"].number_format == "#,##0"
    assert type(ws["D3"].value) is float  # a share stays a float
    back = read_workbook(path, sheet_name=None)
    pd.testing.assert_frame_equal(back["Stretta"], narrow, check_dtype=False)
    # without a banner (no label): header in row 1, as before, and read_workbook reads it too
    plain = write_workbook({"S": narrow}, tmp_path / "p.xlsx", fmt)
    assert load_workbook(plain)["S"].freeze_panes == "A2"
    assert list(read_workbook(plain, "S").columns) == list(narrow.columns)


def test_bundle_labels_workbook_opendata_and_layers(tmp_path):
    from wecare_analysis.report.bundle import write_bundle
    from wecare_analysis.report.exports import read_workbook

    labels.register(tmp_path, REAL)
    sheets = {"Bisogni": pd.DataFrame({"Area di bisogno": ["Casa"], "Stima (%)": [12.5], "Rispondenti": [40]})}
    layer = gpd.GeoDataFrame({"residents": [10]}, geometry=[Point(400000, 5000000)], crs=32632)
    write_bundle(tmp_path, sheets, {"comuni_indicatori": layer})
    definitions = read_workbook(tmp_path / "findings.xlsx", "Definizioni e fonti").set_index("Voce")
    # the source names the survey read, never "Indagine Wecare"
    assert definitions.loc["Stima (%)", "Fonte"] == "Indagine «bisogni_2025.csv» del 01/03/2025"
    assert not definitions["Fonte"].str.contains("Indagine Wecare").any()
    assert definitions.loc["Fonte dei dati", "Fonte"] == REAL.source_line.removeprefix("Fonti: ")
    csv = pd.read_csv(tmp_path / "opendata" / "bisogni.csv")
    assert list(csv.columns) == ["area_di_bisogno", "stima_pct", "rispondenti", "fonte_dati"]
    assert csv["fonte_dati"].tolist() == [REAL.footer]
    dictionary = pd.read_csv(tmp_path / "opendata" / "dizionario_dati.csv").set_index(["file", "colonna"])
    assert dictionary.loc[("bisogni.csv", "fonte_dati"), "descrizione"] == f"Provenienza dei dati della riga: {REAL.footer}"
    with sqlite3.connect(tmp_path / "layers.gpkg") as con:
        assert con.execute("SELECT description FROM gpkg_contents").fetchall() == [(REAL.footer,)]


def test_figure_footer_is_drawn_in_png_and_svg(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wecare_analysis.report.exports import FOOTER_GID, show_figure

    def figure():
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("Quota (%)")
        fig.tight_layout()
        return fig

    show_figure(figure(), "senza", tmp_path / "plain")
    labels.register(tmp_path / "labelled", DEMO)
    fig = figure()
    show_figure(fig, "con", tmp_path / "labelled")
    footers = [t for t in fig.texts if t.get_gid() == FOOTER_GID]
    assert len(footers) == 1 and footers[0].get_text().replace("\n", " ") == DEMO.footer
    plain = np.asarray(Image.open(tmp_path / "plain" / "figures" / "senza.png").convert("L"))
    png = Image.open(tmp_path / "labelled" / "figures" / "con.png")
    assert png.text == {"Source": DEMO.source_line, "Disclaimer": DEMO.banner}
    drawn = np.asarray(png.convert("L"))
    # the same drawing, taller by the footer, whose rows below the x label carry dark (text) pixels
    assert drawn.shape[1] == plain.shape[1] and drawn.shape[0] > plain.shape[0] + 60  # 2 lines at 7 pt, 300 dpi
    extra = drawn[plain.shape[0] - 30:]
    assert (extra < 128).sum() > 500
    top = slice(0, plain.shape[0] - 40)  # the rest is the same drawing (anti-aliasing aside): nothing moved
    assert np.abs(drawn[top].astype(int) - plain[top].astype(int)).mean() < 2
    text = " ".join(svg_text(tmp_path / "labelled" / "figures" / "con.svg").split())
    assert DEMO.footer in text
    # a figure that cannot grow (a figure legend): the footer lies below its edge and is drawn all the same
    fig = figure()
    fig.legend(["retta"], loc="lower center")
    show_figure(fig, "legenda", tmp_path / "labelled")
    drawn = np.asarray(Image.open(tmp_path / "labelled" / "figures" / "legenda.png").convert("L"))
    assert drawn.shape[0] > plain.shape[0] + 60 and (drawn[plain.shape[0] - 30:] < 128).sum() > 500


# --- walks of a whole report ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_report(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One province (VB) of a demo run (``wecare run`` as a user runs it: demo survey and services)."""
    from wecare_analysis import pipeline

    root = tmp_path_factory.mktemp("labels_demo")
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "practices_survey", "cache", "*.lock"))
    results = pipeline.run_all(["VB"], 2023, "01", root, jobs=1, progress=False)
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return root / "reports" / "VB"


@pytest.mark.slow
def test_every_output_of_a_demo_run_carries_the_synthetic_label(demo_report):
    missing, seen = missing_label(demo_report, "Dati sintetici dimostrativi")
    assert missing == []
    # every kind of output was read: the sheets of findings.xlsx, the CSVs, figures, layers, both editions
    kit_pngs = len(list((demo_report / "kit").rglob("*.png")))  # the slide, its two figures, diapositive/
    assert seen["sheet"] >= 8 and seen["csv"] >= 8 and seen["svg"] >= 8 and kit_pngs >= 3
    assert seen["png"] == seen["svg"] + kit_pngs
    assert seen["layer"] >= 5 and seen["html"] == seen["pdf"] == 1
    book = load_workbook(demo_report / "findings.xlsx", read_only=True)
    sources = [row[2] for row in book["Definizioni e fonti"].iter_rows(min_row=3, values_only=True)]
    assert "Indagine Wecare" not in sources and "Dati sintetici dimostrativi" in sources


@pytest.mark.slow
def test_every_output_of_a_run_with_an_ingested_survey_names_it(planted_report):
    out = planted_report["out"]
    missing, seen = missing_label(out, "survey_planted.csv")
    assert missing == [] and seen["sheet"] >= 8 and seen["svg"] >= 8 and seen["pdf"] == 1
    # the survey is not called synthetic (the demo services still are, and say so)
    for csv in (out / "opendata").glob("*.csv"):
        assert "indagine: dati sintetici" not in csv.read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "indagine: indagine «survey_planted.csv» del " in html and "Dati sintetici dimostrativi (servizi" in html
