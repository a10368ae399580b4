"""Regional overview: provinces compared, needs ranked across provinces, and its run entry point.

The notebook ``09_regional_overview`` composes these functions;
:func:`wecare_analysis.pipeline.overview_run.run_regional_overview` executes it with papermill and
publishes ``reports/PIEMONTE/`` (``report.html``, ``report.pdf``, ``findings.xlsx``, ``layers.gpkg``,
``figures/``, ``opendata/``, ``manifest.json``) atomically.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from wecare_analysis import territory as terr
from wecare_analysis.analysis.region import RegionAnalysis
from wecare_analysis.formatting import format_it, label
from wecare_analysis.report import document as doc
from wecare_analysis.report.document import NEEDS_COLUMNS
from wecare_analysis.report.maps import choropleth

#: Folder of the regional overview under ``reports/``.
OVERVIEW_SIGLA = "PIEMONTE"
#: Indicators compared across provinces.
COMPARED_INDICATORS = ("n_municipalities", "residents", "age_0_2", "age_75_plus", "women_25_49", "old_age_index",
                       "structural_dependency", "density")
MAPPED_INDICATORS = ("density", "old_age_index", "structural_dependency")
#: En dash between word joiners (U+2060): an interval such as "37,6–50,8" never breaks across lines in a table.
NO_BREAK_DASH = "\u2060–\u2060"


@dataclass
class OverviewContext:
    """What the regional overview needs, loaded once.

    ``estimates`` is None when the survey has no respondent in the region (the
    programme surveyed Piedmont): the needs sections then say so instead of
    showing another region's respondents.
    """

    territory: gpd.GeoDataFrame   # municipalities of the region
    region_name: str              # ISTAT name, e.g. "Lombardia"
    survey: doc.SurveySource
    estimates: pd.DataFrame | None


def overview_context(analysis: RegionAnalysis) -> OverviewContext:
    """Territory, survey and needs estimates of the region's own respondents, from the region analysis."""
    estimates = analysis.needs.groups if analysis.needs is not None else None
    return OverviewContext(analysis.territory, analysis.region_name, analysis.survey, estimates)


