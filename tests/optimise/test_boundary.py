"""Moves of border villages (optimise/balanced/boundary.py): connected, balanced, never worse, deterministic."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from jurisdiction.optimise.balanced.boundary import descend, nearest, plan_cost, reconnect, settle, violation
from jurisdiction.optimise.balanced.heuristics import greedy_centres
from jurisdiction.optimise.balanced.problem import Districting
from tests.support.instances import SETTINGS, assignments, balanced, connected, random_instance


def _problem(seed: int, n: int, m: int, k: int, e: float) -> Districting:
    inst = random_instance(seed, n, m)
    mean = inst.weights.sum() / k
    return Districting(inst.times * inst.weights[:, None], inst.weights, k, (1 - e) * mean, (1 + e) * mean,
                       inst.station_village, np.ones(m, dtype=bool), np.zeros(m, dtype=bool), inst.adjacency)


def _start(problem: Districting, seed: int) -> np.ndarray:
    """Every village to the nearest of ``k`` random centres: districts in pieces, loads anywhere."""
    rng = np.random.default_rng(seed)
    return nearest(problem, np.sort(rng.choice(problem.cost.shape[1], problem.k, replace=False)))


def _pieces(problem: Districting, plan: np.ndarray) -> list[int]:
    """Pieces of each district, counted by scipy."""
    adjacency = problem.adjacency.tocsr()
    return [connected_components(adjacency[idx][:, idx], directed=False)[0]
            for idx in (np.flatnonzero(plan == c) for c in np.unique(plan))]


def _holds(problem: Districting, plan: np.ndarray, value: float) -> None:
    loads = np.bincount(plan, weights=problem.load)[np.unique(plan)]
    assert _pieces(problem, plan) == [1] * problem.k
    assert (loads >= problem.lo - 1e-6).all() and (loads <= problem.hi + 1e-6).all()
    assert all(plan[problem.roots[c]] == c for c in np.unique(plan))
    assert np.isclose(value, plan_cost(problem, plan))


sizes = st.tuples(st.integers(0, 10_000), st.integers(15, 45), st.integers(2, 5), st.sampled_from([0.05, 0.2, 0.5]))


@SETTINGS
@given(sizes)
def test_settled_plans_are_connected_and_within_bounds(case):
    seed, n, k, e = case
    problem = _problem(seed, n, 2 * k, k, e)
    plan, value = settle(problem, _start(problem, seed))
    if plan is not None:
        _holds(problem, plan, value)


@SETTINGS
@given(sizes)
def test_moves_never_make_the_start_worse(case):
    seed, n, k, e = case
    problem = _problem(seed, n, 2 * k, k, e)
    start = reconnect(problem, _start(problem, seed))
    assert _pieces(problem, start) == [1] * problem.k
    plan, value = descend(problem, start)
    assert _pieces(problem, plan) == [1] * problem.k
    assert (np.unique(plan) == np.unique(start)).all()

    def spilled(p):
        return violation(problem, np.bincount(p, weights=problem.load)[np.unique(p)]).sum()

    assert spilled(plan) <= spilled(start) + 1e-9
    if spilled(start) == 0:  # a balanced start: the cost never rises
        assert value <= plan_cost(problem, start) + 1e-9
        _holds(problem, plan, value)


@SETTINGS
@given(sizes)
def test_the_same_plan_gives_the_same_result(case):
    seed, n, k, e = case
    problem = _problem(seed, n, 2 * k, k, e)
    start = _start(problem, seed)
    first, again = settle(problem, start.copy()), settle(problem, start.copy())
    assert (first[0] is None and again[0] is None) or (first[0] == again[0]).all()
    assert first[1] == again[1]


@SETTINGS
@given(st.integers(0, 10_000), st.sampled_from([0.1, 0.3]))
def test_never_better_than_the_brute_force_optimum(seed, e):
    n, m, k = 8, 3, 2
    inst = random_instance(seed, n, m)
    problem = _problem(seed, n, m, k, e)
    grid = assignments(inst, None)
    grid = grid[np.array([np.unique(a).size == k for a in grid])]
    grid = grid[balanced(grid, inst.weights, m, k, e)]
    grid = grid[np.array([connected(inst.adjacency, a) for a in grid], dtype=bool)]
    best = min((plan_cost(problem, a) for a in grid), default=np.inf)
    for centres in greedy_centres(problem, np.random.default_rng(seed), 3):
        plan, value = settle(problem, nearest(problem, centres))
        assert value >= best - 1e-6
        if plan is not None:
            _holds(problem, plan, value)


def test_no_moves_keep_the_start():
    problem = _problem(3, 30, 6, 3, 0.2)
    start = reconnect(problem, _start(problem, 3))
    assert (descend(problem, start, max_moves=0)[0] == start).all()
