"""Time the joint disclosure pattern and its audit on the demo survey (Piedmont, 3,000 respondents).

For each threshold, the script computes the needs estimates of the demo survey with the
reports' raked design (per-table pattern), then times
:func:`wecare_analysis.analysis.disclosure.joint_disclosure` (the greedy growth of the pattern
until the joint linear-programming audit passes) and one audit of the result
(:func:`wecare_analysis.disclosure_joint.audit_system`), and prints the cells hidden by the
per-table and by the joint pattern, as JSON lines.

Usage::

    .venv/bin/python benchmarks/bench_joint_disclosure.py [--k 5,10] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", default="5,10", help="thresholds, comma-separated (default 5,10)")
    parser.add_argument("--root", default=None, help="project folder (default: a temporary one)")
    args = parser.parse_args()

    from wecare_analysis import territory as terr
    from wecare_analysis.analysis import disclosure as ad
    from wecare_analysis.analysis import needs as an
    from wecare_analysis.disclosure_joint import REGION, audit_system, run_system
    from wecare_analysis.survey.profile import respondent_profile

    root = args.root or tempfile.mkdtemp(prefix="bench-joint-")
    territory = terr.load_territory(2023, "01", root)
    survey = an.survey_source(root, 2023, "01", None)
    respondents = an.region_respondents(survey.needs, territory)
    population = an.region_population(2023, "01", root)
    margins, notes = an.survey_margins(respondents, territory, population, survey.summary, 2023, "01", root)
    design, _ = an.raked_design(respondents, territory, population, margins, notes)
    region = str(territory["region_name"].iloc[0])
    for k in (int(v) for v in args.k.split(",")):
        groups = an.design_estimates(respondents, design, region, k=k)
        start = time.perf_counter()
        profile, joint = ad.joint_disclosure(respondents, groups, region, k)
        pattern_s = time.perf_counter() - start
        long = [(b, c, REGION if col == "Piemonte" else col, v) for (b, c), line in profile.iterrows()
                for col, v in line.items()]
        needs = ad._needs_long(joint, region).assign(value=[v if isinstance(v, str) else float(v)
                                                             for v in joint["n_label"]])
        start = time.perf_counter()
        audit = audit_system(run_system(pd.DataFrame(long, columns=["block", "category", "column", "value"]),
                                        needs), k)
        audit_s = time.perf_counter() - start
        hidden = profile.map(lambda v: isinstance(v, str)).to_numpy().sum()
        old = respondent_profile(respondents, k=k).map(lambda v: isinstance(v, str)).to_numpy().sum()
        print(json.dumps({"k": k, "respondents": len(respondents), "pattern_s": round(pattern_s, 2),
                          "audit_s": round(audit_s, 2), "audited_cells": len(audit.table), "passed": audit.passed,
                          "profile_hidden_per_table": int(old), "profile_hidden_joint": int(hidden),
                          "needs_hidden_per_table": int(groups["suppressed"].sum()),
                          "needs_hidden_joint": int(joint["suppressed"].sum())}))


if __name__ == "__main__":
    main()
