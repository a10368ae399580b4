"""Choropleth maps: classified with mapclassify, Italian legend, north arrow, scale bar."""

from __future__ import annotations

import itertools

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

from wecare_analysis.formatting import INDICATOR_DECIMALS, format_it, label

#: Polygons are simplified for drawing with a tolerance of the map extent / this number (about
#: 45 m for the Turin province, well under a pixel of a 300-dpi figure); data are never simplified.
SIMPLIFY_DIVISOR = 3000


def polygon_collection(geoms: gpd.GeoSeries, **kwargs: object) -> PathCollection:
    """A matplotlib collection with one compound path per (multi)polygon, built without Python loops
    over vertices (``shapely.to_ragged_array``); much faster than ``GeoDataFrame.plot``, which
    redraws the whole figure at every call."""
    kind, coords, (ring_offsets, part_offsets, *rest) = shapely.to_ragged_array(geoms.values)
    if kind == shapely.GeometryType.MULTIPOLYGON:
        geom_offsets = rest[0]
        ring_bounds = ring_offsets[part_offsets[geom_offsets]]
    elif kind == shapely.GeometryType.POLYGON:
        ring_bounds = ring_offsets[part_offsets]
    else:
        raise ValueError(f"polygon_collection needs polygons, got {kind!r}")
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    codes[ring_offsets[:-1]] = MplPath.MOVETO
    codes[ring_offsets[1:] - 1] = MplPath.CLOSEPOLY
    paths = [MplPath(coords[a:b], codes[a:b]) for a, b in itertools.pairwise(ring_bounds)]
    return PathCollection(paths, **kwargs)


def class_labels(bins: np.ndarray, lower: float, decimals: int) -> list[str]:
    """Italian legend labels ``'1.234,5 – 2.345,6'`` for the upper bounds ``bins`` of the classes.

    A class whose two bounds read the same at ``decimals`` (e.g. the municipalities with no service
    within reach, all at 0) is labelled with that one value instead of an interval ``'0 – 0'``.

    >>> class_labels(np.array([10.0, 2000.0]), 0.0, 0)
    ['0 – 10', '10 – 2.000']
    >>> class_labels(np.array([0.0, 2.5, 10.5]), 0.0, 2)
    ['0,00', '0,00 – 2,50', '2,50 – 10,50']
    """
    edges = np.concatenate([[lower], bins])
    labels = []
    for a, b in itertools.pairwise(edges):
        low, high = format_it(a, decimals), format_it(b, decimals)
        labels.append(high if low == high else f"{low} – {high}")
    return labels


