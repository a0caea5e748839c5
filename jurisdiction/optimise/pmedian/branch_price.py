"""Branch and price for the single-sourcing capacitated p-median.

Nodes are explored best-bound first on the set-partitioning master of
:mod:`jurisdiction.optimise.pmedian.columns` (one column pool for the whole tree; columns that
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

Reduced-cost fixing (:mod:`jurisdiction.optimise.pmedian.fixing`): whenever the incumbent
improves, the root duals drop the pairs and facilities that cannot be in a cheaper solution;
each branched node (without forced pairs) does the same with its own duals for its subtree.

Warm starts: a node's first LP starts from its parent's final basis (``setBasis``; group rows
the two share are kept, not rebuilt). From the previous node's basis it took ~270 dual simplex
pivots (24 ms) on pmedcap1 #20, from the parent's ~60 (7 ms).

Strong branching (:func:`jurisdiction.optimise.pmedian.branching.group_candidates`): on a large
tree, each node above ``strong_depth`` bounds both children of up to ``strong_candidates``
neighbourhoods by two pricing rounds each and takes the best product of bound gains. Whether
the tree is large is estimated after ``_STRONG_CHECK`` nodes as ``2 ** (gap / gain)``, where gain
is the mean bound gain of the first branching's children; when it is, the search restarts from
the root (the column pool stays). On pmedcap1 #20 (gap 31, gain 1.8) the proof with the optimum
known drops from 3,800 nodes (150 s) to about 480 (45 s, loaded machine, 34 s since the slot
knapsack programme and bit-packed node restrictions; 6 levels and 8 candidates: 1,300-1,500
nodes, 60 s; 8 levels and 8 candidates: 1,047 nodes, 55 s; 12 levels: 359 nodes, 36 s); on the
instances with smaller trees it costs more than it saves (#8: 4.8 s -> 7.5 s), hence the
estimate. Two LP runs and pricing rounds per child stay: one gave 851 nodes (61 s), three 517
(44 s); skipping a candidate's second child when even a pruned one could not win gave 647-663
nodes (37-40 s). Each HiGHS run costs about 0.2 ms per 1,000 pool columns before any pivot.

The repair heuristic gets ``_REPAIR_SHARE`` of the search time; after ``_REPAIR_PATIENCE``
nodes without a better incumbent its share decays (300 nodes left most of #20's 17 s of repairs
after its optimum was found; 50 cut #20 from 55 s to 42 s). Tried on #20 and dropped: deciding
on strong branching after 10 nodes when the estimate exceeds 2 ** 20 (it is 2 ** 26 there then)
starts it 2.5 s sooner, but the repairs then find 1005 at 8-9 s rather than 2-6 s (46-50 s
against 35-39 s); also repairing the strong-branching children's LP solutions (35-55 s).
"""

from __future__ import annotations

import heapq
import time

import highspy
import numpy as np

from jurisdiction.optimise.pmedian.branching import branch_on_groups, facility_order, group_candidates
from jurisdiction.optimise.pmedian.columns import generate, master_heuristic, new_master, set_groups
from jurisdiction.optimise.pmedian.fixing import fix


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
        fac, bits = master.facility, master.packed
        ok = ~(bits & np.packbits(~allowed.T, axis=1)[fac]).any(axis=1)
        if forced.any():
            ok &= ~(np.packbits(forced.T, axis=1)[fac] & ~bits).any(axis=1)
        change = np.flatnonzero(ok != master.enabled)
        if change.size:
            master.h.changeColsBounds(change.size, (n + change).astype(np.int32), np.zeros(change.size),
                                      np.where(ok[change], highspy.kHighsInf, 0.0))
            master.enabled = ok
    rows = np.arange(n, n + m, dtype=np.int32)
    master.h.changeRowsBounds(m, rows, np.where(must, 1.0, -highspy.kHighsInf), np.ones(m))
    set_groups(master, groups)
    if warm is not None:
        cols, rows, parent_groups = warm
        k = min(len(parent_groups), len(groups))
        same = next((g for g in range(k) if not np.array_equal(parent_groups[g], groups[g])), k)
        basis = highspy.HighsBasis()
        basis.col_status = _STATUS[cols].tolist() + [_STATUS[0]] * (master.h.getNumCol() - cols.size)
        basis.row_status = _STATUS[rows[: n + m + 1 + same]].tolist() + [_STATUS[1]] * (len(groups) - same)
        basis.valid = True
        master.h.setBasis(basis)


