"""Connected, balanced plans by moving boundary villages: a fast heuristic that needs no solver.

:func:`reconnect` makes every district of a plan connected: each district keeps the piece that
holds its centre's village (the heaviest piece when the centre stands in none), and every other
piece joins the neighbouring district it shares the most borders with. :func:`descend` then moves
villages on the districts' borders, one at a time or two in a swap, while a move lowers the
plan's balance violation (or keeps it and brings the loads nearer the mean, so that load flows
through districts at their bounds), and once every load is within bounds, while it lowers the cost:

* a village moves to a neighbouring district when its old district stays connected without it
  (a search over that small district) and it is not its centre's village;
* when no single move gains (often because it would break a load bound), two border villages of
  neighbouring districts trade places, both districts checked connected afterwards.

The best move (least violation, then least spread or cost, then the lowest village) is taken, so
the same plan always gives the same result; the search stops after a number of moves, never on
the clock. Plans from here are only candidates: the engine checks and recomputes every plan it
reports (:mod:`jurisdiction.optimise.accounting`).
"""

from __future__ import annotations

import numpy as np

from jurisdiction.optimise.balanced.heuristics import recentre
from jurisdiction.optimise.balanced.problem import Districting

#: Most moves (single or swaps) of one :func:`descend`, per village of the plan.
MOVES_PER_VILLAGE = 20
#: Most times :func:`settle` moves every district to its best centre and descends again.
RECENTRINGS = 10
#: Load (in the unit of the loads) by which a plan may pass a bound and still count as within it,
#: as a solver's plan may (HiGHS's feasibility tolerance).
LOAD_SLACK = 1e-6
#: Most connectivity checks per step: the best-ranked candidates are checked first.
CHECKS_PER_STEP = 400


class _Graph:
    """The village adjacency as neighbour lists, with a search restricted to one district."""

    def __init__(self, problem: Districting):
        adjacency = problem.adjacency.tocsr()
        self.indptr, self.indices = adjacency.indptr, adjacency.indices
        coo = adjacency.tocoo()
        keep = coo.row != coo.col
        self.src, self.dst = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)

    def neighbours(self, v: int) -> np.ndarray:
        return self.indices[self.indptr[v]:self.indptr[v + 1]]

    def piece(self, plan: np.ndarray, start: int, district: int, without: int = -1) -> list[int]:
        """Villages of ``district`` reached from ``start`` inside it, ``without`` left out."""
        seen = {start}
        stack = [start]
        while stack:
            v = stack.pop()
            for u in self.neighbours(v).tolist():
                if u not in seen and u != without and plan[u] == district:
                    seen.add(u)
                    stack.append(u)
        return sorted(seen)

    def connected(self, plan: np.ndarray, district: int, size: int, without: int = -1) -> bool:
        """``district`` (``size`` villages, ``without`` excluded) is one piece."""
        members = np.flatnonzero(plan == district)
        members = members[members != without]
        return members.size == 0 or len(self.piece(plan, int(members[0]), district, without)) == size


def plan_cost(problem: Districting, plan: np.ndarray) -> float:
    """Objective of ``plan`` (station index per village): the sum of its pairs' costs."""
    return float(problem.cost[np.arange(plan.size), plan].sum())


def violation(problem: Districting, loads: np.ndarray) -> np.ndarray:
    """How far each load lies outside ``[lo, hi]`` (0 within), in the unit of the loads."""
    return np.maximum(loads - problem.hi, 0.0) + np.maximum(problem.lo - loads, 0.0)


def reconnect(problem: Districting, plan: np.ndarray) -> np.ndarray | None:
    """``plan`` with every district connected: the pieces without the centre's village join a neighbour.

    Parameters
    ----------
    problem : Districting
        Costs (``inf``: pair not allowed), roots and the village adjacency (required).
    plan : ndarray of int, shape (n_villages,)
        Station index of each village; its stations are the centres.

    Returns
    -------
    ndarray of int or None
        The connected plan on the same centres (loads may now break their bounds), or None when
        a piece touches no district it may join.
    """
    graph = _Graph(problem)
    out = np.asarray(plan, dtype=np.int64).copy()
    load = problem.load
    for c in np.unique(out).tolist():
        members = np.flatnonzero(out == c)
        pieces, left = [], set(members.tolist())
        root = int(problem.roots[c])
        if root in left:
            pieces.append(graph.piece(out, root, c))
            left -= set(pieces[0])
        while left:
            pieces.append(graph.piece(out, min(left), c))
            left -= set(pieces[-1])
        keep = 0 if root >= 0 and out[root] == c else int(np.argmax([load[q].sum() for q in pieces]))
        for i, q in enumerate(pieces):
            if i != keep:
                out[q] = -1
    while (out < 0).any():
        orphans = np.flatnonzero(out < 0)
        joined = False
        done: set[int] = set()
        for v in orphans.tolist():
            if v in done:
                continue
            piece = graph.piece(out, v, -1)
            done.update(piece)
            touches = np.concatenate([graph.neighbours(u) for u in piece])
            touches = out[touches[out[touches] >= 0]]
            for c in np.argsort(-np.bincount(touches, minlength=out.max() + 1), kind="stable").tolist():
                if (touches == c).any() and np.isfinite(problem.cost[piece, c]).all():
                    out[piece] = c
                    joined = True
                    break
        if not joined:
            return None
    return out


