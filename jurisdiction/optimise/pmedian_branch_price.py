"""Branch and price for the single-sourcing capacitated p-median.

Nodes are explored best-bound first on the set-partitioning master of
:mod:`jurisdiction.optimise.pmedian_columns` (one column pool for the whole tree; columns that
break a node's decisions get upper bound 0). A node is pruned once its Lagrangian bound, valid at
every column-generation iteration, exceeds "incumbent minus the smallest improvement".

Branching is on a *neighbourhood* of facilities while some ``y`` is fractional: for a
fractional facility j, G is the longest run of the facilities most alike j (j first) whose
total ``y`` stays below 1, and the children are "no facility of G opens" (G's pairs leave the
knapsacks) and "at least one of G opens" (a row in the master; its dual enters pricing as a
bonus for G's facilities and the Lagrangian bound as ``sum tau_G``). Plain ``y_j = 0`` is weak
(a neighbour takes j's place at almost the same cost): on OR-Library pmedcap1 #8 the
neighbourhood rule proves the optimum in about 220 nodes where ``y_j`` branching needs about
960. With ``y`` integral, branching is on a fractional client-facility pair (``x_ij = 1`` /
``x_ij = 0``; forced pairs are taken out of the knapsack with their demand and cost).

Reduced-cost fixing (:mod:`jurisdiction.optimise.pmedian_fixing`): whenever the incumbent
improves, the root duals drop the pairs and facilities that cannot be in a cheaper solution;
each branched node (without forced pairs) does the same with its own duals for its subtree.
"""

from __future__ import annotations

import heapq
import time

import highspy
import numpy as np

from jurisdiction.optimise.pmedian_columns import generate, master_heuristic, new_master, set_groups
from jurisdiction.optimise.pmedian_fixing import fix


def _restrictions(usable, decisions):
    """(allowed pairs, forced pairs, facilities that must open, groups of which one must open)."""
    allowed = usable.copy()
    forced = np.zeros_like(usable)
    must = np.zeros(usable.shape[1], dtype=bool)
    groups = []
    for kind, i, j, side in decisions:
        if kind == "g":
            if side:
                groups.append(j)
            else:
                allowed[:, j] = False
        elif kind == "y":
            if side:
                must[j] = True
            else:
                allowed[:, j] = False
        elif side:
            forced[i, j] = True
            keep = allowed[i, j]
            allowed[i, :] = False
            allowed[i, j] = keep
            must[j] = True
        else:
            allowed[i, j] = False
    return allowed, forced, must, groups


def _apply(master, allowed, forced, must, groups, warm=None):
    """Switch off the pool columns a node forbids, set its facility and group rows, and its parent's basis.

    ``warm`` is :func:`_basis` of the parent's last LP; the node's LP then starts from it (a
    handful of dual simplex pivots instead of a few hundred from the previous node's basis).
    """
    n, m = master.n, master.m
    if master.facility.size:
        fac, mem = master.facility, master.members
        ok = ~(mem & ~allowed.T[fac]).any(axis=1) & ~(forced.T[fac] & ~mem).any(axis=1)
        idx = np.arange(n, n + fac.size, dtype=np.int32)
        master.h.changeColsBounds(idx.size, idx, np.zeros(idx.size),
                                  np.where(ok, highspy.kHighsInf, 0.0))
    rows = np.arange(n, n + m, dtype=np.int32)
    master.h.changeRowsBounds(m, rows, np.where(must, 1.0, -highspy.kHighsInf), np.ones(m))
    set_groups(master, groups)
    if warm is not None:
        cols, rows, parent_groups = warm
        k = min(len(parent_groups), len(groups))
        same = next((g for g in range(k) if not np.array_equal(parent_groups[g], groups[g])), k)
        basis = highspy.HighsBasis()
        basis.col_status = [_STATUS[c] for c in cols] + [_STATUS[0]] * (master.h.getNumCol() - cols.size)
        basis.row_status = ([_STATUS[r] for r in rows[: n + m + 1 + same]]
                            + [_STATUS[1]] * (len(groups) - same))
        basis.valid = True
        master.h.setBasis(basis)


