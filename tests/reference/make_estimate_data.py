"""Generate the synthetic survey used for parity with R ``survey`` (deterministic, seed below).

Writes, next to this file:

- ``estimate_data.csv``: about 1,900 workers in 160 firms (clusters) in 8 provinces
  (strata) plus a stratum ``XX`` holding a single firm (for the lonely-PSU cases,
  which drop it when they need a design without lonely PSUs); unequal weights;
  0/1 needs (one with missing values), a 1-5 score and a numeric covariate;
- ``estimate_margins.csv``: population totals by province, sex and age class;
- ``estimate_margins_cross.csv``: totals by province x sex (a crossing) and age class.

Run: ``python tests/reference/make_estimate_data.py`` then
``Rscript tests/reference/estimate_reference.R`` (from the repository root).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240607
HERE = Path(__file__).resolve().parent
PROVINCES = ["AL", "AT", "BI", "CN", "NO", "TO", "VB", "VC"]
AGES = ["18_24", "25_34", "35_44", "45_54", "55_64"]
ROLES = ["collaborator", "employee", "owner"]


def _firm_rows(rng: np.random.Generator, prov: str, firm: int, base_w: float) -> list[dict]:
    size = int(rng.integers(1, 25))
    workers = int(min(size, rng.integers(2, 20)))
    firm_effect = rng.normal(0, 0.7)
    wf = base_w * float(rng.uniform(0.6, 1.6))
    rows = []
    for _ in range(workers):
        sex = "F" if rng.random() < 0.45 else "M"
        age_i = int(rng.choice(5, p=[0.12, 0.24, 0.26, 0.24, 0.14]))
        role = ROLES[int(rng.choice(3, p=[0.1, 0.75, 0.15]))]
        eta_h = -0.4 + 0.5 * (sex == "F") + 0.25 * age_i + firm_effect
        eta_f = -0.2 + 0.8 * (sex == "F") - 0.3 * abs(age_i - 2) + 0.5 * firm_effect
        eta_m = -0.6 + 0.3 * (role == "employee") - 0.02 * size + firm_effect
        eta_c = -1.8 + 0.6 * (age_i <= 1) + 0.4 * firm_effect
        rows.append({
            "province": prov,
            "firm": f"{prov}{firm:03d}",
            "w": round(wf * float(rng.uniform(0.9, 1.1)), 4),
            "sex": sex,
            "age_class": AGES[age_i],
            "role": role,
            "employees": size,
            "need_health": int(rng.random() < 1 / (1 + np.exp(-eta_h))),
            "need_family": int(rng.random() < 1 / (1 + np.exp(-eta_f))),
            "need_money": int(rng.random() < 1 / (1 + np.exp(-eta_m))),
            "need_housing": int(rng.random() < 1 / (1 + np.exp(-eta_c))),
            "score": int(np.clip(np.round(3 + firm_effect + rng.normal(0, 1)), 1, 5)),
        })
    return rows


def survey_frame(seed: int = SEED) -> pd.DataFrame:
    """Return the synthetic survey (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    for i, prov in enumerate(PROVINCES):
        nfirm = int(rng.integers(12, 28))
        base_w = 40.0 * (1 + i % 3)
        for f in range(nfirm):
            rows.extend(_firm_rows(rng, prov, f, base_w))
    rows.extend(_firm_rows(rng, "XX", 0, 50.0))
    df = pd.DataFrame(rows)
    miss = rng.random(len(df)) < 0.06
    df["need_housing"] = df["need_housing"].astype("Float64").mask(miss)
    return df


def margins(df: pd.DataFrame, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return one-way margins and crossed (province x sex) margins with equal grand totals."""
    rng = np.random.default_rng(seed + 1)
    d = df[df["province"] != "XX"]
    est_ps = d.groupby(["province", "sex"])["w"].sum() * rng.uniform(0.85, 1.2, 16)
    ps = np.round(est_ps).astype(int)
    total = int(ps.sum())
    ages = d.groupby("age_class")["w"].sum() * rng.uniform(0.9, 1.1, 5)
    ages = np.floor(ages / ages.sum() * total).astype(int)
    ages.iloc[-1] += total - int(ages.sum())
    prov = ps.groupby(level="province").sum()
    sex = ps.groupby(level="sex").sum()
    one = pd.concat([
        pd.DataFrame({"variable": "province", "level": prov.index, "total": prov.to_numpy()}),
        pd.DataFrame({"variable": "sex", "level": sex.index, "total": sex.to_numpy()}),
        pd.DataFrame({"variable": "age_class", "level": ages.index, "total": ages.to_numpy()}),
    ])
    cross = pd.concat([
        pd.DataFrame({"variable": "province:sex",
                      "level": [f"{p}:{s}" for p, s in ps.index], "total": ps.to_numpy()}),
        pd.DataFrame({"variable": "age_class", "level": ages.index, "total": ages.to_numpy()}),
    ])
    return one, cross


def main() -> None:
    df = survey_frame()
    one, cross = margins(df)
    df.to_csv(HERE / "estimate_data.csv", index=False)
    one.to_csv(HERE / "estimate_margins.csv", index=False)
    cross.to_csv(HERE / "estimate_margins_cross.csv", index=False)
    print(len(df), "records,", df["firm"].nunique(), "firms")


if __name__ == "__main__":
    main()
