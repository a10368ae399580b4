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

With ``--truths`` the same comparison runs on four truths the MRP model does not contain
(:func:`simulate_truth`, one need, exact truth by quadrature over the ISTAT residents 18–67):

- ``nonlinear_age``: logit quadratic in single-year age plus a sine in age for women
  (the model has age classes: within-class variation and a shape the age × sex cells only approximate);
- ``correlated_area``: municipality effects 0.3·z(log old-age index) + 0.7·tanh(z(log density)) + N(0, 0.25²)
  (correlated with the covariates, nonlinear in density);
- ``role_age_sex``: owners older and more often men, collaborators young, and the need depends
  strongly on role (+1.2 owners, −0.2 collaborators): the role shares the post-stratification
  borrows from the respondents must follow age and sex;
- ``large_area``: large iid municipality effects, σ = 1.5.

Every truth has province effects N(0, 0.15²) and firm effects N(0, 0.3²); the non-area truths
municipality effects N(0, 0.1²). Prints, per truth and pooled over seeds, the RMSE ratio of MRP
to the province-direct baseline (acceptance <= 1.0) and to direct estimates, and the coverage
of the 95 % intervals of municipalities and provinces (MRP and design-based provincial).

Run: ``.venv/bin/python benchmarks/bench_small_area.py [--seeds 5] [--n 3000] [--draws 400] [--truths]``
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
    return {"municipality": muni, "province": mrp.province, "seconds": elapsed, "fit": mrp.fit,
            "province_direct": by_prov}


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
    frames, times, prov_hits, prov_hits_direct, sides = [], [], [], [], np.zeros(4, dtype=int)
    for seed in seeds:
        res = seed_errors(seed, n_respondents, draws, terr, territory, population, truth, root)
        frames.append(res["municipality"])
        times.append(res["seconds"])
        prov = res["province"]
        true = ptruth.to_numpy()[ptruth.index.get_indexer(prov["province_sigla"]),
                                 ptruth.columns.get_indexer("p_" + prov["need_area"])]
        prov_hits.append(((prov["ci_low"] <= true) & (true <= prov["ci_high"])).to_numpy())
        dp = res["province_direct"].assign(area=lambda d: d["variable"].str.removeprefix("need_"))
        true_d = ptruth.to_numpy()[ptruth.index.get_indexer(dp["province_sigla"]),
                                   ptruth.columns.get_indexer("p_" + dp["area"])].astype(float)
        sides += [int((true < prov["ci_low"]).sum()), int((true > prov["ci_high"]).sum()),
                  int((true_d < dp["ci_low"]).sum()), int((true_d > dp["ci_high"]).sum())]
        prov_hits_direct = prov_hits_direct + [((dp["ci_low"] <= true_d) & (true_d <= dp["ci_high"])).to_numpy()]
    m = pd.concat(frames, ignore_index=True)
    rmse_direct = float(np.sqrt(((m["estimate"] - m["truth"]) ** 2).mean()))
    rmse_mrp = float(np.sqrt(((m["prevalence"] - m["truth"]) ** 2).mean()))
    rmse_base = float(np.sqrt(((m["baseline"] - m["truth"]) ** 2).mean()))
    return {"rmse_direct": rmse_direct, "rmse_mrp": rmse_mrp, "ratio": rmse_mrp / rmse_direct,
            "rmse_baseline": rmse_base, "ratio_baseline": rmse_mrp / rmse_base,
            "cells": len(m), "coverage_municipal": float(((m["ci_low"] <= m["truth"]) & (m["truth"] <= m["ci_high"])).mean()),
            "coverage_provincial": float(np.concatenate(prov_hits).mean()),
            "coverage_provincial_direct": float(np.concatenate(prov_hits_direct).mean()),
            "provincial_misses": dict(zip(["mrp_low", "mrp_high", "direct_low", "direct_high"], sides.tolist())),
            "seconds_mean": float(np.mean(times)), "seconds_max": float(np.max(times))}


#: The four truths the MRP model does not contain exactly (issue 20, defect 7).
TRUTHS = ("nonlinear_age", "correlated_area", "role_age_sex", "large_area")
AGES = np.arange(18, 68)
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(15)  # E[g(f)], f ~ N(0, 1): sum w g(x) / sqrt(2 pi)
_GH_W = _GH_W / _GH_W.sum()
TRUTH_FIRM_SD = 0.3


