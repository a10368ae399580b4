"""Benchmark: validate (and fully ingest) a 100,000-row KoboToolbox-style export; target <= 10 s.

Usage: .venv/bin/python benchmarks/bench_validate.py [N] [--root DIR]
The export is the synthetic survey (`write_demo_survey`); prints the figures, not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from wecare_analysis.demo.survey import write_demo_survey
from wecare_analysis.survey.ingest import ingest_survey
from wecare_analysis.survey.validate import validate_survey


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--root", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or tmp
        survey = write_demo_survey(Path(tmp) / "in", n_respondents=args.n, seed=1, root=root, truth_draws=10)[0]
        validate_survey(survey)  # warm caches (ISTAT lists, ATECO tables) outside the timing
        start = time.perf_counter()
        result = validate_survey(survey)
        t_validate = time.perf_counter() - start
        start = time.perf_counter()
        summary = ingest_survey(survey, out_dir=Path(tmp) / "out", root=root)
        t_ingest = time.perf_counter() - start
    print(f"validate: {result.rows_read:,} rows in {t_validate:.1f} s "
          f"(kept {result.rows_kept:,}, quarantined {result.rows_quarantined:,}); target <= 10 s")
    print(f"ingest (validate + pseudonymise + write parquet/csv): {summary['rows_read']:,} rows in {t_ingest:.1f} s")


if __name__ == "__main__":
    main()
