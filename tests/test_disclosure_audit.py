"""Suppression audit: no suppressed cell can be re-derived from the published tables and margins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.disclosure import (
    COMPLEMENTARY_LABEL,
    published_text,
    recoverable_cells,
    screen_outputs,
    suppressed_counts,
    suppressed_estimates,
)


def test_attack_recovers_an_unprotected_cell() -> None:
    # A = 3 hidden alone, row total 11 published: 11 - 8 = 3, the attack must find it
    pub = pd.DataFrame({"A": ["< 5", 20], "B": [8, 30]}, index=["x", "y"], dtype=object)
    res = recoverable_cells(pub, row_totals=pd.Series({"x": 11, "y": 50}))
    assert res.loc[0, "recovered"] and res.loc[0, "lower"] == pytest.approx(3)


def test_attack_on_complementary_suppression_finds_nothing() -> None:
    counts = pd.DataFrame({"A": [3, 20, 30], "B": [12, 25, 8], "C": [40, 2, 9]}, index=["x", "y", "z"])
    counts["Tot"] = counts.sum(axis=1)
    pub = suppressed_counts(counts)
    assert (pub == "< 5").sum().sum() == 2 and (pub == COMPLEMENTARY_LABEL).sum().sum() >= 2
    res = recoverable_cells(pub, column_totals=counts.sum(), total_column="Tot")
    assert len(res) >= 4 and not res["recovered"].any()
    # the true values lie inside the attacker's intervals
    truth = [counts.loc[r, c] for r, c in zip(res["row"], res["column"])]
    assert ((res["lower"] <= truth) & (truth <= res["upper"])).all()


def test_inconsistent_margins_are_rejected() -> None:
    pub = pd.DataFrame({"A": ["< 5"], "B": [8]}, dtype=object)
    with pytest.raises(ValueError):
        recoverable_cells(pub, row_totals=pd.Series({0: 30}))


def test_suppressed_estimates_hides_complements() -> None:
    est = pd.DataFrame({"p": ["A", "A", "B", "B"], "sex": ["F", "M", "F", "M"], "variable": "y",
                        "estimate": [0.5, 0.4, 0.3, 0.2], "n": [3, 40, 20, 25]})
    out = suppressed_estimates(est, "p", "sex")
    # A/F primary; A/M complement in its row; B/F complement in column F; B/M closes the rectangle
    assert out["suppressed"].tolist() == [True, True, True, True]
    assert out["n_label"].tolist() == ["< 5", "n.p.", "n.p.", "n.p."]
    assert out["estimate"].isna().all()


def test_small_answer_cells_are_suppressed_with_complements() -> None:
    # A/F: 2 of 30 have the need (a cell of 2); B/M: 17 of 20 have it (3 without): both primary, shown "n.p."
    est = pd.DataFrame({"p": ["A", "A", "B", "B", "C", "C"], "sex": ["F", "M"] * 3, "variable": "y",
                        "estimate": [0.07, 0.4, 0.3, 0.85, 0.5, 0.5], "n": [30, 40, 25, 20, 50, 60],
                        "n_positive": [2, 16, 8, 17, 25, 30]})
    out = suppressed_estimates(est, "p", "sex")
    hidden = out.set_index(["p", "sex"])["suppressed"]
    # rows A and B each hold one primary: their other cell is hidden too; columns F and M then hold two each
    assert hidden.to_dict() == {("A", "F"): True, ("A", "M"): True, ("B", "F"): True, ("B", "M"): True,
                                ("C", "F"): False, ("C", "M"): False}
    assert out["n_label"].tolist() == ["n.p.", "n.p.", "n.p.", "n.p.", 50, 60]
    # zero cells are published: 0 of 30 and 30 of 30
    zeros = est.assign(n_positive=[0, 16, 8, 20, 25, 30], n=[30, 40, 25, 20, 50, 60])
    assert not suppressed_estimates(zeros, "p", "sex")["suppressed"].any()


def test_published_need_shares_rest_on_at_least_k_answers(project_root) -> None:
    from wecare_analysis.analysis import RunParameters, analyse_region
    from wecare_analysis.report import document as doc

    survey = doc.survey_source(project_root)
    groups = analyse_region(RunParameters(root=str(project_root))).needs.groups
    data = survey.needs.assign(territory=survey.needs["province_sigla"], everyone="all")
    published = groups[~groups["suppressed"]]
    assert groups["suppressed"].any() and len(published) > len(groups) // 2
    for (group_var, territory, group, variable), _ in published.groupby(
            ["group_var", "territory", "group", "variable"]):
        rows = data if territory == "Piemonte" else data[data["territory"] == territory]
        if group_var != "all":
            rows = rows[rows[group_var] == group]
        answers = rows[variable].dropna()
        with_need = int((answers == 1).sum())
        for cell in (with_need, len(answers) - with_need):
            assert cell == 0 or cell >= 5, (group_var, territory, group, variable, with_need, len(answers))


def _audit_profile(needs: pd.DataFrame) -> pd.DataFrame:
    """Attack every block of the regional respondent profile (all provinces' published columns together)."""
    from wecare_analysis.survey.profile import TOTAL_LABEL, profile_counts, respondent_profile

    published = respondent_profile(needs)
    column_totals = needs["province_sigla"].value_counts()
    column_totals[TOTAL_LABEL] = len(needs)
    audits = []
    for block in published.index.get_level_values(0).unique():
        table = published.loc[block]
        audits.append(recoverable_cells(table, column_totals=column_totals, total_column=TOTAL_LABEL))
    assert profile_counts is not None
    return pd.concat(audits, ignore_index=True)


def test_published_profile_and_needs_resist_the_attack(planted_report: dict) -> None:
    root = planted_report["root"]
    needs = pd.read_parquet(root / "data" / "processed" / "survey" / "needs.parquet")
    audit = _audit_profile(needs)
    assert len(audit) > 0, "the planted rare combination must produce suppressed cells"
    assert not audit["recovered"].any(), audit[audit["recovered"]].to_string()


def test_needs_counts_resist_the_attack() -> None:
    # n tables of domain estimates: provinces x sex with province totals and a region total column
    rng = np.random.default_rng(3)
    n = pd.DataFrame(rng.integers(5, 40, size=(2, 8)), index=["F", "M"], columns=list("ABCDEFGH"))
    n.loc["F", ["B", "E"]] = [2, 4]
    long = n.stack().rename("n").reset_index().rename(columns={"level_0": "sex", "level_1": "prov"})
    long["variable"], long["estimate"] = "y", 0.5
    out = suppressed_estimates(long, "prov", "sex")
    pub = out.pivot(index="sex", columns="prov", values="n_label").astype(object)
    pub["Tot"] = n.sum(axis=1)
    res = recoverable_cells(pub, column_totals=pd.concat([n.sum(), pd.Series({"Tot": n.to_numpy().sum()})]),
                            total_column="Tot")
    assert res["label"].eq("< 5").sum() == 2 and not res["recovered"].any()


def test_screen_outputs_reads_every_format(tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["B2"] = "Mario Rossi"
    wb.save(tmp_path / "t.xlsx")
    (tmp_path / "t.html").write_text("<p>mario.rossi@example.org</p>", encoding="utf-8")
    assert "Mario Rossi" in published_text(tmp_path / "t.xlsx")
    hits = screen_outputs(tmp_path, ["mario rossi", "MARIO.ROSSI@example.org", "assente"])
    assert sorted(hits["needle"]) == ["MARIO.ROSSI@example.org", "mario rossi"]
