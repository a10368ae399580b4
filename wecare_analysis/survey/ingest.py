"""Ingest a survey export: validate, pseudonymise, write the processed tables.

:func:`ingest_survey` is the function behind ``wecare survey validate``. It writes,
into ``out_dir`` (default ``data/processed/survey/``):

- ``respondents.parquet`` and ``respondents.csv``: kept rows, pseudonymised;
- ``needs.parquet``: the tidy table of :func:`wecare_analysis.survey.tidy.needs_table`;
- ``quarantine.csv``: ``row, column, value, reason`` for every fault (header only if none);
- ``validation.json``: the summary returned;

and the free text, if any, into ``data/raw/restricted/<file stem>_free_text.csv``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from wecare_analysis.atomic import atomic_path, write_text_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL
from wecare_analysis.survey.pseudonymise import load_salt, pseudonymised
from wecare_analysis.survey.tidy import needs_table
from wecare_analysis.survey.validate import SurveyValidation, validate_survey


def default_output_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/processed/survey/`` under the project root."""
    return Catalog(root).processed / "survey"


def restricted_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/raw/restricted/``: where free text goes, never shared."""
    return Catalog(root).raw / "restricted"


def summary_of(result: SurveyValidation, outputs: dict[str, str]) -> dict[str, Any]:
    """The JSON summary of a validation (``rows_read``, ``rows_kept``, ``rows_quarantined``, ``errors``...)."""
    table = result.table
    return {
        "file": str(result.path), "format": table.format, "encoding": table.encoding,
        "delimiter": table.delimiter, "header_row": table.header_row,
        "rows_read": result.rows_read, "rows_kept": result.rows_kept,
        "rows_quarantined": result.rows_quarantined, "blank_rows_skipped": table.blank_rows,
        "errors": result.error_messages(), "errors_total": len(result.quarantine),
        "warnings": result.warnings, "unmatched_columns": result.columns.unmatched,
        "outputs": outputs,
        "exit_code": EXIT_OK if result.rows_quarantined == 0 else EXIT_PARTIAL,
    }


def ingest_survey(path: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
                  root: str | os.PathLike[str] | None = None, year: int = 2023,
                  region: str = "01") -> dict[str, Any]:
    """Validate ``path``, write the processed tables and return the summary (see the module docstring).

    Raises :class:`~wecare_analysis.errors.InputError` (exit code 2) when the file
    cannot be used at all; the summary's ``exit_code`` is 0 (all rows kept) or 1.
    """
    result = validate_survey(path, year=year, region=region)
    out = Path(out_dir) if out_dir is not None else default_output_dir(root)
    source_key = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    shareable, restricted = pseudonymised(result.clean, load_salt(root), source_key)
    outputs = {"respondents": str(out / "respondents.parquet"), "respondents_csv": str(out / "respondents.csv"),
               "needs": str(out / "needs.parquet"), "quarantine": str(out / "quarantine.csv")}
    for key, frame in (("respondents", shareable), ("needs", needs_table(shareable))):
        with atomic_path(outputs[key]) as tmp:
            frame.to_parquet(tmp, index=False)
    with atomic_path(outputs["respondents_csv"]) as tmp:
        shareable.to_csv(tmp, index=False)
    with atomic_path(outputs["quarantine"]) as tmp:
        result.quarantine.to_csv(tmp, index=False)
    if len(restricted):
        target = restricted_dir(root) / f"{Path(path).stem}_free_text.csv"
        with atomic_path(target) as tmp:
            restricted.to_csv(tmp, index=False)
        outputs["restricted_free_text"] = str(target)
    summary = summary_of(result, outputs)
    write_text_atomic(out / "validation.json", json.dumps(summary, ensure_ascii=False, indent=2))
    return summary
