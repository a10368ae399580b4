"""The service-offer notebook runs with papermill on a small province and shows computed values."""

from __future__ import annotations

import pytest
from conftest import execute_notebook

from wecare_analysis.formatting import format_it

pytestmark = pytest.mark.slow


def test_notebook_03_runs_on_biella(project_root, tmp_path):
    from wecare_analysis.report import service_offer as so

    _, text, out = execute_notebook("03_service_offer.ipynb", project_root, tmp_path, province="BI")
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
