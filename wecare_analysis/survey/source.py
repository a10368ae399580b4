"""Which survey every part of a report reads: one rule, so that needs and transferability never disagree.

The order is: the export given explicitly (validated and pseudonymised now); else the
survey ingested last with ``wecare survey validate`` (``data/processed/survey/``); else the
synthetic demo survey, written to ``data/raw/demo/`` and ingested once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from wecare_analysis.catalog import Catalog
from wecare_analysis.demo.survey import write_demo_survey
from wecare_analysis.survey.ingest import default_output_dir, ingest_survey

#: Region of the synthetic demo survey (the programme surveyed Piedmont).
DEMO_REGION = "01"


def demo_survey_path(root: str | os.PathLike[str] | None = None) -> Path:
    """Where the synthetic demo survey export is written: ``data/raw/demo/survey.csv``."""
    return Catalog(root).raw / "demo" / "survey.csv"


def survey_summary(root: str | os.PathLike[str] | None = None, year: int = 2023, region: str = "01",
                   survey_path: str | os.PathLike[str] | None = None) -> tuple[dict, bool]:
    """The ingestion summary of the survey to use, and whether it is the synthetic demo survey.

    Parameters
    ----------
    survey_path
        A survey export to validate and ingest now; None for the ingested survey, or else the demo one
        (a Piedmont survey, ingested with :data:`DEMO_REGION` whatever ``region`` is).

    Returns
    -------
    tuple of (dict, bool)
        The ``validation.json`` content of :func:`~wecare_analysis.survey.ingest.ingest_survey` (``file``,
        ``outputs`` with the ``needs`` and ``respondents`` tables, row counts) and the synthetic flag.
    """

    demo = demo_survey_path(root)
    summary_file = default_output_dir(root) / "validation.json"
    if survey_path is not None:
        summary = ingest_survey(survey_path, root=root, year=year, region=region)
    elif summary_file.is_file():
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
    else:
        if not demo.is_file():
            write_demo_survey(demo.parent, root=root)
        summary = ingest_survey(demo, root=root, year=year, region=DEMO_REGION)
    return summary, Path(summary["file"]).resolve() == demo.resolve()


def survey_record(root: str | os.PathLike[str] | None = None) -> dict | None:
    """Which survey the reports of ``root`` read: the ingested ``survey.manifest.json`` (file name, SHA-256,
    modification date, rows read, kept and quarantined, form or mapping) with ``synthetic`` (the demo survey);
    None when no survey was ingested yet."""

    out = default_output_dir(root)
    manifest, summary = out / "survey.manifest.json", out / "validation.json"
    if not (manifest.is_file() and summary.is_file()):
        return None
    record = json.loads(manifest.read_text(encoding="utf-8"))
    file = json.loads(summary.read_text(encoding="utf-8"))["file"]
    record["synthetic"] = Path(file).resolve() == demo_survey_path(root).resolve()
    return record
