"""Benchmark: Osman-Christofides capacitated p-median (OR-Library pmedcap1, instances 1..20).

Usage::

    python benchmarks/orlib_pmedcap.py                         # all 20, baseline on 1..5
    python benchmarks/orlib_pmedcap.py --only 1,20 --baseline-instances 1,20 --baseline-cap 120

Distances are the floor of the Euclidean distance (this reproduces all 20 published optima);
the objective is the unweighted sum of distances; single sourcing; capacity Q for every median.
The baseline is the plain model (``x_ij <= y_j`` explicit) passed to HiGHS with no bounds,
fixing or start, capped per instance (``--baseline-cap``); ``ratio`` is its time over ours.
Our solver gets ``--time-limit`` seconds per instance (default 120).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from jurisdiction.optimise.pmedian.capacitated import _strong_model
from jurisdiction.optimise.pmedian.exact import solve_capacitated_pmedian
from jurisdiction.optimise.pmedian.highs_arrays import run_highs


def read_pmedcap(path: Path) -> tuple[np.ndarray, int, np.ndarray, float]:
    """Read one pmedcap1 file into (floored Euclidean cost matrix, p, demands, capacity)."""
    tokens = path.read_text().split()
    n, p, capacity = int(tokens[2]), int(tokens[3]), float(tokens[4])
    rows = np.array(tokens[5:5 + 4 * n], dtype=np.int64).reshape(n, 4)
    xy = rows[:, 1:3].astype(float)
    squared = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1)
    return np.floor(np.sqrt(squared) + 1e-9), p, rows[:, 3].astype(float), capacity


def plain_model(cost, p, demand, capacity, time_limit):
    """The baseline: the plain single-sourcing model in HiGHS; returns (objective, bound, seconds)."""
    start = time.perf_counter()
    m = cost.shape[1]
    q = np.full(m, capacity)
    usable = demand[:, None] <= q[None, :]
    _, _, arrays = _strong_model(cost, usable, np.zeros(m), np.ones(m), demand, q, p)
    out = run_highs(*arrays, time_limit=time_limit)
    return out.objective, out.dual_bound, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated instance numbers, e.g. 1,20")
    parser.add_argument("--baseline-instances", default="1,2,3,4,5",
                        help="instance numbers that also get the plain-model baseline ('all' or 'none')")
    parser.add_argument("--baseline-cap", type=float, default=60.0, help="seconds per baseline solve")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance for our solver")
    args = parser.parse_args(argv)
    # shared_data is imported here, not at the top: tests load this file by its path, without
    # benchmarks/ on sys.path, to use its readers.
    from shared_data import require_shared
    folder = require_shared("benchmarks", "orlib-pmedcap")
    with open(folder / "optima.csv", newline="") as f:
        known = {row["instance"]: int(row["optimum"]) for row in csv.DictReader(f)}
    numbers = [int(k) for k in args.only.split(",")] if args.only else list(range(1, 21))
    if args.baseline_instances == "all":
        baseline = set(numbers)
    elif args.baseline_instances == "none":
        baseline = set()
    else:
        baseline = {int(k) for k in args.baseline_instances.split(",")}
    print(f"{'instance':12} {'n':>4} {'p':>3} {'ours':>6} {'optimum':>7} {'match':>5} {'gap':>7} "
          f"{'ours_s':>7} {'plain_s':>8} {'ratio':>6}  method")
    total, matches, base_total = 0.0, 0, 0.0
    for k in numbers:
        name = f"pmedcap1_{k:02d}"
        cost, p, demand, capacity = read_pmedcap(folder / f"{name}.txt")
        result = solve_capacitated_pmedian(cost, p, demand, capacity, time_limit=args.time_limit)
        load = np.bincount(result.assignment, weights=demand, minlength=cost.shape[1])
        feasible = load.max() <= capacity + 1e-9 and result.open.size <= p
        ok = round(result.objective) == known[name] and result.status == "optimal" and feasible
        matches += ok
        total += result.seconds
        base, ratio = "", ""
        if k in baseline:
            obj, bound, seconds = plain_model(cost, p, demand, capacity, args.baseline_cap)
            base_total += seconds
            done = np.isfinite(obj) and obj - bound < 1 - 1e-6
            base = f"{seconds:.1f}" if done else f">{args.baseline_cap:.0f}"
            ratio = ("" if done else ">") + f"{seconds / max(result.seconds, 1e-9):.1f}"
        print(f"{name:12} {cost.shape[0]:>4} {p:>3} {result.objective:>6.0f} {known[name]:>7} "
              f"{'yes' if ok else 'NO':>5} {result.gap:>7.1e} {result.seconds:>7.2f} {base:>8} {ratio:>6}  "
              f"{result.formulation}", flush=True)
    print(f"total: {matches}/{len(numbers)} proven optimal and equal to the known optimum; ours {total:.1f} s; "
          f"plain baseline {base_total:.1f} s on {len(baseline & set(numbers))} instances")
    return 0 if matches == len(numbers) else 1


if __name__ == "__main__":
    raise SystemExit(main())
