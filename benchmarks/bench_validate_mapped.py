"""Benchmark: validate 100,000 rows of a questionnaire that is not the shipped one, through a form or a mapping.

Usage: .venv/bin/python benchmarks/bench_validate_mapped.py [N]

The exports are the fixtures of tests/data/survey/byo/ (KoboToolbox CSV with XML names read through
its XLSForm; Google Forms CSV with names typed by people, read through a mapping file), their rows
repeated to N with distinct ids. Target: <= 10 s each. Printed beside them, as the floor any reader
pays: pandas reading the same CSV and mapping each column's answers once through a dict.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from wecare_analysis.survey.concepts import mapped_validation

BYO = Path(__file__).resolve().parent.parent / "tests" / "data" / "survey" / "byo"


def _repeat(source: Path, n: int, target: Path, sep: str, id_column: str) -> Path:
    rows = pd.read_csv(source, sep=sep, dtype=str, keep_default_na=False)
    big = pd.concat([rows] * (n // len(rows) + 1), ignore_index=True).iloc[:n]
    big[id_column] = [f"{id_column}-{i:09d}" for i in range(n)]
    big.to_csv(target, sep=sep, index=False)
    return target


def _timed(label: str, path: Path, **kwargs) -> float:
    mapped_validation(path, **kwargs)  # warm caches (ISTAT lists) outside the timing
    start = time.perf_counter()
    result, _rules = mapped_validation(path, **kwargs)
    seconds = time.perf_counter() - start
    print(f"{label}: {result.rows_read:,} rows in {seconds:.2f} s (kept {result.rows_kept:,}, quarantined "
          f"{result.rows_quarantined:,}); target <= 10 s")
    return seconds


def _pandas_floor(path: Path, sep: str) -> float:
    start = time.perf_counter()
    frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    for column in frame.columns:
        uniques = pd.unique(frame[column])
        frame[column].map({u: u.strip().lower() for u in uniques})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kobo = _repeat(BYO / "conciliazione_kobo_xml.csv", args.n, Path(tmp) / "kobo.csv", ";", "_uuid")
        google = _repeat(BYO / "conciliazione_google.csv", args.n, Path(tmp) / "google.csv", ",",
                         "Informazioni cronologiche")
        _timed("form (KoboToolbox XML names, split 0/1 columns)", kobo, form=BYO / "conciliazione_form.xlsx")
        _timed("mapping (Google Forms, typed municipality names)", google,
               mapping=BYO / "conciliazione_google_mapping.csv")
        print(f"peer floor, pandas read_csv + one dict map per column: {_pandas_floor(kobo, ';'):.2f} s (Kobo), "
              f"{_pandas_floor(google, ','):.2f} s (Google)")


if __name__ == "__main__":
    main()
