"""Service offer of a region, province by province: the offer section of the regional overview.

It reads the same regional table as the province reports
(:func:`~wecare_analysis.report.service_offer.regional_offer`: 2SFCA access, gap
index and LISA clusters of every municipality), so the overview and the province
reports always agree. Per province and service category it gives the
population-weighted access (:func:`~wecare_analysis.report.service_offer.area_access_summary`),
that access relative to the region's, and the number of municipalities in a
"high need – low offer" cluster.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from wecare_analysis.demo.survey import SYNTHETIC_LABEL
from wecare_analysis.formatting import format_it
from wecare_analysis.report.overview import small_multiples
from wecare_analysis.report.service_offer import (
    AREA_LABELS,
    KEY_CATEGORIES,
    RegionalOffer,
    area_access_summary,
    published,
    services_read_sentence,
)


def has_services(offer: RegionalOffer) -> bool:
    """Whether the region has at least one service (else access is 0 everywhere and nothing can be compared)."""
    return len(offer.services) > 0


def province_access(offer: RegionalOffer) -> pd.DataFrame:
    """Access to each service category, per province and for the whole region (last rows).

    Returns
    -------
    pandas.DataFrame
        ``province_sigla, province_name, category, category_label, population, services,
        supply_per_1000, access_per_1000, nearest_km, access_ratio, hh_municipalities``
        (:func:`~wecare_analysis.report.service_offer.area_access_summary`); the region's rows have an
        empty sigla, its name, and ``access_ratio`` 1.
    """
    provinces = offer.territory[["municipality_code", "province_sigla", "province_name"]]
    table = offer.gaps.merge(provinces, on="municipality_code", how="left")
    parts = []
    for (sigla, name), rows in table.groupby(["province_sigla", "province_name"], sort=True):
        parts.append(area_access_summary(rows, offer.gaps).assign(province_sigla=sigla, province_name=name))
    parts.append(area_access_summary(offer.gaps, offer.gaps).assign(province_sigla="",
                                                                    province_name=offer.region_name))
    out = pd.concat(parts, ignore_index=True)
    return out[["province_sigla", "province_name", *[c for c in out.columns
                                                     if c not in ("province_sigla", "province_name")]]]


def access_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`province_access` as published: Italian headers, access relative to the region in %."""
    return published(table, AREA_LABELS)


def _wide(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per category (taxonomy order), one column per province sigla (as the needs tables), the region last."""
    order = list(dict.fromkeys(table["category_label"]))
    heading = table["province_sigla"].where(table["province_sigla"] != "", table["province_name"])
    columns = list(dict.fromkeys(heading))  # sigle in order, then the region
    wide = table.assign(heading=heading).pivot(index="category_label", columns="heading", values=column)
    return wide.loc[order, columns].rename_axis(AREA_LABELS["category_label"]).reset_index().rename_axis(
        None, axis=1)


def access_by_province(table: pd.DataFrame) -> pd.DataFrame:
    """Services reachable per 1,000 potential users (population-weighted 2SFCA), category × province.

    Input: :func:`province_access`. Values are numbers (two decimals when displayed).
    """
    return _wide(table, "access_per_1000")


def shortage_by_province(table: pd.DataFrame) -> pd.DataFrame:
    """Municipalities in a "high need – low offer" (HH) cluster, category × province, the region's total last."""
    return _wide(table, "hh_municipalities")


def access_ratio_layer(layer: gpd.GeoDataFrame, table: pd.DataFrame,
                       categories: tuple[str, ...] = KEY_CATEGORIES) -> gpd.GeoDataFrame:
    """Province polygons with, per category, the access relative to the region in % (one column per category,
    named by its Italian label)."""
    rows = table[(table["province_sigla"] != "") & table["category"].isin(categories)]
    wide = rows.assign(ratio=100 * rows["access_ratio"]).pivot(index="province_sigla", columns="category_label",
                                                              values="ratio")
    labels = list(dict.fromkeys(rows.set_index("category").loc[list(categories), "category_label"]))
    return layer[["province_sigla", "province_name", "geometry"]].merge(
        wide[labels].reset_index().rename_axis(None, axis=1), on="province_sigla", how="left")


def access_ratio_maps(layer: gpd.GeoDataFrame, offer: RegionalOffer) -> Figure:
    """Small multiples of :func:`access_ratio_layer`: access relative to the region, one map per category."""

    columns = tuple(c for c in layer.columns if c not in ("province_sigla", "province_name", "geometry"))
    # a category without any service in the region has no ratio: its map is grey and its title says why
    titles = {c: c if layer[c].notna().any() else f"{c}\n(nessun servizio nella regione)" for c in columns}
    return small_multiples(layer, columns, f"{offer.region_name}: accesso ai servizi rispetto alla media "
                                            "regionale (%)", titles=titles, ncols=2,
                           legend_title="% della media regionale",
                           note=offer.source_note, cmap="YlGnBu", panel_height=4.8)  # with its heading, one A4 page


def section_markdown(offer: RegionalOffer) -> str:
    """Italian opening paragraph of the section: services counted, rows read/kept/quarantined, data label."""
    services = offer.services
    text = (f"Nella regione si contano **{format_it(len(services))} servizi** di "
            f"{format_it(services['category'].nunique())} categorie. "
            f"{services_read_sentence(offer.validation, offer.synthetic, offer.region_name)} "
            "L'accessibilità di ogni comune (servizi raggiungibili per 1.000 utenti potenziali, 2SFCA) "
            "è la stessa dei rapporti provinciali; qui è riassunta per provincia, pesando i comuni con i loro "
            "utenti potenziali.\n\n")
    if offer.synthetic:
        text += f"**Attenzione: {SYNTHETIC_LABEL}** (nessun file di servizi fornito).\n\n"
    return text + f"*{offer.source_note}*"
