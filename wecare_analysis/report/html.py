"""Executed notebook → self-contained Italian HTML report (no code, images embedded, offline)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from wecare_analysis.atomic import write_text_atomic

#: Cells tagged with it (e.g. instructions for interactive use) are left out of the report.
REMOVE_TAG = "remove_cell"


def notebook_to_html(notebook: Path, target: Path, title: str) -> Path:
    """Convert an executed notebook to HTML without code cells or prompts.

    Images are the notebook's own base64 outputs, so the file is readable
    offline; the template drops the scripts the default one loads from a CDN.
    Cells tagged :data:`REMOVE_TAG` are dropped.
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
        body, _ = exporter.from_notebook_node(nb)
    return write_text_atomic(target, body)
