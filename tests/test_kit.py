"""The dissemination kit (issue 16, item 4): one-page PDF, slide PNG, slide-size figures, web-map GeoJSON;
on hand-built frames and on the demo report of VB (``planted_report``)."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader
from shapely.geometry import box

from wecare_analysis.report import document as doc
from wecare_analysis.report import kit
from wecare_analysis.report.exports import read_workbook

KIT_FILES = ("sintesi.pdf", "sintesi_slide.png", "figura_bisogni_1920x1080.png", "figura_mappa_1920x1080.png",
             "comuni.geojson")


def _municipalities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"municipality_code": [96001, 96002, 96003], "name": ["Ailoche", "Andorno", "Benna"],
                             "province_sigla": "BI", "residents": [300, 3000, 1100],
                             "old_age_index": [250.123, 180.0, 150.5]},
                            geometry=[box(430_000 + i * 2000, 5_040_000, 432_000 + i * 2000, 5_042_000)
                                      for i in range(3)], crs="EPSG:32632")


def _small_area() -> pd.DataFrame:
    rows = []
    for area, shift in (("health_prevention", 0.0), ("eldercare", -0.1)):
        for code, p, n in ((96001, 0.31, 0), (96002, 0.45, 12), (96003, 0.38, 3)):
            rows.append({"municipality_code": code, "province_sigla": "BI", "need_area": area,
                         "variable": f"need_{area}", "label": area, "prevalence": p + shift,
                         "ci_low": p + shift - 0.1, "ci_high": p + shift + 0.12, "n": n,
                         "population": 100.0})
    return pd.DataFrame(rows)


def _summary(findings: int = 5, long: bool = False) -> kit.Summary:
    c = doc.NEEDS_COLUMNS
    needs = pd.DataFrame([{c["label"]: f"Area {i}", c["territory"]: t, c["group_label"]: "Tutti",
                           c["pct"]: 40.0 - 3 * i + (2 if t == "Biella" else 0), c["pct_low"]: 35.0 - 3 * i,
                           c["pct_high"]: 45.0 - 3 * i + 3, c["n_label"]: 80}
                          for i in range(10) for t in ("Biella", "Piemonte")])
    text = ("Il bisogno più segnalato è «Salute e prevenzione»: lo indica il 37,1% (IC 95%: 28,4–46,7%) dei "
            "rispondenti." + (" Stima incerta: l'intervallo è ampio, da leggere con cautela." * 10 if long else ""))
    layer = _municipalities().merge(_small_area().query("need_area == 'health_prevention'")[
        ["municipality_code", "prevalence", "ci_low", "ci_high", "n"]], on="municipality_code")
    return kit.Summary("Wecare – Biella (BI)", "Biella", "Piemonte", [text] * findings,
                       ["BiellaWelfare: punteggio di trasferibilità 0,71"] * 3,
                       kit.sources(True, "dati sintetici", 2023, True), True, needs, layer,
                       "«Salute e prevenzione»: comuni sopra o sotto la provincia", 0.40, today=date(2026, 12, 3))


def test_web_layer_is_wgs84_with_intervals_and_no_cell_under_the_threshold():
    layer = kit.web_layer(_municipalities(), _small_area(), synthetic=True, k=5)
    assert layer.crs.to_epsg() == 4326
    row = layer.set_index("codice_comune")
    assert list(row.index) == ["096001", "096002", "096003"]
    assert row.loc["096002", "health_prevention_stima_pct"] == pytest.approx(45.0)
    assert row.loc["096002", "health_prevention_ic_inf_pct"] == pytest.approx(35.0)
    assert row.loc["096002", "health_prevention_ic_sup_pct"] == pytest.approx(57.0)
    assert row.loc["096002", "rispondenti"] == 12 and row.loc["096001", "rispondenti"] == 0
    # Benna's 3 respondents are under the threshold of 5: not published, marked "< 5"
    assert pd.isna(row.loc["096003", "rispondenti"]) and row.loc["096003", "rispondenti_nota"] == "< 5"
    assert row["fonte"].str.contains("dati sintetici dimostrativi").all()
    assert row.loc["096001", "indice_vecchiaia"] == pytest.approx(250.1)


def test_geojson_file_is_rfc7946(tmp_path):
    target = kit.write_geojson(kit.web_layer(_municipalities(), _small_area(), True, 5), tmp_path / "c.geojson",
                               "Dati sintetici dimostrativi.")
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data  # RFC 7946: WGS84 implied
    assert data["description"] == "Dati sintetici dimostrativi."
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert 6.5 < lon < 9.5 and 44 < lat < 46.5  # Piedmont
    read = gpd.read_file(target)
    assert read.crs.to_epsg() == 4326 and read["rispondenti"].isna().sum() == 1


def test_one_page_pdf_and_slide(tmp_path):
    files = kit.write_kit(_summary(), tmp_path, kit.web_layer(_municipalities(), _small_area(), True, 5))
    assert [f.name for f in files] == list(KIT_FILES)
    assert all(f.parent == tmp_path / "kit" for f in files)
    reader = PdfReader(tmp_path / "kit" / "sintesi.pdf")
    assert len(reader.pages) == 1
    assert {round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))} == {595, 842}
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "it" and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged PDF/UA
    text = reader.pages[0].extract_text()
    assert "Dati sintetici dimostrativi" in text and "Fonti:" in text and "Risultati principali" in text
    for name in KIT_FILES[1:4]:
        assert Image.open(tmp_path / "kit" / name).size == (1920, 1080)


def test_a_long_summary_is_shrunk_onto_one_page(tmp_path):
    summary = _summary(long=True)
    path = kit.write_page_pdf(summary, tmp_path / "s.pdf")
    assert len(PdfReader(path).pages) == 1
    # without shrinking the figures it would not fit
    from weasyprint import CSS, HTML

    full = HTML(string=kit.page_html(summary, 1.0)).render(stylesheets=[CSS(string=kit.PAGE_CSS)])
    assert len(full.pages) > 1


def test_kit_without_estimates_maps_an_indicator_and_says_why(tmp_path):
    summary = _summary(findings=3)
    summary.needs, summary.map_reference, summary.map_column = None, None, "old_age_index"
    summary.map_layer = _municipalities()
    summary.notes = ["Stime dei bisogni non disponibili: l'indagine non ha rispondenti in questa regione."]
    files = kit.write_kit(summary, tmp_path)
    assert [f.name for f in files] == list(KIT_FILES[:4])  # no GeoJSON asked
    reader = PdfReader(files[0])
    assert len(reader.pages) == 1 and "Stime dei bisogni non disponibili" in reader.pages[0].extract_text()


def test_slide_text_is_never_smaller_than_the_minimum():
    fig = kit.slide_figure(_summary(long=True))
    sizes = [t.get_fontsize() for t in fig.texts]
    assert min(sizes) >= kit.SLIDE_MIN_FONT - 2  # the sources line, 11 pt = 15 px
    assert sorted(sizes)[1] >= kit.SLIDE_MIN_FONT
    assert tuple(np.round(fig.get_size_inches() * kit.SLIDE_DPI).astype(int)) == kit.SLIDE_SIZE


# --- on the demo report -------------------------------------------------------------------------------------

def test_demo_report_has_its_kit_and_headlines_that_hold_up(planted_report):
    from wecare_analysis.gaps.proximity import proximity_km
    from wecare_analysis.services.taxonomy import load_taxonomy

    out = planted_report["out"]
    folder = out / "kit"
    for name in KIT_FILES:
        assert (folder / name).is_file(), name
    assert len(PdfReader(folder / "sintesi.pdf").pages) == 1
    assert Image.open(folder / "sintesi_slide.png").size == (1920, 1080)
    web = gpd.read_file(folder / "comuni.geojson")
    assert web.crs.to_epsg() == 4326 and len(web) == 74  # the municipalities of VB
    assert {"rispondenti", "rispondenti_nota"} <= set(web.columns)
    assert any(c.endswith("_ic_inf_pct") for c in web.columns) and any(c.endswith("_ic_sup_pct") for c in web.columns)
    published = web["rispondenti"].dropna()
    assert not ((published > 0) & (published < 5)).any()
    # the gap table of the report: no row whose nearest service is within a third of the category's radius
    gaps = read_workbook(out / "findings.xlsx", sheet_name="Divari maggiori")
    taxonomy = load_taxonomy()
    near = gaps["Codice servizio"].map(lambda c: proximity_km(c, taxonomy))
    assert len(gaps) and (gaps["Servizio più vicino (km)"].isna() | (gaps["Servizio più vicino (km)"] > near)).all()
    # every key finding quoting an interval wider than 20 points says it is uncertain
    text = (out / "report.html").read_text(encoding="utf-8")
    for low, high in {(float(a.replace(",", ".")), float(b.replace(",", "."))) for a, b in
                      __import__("re").findall(r"IC 95%: (\d+,\d)–(\d+,\d)%", text)}:
        if high - low > 20:
            assert "Stima incerta" in text
    assert "valgono per ogni comune" not in text and "Stime da modello" in text


def test_every_published_figure_gets_a_slide_copy(tmp_path):
    import matplotlib.pyplot as plt

    from wecare_analysis.report import bundle

    fig, ax = plt.subplots(figsize=(9, 6))
    ax.plot([0, 1], [0, 1], color="red", linewidth=20)
    written = bundle.publish_figure(fig, "prova", tmp_path)
    copy = tmp_path / "kit" / "diapositive" / "prova_1920x1080.png"
    assert copy in written and (tmp_path / "figures" / "prova.png") in written
    image = Image.open(copy)
    original = Image.open(tmp_path / "figures" / "prova.png")
    assert image.size == (1920, 1080)
    # the 300-dpi figure (about 2.700 x 1.800 px, tight box) is scaled to fit 1860 x 1020: the height binds
    scale = min(1860 / original.width, 1020 / original.height)
    width = round(original.width * scale)
    pixels = np.asarray(image)
    assert (pixels[:, : (1920 - width) // 2 - 1] == 255).all()  # white margins left and right
    assert (pixels[:29] == 255).all() and (pixels[-29:] == 255).all()
    assert (pixels[..., 0] > 200).any() and ((pixels[..., 1] < 80) & (pixels[..., 0] > 200)).any()  # the red line
