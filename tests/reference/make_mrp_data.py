"""Write the demo survey used to compare the MRP engine with ``lme4::glmer`` (deterministic).

``mrp_data.csv``: 3,000 respondents of the synthetic demo survey (seed 1; "dati sintetici
dimostrativi"), with firm, municipality, province, sex, age class, role, the municipal
covariates of the model (:func:`wecare_analysis.survey.small_area.municipal_covariates`) and
two 0/1 needs. Run ``python tests/reference/make_mrp_data.py`` then
``Rscript tests/reference/mrp_reference.R`` from the repository root.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS = ("need_health_prevention", "need_smart_working")


def main() -> None:
    sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
    from bench_small_area import demo_needs_table

    from wecare_analysis.demo.survey import Territory, simulate_survey
    from wecare_analysis.survey.small_area import COVARIATES, municipal_covariates
    from wecare_analysis.territory import load_territory

    terr = Territory.load()
    _, people = simulate_survey(3000, seed=1, terr=terr)
    needs = demo_needs_table(people, terr)
    cov = municipal_covariates(load_territory())
    out = needs[["firm_id", "municipality_code", "province_sigla", "sex", "age_class", "role", *NEEDS]].copy()
    for c in COVARIATES:
        out[c] = cov.loc[out["municipality_code"], c].to_numpy().round(10)
    out.to_csv(HERE / "mrp_data.csv", index=False)


if __name__ == "__main__":
    main()
