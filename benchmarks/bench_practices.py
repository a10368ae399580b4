"""Time the transferability assessment: inputs (demo survey and services), one province, the notebook.

Usage: ``.venv/bin/python benchmarks/bench_practices.py [ROOT]`` (ROOT: a project root, default a temp folder).
Prints seconds per step; no assertions (speed is a figure, not a test).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from wecare_analysis.analysis import RunParameters, analyse_region
from wecare_analysis.practices.assess import assess_province

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "practices"


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="wecare-bench-")
    t0 = time.perf_counter()
    analysis = analyse_region(RunParameters(root=root, mef_path=DATA / "mef_malformed.csv",
                                            third_sector_path=DATA / "third_sector.csv"))
    cat, inputs = analysis.catalogue, analysis.transfer_inputs
    t1 = time.perf_counter()
    print(f"region analysis (territory, demo survey, estimates, demo services, optional files): {t1 - t0:.2f} s")
    for draws in (2000, 10000):
        t = time.perf_counter()
        for sigla in ("TO", "VC", "NO", "CN", "AT", "AL", "BI", "VB"):
            assess_province(sigla, cat, inputs.criteria, n_draws=draws)
        print(f"assessment of the 8 provinces, {draws} Monte Carlo draws each: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
