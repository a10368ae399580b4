"""Offer and accessibility per municipality × category, checked against values computed by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from wecare_analysis.gaps import municipality_access, municipality_points, service_points

CRS = "EPSG:32632"


@pytest.fixture()
def strip() -> gpd.GeoDataFrame:
    """Three 4 km squares in a row: centres at x = 2, 6, 10 km; residents 1,000, 3,000, 2,000."""
    return gpd.GeoDataFrame({"municipality_code": [1, 2, 3], "residents": [1000, 3000, 2000],
                             "age_75_plus": [100, 0, 50], "age_0_2": [10, 20, 0]},
                            geometry=[box(k * 4000, 0, (k + 1) * 4000, 4000) for k in range(3)], crs=CRS)


@pytest.fixture()
def pharmacies() -> gpd.GeoDataFrame:
    """Two pharmacies (radius 5 km) at the centres of municipalities 1 and 3."""
    return gpd.GeoDataFrame({"category": ["farmacia", "farmacia"], "municipality_code": [1, 3],
                             "capacity": [1.0, 1.0]},
                            geometry=[Point(2000, 2000), Point(10000, 2000)], crs=CRS)


def _rows(table: pd.DataFrame, category: str) -> pd.DataFrame:
    return table[table["category"] == category].set_index("municipality_code")


def test_points_are_inside_and_code_keyed_services_get_their_municipality_point(strip):
    assert municipality_points(strip).tolist() == [[2000, 2000], [6000, 2000], [10000, 2000]]
    s = gpd.GeoDataFrame({"municipality_code": [2, 9]}, geometry=[None, None], crs=CRS)
    filled = service_points(s, strip)
    assert len(filled) == 1 and (filled.geometry.x.iloc[0], filled.geometry.y.iloc[0]) == (6000, 2000)


def test_two_step_fca_by_hand(strip, pharmacies):
    # D_A = 1000 + 3000 = 4000, D_B = 3000 + 2000 = 5000; A = (1/4000, 1/4000 + 1/5000, 1/5000)
    t = _rows(municipality_access(strip, pharmacies, ["farmacia"]), "farmacia")
    np.testing.assert_allclose(t["access_per_1000"], [0.25, 0.45, 0.2], rtol=1e-12)
    np.testing.assert_allclose(t["nearest_km"], [0, 4, 0])
    assert t["services"].tolist() == [1, 0, 1]
    np.testing.assert_allclose(t["supply_per_1000"], [1.0, 0.0, 0.5])
    assert t["population"].tolist() == [1000, 3000, 2000]


def test_gravity_and_enhanced_by_hand(strip, pharmacies):
    # gravity: f(0) = 1, f(4 km) = 1/4; D_A = 1000 + 750 = 1750, D_B = 750 + 2000 = 2750
    g = _rows(municipality_access(strip, pharmacies, ["farmacia"], method="gravity"), "farmacia")
    np.testing.assert_allclose(g["access_per_1000"], [1000 / 1750, 250 / 1750 + 250 / 2750, 1000 / 2750],
                               rtol=1e-12)
    # enhanced: bands 5/3, 10/3, 5 km with weights 1, 0.68, 0.22; 4 km is in the third band
    e = _rows(municipality_access(strip, pharmacies, ["farmacia"], method="e2sfca"), "farmacia")
    da, db = 1000 + 0.22 * 3000, 0.22 * 3000 + 2000
    np.testing.assert_allclose(e["access_per_1000"], [1000 / da, 220 / da + 220 / db, 1000 / db], rtol=1e-12)


def test_detour_moves_places_out_of_the_catchment(strip, pharmacies):
    t = _rows(municipality_access(strip, pharmacies, ["farmacia"], detour=1.3), "farmacia")
    np.testing.assert_allclose(t["access_per_1000"], [1.0, 0.0, 0.5])  # 4 km x 1.3 = 5.2 km > 5 km
    np.testing.assert_allclose(t["nearest_km"], [0, 5.2, 0])


def test_zero_user_population_has_no_access_and_no_services_gives_zero(strip, pharmacies):
    rsa = pharmacies.assign(category="rsa")  # radius 20 km: every RSA reaches every municipality
    t = _rows(municipality_access(strip, rsa, ["rsa", "asilo_nido"]), "rsa")
    assert np.isnan(t.loc[2, "access_per_1000"])  # no one aged 75+ in municipality 2
    np.testing.assert_allclose(t.loc[[1, 3], "access_per_1000"], [2000 / 150, 2000 / 150])
    nido = _rows(municipality_access(strip, rsa, ["asilo_nido"]), "asilo_nido")
    assert nido["access_per_1000"].tolist()[:2] == [0.0, 0.0] and np.isnan(nido.loc[3, "access_per_1000"])
    assert nido["nearest_km"].isna().all()
    with pytest.raises(KeyError):
        municipality_access(strip, rsa, ["palestra"])  # its user population (age_15_64) is not in the layer
    with pytest.raises(ValueError, match="unknown access method"):
        municipality_access(strip, rsa, ["rsa"], method="walk")


def test_capacity_weights_supply(strip, pharmacies):
    weighted = pharmacies.assign(capacity=[3.0, 1.0])
    t = _rows(municipality_access(strip, weighted, ["farmacia"], by_capacity=True), "farmacia")
    np.testing.assert_allclose(t["access_per_1000"], [0.75, 0.95, 0.2], rtol=1e-12)
    np.testing.assert_allclose(t["supply_per_1000"], [3.0, 0.0, 0.5])
