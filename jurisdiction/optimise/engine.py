"""solve(): pre-checks, model building, solver stages (cut rounds in cut_rounds.py), reading the plan.

Lexicographic objectives: p-center, max-covering and set-covering leave the assignment of
many villages free (any centre within the optimal radius, any centre beyond the covering
limit, ...). After the primary optimum is found, a second stage fixes the primary value
(p-center: longest time <= optimum; max-covering: covered weight >= optimum; set-covering:
number of centres <= optimum) and minimises the p-median cost ``sum w t x``, so every village
goes whole to a sensible centre. The Solution reports the primary objective, bound and gap.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pulp

import jurisdiction.optimise.progress as progress
from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.optimise.accounting import account
from jurisdiction.optimise.balanced.starts import (
    balanced_plan,
    by_centre_sets_plan,
    connected_repair,
    contiguous_incumbent,
)
from jurisdiction.optimise.cut_rounds import assignment_of, close_centres, solve_stage, step
from jurisdiction.optimise.infeasibility import describe_combination, explain_prepared
from jurisdiction.optimise.instance import Instance, Options, Prepared, Solution, prepare
from jurisdiction.optimise.mip.bundling import bundle_by_villages, bundle_of
from jurisdiction.optimise.mip.contiguity import is_connected
from jurisdiction.optimise.mip.model import Built, build
from jurisdiction.optimise.mip.solver import Run, relative_gap
from jurisdiction.optimise.pins import pin_conflicts, pins_cut_off, pins_kept
from jurisdiction.optimise.work import Work, iterations

#: Share of the time limit for the connected heuristic plan before the cut rounds.
INCUMBENT_SHARE = 0.4


def _set_start(built: Built, p: Prepared, options: Options, start: np.ndarray) -> None:
    """Give every variable the value it has in the plan ``start`` (station index per village)."""
    start = np.asarray(start, dtype=np.int64)
    for var in built.prob.variables():
        var.setInitialValue(0, check=False)
    chosen = built.pair_c == start[built.pair_v]
    for q in np.flatnonzero(chosen).tolist():
        built.variables[built.pair_var[q]].setInitialValue(1)
    for c in np.unique(start).tolist():
        if c in built.y:
            built.y[c].setInitialValue(1)
    for (s, c), var in built.z.items():
        mine = start[p.home == s]
        if mine.size:
            var.setInitialValue(1 if np.bincount(mine[mine >= 0], minlength=c + 1).argmax() == c else 0)
    if built.center_var is not None:
        ok = start >= 0
        built.center_var.setInitialValue(float(p.times[np.flatnonzero(ok), start[ok]].max()) if ok.any() else 0.0)


def _fail(p: Prepared, options: Options, result: Run) -> InfeasibleError | NoSolutionError:
    if result.status == "infeasible":
        return InfeasibleError([describe_combination(p, options)])
    if result.status == "unbounded":
        return InfeasibleError(["the model is unbounded (this is a bug in the model, please report it)"])
    what = "contiguous plan" if options.contiguity == "cuts" else "plan"
    limit = f"the time limit of {options.time_limit:g} s" if options.time_limit is not None else "the cut round limit"
    return NoSolutionError([f"the solver found no {what} within {limit} (not proven infeasible): "
                            f"allow more time, or relax: {describe_combination(p, options).split('; try ')[-1]}"])


def _plain_pmedian(p: Prepared, options: Options) -> bool:
    """True for a p-median with nothing but a count, a limit, fixed and excluded centres."""
    return (options.model == "p-median" and options.balance is None and p.capacity is None
            and options.contiguity is None and options.bundle_sizes is None and options.disruption == 0
            and options.warm_start is None and options.solver == "highs"
            and p.k_range is not None and p.k_range[0] == p.k_range[1])


def _solve_plain_pmedian(p: Prepared, options: Options, t0: float) -> Solution | None:
    """Solve with the specialised exact p-median solver; None when its plan breaks the root rule."""
    from jurisdiction.optimise.mip.model import pair_mask
    from jurisdiction.optimise.pmedian.exact import solve_pmedian

    mask = pair_mask(p, options)
    cost = np.where(mask, p.cost, np.inf)
    cand = np.flatnonzero(p.allowed)
    res = solve_pmedian(cost, p.k_range[0], candidates=cand, fixed=np.flatnonzero(p.fixed & p.allowed),
                        time_limit=options.time_limit, gap=options.gap)
    centres = np.asarray(res.open, dtype=np.int64)
    assignment = np.asarray(res.assignment, dtype=np.int64).copy()
    # An open centre keeps the village it stands in: move it there when that costs nothing.
    for c in centres.tolist():
        r = p.station_village[c]
        if r >= 0 and assignment[r] != c:
            if mask[r, c] and p.cost[r, c] <= p.cost[r, assignment[r]] + 1e-12:
                assignment[r] = c
            else:
                return None
    return Solution(centres=np.sort(centres), assignment=assignment,
                    bundle=bundle_by_villages(p.station_village, assignment, centres), status=res.status,
                    objective=float(res.objective), bound=float(res.bound), gap=float(res.gap),
                    seconds=time.perf_counter() - t0, solver=f"pmedian/{res.solver}",
                    formulation=f"p-median, K={p.k_range[0]} (specialised: {res.formulation})",
                    n_variables=int(res.n_variables), n_constraints=int(res.n_constraints))


def shortest_path_incumbent(instance: Instance, options: Options, work: Work) -> Solution | None:
    """A connected plan from the compact shortest-path form (half the work and time left), or None."""
    now = time.perf_counter()
    deadline = None if work.deadline is None else now + max((work.deadline - now) / 2, 0.5)
    left = work.left()
    part = Work(None if left is None else max(left // 2, 1), deadline, work)
    progress.stage("connected plan (shortest-path form)")
    try:
        with progress.restricted():  # a stricter model: its plans hold, its bounds do not
            found = _solve(instance, replace(options, contiguity="shortest-path"), part, now)
    except (InfeasibleError, NoSolutionError):
        return None
    progress.plan_found(found.objective)
    return found


def solve(instance: Instance, options: Options = Options()) -> Solution:
    """Choose centres and assign every village, whole, to one of them.

    Parameters
    ----------
    instance : Instance
        Travel times (minutes), weights and optional constraints data.
    options : Options
        Model, constraints and solver control.

    Returns
    -------
    Solution
        Centres, assignment, bundles and the solver's account (status "optimal" only when the
        gap is proven closed; "feasible" for an incumbent at the time limit, with its gap).

    Raises
    ------
    InfeasibleError
        With one reason per conflict found by :func:`explain_infeasibility`, or, when the
        solver proves infeasibility after those checks pass, the constraints combined and the
        relaxations to try.
    ScenarioError
        For bad shapes or option values.
    """
    t0 = time.perf_counter()
    # The stages' budgets are work (LP iterations) worth the time limit: the same on a busy
    # machine; the deadline is only the outer stop (see jurisdiction.optimise.work).
    work = Work(None if options.time_limit is None else iterations(options.time_limit),
                None if options.time_limit is None else t0 + options.time_limit)
    with progress.reporting(options.progress, maximise=options.model == "max-covering"):
        return _solve(instance, options, work, t0)


def _solve(instance: Instance, options: Options, work: Work, t0: float) -> Solution:
    """:func:`solve` within ``work`` (its budget and deadline), its plan accounted for."""
    p = prepare(instance, options)
    reasons = pin_conflicts(p, options) + explain_prepared(p, options)
    if reasons:
        raise InfeasibleError(reasons)
    solution = _search(instance, p, options, work, t0)
    broken = pins_kept(p, solution.assignment)
    if broken:
        raise AssertionError(f"internal error: a plan breaks its pins: {'; '.join(broken)}")
    apart = pins_cut_off(p, options, solution.assignment)
    if apart:
        raise InfeasibleError(apart)
    return account(solution, p, options)


def _search(instance: Instance, p: Prepared, options: Options, work: Work,  # noqa: C901, PLR0912
            t0: float) -> Solution:
    """The solver stages of :func:`solve`, whose numbers :func:`account` then checks."""
    deadline = work.deadline
    n, m = p.times.shape
    if _plain_pmedian(p, options):
        progress.stage("p-median search")
        sol = _solve_plain_pmedian(p, options, t0)
        if sol is not None:
            return sol
    incumbent = None
    repair = None
    start = options.warm_start
    # Separator cuts the heuristics find, for the cut rounds: valid there, as the heuristics
    # and the model prune pairs alike (pair_mask, then prune_pairs with the balance bound).
    found_cuts: list = []
    if options.contiguity == "cuts" and options.model == "p-median":
        repair = connected_repair(p, options, work, found_cuts)
        if repair is not None:
            progress.stage("connected plan (balanced heuristic)")
            incumbent, free = contiguous_incumbent(p, options, work, INCUMBENT_SHARE, repair, found_cuts)
            start = free if start is None else start
            if incumbent is not None:
                progress.plan_found(incumbent.objective)
        progress.stage("enumerating centre sets")
        exact = by_centre_sets_plan(p, options, work, incumbent)
        if exact is not None:
            if exact.status == "optimal":
                return replace(exact, seconds=time.perf_counter() - t0)
            incumbent = exact
        if incumbent is None and repair is None:
            # Without a repair (bundles, disruption, no balance) the cut rounds need a connected plan to beat.
            incumbent = shortest_path_incumbent(instance, options, work)
    elif options.contiguity == "cuts" and options.time_limit is not None:
        # The other models' cut rounds seek no plan below an incumbent, but when they run out of
        # time, the compact form's connected plan is still a plan (p-center with balance: the
        # rounds found none in 40 s where the compact form took 8 s, benchmarks/untuned_counties.py).
        incumbent = shortest_path_incumbent(instance, options, work)
    built = build(p, options)
    warm = start is not None
    if warm:
        _set_start(built, p, options, start)
    else:
        progress.stage("balanced start")
        plan = balanced_plan(built, p, options, work)
        if plan is not None:
            progress.plan_found(float(p.cost[np.arange(n), plan].sum()))
            _set_start(built, p, options, plan)
            warm = True
            # Every better plan costs at most the start's cost: probe centres against it.
            close_centres(built, p, options, work, float(p.cost[np.arange(n), plan].sum()))
    first, rounds, incumbent = solve_stage(built, p, options, work, warm, incumbent, repair, found_cuts)
    if incumbent is not None and first.status not in ("optimal", "feasible"):
        proved = first.status == "infeasible"
        # An infeasible round proves that no plan beats the incumbent by the step it sought.
        # The cut rounds relax the problem, so their bound holds for it; the compact form's does not.
        sought = incumbent.objective - step(options, incumbent.objective)
        bound = sought if proved else min(incumbent.objective, first.bound) if math.isfinite(first.bound) else math.nan
        return replace(incumbent, status="optimal" if proved else "feasible", bound=float(bound),
                       gap=float(relative_gap(incumbent.objective, bound)),
                       seconds=time.perf_counter() - t0,
                       formulation=f"{built.formulation} (plan: {incumbent.formulation})",
                       n_variables=len(built.prob.variables()), n_constraints=len(built.prob.constraints),
                       rounds=rounds + incumbent.rounds)
    if first.status not in ("optimal", "feasible"):
        raise _fail(p, options, first)
    assignment = assignment_of(built, n)
    bundle_values = bundle_of(built.z, m) if built.z else None
    y_values = {c: (var.varValue or 0) > 0.5 for c, var in built.y.items()}

    if options.model != "p-median" and (deadline is None or time.perf_counter() < deadline):
        value = first.objective
        if options.model == "p-center":
            built.prob.addConstraint(built.center_var <= value + 1e-6 * max(1.0, abs(value)))
        elif options.model == "max-covering":
            built.prob.addConstraint(built.primary >= value - 1e-6 * max(1.0, abs(value)))
        else:
            built.prob.addConstraint(built.primary <= round(value) + 1e-6)
        built.prob.sense = pulp.LpMinimize
        built.prob.setObjective(built.secondary)
        progress.stage("second stage (travel time among equal plans)")
        _set_start(built, p, options, assignment)
        if built.z:
            for (s, c), var in built.z.items():
                var.setInitialValue(1 if bundle_values[s] == c else 0)
        second, more, _ = solve_stage(built, p, options, work, True, report=False)
        rounds += more
        if second.status in ("optimal", "feasible"):
            assignment = assignment_of(built, n)
            bundle_values = bundle_of(built.z, m) if built.z else None
            y_values = {c: (var.varValue or 0) > 0.5 for c, var in built.y.items()}

    centres = np.array(sorted(c for c, on in y_values.items() if on), dtype=np.int64)
    bundle = bundle_values if bundle_values is not None else bundle_by_villages(p.station_village, assignment, centres)
    if options.contiguity is not None and not is_connected(p.adjacency, assignment):
        raise AssertionError("internal error: a district is disconnected despite contiguity constraints")
    return Solution(
        centres=centres, assignment=assignment, bundle=bundle, status=first.status,
        objective=float(first.objective), bound=float(first.bound), gap=float(first.gap),
        seconds=time.perf_counter() - t0, solver=options.solver, formulation=built.formulation,
        n_variables=len(built.prob.variables()), n_constraints=len(built.prob.constraints), rounds=rounds,
    )
