"""Parity of wecare_analysis.access with PySAL ``access`` (the reference implementation)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from wecare_analysis import access as acc

pysal_access = pytest.importorskip("access")

DATA = Path(__file__).parent / "data" / "services"
REL = 1e-9


def pysal_scores(demand, supply, cost_df, method, radius, bands=None, alpha=-1.0, min_dist=1000.0):
    """Run PySAL access on a prebuilt long cost table; NaN (nothing reachable) -> 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = pysal_access.Access(
            demand_df=demand, demand_index="id", demand_value="demand",
            supply_df=supply, supply_index="id", supply_value="capacity",
            cost_df=cost_df, cost_origin="origin", cost_dest="dest", cost_name="cost",
        )
        if method == "2sfca":
            out = a.two_stage_fca(name="m", max_cost=radius)
        elif method == "e2sfca":
            fn = pysal_access.weights.step_fn(bands or {5000: 1, 10000: 0.68, 20000: 0.22})
            out = a.enhanced_two_stage_fca(name="m", max_cost=radius, weight_fn=fn)
        else:
            fn = pysal_access.weights.gravity(scale=1000, alpha=alpha, min_dist=min_dist)
            out = a.two_stage_fca(name="m", max_cost=radius, weight_fn=fn)
    return out["m_capacity"].reindex(demand["id"]).fillna(0).to_numpy()


def all_pairs_cost_table(demand, supply, radius):
    d = cdist(demand[["x", "y"]].to_numpy(), supply[["x", "y"]].to_numpy())
    i, j = np.nonzero(d <= radius)
    return pd.DataFrame({"origin": demand["id"].to_numpy()[i], "dest": supply["id"].to_numpy()[j], "cost": d[i, j]})


def ours(demand, supply, method, radius, **kw):
    costs = acc.straight_line_costs(demand[["x", "y"]].to_numpy(), supply[["x", "y"]].to_numpy(), radius)
    p, s = demand["demand"].to_numpy(float), supply["capacity"].to_numpy(float)
    if method == "2sfca":
        return acc.two_stage_fca(p, s, costs)
    if method == "e2sfca":
        return acc.enhanced_two_stage_fca(p, s, costs, kw.get("bands"))
    return acc.gravity_two_stage_fca(p, s, costs, 1000.0, kw.get("alpha", -1.0), kw.get("min_dist", 1000.0))


def random_case(seed, n_d=150, n_s=300, span=60_000.0):
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": [f"d{k}" for k in range(n_d)], "x": rng.uniform(0, span, n_d),
                           "y": rng.uniform(0, span, n_d), "demand": rng.integers(1, 5000, n_d).astype(float)})
    supply = pd.DataFrame({"id": [f"s{k}" for k in range(n_s)], "x": rng.uniform(0, span, n_s),
                           "y": rng.uniform(0, span, n_s), "capacity": rng.integers(0, 60, n_s).astype(float)})
    return demand, supply


def asti_case(seed=7):
    demand = pd.read_csv(DATA / "asti_age_0_2.csv", dtype={"id": str})
    rng = np.random.default_rng(seed)
    # services placed around the larger municipalities, a few exactly on a municipality point (zero cost)
    w = demand["demand"].to_numpy(float) + 1
    at = rng.choice(len(demand), size=90, p=w / w.sum())
    jitter = rng.normal(0, 2500, (90, 2))
    jitter[:10] = 0.0
    supply = pd.DataFrame({"id": [f"n{k}" for k in range(90)], "x": demand["x"].to_numpy()[at] + jitter[:, 0],
                           "y": demand["y"].to_numpy()[at] + jitter[:, 1],
                           "capacity": rng.integers(10, 60, 90).astype(float)})
    return demand, supply


@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "gravity"])
@pytest.mark.parametrize("seed,radius", [(1, 10_000.0), (2, 20_000.0), (3, 7_500.0)])
def test_random_inputs_match_pysal(method, seed, radius):
    demand, supply = random_case(seed)
    ref = pysal_scores(demand, supply, all_pairs_cost_table(demand, supply, radius), method, radius)
    got = ours(demand, supply, method, radius)
    assert (ref > 0).sum() > 50  # the case is not trivially empty
    np.testing.assert_allclose(got, ref, rtol=REL, atol=0)


@pytest.mark.parametrize("method", ["2sfca", "e2sfca", "gravity"])
@pytest.mark.parametrize("radius", [5_000.0, 15_000.0])
def test_real_shaped_inputs_match_pysal(method, radius):
    demand, supply = asti_case()
    ref = pysal_scores(demand, supply, all_pairs_cost_table(demand, supply, radius), method, radius)
    got = ours(demand, supply, method, radius)
    assert (ref == 0).sum() < len(ref)
    np.testing.assert_allclose(got, ref, rtol=REL, atol=0)


def test_gravity_other_parameters_and_custom_bands_match_pysal():
    demand, supply = random_case(11, 80, 120, 30_000.0)
    table = all_pairs_cost_table(demand, supply, 12_000.0)
    ref = pysal_scores(demand, supply, table, "gravity", 12_000.0, alpha=-2.0, min_dist=500.0)
    np.testing.assert_allclose(ours(demand, supply, "gravity", 12_000.0, alpha=-2.0, min_dist=500.0), ref, rtol=REL)
    bands = {2000: 1.0, 6000: 0.5, 9000: 0.1}
    ref = pysal_scores(demand, supply, table, "e2sfca", 12_000.0, bands=bands)
    np.testing.assert_allclose(ours(demand, supply, "e2sfca", 12_000.0, bands=bands), ref, rtol=REL)


