"""Per-province papermill runs: parallel, unattended, resumable, surviving faults.

``run_all`` takes the run lock of ``reports/``, cleans what a killed run left,
builds the shared processed data once, decides which provinces to run
(``resume`` skips those whose published manifest has the current fingerprint;
``only_failed`` keeps those whose last attempt failed), and runs them on a local
process pool or on a Dask cluster (``scheduler``). Every province is published
atomically by :func:`~wecare_analysis.pipeline.province_run.run_province`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from pathlib import Path

import pandas as pd

from wecare_analysis import territory as terr
from wecare_analysis.analysis.needs import survey_source
from wecare_analysis.analysis.parameters import RunParameters
from wecare_analysis.catalog import Catalog
from wecare_analysis.demo.services import write_demo_services
from wecare_analysis.errors import InputError
from wecare_analysis.pipeline import integrity, lifecycle, staging, state
from wecare_analysis.pipeline.pool import run_on_local_pool
from wecare_analysis.pipeline.province_run import (
    NOTEBOOKS,
    OVERVIEW_NOTEBOOKS,
    ProvinceResult,
    RunSpec,
    run_parameters,
    run_province,
)
from wecare_analysis.pipeline.user_files import check_user_files
from wecare_analysis.report.availability import PARTIAL
from wecare_analysis.services.sources import demo_services_path

__all__ = ["NOTEBOOKS", "ProvinceResult", "RunSpec", "resolve_provinces", "results_json", "run_all",
           "run_province", "summary_table"]


def resolve_provinces(requested: list[str] | None, year: int, region: str, root: str | Path | None) -> list[str]:
    """The sigle to run: all of the region's by default; an unknown sigla is an error listing the valid ones."""

    valid = terr.province_sigle(terr.load_territory(year, region, root))
    if not requested:
        return valid
    wanted = [p.strip().upper() for p in requested]
    unknown = [p for p in wanted if p not in valid]
    if unknown:
        raise InputError(f"unknown province(s): {', '.join(unknown)}. Valid sigle for region {region}: "
                         f"{', '.join(valid)}.")
    return list(dict.fromkeys(wanted))


def resolve_notebooks(requested: list[str] | None, root: str | Path | None) -> tuple[str, ...]:
    """Notebook names to run per province (default :data:`NOTEBOOKS`); an unknown name is an error."""
    if not requested:
        return NOTEBOOKS
    folder = Catalog(root).notebooks
    available = sorted(p.name for p in folder.glob("*.ipynb"))
    unknown = [n for n in requested if n not in available]
    if unknown:
        raise InputError(f"unknown notebook(s): {', '.join(unknown)}; available in {folder}: "
                         f"{', '.join(available)}.")
    return tuple(requested)


def region_report_id(region_name: str) -> str:
    """Folder name of a regional overview: the region's name in capitals, ASCII, ``_`` for separators.

    >>> region_report_id("Piemonte"), region_report_id("Valle d'Aosta/Vallée d'Aoste")
    ('PIEMONTE', 'VALLE_D_AOSTA_VALLEE_D_AOSTE')
    """
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", region_name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", ascii_name.upper()).strip("_")


def province_regions(provinces: list[str], layer: pd.DataFrame) -> dict[str, str]:
    """Two-digit ISTAT region code of each province sigla, from the territory ``layer`` of the run."""
    codes = layer.drop_duplicates("province_sigla").set_index("province_sigla")["region_code"]
    return {p: f"{int(codes[p]):02d}" for p in provinces}


def overview_regions(provinces: list[str], layer: pd.DataFrame, overview: bool | None) -> list[tuple[str, str]]:
    """``(region code, region name)`` of the overviews to produce with ``provinces``.

    ``overview=None`` (default): the regions all of whose provinces are in the run;
    ``True``: every region touched by the run; ``False``: none.
    """
    if overview is False:
        return []
    layer = layer[["region_code", "region_name", "province_sigla"]]
    wanted = set(provinces)
    out = []
    for (code, name), group in layer.groupby(["region_code", "region_name"], sort=True):
        sigle = set(group["province_sigla"])
        if (overview and sigle & wanted) or (overview is None and sigle <= wanted):
            out.append((f"{int(code):02d}", str(name)))
    return out


def prepare_shared_inputs(root: Path, year: int, region: str) -> None:
    """Build, once and before any province runs, the inputs every run reads.

    The survey (the one ingested with ``wecare survey validate``, else the demo survey,
    written and ingested now) and the demo services, which are the default service list.
    Province runs then only read them: no two runs race to create the same file.
    """

    survey_source(root, year, region, None)
    if not demo_services_path(root).is_file():
        write_demo_services(demo_services_path(root).parent, root=str(root))


