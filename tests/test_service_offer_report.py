"""Service-offer report functions on Biella (demo services and a small user file)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest

from wecare_analysis.errors import InputError
from wecare_analysis.formatting import format_it
from wecare_analysis.report import service_offer as so
from wecare_analysis.services.sources import demo_services_path


@pytest.fixture(scope="module")
def ctx(project_root):
    return so.service_offer_context("bi", 2023, "01", project_root, permutations=99)


@pytest.fixture(scope="module")
def demo(ctx, project_root) -> gpd.GeoDataFrame:
    return gpd.read_file(demo_services_path(project_root), layer="services")


def test_context_uses_the_demo_services_written_once_into_processed(ctx, demo, project_root):
    assert ctx.synthetic and ctx.sigla == "BI" and len(ctx.province) == 74 and len(ctx.territory) == 1180
    assert demo_services_path(project_root) == project_root / "data" / "processed" / "demo" / "services.gpkg"
    assert ctx.validation["rows_read"] == len(demo) == ctx.validation["rows_kept"]
    assert len(ctx.gaps) == 1180 * 19


def test_title_counts_the_services_of_the_province(ctx, demo):
    local = demo[demo["municipality_code"].isin(ctx.province["municipality_code"])]
    text = so.title_markdown(ctx)
    assert f"**{format_it(len(local))} servizi**" in text
    # the demo list has no "rows read": its count is the services of the whole region
    assert f"Elenco dimostrativo dei servizi: {format_it(len(demo))} servizi nell'intera regione (Piemonte)" in text
    assert "sono state lette" not in text
    assert "dati sintetici dimostrativi" in text


def test_access_summary_by_hand(ctx, demo):
    table = so.access_summary(ctx).set_index("category")
    province = ctx.province["municipality_code"]
    farm = demo[(demo["category"] == "farmacia") & demo["municipality_code"].isin(province)]
    assert table.loc["farmacia", "services"] == len(farm)
    assert table.loc["farmacia", "population"] == 168_823  # residents of Biella, 2023 (domain.md)
    assert table.loc["farmacia", "supply_per_1000"] == pytest.approx(1000 * len(farm) / 168_823)
    g = ctx.gaps[ctx.gaps["category"] == "rsa"].dropna(subset=["access_per_1000"])
    local = g[g["municipality_code"].isin(province)]
    mean = (local["population"] * local["access_per_1000"]).sum() / local["population"].sum()
    region = (g["population"] * g["access_per_1000"]).sum() / g["population"].sum()
    assert table.loc["rsa", "access_per_1000"] == pytest.approx(mean)
    assert table.loc["rsa", "access_ratio"] == pytest.approx(mean / region)
    assert table.loc["rsa", "hh_municipalities"] == (local["cluster"] == "HH").sum()
    shown = so.access_summary_display(ctx)
    assert shown.loc[shown["Servizio"] == "Farmacia", "Servizi"].item() == format_it(len(farm))  # the province's


def test_largest_gaps_are_the_largest_shortfalls_of_the_province(ctx):
    top = so.largest_gaps(ctx, 10)
    local = ctx.province_gaps()
    assert len(top) == 10 and top["municipality_code"].isin(ctx.province["municipality_code"]).all()
    # only real shortfalls (access below the region's, someone uncovered, the nearest service beyond a third of
    # the category's radius), ranked by uncovered users
    from wecare_analysis.gaps.proximity import out_of_reach, real_shortfalls

    assert (top["access_ratio"] < 1).all() and (top["shortfall"] >= 1).all() and out_of_reach(top).all()
    assert top["shortfall"].iloc[0] == real_shortfalls(local)["shortfall"].max()
    assert top["shortfall"].iloc[0] < local["shortfall"].max()  # the largest is a municipality with a service nearby
    assert top["shortfall"].is_monotonic_decreasing
    shown = so.largest_gaps_display(ctx, 10)
    assert shown["Indice di divario"].iloc[0] == format_it(top["gap_index"].iloc[0], 2)
    assert "," in shown["Indice di divario"].iloc[0]
    assert set(shown["Cluster LISA"]) <= set(so.CLUSTER_LABELS.values())


def test_figures_have_italian_legends(ctx):
    fig = so.services_map(ctx)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("Farmacia (") for t in texts)
    fig = so.access_maps(ctx)
    assert len(fig.axes) == len(so.KEY_CATEGORIES)
    legend = fig.axes[0].get_legend()
    assert legend.get_title().get_text() == "Servizi per 1.000 utenti"
    assert all(" – " in t.get_text() and "," in t.get_text() for t in legend.get_texts()[:3])
    fig = so.cluster_maps(ctx)
    assert {t.get_text() for t in fig.legends[0].get_texts()} == set(so.CLUSTER_LABELS.values())


def test_interactive_map_and_exports(ctx, tmp_path):
    assert so.write_interactive_map(ctx, None) is None
    assert "output_dir" not in so.interactive_map_markdown(None)  # no code names in reader-facing text
    assert "cartella" in so.interactive_map_markdown(None)
    path = so.write_interactive_map(ctx, tmp_path)
    assert path == tmp_path / "mappa_servizi.html"
    html = path.read_text(encoding="utf-8")
    assert "leaflet" in html.lower() and "Servizi per categoria" in html and "Farmacia" in html
    assert "mappa_servizi.html" in so.interactive_map_markdown(path)
    written = so.export_tables(ctx, tmp_path)
    assert [p.name for p in written] == ["servizi.xlsx", "servizi.gpkg"]
    book = openpyxl.load_workbook(tmp_path / "servizi.xlsx", read_only=True)
    assert book.sheetnames == ["Sintesi per servizio", "Divari maggiori", "Comuni e servizi"]
    layers = [name for name, _ in pyogrio.list_layers(tmp_path / "servizi.gpkg")]
    assert layers == ["servizi"] + [f"divario_{c}" for c in so.KEY_CATEGORIES]
    assert so.export_tables(ctx, None) == []


def test_user_services_file(project_root, tmp_path):
    csv = tmp_path / "farmacie.csv"
    csv.write_text("id,category,lon,lat\nf1,farmacia,8.0535,45.5663\nf2,Farmacia,8.0600,45.5700\n"
                   "f3,farmacia,0,0\n", encoding="utf-8")
    ctx = so.service_offer_context("BI", 2023, "01", project_root, services_path=csv, permutations=0)
    assert not ctx.synthetic
    v = ctx.validation
    assert (v["rows_read"], v["rows_kept"], v["rows_quarantined"], v["rows_outside_region"]) == (3, 2, 1, 0)
    text = so.title_markdown(ctx)
    assert "sintetici" not in text and "**2 servizi**" in text and "1 in quarantena" in text
    farm = ctx.gaps[ctx.gaps["category"] == "farmacia"]
    biella = farm.set_index("name").loc["Biella"]
    assert biella["services"] == 2
    reached = farm[farm["access_per_1000"] > 0]
    # 2SFCA conserves supply: the users reached share exactly the two pharmacies
    assert (reached["population"] * reached["access_per_1000"] / 1000).sum() == pytest.approx(2.0)
    assert np.isnan(farm["lisa_p"]).all() and (farm["cluster"] == "ns").all()


def test_unknown_province_is_an_input_error(project_root):
    with pytest.raises(InputError, match="valid sigle"):
        so.service_offer_context("XX", 2023, "01", project_root)
