"""Read a list of services, classify it, place it in municipalities, quarantine what cannot be used.

Formats (:mod:`~wecare_analysis.services.readers`): GeoJSON and overpass-turbo
exports (read feature by feature), Overpass JSON and XML (``.osm``), GeoPackage,
Shapefile, GeoParquet and Parquet (any CRS, converted to EPSG:32632), CSV and
XLSX with coordinates under the usual names (``lon/lat``, ``longitude/latitude``,
``longitudine/latitudine``, ``latitude_*``, ``x/y`` in degrees or EPSG:32632
metres; decimal commas accepted), and lists keyed only by municipality — ISTAT
code, cadastral code (the Ministry of Education school registries) or name,
with or without a province column (:func:`wecare_analysis.territory.names.match_municipalities`).
A row without coordinates is placed by its municipality when the list has one.

Classification: :mod:`~wecare_analysis.services.classify` (a welfare category;
not a welfare service category; an unknown value, named with the nearest known
categories).

A row is quarantined, with its reason, when its geometry is missing, empty,
invalid, degenerate (a line, a zero-area polygon, a ring that cannot be built)
or at 0,0; its id repeats an earlier row; its capacity is negative or not a
number; its municipality is unknown or ambiguous; its category is not a welfare
category or unknown. Rows placed outside the region are counted apart (whatever
their category), written to ``PATH.outside.csv`` by the command, and when they
(with out-of-range coordinates) are more than half of the rows a warning says
whether swapped lon/lat or another usual CRS would put them inside. A CSV line
with a wrong number of fields or an unclosed quote is quarantined with that
reason; the following lines are read normally.
Invariant: ``rows_kept + rows_quarantined + rows_outside_region == rows_read``.
A file that cannot be read at all (missing, empty, no CRS, no usable column)
raises :class:`~wecare_analysis.errors.InputError` (exit code 2).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wecare_analysis.atomic import atomic_path
from wecare_analysis.errors import InputError, outside_path, quarantine_path
from wecare_analysis.masking import Masker
from wecare_analysis.safe_text import neutralised
from wecare_analysis.services.classify import classify_rows
from wecare_analysis.services.placement import municipality_of_points, outside_reason, placement_hint
from wecare_analysis.services.readers import RawServices, read_services_file
from wecare_analysis.services.taxonomy import Taxonomy, category_codes, load_taxonomy
from wecare_analysis.territory import load_territory
from wecare_analysis.territory.names import match_municipalities

METRIC_CRS = "EPSG:32632"
#: Environment variable through which ``wecare run --category`` reaches every validation of the list.
CATEGORY_ENV = "WECARE_SERVICES_CATEGORY"
ID_COLUMNS = ("id", "@id", "service_id", "codicescuola", "codice_scuola", "plesso/scuola", "codice")
NAME_COLUMNS = ("name", "nome", "denominazione", "denominazionescuola", "denominazione struttura")
CODE_COLUMNS = ("municipality_code", "codice_comune", "codice_istat", "istat", "codicecomunescuola",
                "codice_catastale", "cod_comune", "pro_com", "codice comune", "codice istat comune",
                "codice_istat_comune", "cod_istat", "codice catastale")
MUNICIPALITY_NAME_COLUMNS = ("comune", "nome_comune", "descrizionecomune", "municipality", "denominazione comune",
                             "denominazione_comune", "citta", "città", "nome comune")
PROVINCE_COLUMNS = ("provincia", "pr", "sigla_provincia", "sigla provincia", "prov", "sigla")
LON_COLUMNS = ("lon", "lng", "long", "longitude", "longitudine", "lon_wgs84", "x_wgs84")
LAT_COLUMNS = ("lat", "latitude", "latitudine", "lat_wgs84", "y_wgs84")
CAPACITY_COLUMNS = ("capacity", "capacita", "capacità", "posti", "capienza", "posti letto", "posti_letto")


@dataclass
class ServiceValidation:
    """Result of :func:`validate_services`.

    ``kept``: GeoDataFrame (EPSG:32632) with ``row`` (line in a CSV, feature
    number from 1 in a geo file), ``service_id``, ``category``, ``name``,
    ``capacity``, ``municipality_code``, ``placed_by`` (``point`` or ``code``),
    ``geometry`` (None for code-keyed rows). ``quarantine``: ``row, reason`` and
    the original fields (plus ``raw_record`` for damaged CSV lines). ``outside``:
    ``row, reason`` (``outside region NN``) and the original fields of the rows
    placed outside the region.
    """

    path: Path
    kept: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    outside: pd.DataFrame
    rows_read: int
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_kept(self) -> int:
        """Rows kept."""
        return len(self.kept)

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined."""
        return len(self.quarantine)

    @property
    def rows_outside_region(self) -> int:
        """Rows placed outside the region."""
        return len(self.outside)

    def write_quarantine(self, target: str | Path | None = None) -> Path | None:
        """Write the quarantined rows with their reason to ``target`` (default ``PATH.quarantine.csv``, next to
        the input) atomically; None, and nothing written, when no row is quarantined."""

        target = Path(target) if target is not None else quarantine_path(self.path)
        if not self.rows_quarantined:
            if target.is_file():  # a quarantine of an earlier run would describe rows that are fine now
                target.unlink()
            return None
        with atomic_path(target) as tmp:
            neutralised(Masker().frame(self.quarantine)).to_csv(tmp, index=False)
        return target

    def write_outside(self, target: str | Path | None = None) -> Path | None:
        """Write the rows placed outside the region, ``row, reason`` and their fields, to ``target``
        (default ``PATH.outside.csv`` next to the input) atomically; None, and an earlier file removed,
        when no row is outside."""

        target = Path(target) if target is not None else outside_path(self.path)
        if not self.rows_outside_region:
            if target.is_file():
                target.unlink()
            return None
        with atomic_path(target) as tmp:
            neutralised(self.outside).to_csv(tmp, index=False)
        return target

    def summary(self) -> dict:
        """Return the counts as a JSON-ready dict."""
        return {"file": str(self.path), "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "rows_quarantined": self.rows_quarantined, "rows_outside_region": self.rows_outside_region,
                "by_category": {k: int(v) for k, v in self.kept["category"].value_counts().sort_index().items()},
                "placed_by": {k: int(v) for k, v in self.kept["placed_by"].value_counts().sort_index().items()},
                "reasons": _masked_counts(self.quarantine["reason"]),
                "warnings": self.warnings}


