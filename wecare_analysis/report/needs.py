"""Needs estimates for the needs notebook (part 2) and the province report: tables, charts, map, summary.

The estimates are the region analysis's (:class:`wecare_analysis.analysis.needs.NeedsEstimates`,
computed once by :func:`wecare_analysis.analysis.analyse_region`); this module renders them.
:func:`province_needs` puts one province in view.

Everything a reader sees (labels, numbers) is Italian with Italian number formats.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from wecare_analysis.analysis.needs import NeedsEstimates
from wecare_analysis.analysis.region import RegionAnalysis
from wecare_analysis.errors import InputError
from wecare_analysis.formatting import format_it, format_percent_it, region_with_preposition
from wecare_analysis.report import document as doc
from wecare_analysis.report.small_area_map import uncertainty_map, with_respondents

#: Colours of the compared series (first: the province or first group).
SERIES_COLOURS = ("#b2182b", "#4d4d4d")
#: Legend title of the MRP maps (Italian: the choropleth shows the column name).
MAP_COLUMN = "Quota stimata (%)"
MRP_COLUMNS = {"name": "Comune", "label": "Area di bisogno", "pct": "Stima MRP (%)",
               "pct_low": "Intervallo 95% inferiore (%)", "pct_high": "Intervallo 95% superiore (%)",
               "n_label": "Rispondenti"}


@dataclass
class NeedsContext:
    """What the needs notebook shows for one province."""

    sigla: str
    name: str
    synthetic: bool
    respondents: int
    estimates: NeedsEstimates
    territory: gpd.GeoDataFrame

    @property
    def province_respondents(self) -> int:
        """Respondents of the province (``respondents`` counts the whole survey)."""
        g = self.estimates.groups
        n = g.loc[(g["territory"] == self.sigla) & (g["group_var"] == "all"), "n"]
        return int(n.max()) if len(n) else 0

    @property
    def region_name(self) -> str:
        """ISTAT name of the province's region (the name the region's estimates are shown under)."""
        return str(self.territory["region_name"].iloc[0])


def province_needs(analysis: RegionAnalysis, province: str) -> NeedsContext:
    """The needs of ``province`` (sigla or name) in the region analysis (its survey, weights, estimates)."""
    provinces = analysis.territory[["province_sigla", "province_name"]].drop_duplicates()
    match = provinces[(provinces["province_sigla"].str.upper() == str(province).upper())
                      | (provinces["province_name"].str.lower() == str(province).lower())]
    if match.empty:
        raise InputError(f"province {province!r} unknown; expected one of "
                         f"{', '.join(sorted(provinces['province_sigla']))}.")
    if analysis.needs is None:
        raise InputError(f"the survey has no respondent in {analysis.region_name}: no needs estimates.")
    sigla, name = match.iloc[0]
    return NeedsContext(sigla, name, analysis.survey.synthetic, len(analysis.survey.needs), analysis.needs,
                        analysis.territory)


def interval_text(value: float, low: float, high: float) -> str:
    """``'42,5% (IC 95% 38,1–47,0%)'``; ``'n.d.'`` when suppressed.

    Examples
    --------
    >>> interval_text(0.425, 0.381, 0.47)
    '42,5% (IC 95% 38,1–47,0%)'
    """
    if value is None or np.isnan(value):
        return "n.d."
    return f"{format_percent_it(value)} (IC 95% {format_it(100 * low, 1)}–{format_it(100 * high, 1)}%)"


def comparison_frame(est: NeedsEstimates, sigla: str, name: str, group_var: str = "all",
                     region: str | None = None) -> pd.DataFrame:
    """Long table ``label, series, pct, lo, hi`` (percent) of the series compared in a chart.

    ``group_var='all'``: province vs region (the series named ``region``); ``'sex'``: women
    vs men of the province; ``'role'``: employees vs owners of the province.
    """
    g = est.groups
    key = str(est.region["territory"].iloc[0])  # the region's rows carry its ISTAT name
    region = region or key
    if group_var == "all":
        sel = g[(g["group_var"] == "all") & g["territory"].isin([sigla, key])]
        series = sel["territory"].map({sigla: name, key: region})
        order = [name, region]
    else:
        codes = {"sex": ["F", "M"], "role": ["employee", "owner"]}[group_var]
        sel = g[(g["group_var"] == group_var) & (g["territory"] == sigla) & g["group"].isin(codes)]
        series = [doc.GROUP_LABELS[(group_var, c)] for c in sel["group"]]
        order = [doc.GROUP_LABELS[(group_var, c)] for c in codes]
    out = pd.DataFrame({"label": sel["label"].to_numpy(), "series": np.asarray(series),
                        "pct": 100 * sel["estimate"].to_numpy(), "lo": 100 * sel["ci_low"].to_numpy(),
                        "hi": 100 * sel["ci_high"].to_numpy()})
    out["series"] = pd.Categorical(out["series"], categories=order)
    return out.sort_values(["series", "pct"], ascending=[True, False]).reset_index(drop=True)


def prevalence_chart(est: NeedsEstimates, sigla: str, name: str, group_var: str = "all",
                     title: str | None = None, region: str | None = None) -> Figure:
    """Seaborn dot-and-interval chart of :func:`comparison_frame` (areas sorted by the first series)."""
    import matplotlib.pyplot as plt
    import seaborn.objects as so
    from matplotlib.ticker import FuncFormatter

    data = comparison_frame(est, sigla, name, group_var, region)
    first = data[data["series"] == data["series"].cat.categories[0]]
    order = list(dict.fromkeys(list(first.dropna(subset=["pct"])["label"]) + list(data["label"])))
    fig = plt.figure(figsize=(8.5, 0.38 * len(order) + 1.6))
    (so.Plot(data.dropna(subset=["pct"]), x="pct", y="label", color="series", xmin="lo", xmax="hi")
     .add(so.Range(linewidth=2), so.Dodge()).add(so.Dot(pointsize=6), so.Dodge())
     .scale(y=so.Nominal(order=order), color=so.Nominal(list(SERIES_COLOURS),
                                                        order=list(data["series"].cat.categories)))
     .label(x="Quota di rispondenti con il bisogno (%), intervallo di confidenza al 95%", y="", color="",
            title=title or f"Bisogni di welfare: {name}")
     .theme({"axes.facecolor": "white", "axes.grid": True, "grid.color": "#e5e5e5"})
     .on(fig).plot())
    fig.axes[0].xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_it(v, 0)))
    return fig


def mrp_layer(est: NeedsEstimates, territory: gpd.GeoDataFrame, sigla: str, need_area: str) -> gpd.GeoDataFrame:
    """Municipalities of ``sigla`` with the MRP prevalence of ``need_area`` in percent (column :data:`MAP_COLUMN`)."""
    m = est.municipality[(est.municipality["need_area"] == need_area)]
    layer = territory[territory["province_sigla"] == sigla][["municipality_code", "name", "geometry"]]
    layer = layer.merge(m[["municipality_code", "prevalence", "ci_low", "ci_high", "n"]], on="municipality_code",
                        how="left")
    return layer.assign(**{MAP_COLUMN: 100 * layer["prevalence"]})


def top_needs(est: NeedsEstimates, sigla: str, n: int = 3) -> pd.DataFrame:
    """The ``n`` need areas with the highest published weighted prevalence in ``sigla``."""
    prov = est.province[(est.province["province_sigla"] == sigla) & ~est.province["suppressed"]]
    return prov.dropna(subset=["prevalence"]).nlargest(n, "prevalence").reset_index(drop=True)


def province_reference(est: NeedsEstimates, sigla: str, need_area: str) -> float:
    """The province's own MRP prevalence of ``need_area`` (share): what each municipality is compared with on
    the maps; the population-weighted mean of its municipalities when the model gave no province row."""
    p = est.province_mrp
    if len(p) and {"province_sigla", "need_area", "prevalence"} <= set(p.columns):
        row = p[(p["province_sigla"] == sigla) & (p["need_area"] == need_area)]
        if len(row):
            return float(row["prevalence"].iloc[0])
    m = est.municipality[(est.municipality["province_sigla"] == sigla) & (est.municipality["need_area"] == need_area)]
    return float(np.average(m["prevalence"], weights=m["population"]))


def mrp_maps(est: NeedsEstimates, territory: gpd.GeoDataFrame, sigla: str, name: str, n: int = 4) -> Figure:
    """Maps of the MRP prevalence of the ``n`` top needs of the province (small multiples, two per row), each
    municipality classed above / below / not distinguishable from the province by its 95 % interval, those
    without respondents hatched (:func:`~wecare_analysis.report.small_area_map.uncertainty_map`)."""
    import matplotlib.pyplot as plt


    areas = top_needs(est, sigla, n)
    if areas.empty:  # no published provincial estimate: map the areas with the highest MRP prevalence
        areas = est.province_mrp[est.province_mrp["province_sigla"] == sigla].nlargest(n, "prevalence")
    cols = 2 if len(areas) > 1 else 1
    rows = int(np.ceil(len(areas) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 5.2 * rows), squeeze=False)
    boundary = territory[territory["province_sigla"] == sigla].dissolve()
    for ax, (_, row) in zip(axes.ravel(), areas.iterrows()):
        layer = mrp_layer(est, territory, sigla, row["need_area"])
        uncertainty_map(layer, ax, province_reference(est, sigla, row["need_area"]), boundary, row["label"])
    for ax in axes.ravel()[len(areas):]:
        ax.set_axis_off()
    fig.suptitle(f"Stime per comune (MRP), {name}: comuni sopra o sotto la provincia oltre l'incertezza "
                 "(intervallo al 95%)", fontsize=11)
    return fig


def mrp_table(est: NeedsEstimates, sigla: str, need_area: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` municipalities of ``sigla`` with the highest MRP prevalence of ``need_area`` (Italian headers),
    among those with respondents (a municipality without any is never named among the highest)."""
    m = est.municipality[(est.municipality["province_sigla"] == sigla) & (est.municipality["need_area"] == need_area)]
    m = with_respondents(m).nlargest(n, "prevalence").copy()
    for src, dst in (("prevalence", "pct"), ("ci_low", "pct_low"), ("ci_high", "pct_high")):
        m[dst] = [format_it(100 * v, 1) for v in m[src]]
    m["n_label"] = [v if isinstance(v, str) else format_it(v) for v in m["n_label"]]
    return m[list(MRP_COLUMNS)].rename(columns=MRP_COLUMNS).reset_index(drop=True)


