"""Units of the dissemination layer: PDF, bundle writers, findings, methods text, regional overview."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.disclosure import pdf_text
from wecare_analysis.report import bundle
from wecare_analysis.report import document as doc
from wecare_analysis.report import overview as ov
from wecare_analysis.report.pdf import html_to_pdf, notebook_to_pdf


def _pdf_pages_and_sizes(pdf) -> tuple[int, set[tuple[float, float]]]:
    """Page count and the distinct page sizes in points (rounded to 0.01), read with pypdf."""
    from pypdf import PdfReader

    pages = PdfReader(pdf).pages
    return len(pages), {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in pages}


def _estimates() -> pd.DataFrame:
    rows = []
    for territory, base in (("BI", 0.30), ("Piemonte", 0.20)):
        for (gv, g), shift in {("all", "all"): 0, ("sex", "F"): 0.1, ("sex", "M"): -0.1,
                               ("role", "employee"): 0.05, ("role", "owner"): -0.15}.items():
            for i, var in enumerate(["need_health_prevention", "need_eldercare", "need_housing"]):
                p = base + shift - 0.05 * i
                rows.append({"territory": territory, "group_var": gv, "group": g, "variable": var,
                             "estimate": p, "se": 0.02, "ci_low": p - 0.04, "ci_high": p + 0.04, "n": 50,
                             "suppressed": False, "n_label": 50})
    est = pd.DataFrame(rows)
    est["label"] = est["variable"].map(doc.need_labels())
    return est


def test_needs_table_and_key_findings_by_hand() -> None:
    table = doc.needs_table(_estimates(), ["BI", "Piemonte"], {"BI": "Biella"})
    row = table[(table["Territorio"] == "Biella") & (table["Gruppo"] == "Donne")].iloc[0]
    assert row["Area di bisogno"] == "Salute e prevenzione" and row["Stima (%)"] == pytest.approx(40.0)
    findings = doc.key_findings(table, "Biella", region="Piemonte")
    assert len(findings) == 5
    assert findings[0].text == ("Il bisogno più segnalato è «Salute e prevenzione»: lo indica il 30,0% "
                                "(IC 95%: 26,0–34,0%) dei rispondenti.")
    # women-men gap is 20 points on every area: the first in table order wins; owners differ by 20 points
    assert "donne 40,0% (IC 95%: 36,0–44,0%), uomini 20,0%" in findings[1].text
    assert "titolari e soci 15,0%" in findings[2].text
    assert "contro 20,0% (IC 95%: 16,0–24,0%) nella regione" in findings[3].text
    assert "«Assistenza a familiari anziani o non autosufficienti»: 25,0%" in findings[4].text
    assert all(q.text in f.text for f in findings for q in f.quotes)


def test_key_findings_name_the_region_with_its_preposition() -> None:
    from wecare_analysis.formatting import region_with_preposition

    table = doc.needs_table(_estimates(), ["BI", "Piemonte"], {"BI": "Biella", "Piemonte": "Lombardia"})
    assert set(table["Territorio"]) == {"Biella", "Lombardia"}
    finding = doc.key_findings(table, "Biella", region="Lombardia")[3]
    assert finding.text.startswith("Rispetto alla Lombardia la differenza maggiore")
    assert "contro 20,0% (IC 95%: 16,0–24,0%) nella regione" in finding.text
    assert [region_with_preposition(r, "a") for r in ("Emilia-Romagna", "Marche", "Lazio")] == [
        "all'Emilia-Romagna", "alle Marche", "al Lazio"]
    assert region_with_preposition("Trentino-Alto Adige/Südtirol", "in") == "in Trentino-Alto Adige"
    with pytest.raises(ValueError):
        region_with_preposition("Lazio", "da")


def test_suppressed_rows_do_not_make_findings() -> None:
    est = _estimates().astype({"n_label": object})
    est.loc[est["group"] == "owner", ["estimate", "ci_low", "ci_high"]] = np.nan
    est.loc[est["group"] == "owner", ["suppressed", "n_label"]] = [True, "< 5"]
    table = doc.needs_table(est, ["BI", "Piemonte"], {"BI": "Biella"})
    texts = [f.text for f in doc.key_findings(table, "Biella", region="Piemonte")]
    assert len(texts) == 4 and not any("titolari" in t for t in texts)
    assert "4 di 5" in doc.findings_markdown(doc.key_findings(table, "Biella", region="Piemonte"))


def test_methods_text_names_sources_and_demo_label(tmp_path) -> None:
    survey = doc.SurveySource(pd.DataFrame(), tmp_path / "survey.csv", True, 10, 9, 1)
    text = doc.methods_markdown(survey, 2023, 5, osm_used=True, other_inputs=("Servizi: file «x.geojson».",))
    for part in ("CC BY 4.0", "Openpolis", "ODbL", "dati sintetici dimostrativi", "«< 5»", "«n.p.»",
                 "righe lette 10, tenute 9, in quarantena 1", "x.geojson"):
        assert part in text
    assert "ODbL" not in doc.methods_markdown(survey, 2023, 5)
    assert "calibrati con la classe 55-64" in text and "2SFCA" not in text and "TOPSIS" not in text
    shown = doc.methods_markdown(survey, 2023, 5, sections=("offer", "transfer"))
    for part in ("2SFCA; Luo e Wang 2003", "Wang e Luo 2005", "LISA; Anselin 1995", "TOPSIS (Hwang e Yoon 1981)",
                 "2.000 simulazioni"):
        assert part in shown
    assert "MRP" not in shown and "MRP" in doc.methods_markdown(survey, 2023, 5, sections=("small_area",))
    assert "Sezione non disponibile" in doc.unavailable_markdown("Buone pratiche")


def test_html_to_pdf_is_a4_with_page_numbers(tmp_path) -> None:
    body = "".join(f"<h2>Sezione {i}</h2><p>{'Testo di prova. ' * 500}</p>" for i in range(3))
    (tmp_path / "r.html").write_text(f"<html><head><title>Prova</title></head><body><h1>Prova</h1>{body}</body></html>",
                                     encoding="utf-8")
    pdf = html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    pages, sizes = _pdf_pages_and_sizes(pdf)
    assert sizes == {(595.28, 841.89)}  # A4: 210 x 297 mm = 595.276 x 841.89 pt
    text = pdf_text(pdf)
    assert pages >= 3 and f"Pagina {pages} di {pages}" in text and "Pagina 1 di" in text


def _executed_notebook(path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    removed = nbformat.v4.new_markdown_cell("Istruzioni per l'uso interattivo")
    removed.metadata["tags"] = ["remove_cell"]
    cells = [removed]
    for i in range(3):  # one section per cell, as in the report; sections flow (no forced page breaks)
        code = nbformat.v4.new_code_cell("display(...)")
        text = ("# Rapporto di prova\n\n" if i == 0 else "") + f"## Sezione {i}\n\n{'Testo di prova. ' * 400}"
        code.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text}),
                        nbformat.v4.new_output("stream", name="stderr", text="AVVISO_TECNICO della libreria\n")]
        cells.append(code)
    nb.cells = cells
    nbformat.write(nb, path)


def test_notebook_to_pdf_prints_the_compact_edition(tmp_path) -> None:
    from wecare_analysis.report.html import PRINT_TEMPLATE, notebook_html

    _executed_notebook(tmp_path / "nb.ipynb")
    screen = notebook_html(tmp_path / "nb.ipynb", "Prova")
    printed = notebook_html(tmp_path / "nb.ipynb", "Prova", template=PRINT_TEMPLATE)
    assert "--jp-layout-color0" in screen and "--jp-layout-color0" not in printed
    assert len(printed) < len(screen) / 5 and "<script" not in printed and 'lang="it"' in printed
    pdf = notebook_to_pdf(tmp_path / "nb.ipynb", tmp_path / "r.pdf", title="Prova")
    pages, sizes = _pdf_pages_and_sizes(pdf)
    assert sizes == {(595.28, 841.89)}  # A4: 210 x 297 mm = 595.276 x 841.89 pt
    text = pdf_text(pdf)
    assert pages >= 3 and f"Pagina {pages} di {pages}" in text and "Sezione 2" in text
    assert "AVVISO_TECNICO" not in text and "Istruzioni" not in text


def test_findings_xlsx_definitions_first_and_formats(tmp_path) -> None:
    from openpyxl import load_workbook

    sheets = {"Bisogni": pd.DataFrame({"Area": ["a", "b"], "Stima (%)": [12.34, 5.0], "Rispondenti": [1234, "< 5"]})}
    bundle.write_findings_xlsx(sheets, tmp_path / "findings.xlsx")
    book = load_workbook(tmp_path / "findings.xlsx")
    assert book.sheetnames == ["Definizioni e fonti", "Bisogni"]
    ws = book["Bisogni"]
    assert ws["B2"].number_format == "#,##0.0" and ws["C2"].number_format == "#,##0" and ws["C3"].value == "< 5"
    assert book["Definizioni e fonti"]["A1"].value == "Voce"


def test_opendata_bundle_and_dictionary(tmp_path) -> None:
    table = pd.DataFrame({"Area di bisogno": ["Casa"], "Stima (%)": [12.5], "Rispondenti": ["< 5"]})
    paths = bundle.write_opendata({"Bisogni per provincia": table}, tmp_path)
    assert [p.name for p in paths] == ["bisogni_per_provincia.csv", "dizionario_dati.csv"]
    csv = (tmp_path / "bisogni_per_provincia.csv").read_bytes().decode("utf-8")
    assert csv.splitlines()[0] == "area_di_bisogno,stima_pct,rispondenti"
    dictionary = pd.read_csv(tmp_path / "dizionario_dati.csv")
    stima = dictionary[dictionary["colonna"] == "stima_pct"].iloc[0]
    assert stima["tipo"] == "numero" and stima["descrizione"].startswith("Quota ponderata")
    assert dictionary.loc[dictionary["colonna"] == "rispondenti", "tipo"].iloc[0] == "testo"


def test_needs_by_province_and_ranking() -> None:
    est = _estimates()
    est = pd.concat([est, est[est["territory"] == "BI"].assign(territory="VB", estimate=lambda d: d["estimate"] + .1)])
    wide = ov.needs_by_province(est, "Piemonte")
    assert list(wide.columns) == ["Area di bisogno", "BI", "VB", "Piemonte"]
    assert wide.iloc[0]["Area di bisogno"] == "Salute e prevenzione" and wide.iloc[0]["VB"] == pytest.approx(40.0)
    rank = ov.needs_ranking(wide)
    top = rank[rank["Posizione"] == 1]
    assert set(top["Provincia"]) == {"VB"} and len(top) == 3
    assert list(dict.fromkeys(rank["Area di bisogno"])) == list(wide["Area di bisogno"])  # regional order
    # VB = BI + 10 points: 40% (IC 36-44) vs region 20% -> above; with a wide interval it is not
    est = est.reset_index(drop=True)
    est.loc[est["territory"] == "VB", ["ci_low", "ci_high"]] += 0.1
    best = ov.highest_need_table(est, "Piemonte")
    assert list(best["Area di bisogno"]) == list(wide["Area di bisogno"])
    first = best.iloc[0].replace(ov.NO_BREAK_DASH, "–", regex=True)
    assert (first["Provincia con la quota più alta"], first["Stima (%)"], first["IC 95% (%)"],
            first["Piemonte (%)"], first["Sopra il valore regionale"]) == ("VB", 40.0, "36,0–44,0", 20.0, "sì")
    noisy = est.assign(ci_low=lambda d: d["estimate"] - 0.25)
    assert set(ov.highest_need_table(noisy, "Piemonte")["Sopra il valore regionale"]) == {"non distinguibile"}


def test_province_comparison_sums(piedmont) -> None:
    table = ov.province_comparison(piedmont)
    assert len(table) == 9 and table["Residenti"].iloc[:8].sum() == table["Residenti"].iloc[8]
    assert table.loc[table["Sigla"] == "BI", "Residenti"].iloc[0] == 168823
    layer = ov.province_layer(piedmont)
    assert len(layer) == 8 and layer.crs.to_epsg() == 32632
