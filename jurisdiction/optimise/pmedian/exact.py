"""Exact p-median solver: heuristic incumbent, Lagrangian bound and fixing, radius MIP.

:func:`solve_pmedian` proves optimality in five stages:

1. greedy construction and vectorised swap local search give an incumbent
   (:mod:`jurisdiction.optimise.pmedian.search`);
2. subgradient optimisation of the Lagrangian relaxation of the assignment constraints gives a
   lower bound, often closing the gap outright, and improves the incumbent from the relaxed
   solutions (:mod:`jurisdiction.optimise.pmedian.bounds`);
3. Lagrangian fixing against the target "incumbent minus the smallest improvement" (1 for
   integer costs) drops facilities and client-facility pairs that no better solution can use;
4. when a gap remains, a depth-first Lagrangian branch and bound on the facilities that survive
   (:mod:`jurisdiction.optimise.pmedian.tree`), which closes OR-Library gaps in seconds;
5. only if that runs out of time, the radius formulation (Elloumi 2010; García, Labbé & Marín
   2011) over the surviving pairs only, built as arrays and passed to HiGHS: an infeasible
   answer proves the incumbent optimal, a solution improves it. (HiGHS's ``objective_bound``
   option does not cut off MIP solutions, and the incumbent may use pairs fixed away, so
   neither a cutoff nor a start is passed.)

The gap reported comes from the Lagrangian bound and HiGHS's own ``mip_dual_bound``, never from a
status string. The MIP is built with highspy's array API rather than PuLP because PuLP creates a
Python object per term, which dominates the run time at 10^5-10^6 nonzeros.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pulp
from scipy import sparse

from jurisdiction.errors import InfeasibleError, InputError, Problem
from jurisdiction.optimise.mip.solver import cbc_solve, relative_gap
from jurisdiction.optimise.pmedian.bounds import fixing, subgradient
from jurisdiction.optimise.pmedian.capacitated import solve_capacitated_pmedian
from jurisdiction.optimise.pmedian.highs_arrays import PMedianResult, excluded_above, run_highs
from jurisdiction.optimise.pmedian.search import assign, heuristic
from jurisdiction.optimise.pmedian.tree import branch_and_bound

__all__ = ["PMedianResult", "solve_pmedian", "solve_capacitated_pmedian", "textbook_pmedian"]


def _prepare(cost, p, weights, candidates, fixed):
    """Validate inputs; return (raw cost over candidates, weighted cost, candidate ids, fixed cols)."""
    cost = np.asarray(cost, dtype=np.float64)
    problems = []
    if cost.ndim != 2 or cost.size == 0:
        raise InputError("cost matrix", [Problem(None, f"must be a non-empty 2-D array, got shape {cost.shape}")])
    n, m = cost.shape
    if np.isnan(cost).any() or (cost < 0).any():
        problems.append(Problem(None, "costs must be non-negative numbers or inf (found NaN or a negative)"))
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any():
        problems.append(Problem(None, f"weights must be {n} finite non-negative numbers"))
    cand = np.arange(m) if candidates is None else np.unique(np.asarray(candidates, dtype=np.int64))
    if cand.size and (cand.min() < 0 or cand.max() >= m):
        problems.append(Problem(None, f"candidate indices must lie in 0..{m - 1}"))
    fix = np.array([], dtype=np.int64) if fixed is None else np.unique(np.asarray(fixed, dtype=np.int64))
    if fix.size and not np.isin(fix, cand).all():
        problems.append(Problem(None, f"fixed facilities {sorted(set(fix) - set(cand))} are not candidates"))
    if not isinstance(p, (int, np.integer)) or p < 1:
        problems.append(Problem(None, f"p must be a positive integer, got {p!r}"))
    if problems:
        raise InputError("p-median input", problems)
    if p > cand.size:
        raise InfeasibleError([f"p = {p} facilities asked for but only {cand.size} candidates"])
    if fix.size > p:
        raise InfeasibleError([f"{fix.size} facilities are fixed open but p = {p}"])
    raw = cost[:, cand]
    unreachable = np.flatnonzero(~np.isfinite(raw).any(axis=1))
    if unreachable.size:
        raise InfeasibleError([f"{unreachable.size} clients (rows {unreachable[:10].tolist()}) have no "
                               "candidate facility at finite cost"])
    weighted = np.where(np.isfinite(raw), w[:, None] * np.where(np.isfinite(raw), raw, 0.0), np.inf)
    return raw, weighted, cand, np.searchsorted(cand, fix), w


def _radius_model(weighted, pair_ok, facility_ok, forced, p):
    """Arrays of the radius formulation over the surviving pairs (y columns first, then z)."""
    n, m = weighted.shape
    fac = np.flatnonzero(facility_ok)
    ycol = np.full(m, -1, dtype=np.int64)
    ycol[fac] = np.arange(fac.size)
    ii, jj = np.nonzero(pair_ok)
    cc = weighted[ii, jj]
    order = np.lexsort((cc, ii))
    ii, jj, cc = ii[order], jj[order], cc[order]
    first_of_client = np.r_[True, ii[1:] != ii[:-1]]
    new_level = first_of_client | np.r_[True, cc[1:] != cc[:-1]]
    level = np.cumsum(new_level) - 1
    n_levels = int(level[-1]) + 1
    value = cc[new_level]
    client_of_level = ii[new_level]
    first_level = np.r_[True, client_of_level[1:] != client_of_level[:-1]]
    last_level = np.r_[client_of_level[1:] != client_of_level[:-1], True]
    zlev = np.flatnonzero(~last_level)  # levels carrying a z column
    zcol = fac.size + np.arange(zlev.size)
    rows = [level, zlev, zlev + 1, np.full(fac.size, n_levels)]
    cols = [ycol[jj], zcol, zcol, np.arange(fac.size)]
    vals = [np.ones(level.size), np.ones(zlev.size), -np.ones(zlev.size), np.ones(fac.size)]
    matrix = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(n_levels + 1, fac.size + zlev.size))
    cost = np.r_[np.zeros(fac.size), value[zlev + 1] - value[zlev]]
    lower = np.r_[forced[fac].astype(float), np.zeros(zlev.size)]
    upper = np.ones(fac.size + zlev.size)
    integer = np.r_[np.ones(fac.size, dtype=bool), np.zeros(zlev.size, dtype=bool)]
    row_lower = np.r_[first_level.astype(float), float(p)]
    row_upper = np.r_[np.full(n_levels, np.inf), float(p)]
    offset = float(value[first_level].sum())
    return fac, (cost, lower, upper, integer, matrix, row_lower, row_upper), offset


def _result(raw, w, cand, open_cols, bound, start, solver, formulation, size, tol):  # noqa: PLR0913
    """Assemble a PMedianResult in the caller's column numbering."""
    open_cols = np.sort(np.asarray(open_cols, dtype=np.int64))
    nearest, _ = assign(raw, open_cols)
    objective = float((w * raw[np.arange(raw.shape[0]), nearest]).sum())
    gap = relative_gap(objective, bound)
    status = "optimal" if gap <= tol else "feasible"
    return PMedianResult(cand[open_cols], cand[nearest], objective, float(min(bound, objective)), gap,
                         status, time.perf_counter() - start, solver, formulation, size[0], size[1])


