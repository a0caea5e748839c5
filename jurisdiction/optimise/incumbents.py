"""Plans found before (or instead of) the main MIP: starting plans, bounds and small exact searches.

* :func:`balanced_plan`: a balanced p-median plan from the assign/recentre/swap heuristic, the
  MIP's warm start;
* :func:`relaxed_without_contiguity`: the same problem without contiguity, whose bound holds with
  contiguity and whose optimum, when connected, is the optimum with contiguity;
* :func:`contiguous_incumbent`: the heuristic with connected districts (separator cut rounds);
* :func:`by_centre_sets_plan`: the exact contiguous optimum by enumerating centre sets, when few;
* :func:`shortest_path_incumbent`: the compact shortest-path form, a connected plan.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise.balanced import balanced_start, by_centre_sets
from jurisdiction.optimise.contiguity import prune_pairs, roots_of
from jurisdiction.optimise.infeasibility import balance_bounds, describe_combination
from jurisdiction.optimise.instance import Instance, Options, Prepared, Solution
from jurisdiction.optimise.model import Built, pair_mask

#: Share of the time limit given to the balanced-plan heuristic before the MIP.
HEURISTIC_SHARE = 0.3
#: Its budget in seconds when there is no time limit.
HEURISTIC_SECONDS = 30.0


def balanced_plan(built: Built, p: Prepared, options: Options, deadline: float | None) -> np.ndarray | None:
    """A balanced starting plan from :func:`balanced_start` for a p-median with balance, else None."""
    kr = p.k_range
    if (options.model != "p-median" or options.balance is None or kr is None or kr[0] != kr[1]
            or p.capacity is not None or options.bundle_sizes is not None or options.contiguity is not None
            or options.disruption != 0 or options.warm_start is not None):
        return None
    n, m = p.times.shape
    cost = np.full((n, m), np.inf)
    cost[built.pair_v, built.pair_c] = p.cost[built.pair_v, built.pair_c]
    lo, hi = balance_bounds(float(p.balance_weights.sum()), kr, options.balance)
    budget = HEURISTIC_SECONDS if deadline is None else HEURISTIC_SHARE * max(deadline - time.perf_counter(), 0.0)
    plan, _ = balanced_start(cost, p.balance_weights, kr[0], lo, hi, built.roots, p.allowed & np.isin(np.arange(m), list(built.y)),
                             p.fixed, budget)
    return plan


def relaxed_without_contiguity(instance: Instance, options: Options, deadline: float | None) -> Solution | None:
    """The balanced p-median without contiguity (a third of the time left), or None.

    Its bound is a bound with contiguity too, and when its optimal plan is connected it is
    the optimum with contiguity.
    """
    if options.balance is None or options.bundle_sizes is not None:
        return None
    budget = None if deadline is None else max((deadline - time.perf_counter()) / 3, 0.5)
    from jurisdiction.optimise.engine import solve  # solve() calls this module: import at call time

    try:
        return solve(instance, replace(options, contiguity=None, time_limit=budget))
    except InfeasibleError:
        return None


def contiguous_incumbent(p: Prepared, options: Options, deadline: float | None,
                          relaxed: Solution | None) -> Solution | None:
    """A connected balanced plan from :func:`balanced_start` with contiguity (a third of the time left)."""
    kr = p.k_range
    if (options.balance is None or kr is None or kr[0] != kr[1] or p.capacity is not None
            or options.bundle_sizes is not None or options.disruption != 0):
        return None
    t0 = time.perf_counter()
    n, m = p.times.shape
    mask = pair_mask(p, options)
    roots = roots_of(p, mask, True)
    lo, hi = balance_bounds(float(p.balance_weights.sum()), kr, options.balance)
    upper = np.full(m, hi)
    mask = prune_pairs(p, mask, roots, upper)
    cost = np.where(mask, p.cost, np.inf)
    budget = HEURISTIC_SECONDS if deadline is None else max((deadline - t0) / 3, 0.5)
    starts = [np.asarray(relaxed.centres)] if relaxed is not None else []
    plan, value = balanced_start(cost, p.balance_weights, kr[0], lo, hi, roots, p.allowed, p.fixed, budget,
                                 extra_starts=starts, adjacency=p.adjacency)
    if plan is None:
        return None
    centres = np.unique(plan)
    bundle = np.full(m, -1, dtype=np.int64)
    own = p.station_village >= 0
    bundle[own] = plan[p.station_village[own]]
    bundle[centres] = centres
    return Solution(centres=centres, assignment=plan, bundle=bundle, status="feasible", objective=float(value),
                    bound=math.nan, gap=math.inf, seconds=time.perf_counter() - t0, solver=options.solver,
                    formulation="balanced heuristic with contiguity", n_variables=0, n_constraints=0, rounds=0)


def by_centre_sets_plan(p: Prepared, options: Options, deadline: float | None,
                    incumbent: Solution | None) -> Solution | None:
    """The connected optimum by enumerating centre sets (few stations and centres), else None."""
    kr = p.k_range
    if (options.balance is None or kr is None or kr[0] != kr[1] or p.capacity is not None
            or options.bundle_sizes is not None or options.disruption != 0):
        return None
    t0 = time.perf_counter()
    m = p.times.shape[1]
    mask = pair_mask(p, options)
    roots = roots_of(p, mask, True)
    lo, hi = balance_bounds(float(p.balance_weights.sum()), kr, options.balance)
    mask = prune_pairs(p, mask, roots, np.full(m, hi))
    cost = np.where(mask, p.cost, np.inf)
    budget = HEURISTIC_SECONDS if deadline is None else max((deadline - t0) * 2 / 3, 0.5)
    best = incumbent.objective if incumbent is not None else math.inf
    out = by_centre_sets(cost, p.balance_weights, kr[0], lo, hi, roots, p.allowed, p.fixed, budget, best,
                         options.gap, adjacency=p.adjacency)
    if out is None:
        return None
    plan, value, proven = out
    if plan is None:
        if incumbent is None:
            if proven:
                raise InfeasibleError([describe_combination(p, options)])
            return None
        return replace(incumbent, status="optimal", bound=incumbent.objective, gap=0.0,
                       formulation=f"{incumbent.formulation}, proven by enumerating centre sets") if proven else None
    centres = np.unique(plan)
    bundle = np.full(m, -1, dtype=np.int64)
    own = p.station_village >= 0
    bundle[own] = plan[p.station_village[own]]
    bundle[centres] = centres
    return Solution(centres=centres, assignment=plan, bundle=bundle, status="optimal" if proven else "feasible",
                    objective=float(value), bound=float(value) if proven else math.nan, gap=0.0 if proven else math.inf,
                    seconds=time.perf_counter() - t0, solver=options.solver,
                    formulation="balanced contiguous plan by enumerating centre sets", n_variables=0, n_constraints=0)


def shortest_path_incumbent(instance: Instance, options: Options, deadline: float | None) -> Solution | None:
    """A connected plan from the compact shortest-path form (half the time left), or None."""
    budget = None if deadline is None else max((deadline - time.perf_counter()) / 2, 0.5)
    from jurisdiction.optimise.engine import solve  # solve() calls this module: import at call time

    try:
        return solve(instance, replace(options, contiguity="shortest-path", time_limit=budget))
    except InfeasibleError:
        return None
