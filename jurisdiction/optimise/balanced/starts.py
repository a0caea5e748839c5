"""Plans found before (or instead of) the main MIP: starting plans, bounds and small exact searches.

* :func:`balanced_plan`: a balanced p-median plan from the assign/recentre/swap heuristic, the
  MIP's warm start;
* :func:`contiguous_incumbent`: a connected plan: at once by moving border villages
  (:func:`boundary.settle`), then on the centres of the balanced plan without contiguity, or the
  heuristic with connected districts;
* :func:`connected_repair`: the best connected plan on given centres (for the cut rounds);
* :func:`by_centre_sets_plan`: the exact contiguous optimum by enumerating centre sets, when few.

(The compact shortest-path form, a connected plan, is a solve of its own: see
:func:`jurisdiction.optimise.engine.shortest_path_incumbent`.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

import jurisdiction.optimise.progress as progress
from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise.balanced.boundary import nearest, settle
from jurisdiction.optimise.balanced.centre_sets import by_centre_sets
from jurisdiction.optimise.balanced.heuristics import balanced_start, greedy_centres, improve
from jurisdiction.optimise.balanced.problem import Districting
from jurisdiction.optimise.infeasibility import balance_bounds, describe_combination
from jurisdiction.optimise.instance import Options, Prepared, Solution
from jurisdiction.optimise.mip.bundling import bundle_by_villages
from jurisdiction.optimise.mip.contiguity import prune_pairs, roots_of
from jurisdiction.optimise.mip.model import Built, pair_mask
from jurisdiction.optimise.work import Work, iterations

#: Share of the solve's work left given to the balanced-plan heuristic before the MIP.
HEURISTIC_SHARE = 0.3
#: Its budget (seconds' worth of work, see :mod:`jurisdiction.optimise.work`) without a time limit.
HEURISTIC_SECONDS = 30.0
#: Most work one repair (connected assignment to given centres) may do (seconds' worth).
REPAIR_SECONDS = 10.0

#: Greedy centre sets tried for the first connected plan (each settled by :func:`boundary.settle`).
QUICK_STARTS = 6

#: ``repair(centres, cutoff, plan=None)``: a connected plan on those centres below ``cutoff``, or None
#: (``plan``, on those centres, is a start for the moves of border villages, :func:`boundary.settle`).
Repair = Callable[..., "Solution | None"]


def balanced_plan(built: Built, p: Prepared, options: Options, work: Work) -> np.ndarray | None:
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
    problem = Districting(cost, p.balance_weights, kr[0], lo, hi, built.roots,
                          p.allowed & np.isin(np.arange(m), list(built.y)), p.fixed)
    plan, _ = balanced_start(problem, work.share(HEURISTIC_SHARE, HEURISTIC_SECONDS), workers=options.workers)
    return plan


def plan_solution(p: Prepared, plan: np.ndarray, value: float, formulation: str, seconds: float = 0.0,
                  proven: bool = False) -> Solution:
    """A :class:`Solution` for ``plan`` (station index per village), each station bundled where its village goes."""
    centres = np.unique(plan)
    return Solution(centres=centres, assignment=plan, bundle=bundle_by_villages(p.station_village, plan, centres),
                    status="optimal" if proven else "feasible",
                    objective=float(value), bound=float(value) if proven else math.nan, gap=0.0 if proven else math.inf,
                    seconds=seconds, solver="highs", formulation=formulation, n_variables=0, n_constraints=0, rounds=0)


def _connected_setting(p: Prepared, options: Options) -> Districting | None:
    """The balanced connected problem (pairs no connected district can hold removed), or None."""
    kr = p.k_range
    if (options.balance is None or kr is None or kr[0] != kr[1] or p.capacity is not None
            or options.bundle_sizes is not None or options.disruption != 0):
        return None
    m = p.times.shape[1]
    mask = pair_mask(p, options)
    roots = roots_of(p, mask, True)
    lo, hi = balance_bounds(float(p.balance_weights.sum()), kr, options.balance)
    mask = prune_pairs(p, mask, roots, np.full(m, hi))
    return Districting(np.where(mask, p.cost, np.inf), p.balance_weights, kr[0], lo, hi, roots, p.allowed, p.fixed,
                       p.adjacency)


def contiguous_incumbent(p: Prepared, options: Options, work: Work, share: float,
                         repair: Repair, cuts: list | None = None) -> tuple[Solution | None, np.ndarray | None]:
    """A connected balanced plan, from the balanced plan without contiguity (``share`` of the work left).

    First, without a solver, the best of :data:`QUICK_STARTS` greedy centre sets settled by
    moving border villages (:func:`boundary.settle`): the solve's first connected plan, told to
    the progress reporter, and the cutoff of what follows. Then :func:`balanced_start` finds the
    balanced plan without contiguity fast (on the US county instances, the optimum of that
    problem); ``repair`` (from :func:`connected_repair`) gives the best connected plan on its
    centres, which is often the optimum with contiguity. When neither gives a connected plan,
    :func:`balanced_start` with contiguity starts from that plan.
    ``cuts`` collects the separator cuts found on the way (see :func:`balanced.assign`).

    Returns
    -------
    incumbent, free
        The connected plan (None when none was found) and the plan without
        contiguity (None when none was found), a start for the cut rounds.
    """
    problem = _connected_setting(p, options)
    if problem is None:
        return None, None
    t0 = time.perf_counter()
    # A first connected plan in a fraction of a second: greedy centres, every village to the
    # nearest, then border villages moved until every load is within bounds (the best of a few).
    quick = None
    for centres in greedy_centres(problem, np.random.default_rng(0), QUICK_STARTS):
        plan, value = settle(problem, nearest(problem, centres))
        if plan is not None and (quick is None or value < quick.objective):
            quick = plan_solution(p, plan, value, "greedy centres, border villages moved")
    if quick is not None:
        progress.plan_found(quick.objective)
    stage = work.share(share, HEURISTIC_SECONDS)
    unconnected = replace(problem, cost=np.where(pair_mask(p, options), p.cost, np.inf), adjacency=None)
    free, _ = balanced_start(unconnected, stage.share(0.5, HEURISTIC_SECONDS / 2), workers=options.workers)
    if free is None:
        return quick, None
    found = repair(np.unique(free), math.inf if quick is None else quick.objective, plan=free)
    if found is not None:
        return replace(found, seconds=time.perf_counter() - t0,
                       formulation=f"{found.formulation} (the balanced plan's centres)"), free
    if quick is not None:
        return replace(quick, seconds=time.perf_counter() - t0), free
    plan, value = balanced_start(problem, stage.part(), guide=free, cuts=cuts, workers=options.workers)
    if plan is None:
        return None, free
    return plan_solution(p, plan, value, "balanced heuristic with contiguity", time.perf_counter() - t0), free


def connected_repair(p: Prepared, options: Options, work: Work, cuts: list | None = None) -> Repair | None:
    """``repair(centres, cutoff, plan=None)``: the best connected plan on ``centres`` below ``cutoff``, or None.

    A ``plan`` on those centres (e.g. a cut round's, disconnected) is first made connected and
    balanced by moving border villages (:func:`boundary.settle`, no solver); then the best
    connected assignment to the centres, which are moved to their districts' best stations
    while that gains, is sought below that plan, each repair within :data:`REPAIR_SECONDS`
    worth of work (and ``work``'s deadline). None when not a balanced problem.

    ``cuts`` collects the separator cuts the repairs find (see :func:`balanced.assign`).
    """
    problem = _connected_setting(p, options)
    if problem is None:
        return None
    seen: dict = {}

    def repair(centres: np.ndarray, cutoff: float, plan: np.ndarray | None = None) -> Solution | None:
        t0 = time.perf_counter()
        moved, value = (None, math.inf) if plan is None else settle(problem, plan)
        quick = None
        if moved is not None and value < cutoff:
            quick = plan_solution(p, moved, value, "border villages moved")
            cutoff = value
        found, value = improve(problem, centres, Work(iterations(REPAIR_SECONDS), work.deadline, work),
                               cutoff=cutoff if math.isfinite(cutoff) else None, seen=seen, cuts=cuts)
        if found is None or value >= cutoff:
            return None if quick is None else replace(quick, seconds=time.perf_counter() - t0)
        return plan_solution(p, found, value, "connected assignment to given centres", time.perf_counter() - t0)

    return repair


def by_centre_sets_plan(p: Prepared, options: Options, work: Work,
                        incumbent: Solution | None) -> Solution | None:
    """The connected optimum by enumerating centre sets (few stations and centres), else None."""
    problem = _connected_setting(p, options)
    if problem is None:
        return None
    t0 = time.perf_counter()
    best = incumbent.objective if incumbent is not None else math.inf
    out = by_centre_sets(problem, work.share(2 / 3, HEURISTIC_SECONDS), best, options.gap)
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
    return plan_solution(p, plan, value, "balanced contiguous plan by enumerating centre sets",
                         time.perf_counter() - t0, proven)
