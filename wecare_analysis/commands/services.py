"""``wecare services validate PATH [--region CODE] [--category C] [--quarantine FILE] [--json]``.

Reads a service list (GeoJSON/overpass-turbo export, Overpass JSON or ``.osm``
XML, GeoPackage, Shapefile, GeoParquet/Parquet, CSV/XLSX with coordinates, or a
registry keyed by ISTAT code, cadastral code or municipality name), classifies
each row (welfare category; not a welfare service category; unknown value, named
with the nearest categories), places each service in its
municipality and writes the rejected rows with their reason to a quarantine
file (default ``PATH.quarantine.csv``, next to the input, which stays in
``data/raw/``) and the rows placed outside the region to ``PATH.outside.csv``
(next to the quarantine file when ``--quarantine`` is given). Exit codes: 0 every
row kept, 1 some rows quarantined or outside the region, 2 the file or an
argument cannot be used (with ``--json``, a JSON object with ``errors`` on stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wecare_analysis.atomic import prepare_target
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL, WecareError


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``services validate``."""
    p = sub.add_parser("services", help="service offer: validate and place service lists")
    actions = p.add_subparsers(dest="services_command", metavar="ACTION")
    v = actions.add_parser("validate", help="read, classify and place a service list; quarantine bad rows",
                           description=__doc__.split("\n\n")[1])
    v.add_argument("path", type=Path, help="GeoJSON, Overpass JSON/XML, GeoPackage, Shapefile, (Geo)Parquet, CSV or XLSX")
    v.add_argument("--region", default="01", help="ISTAT region code (default 01 Piedmont) or 'all'")
    v.add_argument("--category", help="category of every row when the file has no category column")
    v.add_argument("--quarantine", type=Path, help="quarantine CSV (default PATH.quarantine.csv)")
    v.add_argument("--json", action="store_true", help="print the counts as JSON on stdout")
    v.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Validate the service list and return the exit code."""
    try:
        return _validate(args)
    except WecareError as err:
        if not args.json:
            raise
        print(json.dumps({"file": str(args.path), "rows_read": 0, "rows_kept": 0, "rows_quarantined": 0,
                          "rows_outside_region": 0, "errors": [err.message], "warnings": [],
                          "exit_code": err.exit_code}, ensure_ascii=False))
        sys.stderr.write(f"wecare: {err.message}\n")
        return err.exit_code


def _validate(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.services.ingest import validate_services

    if args.quarantine is not None:
        prepare_target(args.quarantine)
    result = validate_services(args.path, region=args.region, category=args.category)
    summary = result.summary()
    qpath = result.write_quarantine(args.quarantine)
    opath = result.write_outside(None if args.quarantine is None
                                 else args.quarantine.with_name(args.quarantine.stem + ".outside.csv"))
    if qpath is not None:
        summary["quarantine_file"] = str(qpath)
    if opath is not None:
        summary["outside_file"] = str(opath)
    code = EXIT_PARTIAL if result.rows_quarantined or result.rows_outside_region else EXIT_OK
    summary["exit_code"] = code
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(f"{args.path}: {result.rows_read} rows read, {result.rows_kept} kept, "
              f"{result.rows_quarantined} quarantined, {result.rows_outside_region} outside the region"
              + (f" (listed in {opath})" if opath is not None else "") + ".")
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.masking import Masker

    masker = Masker()  # a reason may repeat a value: no e-mail, phone or fiscal code on the terminal
    for line in result.quarantine.head(20).itertuples():
        sys.stderr.write(f"wecare: {args.path.name}: row {line.row}: {masker.text(str(line.reason))}\n")
    if result.rows_quarantined > 20:
        sys.stderr.write(f"wecare: ... {result.rows_quarantined - 20} more in {qpath}\n")
    for w in result.warnings:
        sys.stderr.write(f"wecare: warning: {w}\n")
    return code
