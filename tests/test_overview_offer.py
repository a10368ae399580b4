"""Service offer per province in the regional overview: user-weighted access, ratios and HH counts by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from wecare_analysis.report import overview_offer as ovo
from wecare_analysis.report import service_offer as so


@pytest.fixture()
def offer() -> so.RegionalOffer:
    """Two provinces: A (municipalities 1, 2) and B (3); one category, a known access per municipality."""
    territory = gpd.GeoDataFrame(
        {"municipality_code": [1, 2, 3], "province_sigla": ["A", "A", "B"], "province_name": ["Alfa", "Alfa", "Beta"],
         "region_name": ["Regione X"] * 3},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)], crs=32632)
    gaps = pd.DataFrame({"municipality_code": [1, 2, 3], "category": "asilo_nido", "category_label": "Asilo nido",
                         "population": [100.0, 300.0, 200.0], "services": [1, 2, 0],
                         "access_per_1000": [2.0, 4.0, 1.0], "nearest_km": [1.0, 3.0, 6.0],
                         "cluster": ["HH", "ns", "HH"]})
    services = gpd.GeoDataFrame({"category": ["asilo_nido"] * 3}, geometry=gpd.points_from_xy([1, 2, 3], [1, 1, 1]),
                                crs=32632)
    validation = {"rows_read": 4, "rows_kept": 3, "rows_quarantined": 1, "rows_outside_region": 0}
    return so.RegionalOffer(2023, territory, services, validation, False, gaps)


def test_province_access_is_the_user_weighted_mean_relative_to_the_region(offer):
    table = ovo.province_access(offer).set_index("province_sigla")
    # A: (100 * 2 + 300 * 4) / 400 = 3.5; B: 1; region: (200 + 1200 + 200) / 600 = 8/3
    assert table.loc["A", "access_per_1000"] == pytest.approx(3.5)
    assert table.loc["B", "access_per_1000"] == pytest.approx(1.0)
    assert table.loc["", "access_per_1000"] == pytest.approx(8 / 3)
    assert table.loc["A", "access_ratio"] == pytest.approx(3.5 / (8 / 3))  # 1.3125
    assert table.loc["", "access_ratio"] == pytest.approx(1.0)
    assert table.loc["A", "nearest_km"] == pytest.approx((100 * 1 + 300 * 3) / 400)
    assert table.loc["A", "supply_per_1000"] == pytest.approx(1000 * 3 / 400)
    assert table["hh_municipalities"].tolist() == [1, 1, 2]
    assert table.loc["", "province_name"] == "Regione X"


def test_wide_tables_have_sigle_then_the_region(offer):
    table = ovo.province_access(offer)
    wide = ovo.access_by_province(table)
    assert list(wide.columns) == ["Servizio", "A", "B", "Regione X"]
    assert wide.iloc[0].tolist()[1:] == pytest.approx([3.5, 1.0, 8 / 3])
    assert ovo.shortage_by_province(table).iloc[0].tolist() == ["Asilo nido", 1, 1, 2]


def test_published_tables_give_the_ratio_in_percent_with_italian_headers(offer):
    published = ovo.access_table(ovo.province_access(offer)).set_index("Sigla")
    assert published.loc["A", "Accesso rispetto alla regione (%)"] == pytest.approx(131.25)
    assert published.loc["", "Accesso rispetto alla regione (%)"] == pytest.approx(100.0)
    assert "Comuni in cluster alto bisogno – bassa offerta" in published.columns
    defined = {term for term, _, _ in so.OFFER_DEFINITIONS}
    headers = set(published.columns) - {"Provincia", "Codice servizio"}
    assert headers <= defined, headers - defined
    # the province report's own summary sheet follows the same rule (it used to publish 0.97 under "(%)")
    summary = so.published(so.area_access_summary(offer.gaps[offer.gaps["municipality_code"] < 3], offer.gaps),
                           so.AREA_LABELS)
    assert summary["Accesso rispetto alla regione (%)"].tolist() == pytest.approx([131.25])


def test_access_ratio_layer_and_maps(offer):
    provinces = offer.territory.dissolve(by=["province_sigla", "province_name"]).reset_index()
    layer = ovo.access_ratio_layer(provinces, ovo.province_access(offer), categories=("asilo_nido",))
    assert layer.set_index("province_sigla")["Asilo nido"].tolist() == pytest.approx([131.25, 37.5])
    assert layer.crs.to_epsg() == 32632
    fig = ovo.access_ratio_maps(layer, offer)
    assert fig.axes[0].get_legend().get_title().get_text() == "% della media regionale"
    assert "Regione X" in fig._suptitle.get_text()


def test_section_markdown_counts_the_rows(offer):
    text = ovo.section_markdown(offer)
    assert "**3 servizi** di 1 categorie" in text
    assert "lette 4 righe, per l'intera regione (Regione X): 3 tenute, 1 in quarantena, 0 fuori regione" in text
    assert "dal file fornito" in text and "sintetici" not in text


def test_a_category_without_services_is_a_grey_map_that_says_so(offer):
    none = offer.gaps.assign(category="rsa", category_label="RSA", services=0, access_per_1000=0.0, cluster="ns")
    offer.gaps = pd.concat([offer.gaps, none], ignore_index=True)
    table = ovo.province_access(offer)
    assert table.loc[table["category"] == "rsa", "access_ratio"].isna().all()  # 0 / 0: no ratio, not 0 %
    provinces = offer.territory.dissolve(by=["province_sigla", "province_name"]).reset_index()
    layer = ovo.access_ratio_layer(provinces, table, categories=("asilo_nido", "rsa"))
    fig = ovo.access_ratio_maps(layer, offer)
    rsa = fig.axes[1]
    assert rsa.get_title() == "RSA\n(nessun servizio nella regione)"
    assert [t.get_text() for t in rsa.get_legend().get_texts()] == ["dato non disponibile"]
    assert fig.axes[0].get_title() == "Asilo nido"
