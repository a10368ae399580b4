"""Which shortfalls are real: supply below the region's *and* the nearest service out of easy reach.

The 2SFCA access ratio alone ranks a large city first whenever its services per user are
below the regional mean, even with a service a few hundred metres from every user (Torino,
pharmacies: 231 in the city, the nearest at 0,2 km). Such a gap is one of capacity, not of
reach, and a press office would print it as "Torino lacks pharmacies". The rule used by the
gap tables is therefore double:

1. **supply ratio**: ``access_ratio_i = a_i / a_ref < 1`` (access below the region's
   population-weighted access, :mod:`wecare_analysis.gaps.index`);
2. **distance**: the nearest service of the category is farther than the category's
   *proximity distance* ``d_near = d0 / 3``, one third of its catchment radius ``d0`` —
   the first distance band of the enhanced 2SFCA (Luo & Qi 2009), the zone whose users
   reach the service at full weight (pharmacy ``d0`` = 5 km → 1,7 km; RSA 20 km → 6,7 km);
   a municipality with no service of the category at all (no distance) passes.

References
----------
Luo W., Qi Y. (2009) An enhanced two-step floating catchment area (E2SFCA) method for
measuring spatial accessibility to primary care physicians. Health & Place 15(4):1100-1107.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wecare_analysis.services.taxonomy import Taxonomy, load_taxonomy

#: Share of the catchment radius within which a service counts as near (the first E2SFCA band).
PROXIMITY_SHARE = 1 / 3


def proximity_km(category: str, taxonomy: Taxonomy | None = None) -> float:
    """Proximity distance ``d_near = d0 / 3`` (km) of a category.

    >>> round(proximity_km("farmacia"), 2), round(proximity_km("rsa"), 2)
    (1.67, 6.67)
    """
    taxonomy = taxonomy or load_taxonomy()
    return taxonomy[category].radius_km * PROXIMITY_SHARE


def out_of_reach(table: pd.DataFrame, taxonomy: Taxonomy | None = None) -> pd.Series:
    """Boolean mask of the rows of a gap table (``category``, ``nearest_km``) whose nearest service is
    farther than :func:`proximity_km` of the category, or missing (no service of the category)."""
    taxonomy = taxonomy or load_taxonomy()
    near = table["category"].map(lambda c: proximity_km(str(c), taxonomy)).astype(float)
    nearest = pd.to_numeric(table["nearest_km"], errors="coerce")
    return pd.Series(np.where(nearest.isna(), True, nearest > near), index=table.index)


def real_shortfalls(table: pd.DataFrame, min_shortfall: float = 1.0,
                    taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Rows of a gap table that are shortfalls under both rules of this module, with at least
    ``min_shortfall`` uncovered users (``shortfall``)."""
    keep = (table["access_ratio"] < 1) & (table["shortfall"] >= min_shortfall) & out_of_reach(table, taxonomy)
    return table[keep]
