"""Benchmark the refusal of an XLSX zip bomb by ``wecare survey validate`` (issue 18, item 8).

Builds, in a temporary folder, the recipe of the issue: a real workbook whose sheet is one row
repeated, deflated at level 9, so that a file of about 3 MB inflates to ``--unzipped-mb`` MB (default
920). Then runs ``wecare survey validate BOMB --out TMP`` as a child process and reports its exit code,
wall time and peak resident memory (``os.wait4`` rusage of that child, interpreter and imports
included), next to the same for a one-line CSV (the cost of starting the command at all), and the
time of the check itself in this process (:func:`wecare_analysis.bounded.check_xlsx`). Before the
bound, the recipe took 594 s and 2.2 GB before it was refused.

Usage::

    .venv/bin/python benchmarks/bench_zip_bomb.py [--unzipped-mb 920] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _child(args: list[str]) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak RSS (MB) of ``wecare`` run with ``args``."""
    wecare = Path(sys.executable).with_name("wecare")
    started = time.perf_counter()
    proc = subprocess.Popen([str(wecare), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--unzipped-mb", type=float, default=920)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from test_faults_bounds import write_bomb

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        bomb = write_bomb(folder / "indagine.xlsx", args.unzipped_mb)
        built = time.perf_counter() - started
        from wecare_analysis.bounded import check_xlsx
        from wecare_analysis.errors import InputError

        checks = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            try:
                check_xlsx(bomb)
            except InputError:
                checks.append(round((time.perf_counter() - t0) * 1000, 2))
        small = folder / "one.csv"
        small.write_text("a;b\n1;2\n", encoding="utf-8")
        rows = []
        for name, path in (("zip bomb", bomb), ("one-line CSV (start-up)", small)):
            for _ in range(args.repeat):
                code, wall, rss = _child(["survey", "validate", str(path), "--out", str(folder / "out")])
                rows.append({"input": name, "exit": code, "seconds": round(wall, 2), "peak_rss_mb": round(rss)})
        print(json.dumps({"bomb_bytes": bomb.stat().st_size, "unzipped_mb": args.unzipped_mb,
                          "build_seconds": round(built, 1),
                          "check_xlsx_refusal_ms": checks, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
