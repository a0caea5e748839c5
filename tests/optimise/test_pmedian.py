"""Exact p-median solvers: brute-force agreement, consistency, and OR-Library instances."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.errors import InfeasibleError, InputError
from jurisdiction.optimise.pmedian.branch_price import branch_and_price
from jurisdiction.optimise.pmedian.capacitated import _prepare, _strong_model
from jurisdiction.optimise.pmedian.columns import column_generation, lagrangian_value, master_heuristic, price
from jurisdiction.optimise.pmedian.exact import solve_capacitated_pmedian, solve_pmedian, textbook_pmedian
from jurisdiction.optimise.pmedian.fixing import relax
from jurisdiction.optimise.pmedian.highs_arrays import run_highs
from tests.support.instances import feasible_assignments

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def brute_pmedian(cost, p, weights, candidates, fixed):
    best = np.inf
    free = [j for j in candidates if j not in fixed]
    for extra in itertools.combinations(free, p - len(fixed)):
        served = cost[:, list(fixed) + list(extra)].min(axis=1)
        if np.isfinite(served).all():
            best = min(best, float((weights * served).sum()))
    return best


def brute_capacitated(cost, p, demand, capacity):
    return min((c for _, c in feasible_assignments(cost, p, demand, capacity)), default=np.inf)


@st.composite
def instances(draw, integer=True):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 6))
    values = st.integers(0, 30).map(float) if integer else st.floats(0, 30, allow_nan=False)
    cost = np.array(draw(st.lists(values, min_size=n * m, max_size=n * m))).reshape(n, m)
    forbid = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    cost[forbid & (draw(st.integers(0, 3)) == 0)] = np.inf
    cand = np.array(sorted(draw(st.sets(st.integers(0, m - 1), min_size=1))))
    p = draw(st.integers(1, cand.size))
    fixed = np.array(sorted(draw(st.sets(st.sampled_from(cand.tolist()), max_size=p))), dtype=int)
    weights = np.array(draw(st.lists(st.integers(0, 5).map(float), min_size=n, max_size=n)))
    return cost, p, weights, cand, fixed


def check_solution(result, cost, p, weights, cand, fixed):
    n = cost.shape[0]
    assert result.open.size == p
    assert set(result.open) <= set(cand) and set(fixed) <= set(result.open)
    assert np.isin(result.assignment, result.open).all()
    served = cost[np.arange(n), result.assignment]
    assert np.isfinite(served).all()
    assert np.allclose(served, cost[:, result.open].min(axis=1))  # nearest open facility
    assert result.objective == pytest.approx(float((weights * served).sum()))
    assert result.bound <= result.objective + 1e-9
    assert 0.0 <= result.gap <= 1e-9 and result.status == "optimal"


@settings(deadline=None, max_examples=60)
@given(instances())
def test_uncapacitated_matches_brute_force(instance):
    cost, p, weights, cand, fixed = instance
    best = brute_pmedian(cost, p, weights, cand.tolist(), fixed.tolist())
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            solve_pmedian(cost, p, weights=weights, candidates=cand, fixed=fixed)
        return
    result = solve_pmedian(cost, p, weights=weights, candidates=cand, fixed=fixed)
    assert result.objective == pytest.approx(best)
    check_solution(result, cost, p, weights, cand, fixed)


@settings(deadline=None, max_examples=30)
@given(instances(integer=False))
def test_uncapacitated_real_costs_match_brute_force(instance):
    cost, p, weights, cand, fixed = instance
    best = brute_pmedian(cost, p, weights, cand.tolist(), fixed.tolist())
    if np.isfinite(best):
        result = solve_pmedian(cost, p, weights=weights, candidates=cand, fixed=fixed)
        assert result.objective == pytest.approx(best, rel=1e-7, abs=1e-7)
        assert result.bound <= result.objective + 1e-9


@settings(deadline=None, max_examples=25)
@given(instances())
def test_radius_mip_fallback_matches_brute_force(instance):
    """With no time for the tree search, the radius MIP over the fixed pairs must be exact too."""
    cost, p, weights, cand, fixed = instance
    best = brute_pmedian(cost, p, weights, cand.tolist(), fixed.tolist())
    if np.isfinite(best):
        result = solve_pmedian(cost, p, weights=weights, candidates=cand, fixed=fixed, tree_seconds=0.0)
        assert result.objective == pytest.approx(best)
        check_solution(result, cost, p, weights, cand, fixed)


def test_tree_search_and_radius_mip_paths_are_exact():
    """Instances with a Lagrangian gap go through the tree search (or, with no time for it, the radius MIP).

    Both must agree with brute force, and the sample must exercise both paths.
    """
    used = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        cost = rng.integers(0, 40, size=(12, 10)).astype(float)
        cost[rng.random((12, 10)) < 0.1] = np.inf
        cost[:, 0] = np.where(np.isinf(cost[:, 0]), 39.0, cost[:, 0])
        best = brute_pmedian(cost, 3, np.ones(12), list(range(10)), [])
        for tree_seconds in (120.0, 0.0):
            result = solve_pmedian(cost, 3, tree_seconds=tree_seconds)
            assert result.objective == best, (seed, tree_seconds, result.formulation)
            check_solution(result, cost, 3, np.ones(12), np.arange(10), [])
            used.add(result.formulation.split(" (")[0].split(" +")[0])
    assert {"lagrangian branch and bound", "radius"} <= used, used


def test_larger_random_instance_uses_search_and_matches_textbook():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 100, size=(60, 2))
    cost = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    weights = rng.integers(1, 20, size=60).astype(float)
    ours = solve_pmedian(cost, 4, weights=weights)
    base = textbook_pmedian(cost, 4, weights=weights, solver="highs", time_limit=60)
    assert ours.status == "optimal" and base.status == "optimal"
    assert ours.objective == pytest.approx(base.objective)
    assert ours.bound == pytest.approx(ours.objective)


def test_textbook_cbc_agrees_on_small_instance():
    rng = np.random.default_rng(3)
    cost = rng.integers(1, 50, size=(12, 8)).astype(float)
    cost[0, :7] = np.inf
    cbc = textbook_pmedian(cost, 3, solver="cbc", time_limit=30)
    assert cbc.objective == pytest.approx(brute_pmedian(cost, 3, np.ones(12), list(range(8)), []))
    assert cbc.assignment[0] == 7 and 7 in cbc.open


def test_infinite_costs_are_never_used():
    cost = np.array([[0.0, np.inf, 5.0], [np.inf, 0.0, 1.0], [2.0, np.inf, 0.0]])
    result = solve_pmedian(cost, 1)
    assert result.open.tolist() == [2] and result.objective == 6.0


def test_errors_name_the_problem():
    with pytest.raises(InfeasibleError, match="no candidate facility at finite cost"):
        solve_pmedian(np.array([[np.inf, np.inf], [1.0, 0.0]]), 1)
    with pytest.raises(InfeasibleError, match="only 2 candidates"):
        solve_pmedian(np.ones((3, 2)), 3)
    with pytest.raises(InputError, match="weights"):
        solve_pmedian(np.ones((3, 2)), 1, weights=np.array([1.0, -1.0, 2.0]))
    with pytest.raises(InfeasibleError, match="exceeds"):
        solve_capacitated_pmedian(np.ones((3, 3)), 1, np.array([2.0, 2.0, 2.0]), 5.0)


@st.composite
def capacitated_instances(draw):
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 4))
    cost = np.array(draw(st.lists(st.integers(0, 20).map(float), min_size=n * m, max_size=n * m))).reshape(n, m)
    demand = np.array(draw(st.lists(st.integers(0, 6).map(float), min_size=n, max_size=n)))
    capacity = float(draw(st.integers(1, 12)))
    p = draw(st.integers(1, m))
    return cost, p, demand, capacity


@settings(deadline=None, max_examples=50)
@given(capacitated_instances())
def test_capacitated_matches_brute_force(instance):
    cost, p, demand, capacity = instance
    best = brute_capacitated(cost, p, demand, capacity)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            solve_capacitated_pmedian(cost, p, demand, capacity)
        return
    result = solve_capacitated_pmedian(cost, p, demand, capacity)
    assert result.objective == pytest.approx(best)
    assert result.status == "optimal" and result.bound <= result.objective + 1e-9
    load = np.bincount(result.assignment, weights=demand, minlength=cost.shape[1])
    assert load.max() <= capacity + 1e-9
    assert np.unique(result.assignment).size <= p


def test_orlib_pmed1_and_pmed2(shared):
    bench = _bench("orlib_pmed")
    folder = shared / "benchmarks" / "orlib-pmed"
    known = bench.optima(folder)
    for name in ("pmed1", "pmed2"):
        cost, p = bench.read_pmed(folder / f"{name}.txt")
        result = solve_pmedian(cost, p)
        assert (round(result.objective), result.status, result.gap) == (known[name], "optimal", 0.0)


def test_orlib_pmedcap1_instance_1(shared):
    bench = _bench("orlib_pmedcap")
    cost, p, demand, capacity = bench.read_pmedcap(shared / "benchmarks" / "orlib-pmedcap" / "pmedcap1_01.txt")
    result = solve_capacitated_pmedian(cost, p, demand, capacity)
    assert (round(result.objective), result.status) == (713, "optimal")
    assert np.bincount(result.assignment, weights=demand).max() <= capacity


@settings(deadline=None, max_examples=40)
@given(capacitated_instances())
def test_column_generation_bound_is_valid_and_at_least_lp(instance):
    cost, p, demand, capacity = instance
    best = brute_capacitated(cost, p, demand, capacity)
    if not np.isfinite(best):
        return
    cost, d, q, usable = _prepare(cost, p, demand, capacity)
    n, m = cost.shape
    columns = column_generation(cost, usable, d, q, p, None)
    assert columns.converged and columns.bound == pytest.approx(columns.lp_value, abs=1e-6)
    assert columns.bound <= best + 1e-6
    # At least the LP bound of the strong compact model ...
    _, _, arrays = _strong_model(cost, usable, np.zeros(m), np.ones(m), d, q, p)
    lp = run_highs(*arrays[:3], np.zeros(arrays[0].size, dtype=bool), *arrays[4:])
    assert columns.bound >= lp.objective - 1e-6
    # ... and at least the knapsack Lagrangian bound at any multipliers.
    for u in (columns.duals, np.zeros(n), cost.min(axis=1) + 1.0):
        assert columns.bound >= relax(cost, usable, u, d, q, p)[0] - 1e-6
    a = master_heuristic(cost, columns.facility, columns.members, p)
    if a is not None:
        assert np.bincount(a, weights=d, minlength=m).max() <= capacity + 1e-9
        assert np.unique(a).size <= p and cost[np.arange(n), a].sum() >= best - 1e-9


def test_column_generation_on_pmedcap1_instance_1(shared):
    bench = _bench("orlib_pmedcap")
    cost, p, demand, capacity = bench.read_pmedcap(shared / "benchmarks" / "orlib-pmedcap" / "pmedcap1_01.txt")
    cost, d, q, usable = _prepare(cost, p, demand, capacity)
    columns = column_generation(cost, usable, d, q, p, None)
    assert columns.converged and 700 <= columns.bound <= 713
    value, _ = price(cost, usable, columns.duals, d, q)
    assert lagrangian_value(columns.duals, value, p) == pytest.approx(columns.bound)


def _first_feasible(cost, p, demand, capacity):
    n, m = cost.shape
    for a in itertools.product(range(m), repeat=n):
        a = np.array(a, dtype=np.int64)
        if len(set(a.tolist())) <= p and np.bincount(a, weights=demand, minlength=m).max() <= capacity:
            return a
    return None


@settings(deadline=None, max_examples=40)
@given(capacitated_instances())
def test_branch_and_price_finds_and_proves_the_optimum(instance):
    cost, p, demand, capacity = instance
    best = brute_capacitated(cost, p, demand, capacity)
    if not np.isfinite(best):
        return
    start = _first_feasible(cost, p, demand, capacity)
    cost, d, q, usable = _prepare(cost, p, demand, capacity)
    a, objective, bound, nodes, _ = branch_and_price(cost, usable, d, q, p, start, 1.0)
    assert objective == pytest.approx(best) and nodes >= 1
    assert best - 1.0 < bound <= best + 1e-9  # integer costs: nothing cheaper than best - 1
    assert cost[np.arange(cost.shape[0]), a].sum() == pytest.approx(best)
    assert np.bincount(a, weights=d, minlength=cost.shape[1]).max() <= capacity + 1e-9
    assert np.unique(a).size <= p


@pytest.mark.parametrize("seed", [23, 101, 133, 148, 246])
def test_branch_and_price_branches_on_tight_instances(seed):
    # Seeds whose master LP is fractional: unless the root bound already proves the plan, the
    # search must branch.
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 20, (7, 3)).astype(float)
    demand = rng.integers(1, 6, 7).astype(float)
    capacity = float(np.ceil(demand.sum() / 2 * 1.05))
    best = brute_capacitated(cost, 2, demand, capacity)
    start = _first_feasible(cost, 2, demand, capacity)
    cost, d, q, usable = _prepare(cost, 2, demand, capacity)
    a, objective, bound, nodes, _ = branch_and_price(cost, usable, d, q, 2, start, 1.0)
    root = column_generation(cost, usable, d, q, 2, None)
    assert root.bound < best + 1e-9
    if root.bound < best - 1.0 + 1e-6:
        assert nodes >= 3
    assert objective == pytest.approx(best) and best - 1.0 < bound <= best + 1e-9
    assert np.bincount(a, weights=d, minlength=3).max() <= capacity
    result = solve_capacitated_pmedian(cost, 2, demand, capacity)
    assert result.objective == pytest.approx(best) and result.status == "optimal"