def _basis(master):
    """The master's current basis as (column statuses, row statuses, group masks)."""
    basis = master.h.getBasis()
    cols, rows = basis.col_status, basis.row_status
    return (np.fromiter(map(int, cols), dtype=np.int8, count=len(cols)),
            np.fromiter(map(int, rows), dtype=np.int8, count=len(rows)), list(master.groups))


_STATUS = np.array([highspy.HighsBasisStatus(k) for k in range(5)], dtype=object)  # lower, basic, upper, zero, nonbasic
_STRONG_ITERATIONS = 2  # pricing rounds per child in strong branching
_ESTIMATE_ITERATIONS = 500  # pricing rounds per child of the first branching (to estimate the tree)
_STRONG_TREE_LOG2 = 12.0  # strong branching when the estimated tree has more nodes than 2 ** this
_STRONG_CHECK = 50  # nodes before the tree is estimated
_REPAIR_SHARE = 0.25  # of the search time, at most, for the repair heuristic
_REPAIR_PATIENCE = 50  # nodes without a better incumbent after which the repair share decays as 1/nodes


def _cutoff(ub, step):
    """Bounds above this prune: ``ub - step`` plus a margin for the LP's rounding noise."""
    return ub - step + 1e-6 + 1e-9 * abs(ub)


def _bound_children(master, cost, base, decisions, candidates, demand, capacity, bound, cutoff, deadline, warm,  # noqa: PLR0913
                    iterations):
    """Bound both children of each candidate branching; ``[(decision, child bound), ...]`` of the best.

    Each child is bounded by column generation cut short after ``iterations`` pricing rounds (the
    Lagrangian bound is valid at every round); the candidate with the largest product of bound
    gains wins (strong branching). A child whose bound exceeds ``cutoff`` is returned all the
    same (the caller prunes it). ``None`` without candidates.
    """
    best, score = None, -np.inf
    for pair in candidates:
        out = []
        for decision in pair:
            allowed, forced, must, groups = _restrictions(base, decisions + (decision,))
            _apply(master, allowed, forced, must, groups, warm)
            child = generate(master, cost, allowed, demand, capacity, forced=forced, must=must, stop_at=cutoff,
                             deadline=deadline, max_iterations=iterations)[0]
            out.append((decision, max(child, bound)))
        gain = max(out[0][1] - bound, 1e-6) * max(out[1][1] - bound, 1e-6)
        if min(out[0][1], out[1][1]) > cutoff:
            return out  # both children pruned
        if gain > score:
            best, score = out, gain
        if deadline is not None and time.perf_counter() > deadline:
            break
    return best


