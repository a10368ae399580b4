"""Calibration of the design-based provincial 95 % intervals on simulated surveys ("dati sintetici dimostrativi").

30 surveys of 3,000 respondents under the nonlinear-age truth (``benchmarks/bench_small_area.py``
:func:`simulate_truth`), raked to ISTAT residents as the reports do
(:func:`~wecare_analysis.analysis.needs.weighted_design`), stratified by province and clustered by
firm; the logit-t interval of each province's prevalence against the exact provincial truth:
240 intervals, coverage 93-97 % (issue 20, item 6) with misses balanced on both sides.

Not met elsewhere (same 15 seeds, 120 intervals each, figures of this session): under large iid
municipality effects 90.0 % (3 below, 9 above: the firms of a municipality share its effect, so firm
clusters understate the variance; the municipality would be the ultimate cluster); under roles
depending on age and sex 85.8 % (0 below, 17 above: the raking targets residents 15-64, 15-17 year
olds counted in 18-24 and the 65+ in 55-64, while the respondents and the truth are workers 18-67,
and there the need grows with age). The MRP
provincial intervals need a model fit per survey (seconds each): their coverage is a benchmark
figure (``bench_small_area.py --truths``), not a test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import load_benchmark


def test_provincial_design_based_intervals_cover_93_to_97_percent(project_root: Path) -> None:
    from wecare_analysis.analysis.needs import weighted_design
    from wecare_analysis.survey.estimate import estimate_means
    from wecare_analysis.territory import load_territory, population_by_age_sex

    bench = load_benchmark("bench_small_area")
    territory, population = load_territory(root=project_root), population_by_age_sex(root=project_root)
    below = above = total = 0
    for seed in range(100, 130):
        needs, _, tp = bench.simulate_truth("nonlinear_age", 3000, seed, territory, population)
        design = weighted_design(needs, territory, population)
        est = estimate_means(needs, ["need_y"], design, by=["province_sigla"]).merge(tp, on="province_sigla")
        assert (est["ci_low"] >= 0).all() and (est["ci_high"] <= 1).all()
        below += int((est["truth"] < est["ci_low"]).sum())
        above += int((est["truth"] > est["ci_high"]).sum())
        total += len(est)
    print(f"coverage {1 - (below + above) / total:.1%}; truth below the interval {below}, above {above} of {total}")
    assert total == 240
    assert 0.93 <= 1 - (below + above) / total <= 0.97
    assert abs(below - above) <= 2 * np.sqrt(below + above)  # balanced misses (binomial 1/2, two sds)
