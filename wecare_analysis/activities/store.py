"""Write and read the validated programme records: processed tables, quarantine, restricted notes.

:func:`ingest_activities` (behind ``wecare activities validate``) writes one set of
files per input file, all atomically (renamed in place only once every one is
written):

- ``data/processed/activities/<kind>/<file stem>.parquet`` (and ``.csv``): the kept
  rows, without notes; :func:`load_activities` concatenates every file of a kind;
- ``data/processed/activities/<kind>/<file stem>.validation.json``: the summary;
- the quarantine, by default ``<input>.quarantine.csv`` beside the input
  (``row, column, value, reason``; header only when nothing is quarantined);
- the notes, masked, in ``data/raw/restricted/<file stem>_<kind>_notes.csv``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from wecare_analysis.activities.ingest import ActivityValidation, validate_activities
from wecare_analysis.activities.schema import KINDS
from wecare_analysis.atomic import atomic_path, prepare_target
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL, quarantine_path
from wecare_analysis.safe_text import neutralised


def processed_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """``data/processed/activities/`` under the project root."""
    return Catalog(root).processed / "activities"


def restricted_notes_path(source: str | os.PathLike[str], kind: str,
                          root: str | os.PathLike[str] | None = None) -> Path:
    """Where the masked notes of ``source`` go: ``data/raw/restricted/<stem>_<kind>_notes.csv``."""
    return Catalog(root).raw / "restricted" / f"{Path(source).stem}_{kind}_notes.csv"


def summary_of(result: ActivityValidation, outputs: dict[str, str]) -> dict[str, Any]:
    """The JSON summary: ``rows_read = rows_kept + rows_quarantined``, errors, screened cells, outputs."""
    period = None if result.period is None else [d.isoformat() for d in result.period]
    return {
        "file": str(result.path), "kind": result.kind, "format": result.table.format,
        "encoding": result.table.encoding, "delimiter": result.table.delimiter,
        "rows_read": result.rows_read, "rows_kept": result.rows_kept, "rows_quarantined": result.rows_quarantined,
        "blank_rows_skipped": result.table.blank_rows, "errors": result.error_messages(),
        "errors_total": len(result.quarantine), "screened": result.screened,
        "screened_total": len(result.screened), "warnings": result.warnings, "period": period,
        "outputs": outputs, "exit_code": EXIT_OK if result.rows_quarantined == 0 else EXIT_PARTIAL,
    }


def ingest_activities(path: str | os.PathLike[str], kind: str | None = None,
                      out_dir: str | os.PathLike[str] | None = None,
                      quarantine: str | os.PathLike[str] | None = None,
                      root: str | os.PathLike[str] | None = None,
                      period: tuple[dt.date, dt.date] | None = None, year: int = 2023, region: str = "01",
                      today: dt.date | None = None) -> dict[str, Any]:
    """Validate ``path`` and write its tables (module docstring); return the summary of :func:`summary_of`."""
    result = validate_activities(path, kind, period=period, year=year, region=region, today=today)
    stem = Path(path).stem
    out = Path(out_dir) if out_dir is not None else processed_dir(root) / result.kind
    outputs = {"table": str(out / f"{stem}.parquet"), "table_csv": str(out / f"{stem}.csv"),
               "quarantine": str(quarantine or quarantine_path(path))}
    if len(result.notes):
        outputs["restricted_notes"] = str(restricted_notes_path(path, result.kind, root))
    summary = summary_of(result, outputs)
    clean = result.clean
    writers: list[tuple[str, Callable[[Path], object]]] = [
        (str(out / f"{stem}.validation.json"),
         lambda tmp: tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")),
        (outputs["table"], lambda tmp: clean.to_parquet(tmp, index=False)),
        (outputs["table_csv"], lambda tmp: neutralised(clean).to_csv(tmp, index=False)),
        (outputs["quarantine"], lambda tmp: neutralised(result.quarantine).to_csv(tmp, index=False)),
    ]
    if len(result.notes):
        writers.append((outputs["restricted_notes"], lambda tmp: result.notes.to_csv(tmp, index=False)))
    for target, _ in writers:
        prepare_target(target)
    with contextlib.ExitStack() as stack:
        for target, write in writers:
            write(stack.enter_context(atomic_path(target)))
    summary["outputs"]["validation"] = str(out / f"{stem}.validation.json")
    return summary


def load_activities(kind: str, root: str | os.PathLike[str] | None = None,
                    folder: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every validated file of ``kind`` (``folder`` default ``data/processed/activities/<kind>/``), concatenated.

    A ``source_file`` column names the file each row comes from; no file gives an empty table.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    base = Path(folder) if folder is not None else processed_dir(root) / kind
    parts = [pd.read_parquet(p).assign(source_file=p.stem) for p in sorted(base.glob("*.parquet"))]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def load_notes(kind: str, root: str | os.PathLike[str] | None = None,
               stems: list[str] | None = None) -> pd.DataFrame:
    """The restricted (masked) notes of ``kind``: ``source_row, province_sigla, notes`` (researcher only).

    ``stems``: only the notes of the input files with these stems (default: every file).
    """
    base = Catalog(root).raw / "restricted"
    files = sorted(base.glob(f"*_{kind}_notes.csv"))
    if stems is not None:
        files = [p for p in files if p.name.removesuffix(f"_{kind}_notes.csv") in set(stems)]
    parts = [pd.read_csv(p, dtype={"notes": str}, keep_default_na=False) for p in files]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["source_row", "province_sigla", "notes"])