def solve_pmedian(cost: np.ndarray, p: int, *, weights: np.ndarray | None = None,
                  candidates: np.ndarray | None = None, fixed: np.ndarray | None = None,
                  time_limit: float | None = None, gap: float = 0.0,
                  tree_seconds: float = 120.0) -> PMedianResult:
    """Solve the p-median problem to proven optimality (or within ``gap``).

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        ``cost[i, j]`` is the cost (e.g. travel minutes) of serving client i from facility j;
        ``np.inf`` forbids the pair (it never becomes a variable).
    p : int
        Number of facilities to open.
    weights : ndarray, shape (n_clients,), optional
        Non-negative row multipliers (e.g. population); 1 by default.
    candidates : ndarray of int, optional
        Columns that may be opened; all by default.
    fixed : ndarray of int, optional
        Columns that must be open (a subset of the candidates).
    time_limit : float, optional
        Seconds; the best solution and bound so far are returned when it runs out.
    gap : float
        Relative optimality tolerance (0 = prove optimality).
    tree_seconds : float
        Seconds allowed to the Lagrangian branch and bound before falling back to the radius
        MIP (at most 60% of what is left of ``time_limit``).

    Returns
    -------
    PMedianResult
        Column indices refer to ``cost``'s columns; ``status`` is ``"optimal"`` only when the
        proven gap is at most ``gap``.

    Raises
    ------
    InputError
        Malformed arrays or arguments.
    InfeasibleError
        No assignment exists (a client reaches no candidate, p too large, too many fixed).
    """
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    raw, weighted, cand, fix, w = _prepare(cost, p, weights, candidates, fixed)
    allowed = np.ones(cand.size, dtype=bool)
    finite = weighted[np.isfinite(weighted)]
    integral = bool(np.all(finite == np.round(finite)))
    tol = max(gap, 1e-9)
    open0, obj0 = heuristic(weighted, p, fix, allowed)
    if not np.isfinite(obj0):
        return _mip_only(raw, weighted, w, cand, fix, p, start, deadline, gap, tol)
    improvement = max(gap * obj0, 1.0 if integral else 1e-9 * max(1.0, obj0))
    budget = 60.0 if deadline is None else max(0.3 * (deadline - start), 0.1)
    lag = subgradient(weighted, p, fix, allowed, open0, obj0, improvement=improvement, time_limit=budget)
    ub, open_ = lag.objective, lag.open
    lb = math.ceil(lag.bound - 1e-6) if integral else lag.bound
    improvement = max(gap * ub, 1.0 if integral else 1e-9 * max(1.0, ub))
    target = ub - improvement
    if lb > target:
        return _result(raw, w, cand, open_, lb, start, "none",
                       "lagrangian bound (no MIP needed)", (0, 0), tol)
    facility_ok, forced, pair_ok = fixing(weighted, lag.multipliers, p, fix, allowed, target)
    if (not pair_ok.any(axis=1).all() or forced.sum() > p or facility_ok.sum() < p):
        return _result(raw, w, cand, open_, max(lb, excluded_above(target, integral)), start, "none",
                       "lagrangian bound + fixing (no MIP needed)", (0, 0), tol)
    reduced = np.where(pair_ok, weighted, np.inf)
    now = time.perf_counter()
    tree_deadline = now + (tree_seconds if deadline is None else min(tree_seconds, 0.6 * (deadline - now)))
    tree = branch_and_bound(reduced, p, fix, facility_ok, open_, ub, lag.multipliers,
                            improvement=improvement, deadline=tree_deadline)
    if tree.objective < ub:
        cand_obj = float((w * raw[np.arange(raw.shape[0]), assign(raw, tree.open)[0]]).sum())
        if cand_obj < ub:
            ub, open_ = cand_obj, tree.open
    if tree.complete:
        proven = excluded_above(tree.objective - improvement, integral)
        return _result(raw, w, cand, open_, max(lb, proven), start, "none",
                       f"lagrangian branch and bound ({tree.nodes} nodes) + fixing", (0, 0), tol)
    tree_improvement, root_target = improvement, target
    fac, arrays, offset = _radius_model(weighted, pair_ok, facility_ok, forced, p)
    remaining = None if deadline is None else deadline - time.perf_counter()
    out = run_highs(*arrays, offset=offset, time_limit=remaining, rel_gap=gap,
                    abs_gap=(1.0 - 1e-6) if integral else 1e-9 * max(1.0, abs(ub)))
    size = (arrays[0].size, arrays[4].shape[0])
    if out.values is not None:
        cols = fac[out.values[: fac.size] > 0.5]
        obj = float((w * raw[np.arange(raw.shape[0]), assign(raw, cols)[0]]).sum())
        if obj < ub:
            ub, open_ = obj, cols
    if np.isfinite(tree.bound):  # unexplored nodes, pruned nodes, and what root fixing excluded
        open_nodes = math.ceil(tree.bound - 1e-6) if integral else tree.bound
        lb = max(lb, min(open_nodes, excluded_above(tree.objective - tree_improvement, integral),
                         excluded_above(root_target, integral)))
    mip_bound = math.ceil(out.dual_bound - 1e-6) if integral and np.isfinite(out.dual_bound) else out.dual_bound
    bound = max(lb, min(mip_bound, excluded_above(root_target, integral)))
    return _result(raw, w, cand, open_, bound, start, "highs",
                   "radius (Elloumi) + lagrangian fixing", size, tol)