def _masked_counts(reasons: pd.Series) -> dict[str, int]:
    """Count of each reason, with any e-mail, phone or fiscal code it repeats masked (:mod:`wecare_analysis.masking`)."""
    masker, counts = Masker(), {}
    for reason, n in reasons.value_counts().items():
        key = masker.text(str(reason))
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def _first(columns: pd.Index, names: tuple[str, ...]) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _prefixed(columns: pd.Index, prefix: str) -> str | None:
    """The first column whose name starts with ``prefix`` (``latitude_wgs84``, ``Latitudine (WGS84)``)."""
    return next((c for c in columns if str(c).strip().lower().startswith(prefix)), None)


_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def _numbers(col: pd.Series) -> pd.Series:
    """Numbers written with a decimal point or a decimal comma (``45,0703``); NaN when not a number."""
    s = col.astype("string").str.strip()
    s = s.where(~s.str.match(_DECIMAL_COMMA).fillna(False), s.str.replace(",", ".", regex=False))
    return pd.to_numeric(s, errors="coerce")


def _geometry_faults(geoms: gpd.GeoSeries) -> pd.Series:
    """Return the reason each geometry cannot give a point ('' when fine)."""
    reason = pd.Series("", index=geoms.index, dtype=object)
    kind = geoms.geom_type.fillna("")
    missing = geoms.isna() | geoms.is_empty
    reason[missing] = "missing or empty geometry"
    lines = kind.str.contains("LineString") & ~missing
    reason[lines] = "degenerate geometry: a line, not a point or an area"
    poly = kind.str.contains("Polygon") & ~missing
    reason[poly & ~geoms.is_valid] = "invalid geometry (self-intersecting or malformed polygon)"
    reason[poly & geoms.is_valid & (shapely.area(geoms.to_numpy()) <= 0)] = "degenerate geometry: polygon without area"
    other = ~missing & ~lines & ~poly & ~kind.str.contains("Point")
    reason[other] = "unsupported geometry type"
    return reason


