"""Need–offer gaps: accessibility per municipality and category, a gap index, and its LISA clusters.

* :mod:`wecare_analysis.gaps.offer` — services per 1,000 target residents, 2SFCA-family
  access and distance to the nearest service, per municipality × category;
* :mod:`wecare_analysis.gaps.index` — need per municipality × category (small-area
  estimates when given, the target population otherwise) and the gap index;
* :mod:`wecare_analysis.gaps.lisa` — local Moran's I (``esda.Moran_Local``) of the
  gap index on queen contiguity, with cluster codes HH / LL / HL / LH / ns.
"""

from wecare_analysis.gaps.index import gap_index, need_by_category, standardised
from wecare_analysis.gaps.lisa import (
    CLUSTER_CODES,
    DEFAULT_SEED,
    contiguity_weights,
    gap_clusters,
    lisa_clusters,
)
from wecare_analysis.gaps.offer import (
    ACCESS_METHODS,
    AccessMethod,
    municipality_access,
    municipality_points,
    service_points,
)

__all__ = [
    "ACCESS_METHODS",
    "CLUSTER_CODES",
    "DEFAULT_SEED",
    "AccessMethod",
    "contiguity_weights",
    "gap_clusters",
    "gap_index",
    "lisa_clusters",
    "municipality_access",
    "municipality_points",
    "need_by_category",
    "service_points",
    "standardised",
]
