"""HTML report → A4 PDF with page numbers, via WeasyPrint (pure pip install; uses the system's Pango).

The report HTML (:func:`wecare_analysis.report.html.notebook_to_html`) is laid
out on A4 pages with the print stylesheet :data:`PRINT_CSS`: 18 mm margins,
"Pagina N di M" at the foot of every page (CSS Paged Media ``counter(page)`` /
``counter(pages)``), the document title in the header, no page break inside
figures or table rows, level-2 headings starting a new page.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from wecare_analysis.atomic import atomic_path

#: Print stylesheet added on top of the HTML's own styles.
PRINT_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm 16mm;
  @top-right { content: string(doctitle); font-size: 8pt; color: #666; }
  @bottom-center { content: "Pagina " counter(page) " di " counter(pages); font-size: 8pt; color: #444; }
}
html, body { font-size: 10pt; }
body { max-width: none !important; margin: 0 !important; }
title { string-set: doctitle content(); }
h1 { string-set: doctitle content(); }
h2 { break-before: page; }
h1 + h2, .jp-Cell:first-child h2 { break-before: auto; }
img, svg, figure { max-width: 100% !important; height: auto; break-inside: avoid; }
table { font-size: 8.5pt; border-collapse: collapse; }
tr, .jp-OutputArea-output img { break-inside: avoid; }
thead { display: table-header-group; }
.jp-OutputArea-output { overflow: visible !important; }
.jp-RenderedHTMLCommon { padding-right: 0 !important; }
"""


def html_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str],
                extra_css: str = "") -> Path:
    """Write ``pdf_path``: the HTML report on A4 pages numbered "Pagina N di M".

    Parameters
    ----------
    html_path
        Self-contained HTML (images embedded); relative links resolve from its folder.
    pdf_path
        Target PDF, written atomically.
    extra_css
        CSS appended to :data:`PRINT_CSS`.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Examples
    --------
    >>> html_to_pdf("reports/BI/report.html", "reports/BI/report.pdf")  # doctest: +SKIP
    PosixPath('reports/BI/report.pdf')
    """
    from weasyprint import CSS, HTML

    for name in ("weasyprint", "fontTools"):  # layout warnings (unsupported CSS of the notebook theme)
        logging.getLogger(name).setLevel(logging.ERROR)
    source = Path(html_path)
    document = HTML(filename=str(source), base_url=str(source.parent))
    with atomic_path(pdf_path) as tmp:
        document.write_pdf(tmp, stylesheets=[CSS(string=PRINT_CSS + extra_css)])
    return Path(pdf_path)
