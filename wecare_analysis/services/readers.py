"""Read a service list, whatever its format, into one :class:`RawServices` table.

Formats: GeoJSON (overpass-turbo exports included) read feature by feature, so a
feature whose geometry cannot be built (a ring of 2 points, an unknown type) is
one faulty row, not a refused file; Overpass JSON (``{"elements": [...]}``) and
Overpass XML (``.osm``); GeoPackage, Shapefile (also zipped) through pyogrio;
GeoParquet and plain Parquet; CSV (any usual delimiter and encoding) and XLSX.
Tags and attributes become string columns; the geometry, when there is one, is
a GeoSeries in the file's CRS.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from wecare_analysis.bounded import check_xlsx, check_zip, is_zip
from wecare_analysis.errors import InputError
from wecare_analysis.survey.readers import parse_records, unique_names

GDAL_SUFFIXES = {".gpkg", ".shp", ".zip", ".fgb"}
JSON_SUFFIXES = {".geojson", ".json"}
MISSING_TEXTS = ("", "Non Disponibile", "NON DISPONIBILE")


@dataclass
class RawServices:
    """A service list as read: ``table`` (one row per record, original fields), ``geometry`` (None for a
    table without geometry), the ``rows`` numbers to report (file line for CSV, feature number from 1
    otherwise), ``faults`` (why a row cannot be used, '' when fine) and ``raw_records`` (damaged CSV
    lines as found, '' otherwise)."""

    table: pd.DataFrame
    geometry: gpd.GeoSeries | None
    rows: np.ndarray
    faults: np.ndarray
    raw_records: np.ndarray
    decimal_comma: bool = False

    @classmethod
    def of(cls, table: pd.DataFrame, geometry: gpd.GeoSeries | None = None,
           faults: list[str] | None = None, decimal_comma: bool = False) -> RawServices:
        """A list with rows numbered from 1 and the given faults (default none)."""
        n = len(table)
        table = table.reset_index(drop=True)
        if geometry is not None:
            geometry = geometry.reset_index(drop=True)
        return cls(table, geometry, np.arange(1, n + 1), np.array(faults or [""] * n, dtype=object),
                   np.full(n, "", dtype=object), decimal_comma)


def read_services_file(path: Path) -> RawServices:
    """Read ``path`` by its format (see the module docstring); raise InputError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return _read_json(path)
    if suffix == ".osm" or (suffix == ".xml" and b"<osm" in path.read_bytes()[:2000]):
        return _read_osm_xml(path)
    if suffix in GDAL_SUFFIXES:
        return _read_gdal(path)
    if suffix in (".parquet", ".geoparquet", ".pq"):
        return _read_parquet(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path)
    return _read_csv(path)


def _text_table(records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df = df.astype(object).where(df.notna(), None)
    return df.map(lambda v: None if v is None else (json.dumps(v) if isinstance(v, dict | list) else str(v)))


def _geojson_crs(doc: dict) -> str:
    name = str(((doc.get("crs") or {}).get("properties") or {}).get("name") or "")
    if "EPSG" in name.upper():
        code = name.replace("::", ":").rsplit(":", 1)[-1]
        return "EPSG:4326" if code in ("4326", "CRS84") else f"EPSG:{code}"
    return "EPSG:4326"  # RFC 7946: GeoJSON is WGS 84 lon/lat


def _feature_geometry(geom: object) -> tuple[object, str]:
    """The shapely geometry of a GeoJSON geometry object, or None and why it cannot be built."""
    if geom is None:
        return None, "missing or empty geometry"
    try:
        return shape(geom), ""
    except Exception as err:  # noqa: BLE001 - shapely raises several types for malformed coordinates
        kind = geom.get("type", "?") if isinstance(geom, dict) else type(geom).__name__
        return None, f"degenerate geometry: the {kind} cannot be built ({err})"


def _read_json(path: Path) -> RawServices:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not valid JSON ({err}); expected a GeoJSON FeatureCollection or an "
                         "Overpass JSON export.") from None
    if isinstance(doc, dict) and isinstance(doc.get("elements"), list):
        return _overpass_elements(path, doc["elements"])
    features = doc.get("features") if isinstance(doc, dict) else None
    if doc.get("type") == "Feature" if isinstance(doc, dict) else False:
        features = [doc]
    if not isinstance(features, list):
        raise InputError(f"{path}: a JSON file without 'features' (GeoJSON) or 'elements' (Overpass JSON).")
    if not features:
        raise InputError(f"{path}: the file has no features.")
    records, geoms, faults = [], [], []
    for feat in features:
        props = dict(feat.get("properties") or {}) if isinstance(feat, dict) else {}
        if isinstance(feat, dict) and "@id" not in props and feat.get("id") is not None:
            props["@id"] = feat["id"]
        geom, why = _feature_geometry(feat.get("geometry") if isinstance(feat, dict) else None)
        records.append(props)
        geoms.append(geom)
        faults.append(why)
    gs = gpd.GeoSeries(geoms, crs=_geojson_crs(doc))
    return RawServices.of(_text_table(records), gs, faults)


def _way_geometry(coords: list[tuple[float, float]]) -> tuple[object, str]:
    if not coords:
        return None, "way without coordinates (export it with 'out center' or 'out geom')"
    if len(coords) >= 4 and coords[0] == coords[-1]:
        return shapely.Polygon(coords), ""
    if len(set(coords)) == 1:
        return shapely.Point(coords[0]), ""
    return shapely.LineString(coords) if len(coords) > 1 else shapely.Point(coords[0]), ""


