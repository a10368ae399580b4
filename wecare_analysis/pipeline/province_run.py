"""Per-province papermill runs: in parallel, unattended, surviving faults, published atomically.

For each province the notebooks of :data:`NOTEBOOKS` are executed with papermill
into a private staging folder, the first one is rendered to ``report.html``, a
``manifest.json`` records parameters, input hashes, versions, timings and status,
and only then is the staging folder swapped in place of ``reports/<SIGLA>/``
(:func:`~wecare_analysis.atomic.publish_directory`). A province that fails
leaves its previous report untouched; its log and failed notebook go to
``reports/.runs/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import traceback
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from wecare_analysis import __version__
from wecare_analysis.atomic import publish_directory, write_text_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import InputError

#: Extra kernel arguments: keep the kernel's own start-up log (e.g. its TCP notice) out of the run's output.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]

#: Notebooks run for every province, in order; the first one becomes ``report.html``.
NOTEBOOKS: tuple[str, ...] = ("01_territory_profile.ipynb",)


@dataclass
class ProvinceResult:
    """Outcome of one province run."""

    province: str
    status: str  # "ok" or "failed"
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str = ""
    log: str = ""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_parameters(province: str, year: int, region: str, root: Path, output_dir: Path) -> dict[str, object]:
    """Parameters injected into every notebook of a province run."""
    return {"province": province, "year": year, "region": region, "root": str(root),
            "output_dir": str(output_dir)}


def _kernel_environment() -> None:
    """Make the notebooks' kernel the interpreter running the pipeline, whatever user kernels exist."""
    share = Path(sys.prefix) / "share" / "jupyter"
    if share.is_dir():
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(share), os.environ.get("JUPYTER_PATH")]))
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def run_province(province: str, year: int, region: str, root: str, timeout: int | None = None,
                 notebooks: tuple[str, ...] = NOTEBOOKS) -> ProvinceResult:
    """Execute the notebooks of one province and publish ``reports/<SIGLA>/`` atomically.

    Never raises: a failure is returned as a result with status ``"failed"``.
    """
    import papermill as pm

    from wecare_analysis.report.html import notebook_to_html

    _kernel_environment()
    cat = Catalog(root)
    started = time.perf_counter()
    runs = cat.reports / ".runs"
    runs.mkdir(parents=True, exist_ok=True)
    log_path = runs / f"{province}.log"
    staging = cat.reports / f".staging-{province}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    timings: dict[str, float] = {}
    params = run_parameters(province, year, region, cat.root, staging)
    current = ""
    try:
        for name in notebooks:
            current = name
            t0 = time.perf_counter()
            pm.execute_notebook(cat.notebooks / name, staging / name, parameters=params, kernel_name="python3",
                                progress_bar=False, cwd=str(cat.root), execution_timeout=timeout,
                                extra_arguments=KERNEL_ARGUMENTS)
            timings[name] = round(time.perf_counter() - t0, 3)
        current = "report.html"
        notebook_to_html(staging / notebooks[0], staging / "report.html",
                         title=f"Wecare – rapporto provinciale {province}")
        outputs = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        seconds = round(time.perf_counter() - started, 3)
        manifest = {
            "province": province, "status": "ok", "parameters": {k: v for k, v in params.items()
                                                                  if k != "output_dir"},
            "notebooks": {n: _sha256(cat.notebooks / n) for n in notebooks},
            "inputs": _territory_inputs(cat, year, region),
            "versions": {"wecare-analysis": __version__, "python": sys.version.split()[0]},
            "timings_seconds": {**timings, "total": seconds},
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "outputs": outputs + ["manifest.json"],
        }
        write_text_atomic(staging / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        publish_directory(staging, cat.report_dir(province))
        write_text_atomic(log_path, f"{province}: ok in {seconds} s\n" + json.dumps(timings, indent=2) + "\n")
        return ProvinceResult(province, "ok", seconds, manifest["outputs"], log=str(log_path))
    except Exception as exc:  # noqa: BLE001 - one province's failure must not stop the others
        failed_nb = staging / current
        if failed_nb.is_file() and failed_nb.suffix == ".ipynb":
            shutil.copyfile(failed_nb, runs / f"{province}.failed.ipynb")
        message = f"{current}: {type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        write_text_atomic(log_path, f"{province}: failed\n{message}\n\n{traceback.format_exc()}")
        return ProvinceResult(province, "failed", round(time.perf_counter() - started, 3), error=message,
                              log=str(log_path))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _territory_inputs(cat: Catalog, year: int, region: str) -> dict[str, str]:
    path = cat.territory_manifest(year, region)
    return json.loads(path.read_text(encoding="utf-8")).get("inputs", {}) if path.is_file() else {}


def resolve_provinces(requested: list[str] | None, year: int, region: str, root: str | Path) -> list[str]:
    """The sigle to run: all of the region's by default; an unknown sigla is an error listing the valid ones."""
    from wecare_analysis import territory as terr

    valid = terr.province_sigle(terr.load_territory(year, region, root))
    if not requested:
        return valid
    wanted = [p.strip().upper() for p in requested]
    unknown = [p for p in wanted if p not in valid]
    if unknown:
        raise InputError(f"unknown province(s): {', '.join(unknown)}. Valid sigle for region {region}: "
                         f"{', '.join(valid)}.")
    return list(dict.fromkeys(wanted))


def run_all(provinces: list[str], year: int = 2023, region: str = "01", root: str | Path | None = None,
            jobs: int | None = None, timeout: int | None = None, progress: bool = True) -> list[ProvinceResult]:
    """Run ``provinces`` in a pool of ``jobs`` processes and return their results in input order.

    The territory layer is built (or validated) once before the pool starts, so
    every province run only reads processed data.
    """
    from tqdm.auto import tqdm

    from wecare_analysis import territory as terr

    root = Catalog(root).root
    terr.load_territory(year, region, root)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(provinces)))
    results: dict[str, ProvinceResult] = {}
    bar = tqdm(total=len(provinces), desc="Province", unit="prov", disable=not progress, file=sys.stderr)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending = {pool.submit(run_province, p, year, region, str(root), timeout): p for p in provinces}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                sigla = pending.pop(fut)
                try:
                    results[sigla] = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker crash is one failed province
                    results[sigla] = ProvinceResult(sigla, "failed", 0.0, error=f"worker crashed: {exc!r}")
                bar.set_postfix_str(f"{sigla} {results[sigla].status}")
                bar.update(1)
    bar.close()
    return [results[p] for p in provinces]


def summary_table(results: list[ProvinceResult]) -> str:
    """Plain-text closing table: province, status, duration, number of outputs, error."""
    lines = [f"{'province':<9}{'status':<8}{'seconds':>9}  {'outputs':>7}  error"]
    for r in results:
        lines.append(f"{r.province:<9}{r.status:<8}{r.seconds:>9.1f}  {len(r.outputs):>7}  {r.error}")
    return "\n".join(lines)


def results_json(results: list[ProvinceResult]) -> str:
    """Results as a JSON list (for ``wecare run --json``)."""
    return json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False)
