"""Solving a built model once, or in rounds of contiguity cuts until every district is connected.

HiGHS has no lazy-constraint callback, so the exact contiguity form solves, looks at the plan,
adds the separator cuts it breaks (:func:`jurisdiction.optimise.mip.contiguity.cut_rows`) and solves
again. Four things keep the rounds few and short:

* rounds that only look for violated cuts stop at a loose gap (any plan yields cuts);
* with a connected incumbent, only plans better than it by more than the gap are sought
  (``primary <= incumbent - step``, and HiGHS's objective bound), so a round that ends
  infeasible proves the incumbent optimal;
* each disconnected plan of a round (and the other plans HiGHS saved on the way) is *repaired*:
  made connected and balanced by moving border villages (no solver), then its centres get the
  best connected assignment below that, which often beats the incumbent. On the US
  county instances the optimum without contiguity has the contiguous optimum's centres (LA)
  or most of them (AL, 4 of 7), so the repair finds the optimum within a round or two;
* before the first round, centres and pairs of centres that no plan below the incumbent
  opens are closed and forbidden (:func:`close_centres`, by LP probing): on AL the proof
  round then takes about 25 s instead of 36-40 s.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pulp

import jurisdiction.optimise.progress as progress
from jurisdiction.optimise.accounting import RESOLUTION
from jurisdiction.optimise.balanced.probing import probe_centres
from jurisdiction.optimise.balanced.problem import PairModel
from jurisdiction.optimise.balanced.starts import Repair, plan_solution
from jurisdiction.optimise.infeasibility import balance_bounds
from jurisdiction.optimise.instance import Options, Prepared, Solution
from jurisdiction.optimise.mip.contiguity import cut_rows, pool_rows
from jurisdiction.optimise.mip.model import Built, expression
from jurisdiction.optimise.mip.solver import Run, run
from jurisdiction.optimise.work import Work

#: Most contiguity cut rounds before giving up.
MAX_ROUNDS = 500
#: Relative gap of the cut rounds that only look for violated cuts.
LOOSE_GAP = 0.05
#: HiGHS mip_pscost_minreliable for balanced p-medians (HiGHS default 8).
BALANCED_MINRELIABLE = 0
#: Distinct centre sets repaired per round (the round's plan first, then HiGHS's saved plans).
REPAIRS_PER_ROUND = 3
#: Share of the solve's work left given to probing centres against an incumbent (see probing.py).
PROBE_SHARE = 0.15
#: Probing budget (seconds' worth of work) when there is no time limit.
PROBE_SECONDS = 10.0


def _highs_options(options: Options, cutoff: float | None = None) -> dict:
    """HiGHS options for the model: balanced p-medians branch without waiting for reliable pseudocosts.

    With a tight balance the LP bound is weak and HiGHS spends most of its time on strong
    branching; ``mip_pscost_minreliable=0`` trusts pseudocosts at once (SC, ±0.5 %: proven in
    ~40 s instead of > 60 s with the optimum known). ``cutoff`` (an incumbent's value) becomes
    HiGHS's objective bound, so that it prunes and fixes by reduced cost against it.
    """
    out = {}
    if options.model == "p-median" and options.balance is not None and options.bundle_sizes is None:
        out["mip_pscost_minreliable"] = int(BALANCED_MINRELIABLE)
    if cutoff is not None and options.model == "p-median":
        out["objective_bound"] = float(cutoff)
    return out


def _remaining(deadline: float | None) -> float | None:
    """Seconds left before ``deadline`` (at least 0.5), or None without one."""
    if deadline is None:
        return None
    return max(deadline - time.perf_counter(), 0.5)


def assignment_of(built: Built, n: int) -> np.ndarray:
    """(n,) station index of each village in the model's current solution (-1: none)."""
    values = np.array([built.variables[i].varValue or 0.0 for i in built.pair_var.tolist()])
    out = np.full(n, -1, dtype=np.int64)
    best = np.full(n, 0.5)
    for q in np.flatnonzero(values > 0.5).tolist():
        v = built.pair_v[q]
        if values[q] > best[v]:
            best[v] = values[q]
            out[v] = built.pair_c[q]
    return out


def _saved_assignments(built: Built, n: int, solver: str) -> list[np.ndarray]:
    """Assignments of the other integer solutions HiGHS found on the way (best last)."""
    if solver != "highs":
        return []
    try:
        saved = built.prob.solverModel.getSavedMipSolutions()
    except AttributeError:
        return []
    cols = np.array([built.variables[i].index for i in built.pair_var.tolist()], dtype=np.int64)
    out = []
    for sol in saved[-20:]:
        values = np.asarray(sol.col_value)[cols]
        a = np.full(n, -1, dtype=np.int64)
        on = np.flatnonzero(values > 0.5)
        a[built.pair_v[on]] = built.pair_c[on]
        if (a >= 0).all():
            out.append(a)
    return out


def broken_cuts(built: Built, p: Prepared, plan: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Separator cuts ``plan`` (station index per village) breaks, as :func:`cut_rows` gives them."""
    return cut_rows(p.adjacency, plan, built.roots, np.array(sorted(built.y)), built.lookup,
                    p.balance_weights, built.load_upper)


def add_cuts(built: Built, p: Prepared, plans: list[np.ndarray], rows: list | None = None,
             seen: set | None = None) -> int:
    """Add the separator cuts that ``plans`` (station index per village) break, once each.

    ``rows`` (found already) are added too; ``seen`` holds the rows added before (updated).

    Returns
    -------
    int
        Rows added.
    """
    rows = list(rows or [])
    for plan in plans:
        rows += broken_cuts(built, p, plan)
    seen = set() if seen is None else seen
    rows = [r for r in rows if not ((key := (r[0], tuple(r[1].tolist()))) in seen or seen.add(key))]
    for q, seps in rows:
        ids = np.concatenate([[built.pair_var[q]], built.pair_var[seps]])
        coefs = np.concatenate([[1.0], -np.ones(len(seps))])
        built.prob.addConstraint(pulp.LpConstraint(expression(built.variables, ids, coefs), pulp.LpConstraintLE, rhs=0))
    return len(rows)


def _best(*bounds: float) -> float:
    """The highest finite bound (NaN when none is finite)."""
    finite = [b for b in bounds if math.isfinite(b)]
    return max(finite) if finite else math.nan


def step(options: Options, value: float) -> float:
    """Least improvement on ``value`` worth seeking: the requested gap, at least :data:`RESOLUTION`."""
    return max(options.gap, RESOLUTION) * max(1.0, abs(value))


def _repair_all(plans: list[np.ndarray], repair: Repair | None, incumbent: Solution | None,
                options: Options, tried: set) -> Solution | None:
    """The best connected plan on the centres of ``plans`` that beats ``incumbent``, or None."""
    if repair is None:
        return None
    best = None
    done = 0
    for plan in plans:
        centres = np.unique(plan)
        key = tuple(centres.tolist())
        if key in tried:
            continue
        tried.add(key)
        current = best if best is not None else incumbent
        cutoff = current.objective - step(options, current.objective) if current is not None else math.inf
        found = repair(centres, cutoff, plan=plan)
        if found is not None and found.objective < cutoff:
            best = found
        done += 1
        if done >= REPAIRS_PER_ROUND:
            break
    return best


def close_centres(built: Built, p: Prepared, options: Options, work: Work, cutoff: float) -> None:
    """Close the centres, and forbid the pairs of centres, that no plan of cost at most ``cutoff`` opens.

    Only for a p-median with a centre count and a load bound (balance or capacities) and no
    bundles: there the LP bounds of :func:`probing.probe_centres` are strong. The rows hold for
    every plan the rounds seek (those below the incumbent), also after a better one is found.
    """
    kr = p.k_range
    if (options.model != "p-median" or kr is None or options.bundle_sizes is not None
            or (options.balance is None and p.capacity is None)):
        return
    m = p.times.shape[1]
    lo, hi = np.zeros(m), np.full(m, np.inf)
    if options.balance is not None:
        lo[:], hi[:] = balance_bounds(float(p.balance_weights.sum()), kr, options.balance)
    if p.capacity is not None:
        hi = np.minimum(hi, p.capacity)
    model = PairModel(built.pair_v, built.pair_c, p.cost[built.pair_v, built.pair_c], p.balance_weights, kr, lo, hi,
                      built.roots, np.array(sorted(built.y)), p.fixed, p.times)
    probed = probe_centres(model, cutoff, work.share(PROBE_SHARE, PROBE_SECONDS), workers=options.workers)
    for c in probed.closed.tolist():
        built.y[c].upBound = 0
    for a, b in probed.conflicts:
        built.prob.addConstraint(built.y[a] + built.y[b] <= 1)


def solve_stage(built: Built, p: Prepared, options: Options, work: Work, warm: bool,  # noqa: PLR0913
                incumbent: Solution | None = None, repair: Repair | None = None,
                found_cuts: list | None = None, report: bool = True) -> tuple[Run, int, Solution | None]:
    """Solve once, or (contiguity "cuts") in rounds until every district is connected.

    Parameters
    ----------
    built : Built
        The model; cuts and incumbent bounds are added to it in place.
    work : Work
        The solve's work budget (probing takes a share) and its deadline, at which the rounds stop.
    incumbent : Solution, optional
        A connected plan (p-median only): only plans better by more than the gap are sought.
    repair : callable, optional
        Connected plan on given centres below a cutoff (see :data:`Repair`); only for plans
        that the assignment alone describes (no bundles, no disruption). With it, a connected
        plan found at the loose gap also becomes the incumbent.
    found_cuts : list, optional
        Separator cuts found outside the model by the heuristics, as (village, station,
        separator villages); the first round starts with them.
    report : bool
        Tell the solve's progress reporter the rounds' plans and bounds (false for the second,
        lexicographic stage, whose objective is another quantity).

    Returns
    -------
    run, rounds, incumbent
        The last solver run, the number of rounds, and the best connected plan found outside
        the model (the given incumbent or a repaired plan). When ``run.status`` is
        "infeasible" and the incumbent is not None, the incumbent is optimal within the gap;
        when it is "optimal" or "feasible", the model holds a connected plan better than it.
    """
    rounds = 0
    n = p.times.shape[0]
    cuts = options.contiguity == "cuts"
    loose = max(options.gap, LOOSE_GAP) if cuts else options.gap
    proving = loose == options.gap
    median = options.model == "p-median"
    tried: set = set()
    added: set = set()
    if cuts and found_cuts:
        add_cuts(built, p, [], pool_rows(built.lookup, found_cuts), added)

    def bound_by(value: float) -> None:
        built.prob.addConstraint(built.primary <= value - step(options, value))

    if incumbent is not None and median:
        bound_by(incumbent.objective)
        close_centres(built, p, options, work, incumbent.objective - step(options, incumbent.objective))
    # Best bound of the rounds: each round's model relaxes the problem, except that it seeks
    # only plans below its cutoff, so it bounds the optimum by min(its bound, cutoff - step).
    best_bound = -math.inf
    while True:
        rounds += 1
        cutoff = incumbent.objective if incumbent is not None and median else None
        if report:
            progress.stage(f"cut round {rounds}" if cuts else "solving the model",
                           solver_plans=not cuts, solver_bound=True)
        result = run(built.prob, options.solver, time_limit=_remaining(work.deadline),
                     gap=options.gap if proving else loose, threads=options.threads, warm_start=warm and rounds == 1,
                     msg=options.log, highs_options=_highs_options(options, cutoff))
        if cuts and median and math.isfinite(result.bound):
            best_bound = max(best_bound,
                             result.bound if cutoff is None else min(result.bound, cutoff - step(options, cutoff)))
            if report:
                progress.bound_found(best_bound)
        if not cuts or result.status not in ("optimal", "feasible"):
            if result.status == "no-solution":
                result = replace(result, bound=_best(result.bound, best_bound))
            return result, rounds, incumbent
        assignment = assignment_of(built, n)
        rows = broken_cuts(built, p, assignment)
        if not rows:
            if proving or result.gap <= options.gap:
                return result, rounds, incumbent
            if repair is not None:
                # A connected plan: it becomes the incumbent, and the next round proves or beats it.
                incumbent = plan_solution(p, assignment, result.objective, built.formulation + ", cut round")
                bound_by(incumbent.objective)
                progress.plan_found(incumbent.objective)
            proving = True
            continue
        proving = loose == options.gap
        if rounds >= MAX_ROUNDS or work.late():
            return (Run("no-solution", math.nan, _best(result.bound, best_bound), math.inf, result.seconds),
                    rounds, incumbent)
        others = _saved_assignments(built, n, options.solver)
        repaired = _repair_all([assignment] + others[::-1], repair, incumbent, options, tried)
        if repaired is not None:
            incumbent = repaired
            bound_by(incumbent.objective)
            progress.plan_found(incumbent.objective)
        add_cuts(built, p, others, rows, added)