def _overpass_elements(path: Path, elements: list) -> RawServices:
    nodes = {e.get("id"): (e["lon"], e["lat"]) for e in elements
             if e.get("type") == "node" and "lat" in e and "lon" in e}
    records, geoms, faults = [], [], []
    for e in elements:
        tags = e.get("tags") or {}
        if not tags:
            continue  # untagged nodes are the vertices of ways
        records.append({"@id": f"{e.get('type')}/{e.get('id')}", **tags})
        if "lat" in e and "lon" in e:
            geom, why = shapely.Point(e["lon"], e["lat"]), ""
        elif "center" in e:
            geom, why = shapely.Point(e["center"]["lon"], e["center"]["lat"]), ""
        elif "geometry" in e:
            geom, why = _way_geometry([(p["lon"], p["lat"]) for p in e["geometry"] if p])
        elif e.get("nodes"):
            geom, why = _way_geometry([nodes[n] for n in e["nodes"] if n in nodes])
        else:
            geom, why = None, f"{e.get('type')} without coordinates (export it with 'out center')"
        geoms.append(geom)
        faults.append(why)
    if not records:
        raise InputError(f"{path}: the Overpass export has no tagged element.")
    return RawServices.of(_text_table(records), gpd.GeoSeries(geoms, crs="EPSG:4326"), faults)


def _read_osm_xml(path: Path) -> RawServices:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise InputError(f"{path}: not valid OSM XML ({err}).") from None
    elements = []
    for el in root:
        if el.tag not in ("node", "way", "relation"):
            continue
        item: dict = {"type": el.tag, "id": el.get("id"),
                      "tags": {t.get("k"): t.get("v") for t in el.findall("tag")}}
        if el.get("lat") is not None:
            item.update(lat=float(el.get("lat")), lon=float(el.get("lon")))
        center = el.find("center")
        if center is not None:
            item["center"] = {"lat": float(center.get("lat")), "lon": float(center.get("lon"))}
        nds = el.findall("nd")
        if nds and nds[0].get("lat") is not None:
            item["geometry"] = [{"lat": float(n.get("lat")), "lon": float(n.get("lon"))} for n in nds]
        elif nds:
            item["nodes"] = [n.get("ref") for n in nds]
        elements.append(item)
    for e in elements:  # node ids as strings in XML
        e["id"] = str(e["id"])
    return _overpass_elements(path, elements)


def _read_gdal(path: Path) -> RawServices:
    if is_zip(path):  # a zipped shapefile: its declared sizes are checked before GDAL inflates it
        check_zip(path, what="the zipped shapefile")
    try:
        gdf = gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a geographic file ({err}).") from None
    return _from_frame(path, gdf)


def _read_parquet(path: Path) -> RawServices:
    try:
        gdf = gpd.read_parquet(path)
    except (ValueError, TypeError):  # no 'geo' metadata: a plain Parquet table
        try:
            return _from_frame(path, pd.read_parquet(path))
        except Exception as err:  # noqa: BLE001 - pyarrow raises several types for damaged files
            raise InputError(f"{path}: cannot be read as Parquet ({err}).") from None
    except Exception as err:  # noqa: BLE001
        raise InputError(f"{path}: cannot be read as Parquet ({err}).") from None
    return _from_frame(path, gdf)


def _from_frame(path: Path, df: pd.DataFrame) -> RawServices:
    if len(df) == 0:
        raise InputError(f"{path}: the file has no features.")
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        if df.crs is None:
            raise InputError(f"{path}: the layer has no coordinate reference system (CRS); add the .prj file or "
                             "save it again with its CRS (EPSG:4326 or EPSG:32632).")
        table = _text_table(df.drop(columns=df.geometry.name).to_dict("records"))
        return RawServices.of(table, df.geometry)
    table = _text_table(df.to_dict("records"))
    return RawServices.of(table.mask(table.isin(MISSING_TEXTS)))


def _read_excel(path: Path) -> RawServices:
    check_xlsx(path)
    try:
        df = pd.read_excel(path, dtype=str)
    except Exception as err:  # noqa: BLE001 - openpyxl/zipfile raise several types for damaged files
        raise InputError(f"{path}: cannot be read as an Excel workbook ({err}).") from None
    if df.empty:
        raise InputError(f"{path}: no data rows after the header.")
    df.columns = [str(c).strip() for c in df.columns]
    out = RawServices.of(df.mask(df.isin(MISSING_TEXTS)).astype(object))
    out.rows = out.rows + 1  # spreadsheet row numbers: the header is row 1
    return out


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _read_csv(path: Path) -> RawServices:
    """Read a CSV service list as strings; a damaged line is one faulty row (a field count different from
    the header's: a delimiter inside an unquoted value; an unclosed quote), the next lines are read."""

    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"{path}: the file is empty; expected a header line and at least one row.")
    if b"\x00" in raw[:65536]:
        raise InputError(f"{path}: not a text file (NUL bytes found); expected a CSV with a header line.")
    text = next(decoded for decoded in (_decode(raw, enc) for enc in ("utf-8-sig", "cp1252", "latin-1"))
                if decoded is not None)
    header = text.splitlines()[0]
    sep = max((";", ",", "\t", "|"), key=header.count)
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
    df = df.mask(df.isin(MISSING_TEXTS))
    return RawServices(df, None, np.array([rec.line for rec in body], dtype=np.int64),
                       np.array(faults, dtype=object),
                       np.array([sep.join(rec.fields) if rec.fault else "" for rec in body], dtype=object),
                       decimal_comma=sep == ";")
