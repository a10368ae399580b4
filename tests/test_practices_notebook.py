"""The transferability notebook: committed clean with one parameters cell, executed with papermill on VB."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_transferability.ipynb"
DATA = Path(__file__).parent / "data" / "practices"


def test_notebook_committed_clean_with_parameters_cell():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    for line in ('province = "TO"', "year = 2023", 'region = "01"', "root = None", "output_dir = None",
                 "mef_path = None", "third_sector_path = None", "ahp_path = None"):
        assert line in source
    for comment in re.findall(r"#(.*)", source):
        assert "=" not in comment
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb["cells"]
               if c["cell_type"] == "code")


@pytest.mark.slow
def test_notebook_runs_on_a_small_province(project_root, tmp_path):
    papermill = pytest.importorskip("papermill")
    out_dir = tmp_path / "VB"
    papermill.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"province": "VB", "root": str(project_root), "output_dir": str(out_dir),
                    "mef_path": str(DATA / "mef_malformed.csv"), "third_sector_path": str(DATA / "third_sector.csv"),
                    "ahp_path": str(DATA / "ahp_inconsistent.csv")})
    text = (tmp_path / "out.ipynb").read_text(encoding="utf-8")
    assert "1ª posizione" in text and "rapporto di consistenza AHP" in text and "usato in parte" in text
    for name in ("trasferibilita_criteri", "trasferibilita_graduatoria", "trasferibilita_stabilita"):
        assert (out_dir / "figures" / f"{name}.png").is_file()
    assert (out_dir / "trasferibilita.xlsx").is_file() and (out_dir / "quarantine_mef_irpef.csv").is_file()