def _basis(master):
    """The master's current basis as (column statuses, row statuses, group masks)."""
    basis = master.h.getBasis()
    return (np.fromiter((int(c) for c in basis.col_status), dtype=np.int8),
            np.fromiter((int(r) for r in basis.row_status), dtype=np.int8), list(master.groups))


_STATUS = [highspy.HighsBasisStatus(k) for k in range(5)]  # lower, basic, upper, zero, nonbasic
_STRONG_ITERATIONS = 2  # pricing rounds per child in strong branching


def _cutoff(ub, step):
    """Bounds above this prune: ``ub - step`` plus a margin for the LP's rounding noise."""
    return ub - step + 1e-6 + 1e-9 * abs(ub)


def _facility_order(cost, usable):
    """Facilities by likeness to each facility: mean |c_ij - c_ij'| over clients that reach both."""
    finite = np.where(usable, cost, np.nan)
    m = cost.shape[1]
    far = np.empty((m, m))
    for j in range(m):
        diff = np.abs(finite - finite[:, [j]])
        far[j] = np.nan_to_num(np.nanmean(diff, axis=0), nan=np.inf)
        far[j, j] = -1.0
    return np.argsort(far, axis=1, kind="stable")


def _branch_on_groups(y, near):
    """Children "no facility of G opens" / "one of G opens" for the neighbourhood G of a fractional facility.

    G is the largest run of ``near[j]`` (j first) whose total y stays below 1; the fractional facility
    whose G has total y nearest 0.5 is chosen. ``None`` when no y is fractional.
    """
    frac = np.flatnonzero((y > 1e-6) & (y < 1.0 - 1e-6))
    if frac.size == 0:
        return None
    best, score = None, np.inf
    for j in frac:
        cum = np.cumsum(y[near[j]])
        k = int(np.searchsorted(cum, 1.0 - 1e-6))  # prefix near[j][:k] has total < 1
        k = max(k, 1)
        sc = abs(cum[k - 1] - 0.5)
        if sc < score:
            score, best = sc, (j, k)
    j, k = best
    if k == 1:
        return [("y", -1, int(j), 1), ("y", -1, int(j), 0)]
    group = np.zeros(y.size, dtype=bool)
    group[near[j][:k]] = True
    return [("g", -1, group, 1), ("g", -1, group, 0)]


def _group_candidates(y, near, limit):
    """Neighbourhoods G (facility masks) of fractional facilities with total y below 1, best first.

    For each fractional facility j, every prefix of ``near[j]`` that ends on a facility with
    ``y > 0`` and whose total y stays below 1 is a candidate (extended over the following
    facilities with ``y = 0``); duplicates are dropped and the ``limit`` candidates whose total y is
    nearest 0.5 are kept.
    """
    frac = np.flatnonzero((y > 1e-6) & (y < 1.0 - 1e-6))
    seen, found = set(), []
    for j in frac:
        order = near[j]
        cum = np.cumsum(y[order])
        stop = int(np.searchsorted(cum, 1.0 - 1e-6))  # prefixes shorter than this stay below 1
        ends = [k for k in range(1, stop + 1) if y[order[k - 1]] > 1e-6]
        for e, k in enumerate(ends):
            size = (ends[e + 1] - 1) if e + 1 < len(ends) else stop
            group = np.zeros(y.size, dtype=bool)
            group[order[:size]] = True
            key = group.tobytes()
            if key not in seen:
                seen.add(key)
                found.append((abs(cum[k - 1] - 0.5), len(found), group))
    found.sort(key=lambda t: t[:2])
    return [g for _, _, g in found[:limit]]


