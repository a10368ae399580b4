"""Place services in municipalities: points by polygon, lists by municipality code."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd


def municipality_of_points(points: gpd.GeoSeries, territory: gpd.GeoDataFrame) -> pd.Series:
    """Return the ``municipality_code`` of the polygon holding each point (NaN outside every polygon).

    Both layers must share a CRS. A point on a shared border takes the lowest
    code, so each point is counted once.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> t = gpd.GeoDataFrame({"municipality_code": [1, 2]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> municipality_of_points(gpd.GeoSeries([Point(0.5, 0.5), Point(1, 0.5), Point(5, 5)]), t).tolist()
    [1.0, 1.0, nan]
    """
    if points.crs != territory.crs:
        raise ValueError(f"CRS differ: points {points.crs}, territory {territory.crs}")
    left = gpd.GeoDataFrame({"_pos": np.arange(len(points))}, geometry=points.reset_index(drop=True))
    hit = gpd.sjoin(left, territory[["municipality_code", "geometry"]], how="inner", predicate="intersects")
    first = hit.groupby("_pos")["municipality_code"].min()
    return pd.Series(first.reindex(np.arange(len(points))).to_numpy(dtype=float), index=points.index)


def municipality_of_codes(codes: pd.Series, year: int = 2023) -> pd.DataFrame:
    """Return ``municipality_code`` (float, NaN when unknown) and ``status`` of each code.

    Accepts 6-digit ISTAT codes, integers and cadastral codes; retired codes are
    reconciled to their successor (status ``reconciled``) by
    :func:`wecare_analysis.territory.reconcile_municipality_codes`.

    Examples
    --------
    >>> municipality_of_codes(pd.Series(["001272", "L219", "X999"]))["municipality_code"].tolist()
    [1272.0, 1272.0, nan]
    """
    from wecare_analysis.territory import reconcile_municipality_codes

    rec = reconcile_municipality_codes(codes.astype("string").str.strip().reset_index(drop=True), year=year)
    code = pd.to_numeric(rec["municipality_code"], errors="coerce").astype(float)
    code[rec["status"].astype(str) == "unknown"] = np.nan
    return pd.DataFrame({"municipality_code": code.to_numpy(), "status": rec["status"].astype(str).to_numpy()},
                        index=codes.index)


def services_by_municipality(services: pd.DataFrame, value: str | None = None) -> pd.DataFrame:
    """Return a municipality x category table of service counts (or of the sum of ``value``).

    Examples
    --------
    >>> s = pd.DataFrame({"municipality_code": [1, 1, 2], "category": ["rsa", "rsa", "farmacia"]})
    >>> services_by_municipality(s).to_dict("index")
    {1: {'farmacia': 0.0, 'rsa': 2.0}, 2: {'farmacia': 1.0, 'rsa': 0.0}}
    """
    df = services.assign(_n=1.0 if value is None else services[value].astype(float))
    table = df.pivot_table(index="municipality_code", columns="category", values="_n", aggfunc="sum", fill_value=0.0)
    table.columns.name = None
    table.index = table.index.astype(int)
    return table.astype(float)
