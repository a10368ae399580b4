"""Report HTML and PDF polish (issue 16, item 5): text columns left-aligned, table of contents, tagged PDF,
no forced page breaks, public subtitle without the package version."""

from __future__ import annotations

import pandas as pd
from pypdf import PdfReader

from wecare_analysis import __version__
from wecare_analysis.report import document as doc
from wecare_analysis.report import html_polish as hp
from wecare_analysis.report.pdf import PRINT_CSS, html_to_pdf


def _styler_html() -> str:
    table = pd.DataFrame({"Comune": ["Torino", "Alba"], "Residenti": ["846.000", "31.000"],
                          "Quota": ["42,5%", "< 5"], "Fascia": ["3-5", "6-14"]})
    return table.style.hide(axis="index").to_html()


def test_text_columns_are_left_aligned_numbers_are_not():
    out = hp.left_align_text_columns(_styler_html())
    left = 'style="text-align: left"'
    # Comune (col0) and Fascia (col3, "3-5" is not a number) are text; Residenti and Quota are numbers
    for col, is_text in ((0, True), (1, False), (2, False), (3, True)):
        cells = [c for c in out.split("<td")[1:] if f"col{col}\"" in c.split(">")[0]]
        assert cells and all((left in c.split(">")[0]) == is_text for c in cells), col
        head = [h for h in out.split("<th")[1:] if f"col_heading level0 col{col}\"" in h.split(">")[0]]
        assert head and (left in head[0].split(">")[0]) == is_text
    assert hp.left_align_text_columns("<p>niente</p>") == "<p>niente</p>"


def test_table_of_contents_links_every_section():
    body = ('<div class="jp-Cell"><h1>Wecare</h1></div><div class="jp-Cell"><h2 id="risultati">I cinque risultati'
            '</h2></div><div class="jp-Cell"><h2>Metodi e fonti</h2></div>')
    out = hp.table_of_contents(body)
    assert out.index("<nav") > out.index("</h1>") and out.index("<nav") < out.index('<h2 id="risultati"')
    assert '<a href="#risultati">I cinque risultati</a>' in out and '<a href="#metodi-e-fonti">Metodi e fonti</a>' in out
    assert '<h2 id="metodi-e-fonti">Metodi e fonti</h2>' in out
    assert "<nav" not in hp.table_of_contents("<h2>Solo</h2>")  # one section needs no index


def test_pdf_is_tagged_and_has_no_forced_page_breaks(tmp_path):
    assert "break-before: page" not in PRINT_CSS and "break-after: avoid" in PRINT_CSS
    html = tmp_path / "r.html"
    html.write_text('<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>Prova</title></head><body>'
                    "<h1>Titolo</h1><h2>Uno</h2><p>Testo breve.</p><h2>Due</h2><p>Altro testo.</p></body></html>",
                    encoding="utf-8")
    reader = PdfReader(html_to_pdf(html, tmp_path / "r.pdf"))
    assert len(reader.pages) == 1  # the old stylesheet put each h2 on a new page: three pages
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "it" and "/StructTreeRoot" in root


def test_public_subtitle_has_no_package_version():
    title = doc.title_markdown("Biella", "BI", True)
    assert __version__ not in title and "wecare-analysis" not in title
    assert "Versione del" in title
