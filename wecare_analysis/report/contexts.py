"""What the report contexts share: the region's name and, per province, its name and outline, derived once."""

from __future__ import annotations

from functools import cached_property

import geopandas as gpd

from wecare_analysis import territory as terr


class RegionScope:
    """Mixin of the contexts of a region: the host (a dataclass) has ``territory``, the municipalities
    of the region."""

    territory: gpd.GeoDataFrame

    @property
    def region_name(self) -> str:
        """ISTAT name of the region."""
        return str(self.territory["region_name"].iloc[0])


class ProvinceScope(RegionScope):
    """Mixin of the per-province contexts (territory profile, service offer).

    The host (a dataclass) has ``territory``, the municipalities of the region, and
    ``province``, those of the province; names and the outline are derived from them.
    """

    province: gpd.GeoDataFrame

    @property
    def province_name(self) -> str:
        """Italian name of the province."""
        return str(self.province["province_name"].iloc[0])

    @cached_property
    def boundary(self) -> gpd.GeoDataFrame:
        """The province's polygon, dissolved once from its municipalities (maps and layers reuse it)."""
        return terr.province_boundaries(self.province)