def _moves(problem: Districting, graph: _Graph, plan: np.ndarray, loads: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every allowed single move: village, from, to, and the changes of violation, cost and spread."""
    src, dst = graph.src, graph.dst
    a, b = plan[src], plan[dst]
    ok = (a != b) & (problem.roots[a] != src) & np.isfinite(problem.cost[src, b])
    v, a, b = src[ok], a[ok], b[ok]
    key = np.unique(v * problem.cost.shape[1] + b)
    v, b = key // problem.cost.shape[1], key % problem.cost.shape[1]
    a = plan[v]
    w = problem.load[v]
    before = violation(problem, loads[a]) + violation(problem, loads[b])
    d_violation = violation(problem, loads[a] - w) + violation(problem, loads[b] + w) - before
    d_cost = problem.cost[v, b] - problem.cost[v, a]
    return v, a, b, d_violation, d_cost, _spread(problem, loads[a], loads[b], w)


def _spread(problem: Districting, load_a: np.ndarray, load_b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Change of the squared distances of two loads from the mean when ``w`` moves from the first to the second."""
    mean = (problem.lo + problem.hi) / 2
    return (load_a - w - mean) ** 2 + (load_b + w - mean) ** 2 - (load_a - mean) ** 2 - (load_b - mean) ** 2


def _gains(d_violation: np.ndarray, d_cost: np.ndarray, d_spread: np.ndarray, balanced: bool,
           scale: float) -> np.ndarray:
    """Candidates that gain, best first.

    While a load is out of bounds: those that lower the violation, or keep it and bring the loads
    nearer the mean (so that load flows through districts at their bounds); then those that keep
    every load within bounds and lower the cost.
    """
    tol = 1e-9 * scale
    second = d_cost if balanced else d_spread / scale
    good = np.flatnonzero((d_violation < -tol) | ((d_violation <= tol) & (second < -tol)))
    return good[np.lexsort((second[good], d_violation[good]))][:CHECKS_PER_STEP]


def _single(problem: Districting, graph: _Graph, plan: np.ndarray, loads: np.ndarray, sizes: np.ndarray,
            moves: tuple[np.ndarray, ...], balanced: bool, scale: float) -> bool:
    """Make the best single move that keeps the old district connected; False when none gains."""
    v, a, b, d_violation, d_cost, d_spread = moves
    for i in _gains(d_violation, d_cost, d_spread, balanced, scale).tolist():
        if graph.connected(plan, int(a[i]), int(sizes[a[i]]) - 1, without=int(v[i])):
            plan[v[i]] = b[i]
            loads[a[i]] -= problem.load[v[i]]
            loads[b[i]] += problem.load[v[i]]
            sizes[a[i]] -= 1
            sizes[b[i]] += 1
            return True
    return False


def _swap(problem: Districting, graph: _Graph, plan: np.ndarray, loads: np.ndarray,
          moves: tuple[np.ndarray, ...], balanced: bool, scale: float) -> bool:
    """Make the best swap of two border villages that keeps both districts connected; False when none gains."""
    v, a, b, _, d_cost, _ = moves
    m = problem.cost.shape[1]
    pair = a * m + b
    back = b * m + a
    order = np.argsort(pair, kind="stable")
    lo = np.searchsorted(pair[order], back, side="left")
    hi = np.searchsorted(pair[order], back, side="right")
    first = np.repeat(np.arange(v.size), hi - lo)
    if first.size == 0:
        return False
    second = order[np.concatenate([np.arange(s, e) for s, e in zip(lo.tolist(), hi.tolist())])]
    keep = first < second
    first, second = first[keep], second[keep]
    w = problem.load[v[first]] - problem.load[v[second]]
    da, db = a[first], b[first]
    before = violation(problem, loads[da]) + violation(problem, loads[db])
    d_violation = violation(problem, loads[da] - w) + violation(problem, loads[db] + w) - before
    d_spread = _spread(problem, loads[da], loads[db], w)
    for i in _gains(d_violation, d_cost[first] + d_cost[second], d_spread, balanced, scale).tolist():
        x, y = int(v[first[i]]), int(v[second[i]])
        plan[x], plan[y] = plan[y], plan[x]
        sizes = [int((plan == d).sum()) for d in (da[i], db[i])]
        if (graph.connected(plan, int(da[i]), sizes[0]) and graph.connected(plan, int(db[i]), sizes[1])):
            loads[da[i]] -= w[i]
            loads[db[i]] += w[i]
            return True
        plan[x], plan[y] = plan[y], plan[x]
    return False


def descend(problem: Districting, plan: np.ndarray, *, max_moves: int | None = None) -> tuple[np.ndarray, float]:
    """Move and swap border villages while the balance violation, then the cost, goes down.

    Parameters
    ----------
    problem : Districting
        Costs (``inf``: pair not allowed), loads, load bounds ``[lo, hi]``, roots and the village
        adjacency (required).
    plan : ndarray of int, shape (n_villages,)
        A plan whose districts are connected (e.g. from :func:`reconnect`); loads may break their bounds.
    max_moves : int, optional
        Most moves; default :data:`MOVES_PER_VILLAGE` per village.

    Returns
    -------
    plan, value
        The plan (same centres, every district connected) and its cost; the value is ``inf``
        when some load is still outside its bounds. Never worse than the start: the violation
        never grows, and the cost grows only while the violation falls.
    """
    graph = _Graph(problem)
    out = np.asarray(plan, dtype=np.int64).copy()
    m = problem.cost.shape[1]
    loads = np.bincount(out, weights=problem.load, minlength=m).astype(float)
    sizes = np.bincount(out, minlength=m)
    finite = problem.cost[np.isfinite(problem.cost)]
    scale = max(float(problem.load.sum()), float(np.abs(finite).max(initial=1.0)), 1.0)
    limit = MOVES_PER_VILLAGE * out.size if max_moves is None else max_moves
    for _ in range(limit):
        moves = _moves(problem, graph, out, loads)
        balanced = bool(violation(problem, loads[sizes > 0]).sum() <= LOAD_SLACK)
        if not _single(problem, graph, out, loads, sizes, moves, balanced, scale) and not _swap(
                problem, graph, out, loads, moves, balanced, scale):
            break
    loads = np.bincount(out, weights=problem.load, minlength=m)[np.unique(out)]
    balanced = bool(violation(problem, loads).sum() <= LOAD_SLACK)
    return out, plan_cost(problem, out) if balanced else np.inf


def nearest(problem: Districting, centres: np.ndarray) -> np.ndarray:
    """Every village to its cheapest allowed centre, each centre keeping its own village."""
    centres = np.asarray(centres, dtype=np.int64)
    plan = centres[np.argmin(problem.cost[:, centres], axis=1)]
    for c in centres.tolist():
        if problem.roots[c] >= 0:
            plan[problem.roots[c]] = c
    return plan


def settle(problem: Districting, plan: np.ndarray, *, max_moves: int | None = None) -> tuple[np.ndarray | None, float]:
    """:func:`reconnect`, :func:`descend`, then each district to its best centre and down again, while that gains.

    Parameters
    ----------
    problem : Districting
        As for :func:`descend`.
    plan : ndarray of int, shape (n_villages,)
        Station index of each village (districts may be in pieces, loads out of bounds).
    max_moves : int, optional
        Most moves of each :func:`descend`.

    Returns
    -------
    plan, value
        A plan with every district connected and within the bounds, and its cost, or (None, inf)
        when none was reached. At most :data:`RECENTRINGS` times, each district then takes its
        best station (:func:`recentre`) and the moves go on from there, while the cost falls.
    """
    joined = reconnect(problem, plan)
    if joined is None:
        return None, np.inf
    out, value = descend(problem, joined, max_moves=max_moves)
    if not np.isfinite(value):
        return None, np.inf
    for _ in range(RECENTRINGS):
        old = np.unique(out)
        new = recentre(problem, out)
        if new.size != old.size or (new == old).all():
            break
        moved = out.copy()
        for c in old.tolist():
            inside = new[(new != c) & np.isin(problem.roots[new], np.flatnonzero(out == c))]
            if inside.size:
                moved[out == c] = inside[0]
        moved, better = descend(problem, moved, max_moves=max_moves)
        if not better < value - 1e-9 * abs(value):
            break
        out, value = moved, better
    return out, value
