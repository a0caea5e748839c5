"""Generated counties: contiguous, balanced districting at the sizes a county police reform needs.

The counties come from :func:`jurisdiction.synthetic.county.generate_county` (Voronoi villages, a
road network by class), travel times from :func:`jurisdiction.network.travel.travel_time_matrix` on
:func:`jurisdiction.network.graph.road_graph` (minutes, station -> village), adjacency from
:func:`jurisdiction.network.adjacency.village_adjacency` (shared borders).

Cases (weights = population):
- ``small``: 325 villages, 26 stations, 12 centres, contiguity, ±5%: target proven optimal < 5 min;
- ``large``: 2,000 villages, 100 stations, 30 centres, contiguity, ±10%: target gap < 1% in 10 min.
Each case also runs the same model without pruning pairs by a travel-time limit (the
textbook formulation) when ``--textbook`` is given, and prints build and solve times.

Usage: ``python benchmarks/generated_county.py [small|large ...] [--forms shortest-path,cuts]
[--limit MINUTES] [--time-limit SECONDS] [--textbook]``

The targets are measured with ``small --forms cuts`` and ``large --forms shortest-path --limit 30``
(a 30-minute travel-time limit: 15,681 variables). Without a limit the large model has 200,100
variables and HiGHS finds no plan in 600 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.network.adjacency import station_villages, village_adjacency
from jurisdiction.network.graph import road_graph
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.optimise import Instance, Options, solve
from jurisdiction.optimise.instance import prepare
from jurisdiction.optimise.mip.model import build
from jurisdiction.synthetic.county import generate_county

CASES = {
    "small": dict(seed=1, villages=325, stations=26, centres=12, balance=0.05, time_limit=300.0),
    "large": dict(seed=2, villages=2000, stations=100, centres=30, balance=0.10, time_limit=600.0),
}


def county_instance(seed: int, n_villages: int, n_stations: int) -> tuple[Instance, float]:
    """The optimisation instance of a generated county, and the seconds spent making it."""
    t0 = time.perf_counter()
    county = generate_county(seed, n_villages, n_stations)
    villages, stations = county.villages, county.stations
    graph = road_graph(county.roads)
    times = travel_time_matrix(graph, villages, stations)
    times = times.loc[villages["village_id"].astype(str), stations["station_id"].astype(str)].to_numpy()
    inst = Instance(times=times, weights=villages["population"].to_numpy(dtype=float),
                    village_ids=villages["village_id"].astype(str).tolist(),
                    station_ids=stations["station_id"].astype(str).tolist(),
                    adjacency=village_adjacency(villages),
                    station_village=station_villages(stations, villages))
    return inst, time.perf_counter() - t0


def build_seconds(inst: Instance, opts: Options) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    built = build(prepare(inst, opts), opts)
    return time.perf_counter() - t0, len(built.variables) + len(built.y), len(built.prob.constraints)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", default=["small"])
    ap.add_argument("--forms", default="shortest-path,cuts")
    ap.add_argument("--limit", type=float, default=None, help="travel-time limit in minutes (default: none)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds (default: the case's target)")
    ap.add_argument("--threads", type=int, default=2,
                    help="worker threads of the engine's searches (this machine: 2 cores)")
    ap.add_argument("--textbook", action="store_true", help="also run without pruning by the limit")
    args = ap.parse_args(argv)
    print(f"{'case':6} {'n':>5} {'m':>4} {'K':>3} {'form':14} {'limit':>6} {'vars':>7} {'rows':>7} {'build s':>8} "
          f"{'total s':>8} {'status':9} {'objective':>14} {'gap':>9} {'rounds':>6}")
    for name in args.cases:
        case = CASES[name]
        inst, made = county_instance(case["seed"], case["villages"], case["stations"])
        n, m = inst.times.shape
        reach = np.isfinite(inst.times)
        print(f"# {name}: county, roads, travel times and adjacency made in {made:.1f} s; "
              "max over villages of the nearest station "
              f"{np.min(np.where(reach, inst.times, np.inf), axis=1).max():.1f} min; "
              f"total population {inst.weights.sum():,.0f}")
        limits = [args.limit] + ([None] if args.textbook and args.limit is not None else [])
        for form in [None if f == "none" else f for f in args.forms.split(",")]:
            for limit in limits:
                opts = Options(centres=case["centres"], balance=case["balance"], contiguity=form, limit=limit,
                               time_limit=args.time_limit or case["time_limit"], gap=1e-4, threads=args.threads)
                secs_build, nv, nc = build_seconds(inst, opts)
                t0 = time.perf_counter()
                try:
                    sol = solve(inst, opts)
                    row = f"{sol.status:9} {sol.objective:14,.0f} {sol.gap:9.2e} {sol.rounds:6d}"
                except InfeasibleError as err:
                    row = f"{'infeasible':9} {err.reasons[0][:60]}"
                except NoSolutionError as err:
                    row = f"{'no plan':9} {err.reasons[0][:60]}"
                total = time.perf_counter() - t0
                print(f"{name:6} {n:5d} {m:4d} {case['centres']:3d} {str(form):14} {str(limit):>6} {nv:7d} {nc:7d} "
                      f"{secs_build:8.2f} {total:8.1f} {row}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
