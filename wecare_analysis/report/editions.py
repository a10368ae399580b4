"""The two editions of a report from one executed notebook: ``report.html`` (screen) and ``report.pdf`` (print)."""

from __future__ import annotations

from pathlib import Path

from wecare_analysis.report.html import notebook_to_html
from wecare_analysis.report.pdf import notebook_to_pdf


def write_report_editions(notebook: Path, folder: Path, title: str, pdf: bool = True) -> list[Path]:
    """Write ``folder/report.html`` and, when ``pdf``, ``folder/report.pdf`` from an executed notebook.

    The HTML is the browser edition (JupyterLab look, images embedded, readable
    offline); the PDF is laid out from the print edition on A4 pages numbered
    "Pagina N di M" (:func:`~wecare_analysis.report.pdf.notebook_to_pdf`). Both are
    written atomically.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    written = [notebook_to_html(notebook, folder / "report.html", title=title)]
    if pdf:

        written.append(notebook_to_pdf(notebook, folder / "report.pdf", title=title))
    return written
