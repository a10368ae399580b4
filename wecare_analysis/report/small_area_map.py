"""Small-area (MRP) maps that show their uncertainty, and the municipalities a ranking may name.

Municipal MRP estimates of the demo survey carry 95 % intervals of ±10–25 points: quintile classes
0,6 points wide would paint differences the data cannot tell apart. The map therefore has as many
classes as the precision allows, three, decided by the interval of each municipality against the
province's own MRP estimate ``p_prov`` (the same model, so the comparison is like with like):

* **above the province**: ``ci_low_i > p_prov``;
* **below the province**: ``ci_high_i < p_prov``;
* **not distinguishable from the province** otherwise (the interval contains ``p_prov``).

Municipalities with no respondent (``n = 0``) are hatched: their estimate comes from the model and
the ISTAT age × sex composition alone. They are never named among the "highest" or "lowest"
(:func:`with_respondents`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from wecare_analysis.formatting import format_it
from wecare_analysis.report.maps import (
    SIMPLIFY_DIVISOR,
    add_north_arrow,
    add_scale_bar,
    outline_and_frame,
    polygon_collection,
)

#: Classes of the map: code -> (Italian legend label, colour).
#: Labels name the reference (``{ref}``: "provincia" or "regione").
CLASSES = {"above": ("Sopra la {ref}", "#d6604d"),
           "same": ("Non distinguibile dalla {ref}", "#f2f2f2"),
           "below": ("Sotto la {ref}", "#4393c3")}
MISSING = ("Stima non disponibile", "#bdbdbd")
#: Legend label of the hatched municipalities.
NO_RESPONDENTS_LABEL = "Senza rispondenti: stima da modello"
HATCH = "////"


def relative_class(ci_low: pd.Series, ci_high: pd.Series, reference: float) -> pd.Series:
    """``'above'``, ``'below'`` or ``'same'`` for each interval against ``reference`` (NaN when unknown).

    >>> relative_class(pd.Series([0.5, 0.1, 0.2, np.nan]), pd.Series([0.7, 0.2, 0.6, np.nan]), 0.3).tolist()
    ['above', 'below', 'same', nan]
    """
    lo, hi = pd.to_numeric(ci_low), pd.to_numeric(ci_high)
    out = pd.Series(np.where(lo > reference, "above", np.where(hi < reference, "below", "same")),
                    index=ci_low.index, dtype=object)
    return out.where(lo.notna() & hi.notna())


def with_respondents(municipal: pd.DataFrame) -> pd.DataFrame:
    """The rows of a municipal table (column ``n``, unweighted respondents) with at least one respondent:
    those a sentence or table may name among the highest or the lowest."""
    return municipal[pd.to_numeric(municipal["n"], errors="coerce").fillna(0) > 0]


def uncertainty_map(layer: gpd.GeoDataFrame, ax: Axes, reference: float,
                    boundary: gpd.GeoDataFrame | None = None, title: str | None = None,
                    reference_name: str = "provincia") -> pd.Series:
    """Draw the three-class map of ``layer`` (``ci_low``, ``ci_high`` shares, ``n`` respondents) against
    the estimate ``reference`` (share) of the province (``reference_name``: "provincia", or "regione") on
    ``ax``; hatch municipalities without respondents.

    Returns the class of each municipality (:func:`relative_class`). The CRS must be metric.
    """
    classes = relative_class(layer["ci_low"], layer["ci_high"], reference)
    face = [CLASSES[c][1] if isinstance(c, str) else MISSING[1] for c in classes]
    xmin, ymin, xmax, ymax = layer.total_bounds
    tolerance = max(xmax - xmin, ymax - ymin) / SIMPLIFY_DIVISOR
    geoms = layer.geometry.simplify(tolerance)
    ax.add_collection(polygon_collection(geoms, facecolors=face, edgecolors="white", linewidths=0.2))
    empty = (pd.to_numeric(layer["n"], errors="coerce").fillna(0) == 0).to_numpy()
    if empty.any():
        ax.add_collection(polygon_collection(geoms[empty], facecolors="none", edgecolors="#555555",
                                             linewidths=0.0, hatch=HATCH))
    outline_and_frame(ax, boundary, (xmin, ymin, xmax, ymax), tolerance)
    counts = classes.value_counts()
    handles = [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.3,
                     label=f"{text.format(ref=reference_name)} ({counts.get(code, 0)})")
               for code, (text, colour) in CLASSES.items()]
    if classes.isna().any():
        handles.append(Patch(facecolor=MISSING[1], edgecolor="#999999", linewidth=0.3, label=MISSING[0]))
    if empty.any():
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch=HATCH, linewidth=0.3,
                             label=f"{NO_RESPONDENTS_LABEL} ({int(empty.sum())})"))
    ax.legend(handles=handles, title=f"{reference_name.capitalize()}: {format_it(100 * reference, 1)}%",
              loc="lower right",
              fontsize=6.5, title_fontsize=7.5, frameon=True, framealpha=0.9)
    if title:
        ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    add_north_arrow(ax)
    add_scale_bar(ax)
    return classes