def feasible_k(values: np.ndarray, scheme: str, k: int) -> int:
    """The largest number of classes, at most ``k``, that ``scheme`` can form on ``values`` without ties.

    No scheme can form more classes than there are distinct values. Quantile classes collapse when
    several quantiles fall on the same tied value (e.g. many municipalities at 0), and mapclassify then
    warns and sets ``k`` to the distinct quantiles; here ``k`` is lowered until the ``k`` quantiles
    (``100/k``, ``200/k``, … percent, linear interpolation as mapclassify) are all different.

    Examples
    --------
    >>> feasible_k(np.array([0.0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), "Quantiles", 5)
    3
    >>> feasible_k(np.array([1.0, 2.0]), "FisherJenks", 5)
    2
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    k = max(1, min(k, len(np.unique(finite))))
    if scheme == "Quantiles":
        while k > 1:
            distinct = len(np.unique(np.percentile(finite, 100.0 * np.arange(1, k + 1) / k)))
            if distinct == k:
                break
            k = distinct
    return k


def classify(values: np.ndarray, scheme: str = "Quantiles", k: int = 5) -> mapclassify.classifiers.MapClassifier:
    """Classify the finite ``values`` with the mapclassify ``scheme`` into at most ``k`` non-empty classes.

    ``k`` is first lowered to what the values allow (:func:`feasible_k`), so that mapclassify never
    warns; a class left empty (possible with e.g. ``EqualInterval``) is merged into the next one, by
    reclassifying on the upper bounds of the non-empty classes (``mapclassify.UserDefined``). With a
    single distinct value there is one class.

    Examples
    --------
    Six zeros in ten values: five quantile classes would repeat 0, so there are three (thirds: 0, 1, 4).

    >>> classify(np.array([0.0, 0, 0, 0, 0, 0, 1, 2, 3, 4])).bins.round(6).tolist()
    [0.0, 1.0, 4.0]

    Three equal intervals of 0–9 leave 3–6 empty: it is merged into 6–9.

    >>> c = classify(np.array([0.0, 0, 1, 2, 9]), "EqualInterval", 3)
    >>> c.bins.tolist(), c.counts.tolist()
    ([3.0, 9.0], [4, 1])
    """
    y = np.asarray(values, dtype=float)
    k = feasible_k(y, scheme, k)
    if k == 1:
        return mapclassify.UserDefined(y, [float(y.max())])
    classifier = getattr(mapclassify, scheme)(y, k=k)
    counts = np.asarray(classifier.counts)
    if (counts == 0).any():
        classifier = mapclassify.UserDefined(y, np.asarray(classifier.bins)[counts > 0])
    return classifier


def add_north_arrow(ax: Axes) -> None:
    """Draw a north arrow in the top-left corner (maps are in a north-up projected CRS)."""
    ax.annotate("N", xy=(0.06, 0.96), xytext=(0.06, 0.84), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9, "headlength": 8})


def add_scale_bar(ax: Axes) -> None:
    """Draw a scale bar of a round number of km in the bottom-left corner (CRS in metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5
    length = max(v for v in (1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5) if v <= max(target, 1e3))
    xs, ys = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([xs, xs + length], [ys, ys], color="black", linewidth=3, solid_capstyle="butt")
    ax.text(xs + length / 2, ys + 0.015 * (y1 - y0), f"{format_it(length / 1000)} km", ha="center",
            va="bottom", fontsize=8)


def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    ax: Axes,
    boundary: gpd.GeoDataFrame | None = None,
    scheme: str = "Quantiles",
    k: int = 5,
    cmap: str = "YlOrRd",
    title: str | None = None,
    legend_title: str | None = None,
) -> mapclassify.classifiers.MapClassifier | None:
    """Draw a classified choropleth of ``column`` on ``ax`` and return the classifier (None when no value is known:
    the map is all grey and its legend says so).

    Classes come from ``mapclassify`` (``scheme`` is one of its classifier names,
    e.g. ``"Quantiles"`` (default: fast, deterministic, equal counts per class), ``"FisherJenks"``), at most ``k``
    of them and none empty (:func:`classify`: fewer when ties leave fewer distinct classes, without warnings); a
    class of a single value is labelled with that value (:func:`class_labels`). Missing values
    are drawn in light grey and labelled "dato non disponibile". The legend is headed
    ``legend_title``, by default the Italian label of ``column``. The CRS must be
    projected in metres (the scale bar reads it as such).
    """
    if gdf.crs is None or not gdf.crs.is_projected:
        raise ValueError("choropleth needs a projected CRS in metres (e.g. EPSG:32632)")
    values = gdf[column].astype("float64")
    valid = values.notna().to_numpy()
    face = np.full(len(gdf), "#dddddd", dtype=object)
    classifier = None
    if valid.any():
        classifier = classify(values[valid].to_numpy(), scheme, k)
        colours = plt.get_cmap(cmap, len(classifier.bins))
        face[valid] = [to_hex(colours(int(c))) for c in classifier.yb]
    xmin, ymin, xmax, ymax = gdf.total_bounds
    tolerance = max(xmax - xmin, ymax - ymin) / SIMPLIFY_DIVISOR
    ax.add_collection(polygon_collection(gdf.geometry.simplify(tolerance), facecolors=list(face),
                                         edgecolors="white", linewidths=0.2))
    outline_and_frame(ax, boundary, (xmin, ymin, xmax, ymax), tolerance)
    handles = []
    if classifier is not None:
        labels = class_labels(classifier.bins, float(values[valid].min()), INDICATOR_DECIMALS.get(column, 0))
        handles = [Patch(facecolor=colours(i), edgecolor="#999999", linewidth=0.3, label=text)
                   for i, text in enumerate(labels)]
    if not valid.all():
        handles.append(Patch(facecolor="#dddddd", edgecolor="#999999", linewidth=0.3, label="dato non disponibile"))
    ax.legend(handles=handles, title=legend_title or label(column), loc="lower right", fontsize=7, title_fontsize=8,
              frameon=True, framealpha=0.9)
    ax.set_title(title or label(column), fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    add_north_arrow(ax)
    add_scale_bar(ax)
    return classifier


def outline_and_frame(ax, boundary, bounds: tuple[float, float, float, float], tolerance: float) -> None:
    """Draw the province ``boundary`` (if any) over a choropleth and frame the axes on ``bounds`` with a 2% pad."""
    xmin, ymin, xmax, ymax = bounds
    if boundary is not None:
        ax.add_collection(polygon_collection(boundary.geometry.simplify(tolerance), facecolors="none",
                                             edgecolors="#333333", linewidths=0.8))
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
