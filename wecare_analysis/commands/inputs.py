"""``wecare inputs validate mef|third-sector|ahp PATH [--region CODE] [--year Y] [--json]``.

Checks an optional input of the transferability criteria before a long run, as
``wecare run --mef/--third-sector/--ahp`` would read it: MEF IRPEF income by
municipality, a 5×1000-style third-sector register (CSV in any delimiter and line
ending, zipped CSV, XLSX or Parquet), or the stakeholders' AHP comparison matrix.
Rows left out go to ``PATH.quarantine.csv`` with their reason. The JSON counts are
those of ``wecare services validate``: ``rows_read = rows_kept + rows_quarantined +
rows_outside_region``. Exit codes: 0 every row used, 1 some rows quarantined or
outside the region, 2 the file cannot be used (with ``--json``, a JSON object with
``errors`` on stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wecare_analysis.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_UNUSABLE,
    InputError,
    WecareError,
    quarantine_path,
)

KINDS = ("mef", "third-sector", "ahp")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``inputs validate``."""
    p = sub.add_parser("inputs", help="optional inputs of the criteria (MEF, third sector, AHP): validate")
    actions = p.add_subparsers(dest="inputs_command", metavar="ACTION")
    v = actions.add_parser("validate", help="read an optional input as a run would; quarantine bad rows",
                           description=__doc__.split("\n\n")[1])
    v.add_argument("kind", choices=KINDS, help="what the file is")
    v.add_argument("path", type=Path, help="CSV, zipped CSV, XLSX or Parquet (AHP: CSV matrix)")
    v.add_argument("--region", default="01", help="ISTAT region code (default 01 Piedmont) or 'all'")
    v.add_argument("--year", type=int, default=2023, help="year of the ISTAT municipality list (default 2023)")
    v.add_argument("--json", action="store_true", help="print the counts as JSON on stdout")
    v.set_defaults(func=run_validate)


def _empty_summary(path: Path, kind: str) -> dict:
    return {"file": str(path), "input": kind, "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0,
            "rows_outside_region": 0, "errors": [], "warnings": []}


def run_validate(args: argparse.Namespace) -> int:
    """Validate the file and return the exit code."""
    try:
        summary = _validate(args)
    except WecareError as err:
        summary = {**_empty_summary(args.path, args.kind), "errors": [err.message], "exit_code": err.exit_code}
        if args.json:
            print(json.dumps(summary, ensure_ascii=False))
        sys.stderr.write(f"wecare: {err.message}\n")
        return err.exit_code
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"{args.path}: {summary['rows_read']} rows read, {summary['rows_kept']} kept, "
              f"{summary['rows_quarantined']} quarantined, {summary['rows_outside_region']} outside the region.")
    for w in summary["warnings"]:
        sys.stderr.write(f"wecare: {args.path.name}: {w}\n")
    return summary["exit_code"]


def _validate(args: argparse.Namespace) -> dict:
    path: Path = args.path
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a file.")
    if not path.is_file():
        raise InputError(f"{path}: file not found.")
    if args.kind == "ahp":
        return _validate_ahp(path)
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.practices.optional_inputs import (
        UNUSABLE,
        read_mef_irpef,
        read_third_sector,
        write_quarantine,
    )
    from wecare_analysis.territory import load_territory, normalise_region

    territory = load_territory(args.year, normalise_region(args.region))
    reader = read_mef_irpef if args.kind == "mef" else read_third_sector
    result = reader(path, territory, args.year)
    if result.status == UNUSABLE:
        raise InputError(f"{path}: cannot be used: {' '.join(result.messages)}")
    summary = {**_empty_summary(path, args.kind), "status": result.status, "rows_read": result.rows_read,
               "rows_kept": result.rows_kept, "rows_quarantined": result.rows_quarantined,
               "rows_outside_region": result.rows_outside, "municipalities": len(result.table),
               "provinces": result.provinces, "warnings": result.messages,
               "reasons": {k: int(v) for k, v in result.quarantine["reason"].value_counts().items()}}
    target = write_quarantine(result, target=quarantine_path(path))
    if target is None and quarantine_path(path).is_file():
        quarantine_path(path).unlink()  # an earlier quarantine would describe rows that are fine now
    if target is not None:
        summary["quarantine_file"] = str(target)
    partial = result.rows_quarantined or result.rows_outside
    summary["exit_code"] = EXIT_PARTIAL if partial else EXIT_OK
    return summary


def _validate_ahp(path: Path) -> dict:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.practices.assess import load_ahp
    from wecare_analysis.practices.weights import chosen_weights

    try:
        ahp = load_ahp(path)
        _, source = chosen_weights(None, ahp)
    except (UnicodeDecodeError, IndexError, ValueError) as err:
        raise InputError(f"{path}: cannot be read as an AHP comparison matrix ({err}).",
                         EXIT_UNUSABLE) from None
    n = len(ahp.weights) if getattr(ahp, "weights", None) is not None else 0
    warnings = [f"consistency ratio {ahp.cr:.2f} is above 0.10"] if ahp.inconsistent else []
    return {**_empty_summary(path, "ahp"), "rows_read": n, "rows_kept": n, "weights_from": source,
            "consistency_ratio": float(ahp.cr), "warnings": warnings, "exit_code": EXIT_OK}