def summary_markdown(est: NeedsEstimates, sigla: str, name: str, synthetic: bool = False, n: int = 3,
                     region: str | None = None) -> str:
    """Short Italian summary of the top needs of the province with their 95 % intervals, from the numbers.

    ``region`` is the region's ISTAT name, quoted with its preposition ("in Piemonte", "nel Lazio").
    """
    region = region or str(est.region["territory"].iloc[0])
    top = top_needs(est, sigla, n)
    head = "*Dati sintetici dimostrativi: nessun rispondente reale.*\n\n" if synthetic else ""
    if top.empty:
        return head + (f"Nessuna stima pubblicabile per {name}: meno di {est.min_cell} rispondenti "
                       "in ogni area di bisogno.")
    whole = est.region.set_index("need_area")
    items = []
    for _, r in top.iterrows():
        reg = whole.loc[r["need_area"]]
        items.append(f"- **{r['label']}**: {interval_text(r['prevalence'], r['ci_low'], r['ci_high'])}; "
                     f"{region_with_preposition(region, 'in')} {interval_text(reg['prevalence'], reg['ci_low'], reg['ci_high'])}.")
    text = [head + f"I bisogni segnalati più spesso in provincia di {name} (quota ponderata di rispondenti):",
            "\n".join(items)]
    if len(top) > 1:
        a, b = top.iloc[0], top.iloc[1]
        overlap = a["ci_low"] <= b["ci_high"]
        text.append(f"Gli intervalli di «{a['label']}» e «{b['label']}» "
                    + ("si sovrappongono: l'ordine tra i due non è certo." if overlap
                       else "non si sovrappongono: il primo bisogno è chiaramente il più diffuso."))
    m = est.municipality[(est.municipality["province_sigla"] == sigla)
                         & (est.municipality["need_area"] == top.iloc[0]["need_area"])].dropna(subset=["prevalence"])
    empty = len(m) - len(with_respondents(m))
    m = with_respondents(m)
    if not m.empty:
        lo, hi = m.loc[m["prevalence"].idxmin()], m.loc[m["prevalence"].idxmax()]
        text.append(f"Tra i comuni, la stima per piccola area (MRP) di «{top.iloc[0]['label']}» va da "
                    f"{format_percent_it(lo['prevalence'])} ({lo['name']}; IC 95% {format_it(100 * lo['ci_low'], 1)}–"
                    f"{format_it(100 * lo['ci_high'], 1)}%) a {format_percent_it(hi['prevalence'])} ({hi['name']}; "
                    f"IC 95% {format_it(100 * hi['ci_low'], 1)}–{format_it(100 * hi['ci_high'], 1)}%), tra i comuni con "
                    "almeno un rispondente."
                    + ("" if not empty else " Un comune senza rispondenti ha una stima solo da modello e non è "
                       "confrontato." if empty == 1 else f" {format_it(empty)} comuni senza rispondenti hanno una "
                       "stima solo da modello e non sono confrontati."))
    return "\n\n".join(text)