def _local_pool(specs: list[RunSpec], jobs: int) -> Iterable[ProvinceResult]:
    return run_on_local_pool(specs, jobs)


def _dask_cluster(specs: list[RunSpec], address: str) -> Iterable[ProvinceResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise InputError("--scheduler needs the 'distributed' package (pip install distributed).") from exc
    try:
        client = Client(address, timeout="10s")
    except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address at all
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}. Start one with "
                         f"'dask scheduler' and workers with 'dask worker {address}'.") from None
    with client:
        futures = {client.submit(run_province, spec, pure=False, key=f"wecare-{spec.province}-{os.getpid()}"):
                   spec for spec in specs}
        try:
            for fut in as_completed(futures):
                spec = futures[fut]
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker is one failed province
                    yield ProvinceResult(spec.province, "failed", 0.0, error=f"cluster task failed: {exc!r}")
        except BaseException:  # Ctrl-C: queued and running tasks are cancelled
            with lifecycle.ignoring_interrupts():
                client.cancel(list(futures), force=True)
            raise


class RunResults(list):
    """The results of :func:`run_all` in input order, with ``partial_inputs``: a line for each user
    file some of whose rows were left out (quarantined, or outside the region), which makes the run partial."""

    def __init__(self, results: Iterable[ProvinceResult], partial_inputs: list[str]) -> None:
        super().__init__(results)
        self.partial_inputs = partial_inputs


def _dispatch(cat: Catalog, specs: list[RunSpec], start: Callable[[], Iterable[ProvinceResult]],
              progress: bool) -> dict[str, ProvinceResult]:
    """Run ``specs`` (``start()`` yields their results), recording every outcome in ``reports/.runs/``.

    Each report is ``queued`` first; a result made by the parent (a dead worker) is recorded too. On
    Ctrl-C, SIGTERM or an error the backend is closed (its workers and kernels stopped), the reports
    not finished are recorded and the staging folders of dead owners removed before re-raising.
    """
    from tqdm.auto import tqdm

    for spec in specs:
        state.write_status(cat, spec.province, "queued")
    results: dict[str, ProvinceResult] = {}
    bar = tqdm(total=len(specs), desc="Province", unit="prov", disable=not progress, file=sys.stderr)
    stream = start()
    try:
        for result in stream:
            results[result.province] = result
            state.write_status(cat, result.province, result.status, result.error)
            bar.set_postfix_str(f"{result.province} {result.status}")
            bar.update(1)
    except BaseException as exc:
        with lifecycle.ignoring_interrupts():
            getattr(stream, "close", lambda: None)()
            bar.close()
            lifecycle.record_unfinished(cat, [s.province for s in specs if s.province not in results], exc)
        raise
    bar.close()
    staging.remove_stale_staging(cat)
    return results


