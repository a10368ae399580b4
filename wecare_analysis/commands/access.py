"""``wecare access``: 2SFCA, enhanced 2SFCA, gravity 2SFCA or nearest distance from two CSV files.

Contract (stable, called by automated checks)::

    wecare access --demand DEMAND.csv --supply SUPPLY.csv --method 2sfca|e2sfca|gravity|nearest
                  --radius-km R [--bands 5,10,20 --band-weights 1,0.68,0.22] [--alpha -1 --min-km 1]
                  [--cost COST.csv] [--detour 1.0] [--out OUT.csv]

DEMAND has ``id,x,y,demand`` (EPSG:32632 metres) or ``id,lon,lat,demand``;
SUPPLY has ``id,x,y,capacity`` or ``id,lon,lat,capacity``; COST (optional,
replaces straight-line distance) has ``origin,dest,cost`` in the unit of the
radius times 1000 (metres, or any cost scaled likewise). OUT has ``id,access``,
one row per demand id in input order: 0 where nothing is reachable within R;
for ``nearest`` the cost in metres to the nearest supply point within R (0 where
there is none, reported on stderr). Semantics are those of PySAL ``access``:
see :mod:`wecare_analysis.access`. A demand point that reaches only supply points
whose catchment holds no demand at all has an undefined access (S/0): its cell is
left empty, never ``inf``, the points are named on stderr and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wecare_analysis.atomic import atomic_path
from wecare_analysis.commands.validators import finite_float
from wecare_analysis.errors import EXIT_OK, EXIT_PARTIAL, InputError
from wecare_analysis.safe_text import neutralised

METHODS = ("2sfca", "e2sfca", "gravity", "nearest")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``access`` sub-command."""
    p = sub.add_parser(
        "access",
        help="spatial accessibility (2SFCA family, nearest distance) from demand and supply CSV files",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--demand", required=True, type=Path, help="CSV id,x,y,demand (EPSG:32632) or id,lon,lat,demand")
    p.add_argument("--supply", required=True, type=Path, help="CSV id,x,y,capacity or id,lon,lat,capacity")
    p.add_argument("--method", required=True, choices=METHODS)
    p.add_argument("--radius-km", required=True, type=finite_float, help="catchment radius R (cost <= R km is reachable)")
    p.add_argument("--bands", default="5,10,20", help="e2sfca distance bands, km (default 5,10,20)")
    p.add_argument("--band-weights", default="1,0.68,0.22", help="e2sfca weights of the bands (default 1,0.68,0.22)")
    p.add_argument("--alpha", type=finite_float, default=-1.0, help="gravity exponent (default -1)")
    p.add_argument("--min-km", type=finite_float, default=1.0, help="gravity minimum distance, km (default 1)")
    p.add_argument("--cost", type=Path, help="CSV origin,dest,cost (metres) replacing straight-line distance")
    p.add_argument("--detour", type=finite_float, default=1.0,
                   help="factor applied to straight-line distance (default 1: straight line; roads ~1.3)")
    p.add_argument("--out", type=Path, help="output CSV id,access (default: standard output)")
    p.set_defaults(func=run)


def _floats(text: str, option: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{option} expects comma-separated numbers, found {text!r}.") from None


def bands_from_args(bands: str, weights: str) -> dict[float, float]:
    """Return the e2sfca bands in metres -> weight from the ``--bands``/``--band-weights`` strings."""
    km, w = _floats(bands, "--bands"), _floats(weights, "--band-weights")
    if not km or len(km) != len(w):
        raise InputError(f"--bands has {len(km)} values and --band-weights {len(w)}: give one weight per band.")
    if any(b <= 0 for b in km) or any(x < 0 for x in w):
        raise InputError("--bands must be positive and --band-weights non-negative.")
    return {b * 1000.0: x for b, x in zip(km, w, strict=True)}


def run(args: argparse.Namespace) -> int:
    """Compute the accessibility and write ``id,access``; return the exit code."""
    import numpy as np
    import pandas as pd

    # lazy: CLI start-up (`wecare --help` and the other commands do not load it)
    from wecare_analysis import access as acc
    from wecare_analysis.access.io import read_cost_table, read_points

    if not args.radius_km > 0:
        raise InputError(f"--radius-km must be positive, found {args.radius_km}.")
    if not args.detour > 0:
        raise InputError(f"--detour must be positive, found {args.detour}.")
    if args.method == "gravity" and args.alpha < 0 and not args.min_km > 0:
        raise InputError("--min-km must be positive with a negative --alpha (the weight is infinite at 0 km).")
    bands = bands_from_args(args.bands, args.band_weights) if args.method == "e2sfca" else None
    radius = args.radius_km * 1000.0
    demand = read_points(args.demand, "demand")
    supply = read_points(args.supply, "capacity")
    xy_d, xy_s = demand[["x", "y"]].to_numpy(), supply[["x", "y"]].to_numpy()
    if args.cost is not None:
        table = read_cost_table(args.cost)
        origin = pd.Index(demand["id"]).get_indexer(table["origin"])
        dest = pd.Index(supply["id"]).get_indexer(table["dest"])
        unknown = int((origin < 0).sum() + (dest < 0).sum())
        if unknown:
            sys.stderr.write(f"wecare: note: {args.cost}: {unknown} ids not in the demand or supply file, ignored.\n")
        costs = acc.table_costs(origin, dest, table["cost"].to_numpy(), len(demand), len(supply), radius)
    elif args.method != "nearest":
        costs = acc.straight_line_costs(xy_d, xy_s, radius, detour=args.detour)
    p, s = demand["value"].to_numpy(), supply["value"].to_numpy()
    if args.method == "2sfca":
        result = acc.two_stage_fca(p, s, costs)
    elif args.method == "e2sfca":
        result = acc.enhanced_two_stage_fca(p, s, costs, bands)
    elif args.method == "gravity":
        result = acc.gravity_two_stage_fca(p, s, costs, 1000.0, args.alpha, args.min_km * 1000.0)
    else:
        result = acc.nearest_cost(costs) if args.cost is not None else acc.nearest_distance(
            xy_d, xy_s, max_cost=radius, detour=args.detour)
        missing = int(np.isnan(result).sum())
        if missing:
            sys.stderr.write(f"wecare: note: {missing} demand points have no supply within {args.radius_km:g} km; "
                             "their access is written as 0.\n")
        result = np.nan_to_num(result, nan=0.0, posinf=np.inf)
    undefined = ~np.isfinite(result)
    if undefined.any():
        ids = ", ".join(map(str, demand["id"][undefined].head(5)))
        sys.stderr.write(f"wecare: note: {int(undefined.sum())} demand points (e.g. {ids}) reach only supply points "
                         "whose catchment holds no demand: their access (capacity / 0) is undefined and is left "
                         "empty.\n")
        result = np.where(undefined, np.nan, result)
    out = neutralised(pd.DataFrame({"id": demand["id"], "access": result}))
    if args.out is None:
        out.to_csv(sys.stdout, index=False)
    else:
        with atomic_path(args.out) as tmp:
            out.to_csv(tmp, index=False)
    return EXIT_PARTIAL if undefined.any() else EXIT_OK
