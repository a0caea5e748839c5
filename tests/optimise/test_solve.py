"""solve() against brute-force enumeration on small random instances, and its invariants."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jurisdiction.optimise import Instance, Options, solve
from jurisdiction.optimise.work import Work, iterations
from tests.support.instances import (
    SETTINGS,
    assignments,
    balanced,
    connected,
    expect,
    n_open,
    pmedian_cost,
    random_instance,
    seeds,
    shortest_path_ok,
)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(1, 3),
       limit=st.sampled_from([None, 12.0, 18.0]), solver=st.sampled_from(["highs", "cbc"]))
def test_pmedian_equals_brute_force(seed, n, m, k, limit, solver):
    inst = random_instance(seed, n, m)
    grid = assignments(inst, limit)
    grid = grid[n_open(grid, m) == k]
    best = pmedian_cost(inst, grid).min() if len(grid) else None
    expect(inst, Options(centres=k, limit=limit, gap=0.0, solver=solver), best)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(1, 3))
def test_pcenter_equals_brute_force(seed, n, m, k):
    inst = random_instance(seed, n, m)
    grid = assignments(inst, None)
    grid = grid[n_open(grid, m) == k]
    longest = inst.times[np.arange(n)[None, :], grid].max(axis=1)
    sol = expect(inst, Options(model="p-center", centres=k, gap=0.0), longest.min())
    # Second stage: among plans with that radius, the p-median cost is minimal.
    best_second = pmedian_cost(inst, grid[longest <= longest.min() + 1e-9]).min()
    assert pmedian_cost(inst, sol.assignment[None, :])[0] == pytest.approx(best_second)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(1, 2), limit=st.sampled_from([6.0, 10.0]))
def test_max_covering_equals_brute_force(seed, n, m, k, limit):
    inst = random_instance(seed, n, m)
    grid = assignments(inst, None)
    grid = grid[n_open(grid, m) == k]
    inside = inst.times[np.arange(n)[None, :], grid] <= limit
    covered = (inside * inst.weights[None, :]).sum(axis=1)
    expect(inst, Options(model="max-covering", centres=k, limit=limit, gap=0.0), covered.max())


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), limit=st.sampled_from([8.0, 12.0, 20.0]))
def test_set_covering_equals_brute_force(seed, n, m, limit):
    inst = random_instance(seed, n, m)
    grid = assignments(inst, limit)
    best = n_open(grid, m).min() if len(grid) else None
    expect(inst, Options(model="set-covering", limit=limit, gap=0.0), best)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(2, 3),
       e=st.sampled_from([0.2, 0.4, 0.8]), form=st.sampled_from([None, "cuts", "shortest-path"]))
def test_balance_and_contiguity_equal_brute_force(seed, n, m, k, e, form):
    inst = random_instance(seed, n, m)
    grid = assignments(inst, None)
    grid = grid[(n_open(grid, m) == k) & balanced(grid, inst.weights, m, k, e)]
    if form == "cuts":
        grid = grid[[connected(inst.adjacency, a) for a in grid]] if len(grid) else grid
    elif form == "shortest-path":
        grid = grid[[shortest_path_ok(inst, a) for a in grid]] if len(grid) else grid
    best = pmedian_cost(inst, grid).min() if len(grid) else None
    expect(inst, Options(centres=k, balance=e, contiguity=form, gap=0.0), best)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 9), m=st.integers(3, 5), sizes=st.sampled_from([(1, 2), (2, 3), (2, 2), (1, 3)]),
       density=st.sampled_from([0.5, 1.0]), limit=st.sampled_from([None, 15.0]))
def test_bundling_equals_brute_force(seed, n, m, sizes, density, limit):
    inst = random_instance(seed, n, m)
    rng = np.random.default_rng(seed + 1)
    sadj = rng.random((m, m)) < density
    sadj = sadj | sadj.T
    inst = Instance(**{**inst.__dict__, "station_adjacency": sadj})
    best = None
    for z in itertools.product(range(m), repeat=m):
        z = np.array(z)
        centres = np.unique(z)
        if (z[centres] != centres).any() or any(z[s] != s and not sadj[s, z[s]] for s in range(m)):
            continue
        size = np.bincount(z, minlength=m)[centres]
        if (size < sizes[0]).any() or (size > sizes[1]).any():
            continue
        a = z[inst.home]
        t = inst.times[np.arange(n), a]
        if limit is not None and (t > limit).any():
            continue
        cost = float((inst.weights * t).sum())
        best = cost if best is None else min(best, cost)
    expect(inst, Options(bundle_sizes=sizes, limit=limit, gap=0.0), best)


def test_bundle_scope_keeps_outside_stations():
    inst = random_instance(3, 9, 5)
    scope = np.array([True, True, True, True, False])
    sol = solve(inst, Options(bundle_sizes=(2, 2), bundle_scope=scope, gap=0.0))
    assert 4 in sol.centres and sol.bundle[4] == 4
    assert (sol.assignment[inst.home == 4] == 4).all()
    assert len(sol.centres) == 3  # 4 stations in pairs, plus the one outside


def test_reassignment_with_disruption_penalty():
    inst = random_instance(5, 9, 4)
    follow = solve(inst, Options(bundle_sizes=(1, 2), centres=2, gap=0.0))
    free = solve(inst, Options(bundle_sizes=(1, 2), centres=2, follow_station=False, disruption=0.0, gap=0.0))
    costly = solve(inst, Options(bundle_sizes=(1, 2), centres=2, follow_station=False, disruption=1e6, gap=0.0))
    # Free reassignment cannot cost more than following; a huge penalty brings back the followed plan's cost.
    assert free.objective <= follow.objective + 1e-6
    moved = costly.assignment != costly.bundle[inst.home]
    assert not moved.any()


def test_warm_start_gives_same_optimum():
    inst = random_instance(11, 8, 4)
    cold = solve(inst, Options(centres=2, gap=0.0))
    warm = solve(inst, Options(centres=2, gap=0.0, warm_start=cold.assignment))
    assert warm.objective == pytest.approx(cold.objective)


def test_solution_reports_model_size_and_solver():
    inst = random_instance(2, 8, 4)
    sol = solve(inst, Options(centres=2, limit=15.0, balance=0.9))
    assert sol.solver == "highs" and sol.n_variables > 0 and sol.n_constraints > 0
    assert "K=2" in sol.formulation and "balance" in sol.formulation and sol.seconds > 0
    pairs = int((inst.times <= 15.0).sum())
    assert sol.n_variables == pairs + 4  # x only where t <= limit, plus y


def test_plain_pmedian_goes_to_the_specialised_solver_with_the_same_optimum():
    inst = random_instance(4, 8, 4)
    fast = solve(inst, Options(centres=2, limit=18.0, gap=0.0))
    mip = solve(inst, Options(centres=2, limit=18.0, gap=0.0, solver="cbc"))
    assert fast.solver.startswith("pmedian/") and mip.solver == "cbc"
    assert fast.objective == pytest.approx(mip.objective)
    assert (fast.assignment[inst.station_village[fast.centres]] == fast.centres).all()


def test_warm_start_with_bundling_gives_same_optimum():
    inst = random_instance(13, 9, 5)
    cold = solve(inst, Options(bundle_sizes=(1, 3), centres=3, gap=0.0))
    warm = solve(inst, Options(bundle_sizes=(1, 3), centres=3, gap=0.0, warm_start=cold.assignment))
    assert warm.objective == pytest.approx(cold.objective)
    assert (warm.bundle[inst.home] == warm.assignment).all()


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(2, 3), e=st.sampled_from([0.2, 0.4, 0.8]),
       contiguous=st.booleans(), workers=st.sampled_from([1, 2]))
def test_balanced_start_is_a_balanced_plan_no_better_than_the_optimum(seed, n, m, k, e, contiguous, workers):
    from jurisdiction.optimise.balanced.heuristics import balanced_start
    from jurisdiction.optimise.balanced.problem import Districting

    inst = random_instance(seed, n, m)
    grid = assignments(inst, None)
    grid = grid[(n_open(grid, m) == k) & balanced(grid, inst.weights, m, k, e)]
    if contiguous and len(grid):
        grid = grid[[connected(inst.adjacency, a) for a in grid]]
    cost = inst.weights[:, None] * inst.times
    total = inst.weights.sum()
    lo, hi = (1 - e) * total / k, (1 + e) * total / k
    problem = Districting(cost, inst.weights, k, lo, hi, inst.station_village, np.ones(m, bool), np.zeros(m, bool),
                          inst.adjacency if contiguous else None)
    plan, value = balanced_start(problem, Work(iterations(5.0), None), workers=workers)
    if plan is None:
        assert value == np.inf
        return
    assert len(grid), "a balanced plan was found where brute force finds none"
    centres = np.unique(plan)
    assert centres.size == k
    assert (plan[inst.station_village[centres]] == centres).all()  # a centre keeps its own village
    load = np.bincount(plan, weights=inst.weights, minlength=m)[centres]
    assert (load >= lo - 1e-6).all() and (load <= hi + 1e-6).all()
    assert value == pytest.approx(cost[np.arange(n), plan].sum())
    assert value >= pmedian_cost(inst, grid).min() - 1e-6
    assert not contiguous or connected(inst.adjacency, plan)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(2, 3), e=st.sampled_from([0.2, 0.4, 0.8]))
def test_centre_set_enumeration_equals_brute_force_with_contiguity(seed, n, m, k, e):
    from jurisdiction.optimise.balanced.centre_sets import by_centre_sets
    from jurisdiction.optimise.balanced.problem import Districting

    inst = random_instance(seed, n, m)
    grid = assignments(inst, None)
    grid = grid[(n_open(grid, m) == k) & balanced(grid, inst.weights, m, k, e)]
    grid = grid[[connected(inst.adjacency, a) for a in grid]] if len(grid) else grid
    cost = inst.weights[:, None] * inst.times
    total = inst.weights.sum()
    problem = Districting(cost, inst.weights, k, (1 - e) * total / k, (1 + e) * total / k, inst.station_village,
                          np.ones(m, bool), np.zeros(m, bool), inst.adjacency)
    plan, value, proven = by_centre_sets(problem, Work(None, None), np.inf, 0.0)
    assert proven
    if not len(grid):
        assert plan is None
        return
    assert value == pytest.approx(pmedian_cost(inst, grid).min(), rel=1e-9, abs=1e-6)
    assert connected(inst.adjacency, plan)


def test_two_threads_solve_like_one():
    """``threads=2`` (the heuristics' workers) gives the proven optimum of ``threads=None``.

    HiGHS is never handed the count: its process-wide scheduler keeps the count of the first
    solve and refused a later solve with ``threads=2`` (status "no-solution" before the fix).
    """
    inst = random_instance(7, 9, 5)
    one = solve(inst, Options(centres=2, balance=0.5))
    two = solve(inst, Options(centres=2, balance=0.5, threads=2))
    assert one.status == two.status == "optimal"
    assert two.objective == pytest.approx(one.objective)
