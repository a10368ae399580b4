"""Place services in municipalities: points by polygon, lists by municipality code."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from wecare_analysis.territory import reconcile_municipality_codes


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


def outside_reason(region: str) -> str:
    """The reason of a row placed outside ``region`` (``outside region 01``; ``outside Italy`` for 'all')."""
    return "outside Italy" if str(region).lower() == "all" else f"outside region {region}"


#: Coordinate reference systems tried when most points fall outside the region: a
#: wrong CRS is the usual cause (Gauss-Boaga Monte Mario of older regional lists,
#: ED50, Web Mercator of web exports, UTM written in lon/lat columns).
CANDIDATE_CRS = {"EPSG:3003": "Monte Mario / Italy zone 1, Gauss-Boaga Ovest",
                 "EPSG:3004": "Monte Mario / Italy zone 2, Gauss-Boaga Est",
                 "EPSG:23032": "ED50 / UTM 32N", "EPSG:32632": "WGS 84 / UTM 32N",
                 "EPSG:3857": "Web Mercator", "EPSG:4326": "WGS 84 lon/lat degrees"}


def placement_hint(n_outside: int, n: int, reason: pd.Series, raw_xy: tuple | None,
                    territory: gpd.GeoDataFrame, region: str) -> str:
    """A warning (or '') when most rows are outside the region or have out-of-range coordinates: try swapped
    lon/lat and other usual CRSs on the raw coordinates and say which one would put them inside."""
    bad_range = int((reason == "lon/lat out of range").sum())
    if n == 0 or (n_outside + bad_range) * 2 <= n:
        return ""
    where = outside_reason(region).replace("outside ", "")
    text = (f"{n_outside + bad_range} of {n} rows are outside {where} or out of range: the coordinates may "
            "be swapped or in another coordinate reference system (CRS)")
    if raw_xy is None:
        return text + "; check the file's CRS and that --region is the region it covers."
    x, y, crs = raw_xy
    ok = x.notna() & y.notna()
    sample = ok[ok].index[:200]
    if not len(sample):
        return text + "."
    candidates = [("lon/lat swapped", y[sample], x[sample], "EPSG:4326")] if crs == "EPSG:4326" else []
    candidates += [(f"{code} ({name})", x[sample], y[sample], code) for code, name in CANDIDATE_CRS.items()
                   if code != crs]
    best, best_in = "", 0
    for label, cx, cy, code in candidates:
        try:
            pts = gpd.GeoSeries(gpd.points_from_xy(cx, cy), crs=code).to_crs("EPSG:32632")
            inside = int(municipality_of_points(pts, territory).notna().sum())
        except Exception:  # noqa: BLE001, S112 - a CRS that cannot transform these values is no answer
            continue
        if inside > best_in:
            best, best_in = label, inside
    if best and best_in * 2 > len(sample):
        how = ("exchange the lon and lat columns" if best == "lon/lat swapped"
               else f"convert the coordinates from {best} to EPSG:4326 (lon/lat) or EPSG:32632 (x/y)")
        return text + (f"; read as {best}, {best_in} of the {len(sample)} rows checked fall inside {where}: "
                       f"{how}.")
    return text + "; no usual swap or CRS puts them inside: check --region and the file's CRS."
