"""``wecare run``: execute the parametrised notebooks for each province with papermill."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from wecare_analysis.catalog import Catalog
from wecare_analysis.commands.validators import add_init_option, positive_int, scheduler_address
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL, InputError


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
    p.add_argument("--category", default=None, metavar="CATEGORY",
                   help="category of every row of --services when the list has no category column or OSM tags "
                        "(as in 'wecare services validate --category')")
    p.add_argument("--mef", type=Path, default=None, metavar="PATH",
                   help="MEF IRPEF income by municipality (CSV as published): the income criterion of transferability")
    p.add_argument("--third-sector", type=Path, default=None, metavar="PATH",
                   help="third-sector register (5x1000 list, CSV): the third-sector criterion of transferability")
    p.add_argument("--ahp", type=Path, default=None, metavar="PATH",
                   help="stakeholders' pairwise comparisons (AHP matrix, CSV) instead of equal criteria weights")
    p.add_argument("--survey", default=None, metavar="EXPORT",
                   help="survey export to analyse (validated and ingested before the run, as `wecare survey "
                        "validate` does), or 'demo' for the synthetic demo survey; default: the survey ingested last")
    chosen = p.add_mutually_exclusive_group()
    chosen.add_argument("--form", default=None, metavar="FORM.xlsx",
                        help="XLSForm of --survey with a 'wecare' column (a questionnaire that is not the shipped one)")
    chosen.add_argument("--mapping", default=None, metavar="MAP",
                        help="mapping file of --survey (kind,source,concept,level,note; see `wecare survey map`)")
    p.add_argument("--min-cell", type=int, default=None, metavar="K",
                   help="disclosure threshold: smallest published cell (default $WECARE_MIN_CELL, else 5)")
    p.add_argument("--no-pdf", action="store_true", help="skip report.pdf (HTML only)")
    p.add_argument("--overview", action=argparse.BooleanOptionalAction, default=None,
                   help="regional overview reports/<REGION>/ (default: when every province of a region runs)")
    p.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                   help="run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (see README)")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_run)


def _ingest_chosen_survey(args: argparse.Namespace, region: str) -> None:
    """``--survey EXPORT [--form F | --mapping M]`` or ``--survey demo``: ingest it now, before the run reads it."""
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.survey.ingest import ingest_survey

    if args.survey is None:
        if args.form or args.mapping:
            raise InputError("--form and --mapping describe the export given with --survey EXPORT.")
        return
    if args.survey == "demo":
        # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
        from wecare_analysis.demo.survey import write_demo_survey
        from wecare_analysis.survey.source import DEMO_REGION, demo_survey_path

        path = demo_survey_path(args.root)
        if not path.is_file():
            write_demo_survey(path.parent, root=args.root)
        summary = ingest_survey(path, root=args.root, year=args.year, region=DEMO_REGION)
    else:
        summary = ingest_survey(args.survey, root=args.root, year=args.year, region=region, form=args.form,
                                mapping=args.mapping)
    sys.stderr.write(f"wecare: survey {summary['file']}: {summary['rows_read']} rows read, {summary['rows_kept']} "
                     f"kept, {summary['rows_quarantined']} quarantined ({summary['outputs']['quarantine']}).\n")


def _run(args: argparse.Namespace) -> int:
    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis import pipeline
    from wecare_analysis.analysis import RunParameters

    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis.pipeline.state import run_lock
    from wecare_analysis.territory import normalise_region

    with run_lock(Catalog(args.root)):  # another run holds it: exit 3 at once, before the territory loads
        pass
    region = normalise_region(args.region)
    if args.category is not None:
        # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
        from wecare_analysis.services.ingest import CATEGORY_ENV, check_category

        check_category(args.category)
        os.environ[CATEGORY_ENV] = args.category  # read by every validation of the list, kernels included
    _ingest_chosen_survey(args, region)
    # the chosen export is ingested once, here: every report reads the ingested survey (data/processed/survey/,
    # a declared input of the run, so --resume sees a new one) and never ingests it again
    parameters = replace(RunParameters.from_cli(args), survey_path=None, form_path=None, mapping_path=None)
    notebooks = pipeline.resolve_notebooks(args.notebooks, args.root)
    provinces = pipeline.resolve_provinces(args.province, args.year, region, args.root)
    results = pipeline.run_all(provinces, args.year, region, args.root, jobs=args.jobs,
                               cell_timeout=args.timeout, notebook_timeout=args.notebook_timeout,
                               resume=args.resume, only_failed=args.only_failed, scheduler=args.scheduler,
                               progress=not args.no_progress, fresh_kernels=args.fresh_kernels,
                               overview=args.overview, pdf=not args.no_pdf, notebooks=notebooks,
                               user_files={"services_path": args.services, "mef_path": args.mef,
                                           "third_sector_path": args.third_sector, "ahp_path": args.ahp},
                               parameters=parameters)
    print(pipeline.results_json(results) if args.json else pipeline.summary_table(results))
    failed = [r.province for r in results if r.status == "failed"]
    if failed:
        sys.stderr.write(f"wecare: {len(failed)} province(s) failed: {', '.join(failed)} "
                         f"(logs in reports/.runs/; rerun them with --only-failed).\n")
        return EXIT_PARTIAL
    partial = [r.province for r in results if r.status == "parziale"]
    if partial:  # published, but some sections lack their data: the summary lists them
        sys.stderr.write(f"wecare: {len(partial)} report(s) parziale (sections without data, listed above): "
                         f"{', '.join(partial)}.\n")
    if getattr(results, "partial_inputs", None):
        sys.stderr.write(f"wecare: partial inputs: {'; '.join(results.partial_inputs)} (see the quarantine "
                         "files next to them).\n")
    return EXIT_PARTIAL if partial or getattr(results, "partial_inputs", None) else EXIT_OK
