"""The offer side of the region analysis: services, 2SFCA accessibility, need–offer gaps, LISA clusters.

One offer path: the province reports, the regional overview, the transferability criteria
and notebook 04 all read :func:`service_offer` of the run's services (the user's
``--services`` list, else the synthetic demo services).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from wecare_analysis import gaps
from wecare_analysis.services.sources import demo_or_user_services
from wecare_analysis.services.taxonomy import load_taxonomy

#: Italian label of each LISA cluster code of the gap index.
CLUSTER_LABELS = {
    "HH": "alto bisogno – bassa offerta",
    "LL": "basso bisogno – buona offerta",
    "HL": "divario alto tra comuni a divario basso",
    "LH": "divario basso tra comuni a divario alto",
    "ns": "non significativo",
}


@dataclass
class ServiceOffer:
    """Services of a region and the access and gaps of its municipalities.

    ``gaps``: municipality × category with ``population``, ``services``, ``access_per_1000``
    (2SFCA), ``nearest_km``, ``need_rate``, ``gap_index``, ``shortfall``, ``cluster`` (LISA),
    ``category_label``, ``name``, ``cluster_label``.
    """

    services: gpd.GeoDataFrame    # kept services of the region (EPSG:32632)
    validation: dict              # read / kept / quarantined / outside counts
    synthetic: bool
    gaps: pd.DataFrame


def service_offer(territory: gpd.GeoDataFrame, year: int, root: str | os.PathLike[str] | None,
                  services_path: str | os.PathLike[str] | None, small_area: pd.DataFrame | None = None,
                  method: gaps.AccessMethod = "2sfca", permutations: int = 999) -> ServiceOffer:
    """Validate the services of the region of ``territory``; compute access (Luo and Wang 2003), the gap
    index (standardised need minus standardised access, Wang and Luo 2005) and its LISA clusters
    (Anselin 1995, ``permutations`` permutations)."""
    region_code = f"{int(territory['region_code'].iloc[0]):02d}"
    validation, synthetic = demo_or_user_services(services_path, root, region_code, year, territory)
    access = gaps.municipality_access(territory, validation.kept, method=method)
    table = gaps.gap_index(gaps.need_by_category(territory, small_area=small_area), access)
    clusters = gaps.gap_clusters(table, territory, permutations=permutations)
    table = table.merge(clusters, on=["municipality_code", "category"], how="left")
    labels = {c.code: c.label for c in load_taxonomy().categories}
    names = territory.set_index("municipality_code")["name"]
    table = table.assign(category_label=table["category"].map(labels), name=table["municipality_code"].map(names),
                         cluster_label=table["cluster"].map(CLUSTER_LABELS))
    return ServiceOffer(validation.kept, validation.summary(), synthetic, table)


def criteria_access(offer: ServiceOffer) -> pd.DataFrame:
    """The offer table the transferability criteria read (``municipality_code, category, population,
    access_per_1000, gap_index`` …): the same gaps the reports publish."""
    return offer.gaps