def run_all(provinces: list[str], year: int = 2023, region: str = "01", root: str | Path | None = None,
            jobs: int | None = None, cell_timeout: int | None = None, notebook_timeout: int | None = None,
            resume: bool = False, only_failed: bool = False, scheduler: str | None = None,
            progress: bool = True, notebooks: tuple[str, ...] = NOTEBOOKS, fresh_kernels: bool = False,
            overview: bool | None = None, pdf: bool = True,
            user_files: dict[str, str | Path | None] | None = None,
            parameters: RunParameters | None = None, min_cell: int | None = None,
            executor: Callable[[list[RunSpec], int], Iterable[ProvinceResult]] | None = None,
            ) -> list[ProvinceResult]:
    """Run ``provinces`` and return their results in input order.

    Parameters
    ----------
    provinces
        Province sigle (see :func:`resolve_provinces`).
    jobs
        Parallel provinces on the local pool (default: CPUs); ignored with ``scheduler``.
    cell_timeout, notebook_timeout
        Seconds allowed to one cell, and to one whole notebook (local pool only).
    resume
        Skip provinces whose published report has the current fingerprint (status ``"skipped"``).
    only_failed
        Run only the provinces whose last attempt failed.
    fresh_kernels
        Start a new kernel for every notebook instead of reusing each worker's warm kernel
        (see :mod:`wecare_analysis.pipeline.kernels`).
    overview
        Produce the regional overview ``reports/<REGION>/`` (see :func:`overview_regions`; default:
        when every province of a region is in the run).
    pdf
        Also render each ``report.html`` to ``report.pdf``.
    user_files
        The user's own inputs by notebook parameter (``services_path``: a service list, else the
        synthetic demo services; ``mef_path``, ``third_sector_path``: optional criteria files;
        ``ahp_path``: stakeholders' pairwise comparisons), checked once
        (:func:`~wecare_analysis.pipeline.user_files.check_user_files`) and given to every notebook.
    parameters
        The run's :class:`~wecare_analysis.analysis.RunParameters` (``wecare run`` builds them once from
        its options); else built from the arguments above, with ``min_cell`` (the disclosure threshold,
        default ``$WECARE_MIN_CELL`` or 5). Injected into every notebook.
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``); workers must see the same
        project folder and have the package installed.
    executor
        Replace the local pool (tests).
    """

    cat = Catalog(root)
    with state.run_lock(cat):
        staging.remove_stale_staging(cat)
        layer = terr.load_territory(year, region, cat.root).drop(columns="geometry")
        partial: list[str] = []
        files = tuple(check_user_files(user_files or {}, year, region, cat.root, partial).items())  # first
        prepare_shared_inputs(cat.root, year, region)
        if only_failed:
            provinces = state.failed_provinces(cat, provinces)
        base = replace(parameters or RunParameters(region=region, year=year, provinces=tuple(provinces),
                                                   min_cell=min_cell), root=str(cat.root), **dict(files))
        # every province runs on its own region's layer (a national run is 20 regional ones side by side)
        own_region = province_regions(provinces, layer)
        for code in sorted(set(own_region.values()) - {region}):
            terr.load_territory(year, code, cat.root)
        candidates = [RunSpec(p, year, own_region[p], str(cat.root), "", cell_timeout, notebook_timeout,
                              notebooks, fresh_kernels, pdf=pdf, user_files=files,
                              parameters=base.for_region(own_region[p])) for p in provinces]
        for code, name in overview_regions(provinces, layer, overview):
            terr.load_territory(year, code, cat.root)
            candidates.append(RunSpec(region_report_id(name), year, code, str(cat.root), "", cell_timeout,
                                      notebook_timeout, OVERVIEW_NOTEBOOKS, fresh_kernels, kind="region",
                                      title=f"Wecare – quadro regionale: {name}", pdf=pdf,
                                      user_files=files, parameters=base.for_region(code)))
        specs, results = [], {}
        for spec in candidates:
            inputs = state.input_digests(cat, spec.parameters)  # exactly what this report reads
            fixed = {k: v for k, v in run_parameters(spec, Path()).items() if k != "output_dir"}
            fingerprint = state.run_fingerprint(cat, spec.province, year, spec.region, spec.notebooks, inputs,
                                                fixed)
            reason = ""
            if resume and state.is_up_to_date(cat, spec.province, fingerprint):
                if integrity.report_is_intact(cat.report_dir(spec.province)):
                    results[spec.province] = ProvinceResult(spec.province, "skipped", 0.0, error="")
                    continue
                reason = "its published files do not match their manifest (size or SHA-256)"
            elif resume:
                reason = state.rerun_reason(cat, spec.province, spec.notebooks, inputs, fixed)
            if reason:
                sys.stderr.write(f"wecare: {spec.province} runs again: {reason}\n")
            specs.append(replace(spec, fingerprint=fingerprint, reason=reason, owner=lifecycle.run_owner()))
        if specs:
            jobs = max(1, min(jobs or os.cpu_count() or 1, len(specs)))
            backend = (lambda s, _: _dask_cluster(s, scheduler)) if scheduler else (executor or _local_pool)
            results |= _dispatch(cat, specs, lambda: backend(specs, jobs), progress)
    return RunResults((results[spec.province] for spec in candidates), partial)


def summary_table(results: list[ProvinceResult]) -> str:
    """Plain-text closing table: province, status, duration, number of outputs, error (or, for a
    ``parziale`` report, the sections missing), then the missing sections with their reasons."""
    width = max([len("report"), *(len(r.province) for r in results)]) + 2
    lines = [f"{'report':<{width}}{'status':<9}{'seconds':>9}  {'outputs':>7}  error"]
    for r in results:
        missing = getattr(r, "missing", None) or []
        note = r.error or (f"non disponibile: {', '.join(m.split(': ', 1)[0] for m in missing)}" if missing else "")
        lines.append(f"{r.province:<{width}}{r.status:<9}{r.seconds:>9.1f}  {len(r.outputs):>7}  {note}")
    counts = {s: sum(r.status == s for r in results) for s in ("ok", PARTIAL, "skipped", "failed")}
    lines.append(f"{len(results)} report(s): {counts['ok']} ok, {counts[PARTIAL]} {PARTIAL}, "
                 f"{counts['skipped']} skipped (up to date), {counts['failed']} failed")
    for r in results:
        lines += [f"{r.province} {PARTIAL}: {m}" for m in getattr(r, "missing", None) or []]
    return "\n".join(lines)


def results_json(results: list[ProvinceResult]) -> str:
    """Results as a JSON list (for ``wecare run --json``)."""
    return json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False)
