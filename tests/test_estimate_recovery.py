"""Recovery on the demo survey: 95% intervals of provincial prevalence cover the planted truth.

Reduced version of ``benchmarks/bench_estimate.py --coverage 200`` (20 seeds instead
of 200; 2,880 intervals). Deterministic: fixed seeds.
"""

from __future__ import annotations

import pytest
from conftest import load_benchmark


def _bench():
    return load_benchmark("bench_estimate")


def test_provincial_intervals_cover_demo_truth() -> None:
    pytest.importorskip("wecare_analysis.demo.survey")
    coverage, count = _bench().provincial_coverage(range(1, 21), truth_draws=300)
    assert count == 20 * 8 * 18
    assert 0.90 <= coverage <= 0.98
