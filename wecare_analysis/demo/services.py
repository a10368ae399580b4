"""Synthetic service offer for Piedmont with a known truth ("dati sintetici dimostrativi").

Each category gets, in each municipality, a Poisson number of services with
mean ``user population / users_per_service`` (:data:`USERS_PER_SERVICE`), placed
uniformly inside the municipality polygon; planted *service deserts* — a random
half of the low-density municipalities (density below :data:`DESERT_DENSITY`
residents/km², mostly mountain ones) — get none of the care categories
(:data:`DESERT_CATEGORIES`). The truth table records the expected count, the
drawn count and the desert flag of every municipality x category.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from wecare_analysis.atomic import atomic_path
from wecare_analysis.services.taxonomy import load_taxonomy
from wecare_analysis.territory import load_territory

#: Users per service of each category (orders of magnitude of the Italian offer: ISTAT nidi survey,
#: Federfarma pharmacies ~1 per 3,300 residents, RSA beds per 75+).
USERS_PER_SERVICE: dict[str, float] = {
    "asilo_nido": 250, "micronido": 600, "scuola_infanzia": 150, "centro_estivo": 400, "doposcuola": 500,
    "rsa": 900, "centro_diurno_anziani": 1500, "assistenza_domiciliare": 2500, "farmacia": 3300,
    "consultorio": 12000, "ambulatorio": 2500, "piscina": 25000, "palestra": 2500, "trasporto": 8000,
    "caf_patronato": 6000, "sportello_welfare": 40000, "maggiordomo": 60000, "esercizio_convenzionato": 1500,
    "cooperativa_sociale": 15000,
}
DESERT_DENSITY = 30.0
DESERT_CATEGORIES = ("asilo_nido", "micronido", "scuola_infanzia", "rsa", "centro_diurno_anziani",
                     "farmacia", "ambulatorio")


def synthetic_services(territory: gpd.GeoDataFrame, seed: int = 1) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return ``(services, truth)`` drawn for the municipalities of ``territory``.

    ``services``: ``service_id, category, name, capacity, municipality_code, geometry`` (points, CRS of
    ``territory``). ``truth``: ``municipality_code, category, expected, drawn, desert``.
    """
    rng = np.random.default_rng(seed)
    taxonomy = load_taxonomy()
    low = territory["density"].to_numpy() < DESERT_DENSITY
    desert = low & (rng.uniform(size=len(territory)) < 0.5)
    rows, points = [], []
    for cat in taxonomy.categories:
        users = territory[cat.population].fillna(0).to_numpy(dtype=float)
        expected = users / USERS_PER_SERVICE[cat.code]
        is_desert = desert if cat.code in DESERT_CATEGORIES else np.zeros(len(territory), dtype=bool)
        drawn = np.where(is_desert, 0, rng.poisson(expected))
        rows.append(pd.DataFrame({"municipality_code": territory["municipality_code"].to_numpy(),
                                  "category": cat.code, "expected": np.where(is_desert, 0.0, expected),
                                  "drawn": drawn, "desert": is_desert}))
        has = drawn > 0
        if has.any():
            pts = territory.geometry[has].sample_points(size=drawn[has], rng=rng)
            pts = pts.explode(index_parts=False)
            points.append(gpd.GeoDataFrame({"municipality_code": territory["municipality_code"].to_numpy()[
                np.repeat(np.flatnonzero(has), drawn[has])], "category": cat.code},
                geometry=pts.to_numpy(), crs=territory.crs))
    services = pd.concat(points, ignore_index=True)
    services.insert(0, "service_id", [f"demo-{k:06d}" for k in range(len(services))])
    labels = {c.code: c.label for c in taxonomy.categories}
    services["name"] = [f"{labels[c]} (sintetico) {k}" for k, c in enumerate(services["category"])]
    services["capacity"] = rng.integers(10, 80, len(services)).astype(float)
    cols = ["service_id", "category", "name", "capacity", "municipality_code", "geometry"]
    return gpd.GeoDataFrame(services[cols], geometry="geometry", crs=territory.crs), pd.concat(rows,
                                                                                              ignore_index=True)


def write_demo_services(out: Path, seed: int = 1, root: str | None = None) -> list[Path]:
    """Write ``out/services.gpkg`` (layer ``services``) and ``out/services_truth.csv``; return the paths."""

    services, truth = synthetic_services(load_territory(region="01", root=root), seed=seed)
    out = Path(out)
    gpkg, truth_csv = out / "services.gpkg", out / "services_truth.csv"
    with atomic_path(gpkg) as tmp:
        services.to_file(tmp, layer="services", driver="GPKG")
    with atomic_path(truth_csv) as tmp:
        truth.to_csv(tmp, index=False)
    return [gpkg, truth_csv]
