"""One province run: execute its notebooks with papermill into a staging folder, publish it atomically.

The staging folder is complete (notebooks, ``report.html``, tables, layers,
figures, ``manifest.json``) before it is swapped in place of
``reports/<SIGLA>/`` by :func:`~wecare_analysis.atomic.publish_directory`, so a
crash or a ``kill -9`` at any moment leaves the previous report intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from wecare_analysis import __version__
from wecare_analysis.analysis.parameters import RunParameters
from wecare_analysis.atomic import publish_directory, write_text_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.pipeline import integrity, kernels, lifecycle, state
from wecare_analysis.pipeline.staging import discard_staging, new_staging
from wecare_analysis.provenance import code_digest
from wecare_analysis.report.availability import PARTIAL, missing_sections
from wecare_analysis.survey.source import survey_record

#: Notebooks run for every province, in order; the first one becomes ``report.html`` (and ``report.pdf``).
NOTEBOOKS: tuple[str, ...] = ("00_province_report.ipynb",)

#: Notebooks of a regional overview (``reports/<REGION>/``), run after the region's provinces.
OVERVIEW_NOTEBOOKS: tuple[str, ...] = ("09_regional_overview.ipynb",)

#: Extra kernel arguments: keep the kernel's own start-up log (e.g. its TCP notice) out of the run's output.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


@dataclass
class ProvinceResult:
    """Outcome of one province run: status is ``"ok"``, ``"parziale"`` (published, some sections without
    data: ``missing`` names them), ``"failed"`` or ``"skipped"`` (resumed)."""

    province: str
    status: str
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str = ""
    log: str = ""
    missing: list[str] = field(default_factory=list)  # "section: reason" of each section not available


@dataclass(frozen=True)
class RunSpec:
    """What a report run needs; plain values so that it crosses process and cluster boundaries.

    ``kind`` is ``"province"`` (``province`` is the sigla) or ``"region"`` (a regional
    overview: ``province`` is the report folder, e.g. ``PIEMONTE``, ``region`` its ISTAT code).
    """

    province: str
    year: int
    region: str
    root: str
    fingerprint: str
    cell_timeout: int | None = None
    notebook_timeout: int | None = None
    notebooks: tuple[str, ...] = NOTEBOOKS
    fresh_kernels: bool = False  # True: a new kernel per notebook instead of the worker's warm one
    kind: str = "province"
    title: str = ""
    pdf: bool = True
    user_files: tuple[tuple[str, str], ...] = ()  # (notebook parameter, absolute path) of the user's inputs
    parameters: RunParameters | None = None  # the run's parameters for this report's region (injected)
    reason: str = ""  # why the report runs (``--resume``: the input that changed), written to its log
    owner: str = ""  # the run that must still hold the run lock at publication (lifecycle.run_owner)


class NotebookTimeout(Exception):
    """A notebook ran longer than the per-notebook timeout."""


def run_parameters(spec: RunSpec, output_dir: Path) -> dict[str, object]:
    """Parameters injected into every notebook of a run (a regional overview has no province; the user's
    files, e.g. ``services_path``, only when the run has them)."""
    return spec_parameters(spec).notebook_parameters(None if spec.kind == "region" else spec.province, output_dir)


def spec_parameters(spec: RunSpec) -> RunParameters:
    """The :class:`RunParameters` of ``spec``: its own, with the spec's year, region and root (the report's), or
    built from its plain fields when it carries none."""
    if spec.parameters is not None:
        return replace(spec.parameters, year=spec.year, region=spec.region, root=spec.root)
    return RunParameters(region=spec.region, year=spec.year, root=spec.root, **dict(spec.user_files))


def kernel_environment() -> None:
    """Make the notebooks' kernel the interpreter running the pipeline, whatever user kernels exist."""
    share = Path(sys.prefix) / "share" / "jupyter"
    if share.is_dir() and str(share) not in os.environ.get("JUPYTER_PATH", ""):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(share), os.environ.get("JUPYTER_PATH")]))


