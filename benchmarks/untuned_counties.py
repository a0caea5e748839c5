"""Counties from seeds no one tuned on: every reported number checked, and the time of the proof.

For each seed, a generated county (:func:`jurisdiction.synthetic.county.generate_county`) is
districted with balance and exact contiguity, with a rotating model and option set. Each returned
plan is checked here with code of its own, not the engine's accounting:

* the objective is recomputed from the plan (p-median: sum of population x minutes; p-center:
  the longest minutes; max-covering: the population within the limit);
* for a minimisation the bound is not above it (for max-covering, not below);
* every district is connected and within its balance tolerance.

The baseline in the same run is the compact shortest-path contiguity form on the same instance:
the table prints both times and the ratio (cuts / shortest-path), and the objectives of both
(the shortest-path form is stricter, so its optimum is never below the exact one).

Usage: ``python benchmarks/untuned_counties.py [--seeds 9001-9012] [--villages 150] [--time-limit 60]``
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from generated_county import county_instance
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.optimise import Options, solve

#: Model variants, taken in turn by the seeds: (model, centres, balance, limit minutes).
VARIANTS = (
    ("p-median", 6, 0.20, None),
    ("p-median", 8, 0.10, None),
    ("p-center", 6, 0.25, None),
    ("max-covering", 5, 0.30, 12.0),
)


def recomputed(model: str, inst, plan: np.ndarray, limit: float | None) -> float:
    """The primary objective of ``plan`` (station index per village), from the instance alone."""
    minutes = inst.times[np.arange(plan.size), plan]
    if model == "p-center":
        return float(minutes.max())
    if model == "max-covering":
        return float(inst.weights[minutes <= limit + 1e-9].sum())
    return float((inst.weights * minutes).sum())


def plan_holds(inst, plan: np.ndarray, k: int, balance: float) -> bool:
    """Every district connected through shared borders and within its load tolerance."""
    adjacency = inst.adjacency.tocsr()
    centres = np.unique(plan)
    load = np.bincount(plan, weights=inst.weights)[centres]
    mean = inst.weights.sum() / k
    balanced = bool(((load >= (1 - balance) * mean - 1e-6) & (load <= (1 + balance) * mean + 1e-6)).all())
    connected = all(connected_components(adjacency[idx][:, idx], directed=False)[0] == 1
                    for idx in (np.flatnonzero(plan == c) for c in centres))
    return balanced and connected and centres.size == k


def run(inst, variant, form: str, time_limit: float):
    model, k, balance, limit = variant
    t0 = time.perf_counter()
    try:
        sol = solve(inst, Options(model=model, centres=k, balance=balance, limit=limit, contiguity=form,
                                  time_limit=time_limit, gap=1e-6))
    except (InfeasibleError, NoSolutionError) as error:
        return type(error).__name__, time.perf_counter() - t0, None
    return sol, time.perf_counter() - t0, sol.assignment


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="9001-9012", help="first-last (inclusive); never used for tuning")
    ap.add_argument("--villages", type=int, default=150)
    ap.add_argument("--stations", type=int, default=16)
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    args = ap.parse_args(argv)
    first, last = (int(x) for x in args.seeds.split("-"))
    print(f"{'seed':>5} {'model':12} {'k':>2} {'bal':>4} {'status':9} {'objective':>12} {'recomputed':>12} "
          f"{'bound ok':>8} {'plan ok':>7} {'cuts s':>7} {'sp s':>7} {'ratio':>6} {'sp objective':>12}")
    true_numbers = solved = 0
    for seed in range(first, last + 1):
        inst, _ = county_instance(seed, args.villages, args.stations)
        variant = VARIANTS[seed % len(VARIANTS)]
        model, k, balance, limit = variant
        sol, seconds, plan = run(inst, variant, "cuts", args.time_limit)
        base, base_seconds, base_plan = run(inst, variant, "shortest-path", args.time_limit)
        base_obj = f"{base.objective:12.1f}" if base_plan is not None else f"{base:>12}"
        if plan is None:
            print(f"{seed:>5} {model:12} {k:>2} {balance:>4} {sol:9} {'':>12} {'':>12} {'':>8} {'':>7} "
                  f"{seconds:7.1f} {base_seconds:7.1f} {seconds / base_seconds:6.2f} {base_obj}")
            continue
        solved += 1
        value = recomputed(model, inst, plan, limit)
        same = math.isclose(sol.objective, value, rel_tol=1e-9, abs_tol=1e-6)
        maximise = model == "max-covering"
        bound_ok = (math.isnan(sol.bound) or (sol.bound >= value - 1e-6 if maximise else sol.bound <= value + 1e-6))
        holds = plan_holds(inst, plan, k, balance)
        true_numbers += same and bound_ok and holds
        print(f"{seed:>5} {model:12} {k:>2} {balance:>4} {sol.status:9} {sol.objective:12.1f} {value:12.1f} "
              f"{str(bound_ok):>8} {str(holds):>7} {seconds:7.1f} {base_seconds:7.1f} "
              f"{seconds / base_seconds:6.2f} {base_obj}")
    print(f"\n{true_numbers} of {solved} plans: objective == recomputed cost, bound on the right side, "
          f"districts connected and balanced")
    return 0 if true_numbers == solved else 1


if __name__ == "__main__":
    raise SystemExit(main())
