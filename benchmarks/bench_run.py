"""Benchmark of `wecare run`: wall time for the provinces against the papermill floor.

The floor is what papermill alone costs for the same number of runs: one empty
notebook (a parameters cell and nothing else) executed once per province with
the same number of parallel jobs. The ratio run / floor measures the work the
notebooks add on top of kernel start-up.

Usage::

    python benchmarks/bench_run.py [--jobs N] [--provinces TO VC ...]

Prints: provinces, jobs, floor seconds, run seconds, ratio, peak RSS of the run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

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

    from wecare_analysis.pipeline import _kernel_environment

    _kernel_environment()
    src, out, province = args
    t0 = time.perf_counter()
    pm.execute_notebook(src, out, parameters={"province": province}, kernel_name="python3", progress_bar=False)
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


def run_seconds(provinces: list[str], jobs: int) -> tuple[float, float]:
    """Wall time and peak RSS (MiB, largest process) of ``wecare run`` as a child process."""
    cmd = [sys.executable, "-m", "wecare_analysis.cli", "run", "--no-progress", "--jobs", str(jobs),
           "--province", *provinces]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--provinces", nargs="+", default=["TO", "VC", "NO", "CN", "AT", "AL", "BI", "VB"])
    args = parser.parse_args()
    # warm caches (processed territory layer, bytecode) so both sides start equal
    subprocess.run([sys.executable, "-m", "wecare_analysis.cli", "territory", "build"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    floor = floor_seconds(args.provinces, args.jobs)
    run, peak = run_seconds(args.provinces, args.jobs)
    print(f"provinces: {len(args.provinces)}  jobs: {args.jobs}")
    print(f"floor (empty papermill notebook x {len(args.provinces)} / {args.jobs} jobs): {floor:.1f} s")
    print(f"wecare run: {run:.1f} s   peak RSS (largest process): {peak:.0f} MiB")
    print(f"ratio run / floor: {run / floor:.2f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