def _strong_children(master, cost, base, decisions, y, near, demand, capacity, bound, cutoff, limit, deadline,
                     warm):
    """Strong branching over neighbourhood candidates: ``[(decision, child bound), ...]`` or ``None``.

    Each candidate's two children are bounded by column generation cut short after
    ``_STRONG_ITERATIONS`` pricing rounds (the Lagrangian bound is valid at every round); the
    candidate with the largest product of bound gains wins. A child whose bound exceeds
    ``cutoff`` is returned all the same (the caller prunes it).
    """
    best, score = None, -np.inf
    for group in _group_candidates(y, near, limit):
        out = []
        for side in (1, 0):
            decision = ("g", -1, group, side)
            allowed, forced, must, groups = _restrictions(base, decisions + (decision,))
            _apply(master, allowed, forced, must, groups, warm)
            child = generate(master, cost, allowed, demand, capacity, forced=forced, must=must, stop_at=cutoff,
                             deadline=deadline, max_iterations=_STRONG_ITERATIONS)[0]
            out.append((decision, max(child, bound)))
        gain = max(out[0][1] - bound, 1e-6) * max(out[1][1] - bound, 1e-6)
        if min(out[0][1], out[1][1]) > cutoff:
            return out  # both children pruned
        if gain > score:
            best, score = out, gain
        if deadline is not None and time.perf_counter() > deadline:
            break
    return best