@contextlib.contextmanager
def _notebook_deadline(seconds: int | None) -> Iterator[None]:
    """Raise :class:`NotebookTimeout` in this thread after ``seconds`` (main thread only; else no-op).

    Papermill shuts the kernel down when the exception unwinds through it.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        raise NotebookTimeout(f"notebook exceeded the per-notebook timeout of {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _execute(spec: RunSpec, staging: Path, cat: Catalog) -> tuple[dict[str, float], dict[str, float]]:
    """Run the notebooks of ``spec`` into ``staging`` (each written once, normalised, at its end);
    a failure discards the warm kernel.

    Returns the wall seconds of each notebook (and, apart, of starting the worker's warm kernel:
    ``kernel_start``, 0 when it was already running) and the CPU seconds the warm kernel spent on
    them (``kernel``; empty with ``fresh_kernels`` or where the kernel's CPU time cannot be read).
    """
    import papermill as pm

    # lazy: loads papermill, which not every caller of this module needs
    from wecare_analysis.pipeline.engine import registered_engine

    params = run_parameters(spec, staging)
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for name in spec.notebooks:
        t0 = time.perf_counter()
        options = {"parameters": params, "kernel_name": "python3", "progress_bar": False, "cwd": spec.root,
                   "execution_timeout": spec.cell_timeout, "extra_arguments": KERNEL_ARGUMENTS,
                   "engine_name": registered_engine()}
        try:
            with _notebook_deadline(spec.notebook_timeout):
                if spec.fresh_kernels:
                    pm.execute_notebook(cat.notebooks / name, staging / name, **options)
                else:
                    km = kernels.warm_kernel(spec.root, KERNEL_ARGUMENTS)
                    started = time.perf_counter()
                    timings["kernel_start"] = round(timings.get("kernel_start", 0.0) + started - t0, 3)
                    t0, cpu0 = started, kernels.kernel_cpu_seconds(km)
                    pm.execute_notebook(kernels.with_reset_cell(cat.notebooks / name), staging / name,
                                        km=km, **options)
                    cpu1 = kernels.kernel_cpu_seconds(km)
                    if cpu0 is not None and cpu1 is not None:
                        cpu["kernel"] = round(cpu.get("kernel", 0.0) + cpu1 - cpu0, 3)
        except BaseException:
            kernels.discard_kernel()
            raise
        timings[name] = round(time.perf_counter() - t0, 3)
    return timings, cpu


def run_province(spec: RunSpec) -> ProvinceResult:
    """Execute the notebooks of one province and publish ``reports/<SIGLA>/`` atomically.

    Never raises: a failure is returned as a result with status ``"failed"``,
    its log and failed notebook are kept in ``reports/.runs/``.
    """
    # lazy: loads nbconvert, which not every caller of this module needs
    from wecare_analysis.report.editions import write_report_editions

    kernel_environment()
    cat = Catalog(spec.root)
    started = time.perf_counter()
    runs = state.runs_dir(cat)
    log_path = runs / f"{spec.province}.log"
    state.write_status(cat, spec.province, "running")
    staging = new_staging(cat, spec.province)
    cpu_started = time.process_time()
    try:
        timings, cpu = _execute(spec, staging, cat)
        t0 = time.perf_counter()
        write_report_editions(staging / spec.notebooks[0], staging,
                              spec.title or f"Wecare – rapporto provinciale {spec.province}", pdf=spec.pdf)
        timings["editions"] = round(time.perf_counter() - t0, 3)
        outputs = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        seconds = round(time.perf_counter() - started, 3)
        missing = missing_sections(staging)  # sections the notebook could not produce for want of data
        status = PARTIAL if missing else "ok"
        manifest = {
            "report": spec.province, "kind": spec.kind, "status": status, "fingerprint": spec.fingerprint,
            "missing": missing,
            "parameters": {k: v for k, v in run_parameters(spec, staging).items() if k != "output_dir"},
            "notebooks": {n: state.file_digest(cat.notebooks / n) for n in spec.notebooks},
            "inputs": state.input_digests(cat, spec_parameters(spec)),
            "survey": survey_record(spec.root),
            "versions": {"wecare-analysis": __version__, "code": code_digest(), "python": sys.version.split()[0]},
            "timings_seconds": {**timings, "total": seconds},
            # CPU seconds beside the wall seconds: on a loaded machine wall time grows, CPU time hardly
            "cpu_seconds": {**cpu, "worker": round(time.process_time() - cpu_started, 3)},
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "outputs": outputs + ["manifest.json"],
            "files": integrity.file_records(staging),
        }
        write_text_atomic(staging / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        _publish(staging, manifest, cat, spec)
        why = f"{spec.province}: ran because {spec.reason}\n" if spec.reason else ""
        write_text_atomic(log_path, f"{why}{spec.province}: {status} in {seconds} s\n{json.dumps(timings, indent=2)}\n")
        result = ProvinceResult(spec.province, status, seconds, manifest["outputs"], log=str(log_path),
                                missing=[f"{m['section']}: {m['reason']}" for m in missing])
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        failed = sorted(staging.glob("*.ipynb"))
        if failed:
            shutil.copyfile(failed[-1], runs / f"{spec.province}.failed.ipynb")
        message = _short_error(exc)
        write_text_atomic(log_path, f"{spec.province}: failed\n{message}\n\n{traceback.format_exc()}")
        result = ProvinceResult(spec.province, "failed", round(time.perf_counter() - started, 3),
                                error=message, log=str(log_path))
    finally:
        discard_staging(staging)
    state.write_status(cat, result.province, result.status, result.error)
    return result


def _publish(folder: Path, manifest: dict, cat: Catalog, spec: RunSpec) -> None:
    """Swap ``folder`` in place of the report if its run still holds the lock and it matches its manifest."""
    lifecycle.ensure_run_alive(cat, spec.owner)
    problems = integrity.verify_files(folder, manifest["files"])
    if problems:
        raise integrity.ReportMismatch(f"the staging folder {folder.name} changed after its manifest was "
                                       f"written: {'; '.join(problems[:5])}")
    publish_directory(folder, cat.report_dir(spec.province))


def _short_error(exc: BaseException) -> str:
    """One line: the exception type and its last meaningful line (papermill puts the cell error there)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    detail = lines[-1] if lines else ""
    return f"{type(exc).__name__}: {detail}"[:500]
