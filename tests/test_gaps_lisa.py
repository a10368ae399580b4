"""LISA of the gap index: local Moran's I by hand on a tiny lattice, a planted cluster found, islands."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from wecare_analysis.gaps import contiguity_weights, gap_clusters, lisa_clusters


def grid(n: int) -> gpd.GeoDataFrame:
    """n x n unit squares, row by row from the bottom-left; municipality_code = 1 + position."""
    cells = [box(c, r, c + 1, r + 1) for r in range(n) for c in range(n)]
    return gpd.GeoDataFrame({"municipality_code": np.arange(1, n * n + 1)}, geometry=cells, crs="EPSG:32632")


def queen_neighbours(n: int) -> list[list[int]]:
    """Queen neighbours of the cells of an n x n grid, written out without libpysal."""
    out = []
    for r in range(n):
        for c in range(n):
            out.append([rr * n + cc for rr in range(r - 1, r + 2) for cc in range(c - 1, c + 2)
                        if 0 <= rr < n and 0 <= cc < n and (rr, cc) != (r, c)])
    return out


def test_contiguity_is_queen():
    w = contiguity_weights(grid(3))
    assert {k: sorted(v) for k, v in w.neighbors.items()} == dict(enumerate(queen_neighbours(3)))
    assert w.cardinalities[4] == 8 and w.cardinalities[0] == 3


def test_local_moran_by_hand_on_a_3x3_lattice():
    y = np.array([12.0, 8, 7, 6, 5, 1, 4, 2.5, 3])
    z = (y - y.mean()) / y.std()
    lag = np.array([z[nb].mean() for nb in queen_neighbours(3)])  # row-standardised weights
    expected = (len(y) - 1) * z * lag / (z**2).sum()
    result = lisa_clusters(y, contiguity_weights(grid(3)), permutations=99)
    assert np.abs(z).min() > 0.1 and np.abs(lag).min() > 0.01  # every quadrant is clear-cut
    np.testing.assert_allclose(result["lisa_i"], expected, rtol=1e-12)
    quadrant = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    assert result["quadrant"].tolist() == quadrant.tolist()
    assert ((result["lisa_p"] > 0) & (result["lisa_p"] <= 1)).all()


def test_planted_cluster_is_found_and_the_test_repeats_exactly():
    n = 10
    rng = np.random.default_rng(7)
    y = rng.normal(0, 1, n * n)
    block = [r * n + c for r in range(2, 5) for c in range(5, 8)]  # 3 x 3 block of high gaps
    y[block] += 4
    w = contiguity_weights(grid(n))
    result = lisa_clusters(y, w)
    hh = set(np.flatnonzero(result["cluster"] == "HH"))
    assert 3 * n + 6 in hh  # the centre of the block
    assert len(hh & set(block)) >= 7
    halo = {j for i in block for j in queen_neighbours(n)[i]} | set(block)
    assert hh <= halo  # high-high only in the block or on its rim (whose lag is high), never elsewhere
    again = lisa_clusters(y, w)
    pd.testing.assert_frame_equal(result, again)
    other = lisa_clusters(y, w, seed=1)
    assert not np.array_equal(result["lisa_p"], other["lisa_p"])


def test_islands_and_missing_values_are_not_significant():
    g = pd.concat([grid(3), gpd.GeoDataFrame({"municipality_code": [99]}, geometry=[box(10, 10, 11, 11)],
                                             crs="EPSG:32632")], ignore_index=True)
    y = np.array([9.0, 8, 7, 6, 5, 1, 4, 2, np.nan, 100])
    result = lisa_clusters(y, contiguity_weights(g))
    assert result.loc[[8, 9], "cluster"].tolist() == ["ns", "ns"]
    assert result.loc[[8, 9], "lisa_i"].isna().all()
    # the 8 units left are computed as a lattice of their own: same I as by hand on it
    keep = list(range(8))
    nb = [[j for j in queen_neighbours(3)[i] if j in keep] for i in keep]
    z = (y[keep] - y[keep].mean()) / y[keep].std()
    lag = np.array([z[v].mean() for v in nb])
    np.testing.assert_allclose(result.loc[keep, "lisa_i"], 7 * z * lag / (z**2).sum(), rtol=1e-12)


def test_gap_clusters_per_category():
    g = grid(4)
    gaps = pd.DataFrame({"municipality_code": np.tile(g["municipality_code"], 2),
                         "category": ["rsa"] * 16 + ["farmacia"] * 16,
                         "gap_index": np.r_[np.arange(16.0), np.zeros(16)]})
    out = gap_clusters(gaps, g, permutations=99)
    assert len(out) == 32 and list(out.columns) == ["municipality_code", "category", "lisa_i", "lisa_p",
                                                    "quadrant", "cluster"]
    direct = lisa_clusters(np.arange(16.0), contiguity_weights(g), permutations=99)
    np.testing.assert_allclose(out.loc[out["category"] == "rsa", "lisa_i"], direct["lisa_i"])
    assert (out.loc[out["category"] == "farmacia", "cluster"] == "ns").all()  # a constant gap has no cluster
