"""``wecare activities template`` and ``wecare activities validate``: the programme's own records."""

from __future__ import annotations

import argparse
import json
import sys

from wecare_analysis.errors import EXIT_OK, InputError

KIND_CHOICES = ("meetings", "desk", "focus")


def _template(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.activities.templates import template_format, write_template

    fmt = template_format(args.out, args.format)
    path = write_template(args.kind, args.out, fmt, region=args.region)
    print(f"{args.kind} template ({fmt}) written to {path}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.activities.parsing import parse_period
    from wecare_analysis.activities.store import ingest_activities

    try:
        summary = ingest_activities(args.path, args.kind, out_dir=args.out, quarantine=args.quarantine,
                                    root=args.root, period=parse_period(args.period), year=args.year,
                                    region=args.region)
    except InputError as err:
        if not args.json:
            raise
        print(json.dumps({"file": str(args.path), "kind": args.kind, "rows_read": 0, "rows_kept": 0,
                          "rows_quarantined": 0, "errors": [err.message], "errors_total": 1, "screened": [],
                          "warnings": [], "exit_code": err.exit_code}, ensure_ascii=False))
        sys.stderr.write(f"wecare: {err.message}\n")
        return err.exit_code
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(f"{summary['file']} ({summary['kind']}): {summary['rows_read']} rows read, {summary['rows_kept']} "
              f"kept, {summary['rows_quarantined']} quarantined ({summary['outputs']['quarantine']}).")
        for cell in summary["screened"]:
            print(f"screened: row {cell['row']}, column {cell['column']!r}: {', '.join(cell['found'])} found and "
                  "masked; the notes stay in data/raw/restricted/")
        for line in summary["warnings"]:
            print(f"warning: {line}")
        for line in summary["errors"][:20]:
            sys.stderr.write(f"{line}\n")
        if summary["errors_total"] > 20:
            sys.stderr.write(f"... {summary['errors_total'] - 20} more in {summary['outputs']['quarantine']}\n")
    return int(summary["exit_code"])


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``activities template`` and ``activities validate``."""
    act = sub.add_parser("activities", help="templates and validation of meetings, desk contacts, focus groups")
    act_sub = act.add_subparsers(dest="activities_command", metavar="ACTION", parser_class=type(act))
    tpl = act_sub.add_parser(
        "template", help="write an empty template an operator fills (XLSX with dropdowns, CSV, XLSForm)",
        description="The format follows --format, else the name: *.xlsform.xlsx = XLSForm for KoboToolbox/ODK, "
                    "*.xlsx = Excel with dropdowns and instructions, *.csv = header row only.")
    tpl.add_argument("kind", choices=KIND_CHOICES)
    tpl.add_argument("--out", required=True, help="FILE.xlsx, FILE.csv or FILE.xlsform.xlsx")
    tpl.add_argument("--format", choices=["xlsx", "csv", "xlsform"], default=None)
    tpl.add_argument("--region", default="01", help="ISTAT region whose provinces are listed (default 01)")
    tpl.set_defaults(func=_template)

    val = act_sub.add_parser(
        "validate", help="validate a filled template or a KoboToolbox export, write the tables and the quarantine",
        description="Exit codes: 0 all rows kept; 1 some rows quarantined; 2 file unusable.")
    val.add_argument("path", help="CSV or XLSX (filled template, KoboToolbox/ODK export)")
    val.add_argument("--kind", choices=KIND_CHOICES, default=None, help="kind of records (default: from headers)")
    val.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    val.add_argument("--period", default=None,
                     help="programme period START:END (e.g. 2023-01-01:2024-12-31); the programme text states "
                          "no dates, so by default only future dates are refused")
    val.add_argument("--out", default=None, help="output folder (default data/processed/activities/<kind>/)")
    val.add_argument("--quarantine", default=None, help="quarantine file (default PATH.quarantine.csv)")
    val.add_argument("--root", default=None, help="project root (default $WECARE_ROOT or the current folder)")
    val.add_argument("--year", type=int, default=2023, help="ISTAT municipality list year (default 2023)")
    val.add_argument("--region", default="01", help="ISTAT region of the programme (default 01, Piedmont)")
    val.set_defaults(func=_validate)
