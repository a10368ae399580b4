"""Benchmark of `wecare run`: wall time for the provinces against the papermill floor.

The floor is what papermill alone costs for the same number of runs: one empty
notebook (a parameters cell and nothing else) executed once per report the run
produced (every province, plus the regional overviews) with the same number of
parallel jobs, each in a fresh kernel as papermill does by default. The ratio
run / floor measures the work the notebooks add on top of kernel start-up.

Usage::

    python benchmarks/bench_run.py [--jobs N] [--region 01|all] [--provinces TO VC ...] [--no-pdf]

Prints: reports, jobs, floor seconds, run seconds, ratio, peak memory (RSS of the largest
process; RSS summed over the process tree, sampled every 0.25 s; PSS summed over the tree,
sampled every 2 s), and the per-report time split (notebooks / HTML+PDF and publishing) read
from the manifests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]


def _empty_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("province = 'TO'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def _run_empty(args: tuple[str, str, str]) -> float:
    import papermill as pm

    from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment

    kernel_environment()
    src, out, province = args
    t0 = time.perf_counter()
    pm.execute_notebook(src, out, parameters={"province": province}, kernel_name="python3", progress_bar=False,
                        extra_arguments=KERNEL_ARGUMENTS)
    return time.perf_counter() - t0


def floor_seconds(provinces: list[str], jobs: int, attempts: int = 3) -> float:
    """Wall time of one empty papermill notebook per province on ``jobs`` workers.

    Two kernels started at the same moment can pick the same TCP port (jupyter_client's
    race); the loser dies at start-up. Such a measurement is discarded and repeated
    (up to ``attempts`` times), so the floor is never a time that includes a failed start.
    """
    for attempt in range(1, attempts + 1):
        with tempfile.TemporaryDirectory() as tmp:
            src = _empty_notebook(Path(tmp))
            tasks = [(str(src), str(Path(tmp) / f"out_{p}.ipynb"), p) for p in provinces]
            t0 = time.perf_counter()
            try:
                with ProcessPoolExecutor(max_workers=jobs) as pool:
                    list(pool.map(_run_empty, tasks))
            except RuntimeError:
                if attempt == attempts:
                    raise
                continue
            return time.perf_counter() - t0
    raise AssertionError("unreachable")


def _tree_memory(proc: psutil.Process, proportional: bool) -> tuple[int, int]:
    """RSS summed over ``proc`` and its descendants, and their PSS sum when ``proportional`` (else 0).

    RSS counts pages shared between processes (forked workers, libraries) once per process;
    PSS splits each shared page between its sharers, so the PSS sum is the tree's real footprint.
    """
    rss = pss = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            if proportional:
                info = p.memory_full_info()
                rss, pss = rss + info.rss, pss + info.pss
            else:
                rss += p.memory_info().rss
    return rss, pss


def run_seconds(provinces: list[str], jobs: int, region: str, pdf: bool = True
                ) -> tuple[float, float, float, float, list[dict]]:
    """Wall time, peak RSS of the largest process, of the process tree and its peak PSS (MiB), and results."""
    cmd = [sys.executable, "-m", "wecare_analysis.cli", "run", "--no-progress", "--json", "--jobs", str(jobs),
           "--region", region, "--province", *provinces, *([] if pdf else ["--no-pdf"])]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=out)
        watched, peak_tree, peak_pss, samples = psutil.Process(child.pid), 0, 0, 0
        while child.poll() is None:
            rss, pss = _tree_memory(watched, proportional=samples % 8 == 0)  # PSS every 2 s: slower to read
            peak_tree, peak_pss, samples = max(peak_tree, rss), max(peak_pss, pss), samples + 1
            time.sleep(0.25)
        elapsed = time.perf_counter() - t0
        if child.returncode not in (0, 1):
            raise SystemExit(f"wecare run exited with {child.returncode}")
        out.seek(0)
        results = json.loads(out.read())
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024, peak_tree / 2**20, peak_pss / 2**20, results


def time_split(results: list[dict]) -> tuple[float, float]:
    """Seconds spent in notebooks and in the rest (HTML, PDF, manifest, publishing), summed over reports."""
    notebooks = rest = 0.0
    for result in results:
        if result["status"] != "ok":
            continue
        manifest = json.loads((ROOT / "reports" / result["province"] / "manifest.json").read_text())
        timings = manifest["timings_seconds"]
        in_notebooks = sum(v for k, v in timings.items() if k.endswith(".ipynb"))
        notebooks += in_notebooks
        rest += timings["total"] - in_notebooks
    return notebooks, rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--region", default="01", help="ISTAT region code or 'all' (107 provinces)")
    parser.add_argument("--provinces", nargs="+", default=None, help="default: every province of the region")
    parser.add_argument("--no-pdf", action="store_true", help="pass --no-pdf to wecare run")
    args = parser.parse_args()
    from wecare_analysis import territory as terr

    # warm caches (processed territory layer, bytecode) so both sides start equal
    subprocess.run([sys.executable, "-m", "wecare_analysis.cli", "territory", "build", "--region", args.region],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    provinces = args.provinces or terr.province_sigle(terr.load_territory(2023, args.region, ROOT))
    run, peak, peak_tree, peak_pss, results = run_seconds(provinces, args.jobs, args.region, pdf=not args.no_pdf)
    reports = [r["province"] for r in results]
    floor = floor_seconds(reports, args.jobs)
    failed = [r["province"] for r in results if r["status"] != "ok"]
    in_notebooks, rest = time_split(results)
    print(f"reports: {len(reports)} ({len(provinces)} provinces + {len(reports) - len(provinces)} overviews)"
          f"  jobs: {args.jobs}  region: {args.region}  pdf: {not args.no_pdf}  failed: {failed or 'none'}")
    print(f"floor (empty papermill notebook x {len(reports)} / {args.jobs} jobs): {floor:.1f} s")
    print(f"wecare run: {run:.1f} s")
    print(f"summed over reports: notebooks {in_notebooks:.1f} s, HTML+PDF and publishing {rest:.1f} s")
    print(f"peak memory: largest process RSS {peak:.0f} MiB; process tree RSS sum {peak_tree:.0f} MiB, "
          f"PSS sum {peak_pss:.0f} MiB (shared pages counted once)")
    print(f"ratio run / floor: {run / floor:.2f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
