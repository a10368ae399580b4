"""``wecare run``: execute the parametrised notebooks for each province with papermill."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wecare_analysis.commands.validators import add_init_option, positive_int, scheduler_address
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command."""
    p = sub.add_parser("run", help="produce the province reports (papermill, provinces in parallel)",
                       description="Execute the notebooks for each province and publish reports/<SIGLA>/.")
    p.add_argument("--province", nargs="+", metavar="SIGLA",
                   help="province sigle (default: every province of the region)")
    p.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1, help="parallel provinces (default: CPUs)")
    p.add_argument("--year", type=int, default=2023, help="year of the ISTAT data (default 2023)")
    p.add_argument("--region", default="01", help="ISTAT region code, or 'all' for Italy (default 01, Piemonte)")
    p.add_argument("--root", default=None, help="project folder (default: $WECARE_ROOT or the working directory)")
    add_init_option(p)
    p.add_argument("--resume", action="store_true",
                   help="skip provinces whose report is complete and made from the current inputs and parameters")
    p.add_argument("--only-failed", action="store_true", help="run only the provinces whose last attempt failed")
    p.add_argument("--timeout", type=positive_int, default=None, metavar="SECONDS", help="timeout of one notebook cell")
    p.add_argument("--notebook-timeout", type=positive_int, default=None, metavar="SECONDS",
                   help="timeout of one whole notebook (local pool)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="a new Jupyter kernel for every notebook (slower; default: each worker reuses one, reset)")
    p.add_argument("--notebooks", nargs="+", metavar="NAME", default=None,
                   help="notebooks to run per province, the first becoming report.html "
                        "(default: 00_province_report.ipynb)")
    p.add_argument("--services", type=Path, default=None, metavar="PATH",
                   help="service list (GeoJSON/OSM export, GeoPackage, Shapefile, CSV) instead of the demo "
                        "services; validated first, bad rows to PATH.quarantine.csv")
    p.add_argument("--mef", type=Path, default=None, metavar="PATH",
                   help="MEF IRPEF income by municipality (CSV as published): the income criterion of transferability")
    p.add_argument("--third-sector", type=Path, default=None, metavar="PATH",
                   help="third-sector register (5x1000 list, CSV): the third-sector criterion of transferability")
    p.add_argument("--ahp", type=Path, default=None, metavar="PATH",
                   help="stakeholders' pairwise comparisons (AHP matrix, CSV) instead of equal criteria weights")
    p.add_argument("--no-pdf", action="store_true", help="skip report.pdf (HTML only)")
    p.add_argument("--overview", action=argparse.BooleanOptionalAction, default=None,
                   help="regional overview reports/<REGION>/ (default: when every province of a region runs)")
    p.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                   help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (see README)")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wecare_analysis import pipeline
    from wecare_analysis.catalog import Catalog
    from wecare_analysis.pipeline.state import run_lock
    from wecare_analysis.territory import normalise_region

    with run_lock(Catalog(args.root)):  # another run holds it: exit 3 at once, before the territory loads
        pass
    region = normalise_region(args.region)
    notebooks = pipeline.resolve_notebooks(args.notebooks, args.root)
    provinces = pipeline.resolve_provinces(args.province, args.year, region, args.root)
    results = pipeline.run_all(provinces, args.year, region, args.root, jobs=args.jobs,
                               cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                               resume=args.resume, only_failed=args.only_failed, scheduler=args.scheduler,
                               progress=not args.no_progress, fresh_kernels=args.fresh_kernels,
                               overview=args.overview, pdf=not args.no_pdf, notebooks=notebooks,
                               user_files={"services_path": args.services, "mef_path": args.mef,
                                           "third_sector_path": args.third_sector, "ahp_path": args.ahp})
    print(pipeline.results_json(results) if args.json else pipeline.summary_table(results))
    failed = [r.province for r in results if r.status == "failed"]
    if failed:
        sys.stderr.write(f"wecare: {len(failed)} province(s) failed: {', '.join(failed)} "
                         f"(logs in reports/.runs/; rerun them with --only-failed).\n")
        return EXIT_PARTIAL
    if getattr(results, "partial_inputs", None):
        sys.stderr.write(f"wecare: partial inputs: {'; '.join(results.partial_inputs)} (see the quarantine "
                         "files next to them).\n")
        return EXIT_PARTIAL
    return EXIT_OK