def _as_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Points as they are; a multipoint its centroid; a polygon its representative point (inside it)."""
    pts = geoms.copy()
    multi = pts.geom_type == "MultiPoint"
    pts[multi] = shapely.centroid(pts[multi].to_numpy())
    poly = pts.geom_type.str.contains("Polygon").fillna(False)
    pts[poly] = shapely.point_on_surface(pts[poly].to_numpy())
    return pts


def check_category(category: str, taxonomy: Taxonomy | None = None) -> str:
    """The code of a ``--category`` value (code or Italian label); InputError listing the codes otherwise."""
    taxonomy = taxonomy or load_taxonomy()
    code = category_codes(pd.Series([category]), taxonomy).iloc[0]
    if pd.isna(code):
        raise InputError(f"--category {category!r} is not a service category; expected one of "
                         f"{', '.join(taxonomy.codes)} (or their Italian labels).")
    return str(code)


def _classify(df: pd.DataFrame, taxonomy: Taxonomy, category: str | None, path: Path) -> pd.DataFrame:
    """:func:`classify_rows`; a list with nothing to classify by takes the category of ``wecare run
    --category`` (environment variable :data:`CATEGORY_ENV`) when there is one."""
    try:
        return classify_rows(df, taxonomy, category, where=str(path))[0]
    except InputError:
        fallback = os.environ.get(CATEGORY_ENV)
        if category is not None or not fallback:
            raise
        return classify_rows(df, taxonomy, check_category(fallback, taxonomy), where=str(path))[0]


def _points_from_geometry(raw: RawServices, reason: pd.Series) -> gpd.GeoSeries:
    """Points (EPSG:32632) of the geometries; faults written into ``reason``."""
    geoms = raw.geometry
    bad = _geometry_faults(geoms)
    reason[(reason == "") & (bad != "")] = bad[(reason == "") & (bad != "")]
    ok = reason == ""
    pts = _as_points(geoms[ok])
    null_island = (pts.x.abs() < 1e-9) & (pts.y.abs() < 1e-9)
    reason[null_island[null_island].index] = "point at 0,0 (missing coordinates)"
    out = gpd.GeoSeries(None, index=geoms.index, crs=geoms.crs)
    out[ok & (reason == "")] = pts[(reason == "")[ok]]
    return out.to_crs(METRIC_CRS)


def _coordinate_columns(df: pd.DataFrame) -> tuple[str | None, str | None, bool]:
    """Longitude and latitude columns (or x, y) and whether the names say degrees."""
    x = _first(df.columns, LON_COLUMNS) or _prefixed(df.columns, "longitud")
    y = _first(df.columns, LAT_COLUMNS) or _prefixed(df.columns, "latitud")
    if x is not None and y is not None:
        return x, y, True
    return _first(df.columns, ("x", "coord_x", "x_coord")), _first(df.columns, ("y", "coord_y", "y_coord")), False


def _points_from_columns(df: pd.DataFrame, reason: pd.Series, keyed: bool) -> tuple[gpd.GeoSeries, tuple | None]:
    """Points (EPSG:32632) from coordinate columns; rows without coordinates are faulty unless ``keyed``
    (the list has a municipality column that can place them)."""
    xcol, ycol, degrees = _coordinate_columns(df)
    if xcol is None or ycol is None:
        return gpd.GeoSeries(None, index=df.index, crs=METRIC_CRS), None
    x, y = _numbers(df[xcol]), _numbers(df[ycol])
    ok = x.notna() & y.notna()
    if not degrees:  # x/y: degrees when every value is in range, else UTM 32N metres
        degrees = bool(ok.any() and (x[ok].abs() <= 180).all() and (y[ok].abs() <= 90).all())
    crs = "EPSG:4326" if degrees else METRIC_CRS
    free = reason == ""
    blank = df[xcol].isna() & df[ycol].isna()
    if not keyed:
        reason[free & ~ok] = f"coordinates '{xcol}','{ycol}' missing or not numbers"
    else:
        reason[free & ~ok & ~blank] = f"coordinates '{xcol}','{ycol}' not numbers"
    zero = (x.abs() < 1e-9) & (y.abs() < 1e-9)
    reason[(reason == "") & zero] = "point at 0,0 (missing coordinates)"
    if degrees:
        reason[(reason == "") & ((x.abs() > 180) | (y.abs() > 90))] = "lon/lat out of range"
    points = gpd.GeoSeries(gpd.points_from_xy(x.fillna(0), y.fillna(0)), index=df.index, crs=crs).to_crs(METRIC_CRS)
    points[(reason != "") | ~ok] = None
    return points, (x, y, crs)


def _place_by_municipality(df: pd.DataFrame, need: np.ndarray, year: int) -> tuple[pd.Series, pd.Series, list]:
    """Municipality codes of the rows in ``need`` from a code or name column; the fault of each row
    whose municipality is unknown or ambiguous; warnings."""

    muni = pd.Series(np.nan, index=df.index)
    why = pd.Series("", index=df.index, dtype=object)
    col = _first(df.columns, CODE_COLUMNS) or _first(df.columns, MUNICIPALITY_NAME_COLUMNS)
    if col is None or not need.any():
        return muni, why, []
    prov = _first(df.columns, PROVINCE_COLUMNS)
    sub = df.loc[need]
    m = match_municipalities(sub[col], year=year, province=sub[prov] if prov is not None else None)
    found = m["municipality_code"].notna().to_numpy()
    muni[sub.index[found]] = m["municipality_code"][found].astype(float).to_numpy()
    kind = "code" if col in CODE_COLUMNS or str(col).strip().lower() in CODE_COLUMNS else "municipality"
    for idx, value, status, note in zip(sub.index[~found], m["input"][~found], m["status"][~found],
                                        m["note"][~found], strict=True):
        what = "ambiguous municipality" if status == "ambiguous" else f"unknown {kind}"
        what = "unknown municipality code" if kind == "code" and status != "ambiguous" else what
        why[idx] = f"{what} {str(value)!r} in column '{col}'" + (f" ({note})" if note else "")
    n_rec = int((m["status"] == "reconciled").sum())
    warnings = [f"{n_rec} retired municipalities reconciled to their successor"] if n_rec else []
    return muni, why, warnings


def validate_services(path: str | Path, region: str = "01", year: int = 2023, category: str | None = None,
                      taxonomy: Taxonomy | None = None, territory: gpd.GeoDataFrame | None = None,
                      ) -> ServiceValidation:
    """Read, classify and place the services in ``path``; return kept, quarantined and outside rows.

    Parameters
    ----------
    path
        The service list (see the module docstring for formats).
    region
        ISTAT region code (``"01"`` Piedmont) or ``"all"`` for Italy.
    category
        Category of every row, when the file has no category column (e.g. a list of pharmacies).
    territory
        Municipality layer; default :func:`wecare_analysis.territory.load_territory` for ``year`` and ``region``.
    """
    path = Path(path)
    taxonomy = taxonomy or load_taxonomy()
    if category is not None:
        check_category(category, taxonomy)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a service list file (CSV, XLSX, GeoJSON, OSM, "
                         "GeoPackage, Shapefile, Parquet).")
    if not path.is_file():
        raise InputError(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty.")
    if territory is None:

        territory = load_territory(year=year, region=region)
    territory = territory.to_crs(METRIC_CRS)
    raw = read_services_file(path)
    df = raw.table
    reason = pd.Series(raw.faults, index=df.index, dtype=object)
    keyed = (_first(df.columns, CODE_COLUMNS) or _first(df.columns, MUNICIPALITY_NAME_COLUMNS)) is not None
    raw_xy = None
    if raw.geometry is not None:
        points = _points_from_geometry(raw, reason)
    else:
        points, raw_xy = _points_from_columns(df, reason, keyed)
        if raw_xy is None and not keyed:
            raise InputError(f"{path}: no coordinates (lon,lat, latitudine/longitudine or x,y) and no municipality "
                             f"code or name column ({', '.join(CODE_COLUMNS[:3])}, comune…); columns are "
                             f"{', '.join(map(str, df.columns))}.")
    return _finish(path, raw, reason, points, raw_xy, region, year, category, taxonomy, territory)


def _finish(path: Path, raw: RawServices, reason: pd.Series, points: gpd.GeoSeries, raw_xy: tuple | None,
            region: str, year: int, category: str | None, taxonomy: Taxonomy,
            territory: gpd.GeoDataFrame) -> ServiceValidation:
    """Ids, capacity, placement, outside rows and classification; the validation result."""
    df, rows, n = raw.table, raw.rows, len(raw.table)
    warnings: list[str] = []

    def fault(mask: pd.Series | np.ndarray, why: str | pd.Series) -> None:
        m = np.asarray(pd.Series(mask).astype("boolean").fillna(False), dtype=bool) & (reason == "").to_numpy()
        reason[m] = why[m] if isinstance(why, pd.Series) else why

    id_col = _first(df.columns, ID_COLUMNS)
    ids = (df[id_col].astype("string").str.strip() if id_col is not None
           else pd.Series([f"{path.stem}:{r}" for r in rows], index=df.index, dtype="string"))
    fault(ids.isna() | (ids == ""), f"empty id in column '{id_col}'")
    fault(ids.duplicated(keep="first").fillna(False), f"duplicate id in column '{id_col}'")
    cap_col = _first(df.columns, CAPACITY_COLUMNS)
    capacity = pd.Series(1.0, index=df.index)
    if cap_col is not None:
        capacity = _numbers(df[cap_col])
        fault(capacity.isna(), f"capacity in column '{cap_col}' missing or not a number")
        fault(capacity < 0, f"negative capacity in column '{cap_col}'")

    muni = pd.Series(np.nan, index=df.index)
    placed_by = pd.Series("point", index=df.index, dtype=object)
    has_point = (points.notna() & ~points.is_empty).to_numpy()
    if has_point.any():
        muni[has_point] = municipality_of_points(points[has_point], territory).to_numpy()
    need = ~has_point & (reason == "").to_numpy()
    by_code, why, notes = _place_by_municipality(df, need, year)
    warnings += notes
    muni[need] = by_code[need]
    placed_by[need] = "code"
    fault(need & (why != "").to_numpy(), why)
    fault(need & muni.isna().to_numpy(), "no coordinates and no municipality")

    in_region = muni.isin(territory["municipality_code"].astype(float))
    outside_mask = (reason == "") & ~in_region
    cls = _classify(df, taxonomy, category, path)
    fault(~outside_mask & (cls["outcome"] != "welfare"), cls["reason"])
    keep = (reason == "") & ~outside_mask
    original = pd.DataFrame(df)
    if raw.geometry is not None:
        original["geometry_wkt"] = shapely.to_wkt(raw.geometry.to_numpy(), rounding_precision=7)
    bad = (reason != "").to_numpy()
    quarantine = original[bad].copy()
    if (raw.raw_records != "").any():  # damaged lines: their fields as found
        quarantine["raw_record"] = raw.raw_records[bad]
    quarantine.insert(0, "reason", reason[bad])
    quarantine.insert(0, "row", rows[bad])
    outside = original[outside_mask.to_numpy()].copy()
    outside.insert(0, "reason", outside_reason(region))
    outside.insert(0, "row", rows[outside_mask.to_numpy()])
    hint = placement_hint(int(outside_mask.sum()), n, reason, raw_xy, territory, region)
    if hint:
        warnings.append(hint)
    name_col = _first(df.columns, NAME_COLUMNS)
    kept = gpd.GeoDataFrame({
        "row": rows[keep.to_numpy()], "service_id": ids[keep].astype(str).to_numpy(),
        "category": cls.loc[keep, "category"].to_numpy(),
        "name": df.loc[keep, name_col].astype("string").to_numpy() if name_col is not None else pd.NA,
        "capacity": capacity[keep].astype(float).to_numpy(),
        "municipality_code": muni[keep].astype(int).to_numpy(),
        "placed_by": placed_by[keep].to_numpy()}, geometry=points[keep].to_numpy(), crs=METRIC_CRS)
    return ServiceValidation(path, kept, quarantine.reset_index(drop=True), outside.reset_index(drop=True), n,
                             warnings)