def branch_and_price(cost: np.ndarray, usable: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int,
                     incumbent: np.ndarray, step: float, *, deadline: float | None = None,
                     root_bound: float = -np.inf, heuristic_every: int = 200, repair=None,
                     max_nodes: int | None = None, strong_depth: int = 6, strong_candidates: int = 8,
                     dive: bool = False):
    """Search for an assignment cheaper than ``incumbent`` by more than ``step``, or prove none exists.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Assignment costs.
    usable : ndarray of bool, shape (n_clients, n_facilities)
        Pairs that may be used (finite cost, demand fits the capacity).
    demand, capacity : ndarray
        Integer demands (n_clients,) and capacities (n_facilities,).
    p : int
        Number of facilities.
    incumbent : ndarray of int, shape (n_clients,)
        A feasible assignment.
    step : float
        Smallest improvement that counts (1 for integer costs).
    deadline : float, optional
        ``time.perf_counter()`` value to stop at.
    root_bound : float
        A known lower bound (e.g. from subgradient optimisation).
    heuristic_every : int
        Solve the restricted master IP over all columns so far (at most 0.5 s) at the root and
        every this many nodes.
    repair : callable, optional
        ``repair(open_facilities) -> (objective, assignment or None)``: the best assignment to
        those facilities (e.g. an exact generalised assignment); tried on the ``p`` facilities
        with the largest LP value at nodes whose set is new, within a quarter of the time.

    max_nodes : int, optional
        Stop after this many nodes (hard instances are then left to a MIP solver).

    Returns
    -------
    assignment : ndarray of int
        Best assignment found.
    objective : float
        Its cost.
    bound : float
        Proven lower bound on the optimum (at least ``objective - step`` when the search
        finished).
    nodes : int
        Nodes solved.
    root_duals : ndarray, shape (n_clients,)
        Client duals of the root's best Lagrangian bound (for reduced-cost fixing).
    """
    n = cost.shape[0]
    rows = np.arange(n)
    best = incumbent.copy()
    ub = float(cost[rows, best].sum())
    master = new_master(np.where(usable, cost, np.inf), p, best)
    near = _facility_order(cost, usable)
    # (order, tie, counter, bound, depth, decisions, pairs kept, parent's basis, bounded by strong branching)
    heap = [(0, 0, 0, root_bound, 0, (), None, None, False)]

    def push(child_bound, child_depth, child_decisions, child_kept, child_warm, bounded=False):
        nonlocal counter
        order = (-child_depth, child_bound) if dive else (child_bound, -child_depth)
        heapq.heappush(heap, (*order, counter, child_bound, child_depth, child_decisions, child_kept, child_warm,
                              bounded))
        counter += 1

    counter, nodes, pruned = 1, 0, np.inf
    root_duals = np.zeros(n)
    tried: set[bytes] = set()
    fixed_at = np.inf  # incumbent cost of the last reduced-cost fixing (with the root duals)
    started, repair_seconds = time.perf_counter(), 0.0
    while heap:
        parent_bound, depth, decisions, kept, warm, bounded = heap[0][3:]
        if parent_bound > _cutoff(ub, step):
            pruned = min(pruned, parent_bound)
            nodes += bounded  # its bound came from strong branching's column generation
            heapq.heappop(heap)
            continue
        if (deadline is not None and time.perf_counter() > deadline) or nodes == max_nodes:
            break
        if nodes and ub < fixed_at:
            usable, _, excluded = fix(cost, usable, root_duals, demand, capacity, p, _cutoff(ub, step))
            pruned, fixed_at = min(pruned, excluded), ub
        heapq.heappop(heap)
        allowed, forced, must, groups = _restrictions(usable if kept is None else usable & kept, decisions)
        if must.sum() > p:
            continue
        _apply(master, allowed, forced, must, groups, warm)
        bound, duals, _, converged, _, values = generate(master, cost, allowed, demand, capacity, forced=forced,
                                                     must=must, stop_at=_cutoff(ub, step), deadline=deadline)
        nodes += 1
        if nodes == 1:
            root_duals = duals
        bound = max(bound, parent_bound)
        if nodes == 1 or nodes % heuristic_every == 0:
            left = 0.5 if deadline is None else min(0.5, max(deadline - time.perf_counter(), 0.01))
            a = master_heuristic(cost, master.facility, master.members, p, time_limit=left)
            if a is not None and cost[rows, a].sum() < ub:
                ub, best = float(cost[rows, a].sum()), a
        if bound > _cutoff(ub, step):
            pruned = min(pruned, bound)
            continue
        if not converged:
            push(bound, depth, decisions, kept, warm, bounded)
            break
        lam = values[n:]
        if values[:n].max(initial=0.0) > 1e-6:
            continue  # artificial columns needed: no assignment under these decisions
        fac, mem = master.facility, master.members
        use = lam > 1e-6
        if np.all((lam[use] > 1.0 - 1e-6)):
            a = np.full(n, -1, dtype=np.int64)
            for k in np.flatnonzero(use):
                a[mem[k]] = fac[k]
            obj = float(cost[rows, a].sum())
            if (a >= 0).all() and obj < ub:
                ub, best = obj, a
            continue
        y = np.bincount(fac[use], weights=lam[use], minlength=cost.shape[1])
        warm = _basis(master)
        if repair is not None:
            top = np.sort(np.argsort(-y, kind="stable")[:p])
            key = top.tobytes()
            if key not in tried and repair_seconds <= 0.25 * (time.perf_counter() - started):
                tried.add(key)
                clock = time.perf_counter()
                obj, a = repair(top)
                repair_seconds += time.perf_counter() - clock
                if a is not None and obj < ub:
                    ub, best = float(obj), a
        if not forced.any():
            # Fixing with this node's duals holds in its subtree (its decisions only add constraints).
            kept, _, excluded = fix(cost, allowed, duals, demand, capacity, p, _cutoff(ub, step))
            pruned = min(pruned, excluded)
        children = None
        if depth < strong_depth:
            children = _strong_children(master, cost, usable if kept is None else usable & kept, decisions, y, near,
                                        demand, capacity, bound, _cutoff(ub, step), strong_candidates, deadline,
                                        warm)
            if children is not None:
                # Strong branching solved these children in part: a child its bound prunes is a node closed.
                closed = [b for _, b in children if b > _cutoff(ub, step)]
                nodes += len(closed)
                pruned = min([pruned] + closed)
                children = [(c, b) for c, b in children if b <= _cutoff(ub, step)]
                if not children:
                    continue
        if children is None:
            children = _branch_on_groups(y, near)
        if children is None:  # y integral: branch on the most fractional client-facility pair
            x = np.zeros(cost.shape)
            np.add.at(x.T, fac[use], lam[use][:, None] * mem[use])
            fx = np.abs(x - 0.5)
            fx[(x < 1e-6) | (x > 1.0 - 1e-6)] = np.inf
            i, j = np.unravel_index(int(np.argmin(fx)), fx.shape)
            children = [("x", int(i), int(j), 1), ("x", int(i), int(j), 0)]
        for child in children:
            child, child_bound = child if len(child) == 2 else (child, bound)
            push(child_bound, depth + 1, decisions + (child,), kept, warm, len(children[0]) == 2)
    # Pruned nodes only exclude solutions above ``ub - step``: their bounds bound the optimum too.
    bound = min([ub, pruned] + [entry[3] for entry in heap])
    return best, ub, bound, nodes, root_duals