def _role_probs(kind: str, age: np.ndarray, female: np.ndarray) -> np.ndarray:
    """P(role | age, sex): rows as ``age``, columns employee, owner, collaborator."""
    if kind == "role_age_sex":
        owner = 1 / (1 + np.exp(-(-1.6 + 0.07 * (age - 42) - 0.9 * female)))
        collab = 0.25 * np.exp(-(age - 18) / 8.0) + 0.04
    else:
        owner, collab = np.full(age.shape, 0.22), np.full(age.shape, 0.10)
    return np.column_stack([1 - owner - collab, owner, collab])


def _eta(kind: str, age, female, role, area) -> np.ndarray:
    """Linear predictor without the firm effect (broadcasting arrays)."""
    a = (age - 42.0) / 12.0
    eta = -1.2 + 0.3 * female + 0.2 * a + 0.4 * (role == 1) + area
    if kind == "nonlinear_age":
        eta = eta + 0.9 * a ** 2 - 0.7 + 0.6 * np.sin(2.5 * a) * female
    if kind == "role_age_sex":
        eta = eta + 0.8 * (role == 1) - 0.6 * (role == 2)
    return eta


def area_effects(kind: str, covariates: pd.DataFrame, sigla: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Province + municipality effects on the logit of every municipality (order of ``covariates``)."""
    provinces, pidx = np.unique(sigla, return_inverse=True)
    prov = rng.normal(0.0, 0.15, len(provinces))[pidx]
    m = len(covariates)
    if kind == "large_area":
        return prov + rng.normal(0.0, 1.5, m)
    if kind == "correlated_area":
        old, dens = covariates["old_age_z"].to_numpy(), covariates["density_z"].to_numpy()
        return prov + 0.3 * old + 0.35 * (np.tanh(dens) - np.tanh(dens).mean()) * 2 + rng.normal(0.0, 0.25, m)
    return prov + rng.normal(0.0, 0.1, m)


def simulate_truth(kind: str, n_respondents: int, seed: int, territory: pd.DataFrame,
                   population: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A survey under truth ``kind`` and its exact municipal and provincial prevalences.

    Returns ``(needs, municipal truth, provincial truth)``: the tidy needs table (one need,
    ``need_y``), the prevalence among residents aged 18–67 of each municipality (expectation over
    their age × sex cells, the role shares and the firm effect, by Gauss–Hermite quadrature) and
    of each province (residents as weights).
    """
    from wecare_analysis.demo.survey import AGE_BREAKS, AGE_CLASSES
    from wecare_analysis.survey.small_area import municipal_covariates

    if kind not in TRUTHS:
        raise ValueError(f"truth {kind!r} unknown; use one of {', '.join(TRUTHS)}")
    rng = np.random.default_rng([seed, TRUTHS.index(kind)])
    terr = territory.sort_values("municipality_code")
    codes, sigla = terr["municipality_code"].to_numpy(), terr["province_sigla"].to_numpy()
    cov = municipal_covariates(terr).loc[codes]
    area = area_effects(kind, cov, sigla, rng)
    pop = population[(population["age"] >= AGES[0]) & (population["age"] <= AGES[-1])]
    cells = pop.pivot_table(index="municipality_code", columns=["sex", "age"], values="residents",
                            aggfunc="sum", fill_value=0).reindex(index=codes, fill_value=0)
    cells = cells.reindex(columns=pd.MultiIndex.from_product([["F", "M"], AGES]), fill_value=0)
    counts = cells.to_numpy(dtype=float)  # M x (2 * 50): F ages then M ages
    cell_age = np.tile(AGES, 2).astype(float)
    cell_female = np.repeat([1.0, 0.0], len(AGES))
    # exact truth: expectation over cells, roles and the firm effect
    pr = _role_probs(kind, cell_age, cell_female)  # C x R
    eta = _eta(kind, cell_age[None, :, None], cell_female[None, :, None], np.arange(3)[None, None, :],
               area[:, None, None])  # M x C x R
    p = (1 / (1 + np.exp(-(eta[..., None] + TRUTH_FIRM_SD * _GH_X)))) @ _GH_W  # M x C x R
    p_cell = (p * pr[None]).sum(-1)  # M x C
    resid = counts.sum(1)
    truth_m = pd.DataFrame({"municipality_code": codes, "province_sigla": sigla,
                            "truth": (p_cell * counts).sum(1) / np.maximum(resid, 1e-12), "residents": resid})
    truth_p = truth_m.assign(w=truth_m["truth"] * truth_m["residents"]).groupby("province_sigla")[
        ["w", "residents"]].sum()
    truth_p = (truth_p["w"] / truth_p["residents"]).rename("truth").reset_index()
    # the survey: firms placed by residents 18-67, respondents of a firm live in its municipality
    n_firms = max(1, round(n_respondents / 4.3))
    firm_muni = rng.choice(len(codes), size=n_firms, p=resid / resid.sum())
    firm = np.sort(np.r_[np.arange(n_firms), rng.integers(0, n_firms, n_respondents - n_firms)])
    muni = firm_muni[firm]
    cdf = np.cumsum(counts[muni], axis=1)
    cell = (cdf < rng.random(len(muni))[:, None] * cdf[:, -1:]).sum(1)
    age, female = cell_age[cell], cell_female[cell]
    prob = _role_probs(kind, age, female)
    role = (np.cumsum(prob, axis=1) < rng.random(len(age))[:, None]).sum(1)
    f_eff = rng.normal(0.0, TRUTH_FIRM_SD, n_firms)[firm]
    y = rng.random(len(age)) < 1 / (1 + np.exp(-(_eta(kind, age, female, role, area[muni]) + f_eff)))
    age_class = np.asarray(AGE_CLASSES)[np.searchsorted(AGE_BREAKS, age, side="right") - 1]
    needs = pd.DataFrame({"respondent_id": np.arange(len(age)).astype(str), "firm_id": firm.astype(str),
                          "province_sigla": sigla[muni], "municipality_code": codes[muni],
                          "sex": np.where(female == 1, "F", "M"), "age_class": age_class,
                          "role": ROLES[role], "need_y": y.astype("int8")})
    return needs, truth_m, truth_p


def _cover(lo: pd.Series, hi: pd.Series, truth: pd.Series) -> np.ndarray:
    return ((lo <= truth) & (truth <= hi)).to_numpy()


def truth_errors(kind: str, seed: int, territory: pd.DataFrame, population: pd.DataFrame,
                 n_respondents: int = 3000, draws: int = 200) -> dict[str, float]:
    """MRP, direct and province-direct RMSE against truth ``kind`` (one survey), and interval coverage."""
    from wecare_analysis.analysis.needs import weighted_design
    from wecare_analysis.survey.estimate import estimate_means
    from wecare_analysis.survey.small_area import small_area_estimates

    needs, tm, tp = simulate_truth(kind, n_respondents, seed, territory, population)
    design = weighted_design(needs, territory, population)
    direct = estimate_means(needs, ["need_y"], design, by=["municipality_code"])
    by_prov = estimate_means(needs, ["need_y"], design, by=["province_sigla"])
    mrp = small_area_estimates(needs, territory, population, ["need_y"], weights=design.weights, draws=draws,
                               seed=seed)
    m = mrp.municipality.merge(direct[["municipality_code", "estimate"]], on="municipality_code")
    m = m.merge(tm[["municipality_code", "truth"]], on="municipality_code")
    m["baseline"] = m["province_sigla"].map(by_prov.set_index("province_sigla")["estimate"])
    p = mrp.province.merge(tp, on="province_sigla").merge(
        by_prov[["province_sigla", "estimate", "ci_low", "ci_high"]], on="province_sigla", suffixes=("", "_direct"))
    rmse = {c: float(np.sqrt(((m[c].astype(float) - m["truth"]) ** 2).mean())) for c in ("prevalence", "estimate", "baseline")}
    return {"truth": kind, "seed": seed, "municipalities": len(m),
            "rmse_mrp": rmse["prevalence"], "rmse_direct": rmse["estimate"], "rmse_baseline": rmse["baseline"],
            "ratio_baseline": rmse["prevalence"] / rmse["baseline"], "ratio_direct": rmse["prevalence"] / rmse["estimate"],
            "coverage_municipal": float(_cover(m["ci_low"], m["ci_high"], m["truth"]).mean()),
            "coverage_provincial": float(_cover(p["ci_low"], p["ci_high"], p["truth"]).mean()),
            "coverage_provincial_direct": float(_cover(p["ci_low_direct"], p["ci_high_direct"], p["truth"]).mean()),
            "sigma_municipality": float(mrp.fit.sigma_means()["sigma_municipality"].iloc[0]),
            # provincial misses by side: truth below the interval, above it (MRP, design-based)
            "prov_low_mrp": int((p["truth"] < p["ci_low"]).sum()), "prov_high_mrp": int((p["truth"] > p["ci_high"]).sum()),
            "prov_low_direct": int((p["truth"] < p["ci_low_direct"]).sum()),
            "prov_high_direct": int((p["truth"] > p["ci_high_direct"]).sum()), "provinces": len(p)}


def print_truths(seeds, n_respondents: int, draws: int, root=None) -> None:
    """Print :func:`truth_errors` for every truth and seed, then pooled per truth."""
    from wecare_analysis.territory import load_territory, population_by_age_sex

    territory, population = load_territory(root=root), population_by_age_sex(root=root)
    rows = []
    for kind in TRUTHS:
        for seed in seeds:
            rows.append(truth_errors(kind, seed, territory, population, n_respondents, draws))
            print(", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in rows[-1].items()),
                  flush=True)
    frame = pd.DataFrame(rows)
    sq = frame.assign(**{c: frame[c] ** 2 for c in ("rmse_mrp", "rmse_baseline", "rmse_direct")})
    pooled = np.sqrt(sq.groupby("truth")[["rmse_mrp", "rmse_baseline", "rmse_direct"]].mean())
    pooled["ratio_baseline"] = pooled["rmse_mrp"] / pooled["rmse_baseline"]
    pooled["ratio_direct"] = pooled["rmse_mrp"] / pooled["rmse_direct"]
    cov = frame.groupby("truth")[["coverage_municipal", "coverage_provincial", "coverage_provincial_direct"]].mean()
    misses = frame.groupby("truth")[["provinces", "prov_low_mrp", "prov_high_mrp", "prov_low_direct",
                                     "prov_high_direct"]].sum()
    print(pooled.join(cov).round(3).to_string())
    print("provincial intervals and misses (truth below / above the 95 % interval), MRP and design-based:")
    print(misses.to_string())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 1..SEEDS")
    ap.add_argument("--n", type=int, default=3000, help="respondents per survey")
    ap.add_argument("--draws", type=int, default=400, help="posterior draws")
    ap.add_argument("--root", default=None, help="project root (default: working directory)")
    ap.add_argument("--truths", action="store_true", help="the four misspecified truths instead of the demo truth")
    args = ap.parse_args()
    if args.truths:
        return print_truths(range(1, args.seeds + 1), args.n, args.draws, args.root)
    r = municipal_rmse(range(1, args.seeds + 1), args.n, args.draws, root=args.root)
    print(f"municipalities x needs with respondents: {r['cells']:,} ({args.seeds} seeds, {args.n:,} respondents)")
    print(f"RMSE direct (weighted) estimates: {r['rmse_direct']:.4f}")
    print(f"RMSE MRP estimates:               {r['rmse_mrp']:.4f}")
    print(f"RMSE province-direct baseline:    {r['rmse_baseline']:.4f}")
    print(f"ratio MRP / direct:               {r['ratio']:.3f} (acceptance <= 0.7)")
    print(f"ratio MRP / province baseline:    {r['ratio_baseline']:.3f} (acceptance <= 0.7 on the demo truth)")
    print(f"coverage of 95% MRP intervals: municipalities {r['coverage_municipal']:.1%}, "
          f"provinces {r['coverage_provincial']:.1%}")
    print(f"coverage of 95% design-based provincial intervals: {r['coverage_provincial_direct']:.1%}; provincial "
          f"misses (truth below / above): {r['provincial_misses']}")
    print(f"MRP time (fit + post-stratification of 1,180 municipalities x 18 needs): "
          f"mean {r['seconds_mean']:.1f} s, max {r['seconds_max']:.1f} s")


if __name__ == "__main__":
    main()
