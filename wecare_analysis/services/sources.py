"""Where the service offer of an analysis comes from: a user file, or the synthetic demo offer."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from wecare_analysis.catalog import Catalog
from wecare_analysis.demo.services import write_demo_services
from wecare_analysis.services.ingest import ServiceValidation, validate_services


def demo_services_path(root: str | os.PathLike[str] | None = None) -> Path:
    """Path of the synthetic demo services of the project: ``data/processed/demo/services.gpkg``."""
    return Catalog(root).processed / "demo" / "services.gpkg"


def demo_or_user_services(
    services_path: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    region: str = "01",
    year: int = 2023,
    territory: gpd.GeoDataFrame | None = None,
) -> tuple[ServiceValidation, bool]:
    """Return the validated services and whether they are the synthetic demo ones.

    With ``services_path`` None the synthetic Piedmont offer of
    :func:`wecare_analysis.demo.services.write_demo_services` (seed 1) is used,
    written once into :func:`demo_services_path` when missing. Either file goes
    through :func:`~wecare_analysis.services.ingest.validate_services`, so both
    give the same columns, the same checks and the read/kept/quarantined counts.
    """
    synthetic = services_path is None
    if synthetic:
        path = demo_services_path(root)
        if not path.is_file():

            write_demo_services(path.parent, root=None if root is None else str(root))
    else:
        path = Path(services_path)
    return validate_services(path, region=region, year=year, territory=territory), synthetic
