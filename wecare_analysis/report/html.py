"""Executed notebook → self-contained Italian HTML report (no code, images embedded, offline)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets.config import Config

from wecare_analysis.atomic import write_text_atomic

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


def notebook_to_html(notebook: Path, target: Path, title: str) -> Path:
    """Convert an executed notebook to HTML without code cells or prompts.

    Images are the notebook's own base64 outputs, so the file is readable
    offline; the template drops the scripts the default one loads from a CDN.
    Cells tagged :data:`REMOVE_TAG` are dropped, and so are stderr outputs (:class:`DropStderr`).
    """
    nb = nbformat.read(notebook, as_version=4)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG}
    nb.metadata["title"] = title
    template_dir = resources.files("wecare_analysis.report") / "templates"
    with resources.as_file(template_dir) as folder:
        exporter = HTMLExporter(config=config, template_name="wecare", extra_template_basedirs=[str(folder)],
                                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                                language_code="it")
        exporter.register_preprocessor(DropStderr(), enabled=True)
        body, _ = exporter.from_notebook_node(nb)
    return write_text_atomic(target, body)
