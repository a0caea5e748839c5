"""Balanced, contiguous districting on families of generated counties: two seed sets, one never tuned on.

Each seed makes one instance (:func:`family_instance`):

* 200-400 villages, 8-14 districts, balance tolerance ±5, ±10 or ±20 %;
* village points uniform, clustered (a mixture of towns) or along a bent road corridor (long and
  thin counties, six to ten times longer than wide); adjacency from their Voronoi cells
  (Delaunay neighbours, without the long edges across the hull that no shared border makes);
* populations heavy-tailed (log-normal, sigma 0.9: a few large villages, many small ones);
* candidate centres: 2.5 stations per district, each standing in a village; minutes = road
  factor 1.3 x straight line at 40 km/h.

Each instance is solved with exact contiguity (cut rounds) and balance; the table gives the
status, the seconds to the first connected plan (the engine's progress reports), the seconds to
the proof, the gap at 60 s, and each plan checked here with code of its own (objective
recomputed, districts connected and balanced). The baseline in the same run is the compact
shortest-path form on the same instance (``--baseline``): its first plan and its time.

Usage::

    python benchmarks/districting_family.py [--set tuning|untuned|both] [--count 30]
        [--time-limit 120] [--baseline]

The ``tuning`` set (seeds 1-...) may be looked at while changing the engine; the ``untuned`` set
(seeds 5001-...) must not be: report both, separately.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay

import jurisdiction.optimise.progress as progress
from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.optimise import Instance, Options, solve

SEEDS = {"tuning": 1, "untuned": 5001}
LAYOUTS = ("uniform", "clustered", "corridor")
TOLERANCES = (0.05, 0.10, 0.20)


def _points(rng: np.random.Generator, n: int, layout: str) -> np.ndarray:
    """Village points in km."""
    if layout == "uniform":
        return rng.random((n, 2)) * 40.0
    if layout == "clustered":
        towns = rng.random((rng.integers(4, 9), 2)) * 40.0
        which = rng.integers(0, len(towns), n)
        spread = rng.uniform(2.0, 6.0, len(towns))[which]
        return towns[which] + rng.normal(size=(n, 2)) * spread[:, None]
    length = rng.uniform(60.0, 100.0)
    width = length / rng.uniform(6.0, 10.0)
    s = rng.random(n) * length
    bend = 0.15 * length * np.sin(s / length * np.pi * rng.uniform(1.0, 2.5))
    return np.column_stack([s, bend + rng.normal(size=n) * width / 3])


def _adjacency(points: np.ndarray) -> sp.csr_matrix:
    """Voronoi neighbours (Delaunay edges) without long hull edges, kept connected."""
    n = len(points)
    edges = set()
    for a, b, c in Delaunay(points).simplices:
        edges |= {tuple(sorted(e)) for e in ((a, b), (b, c), (a, c))}
    e = np.array(sorted(edges))
    length = np.linalg.norm(points[e[:, 0]] - points[e[:, 1]], axis=1)
    full = sp.coo_matrix((length, (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(full).tocoo()  # keeps the graph connected
    keep = length <= 2.5 * np.median(length)
    rows = np.concatenate([e[keep, 0], tree.row])
    cols = np.concatenate([e[keep, 1], tree.col])
    adj = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    return ((adj + adj.T) > 0).astype(np.int8).tocsr()


def family_instance(seed: int) -> tuple[Instance, int, float, str]:
    """The instance of ``seed``, its number of districts, its tolerance and its layout."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(200, 401))
    k = int(rng.integers(8, 15))
    tolerance = TOLERANCES[seed % len(TOLERANCES)]
    layout = LAYOUTS[(seed // len(TOLERANCES)) % len(LAYOUTS)]
    points = _points(rng, n, layout)
    population = np.round(rng.lognormal(7.0, 0.9, n))
    m = int(round(2.5 * k))
    station_village = np.sort(rng.choice(n, m, replace=False))
    km = np.linalg.norm(points[:, None, :] - points[station_village][None, :, :], axis=2)
    minutes = np.round(1.3 * km / 40.0 * 60.0, 2)
    instance = Instance(times=minutes, weights=population, adjacency=_adjacency(points),
                        station_village=station_village,
                        village_ids=[f"v{i}" for i in range(n)], station_ids=[f"s{j}" for j in range(m)])
    return instance, k, tolerance, layout


def plan_holds(instance: Instance, plan: np.ndarray, k: int, tolerance: float) -> bool:
    """Every district connected and within its tolerance, k districts; checked here, not by the engine."""
    adjacency = instance.adjacency.tocsr()
    centres = np.unique(plan)
    load = np.bincount(plan, weights=instance.weights, minlength=instance.n_stations)[centres]
    mean = instance.weights.sum() / k
    balanced = bool(((load >= (1 - tolerance) * mean - 1e-6) & (load <= (1 + tolerance) * mean + 1e-6)).all())
    connected = all(connected_components(adjacency[idx][:, idx], directed=False)[0] == 1
                    for idx in (np.flatnonzero(plan == c) for c in centres))
    return balanced and connected and centres.size == k


def run(instance: Instance, k: int, tolerance: float, form: str, time_limit: float) -> dict:
    """One solve: status, seconds to the first plan and to the end, gap at 60 s, the plan's check."""
    t0 = time.perf_counter()
    first: list[float] = []
    states: list[progress.SearchState] = []
    plan_found = progress.plan_found

    def noted(objective: float) -> None:  # the time of the first connected plan the engine holds
        if not first:
            first.append(time.perf_counter() - t0)
        plan_found(objective)

    progress.plan_found = noted
    try:
        sol = solve(instance, Options(centres=k, balance=tolerance, contiguity=form, time_limit=time_limit,
                                      progress=states.append))
    except (InfeasibleError, NoSolutionError) as error:
        return {"status": type(error).__name__.replace("Error", "").lower(), "seconds": time.perf_counter() - t0,
                "first": first[0] if first else math.inf, "gap60": math.inf, "holds": None, "objective": math.nan}
    finally:
        progress.plan_found = plan_found
    seconds = time.perf_counter() - t0
    at60 = [s for s in states if s.seconds <= 60.0]
    gap60 = sol.gap if seconds <= 60.0 else (at60[-1].gap if at60 else math.inf)
    value = float((instance.weights * instance.times[np.arange(instance.n_villages), sol.assignment]).sum())
    return {"status": sol.status, "seconds": seconds, "first": first[0] if first else seconds, "gap60": gap60,
            "holds": plan_holds(instance, sol.assignment, k, tolerance) and math.isclose(value, sol.objective,
                                                                                          rel_tol=1e-9),
            "objective": sol.objective}


def _summary(name: str, values: list[float]) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return f"{name}: none"
    worst = max(values)
    return f"{name}: median {statistics.median(values):.1f} s, worst {worst:.1f} s ({len(finite)}/{len(values)} finite)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("tuning", "untuned", "both"), default="both")
    ap.add_argument("--count", type=int, default=30, help="instances per set")
    ap.add_argument("--first", type=int, default=0, help="skip this many seeds of each set")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--baseline", action="store_true", help="also solve the compact shortest-path form")
    args = ap.parse_args(argv)
    sets = ("tuning", "untuned") if args.set == "both" else (args.set,)
    bad = 0
    for name in sets:
        print(f"\n## {name} seeds\n")
        print(f"{'seed':>5} {'layout':9} {'n':>4} {'K':>3} {'tol':>5} {'status':10} {'first s':>8} {'total s':>8} "
              f"{'gap@60s':>8} {'checked':>7}" + (f" {'sp first':>8} {'sp total':>8} {'sp/cuts obj':>11}"
                                                      if args.baseline else ""))
        firsts, totals, proven = [], [], 0
        for seed in range(SEEDS[name] + args.first, SEEDS[name] + args.first + args.count):
            instance, k, tolerance, layout = family_instance(seed)
            r = run(instance, k, tolerance, "cuts", args.time_limit)
            bad += r["holds"] is False
            firsts.append(r["first"])
            proven += r["status"] == "optimal"
            totals.append(r["seconds"] if r["status"] == "optimal" else math.inf)
            line = (f"{seed:>5} {layout:9} {instance.n_villages:>4} {k:>3} {tolerance:>5.2f} {r['status']:10} "
                    f"{r['first']:8.1f} {r['seconds']:8.1f} {100 * r['gap60']:7.2f}% {str(r['holds']):>7}")
            if args.baseline:
                b = run(instance, k, tolerance, "shortest-path", args.time_limit)
                ratio = b["objective"] / r["objective"] if r["objective"] == r["objective"] else math.nan
                line += f" {b['first']:8.1f} {b['seconds']:8.1f} {ratio:11.4f}"
            print(line, flush=True)
        print(f"\n{name}: {proven}/{len(totals)} proven optimal within {args.time_limit:g} s")
        print(_summary("first connected plan", firsts))
        print(_summary("proof (inf = not proven in the limit)", totals))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
