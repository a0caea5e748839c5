"""Small random optimisation instances and brute-force checks shared by the optimise tests."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components, shortest_path
from scipy.spatial import Delaunay

from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise import Instance, Options, solve
from jurisdiction.optimise.accounting import tolerance

SETTINGS = settings(deadline=None, max_examples=25, derandomize=True)


def random_instance(seed: int, n: int, m: int) -> Instance:
    """Villages at random points, stations in m of them, Euclidean minutes, Delaunay adjacency."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    sv = rng.choice(n, m, replace=False)
    times = np.round(np.linalg.norm(pts[:, None] - pts[sv][None], axis=2) * 30, 1)
    w = rng.integers(1, 50, n).astype(float)
    edges = set()
    for a, b, c in Delaunay(pts).simplices:
        edges |= {(a, b), (b, c), (a, c)}
    e = np.array(sorted(edges))
    adj = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
    adj = ((adj + adj.T) > 0).astype(int)
    home = np.argmin(times, axis=1)
    home[sv] = np.arange(m)
    return Instance(times=times, weights=w, adjacency=adj, station_village=sv, home=home,
                    village_ids=[f"v{i}" for i in range(n)], station_ids=[f"s{j}" for j in range(m)])


def assignments(inst: Instance, limit: float | None) -> np.ndarray:
    """Every assignment village -> station that respects the limit and keeps each open centre's own village."""
    n, m = inst.times.shape
    grid = np.array(list(itertools.product(range(m), repeat=n)), dtype=np.int64)
    t = inst.times[np.arange(n)[None, :], grid]
    ok = np.ones(len(grid), bool) if limit is None else (t <= limit + 1e-9).all(axis=1)
    for c, r in enumerate(inst.station_village):
        used = (grid == c).any(axis=1)
        ok &= ~used | (grid[:, r] == c)
    return grid[ok]


def n_open(grid: np.ndarray, m: int) -> np.ndarray:
    return np.stack([(grid == c).any(axis=1) for c in range(m)], axis=1).sum(axis=1)


def loads(grid: np.ndarray, w: np.ndarray, m: int) -> np.ndarray:
    return np.stack([((grid == c) * w[None, :]).sum(axis=1) for c in range(m)], axis=1)


def balanced(grid: np.ndarray, w: np.ndarray, m: int, k: int, e: float) -> np.ndarray:
    ld = loads(grid, w, m)
    lo, hi = (1 - e) * w.sum() / k, (1 + e) * w.sum() / k
    used = np.stack([(grid == c).any(axis=1) for c in range(m)], axis=1)
    return (~used | ((ld >= lo - 1e-9) & (ld <= hi + 1e-9))).all(axis=1)


def connected(adj, a: np.ndarray) -> bool:
    for c in np.unique(a):
        idx = np.flatnonzero(a == c)
        if idx.size > 1 and connected_components(adj[idx][:, idx], directed=False)[0] != 1:
            return False
    return True


def shortest_path_ok(inst: Instance, a: np.ndarray) -> bool:
    """Each non-root village has a neighbour in its district closer to the centre (time, then hops)."""
    adj = sp.csr_matrix(inst.adjacency)
    hops = shortest_path(adj, unweighted=True, directed=False, indices=inst.station_village).T
    t = inst.times
    for v, c in enumerate(a):
        if v == inst.station_village[c]:
            continue
        nb = adj.indices[adj.indptr[v]:adj.indptr[v + 1]]
        closer = [u for u in nb
                  if a[u] == c and (t[u, c] < t[v, c] or (t[u, c] == t[v, c] and hops[u, c] < hops[v, c]))]
        if not closer:
            return False
    return True


def pmedian_cost(inst: Instance, grid: np.ndarray) -> np.ndarray:
    n = inst.times.shape[0]
    return (inst.weights[None, :] * inst.times[np.arange(n)[None, :], grid]).sum(axis=1)


def check_plan(inst: Instance, opts: Options, sol) -> None:
    """Invariants every Solution must satisfy."""
    n, m = inst.times.shape
    a = sol.assignment
    assert a.shape == (n,) and ((a >= 0) & (a < m)).all(), "every village assigned exactly once"
    assert set(np.unique(a)) <= set(sol.centres.tolist())
    if opts.limit is not None and opts.model != "max-covering":
        assert (inst.times[np.arange(n), a] <= opts.limit + 1e-9).all()
    if opts.balance is not None:
        k = len(sol.centres)
        ld = np.bincount(a, weights=inst.weights, minlength=m)[sol.centres]
        w = inst.weights.sum()
        assert (ld >= (1 - opts.balance) * w / k - 1e-6).all() and (ld <= (1 + opts.balance) * w / k + 1e-6).all()
    if opts.contiguity is not None:
        assert connected(inst.adjacency, a)
    if opts.bundle_sizes is not None:
        sizes = np.bincount(sol.bundle, minlength=m)[sol.centres]
        assert (sizes >= opts.bundle_sizes[0]).all() and (sizes <= opts.bundle_sizes[1]).all()
        assert (sol.bundle[sol.centres] == sol.centres).all()
        if opts.follow_station:
            assert (a == sol.bundle[inst.home]).all()
    assert sol.status == "optimal" and sol.gap <= tolerance(opts)


def expect(inst: Instance, opts: Options, best: float | None):
    """Solve and compare with the brute-force optimum (None: brute force found no plan)."""
    if best is None:
        with pytest.raises(InfeasibleError):
            solve(inst, opts)
        return None
    sol = solve(inst, opts)
    check_plan(inst, opts, sol)
    assert sol.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
    return sol


seeds = st.integers(0, 10_000)


def feasible_assignments(cost, p, demand, capacity):
    """Every capacity-feasible assignment with at most p facilities, with its cost."""
    n, m = cost.shape
    for a in itertools.product(range(m), repeat=n):
        a = np.array(a, dtype=np.int64)
        if len(set(a.tolist())) <= p and np.bincount(a, weights=demand, minlength=m).max() <= capacity:
            yield a, float(cost[np.arange(n), a].sum())