def branch_and_price(cost: np.ndarray, usable: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int,  # noqa: C901, PLR0912, PLR0913
                     incumbent: np.ndarray, step: float, *, deadline: float | None = None,
                     root_bound: float = -np.inf, heuristic_every: int = 200, repair=None,
                     max_nodes: int | None = None, strong: bool | None = None, strong_depth: int = 8,
                     strong_candidates: int = 12):
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
        ``repair(open_facilities, incumbent_cost) -> (objective, assignment or None)``: a good assignment to
        those facilities (e.g. an exact generalised assignment); tried on the ``p`` facilities
        with the largest LP value at nodes whose set is new, within ``_REPAIR_SHARE`` of the time
        (less once ``_REPAIR_PATIENCE`` nodes have passed without a better incumbent).
    max_nodes : int, optional
        Stop after this many nodes (hard instances are then left to a MIP solver).
    strong : bool, optional
        Strong branching at the nodes above depth ``strong_depth``: ``None`` decides after
        ``_STRONG_CHECK`` nodes from the estimated size of the tree (and then restarts from the
        root), ``True`` from the root on, ``False`` never.
    strong_depth : int
        Depth down to which strong branching is used.
    strong_candidates : int
        Neighbourhoods evaluated per strong branching.

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
    near = facility_order(cost, usable)
    # (bound, -depth, counter, depth, decisions, pairs kept, parent's basis, bounded by strong branching)
    heap = [(root_bound, 0, 0, 0, (), None, None, False)]

    def push(child_bound, child_depth, child_decisions, child_kept, child_warm, bounded=False):
        nonlocal counter
        heapq.heappush(heap, (child_bound, -child_depth, counter, child_depth, child_decisions, child_kept,
                              child_warm, bounded))
        counter += 1

    counter, nodes, pruned, gain = 1, 0, np.inf, None
    root_duals = np.zeros(n)
    tried: set[bytes] = set()
    fixed_at = np.inf  # incumbent cost of the last reduced-cost fixing (with the root duals)
    started, repair_seconds, improved = time.perf_counter(), 0.0, (ub, 0)
    while heap:
        if strong is None and gain is not None and nodes >= _STRONG_CHECK:
            # Estimate the tree as 2 ** (gap / mean gain) with the incumbent found by now; strong
            # branching pays only on a large one (pmedcap1 #20: 2 ** 17; the others at most 2 ** 10):
            # then start again from the root (the column pool stays) with strong branching on top.
            strong = (_cutoff(ub, step) - root_bound) / gain > _STRONG_TREE_LOG2
            if strong:
                heap.clear()
                push(root_bound, 0, (), None, None)
        parent_bound, _, _, depth, decisions, kept, warm, bounded = heap[0]
        if parent_bound > _cutoff(ub, step):
            pruned = min(pruned, parent_bound)
            nodes += bounded  # its bound came from strong branching's column generation
            heapq.heappop(heap)
            continue
        if (deadline is not None and time.perf_counter() > deadline) or nodes == max_nodes:
            break
        if ub < improved[0]:
            improved = (ub, nodes)
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
            root_duals, root_bound = duals, max(root_bound, bound)
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
        if np.all(lam[use] > 1.0 - 1e-6):
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
            share = _REPAIR_SHARE * min(1.0, _REPAIR_PATIENCE / max(nodes - improved[1], 1))
            if key not in tried and repair_seconds <= share * (time.perf_counter() - started):
                tried.add(key)
                clock = time.perf_counter()
                obj, a = repair(top, ub)
                repair_seconds += time.perf_counter() - clock
                if a is not None and obj < ub:
                    ub, best = float(obj), a
        if not forced.any():
            # Fixing with this node's duals holds in its subtree (its decisions only add constraints).
            kept, _, excluded = fix(cost, allowed, duals, demand, capacity, p, _cutoff(ub, step))
            pruned = min(pruned, excluded)
        children, base, cut = None, usable if kept is None else usable & kept, _cutoff(ub, step)
        if strong is None and gain is None and (default := branch_on_groups(y, near)) is not None:
            # The first branching's children, bounded to the end, give the mean bound gain per branching.
            children = _bound_children(master, cost, base, decisions, [default], demand, capacity, bound, cut,
                                       deadline, warm, _ESTIMATE_ITERATIONS)
            gain = np.mean([max(b - bound, 1e-6) for _, b in children])
        if strong and depth < strong_depth:
            candidates = [[("g", -1, g, 1), ("g", -1, g, 0)] for g in group_candidates(y, near, strong_candidates)]
            children = _bound_children(master, cost, base, decisions, candidates, demand, capacity, bound, cut,
                                       deadline, warm, _STRONG_ITERATIONS) or children
        if children is not None:
            # These children were bounded (in part) here: a child its bound prunes is a node closed.
            closed = [b for _, b in children if b > cut]
            nodes += len(closed)
            pruned = min([pruned] + closed)
            children = [(c, b) for c, b in children if b <= cut]
            if not children:
                continue
        if children is None:
            children = branch_on_groups(y, near)
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
    bound = min([ub, pruned] + [entry[0] for entry in heap])
    return best, ub, bound, nodes, root_duals
