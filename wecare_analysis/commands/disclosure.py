"""``wecare disclosure audit REPORTS``: the joint disclosure audit of everything a run published.

Contract::

    wecare disclosure audit REPORTS [--min-cell K] [--json]

REPORTS is the folder of the published reports (``reports/``: one ``<SIGLA>/`` folder per
province, with ``opendata/rispondenti.csv``, ``opendata/bisogni.csv`` and ``findings.xlsx``).
Every suppressed cell of every province's respondent and needs tables, linked by the region's
column, is attacked by linear programming (:func:`wecare_analysis.disclosure_joint.audit_reports`).
Exit code 0: every suppressed cell keeps an interval at least K wide and is not pinned; 1: some
cell does not (each named on stdout); 2: the folder or a table cannot be read.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from wecare_analysis.commands.validators import positive_int
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL, InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``disclosure`` sub-command and its ``audit`` verb."""
    p = sub.add_parser("disclosure", help="disclosure control of the published reports",
                       description="Disclosure control of the published reports.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", parser_class=type(p))
    audit = verbs.add_parser("audit", help="linear-programming attack on every suppressed cell of a run",
                             description=__doc__.split("\n\n")[0])
    audit.add_argument("reports", type=Path, help="folder of the published reports (reports/)")
    audit.add_argument("--min-cell", type=positive_int, default=None,
                       help="threshold (default: the one the '< k' labels show, else $WECARE_MIN_CELL or 5)")
    audit.add_argument("--json", action="store_true", help="print the result as JSON")
    audit.set_defaults(func=run)


def _cell_text(cell: tuple) -> str:
    return " / ".join(str(part) for part in cell if part != "__region__") + (
        " / regione" if "__region__" in cell else "")


def _finite(value: float) -> float | None:
    """A bound for JSON: None when unbounded."""
    return None if not math.isfinite(value) else float(value)


def run(args: argparse.Namespace) -> int:
    """Audit the reports under ``args.reports``; return 0 (safe), 1 (a cell is recoverable) or 2."""
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.disclosure_joint import audit_reports

    if not args.reports.is_dir():
        raise InputError(f"{args.reports}: not a folder of reports (give the reports/ folder of a run).")
    try:
        audit, run_ = audit_reports(args.reports, args.min_cell)
    except (ValueError, KeyError) as err:
        raise InputError(f"{args.reports}: the published tables cannot be audited: {err}") from None
    unsafe = audit.unsafe
    if args.json:
        print(json.dumps({"reports": run_.reports, "k": audit.k, "suppressed_cells": len(audit.table),
                          "relaxed": list(audit.relaxed), "passed": audit.passed,
                          "unsafe": [{"cell": [str(p) for p in r.cell], "label": r.label, "lower": _finite(r.lower),
                                      "upper": _finite(r.upper), "known_lower": _finite(r.known_lower),
                                      "known_upper": _finite(r.known_upper), "pinned": bool(r.pinned)}
                                     for r in unsafe.itertuples()]},
                         ensure_ascii=False))
    else:
        print(f"{len(run_.reports)} reports, {len(audit.table)} suppressed cells audited (k = {audit.k}"
              + (f"; relaxed to <=: {', '.join(audit.relaxed)}" if audit.relaxed else "") + ").")
        for r in unsafe.itertuples():
            print(f"UNSAFE {_cell_text(r.cell)} [{r.label}]: between {r.lower:g} and {r.upper:g}"
                  + (f", pinned to {r.known_lower:g}" if r.pinned else ""))
        print("passed: every suppressed cell keeps an interval of at least k." if audit.passed
              else f"failed: {len(unsafe)} suppressed cells can be narrowed below k.")
    return EXIT_OK if audit.passed else EXIT_PARTIAL