def test_boundary_is_inclusive_and_zero_cost_pair_counts_like_pysal():
    # 3-4-5 triangle: the second service is exactly at 5,000 m; the first is at the demand point itself
    demand = pd.DataFrame({"id": ["a", "b"], "x": [0.0, 100_000.0], "y": [0.0, 0.0], "demand": [200.0, 50.0]})
    supply = pd.DataFrame({"id": ["s0", "s1"], "x": [0.0, 3000.0], "y": [0.0, 4000.0], "capacity": [2.0, 3.0]})
    for method in ["2sfca", "e2sfca", "gravity"]:
        ref = pysal_scores(demand, supply, all_pairs_cost_table(demand, supply, 5000.0), method, 5000.0)
        got = ours(demand, supply, method, 5000.0)
        np.testing.assert_allclose(got, ref, rtol=REL)
    # by hand for 2SFCA: both services see only "a" (200): (2 + 3) / 200; "b" reaches nothing -> 0
    np.testing.assert_allclose(ours(demand, supply, "2sfca", 5000.0), [0.025, 0.0])
    np.testing.assert_allclose(ours(demand, supply, "2sfca", 4999.999), [0.01, 0.0])


def test_zero_demand_catchment_gives_inf_like_pysal():
    demand = pd.DataFrame({"id": ["a", "b"], "x": [0.0, 50_000.0], "y": [0.0, 0.0], "demand": [0.0, 10.0]})
    supply = pd.DataFrame({"id": ["s0", "s1"], "x": [100.0, 50_000.0], "y": [0.0, 10.0], "capacity": [4.0, 1.0]})
    table = all_pairs_cost_table(demand, supply, 1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysal_scores(demand, supply, table, "2sfca", 1000.0)
    got = ours(demand, supply, "2sfca", 1000.0)
    assert np.isinf(ref[0]) and np.isinf(got[0])
    assert got[1] == pytest.approx(0.1) and ref[1] == pytest.approx(0.1)


def test_cost_table_input_matches_pysal_with_unknown_ids_ignored():
    demand, supply = random_case(5, 60, 90, 20_000.0)
    table = all_pairs_cost_table(demand, supply, 30_000.0)
    table["cost"] = table["cost"] * 1.3 + 60.0  # a road-like cost, not a distance
    extra = pd.DataFrame({"origin": ["zz", "d0"], "dest": ["s0", "nope"], "cost": [1.0, 1.0]})
    table = pd.concat([table, extra], ignore_index=True)
    o = pd.Index(demand["id"]).get_indexer(table["origin"])
    d = pd.Index(supply["id"]).get_indexer(table["dest"])
    costs = acc.table_costs(o, d, table["cost"].to_numpy(), len(demand), len(supply), 9_000.0)
    got = acc.two_stage_fca(demand["demand"].to_numpy(), supply["capacity"].to_numpy(), costs)
    ref = pysal_scores(demand, supply, table, "2sfca", 9_000.0)
    np.testing.assert_allclose(got, ref, rtol=REL)


def test_small_blocks_give_the_same_numbers():
    demand, supply = random_case(9)
    xy_d, xy_s = demand[["x", "y"]].to_numpy(), supply[["x", "y"]].to_numpy()
    big = acc.straight_line_costs(xy_d, xy_s, 9000.0)
    small = acc.straight_line_costs(xy_d, xy_s, 9000.0, block_rows=7)
    assert big.n_pairs == small.n_pairs == int((cdist(xy_d, xy_s) <= 9000.0).sum())
    p, s = demand["demand"].to_numpy(), supply["capacity"].to_numpy()
    lazy = acc.straight_line_costs(xy_d, xy_s, 9000.0, block_rows=13, lazy=True)
    assert lazy.blocks == [] and lazy.n_pairs == big.n_pairs
    ref = acc.gravity_two_stage_fca(p, s, big)
    np.testing.assert_allclose(acc.gravity_two_stage_fca(p, s, small), ref, rtol=1e-12)
    np.testing.assert_allclose(acc.gravity_two_stage_fca(p, s, lazy), ref, rtol=1e-12)


def test_detour_factor_scales_costs():
    c = acc.straight_line_costs(np.array([[0.0, 0.0]]), np.array([[0.0, 1000.0], [0.0, 1600.0]]), 2000.0, detour=1.3)
    assert c.blocks[0][1].toarray().tolist() == [[1300.0, 0.0]]


def test_nearest_distance_matches_brute_force():
    demand, supply = random_case(4)
    xy_d, xy_s = demand[["x", "y"]].to_numpy(), supply[["x", "y"]].to_numpy()
    np.testing.assert_allclose(acc.nearest_distance(xy_d, xy_s), cdist(xy_d, xy_s).min(axis=1), rtol=1e-12)
    costs = acc.straight_line_costs(xy_d, xy_s, 3000.0)
    bounded = acc.nearest_distance(xy_d, xy_s, max_cost=3000.0)
    np.testing.assert_allclose(acc.nearest_cost(costs), bounded, rtol=1e-12)
    assert np.isnan(bounded).sum() > 0


def test_gravity_with_infinite_weight_is_refused():
    c = acc.table_costs(np.array([0]), np.array([0]), np.array([0.0]), 1, 1, None)
    with pytest.raises(ValueError, match="min_dist"):
        acc.gravity_two_stage_fca(np.array([1.0]), np.array([1.0]), c, min_dist=0.0)


def test_supply_per_thousand_and_weighted_mean_by_hand():
    np.testing.assert_allclose(acc.supply_per_thousand([12, 0], [4000, 50]), [3.0, 0.0])
    assert acc.population_weighted_mean(np.array([2.0, 5.0]), np.array([3.0, 1.0])) == pytest.approx(2.75)
