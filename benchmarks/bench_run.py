"""Benchmark of `wecare run`: wall time for the provinces against the papermill floor.

The floor is what papermill alone costs for the same number of runs: one empty
notebook (a parameters cell and nothing else) executed once per province with
the same number of parallel jobs. The ratio run / floor measures the work the
notebooks add on top of kernel start-up.

Usage::

    python benchmarks/bench_run.py [--jobs N] [--region 01|all] [--provinces TO VC ...]

Prints: provinces, jobs, floor seconds, run seconds, ratio, peak RSS (largest process and the
whole process tree, sampled every 0.25 s).
"""

from __future__ import annotations

import argparse
import contextlib
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


def floor_seconds(provinces: list[str], jobs: int) -> float:
    """Wall time of one empty papermill notebook per province on ``jobs`` workers."""
    with tempfile.TemporaryDirectory() as tmp:
        src = _empty_notebook(Path(tmp))
        tasks = [(str(src), str(Path(tmp) / f"out_{p}.ipynb"), p) for p in provinces]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_run_empty, tasks))
        return time.perf_counter() - t0


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_seconds(provinces: list[str], jobs: int, region: str) -> tuple[float, float, float]:
    """Wall time, peak RSS of the largest process and peak total RSS of the process tree (MiB)."""
    cmd = [sys.executable, "-m", "wecare_analysis.cli", "run", "--no-progress", "--jobs", str(jobs),
           "--region", region, "--province", *provinces]
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    watched, peak_tree = psutil.Process(child.pid), 0
    while child.poll() is None:
        peak_tree = max(peak_tree, _tree_rss(watched))
        time.sleep(0.25)
    elapsed = time.perf_counter() - t0
    if child.returncode not in (0, 1):
        raise SystemExit(f"wecare run exited with {child.returncode}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024, peak_tree / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--region", default="01", help="ISTAT region code or 'all' (107 provinces)")
    parser.add_argument("--provinces", nargs="+", default=None, help="default: every province of the region")
    args = parser.parse_args()
    from wecare_analysis import territory as terr

    # warm caches (processed territory layer, bytecode) so both sides start equal
    subprocess.run([sys.executable, "-m", "wecare_analysis.cli", "territory", "build", "--region", args.region],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    provinces = args.provinces or terr.province_sigle(terr.load_territory(2023, args.region, ROOT))
    floor = floor_seconds(provinces, args.jobs)
    run, peak, peak_tree = run_seconds(provinces, args.jobs, args.region)
    print(f"provinces: {len(provinces)}  jobs: {args.jobs}  region: {args.region}")
    print(f"floor (empty papermill notebook x {len(provinces)} / {args.jobs} jobs): {floor:.1f} s")
    print(f"wecare run: {run:.1f} s")
    print(f"peak RSS: largest process {peak:.0f} MiB, whole process tree {peak_tree:.0f} MiB")
    print(f"ratio run / floor: {run / floor:.2f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
