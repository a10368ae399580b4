"""Executed notebook → self-contained Italian HTML report (no code, images embedded, offline)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.report import html_polish
from wecare_analysis.report.sanitise import SafeOutputs

#: Cells tagged with it (e.g. instructions for interactive use) are left out of the report.
REMOVE_TAG = "remove_cell"


class DropStderr(Preprocessor):
    """Remove stderr streams (library warnings, progress bars): they stay in the executed notebook and
    the run's log, never in a published report."""

    def preprocess_cell(self, cell, resources, index):
        """Keep every output of ``cell`` but its stderr streams."""
        if cell.get("outputs"):
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream"
                                                           and o.get("name") == "stderr")]
        return cell, resources


#: nbconvert templates of the report: the browser edition, and the print edition that becomes the PDF.
SCREEN_TEMPLATE = "wecare"
PRINT_TEMPLATE = "wecare_print"


def notebook_html(notebook: Path, title: str, template: str = SCREEN_TEMPLATE) -> str:
    """HTML of an executed notebook without code cells or prompts.

    Images are the notebook's own base64 outputs, so the file is readable
    offline; the templates drop the scripts the default one loads from a CDN.
    Cells tagged :data:`REMOVE_TAG` are dropped, and so are stderr outputs (:class:`DropStderr`);
    every other output is made safe (:class:`~wecare_analysis.report.sanitise.SafeOutputs`: no live
    HTML from a user's file name, service name or answer).
    ``template`` is :data:`SCREEN_TEMPLATE` (JupyterLab look) or :data:`PRINT_TEMPLATE`
    (a compact stylesheet, for the PDF). Text columns of tables are aligned left and the screen edition
    opens with a table of contents (:mod:`~wecare_analysis.report.html_polish`).
    """
    nb = nbformat.read(notebook, as_version=4)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG}
    nb.metadata["title"] = title
    template_dir = resources.files("wecare_analysis.report") / "templates"
    with resources.as_file(template_dir) as folder:
        exporter = HTMLExporter(config=config, template_name=template, extra_template_basedirs=[str(folder)],
                                extra_template_paths=[str(folder)],
                                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                                language_code="it")
        exporter.register_preprocessor(DropStderr(), enabled=True)
        exporter.register_preprocessor(SafeOutputs(), enabled=True)
        body, _ = exporter.from_notebook_node(nb)
    body = html_polish.left_align_text_columns(body)
    return html_polish.table_of_contents(body) if template == SCREEN_TEMPLATE else body


def notebook_to_html(notebook: Path, target: Path, title: str) -> Path:
    """Write the browser edition of an executed notebook (:func:`notebook_html`) to ``target`` atomically."""
    return write_text_atomic(target, notebook_html(notebook, title))
