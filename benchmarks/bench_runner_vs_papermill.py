"""Benchmark: `wecare run --no-pdf` against what a user would do without the workbench's runner.

Both sides produce the same reports from the same notebooks on the same warm caches (a first,
untimed `wecare run` fills ``data/processed/``): the 8 Piedmont province reports
(``00_province_report``) and the regional overview (``09_regional_overview``).

- runner: ``wecare run --no-pdf --jobs <cores>``;
- peer: for each report, the plain ``papermill`` CLI, then ``jupyter nbconvert --to html --no-input``,
  the reports spread over ``xargs -P <cores>``.

Usage::

    python benchmarks/bench_runner_vs_papermill.py [ROOT] [--jobs N]

Prints both wall times, their ratio (runner / peer), and per report where the time goes: for the
runner, the notebook and the rest (HTML, tables, publishing) from each manifest; for the peer,
papermill and nbconvert.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROVINCES = ("TO", "VC", "NO", "CN", "AT", "AL", "BI", "VB")


def _wecare_run(root: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "wecare"), "run", "--no-pdf", "--no-progress", "--root", str(root), "--jobs",
                    str(jobs)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _peer_lines(root: Path, out: Path) -> list[str]:
    """One shell line per report: papermill then nbconvert, each timed into ``<report>.times``."""
    lines = []
    jobs = [(s, "00_province_report.ipynb", ["-p", "province", s]) for s in PROVINCES]
    jobs.append(("PIEMONTE", "09_regional_overview.ipynb", []))
    for name, notebook, extra in jobs:
        folder = out / name
        executed = folder / notebook
        pm = [str(BIN / "papermill"), str(REPO / "notebooks" / notebook), str(executed), "--cwd", str(root),
              "-p", "root", str(root), "-p", "output_dir", str(folder), *extra, "--no-progress-bar",
              "--log-level", "ERROR"]
        nbc = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed), "--log-level",
               "ERROR"]
        t = shlex.quote(str(folder / "times"))
        lines.append(f"mkdir -p {shlex.quote(str(folder))} && a=$(date +%s.%N) && {shlex.join(pm)} && "
                     f"b=$(date +%s.%N) && {shlex.join(nbc)} && c=$(date +%s.%N) && echo $a $b $c > {t}")
    return lines


def _peer(root: Path, out: Path, jobs: int) -> float:
    script = out / "jobs.txt"
    script.write_text("\n".join(_peer_lines(root, out)) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run(f"xargs -P {jobs} -d '\\n' -I CMD sh -c CMD < {shlex.quote(str(script))}", shell=True,
                   check=True)
    return time.perf_counter() - t0


def cell_seconds(notebook: Path) -> dict[str, float]:
    """Wall seconds of an executed notebook's code cells (papermill's per-cell durations) by kind:
    ``analysis`` (the cell calling ``analyse_region``), ``figures`` (cells publishing a figure), ``other``."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    out = {"analysis": 0.0, "figures": 0.0, "other": 0.0}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        kind = ("analysis" if "analyse_region(" in source else
                "figures" if "publish_figure(" in source else "other")
        out[kind] += float(cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=None, help="project root (default: a new temporary one)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    root = Path(args.root or tempfile.mkdtemp(prefix="wecare-bench-")).resolve()
    print(f"root {root}, jobs {args.jobs}: warming the caches with a first `wecare run --no-pdf` …", flush=True)
    _wecare_run(root, args.jobs)
    runner = _wecare_run(root, args.jobs)
    out = Path(tempfile.mkdtemp(prefix="wecare-peer-"))
    peer = _peer(root, out, args.jobs)
    print(f"\nwecare run --no-pdf (8 provinces + overview): {runner:.1f} s")
    print(f"papermill + nbconvert --no-input, xargs -P {args.jobs}:  {peer:.1f} s")
    print(f"ratio runner / peer: {runner / peer:.2f}\n")
    print("runner per report (wall s): kernel start, notebook cells by kind (analysis = the cell calling "
          "analyse_region, with the imports of a new kernel), HTML edition, kernel CPU s; peer: papermill, nbconvert")
    print(f"{'report':<10}{'kernel':>7}{'analysis':>9}{'figures':>8}{'other':>7}{'HTML':>6}{'CPU':>6}"
          f"{'papermill':>10}{'nbconvert':>10}")
    for name in (*PROVINCES, "PIEMONTE"):
        folder = root / "reports" / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        timings, cpu = manifest["timings_seconds"], manifest.get("cpu_seconds", {})
        cells = cell_seconds(next(folder.glob("0*.ipynb")))
        a, b, c = (float(x) for x in (out / name / "times").read_text().split())
        print(f"{name:<10}{timings.get('kernel_start', 0):>7.1f}{cells['analysis']:>9.1f}{cells['figures']:>8.1f}"
              f"{cells['other']:>7.1f}{timings.get('editions', 0):>6.1f}{cpu.get('kernel', float('nan')):>6.1f}"
              f"{b - a:>10.1f}{c - b:>10.1f}")
    print("the machine is shared: wall seconds grow with its load, the kernel CPU seconds hardly")


if __name__ == "__main__":
    main()
