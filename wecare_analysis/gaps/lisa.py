"""Local spatial autocorrelation (LISA) of the gap index: clusters of high need and low offer.

Local Moran's I (Anselin 1995) on row-standardised queen contiguity:

    I_i = (n - 1) z_i sum_j w_ij z_j / sum_k z_k^2,   z = (y - mean y) / sd y,

as computed by ``esda.Moran_Local``; its pseudo p-value comes from ``permutations``
conditional random permutations (fixed ``seed``, so runs repeat exactly). A
municipality is in a cluster when ``p <= alpha``, labelled by the quadrant of the
Moran scatter plot: ``HH`` (high value among high neighbours), ``LH``, ``LL``,
``HL``; otherwise ``ns``. On the gap index ``HH`` is a cluster of high need and
low offer, ``LL`` one of low need and good offer, ``HL``/``LH`` are outliers.
Municipalities without neighbours (islands) or without a value are ``ns`` with
NaN statistics: a permutation test says nothing about them.

References
----------
Anselin L. (1995) Local indicators of spatial association — LISA.
Geographical Analysis 27(2):93-115.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

#: Cluster code of each quadrant of ``esda.Moran_Local.q`` (1..4), then the not-significant code.
CLUSTER_CODES = ("HH", "LH", "LL", "HL", "ns")
#: Seed of the permutation test.
DEFAULT_SEED = 12345


def contiguity_weights(territory: gpd.GeoDataFrame):
    """Return queen-contiguity weights (``libpysal.weights.W``) of the polygons, ids ``0 .. n-1`` by row.

    Two municipalities are neighbours when their boundaries share at least a point.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2), box(5, 5, 6, 6)])
    >>> contiguity_weights(g).neighbors
    {0: [1], 1: [0], 2: []}
    """
    from libpysal import weights

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands and disconnected components are reported by lisa_clusters
        return weights.Queen.from_dataframe(territory.reset_index(drop=True), use_index=False,
                                            silence_warnings=True)


def lisa_clusters(values: np.ndarray | pd.Series, w, permutations: int = 999, seed: int = DEFAULT_SEED,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Return local Moran's I, its pseudo p-value and the cluster code of each unit.

    Parameters
    ----------
    values
        One value per unit, in the order of the weights' ids ``0 .. n-1`` (NaN allowed).
    w
        ``libpysal.weights.W`` with ids ``0 .. n-1`` (:func:`contiguity_weights`).
    permutations, seed, alpha
        Conditional permutations of the test, their seed, significance level.

    Returns
    -------
    pandas.DataFrame
        ``lisa_i, lisa_p, quadrant`` (``HH``/``LH``/``LL``/``HL`` whatever the significance, NaN when
        not computed) and ``cluster`` (the quadrant where ``lisa_p <= alpha``, else ``ns``), one row per unit.

    Examples
    --------
    A 1 × 4 strip with ``y = (1, 1, 3, 3)``: ``z = (-1, -1, 1, 1)``, row-standardised lags
    ``(-1, 0, 0, 1)``, so ``I = 3 z_i lag_i / 4 = (0.75, 0, 0, 0.75)``.

    >>> from libpysal.weights import lat2W
    >>> lisa_clusters(np.array([1.0, 1.0, 3.0, 3.0]), lat2W(1, 4), permutations=0)["lisa_i"].abs().tolist()
    [0.75, 0.0, 0.0, 0.75]
    """
    with warnings.catch_warnings():
        # esda.moran_local_mv imports tqdm.auto, which in a Jupyter kernel warns that ipywidgets is missing
        # (TqdmWarning) or, with ipywidgets, that it chose notebook mode; its progress bars are not used here
        warnings.filterwarnings("ignore", message="IProgress not found", category=Warning)
        warnings.filterwarnings("ignore", message="Using `tqdm.autonotebook.tqdm` in notebook mode",
                                category=Warning)
        import esda
    from libpysal import weights as lw

    y = np.asarray(values, dtype=float)
    n = len(y)
    if n != w.n:
        raise ValueError(f"{n} values for {w.n} spatial units")
    out = pd.DataFrame({"lisa_i": np.nan, "lisa_p": np.nan, "quadrant": None, "cluster": "ns"},
                       index=range(n))
    ok = np.isfinite(y) & (np.array([w.cardinalities[i] for i in range(n)]) > 0)
    for _ in range(n):  # dropping units may leave others without neighbours: repeat until none is left
        ids = np.flatnonzero(ok)
        if len(ids) < 3:
            return out
        sub = lw.w_subset(w, ids.tolist(), silence_warnings=True) if len(ids) < n else w
        alone = np.array([sub.cardinalities[i] == 0 for i in ids])
        if not alone.any():
            break
        ok[ids[alone]] = False
    if np.ptp(y[ids]) == 0:
        return out
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        sub = lw.W({k: [ids.searchsorted(v) for v in sub.neighbors[i]] for k, i in enumerate(ids)},
                   silence_warnings=True)
        lisa = esda.Moran_Local(y[ids], sub, transformation="r", permutations=permutations, seed=seed,
                                keep_simulations=False)
    quadrant = np.array(CLUSTER_CODES[:4], dtype=object)[np.asarray(lisa.q, dtype=int) - 1]
    p = np.asarray(lisa.p_sim, dtype=float) if permutations else np.full(len(ids), np.nan)
    out.loc[ids, "lisa_i"] = np.asarray(lisa.Is, dtype=float)
    out.loc[ids, "lisa_p"] = p
    out.loc[ids, "quadrant"] = quadrant
    out.loc[ids, "cluster"] = np.where(p <= alpha, quadrant, "ns")
    return out


def gap_clusters(gaps: pd.DataFrame, territory: gpd.GeoDataFrame, categories: list[str] | None = None,
                 column: str = "gap_index", permutations: int = 999, seed: int = DEFAULT_SEED,
                 alpha: float = 0.05) -> pd.DataFrame:
    """Return the LISA of ``column`` per category over the municipalities of ``territory``.

    Parameters
    ----------
    gaps
        :func:`wecare_analysis.gaps.index.gap_index` (``municipality_code, category, <column>``).
    territory
        Municipality polygons; contiguity is built once on them.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, category, lisa_i, lisa_p, quadrant, cluster``.
    """
    w = contiguity_weights(territory)
    codes = territory["municipality_code"].astype(int).to_numpy()
    categories = list(categories or pd.unique(gaps["category"]))
    frames = []
    for code in categories:
        values = gaps[gaps["category"] == code].set_index("municipality_code")[column].reindex(codes)
        result = lisa_clusters(values.to_numpy(dtype=float), w, permutations, seed, alpha)
        result.insert(0, "category", code)
        result.insert(0, "municipality_code", codes)
        frames.append(result)
    return pd.concat(frames, ignore_index=True)