def province_layer(territory: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Province polygons with their indicators (``province_sigla``, ``province_name`` and the indicators)."""
    boundaries = terr.province_boundaries(territory)
    indicators = terr.province_indicators(territory)
    keep = [c for c in indicators.columns if c not in boundaries.columns or c == "province_sigla"]
    return boundaries.merge(indicators[keep], on="province_sigla", how="left")


def province_comparison(territory: gpd.GeoDataFrame,
                        indicators: tuple[str, ...] = COMPARED_INDICATORS) -> pd.DataFrame:
    """Provinces and the region side by side: one row per province plus the region (named), Italian headers."""
    prov = terr.province_indicators(territory)
    region_name = str(territory["region_name"].iloc[0])
    reg = terr.region_indicators(territory).assign(province_name=region_name, province_sigla="")
    table = pd.concat([prov, reg], ignore_index=True)
    table = table[["province_name", "province_sigla", *indicators]]
    return table.rename(columns={"province_name": "Provincia", "province_sigla": "Sigla",
                                 **{c: label(c) for c in indicators}})


def small_multiples(layer: gpd.GeoDataFrame, columns: tuple[str, ...], title: str, titles: dict[str, str] | None = None,
                    ncols: int = 3, legend_title: str | None = None, note: str | None = None,
                    cmap: str = "YlOrRd", panel_height: float = 5.6):
    """One province-level choropleth per column, side by side (same frame, own classes and legend).

    ``titles`` maps a column to its map's title, ``legend_title`` heads every legend (default: the
    column's Italian label), ``cmap`` colours the classes, ``panel_height`` is the height of a row of
    maps in inches (each 5 inches wide), and ``note`` (a source line) is printed at the foot of the
    figure, wrapped to its width.
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.patheffects import withStroke


    nrows = int(np.ceil(len(columns) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.0 * ncols, panel_height * nrows), squeeze=False)
    for ax, column in zip(axes.flat, columns):
        choropleth(layer, column, ax, k=4, cmap=cmap, title=(titles or {}).get(column), legend_title=legend_title)
        for _, row in layer.iterrows():
            point = row.geometry.representative_point()
            ax.annotate(row["province_sigla"], (point.x, point.y), ha="center", fontsize=7, color="#222222",
                        path_effects=[withStroke(linewidth=2, foreground="white")])  # legible on dark classes
    for ax in list(axes.flat)[len(columns):]:
        ax.set_axis_off()
    fig.suptitle(title, fontsize=13)
    if note:  # about 18 characters of 7-point text per inch
        note = textwrap.fill(note, width=int(18 * fig.get_figwidth()))
        fig.text(0.01, 0.01, note, fontsize=7, color="#555555")
    lines = note.count("\n") + 1 if note else 0  # a 7-point line is about 0.13 inch high
    fig.tight_layout(rect=(0, (0.13 * lines + 0.05 * bool(lines)) / fig.get_figheight(), 1, 0.96))
    return fig


def needs_by_province(estimates: pd.DataFrame, region_name: str) -> pd.DataFrame:
    """Wide table of the published needs: one row per need area, one column per province and the region.

    Values are percentages with one decimal; a suppressed cell shows its label
    (``'< 5'``/``'n.p.'``); the region's column, last, is headed ``region_name``.
    Input: :func:`~wecare_analysis.report.document.needs_estimates`.
    """
    overall = estimates[estimates["group_var"] == "all"]
    values = [round(100 * e, 1) if not s else lab
              for e, s, lab in zip(overall["estimate"], overall["suppressed"], overall["n_label"])]
    wide = overall.assign(value=values).pivot(index="label", columns="territory", values="value")
    provinces = [c for c in wide.columns if c != region_name]
    wide = wide[provinces + [region_name]]
    order = pd.to_numeric(wide[region_name], errors="coerce").sort_values(ascending=False).index
    return wide.loc[order].rename_axis(NEEDS_COLUMNS["label"]).reset_index().rename_axis(None, axis=1)


def needs_ranking(wide: pd.DataFrame) -> pd.DataFrame:
    """Rank of each province on each need (1 = highest share), from :func:`needs_by_province`.

    Returns a long table ``Area di bisogno, Provincia, Stima (%), Posizione``, areas in the
    order of ``wide`` (decreasing regional share), provinces by position; suppressed cells
    get no position. The region's column (the last) is left out.

    Examples
    --------
    >>> w = pd.DataFrame({"Area di bisogno": ["a"], "TO": [10.0], "BI": [30.0], "Piemonte": [12.0]})
    >>> needs_ranking(w)[["Provincia", "Posizione"]].values.tolist()
    [['BI', 1], ['TO', 2]]
    """
    key = NEEDS_COLUMNS["label"]
    long = wide.iloc[:, :-1].melt(id_vars=key, var_name="Provincia", value_name="Stima (%)")
    long["Stima (%)"] = pd.to_numeric(long["Stima (%)"], errors="coerce")
    long["Posizione"] = long.groupby(key)["Stima (%)"].rank(ascending=False, method="min").astype("Int64")
    area_order = pd.Categorical(long[key], categories=list(dict.fromkeys(wide[key])), ordered=True)
    return (long.assign(_order=area_order).sort_values(["_order", "Posizione"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def highest_need_table(estimates: pd.DataFrame, region_name: str) -> pd.DataFrame:
    """For each need area, the province with the highest published share, with its uncertainty.

    One row per area, in decreasing order of the regional share (the order of
    :func:`needs_by_province`): the province, its share and 95 % interval, the
    region's share, and whether the province stands out. A point estimate alone
    ranks small samples first by chance, so the last column says "sì" only when
    the province's interval lies wholly above the regional share; otherwise
    "non distinguibile" (the province's lead may be sampling noise). Suppressed
    shares are not ranked.

    Input: :func:`~wecare_analysis.report.document.needs_estimates`.

    Examples
    --------
    >>> est = pd.DataFrame({"group_var": "all", "label": "Asilo", "suppressed": False,
    ...                     "territory": ["TO", "BI", "Piemonte"], "estimate": [.30, .45, .32],
    ...                     "ci_low": [.27, .34, .30], "ci_high": [.33, .56, .34]})
    >>> row = highest_need_table(est, "Piemonte").astype(object).iloc[0]
    >>> row.replace(NO_BREAK_DASH, "–", regex=True).tolist()
    ['Asilo', 'BI', 45.0, '34,0–56,0', 32.0, 'sì']
    """
    overall = estimates[(estimates["group_var"] == "all") & ~estimates["suppressed"]].reset_index(drop=True)
    region = overall[overall["territory"] == region_name].set_index("label")["estimate"]
    provinces = overall[(overall["territory"] != region_name) & overall["estimate"].notna()]
    top = provinces.loc[provinces.groupby("label")["estimate"].idxmax()].set_index("label")
    top = top.loc[[a for a in region.sort_values(ascending=False).index if a in top.index]]
    above = top["ci_low"] > region.reindex(top.index)
    return pd.DataFrame({
        NEEDS_COLUMNS["label"]: top.index,
        "Provincia con la quota più alta": top["territory"].to_numpy(),
        "Stima (%)": (100 * top["estimate"]).round(1).to_numpy(),
        "IC 95% (%)": [f"{format_it(100 * lo, 1)}{NO_BREAK_DASH}{format_it(100 * hi, 1)}"
                       for lo, hi in zip(top["ci_low"], top["ci_high"])],
        f"{region_name} (%)": (100 * region.reindex(top.index)).round(1).to_numpy(),
        "Sopra il valore regionale": np.where(above, "sì", "non distinguibile"),
    })


def needs_heatmap(wide: pd.DataFrame, title: str):
    """Heat map of :func:`needs_by_province` (areas × provinces), values printed the Italian way."""
    import matplotlib.pyplot as plt

    key = NEEDS_COLUMNS["label"]
    values = wide.drop(columns=key).apply(pd.to_numeric, errors="coerce")
    fig, ax = plt.subplots(figsize=(1.0 * values.shape[1] + 4.5, 0.36 * len(values) + 1.6))
    image = ax.imshow(values.to_numpy(dtype=float), cmap="YlOrRd", aspect="auto")
    for (i, j), v in np.ndenumerate(values.to_numpy(dtype=float)):
        text = format_it(v, 0) if np.isfinite(v) else str(wide.iloc[i, j + 1])
        ax.text(j, i, text, ha="center", va="center", fontsize=7)
    ax.set_xticks(range(values.shape[1]), values.columns, fontsize=8)
    ax.set_yticks(range(len(values)), wide[key], fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.6, label="Rispondenti che indicano il bisogno (%)")
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def practice_transfer(assessments: dict) -> pd.DataFrame:
    """Where each practice transfers best: TOPSIS score per province and the best province, Italian headers.

    Input: sigla -> ``Assessment`` (:attr:`wecare_analysis.analysis.RegionAnalysis.assessments`).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> r = lambda s: NS(ranking=pd.DataFrame({"practice_name": ["P"], "topsis": [s]}))
    >>> practice_transfer({"BI": r(0.4), "TO": r(0.7)})["Provincia più adatta"].tolist()
    ['TO']
    """
    scores = pd.concat([a.ranking.assign(province=sigla) for sigla, a in assessments.items()])
    wide = scores.pivot(index="practice_name", columns="province", values="topsis").round(3)
    best = wide.idxmax(axis=1)
    out = wide.assign(best=best, best_score=wide.max(axis=1)).sort_values("best_score", ascending=False)
    out = out.drop(columns="best_score").rename(columns={"best": "Provincia più adatta"})
    return out.rename_axis("Pratica").reset_index().rename_axis(None, axis=1)