def _mip_only(raw, weighted, w, cand, fix, p, start, deadline, gap, tol):  # noqa: PLR0913
    """No heuristic solution serves every client: solve the radius model over all finite pairs."""
    m = weighted.shape[1]
    forced = np.zeros(m, dtype=bool)
    forced[fix] = True
    fac, arrays, offset = _radius_model(weighted, np.isfinite(weighted), np.ones(m, dtype=bool), forced, p)
    remaining = None if deadline is None else deadline - time.perf_counter()
    out = run_highs(*arrays, offset=offset, time_limit=remaining, rel_gap=gap)
    if out.values is None:
        raise InfeasibleError([f"no choice of {p} facilities serves every client at finite cost"
                               f" (HiGHS: {out.status})"])
    cols = fac[out.values[: fac.size] > 0.5]
    return _result(raw, w, cand, cols, out.dual_bound, start, "highs", "radius (Elloumi)",
                   (arrays[0].size, arrays[4].shape[0]), tol)


def textbook_pmedian(cost: np.ndarray, p: int, *, weights: np.ndarray | None = None,
                     solver: str = "highs", time_limit: float | None = None,
                     threads: int | None = None) -> PMedianResult:
    """The plain assignment formulation (``x_ij <= y_j``), as a baseline for benchmarks.

    ``min sum w_i c_ij x_ij`` s.t. ``sum_j x_ij = 1``, ``x_ij <= y_j``, ``sum_j y_j = p``, with
    one x per finite pair. ``solver="highs"`` passes the arrays to HiGHS directly and reads its
    dual bound; ``solver="cbc"`` builds the model in PuLP and calls CBC, whose bound is taken to
    equal the objective only when PuLP reports "Optimal" within the time limit.

    Parameters
    ----------
    cost, p, weights
        As in :func:`solve_pmedian` (all columns are candidates).
    solver : {"highs", "cbc"}
        MIP solver.
    time_limit : float, optional
        Seconds.
    threads : int, optional
        CBC's threads (HiGHS picks its own count, see :func:`jurisdiction.optimise.mip.solver._run_highs`).

    Returns
    -------
    PMedianResult
    """
    start = time.perf_counter()
    raw, weighted, cand, _, w = _prepare(cost, p, weights, None, None)
    n, m = weighted.shape
    ii, jj = np.nonzero(np.isfinite(weighted))
    k = ii.size
    if solver == "highs":
        pair = np.arange(k)
        rows = np.r_[ii, n + pair, n + pair, np.full(m, n + k)]
        cols = np.r_[pair, pair, k + jj, k + np.arange(m)]
        vals = np.r_[np.ones(k), np.ones(k), -np.ones(k), np.ones(m)]
        matrix = sparse.coo_matrix((vals, (rows, cols)), shape=(n + k + 1, k + m))
        out = run_highs(np.r_[weighted[ii, jj], np.zeros(m)], np.zeros(k + m), np.ones(k + m),
                        np.ones(k + m, dtype=bool), matrix,
                        np.r_[np.ones(n), np.full(k, -np.inf), p], np.r_[np.ones(n), np.zeros(k), p],
                        time_limit=time_limit)
        if out.values is None:
            raise InfeasibleError([f"textbook model found no solution (HiGHS: {out.status})"])
        cols_open = np.flatnonzero(out.values[k:] > 0.5)
        return _result(raw, w, cand, cols_open, out.dual_bound, start, "highs", "textbook (x_ij <= y_j)",
                       (k + m, n + k + 1), 1e-9)
    if solver != "cbc":
        raise InputError("textbook_pmedian", [Problem(None, f"solver must be 'highs' or 'cbc', got {solver!r}")])
    prob = pulp.LpProblem("pmedian", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
    x = [pulp.LpVariable(f"x{t}", cat="Binary") for t in range(k)]
    prob += pulp.lpSum(float(weighted[i, j]) * x[t] for t, (i, j) in enumerate(zip(ii, jj)))
    by_client: list[list[int]] = [[] for _ in range(n)]
    for t, i in enumerate(ii):
        by_client[i].append(t)
    for i in range(n):
        prob += pulp.lpSum(x[t] for t in by_client[i]) == 1
    for t, j in enumerate(jj):
        prob += x[t] <= y[j]
    prob += pulp.lpSum(y) == p
    cbc_solve(prob, msg=False, timeLimit=time_limit, threads=threads)
    status = prob.status
    values = np.array([v.varValue or 0.0 for v in y])
    if not (values > 0.5).any():
        raise InfeasibleError([f"textbook model found no solution (CBC: {pulp.LpStatus[status]})"])
    elapsed = time.perf_counter() - start
    proven = pulp.LpStatus[status] == "Optimal" and (time_limit is None or elapsed < time_limit)
    bound = float(pulp.value(prob.objective)) if proven else -np.inf
    return _result(raw, w, cand, np.flatnonzero(values > 0.5), bound, start, "cbc",
                   "textbook (x_ij <= y_j)", (k + m, n + k + 1), 1e-9)
