"""Offer and accessibility of each service category, per municipality.

Each municipality is one demand point (the representative point of its polygon,
which always lies inside it) with the category's user population of the
territory layer as demand (``asilo_nido`` → ``age_0_2``, ``rsa`` →
``age_75_plus``, …, see :mod:`wecare_analysis.services.taxonomy`). Each service
is one supply point: its own point, or the representative point of its
municipality when it was placed by municipality code only (e.g. a ministry
school registry). Catchments use the category's default radius.
"""

from __future__ import annotations

from typing import Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd

from wecare_analysis.access import (
    enhanced_two_stage_fca,
    gravity_two_stage_fca,
    nearest_distance,
    straight_line_costs,
    supply_per_thousand,
    two_stage_fca,
)
from wecare_analysis.services.taxonomy import Taxonomy, load_taxonomy

METRIC_CRS = "EPSG:32632"

#: Accessibility measures of :func:`municipality_access`.
AccessMethod = Literal["2sfca", "e2sfca", "gravity"]
ACCESS_METHODS: tuple[AccessMethod, ...] = get_args(AccessMethod)

#: Enhanced 2SFCA weights of the three equal distance bands (0–1/3, 1/3–2/3, 2/3–1 of the radius),
#: as the 0–10, 10–20, 20–30 minute zones of Luo & Qi (2009).
E2SFCA_WEIGHTS = (1.0, 0.68, 0.22)


