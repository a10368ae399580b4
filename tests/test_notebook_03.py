"""The service-offer notebook runs with papermill on a small province and shows computed values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wecare_analysis.report.formatting import format_it

pytestmark = pytest.mark.slow
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_service_offer.ipynb"


def test_notebook_03_runs_on_biella(project_root, tmp_path):
    import papermill as pm

    from wecare_analysis.pipeline.province_run import KERNEL_ARGUMENTS, kernel_environment
    from wecare_analysis.report import service_offer as so

    kernel_environment()
    out = tmp_path / "out"
    executed = tmp_path / "03.ipynb"
    pm.execute_notebook(NOTEBOOK, executed, kernel_name="python3", progress_bar=False, cwd=str(project_root),
                        parameters={"province": "BI", "root": str(project_root), "output_dir": str(out)},
                        extra_arguments=KERNEL_ARGUMENTS)
    nb = json.loads(executed.read_text(encoding="utf-8"))
    text = "\n".join(
        "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/markdown", ""))
        + "".join(o.get("data", {}).get("text/html", ""))
        for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))
    assert not any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
    ctx = so.service_offer_context("BI", 2023, "01", project_root, permutations=0)  # LISA not needed here
    local = ctx.services[ctx.services["municipality_code"].isin(ctx.province["municipality_code"])]
    assert f"**{format_it(len(local))} servizi**" in text
    assert "dati sintetici dimostrativi" in text
    top = so.largest_gaps(ctx, 1).iloc[0]
    assert format_it(top["gap_index"], 2) in text and str(top["name"]) in text
    for name in ("servizi_per_categoria", "mappe_accessibilita", "cluster_divario"):
        assert (out / "figures" / f"{name}.png").is_file()
    for name in ("mappa_servizi.html", "servizi.xlsx", "servizi.gpkg"):
        assert (out / name).is_file()
