"""Planted identifiers and a rare combination never reach a published file (report folder, notebook included)."""

from __future__ import annotations

import re

import pandas as pd

from wecare_analysis.disclosure import COMPLEMENTARY_LABEL, screen_outputs, suppression_label


def test_planted_identifiers_absent_from_every_output(planted_report: dict) -> None:
    out, needles = planted_report["out"], planted_report["needles"]
    files = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert {".html", ".pdf", ".ipynb", ".xlsx", ".gpkg", ".csv", ".png", ".svg"} <= files
    # positive control: the same search finds the planted strings in the raw input
    raw_hits = screen_outputs(planted_report["root"] / "data" / "raw", needles[:7])
    assert set(raw_hits["needle"]) == set(needles[:7])
    hits = screen_outputs(out, needles)
    assert hits.empty, hits.to_string()


def test_no_respondent_level_ids_in_outputs(planted_report: dict) -> None:
    pattern = re.compile(r"\b[RF][0-9a-f]{16}\b")
    respondents = pd.read_parquet(planted_report["root"] / "data" / "processed" / "survey" / "respondents.parquet")
    assert pattern.fullmatch(respondents["respondent_id"].iloc[0])  # the pattern matches real pseudonyms
    for path in planted_report["out"].rglob("*"):
        if path.suffix in {".html", ".ipynb", ".csv", ".svg"}:
            assert not pattern.search(path.read_text(encoding="utf-8", errors="replace")), path


def test_rare_combination_only_as_suppressed_cells(planted_report: dict) -> None:
    k = 5
    labels = {suppression_label(k), COMPLEMENTARY_LABEL}
    profile = pd.read_csv(planted_report["out"] / "opendata" / "rispondenti.csv", dtype=str)
    mining = profile[profile["categoria"] == "Attività estrattive"]  # ATECO section B: only the planted row
    assert len(mining) == 1, "the planted ATECO section B row is published (suppressed)"
    assert set(mining[["vb", "piemonte"]].iloc[0]) <= labels
    counts = profile[["vb", "piemonte"]].apply(pd.to_numeric, errors="coerce")
    assert not ((counts > 0) & (counts < k)).any().any()
