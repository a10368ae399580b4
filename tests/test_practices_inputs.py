"""Optional MEF IRPEF and third-sector inputs: absent, present, malformed -> the run completes and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from wecare_analysis.practices.assess import assess_province
from wecare_analysis.practices.catalogue import load_catalogue
from wecare_analysis.practices.criteria import CriteriaInputs
from wecare_analysis.practices.optional_inputs import read_mef_irpef, read_third_sector, write_quarantine

DATA = Path(__file__).parent / "data" / "practices"


def _balanced(r) -> bool:
    return r.rows_read == r.rows_kept + r.rows_quarantined + r.rows_outside


def test_mef_absent_and_missing_file(piedmont):
    absent = read_mef_irpef(None, piedmont)
    assert absent.status == "assente" and absent.table is None and not absent.usable
    missing = read_mef_irpef(DATA / "nope.csv", piedmont)
    assert missing.status == "non utilizzabile" and "non trovato" in missing.messages[0]


def test_mef_valid_file(piedmont):
    r = read_mef_irpef(DATA / "mef_valid.csv", piedmont)
    assert r.status == "usato" and _balanced(r) and (r.rows_read, r.rows_kept, r.rows_outside) == (5, 4, 1)
    t = r.table.set_index("municipality_code")
    assert t.loc[96004, "taxable_income"] == 720_000_000 and t.loc[96004, "taxpayers"] == 30000
    assert pd.isna(t.loc[96001, "taxable_income"])  # suppressed cell kept as missing, not zero
    assert r.provinces == ["BI", "VB"] and any("soppressi" in m for m in r.messages)


def test_mef_wrong_delimiter_is_read_and_reported(piedmont):
    r = read_mef_irpef(DATA / "mef_comma.csv", piedmont)
    assert r.status == "usato" and r.rows_kept == 4 and "trovato «virgola»" in r.messages[0]


def test_mef_malformed_rows_quarantined(piedmont, tmp_path):
    r = read_mef_irpef(DATA / "mef_malformed.csv", piedmont)
    assert r.status == "usato in parte" and _balanced(r) and (r.rows_kept, r.rows_quarantined) == (3, 3)
    reasons = dict(zip(r.quarantine["line"], r.quarantine["reason"]))
    assert "sconosciuto" in reasons[3] and "non numerico" in reasons[4] and "8 campi invece di 12" in reasons[5]
    assert 5122 in set(r.table["municipality_code"])  # retired 005079 reconciled to Moransengo-Tonengo
    out = write_quarantine(r, tmp_path)
    assert pd.read_csv(out)["line"].tolist() == [3, 4, 5]
    bad = read_mef_irpef(DATA / "mef_wrong_columns.csv", piedmont)
    assert bad.status == "non utilizzabile" and _balanced(bad) and "non trovate" in bad.messages[0]


def test_third_sector_register(piedmont):
    r = read_third_sector(DATA / "third_sector.csv", piedmont)
    assert r.status == "usato in parte" and _balanced(r)
    assert (r.rows_read, r.rows_kept, r.rows_quarantined, r.rows_outside) == (8, 5, 2, 1)
    t = r.table.set_index("municipality_code")
    assert t.loc[96004, "entities"] == 3 and t.loc[96004, "third_sector"] == 2  # the sports club is not ETS
    semi = read_third_sector(DATA / "third_sector_semicolon.csv", piedmont)
    assert semi.status == "usato" and "punto e virgola" in semi.messages[0]


@pytest.mark.parametrize("mef, ts", [(None, None), ("mef_valid.csv", "third_sector.csv"),
                                     ("mef_malformed.csv", "third_sector_semicolon.csv"),
                                     ("mef_wrong_columns.csv", "nope.csv")])
def test_assessment_completes_with_any_optional_input(piedmont, mef, ts):
    terr = pd.DataFrame(piedmont.drop(columns="geometry"))
    m = read_mef_irpef(DATA / mef if mef else None, terr)
    t = read_third_sector(DATA / ts if ts else None, terr)
    inputs = CriteriaInputs(territory=terr, income=m.table if m.usable else None,
                            third_sector=t.table if t.usable else None,
                            covered_provinces={"third_sector": t.provinces})
    a = assess_province("BI", load_catalogue(), inputs, n_draws=100)
    used = a.weights.set_index("criterion")
    assert (used.loc["income_fit", "status"] == "usato") == m.usable
    assert (used.loc["third_sector", "status"] == "usato") == t.usable
    assert used["weight"].sum() == pytest.approx(1.0) and len(a.ranking) == 8
    if not m.usable:
        assert any("Reddito" in n for n in a.notes)
    json.dumps([x.summary() for x in (m, t)])  # the report summary is plain data


def test_criteria_read_the_ingested_survey_not_the_demo(project_root, tmp_path):
    """After `wecare survey validate`, the transferability criteria read that survey, as the needs section does."""
    import shutil

    from wecare_analysis.analysis import RunParameters, analyse_region
    from wecare_analysis.cli import main
    from wecare_analysis.demo.survey import write_demo_survey
    from wecare_analysis.report.document import survey_source
    from wecare_analysis.survey.source import demo_survey_path

    root = tmp_path / "root"
    shutil.copytree(project_root / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("survey", "practices_survey", "cache", "*.lock"))
    export = write_demo_survey(root / "data" / "raw" / "mine", n_respondents=400, seed=7, root=str(root))[0]
    assert main(["survey", "validate", str(export), "--root", str(root)]) in (0, 1)
    analysis = analyse_region(RunParameters(root=str(root)))
    assert not analysis.survey.synthetic  # not labelled synthetic: it is the user's own ingested file
    assert not any("sintetici" in n and "Bisogni e imprese" in n for n in analysis.transfer_inputs.notes)
    firms = analysis.transfer_inputs.criteria.firms
    assert firms["firms"].sum() == survey_source(root).needs["firm_id"].nunique()
    assert len(analysis.respondents) == len(survey_source(root).needs)
    # the demo survey was never written (the synthetic programme activities, shown when the user has no
    # records of their own, are written next to it: they are not a survey)
    assert not demo_survey_path(root).exists()
