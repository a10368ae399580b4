"""``wecare territory``: build the processed territory layer and show its repairs."""

from __future__ import annotations

import argparse
import json

from wecare_analysis.commands.validators import add_init_option
from wecare_analysis.errors import EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``territory build`` sub-command."""
    p = sub.add_parser("territory", help="ISTAT territory layer (build, inspect)")
    tsub = p.add_subparsers(dest="territory_command", metavar="ACTION", required=True)
    b = tsub.add_parser("build", help="build data/processed/territory_<year>_r<region>.parquet if inputs changed")
    b.add_argument("--year", type=int, default=2023)
    b.add_argument("--region", default="01", help="ISTAT region code or 'all' (default 01, Piemonte)")
    b.add_argument("--root", default=None)
    add_init_option(b)
    b.add_argument("--json", action="store_true", help="print the manifest as JSON")
    b.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.territory import territory_manifest

    manifest = territory_manifest(args.year, args.region, args.root)
    if args.json:
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"territory {manifest['year']} region {manifest['region']}: {manifest['rows']} municipalities, "
          f"{manifest['residents']} residents")
    for rep in manifest["repairs"]:
        print(f"  [{rep['kind']}] {rep['code']:06d}: {rep['detail']}")
    return EXIT_OK
