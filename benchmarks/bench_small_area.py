"""Benchmark: municipal MRP against direct (weighted) estimates on the demo survey, and the fit time.

For each seed, draws the synthetic demo survey (:mod:`wecare_analysis.demo.survey`,
3,000 respondents), rakes it to ISTAT residents as the province report does
(:func:`wecare_analysis.analysis.needs.weighted_design`), and compares with the
planted municipal truth (``truth_needs.csv`` level ``municipality``, computed here
in memory by :func:`~wecare_analysis.demo.survey.population_truth`), over the
municipalities with respondents and all need areas:

- direct estimates: weighted share of respondents of the municipality
  (:func:`~wecare_analysis.survey.estimate.estimate_means` by municipality);
- MRP: :func:`~wecare_analysis.survey.small_area.small_area_estimates` (all 1,180
  municipalities, all need areas);
- the province-direct baseline: every municipality gets its province's direct estimate
  (the simple rival MRP must beat: acceptance MRP <= 0.7 x baseline on the demo truth).

Prints both RMSEs, their ratio (acceptance: MRP <= 0.7 x direct), the coverage of
the 95 % MRP intervals of municipalities and provinces, and the MRP time.

Run: ``.venv/bin/python benchmarks/bench_small_area.py [--seeds 5] [--n 3000] [--draws 400]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

ROLES = np.array(["employee", "owner", "collaborator"])


def demo_needs_table(people: dict, terr) -> pd.DataFrame:
    """The tidy needs table (columns of :func:`~wecare_analysis.survey.tidy.needs_table`) of simulated people."""
    from wecare_analysis.demo.survey import AGE_CLASSES

    df = pd.DataFrame({"respondent_id": np.arange(len(people["firm"])).astype(str),
                       "firm_id": people["firm"].astype(str), "province_sigla": terr.sigla[people["muni"]],
                       "municipality_code": terr.code[people["muni"]],
                       "sex": np.where(people["female"], "F", "M"),
                       "age_class": np.asarray(AGE_CLASSES)[people["age_class"]], "role": ROLES[people["role"]]})
    for area, need in people["need"].items():
        df[f"need_{area}"] = need.astype("int8")
    return df


def seed_errors(seed: int, n_respondents: int, draws: int, terr, territory, population, truth: pd.DataFrame,
                root=None) -> dict[str, object]:
    """Errors of direct and MRP municipal estimates for one seed (long table) and the MRP time."""
    from wecare_analysis.analysis.needs import weighted_design
    from wecare_analysis.demo.survey import simulate_survey
    from wecare_analysis.survey.estimate import estimate_means
    from wecare_analysis.survey.small_area import small_area_estimates

    _, people = simulate_survey(n_respondents, seed=seed, terr=terr)
    needs = demo_needs_table(people, terr)
    variables = [c for c in needs.columns if c.startswith("need_")]
    design = weighted_design(needs, territory, population)
    direct = estimate_means(needs, variables, design, by=["municipality_code"])
    by_prov = estimate_means(needs, variables, design, by=["province_sigla"])
    sigla = needs.groupby("municipality_code")["province_sigla"].first()
    direct = direct.assign(province_sigla=direct["municipality_code"].map(sigla)).merge(
        by_prov[["province_sigla", "variable", "estimate"]].rename(columns={"estimate": "baseline"}),
        on=["province_sigla", "variable"], how="left").drop(columns="province_sigla")
    t0 = time.perf_counter()
    mrp = small_area_estimates(needs, territory, population, variables, weights=design.weights, draws=draws,
                               seed=seed)
    elapsed = time.perf_counter() - t0
    muni = mrp.municipality.merge(direct[["municipality_code", "variable", "estimate", "baseline"]],
                                  on=["municipality_code", "variable"], how="inner")
    muni["truth"] = truth.to_numpy()[truth.index.get_indexer(muni["municipality_code"]),
                                     truth.columns.get_indexer("p_" + muni["need_area"])]
    return {"municipality": muni, "province": mrp.province, "seconds": elapsed, "fit": mrp.fit}


def municipal_rmse(seeds, n_respondents: int = 3000, draws: int = 400, truth_draws: int = 1000,
                   root=None) -> dict[str, float]:
    """RMSE of direct and MRP municipal estimates against the demo truth, pooled over ``seeds``."""
    from wecare_analysis.demo.survey import Territory, population_truth
    from wecare_analysis.territory import load_territory, population_by_age_sex

    terr = Territory.load(root=root)
    territory = load_territory(root=root)
    population = population_by_age_sex(root=root)
    truth_all = population_truth(terr, seed=0, truth_draws=truth_draws)
    truth = truth_all[truth_all["level"] == "municipality"].assign(
        municipality_code=lambda t: t["unit"].astype(int)).set_index("municipality_code")
    ptruth = truth_all[truth_all["level"] == "province"].set_index("province_sigla")
    frames, times, prov_hits = [], [], []
    for seed in seeds:
        res = seed_errors(seed, n_respondents, draws, terr, territory, population, truth, root)
        frames.append(res["municipality"])
        times.append(res["seconds"])
        prov = res["province"]
        true = ptruth.to_numpy()[ptruth.index.get_indexer(prov["province_sigla"]),
                                 ptruth.columns.get_indexer("p_" + prov["need_area"])]
        prov_hits.append(((prov["ci_low"] <= true) & (true <= prov["ci_high"])).to_numpy())
    m = pd.concat(frames, ignore_index=True)
    rmse_direct = float(np.sqrt(((m["estimate"] - m["truth"]) ** 2).mean()))
    rmse_mrp = float(np.sqrt(((m["prevalence"] - m["truth"]) ** 2).mean()))
    rmse_base = float(np.sqrt(((m["baseline"] - m["truth"]) ** 2).mean()))
    return {"rmse_direct": rmse_direct, "rmse_mrp": rmse_mrp, "ratio": rmse_mrp / rmse_direct,
            "rmse_baseline": rmse_base, "ratio_baseline": rmse_mrp / rmse_base,
            "cells": len(m), "coverage_municipal": float(((m["ci_low"] <= m["truth"]) & (m["truth"] <= m["ci_high"])).mean()),
            "coverage_provincial": float(np.concatenate(prov_hits).mean()),
            "seconds_mean": float(np.mean(times)), "seconds_max": float(np.max(times))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..SEEDS")
    ap.add_argument("--n", type=int, default=3000, help="respondents per survey")
    ap.add_argument("--draws", type=int, default=400, help="posterior draws")
    ap.add_argument("--root", default=None, help="project root (default: working directory)")
    args = ap.parse_args()
    r = municipal_rmse(range(1, args.seeds + 1), args.n, args.draws, root=args.root)
    print(f"municipalities x needs with respondents: {r['cells']:,} ({args.seeds} seeds, {args.n:,} respondents)")
    print(f"RMSE direct (weighted) estimates: {r['rmse_direct']:.4f}")
    print(f"RMSE MRP estimates:               {r['rmse_mrp']:.4f}")
    print(f"RMSE province-direct baseline:    {r['rmse_baseline']:.4f}")
    print(f"ratio MRP / direct:               {r['ratio']:.3f} (acceptance <= 0.7)")
    print(f"ratio MRP / province baseline:    {r['ratio_baseline']:.3f} (acceptance <= 0.7 on the demo truth)")
    print(f"coverage of 95% MRP intervals: municipalities {r['coverage_municipal']:.1%}, "
          f"provinces {r['coverage_provincial']:.1%}")
    print(f"MRP time (fit + post-stratification of 1,180 municipalities x 18 needs): "
          f"mean {r['seconds_mean']:.1f} s, max {r['seconds_max']:.1f} s")


if __name__ == "__main__":
    main()
