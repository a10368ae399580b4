"""Joint disclosure control: one pattern over every table a run publishes, audited by linear programming."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.disclosure_joint import (
    PUBLISHED_GROUP_CODES,
    REGION,
    audit_reports,
    audit_system,
    run_system,
)


def _profile(cells: dict[tuple[str, str], dict[str, object]]) -> pd.DataFrame:
    """Long profile ``block, category, column, value`` from ``{(block, category): {column: value}}``."""
    return pd.DataFrame([(b, c, col, v) for (b, c), line in cells.items() for col, v in line.items()],
                        columns=["block", "category", "column", "value"])


def _bounds(audit, cell: tuple) -> tuple[float, float, float, float]:
    row = audit.table.set_index("cell").loc[[cell]].iloc[0]
    return row["lower"], row["upper"], row["known_lower"], row["known_upper"]


# --- (c) bounds checked by hand on tiny tables ---------------------------------------------------------------

SEX = {("Sesso", "Femmina"): {"A": 10, "B": 20, REGION: 30}, ("Sesso", "Maschio"): {"A": 13, "B": 22, REGION: 35}}


def test_row_differencing_alone_leaves_the_label_interval() -> None:
    # x: A = 3 '< 5', B = 12 'n.p.', region 15 -> x_A + x_B = 15; no column total known (no other block)
    cells = {("Settore", "x"): {"A": "< 5", "B": "n.p.", REGION: 15}, ("Settore", "y"): {"A": 20, "B": 30, REGION: 50}}
    audit = audit_system(run_system(_profile(cells), None), 5)
    assert _bounds(audit, ("rispondenti", "Settore", "x", "A")) == pytest.approx((0, 15, 1, 4))
    assert _bounds(audit, ("rispondenti", "Settore", "x", "B")) == pytest.approx((0, 15, 11, 14))
    assert audit.passed


def test_province_total_from_a_fully_published_variable_pins_the_cell() -> None:
    # sex publishes A's total 23; sector column A: x_A + 20 = 23 -> x_A = 3 and x_B = 15 - 3 = 12
    cells = {**SEX, ("Settore", "x"): {"A": "< 5", "B": "n.p.", REGION: 15},
             ("Settore", "y"): {"A": 20, "B": 30, REGION: 50}}
    audit = audit_system(run_system(_profile(cells), None), 5)
    assert _bounds(audit, ("rispondenti", "Settore", "x", "A")) == pytest.approx((3, 3, 3, 3))
    assert _bounds(audit, ("rispondenti", "Settore", "x", "B")) == pytest.approx((12, 12, 12, 12))
    assert not audit.passed and audit.unsafe["pinned"].all()


def test_a_rectangle_slides_by_the_smallest_cells() -> None:
    # x_A = 3 + t, x_B = 12 - t, y_A = 20 - t, y_B = 30 + t: t in [-3, 12] (x >= 0), labels: t in [-2, 1]
    cells = {**SEX, ("Settore", "x"): {"A": "< 5", "B": "n.p.", REGION: 15},
             ("Settore", "y"): {"A": "n.p.", "B": "n.p.", REGION: 50}}
    audit = audit_system(run_system(_profile(cells), None), 5)
    assert _bounds(audit, ("rispondenti", "Settore", "x", "A")) == pytest.approx((0, 15, 1, 4))
    assert _bounds(audit, ("rispondenti", "Settore", "y", "A")) == pytest.approx((8, 23, 19, 22))
    assert _bounds(audit, ("rispondenti", "Settore", "y", "B")) == pytest.approx((27, 42, 28, 31))
    assert audit.passed and audit.table["width"].tolist() == pytest.approx([15.0] * 4)


def test_labels_pin_a_cell_the_sums_leave_wide() -> None:
    # A total 8, B total 17: x_A = 3 + t, x_B = 12 - t, y_A = 5 - t, y_B = 5 + t; x >= 0: t in [-3, 5] (width 8),
    # but y_A, y_B >= 5 ('n.p.') give t = 0: every cell is pinned
    cells = {("Sesso", "Femmina"): {"A": 8, "B": 17, REGION: 25},
             ("Settore", "x"): {"A": "< 5", "B": "n.p.", REGION: 15},
             ("Settore", "y"): {"A": "n.p.", "B": "n.p.", REGION: 10}}
    audit = audit_system(run_system(_profile(cells), None), 5)
    assert _bounds(audit, ("rispondenti", "Settore", "x", "A")) == pytest.approx((0, 8, 3, 3))
    assert audit.table["width"].min() == pytest.approx(8) and audit.table["pinned"].all() and not audit.passed


def test_a_narrow_interval_fails_without_being_pinned() -> None:
    # four '< 5' cells: x_A = 1 + t, x_B = 2 - t, y_A = 2 - t, y_B = 1 + t: t in [-1, 2], width 3 < 5;
    # the labels leave t in [0, 1], two integers (not pinned)
    cells = {("Sesso", "Femmina"): {"A": 3, "B": 3, REGION: 6},
             ("Settore", "x"): {"A": "< 5", "B": "< 5", REGION: 3},
             ("Settore", "y"): {"A": "< 5", "B": "< 5", REGION: 3}}
    audit = audit_system(run_system(_profile(cells), None), 5)
    assert _bounds(audit, ("rispondenti", "Settore", "x", "A")) == pytest.approx((0, 3, 1, 2))
    assert not audit.table["pinned"].any() and not audit.passed


def test_needs_groups_and_region_link_to_the_profile() -> None:
    # needs: A all 23 published, A women '< 5', A men 'n.p.'; the profile publishes A's women (3): pinned by the link
    needs = pd.DataFrame([("y", "all", "all", "A", 23), ("y", "sex", "F", "A", "< 5"), ("y", "sex", "M", "A", "n.p."),
                          ("y", "all", "all", REGION, 23), ("y", "sex", "F", REGION, "< 5"),
                          ("y", "sex", "M", REGION, "n.p.")], columns=["area", "group_var", "group", "column", "value"])
    profile = _profile({("Sesso", "Femmina"): {"A": "< 5", REGION: "< 5"}, ("Sesso", "Maschio"): {"A": 20, REGION: 20}})
    audit = audit_system(run_system(profile, needs), 5)
    # all = T_A = 23 (link), men = 20 (link to the profile), women = 23 - 20 = 3
    assert _bounds(audit, ("bisogni", "y", "sex", "F", "A")) == pytest.approx((3, 3, 3, 3))
    # the 'n.p.' domain (an estimate hidden, 20 respondents) is an unknown, not a cell to protect
    assert ("bisogni", "y", "sex", "M", "A") not in set(audit.table["cell"])


def test_contradicted_relations_are_relaxed() -> None:
    # A's sexes sum to 23 and its sectors to at most 18 + 4: the equal totals cannot hold, 'totals' becomes
    # <= (every block sums to at most T_A, which nothing bounds above): only x_A + x_B = 15 is left
    cells = {**SEX, ("Settore", "x"): {"A": "< 5", "B": "n.p.", REGION: 15},
             ("Settore", "y"): {"A": 18, "B": 30, REGION: 48}}
    audit = audit_system(run_system(_profile(cells), None), 5)
    assert audit.relaxed == ("links", "groups", "totals")
    assert _bounds(audit, ("rispondenti", "Settore", "x", "A")) == pytest.approx((0, 15, 1, 4))
    # with equal totals it would have been pinned at 23 - 18 = 5, outside its label: no table fits
    with pytest.raises(ValueError):
        audit_system(run_system(_profile(cells), None), 5, relaxed=set())


def test_published_group_codes_match_the_report_labels() -> None:
    from wecare_analysis.report.document import GROUP_LABELS

    assert {label: code for code, label in GROUP_LABELS.items()} == PUBLISHED_GROUP_CODES


# --- (b) a survey whose per-report suppression is recoverable -------------------------------------------------

def _survey() -> pd.DataFrame:
    """Four provinces; ATECO N (professional services): VB 3, VC 12, NO 20, TO 20; ATECO I: VB 5, VC 5, NO 30,
    TO 30; ATECO C: 40 everywhere; sex balanced. The per-table pattern hides VB/N (< 5), VC/N (its row's
    smallest), VB/I and VC/I (their columns' smallest): the sex totals pin them (VB/I and VC/I are 5, 'n.p.')."""
    counts = {"VB": {"N": 3, "I": 5, "C": 40}, "VC": {"N": 12, "I": 5, "C": 40},
              "NO": {"N": 20, "I": 30, "C": 40}, "TO": {"N": 20, "I": 30, "C": 40}}
    rows = []
    for province, sectors in counts.items():
        for sector, n in sectors.items():
            rows += [{"province_sigla": province, "ateco_section": sector} for _ in range(n)]
    frame = pd.DataFrame(rows)
    frame["sex"] = ["F" if i % 2 else "M" for i in range(len(frame))]
    return frame


def _publish(profile: pd.DataFrame, folder: Path) -> None:
    """Write each province's published profile as the reports do (``opendata/rispondenti.csv`` and the workbook)."""
    from wecare_analysis.report import bundle
    from wecare_analysis.report import document as doc

    for sigla in ("VB", "VC", "NO", "TO"):
        table = doc.profile_table(pd.DataFrame(), sigla, 5, published=profile)
        bundle.write_opendata({"Rispondenti": table}, folder / sigla / "opendata")
        bundle.write_findings_xlsx({"Rispondenti": table}, folder / sigla / "findings.xlsx")


def test_per_report_pattern_is_recovered_and_the_joint_one_is_not(tmp_path: Path) -> None:
    from wecare_analysis.analysis.disclosure import joint_disclosure
    from wecare_analysis.analysis.needs import ESTIMATE_COLUMNS
    from wecare_analysis.cli import main
    from wecare_analysis.survey.profile import respondent_profile

    survey = _survey()
    old, new = tmp_path / "old", tmp_path / "new"
    _publish(respondent_profile(survey, k=5), old)  # today's per-report suppression
    audit, run = audit_reports(old)
    assert run.reports == ["NO", "TO", "VB", "VC"] and run.k == 5
    pinned = audit.unsafe.set_index("cell")["known_lower"]
    sector, n_row = "Settore (sezione ATECO)", "Attività professionali, scientifiche e tecniche"  # ATECO N
    assert pinned[("Piemonte", "rispondenti", sector, n_row, "VB")] == 3
    assert pinned[("Piemonte", "rispondenti", sector, n_row, "VC")] == 12
    assert main(["disclosure", "audit", str(old)]) == 1

    groups = pd.DataFrame(columns=ESTIMATE_COLUMNS)
    profile, _ = joint_disclosure(survey, groups, "Piemonte", 5)
    _publish(profile, new)
    audit, _ = audit_reports(new)
    assert audit.passed and audit.table["width"].min() >= 5 and len(audit.table) > 4
    # the joint pattern keeps every cell the per-report one hid, and hides more
    hidden_old = respondent_profile(survey, k=5).map(lambda v: isinstance(v, str))
    hidden_new = profile.map(lambda v: isinstance(v, str))
    assert (hidden_new | ~hidden_old).all().all() and hidden_new.sum().sum() > hidden_old.sum().sum()
    assert main(["disclosure", "audit", str(new)]) == 0


def test_audit_cli_refuses_a_missing_folder(tmp_path: Path, capsys) -> None:
    from wecare_analysis.cli import main

    assert main(["disclosure", "audit", str(tmp_path / "nowhere")]) == 2
    assert "not a folder of reports" in capsys.readouterr().err


# --- (a) the demo run's published tables -----------------------------------------------------------------------

def test_demo_run_publishes_a_pattern_the_joint_audit_passes(project_root: Path, tmp_path: Path) -> None:
    """Every province's respondent and needs tables of the demo analysis, written as the reports write them."""
    from wecare_analysis.analysis import RunParameters, analyse_region
    from wecare_analysis.report import bundle
    from wecare_analysis.report import document as doc

    analysis = analyse_region(RunParameters(root=str(project_root)))
    names = analysis.territory.drop_duplicates("province_sigla").set_index("province_sigla")["province_name"]
    for sigla in analysis.provinces:
        sheets = {"Rispondenti": doc.profile_table(analysis.respondents, sigla, analysis.min_cell,
                                                   analysis.needs.profile),
                  doc.NEEDS_SHEET: doc.needs_table(analysis.needs.groups, [sigla, analysis.region_name],
                                                   {sigla: names[sigla]})}
        bundle.write_opendata(sheets, tmp_path / sigla / "opendata")
        bundle.write_findings_xlsx(sheets, tmp_path / sigla / "findings.xlsx")
    audit, run = audit_reports(tmp_path)
    assert sorted(run.reports) == sorted(analysis.provinces) and len(run.reports) == 8
    assert len(audit.table) > 0 and audit.relaxed == ()
    assert audit.passed, audit.unsafe.to_string()
    # the same demo under today's per-report pattern is recovered (the attack: VB = 3, VC = 12)
    from wecare_analysis.survey.profile import respondent_profile

    old = respondent_profile(analysis.respondents, k=analysis.min_cell)
    for sigla in analysis.provinces:
        bundle.write_opendata({"Rispondenti": doc.profile_table(analysis.respondents, sigla, analysis.min_cell, old)},
                              tmp_path / "old" / sigla / "opendata")
    assert not audit_reports(tmp_path / "old")[0].passed


def test_notebook_report_passes_the_joint_audit(planted_report: dict) -> None:
    """The province report as the notebook published it (CSV and workbook of VB with the region's column)."""
    audit, run = audit_reports(planted_report["out"].parent)
    assert run.reports == ["VB"] and len(audit.table) > 0
    assert audit.passed, audit.unsafe.to_string()


def test_the_audit_skips_the_data_label_column_the_reports_write() -> None:
    """The audit leaves out the provenance column every CSV ends with (its name kept in step with the labels)."""
    from wecare_analysis import disclosure_joint
    from wecare_analysis.report.labels import LABEL_COLUMN

    assert disclosure_joint.LABEL_COLUMN == LABEL_COLUMN
    banner = ("Dati sintetici dimostrativi – non usare per conclusioni", None, None)
    header = ("Variabile", "Categoria", "VB")
    assert disclosure_joint._below_banner([banner, header, ("Sesso", "Donne", 7)]) == [header, ("Sesso", "Donne", 7)]
    assert disclosure_joint._below_banner([header, ("Sesso", "Donne", 7)]) == [header, ("Sesso", "Donne", 7)]
