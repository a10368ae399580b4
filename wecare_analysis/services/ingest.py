"""Read a list of services, classify it, place it in municipalities, quarantine what cannot be used.

Formats: GeoJSON (also overpass-turbo OSM exports), GeoPackage, Shapefile (any
CRS, converted to EPSG:32632), CSV with ``lon,lat`` (degrees) or ``x,y``
(EPSG:32632 metres), and CSV lists keyed only by municipality (6-digit ISTAT or
cadastral code, e.g. the Ministry of Education school registries): those are
counted in their municipality, without a point.

The category comes from a ``category``/``categoria``/``tipologia`` column
(code, Italian label or alias of :mod:`~wecare_analysis.services.taxonomy`),
from the school grade of a ministry registry, or from the OSM tags.

A row is quarantined, with its reason, when its geometry is missing, empty,
invalid, degenerate (a line or a zero-area polygon) or at 0,0; its category is
unknown; its id repeats an earlier row; its capacity is negative or not a
number; its municipality code is unknown. Rows placed outside the region are
counted apart, written to ``PATH.outside.csv`` by the command, and when they
(with out-of-range coordinates) are more than half of the rows a warning says
whether swapped lon/lat or another usual CRS would put them inside. A CSV line
with a wrong number of fields (a delimiter inside an unquoted value) or an
unclosed quote is quarantined with that reason; the following lines are read
normally. Invariant: ``rows_kept + rows_quarantined + rows_outside_region == rows_read``.
A file that cannot be read at all (missing, empty, no CRS, no usable column)
raises :class:`~wecare_analysis.errors.InputError` (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wecare_analysis.errors import InputError, outside_path, quarantine_path
from wecare_analysis.services.placement import municipality_of_codes, municipality_of_points
from wecare_analysis.services.taxonomy import Taxonomy, category_codes, classify_osm, load_taxonomy

METRIC_CRS = "EPSG:32632"
GEO_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}
CATEGORY_COLUMNS = ("category", "categoria", "tipologia", "tipo", "type")
ID_COLUMNS = ("id", "@id", "service_id", "codicescuola", "codice")
NAME_COLUMNS = ("name", "nome", "denominazione", "denominazionescuola")
CODE_COLUMNS = ("municipality_code", "codice_comune", "codice_istat", "istat", "codicecomunescuola",
                "codice_catastale", "cod_comune")
SCHOOL_GRADE = "descrizionetipologiagradoistruzionescuola"
SCHOOL_GRADES = {"scuola infanzia": "scuola_infanzia", "scuola dell'infanzia": "scuola_infanzia"}
OSM_KEYS = ("amenity", "leisure", "healthcare", "social_facility", "office")


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
        from wecare_analysis.atomic import atomic_path

        target = Path(target) if target is not None else quarantine_path(self.path)
        if not self.rows_quarantined:
            if target.is_file():  # a quarantine of an earlier run would describe rows that are fine now
                target.unlink()
            return None
        with atomic_path(target) as tmp:
            self.quarantine.to_csv(tmp, index=False)
        return target

    def write_outside(self, target: str | Path | None = None) -> Path | None:
        """Write the rows placed outside the region, ``row, reason`` and their fields, to ``target``
        (default ``PATH.outside.csv`` next to the input) atomically; None, and an earlier file removed,
        when no row is outside."""
        from wecare_analysis.atomic import atomic_path

        target = Path(target) if target is not None else outside_path(self.path)
        if not self.rows_outside_region:
            if target.is_file():
                target.unlink()
            return None
        with atomic_path(target) as tmp:
            self.outside.to_csv(tmp, index=False)
        return target

    def summary(self) -> dict:
        """Return the counts as a JSON-ready dict."""
        return {"file": str(self.path), "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "rows_quarantined": self.rows_quarantined, "rows_outside_region": self.rows_outside_region,
                "by_category": {k: int(v) for k, v in self.kept["category"].value_counts().sort_index().items()},
                "placed_by": {k: int(v) for k, v in self.kept["placed_by"].value_counts().sort_index().items()},
                "reasons": {k: int(v) for k, v in self.quarantine["reason"].value_counts().items()},
                "warnings": self.warnings}


def _first(columns: pd.Index, names: tuple[str, ...]) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV service list as strings; damaged lines are kept and their fault stored in ``attrs``.

    ``attrs["rows"]`` is the file line of each row (header = line 1), ``attrs["row_faults"]``
    the reason a row cannot be used (a field count different from the header's: a
    delimiter inside an unquoted value; an unclosed quote) or ``""``, and
    ``attrs["raw_records"]`` the fields of those rows as found, joined back.
    """
    from wecare_analysis.survey.readers import parse_records, unique_names

    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty; expected a header line and at least one row.")
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path}: not a text file (NUL bytes found); expected a CSV with a header line.")
    text = next(decoded for decoded in (_decode(raw, enc) for enc in ("utf-8-sig", "cp1252", "latin-1"))
                if decoded is not None)
    header = text.splitlines()[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    records = [rec for rec in parse_records(text, sep) if any(f.strip() for f in rec.fields) or rec.fault]
    columns = unique_names([str(c).strip() for c in records[0].fields])
    body = records[1:]
    if not body:
        raise InputError(f"{path}: no data rows after the header.")
    width = len(columns)
    faults = []
    for rec in body:
        if len(rec.fields) > width and not any(f.strip() for f in rec.fields[width:]):
            rec.fields = rec.fields[:width]  # trailing empty fields (spreadsheet exports): nothing is lost
        if not rec.fault and len(rec.fields) != width:
            rec.fault = (f"the row has {len(rec.fields)} fields, the header has {width} (a '{sep}' inside an "
                         "unquoted value, or a truncated line); quote that value")
        faults.append(rec.fault)
    cells = [(rec.fields + [""] * width)[:width] for rec in body]
    df = pd.DataFrame(cells, columns=columns, dtype=object)
    df = df.mask(df.isin(["", "Non Disponibile"]))
    df.attrs["decimal_comma"] = sep == ";"
    df.attrs["rows"] = np.array([rec.line for rec in body], dtype=np.int64)
    df.attrs["row_faults"] = np.array(faults, dtype=object)
    df.attrs["raw_records"] = np.array([sep.join(rec.fields) if rec.fault else "" for rec in body], dtype=object)
    return df


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _read_geo(path: Path) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a geographic file ({err}).") from None
    if len(gdf) == 0:
        raise InputError(f"{path}: the file has no features.")
    if gdf.crs is None:
        raise InputError(f"{path}: the layer has no coordinate reference system (CRS); add the .prj file or "
                         "save it again with its CRS (EPSG:4326 or EPSG:32632).")
    return gdf


def _numbers(col: pd.Series, decimal_comma: bool) -> pd.Series:
    s = col.astype("string").str.strip()
    if decimal_comma:
        s = s.str.replace(",", ".", regex=False)
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
    pts = geoms.copy()
    multi = pts.geom_type == "MultiPoint"
    pts[multi] = shapely.centroid(pts[multi].to_numpy())
    poly = pts.geom_type.str.contains("Polygon").fillna(False)
    pts[poly] = shapely.point_on_surface(pts[poly].to_numpy())
    return pts


def _categories(df: pd.DataFrame, taxonomy: Taxonomy, category: str | None,
                path: Path) -> tuple[pd.Series, str]:
    if category is not None:
        return pd.Series(category_codes(pd.Series([category]), taxonomy).iloc[0], index=df.index), "argument"
    col = _first(df.columns, CATEGORY_COLUMNS)
    if col is not None:
        return category_codes(df[col], taxonomy), str(col)
    grade = _first(df.columns, (SCHOOL_GRADE,))
    if grade is not None:
        folded = df[grade].astype("string").str.strip().str.lower()
        return folded.map(SCHOOL_GRADES).astype(object), str(grade)
    if any(_first(df.columns, (k,)) is not None for k in OSM_KEYS):
        return classify_osm(df, taxonomy), "osm tags"
    raise InputError(f"{path}: no category column ({', '.join(CATEGORY_COLUMNS)}), ministry school grade or OSM tags "
                     f"({', '.join(OSM_KEYS)}) found; columns are {', '.join(map(str, df.columns))} "
                     "(or give --category for every row).")


def _outside_reason(region: str) -> str:
    return "outside Italy" if str(region).lower() == "all" else f"outside region {region}"


#: Coordinate reference systems tried when most points fall outside the region: a
#: wrong CRS is the usual cause (Gauss-Boaga Monte Mario of older regional lists,
#: ED50, Web Mercator of web exports, UTM written in lon/lat columns).
CANDIDATE_CRS = {"EPSG:3003": "Monte Mario / Italy zone 1, Gauss-Boaga Ovest",
                 "EPSG:3004": "Monte Mario / Italy zone 2, Gauss-Boaga Est",
                 "EPSG:23032": "ED50 / UTM 32N", "EPSG:32632": "WGS 84 / UTM 32N",
                 "EPSG:3857": "Web Mercator", "EPSG:4326": "WGS 84 lon/lat degrees"}


def _placement_hint(n_outside: int, n: int, reason: pd.Series, raw_xy: tuple | None,
                    territory: gpd.GeoDataFrame, region: str) -> str:
    """A warning when most rows are outside the region or have out-of-range coordinates: try swapped
    lon/lat and other usual CRSs on the raw coordinates and say which one would put them inside."""
    bad_range = int((reason == "lon/lat out of range").sum())
    if n == 0 or (n_outside + bad_range) * 2 <= n:
        return ""
    where = _outside_reason(region).replace("outside ", "")
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
            pts = gpd.GeoSeries(gpd.points_from_xy(cx, cy), crs=code).to_crs(METRIC_CRS)
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
    if category is not None and pd.isna(category_codes(pd.Series([category]), taxonomy).iloc[0]):
        raise InputError(f"--category {category!r} is not a service category; expected one of "
                         f"{', '.join(taxonomy.codes)} (or their Italian labels).")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a service list file (CSV, GeoJSON, GeoPackage, "
                         "Shapefile).")
    if not path.is_file():
        raise InputError(f"{path}: file not found.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty.")
    if territory is None:
        from wecare_analysis.territory import load_territory

        territory = load_territory(year=year, region=region)
    territory = territory.to_crs(METRIC_CRS)
    is_geo = path.suffix.lower() in GEO_SUFFIXES
    df = _read_geo(path) if is_geo else _read_csv(path)
    n = len(df)
    rows = np.arange(1, n + 1) if is_geo else df.attrs["rows"]
    reason = pd.Series("", index=df.index, dtype=object)
    if not is_geo:
        reason[:] = df.attrs["row_faults"]
    warnings: list[str] = []

    def fault(mask: pd.Series | np.ndarray, why: str) -> None:
        if isinstance(mask, pd.Series):
            mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
        m = np.asarray(mask, dtype=bool) & (reason == "").to_numpy()
        reason[m] = why

    code_col = None if is_geo else _first(df.columns, CODE_COLUMNS)
    raw_xy = None
    if is_geo:
        reason[:] = _geometry_faults(df.geometry).to_numpy()
        geoms = df.geometry.copy()
        ok = reason == ""
        pts = _as_points(geoms[ok])
        null_island = (pts.x.abs() < 1e-9) & (pts.y.abs() < 1e-9)
        reason[null_island[null_island].index] = "point at 0,0 (missing coordinates)"
        geoms = gpd.GeoSeries(None, index=df.index, crs=df.crs)
        geoms[ok] = pts
        points = geoms.to_crs(METRIC_CRS)
    else:
        xcol, ycol = _first(df.columns, ("lon", "longitude", "lng")), _first(df.columns, ("lat", "latitude"))
        crs = "EPSG:4326"
        if xcol is None or ycol is None:
            xcol, ycol, crs = _first(df.columns, ("x",)), _first(df.columns, ("y",)), METRIC_CRS
        if xcol is not None and ycol is not None:
            x = _numbers(df[xcol], df.attrs["decimal_comma"])
            y = _numbers(df[ycol], df.attrs["decimal_comma"])
            fault(x.isna() | y.isna(), f"coordinates '{xcol}','{ycol}' missing or not numbers")
            fault((x.abs() < 1e-9) & (y.abs() < 1e-9), "point at 0,0 (missing coordinates)")
            if crs == "EPSG:4326":
                fault((x.abs() > 180) | (y.abs() > 90), "lon/lat out of range")
            raw_xy = (x, y, crs)
            points = gpd.GeoSeries(gpd.points_from_xy(x.fillna(0), y.fillna(0)), index=df.index, crs=crs)
            points = points.to_crs(METRIC_CRS)
            points[reason != ""] = None
        elif code_col is not None:
            points = gpd.GeoSeries(None, index=df.index, crs=METRIC_CRS)
        else:
            raise InputError(f"{path}: no coordinates (lon,lat or x,y) and no municipality code column "
                             f"({', '.join(CODE_COLUMNS)}); columns are {', '.join(df.columns)}.")

    cats, source = _categories(df, taxonomy, category, path)
    fault(cats.isna().to_numpy(), f"unknown category (from {source})")
    id_col = _first(df.columns, ID_COLUMNS)
    ids = (df[id_col].astype("string").str.strip() if id_col is not None
           else pd.Series([f"{path.stem}:{r}" for r in rows], index=df.index, dtype="string"))
    fault(ids.isna() | (ids == ""), f"empty id in column '{id_col}'")
    fault(ids.duplicated(keep="first").fillna(False), f"duplicate id in column '{id_col}'")
    cap_col = _first(df.columns, ("capacity", "capacita", "posti", "capienza"))
    capacity = pd.Series(1.0, index=df.index)
    if cap_col is not None:
        capacity = _numbers(df[cap_col], bool(df.attrs.get("decimal_comma", False))) if not is_geo else \
            pd.to_numeric(df[cap_col], errors="coerce")
        fault(capacity.isna(), f"capacity in column '{cap_col}' missing or not a number")
        fault(capacity < 0, f"negative capacity in column '{cap_col}'")

    muni = pd.Series(np.nan, index=df.index)
    placed_by = pd.Series("point", index=df.index, dtype=object)
    has_point = points.notna() & ~points.is_empty
    if has_point.any():
        muni[has_point] = municipality_of_points(points[has_point], territory).to_numpy()
    if code_col is not None:
        need = ~has_point.to_numpy() & (reason == "").to_numpy()
        if need.any():
            rec = municipality_of_codes(df.loc[need, code_col], year=year)
            muni[need] = rec["municipality_code"].to_numpy()
            placed_by[need] = "code"
            fault(need & muni.isna().to_numpy(), f"unknown municipality code in column '{code_col}'")
            n_rec = int((rec["status"] == "reconciled").sum())
            if n_rec:
                warnings.append(f"{n_rec} retired municipality codes reconciled to their successor")
    elif not is_geo:
        fault(~has_point.to_numpy(), "no coordinates")

    outside_mask = (reason == "") & muni.isna()
    if code_col is not None:  # a known code of another region
        in_region = muni.isin(territory["municipality_code"].astype(float))
        outside_mask |= (reason == "") & muni.notna() & ~in_region
    keep = (reason == "") & ~outside_mask
    original = pd.DataFrame(df.drop(columns="geometry", errors="ignore"))
    if is_geo:
        original["geometry_wkt"] = shapely.to_wkt(df.geometry.to_numpy(), rounding_precision=7)
    quarantine = original[reason != ""].copy()
    if not is_geo and (df.attrs["raw_records"] != "").any():  # damaged lines: their fields as found
        quarantine["raw_record"] = df.attrs["raw_records"][(reason != "").to_numpy()]
    quarantine.insert(0, "reason", reason[reason != ""])
    quarantine.insert(0, "row", rows[(reason != "").to_numpy()])
    outside = original[outside_mask].copy()
    outside.insert(0, "reason", _outside_reason(region))
    outside.insert(0, "row", rows[outside_mask.to_numpy()])
    hint = _placement_hint(int(outside_mask.sum()), n, reason, raw_xy, territory, region)
    if hint:
        warnings.append(hint)
    name_col = _first(df.columns, NAME_COLUMNS)
    kept = gpd.GeoDataFrame({
        "row": rows[keep.to_numpy()], "service_id": ids[keep].astype(str).to_numpy(),
        "category": cats[keep].to_numpy(),
        "name": df.loc[keep, name_col].astype("string").to_numpy() if name_col is not None else pd.NA,
        "capacity": capacity[keep].astype(float).to_numpy(),
        "municipality_code": muni[keep].astype(int).to_numpy(),
        "placed_by": placed_by[keep].to_numpy()}, geometry=points[keep].to_numpy(), crs=METRIC_CRS)
    return ServiceValidation(path, kept, quarantine.reset_index(drop=True), outside.reset_index(drop=True), n,
                             warnings)
