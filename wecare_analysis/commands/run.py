"""``wecare run``: execute the parametrised notebooks for each province with papermill."""

from __future__ import annotations

import argparse
import os
import sys

from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
    p = sub.add_parser("run", help="produce the province reports (papermill, provinces in parallel)",
                       description="Execute the notebooks for each province and publish reports/<SIGLA>/.")
    p.add_argument("--province", nargs="+", metavar="SIGLA",
                   help="province sigle (default: every province of the region)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel provinces (default: CPUs)")
    p.add_argument("--year", type=int, default=2023, help="year of the ISTAT data (default 2023)")
    p.add_argument("--region", default="01", help="ISTAT region code (default 01, Piemonte)")
    p.add_argument("--root", default=None, help="project folder (default: $WECARE_ROOT or the working directory)")
    p.add_argument("--timeout", type=int, default=None, help="per-cell execution timeout in seconds")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wecare_analysis import pipeline
    from wecare_analysis.territory import normalise_region

    region = normalise_region(args.region)
    provinces = pipeline.resolve_provinces(args.province, args.year, region, args.root)
    results = pipeline.run_all(provinces, args.year, region, args.root, jobs=args.jobs, timeout=args.timeout,
                               progress=not args.no_progress)
    if args.json:
        print(pipeline.results_json(results))
    else:
        print(pipeline.summary_table(results))
    failed = [r.province for r in results if r.status != "ok"]
    if failed:
        sys.stderr.write(f"wecare: {len(failed)} province(s) failed: {', '.join(failed)} "
                         f"(logs in reports/.runs/).\n")
        return EXIT_PARTIAL
    return EXIT_OK
