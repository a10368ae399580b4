"""Write the demo survey used to compare the MRP engine with ``lme4::glmer`` (deterministic).

``mrp_data.csv``: 3,000 respondents of the synthetic demo survey (seed 1; "dati sintetici
dimostrativi"), with firm, municipality, province, sex, age class, role, the municipal
covariates of the model (:func:`wecare_analysis.survey.small_area.municipal_covariates`) and
two 0/1 needs. ``mrp_data_<truth>.csv``: 3,000 respondents simulated under two truths the model
does not contain (``benchmarks/bench_small_area.py`` :func:`simulate_truth`, seed 1:
``correlated_area``, ``large_area``), same columns with one need ``need_y``.
Run ``python tests/reference/make_mrp_data.py`` then ``Rscript tests/reference/mrp_reference.R``
from the repository root.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS = ("need_health_prevention", "need_smart_working")
#: Misspecified truths exported for lme4 (seed 1).
TRUTHS = ("correlated_area", "large_area")


def main() -> None:
    sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
    from bench_small_area import demo_needs_table, simulate_truth

    from wecare_analysis.demo.survey import Territory, simulate_survey
    from wecare_analysis.survey.small_area import COVARIATES, municipal_covariates
    from wecare_analysis.territory import load_territory, population_by_age_sex

    terr = Territory.load()
    _, people = simulate_survey(3000, seed=1, terr=terr)
    needs = demo_needs_table(people, terr)
    territory = load_territory()
    cov = municipal_covariates(territory)

    def write(frame, needs_columns, name: str) -> None:
        out = frame[["firm_id", "municipality_code", "province_sigla", "sex", "age_class", "role",
                     *needs_columns]].copy()
        for c in COVARIATES:
            out[c] = cov.loc[out["municipality_code"], c].to_numpy().round(10)
        out.to_csv(HERE / name, index=False)

    write(needs, NEEDS, "mrp_data.csv")
    population = population_by_age_sex()
    for truth in TRUTHS:
        write(simulate_truth(truth, 3000, 1, territory, population)[0], ["need_y"], f"mrp_data_{truth}.csv")


if __name__ == "__main__":
    main()
