"""Benchmark: time of `write_demo_survey` for N respondents (default 1,000,000; target <= 30 s).

Usage: .venv/bin/python benchmarks/bench_demo_data.py [N] [--root DIR]
Prints the figures; not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from wecare_analysis.demo.survey import Territory, write_demo_survey


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--root", default=None)
    args = parser.parse_args()
    Territory.load(root=args.root)  # build the territory cache once, outside the timing
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = write_demo_survey(tmp, n_respondents=args.n, seed=0, root=args.root)
        elapsed = time.perf_counter() - start
        sizes = ", ".join(f"{p.name} {Path(p).stat().st_size / 1e6:.1f} MB" for p in paths)
    print(f"demo-data: {args.n:,} respondents in {elapsed:.1f} s ({sizes}); target <= 30 s")


if __name__ == "__main__":
    main()
