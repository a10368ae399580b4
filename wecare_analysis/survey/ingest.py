"""Ingest a survey export: validate, pseudonymise, write the processed tables.

:func:`ingest_survey` is the function behind ``wecare survey validate``. It writes,
into ``out_dir`` (default ``data/processed/survey/``):

- ``respondents.parquet`` and ``respondents.csv``: kept rows, pseudonymised;
- ``needs.parquet``: the tidy table of :func:`wecare_analysis.survey.tidy.needs_table`;
- ``quarantine.csv``: ``row, column, value, reason`` for every fault (header only if none);
- ``validation.json``: the summary returned;

and the free text, if any, into ``data/raw/restricted/<file stem>_free_text.csv``.

The outputs form one set: all are written to temporary names first and renamed
in place only once every one has been written (``validation.json`` last), so a
failure leaves the previous set untouched rather than a mix of old and new files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wecare_analysis.atomic import atomic_path, prepare_target
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
    if len(restricted):
        outputs["restricted_free_text"] = str(restricted_dir(root) / f"{Path(path).stem}_free_text.csv")
    summary = summary_of(result, outputs)
    writers: list[tuple[str, Callable[[Path], object]]] = [
        # validation.json first: entered first, it is renamed last, once every other output is in place
        (str(out / "validation.json"),
         lambda tmp: tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")),
        (outputs["respondents"], lambda tmp: shareable.to_parquet(tmp, index=False)),
        (outputs["needs"], lambda tmp: needs_table(shareable).to_parquet(tmp, index=False)),
        (outputs["respondents_csv"], lambda tmp: shareable.to_csv(tmp, index=False)),
        (outputs["quarantine"], lambda tmp: result.quarantine.to_csv(tmp, index=False)),
    ]
    if len(restricted):
        writers.append((outputs["restricted_free_text"], lambda tmp: restricted.to_csv(tmp, index=False)))
    for target, _ in writers:  # refuse unusable output paths before writing anything
        prepare_target(target)
    with contextlib.ExitStack() as stack:  # all written to temporary names, renamed only if all succeeded
        for target, write in writers:
            write(stack.enter_context(atomic_path(target)))
    return summary