def municipality_points(territory: gpd.GeoDataFrame) -> np.ndarray:
    """Return the (n, 2) coordinates (EPSG:32632 metres) of each municipality's representative point.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> t = gpd.GeoDataFrame({"municipality_code": [1]}, geometry=[box(0, 0, 2, 2)], crs=METRIC_CRS)
    >>> municipality_points(t).tolist()
    [[1.0, 1.0]]
    """
    pts = territory.to_crs(METRIC_CRS).geometry.representative_point()
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def service_points(services: gpd.GeoDataFrame, territory: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``services`` (EPSG:32632) with a point for every row.

    A row without a geometry (placed by municipality code) gets the
    representative point of its municipality; a row whose municipality is not in
    ``territory`` and has no point is dropped.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> t = gpd.GeoDataFrame({"municipality_code": [7]}, geometry=[box(0, 0, 4, 2)], crs=METRIC_CRS)
    >>> s = gpd.GeoDataFrame({"municipality_code": [7, 7, 9]}, geometry=[Point(3, 1), None, None],
    ...                      crs=METRIC_CRS)
    >>> [(p.x, p.y) for p in service_points(s, t).geometry]
    [(3.0, 1.0), (2.0, 1.0)]
    """
    services = services.to_crs(METRIC_CRS)
    missing = services.geometry.isna() | services.geometry.is_empty
    if not missing.any():
        return services
    rep = pd.Series(territory.to_crs(METRIC_CRS).geometry.representative_point().to_numpy(),
                    index=territory["municipality_code"].astype(int).to_numpy())
    codes = services.loc[missing, "municipality_code"].astype(int)
    filled = services.copy()
    filled.loc[missing, "geometry"] = gpd.GeoSeries(rep.reindex(codes.to_numpy()).to_numpy(),
                                                    index=codes.index, crs=METRIC_CRS)
    keep = filled.geometry.notna() & ~filled.geometry.is_empty
    return filled[keep]


def _access(method: AccessMethod, population: np.ndarray, supply: np.ndarray, costs, radius_m: float) -> np.ndarray:
    if method == "2sfca":
        return two_stage_fca(population, supply, costs)
    if method == "e2sfca":
        bands = {radius_m * k / 3: w for k, w in zip((1, 2, 3), E2SFCA_WEIGHTS)}
        return enhanced_two_stage_fca(population, supply, costs, bands)
    if method == "gravity":
        return gravity_two_stage_fca(population, supply, costs)
    raise ValueError(f"unknown access method {method!r}; expected one of {', '.join(ACCESS_METHODS)}")


def municipality_access(
    territory: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    categories: list[str] | None = None,
    method: AccessMethod = "2sfca",
    detour: float = 1.0,
    by_capacity: bool = False,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """Return offer and accessibility per municipality × category (long table).

    For municipality *i* with user population ``P_i`` and the services *j* of the
    category (supply ``S_j`` = 1 per service, or its ``capacity`` when
    ``by_capacity``) within the category radius ``d0`` (straight line × ``detour``):

    * ``supply_per_1000`` = ``1000 * sum_{j in i} S_j / P_i`` (services placed in
      the municipality itself);
    * ``access_per_1000`` = ``1000 * A_i`` with the two-step floating catchment
      area ``A_i = sum_j f(d_ij) S_j / sum_k f(d_kj) P_k`` (Luo & Wang 2003):
      ``f = 1`` for ``2sfca``; for ``e2sfca`` the weights 1, 0.68, 0.22 of three
      equal bands of ``d0`` (Luo & Qi 2009); for ``gravity`` ``f(d) =
      (max(d, 1 km)/1 km)^-1``;
    * ``nearest_km``: straight-line distance × ``detour`` from the municipality
      point to the nearest service of the category, whatever the radius.

    Access is NaN where ``P_i = 0`` (no user population to serve).

    Parameters
    ----------
    territory
        Municipality layer (:func:`wecare_analysis.territory.load_territory`), ideally the whole region
        so that catchments cross province borders.
    services
        Kept services of :func:`wecare_analysis.services.validate_services`: ``category``,
        ``municipality_code``, ``capacity``, geometry (None when placed by code).
    categories
        Category codes (default: all of the taxonomy).
    method
        ``"2sfca"``, ``"e2sfca"`` or ``"gravity"``.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, category, population, services, supply_per_1000, access_per_1000, nearest_km``.

    References
    ----------
    Luo W., Wang F. (2003) Environment and Planning B 30(6):865-884.
    Luo W., Qi Y. (2009) Health & Place 15(4):1100-1107.
    """
    taxonomy = taxonomy or load_taxonomy()
    categories = list(categories or taxonomy.codes)
    if method not in ACCESS_METHODS:
        raise ValueError(f"unknown access method {method!r}; expected one of {', '.join(ACCESS_METHODS)}")
    codes = territory["municipality_code"].astype(int).to_numpy()
    demand_xy = municipality_points(territory)
    points = service_points(services, territory)
    frames = []
    for code in categories:
        cat = taxonomy[code]
        population = territory[cat.population].fillna(0).to_numpy(dtype=float)
        mine = points[points["category"] == code]
        supply = mine["capacity"].to_numpy(dtype=float) if by_capacity else np.ones(len(mine))
        placed = services[services["category"] == code]
        weights = placed["capacity"].to_numpy(dtype=float) if by_capacity else np.ones(len(placed))
        in_muni = pd.Series(weights).groupby(placed["municipality_code"].astype(int).to_numpy()).sum()
        count = in_muni.reindex(codes, fill_value=0.0).to_numpy()
        radius_m = cat.radius_km * 1000.0
        if len(mine):
            supply_xy = np.column_stack([mine.geometry.x.to_numpy(), mine.geometry.y.to_numpy()])
            costs = straight_line_costs(demand_xy, supply_xy, radius_m, detour=detour)
            access = 1000.0 * _access(method, population, supply, costs, radius_m)
            nearest = nearest_distance(demand_xy, supply_xy, detour=detour) / 1000.0
        else:
            access, nearest = np.zeros(len(codes)), np.full(len(codes), np.nan)
        access = np.where((population > 0) & np.isfinite(access), access, np.nan)
        frames.append(pd.DataFrame({"municipality_code": codes, "category": code, "population": population,
                                    "services": count,
                                    "supply_per_1000": supply_per_thousand(count, population),
                                    "access_per_1000": access, "nearest_km": nearest}))
    return pd.concat(frames, ignore_index=True)
