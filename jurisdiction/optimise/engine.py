"""solve(): pre-checks, model building, solver stages, contiguity cut rounds, reading the plan.

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

from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.optimise.bundling import bundle_of
from jurisdiction.optimise.contiguity import cut_rows, is_connected
from jurisdiction.optimise.incumbents import (balanced_plan, by_centre_sets_plan, contiguous_incumbent,
                                              relaxed_without_contiguity, shortest_path_incumbent)
from jurisdiction.optimise.infeasibility import describe_combination, explain_prepared
from jurisdiction.optimise.instance import Instance, Options, Prepared, Solution, prepare
from jurisdiction.optimise.model import Built, build, expression
from jurisdiction.optimise.solver import Run, relative_gap, run

#: Most contiguity cut rounds before giving up.
MAX_ROUNDS = 500
#: Relative gap of the cut rounds that only look for violated cuts.
LOOSE_GAP = 0.05
#: Give HiGHS the connected incumbent's value as its objective bound in the cut rounds.
USE_CUTOFF = True
#: HiGHS mip_pscost_minreliable for balanced p-medians (HiGHS default 8).
BALANCED_MINRELIABLE = 0


def _highs_options(options: Options, cutoff: float | None = None) -> dict:
    """HiGHS options for the model: balanced p-medians branch without waiting for reliable pseudocosts.

    With a tight balance the LP bound is weak and HiGHS spends most of its time on strong
    branching; ``mip_pscost_minreliable=0`` trusts pseudocosts at once (SC, ±0.5 %: proven in
    ~40 s instead of > 60 s with the optimum known).
    """
    out = {}
    if options.model == "p-median" and options.balance is not None and options.bundle_sizes is None:
        out["mip_pscost_minreliable"] = int(BALANCED_MINRELIABLE)
    if cutoff is not None and options.model == "p-median":
        # Also as HiGHS's objective bound, so that it prunes and fixes by reduced cost against it.
        out["objective_bound"] = float(cutoff)
    return out


def _remaining(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    return max(deadline - time.perf_counter(), 0.5)


def _assignment(built: Built, n: int) -> np.ndarray:
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
    """Assignments of the other integer solutions HiGHS found on the way (for more cuts per round)."""
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


def _set_start(built: Built, p: Prepared, options: Options, start: np.ndarray) -> None:
    """Give every variable the value it has in the plan ``start`` (station index per village)."""
    start = np.asarray(start, dtype=np.int64)
    for var in built.prob.variables():
        var.setInitialValue(0)
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


def _solve_stage(built: Built, p: Prepared, options: Options, deadline: float | None, warm: bool,
                 cutoff: float | None = None) -> tuple[Run, int]:
    """Solve once, or in rounds of separator cuts until every district is connected.

    With cuts, rounds that only look for violated cuts stop at a loose gap (any integer plan
    yields cuts); a connected plan is then re-solved at the requested gap, which proves it.
    """
    rounds = 0
    n = p.times.shape[0]
    cuts = options.contiguity == "cuts"
    loose = max(options.gap, LOOSE_GAP) if cuts else options.gap
    proving = loose == options.gap
    while True:
        rounds += 1
        result = run(built.prob, options.solver, time_limit=_remaining(deadline),
                     gap=options.gap if proving else loose, threads=options.threads, warm_start=warm and rounds == 1,
                     highs_options=_highs_options(options, cutoff))
        if not cuts or result.status not in ("optimal", "feasible"):
            return result, rounds
        assignment = _assignment(built, n)
        centres = np.array(sorted(built.y))
        rows = cut_rows(p.adjacency, assignment, built.roots, centres, built.lookup)
        if not rows:
            if proving or result.gap <= options.gap:
                return result, rounds
            proving = True
            continue
        proving = loose == options.gap
        if rounds >= MAX_ROUNDS or (deadline is not None and time.perf_counter() >= deadline):
            return Run("no-solution", math.nan, result.bound, math.inf, result.seconds), rounds
        seen = set()
        for other in _saved_assignments(built, n, options.solver):
            rows += cut_rows(p.adjacency, other, built.roots, centres, built.lookup)
        rows = [r for r in rows if not ((key := (r[0], tuple(r[1].tolist()))) in seen or seen.add(key))]
        for q, seps in rows:
            ids = np.concatenate([[built.pair_var[q]], built.pair_var[seps]])
            coefs = np.concatenate([[1.0], -np.ones(len(seps))])
            built.prob.addConstraint(pulp.LpConstraint(expression(built.variables, ids, coefs), pulp.LpConstraintLE, rhs=0))


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
    from jurisdiction.optimise.model import pair_mask
    from jurisdiction.optimise.pmedian import solve_pmedian

    mask = pair_mask(p, options)
    cost = np.where(mask, p.cost, np.inf)
    cand = np.flatnonzero(p.allowed)
    res = solve_pmedian(cost, p.k_range[0], candidates=cand, fixed=np.flatnonzero(p.fixed & p.allowed),
                        time_limit=options.time_limit, gap=options.gap, threads=options.threads)
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
    bundle = np.full(p.times.shape[1], -1, dtype=np.int64)
    own = p.station_village >= 0
    bundle[own] = assignment[p.station_village[own]]
    bundle[centres] = centres
    return Solution(centres=np.sort(centres), assignment=assignment, bundle=bundle, status=res.status,
                    objective=float(res.objective), bound=float(res.bound), gap=float(res.gap),
                    seconds=time.perf_counter() - t0, solver=f"pmedian/{res.solver}",
                    formulation=f"p-median, K={p.k_range[0]} (specialised: {res.formulation})",
                    n_variables=int(res.n_variables), n_constraints=int(res.n_constraints))


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
    p = prepare(instance, options)
    reasons = explain_prepared(p, options)
    if reasons:
        raise InfeasibleError(reasons)
    deadline = None if options.time_limit is None else t0 + options.time_limit
    n, m = p.times.shape
    if _plain_pmedian(p, options):
        sol = _solve_plain_pmedian(p, options, t0)
        if sol is not None:
            return sol
    incumbent = None
    relaxed = None
    if options.contiguity == "cuts" and options.model == "p-median":
        relaxed = relaxed_without_contiguity(instance, options, deadline)
        if relaxed is not None and is_connected(p.adjacency, relaxed.assignment):
            if relaxed.status == "optimal":
                # The optimum without contiguity is connected: it is the optimum with it.
                return replace(relaxed, seconds=time.perf_counter() - t0,
                               formulation=relaxed.formulation + ", contiguity cuts (optimum without contiguity is connected)")
            incumbent = relaxed
        if incumbent is None:
            incumbent = contiguous_incumbent(p, options, deadline, relaxed)
        exact = by_centre_sets_plan(p, options, deadline, incumbent)
        if exact is not None:
            if exact.status == "optimal":
                return replace(exact, seconds=time.perf_counter() - t0)
            incumbent = exact
        if incumbent is None:
            incumbent = shortest_path_incumbent(instance, options, deadline)
        if incumbent is not None and relaxed is not None and relaxed.status in ("optimal", "feasible") \
                and relative_gap(incumbent.objective, relaxed.bound) <= options.gap:
            # The bound without contiguity already closes the gap of the connected incumbent.
            return replace(incumbent, status="optimal", bound=float(relaxed.bound), gap=0.0,
                           seconds=time.perf_counter() - t0, rounds=incumbent.rounds,
                           formulation=f"{incumbent.formulation}, proven by the bound without contiguity")
    built = build(p, options)
    warm = options.warm_start is not None
    if warm:
        _set_start(built, p, options, options.warm_start)
    else:
        plan = balanced_plan(built, p, options, deadline)
        if plan is not None:
            _set_start(built, p, options, plan)
            warm = True
    if incumbent is not None:
        # Only plans better than the connected incumbent by more than the gap are sought: if
        # none exists, the cut rounds end infeasible, which proves the incumbent optimal.
        step = max(options.gap, 1e-9) * abs(incumbent.objective)
        built.prob.addConstraint(built.primary <= incumbent.objective - step)
    cutoff = incumbent.objective if incumbent is not None and USE_CUTOFF else None
    first, rounds = _solve_stage(built, p, options, deadline, warm, cutoff)
    if incumbent is not None and first.status not in ("optimal", "feasible"):
        proved = first.status == "infeasible"
        # The cut rounds relax the problem, so their bound holds for it; the compact form's does not.
        bound = incumbent.objective if proved else min(incumbent.objective, first.bound) if math.isfinite(first.bound) else math.nan
        if not proved and relaxed is not None and math.isfinite(relaxed.bound):
            bound = max(bound, relaxed.bound) if math.isfinite(bound) else relaxed.bound
        return replace(incumbent, status="optimal" if proved else "feasible", bound=float(bound),
                       gap=0.0 if proved else float(relative_gap(incumbent.objective, bound)),
                       seconds=time.perf_counter() - t0, formulation=f"{built.formulation} (from incumbent: {incumbent.formulation})",
                       n_variables=len(built.prob.variables()), n_constraints=len(built.prob.constraints),
                       rounds=rounds + incumbent.rounds)
    if first.status not in ("optimal", "feasible"):
        raise _fail(p, options, first)
    assignment = _assignment(built, n)
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
        _set_start(built, p, options, assignment)
        if built.z:
            for (s, c), var in built.z.items():
                var.setInitialValue(1 if bundle_values[s] == c else 0)
        second, more = _solve_stage(built, p, options, deadline, True)
        rounds += more
        if second.status in ("optimal", "feasible"):
            assignment = _assignment(built, n)
            bundle_values = bundle_of(built.z, m) if built.z else None
            y_values = {c: (var.varValue or 0) > 0.5 for c, var in built.y.items()}

    centres = np.array(sorted(c for c, on in y_values.items() if on), dtype=np.int64)
    if bundle_values is not None:
        bundle = bundle_values
    else:
        bundle = np.full(m, -1, dtype=np.int64)
        own = p.station_village >= 0
        bundle[own] = assignment[p.station_village[own]]
        bundle[centres] = centres
    if options.contiguity is not None and not is_connected(p.adjacency, assignment):
        raise AssertionError("internal error: a district is disconnected despite contiguity constraints")
    return Solution(
        centres=centres, assignment=assignment, bundle=bundle, status=first.status,
        objective=float(first.objective), bound=float(first.bound), gap=float(first.gap),
        seconds=time.perf_counter() - t0, solver=options.solver, formulation=built.formulation,
        n_variables=len(built.prob.variables()), n_constraints=len(built.prob.constraints), rounds=rounds,
    )
