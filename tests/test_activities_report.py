"""Issue 17: the programme activities as a dataset of the region analysis, and the demo data behind the section.

The section itself is checked in the published reports of the pipeline and overview tests
(tests/activities_report_checks.py, called by tests/test_pipeline_run.py and tests/test_report_overview.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wecare_analysis.analysis import REPORT_DATASETS, RunParameters, declared_files, input_digests
from wecare_analysis.cli import main
from wecare_analysis.demo.activities import FILE_NAMES, write_demo_activities


def test_activities_dataset_reads_the_validated_records(tmp_path: Path) -> None:
    params = RunParameters(region="01", root=str(tmp_path))
    record = tmp_path / "data" / "processed" / "activities" / "desk" / "sportelli_2024.parquet"
    record.parent.mkdir(parents=True)
    pd.DataFrame({"province_sigla": ["TO"]}).to_parquet(record)
    assert record in declared_files(["activities"], params)
    before = input_digests(REPORT_DATASETS, params)  # the reports' --resume fingerprint and manifest inputs
    assert "data/processed/activities/desk/sportelli_2024.parquet" in before
    pd.DataFrame({"province_sigla": ["TO", "CN"]}).to_parquet(record)
    after = input_digests(REPORT_DATASETS, params)
    assert after["data/processed/activities/desk/sportelli_2024.parquet"] != before[
        "data/processed/activities/desk/sportelli_2024.parquet"]
    assert record not in declared_files(["needs"], params)  # the needs do not re-run for the activity records


def test_demo_data_also_writes_the_three_activity_files(project_root: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo-data", "--out", str(out), "--respondents", "40", "--root", str(project_root)]) == 0
    for name in ("survey.csv", "truth_needs.csv", "services.gpkg"):  # the existing files, names unchanged
        assert (out / name).is_file(), name
    expected = write_demo_activities(tmp_path / "reference", seed=0)
    for path in expected:
        written = out / "activities" / path.name
        assert written.read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in expected) == sorted(FILE_NAMES.values())
    assert "activities/incontri_demo.csv" in capsys.readouterr().out


def test_municipality_match_with_only_unknown_province_hints() -> None:
    """Demo records of Piedmont validated for another region: every province hint is unknown (was ArrowInvalid)."""
    from wecare_analysis.territory.names import match_municipalities

    found = match_municipalities(pd.Series(["Aosta", "Torino"]), year=2023,
                                 province=pd.Series(["XX", None], dtype="string"))
    assert found["municipality_code"].tolist() == [7003, 1272]
