"""Needs report helpers on hand-made estimates: Italian intervals, comparisons, top needs, summary, MRP table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.analysis.needs import NeedsEstimates, _design_block
from wecare_analysis.analysis.parameters import NOTEBOOK_PARAMETERS
from wecare_analysis.report import needs as nr

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_needs_estimates.ipynb"


def _estimates() -> NeedsEstimates:
    rows = [  # territory, group_var, group, variable, label, estimate, lo, hi, n
        ("BI", "all", "all", "need_a", "Area A", 0.40, 0.30, 0.50, 80),
        ("BI", "all", "all", "need_b", "Area B", 0.35, 0.28, 0.43, 80),
        ("BI", "all", "all", "need_c", "Area C", 0.10, 0.05, 0.19, 80),
        ("BI", "all", "all", "need_d", "Area D", np.nan, np.nan, np.nan, 3),
        ("Piemonte", "all", "all", "need_a", "Area A", 0.30, 0.28, 0.32, 900),
        ("Piemonte", "all", "all", "need_b", "Area B", 0.20, 0.18, 0.22, 900),
        ("Piemonte", "all", "all", "need_c", "Area C", 0.12, 0.10, 0.14, 900),
        ("Piemonte", "all", "all", "need_d", "Area D", 0.01, 0.005, 0.02, 900),
        ("BI", "sex", "F", "need_a", "Area A", 0.5, 0.4, 0.6, 40),
        ("BI", "sex", "M", "need_a", "Area A", 0.3, 0.2, 0.4, 40),
    ]
    groups = pd.DataFrame(rows, columns=["territory", "group_var", "group", "variable", "label", "estimate",
                                         "ci_low", "ci_high", "n"])
    groups["se"] = 0.05
    groups["suppressed"] = groups["estimate"].isna()
    groups["n_label"] = groups["n"].astype(object).where(~groups["suppressed"], "< 5")
    is_region = groups["territory"] == "Piemonte"
    province = _design_block(groups[~is_region], "province_sigla")
    region = _design_block(groups[is_region], "territory")
    muni = pd.DataFrame({"municipality_code": [96001, 96002, 96003], "name": ["Ailoche", "Andorno", "Benna"],
                         "province_sigla": "BI", "need_area": "a", "variable": "need_a", "label": "Area A",
                         "prevalence": [0.31, 0.452, 0.38], "se": 0.05, "ci_low": [0.2, 0.351, 0.3],
                         "ci_high": [0.42, 0.55, 0.47], "n": [0, 12, 2], "n_label": [0, 12, "< 5"],
                         "population": [100.0, 200.0, 300.0]})
    return NeedsEstimates(province, region, groups, muni, pd.DataFrame(), pd.DataFrame())


def test_interval_text_is_italian() -> None:
    assert nr.interval_text(0.1234, 0.1, 0.15) == "12,3% (IC 95% 10,0–15,0%)"
    assert nr.interval_text(np.nan, np.nan, np.nan) == "n.d."


def test_comparison_frame_province_vs_region_and_women_vs_men() -> None:
    est = _estimates()
    f = nr.comparison_frame(est, "BI", "Biella")
    assert list(f["series"].cat.categories) == ["Biella", "Piemonte"]
    first = f[f["series"] == "Biella"]
    assert first["label"].tolist()[:3] == ["Area A", "Area B", "Area C"]  # sorted by estimate
    assert first["pct"].tolist()[:3] == pytest.approx([40.0, 35.0, 10.0])
    assert f.loc[(f["series"] == "Piemonte") & (f["label"] == "Area B"), "hi"].item() == pytest.approx(22.0)
    s = nr.comparison_frame(est, "BI", "Biella", "sex")
    assert s["series"].tolist() == ["Donne", "Uomini"] and s["lo"].tolist() == pytest.approx([40.0, 20.0])


def test_top_needs_skip_suppressed_areas() -> None:
    top = nr.top_needs(_estimates(), "BI", 5)
    assert top["need_area"].tolist() == ["a", "b", "c"]


def test_summary_quotes_the_numbers_with_intervals() -> None:
    text = nr.summary_markdown(_estimates(), "BI", "Biella", synthetic=True, n=2)
    assert text.startswith("*Dati sintetici dimostrativi")
    assert "**Area A**: 40,0% (IC 95% 30,0–50,0%); in Piemonte 30,0% (IC 95% 28,0–32,0%)." in text
    lazio = nr.summary_markdown(_estimates(), "BI", "Biella", n=2, region="Lazio")
    assert "**Area A**: 40,0% (IC 95% 30,0–50,0%); nel Lazio 30,0% (IC 95% 28,0–32,0%)." in lazio
    assert "**Area B**: 35,0% (IC 95% 28,0–43,0%)" in text
    assert "si sovrappongono" in text  # 0.30 <= 0.43
    # Ailoche (31,0%) has no respondent: it is neither the lowest nor the highest (issue 16)
    assert "da 38,0% (Benna; IC 95% 30,0–47,0%) a 45,2% (Andorno; IC 95% 35,1–55,0%)" in text
    assert "Ailoche" not in text and "Un comune senza rispondenti ha una stima solo da modello" in text


def test_mrp_table_sorted_with_italian_numbers_and_suppressed_counts() -> None:
    t = nr.mrp_table(_estimates(), "BI", "a", n=2)
    assert t["Comune"].tolist() == ["Andorno", "Benna"]
    assert t["Stima MRP (%)"].tolist() == ["45,2", "38,0"]
    assert t["Rispondenti"].tolist() == ["12", "< 5"]


def test_notebook_05_is_clean_and_parametrised() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    params = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    names = [line.split("=")[0].strip() for line in src.splitlines() if "=" in line.split("#")[0]]
    assert names == list(NOTEBOOK_PARAMETERS)  # every notebook carries the run's parameters (issue 19)
    assert 'province = "TO"' in src and "year = 2023" in src and 'region = "01"' in src
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
            for line in "".join(cell["source"]).splitlines():
                assert "=" not in line.partition("#")[2], line
            assert len("".join(cell["source"]).splitlines()) <= 15
