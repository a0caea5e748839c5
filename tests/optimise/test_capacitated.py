"""Capacitated p-median internals: neighbourhood branching, group rows, reduced-cost fixing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.optimise.pmedian.branch_price import _restrictions, branch_and_price
from jurisdiction.optimise.pmedian.branching import branch_on_groups, group_candidates
from jurisdiction.optimise.pmedian.capacitated import _prepare, solve_capacitated_pmedian
from jurisdiction.optimise.pmedian.columns import column_generation, generate, new_master, set_groups
from jurisdiction.optimise.pmedian.fixing import fix
from jurisdiction.optimise.pmedian.knapsack import price
from tests.support.instances import feasible_assignments


@st.composite
def tight_instances(draw):
    n = draw(st.integers(2, 6))
    m = draw(st.integers(2, 4))
    cost = np.array(draw(st.lists(st.integers(0, 20).map(float), min_size=n * m, max_size=n * m))).reshape(n, m)
    demand = np.array(draw(st.lists(st.integers(1, 6).map(float), min_size=n, max_size=n)))
    p = draw(st.integers(1, m))
    capacity = float(max(demand.max(), np.ceil(demand.sum() / p * draw(st.sampled_from([1.0, 1.1, 1.3])))))
    return cost, p, demand, capacity


def test_neighbourhood_of_a_fractional_facility():
    y = np.array([0.3, 0.0, 0.3, 1.0, 0.4])
    near = np.array([[0, 1, 2, 4, 3], [1, 0, 2, 3, 4], [2, 1, 0, 4, 3], [3, 4, 2, 1, 0], [4, 2, 3, 0, 1]])
    (kind_in, _, group, side_in), (kind_out, _, group_out, side_out) = branch_on_groups(y, near)
    # From facility 0: {0, 1} carries 0.3, {0, 1, 2} carries 0.6 (nearest 0.5), adding 4 reaches 1.
    assert (kind_in, kind_out, side_in, side_out) == ("g", "g", 1, 0)
    assert group.tolist() == [True, True, True, False, False] and group_out is group
    allowed, _, must, groups = _restrictions(np.ones((3, 5), dtype=bool), [("g", -1, group, 0)])
    assert not allowed[:, group].any() and allowed[:, ~group].all() and not must.any() and groups == []
    _, _, _, groups = _restrictions(np.ones((3, 5), dtype=bool), [("g", -1, group, 1)])
    assert len(groups) == 1 and groups[0] is group
    assert branch_on_groups(np.array([1.0, 0.0, 1.0]), np.tile(np.arange(3), (3, 1))) is None


@settings(deadline=None, max_examples=40)
@given(tight_instances(), st.data())
def test_group_row_bound_is_valid(instance, data):
    cost, p, demand, capacity = instance
    m = cost.shape[1]
    group = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
    if not group.any():
        group[0] = True
    best = min((c for a, c in feasible_assignments(cost, p, demand, capacity) if group[np.unique(a)].any()),
               default=np.inf)
    cost, d, q, usable = _prepare(cost, p, demand, capacity) if np.isfinite(best) else (None,) * 4
    if cost is None:
        return
    master = new_master(np.where(usable, cost, np.inf), p, None)
    set_groups(master, [group])
    bound, _, lp_value, converged, _, values = generate(master, cost, usable, d, q)
    assert converged and lp_value - 1e-6 <= bound <= best + 1e-6
    # A feasible node is never reported infeasible: no artificial column in the LP solution.
    assert values[: cost.shape[0]].max() <= 1e-6
    lam = values[cost.shape[0]:]
    assert lam[group[master.facility]].sum() >= 1.0 - 1e-6


@settings(deadline=None, max_examples=40)
@given(tight_instances())
def test_fixing_keeps_every_solution_at_the_target(instance):
    cost, p, demand, capacity = instance
    solutions = list(feasible_assignments(cost, p, demand, capacity))
    if not solutions:
        return
    best = min(c for _, c in solutions)
    cost, d, q, usable = _prepare(cost, p, demand, capacity)
    n = cost.shape[0]
    columns = column_generation(cost, usable, d, q, p, None)
    for target in (best, best + 3.0):
        pair_ok, facility_ok, excluded = fix(cost, usable, columns.duals, d, q, p, target)
        for a, c in solutions:
            uses_dropped = not pair_ok[np.arange(n), a].all() or not facility_ok[np.unique(a)].all()
            if uses_dropped:
                assert c > target and c >= excluded - 1e-6
            elif c <= target:
                assert pair_ok[np.arange(n), a].all()


def seeded_tight_instance(seed: int, n: int, m: int, p: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(cost, demand, capacity) with capacity 5 % above an even split of the demand over p."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 20, (n, m)).astype(float)
    demand = rng.integers(1, 6, n).astype(float)
    return cost, demand, float(np.ceil(demand.sum() / p * 1.05))


@pytest.mark.parametrize("seed", range(40))
def test_branch_and_price_proves_tight_instances(seed):
    n, m, p = 7, 4, 2
    cost, demand, capacity = seeded_tight_instance(seed, n, m, p)
    solutions = list(feasible_assignments(cost, p, demand, capacity))
    if not solutions:
        return
    best = min(c for _, c in solutions)
    start = min(solutions, key=lambda s: -s[1])[0]  # the worst feasible plan as incumbent
    c, d, q, usable = _prepare(cost, p, demand, capacity)
    root = column_generation(c, usable, d, q, p, None).bound
    a, objective, bound, nodes, _ = branch_and_price(c, usable, d, q, p, start, 1.0)
    assert objective == pytest.approx(best) and best - 1.0 < bound <= best + 1e-9
    assert c[np.arange(n), a].sum() == pytest.approx(best)
    assert np.bincount(a, weights=d, minlength=m).max() <= capacity and np.unique(a).size <= p
    if root < best - 1.0 + 1e-6:  # the root bound cannot prove it: the search must branch
        assert nodes >= 3
    result = solve_capacitated_pmedian(cost, p, demand, capacity)
    assert result.objective == pytest.approx(best) and result.status == "optimal"


def test_neighbourhood_candidates_for_strong_branching():
    y = np.array([0.3, 0.0, 0.3, 1.0, 0.4])
    near = np.array([[0, 1, 2, 4, 3], [1, 0, 2, 3, 4], [2, 1, 0, 4, 3], [3, 4, 2, 1, 0], [4, 2, 3, 0, 1]])
    found = group_candidates(y, near, 10)
    as_sets = sorted(tuple(np.flatnonzero(g)) for g in found)
    # From 0: {0, 1} (0.3) and {0, 1, 2} (0.6); from 2: {1, 2}; from 4: {4} and {2, 4} (0.7).
    assert as_sets == [(0, 1), (0, 1, 2), (1, 2), (2, 4), (4,)]
    assert all(y[g].sum() < 1.0 for g in found)
    assert abs(y[found[0]].sum() - 0.5) <= min(abs(y[g].sum() - 0.5) for g in found) + 1e-12
    assert len(group_candidates(y, near, 2)) == 2
    assert group_candidates(np.array([1.0, 0.0, 1.0]), np.tile(np.arange(3), (3, 1)), 5) == []


def test_group_rows_replaced_in_part_give_the_fresh_lp():
    rng = np.random.default_rng(3)
    n, m, p = 9, 5, 2
    cost = rng.integers(0, 30, (n, m)).astype(float)
    demand = rng.integers(1, 6, n).astype(float)
    capacity = float(np.ceil(demand.sum() / p * 1.1))
    cost, d, q, usable = _prepare(cost, p, demand, capacity)
    g1, g2, g3 = (np.isin(np.arange(m), s) for s in ([0, 1], [2], [3, 4]))
    master = new_master(np.where(usable, cost, np.inf), p, None)
    set_groups(master, [g1, g2])
    generate(master, cost, usable, d, q)
    set_groups(master, [g1, g3])  # keeps the g1 row, swaps g2's for g3's
    assert master.h.getNumRow() == n + m + 1 + 2
    _, _, reused, converged, _, _ = generate(master, cost, usable, d, q)
    fresh = new_master(np.where(usable, cost, np.inf), p, None)
    set_groups(fresh, [g1, g3])
    _, _, value, fresh_converged, _, _ = generate(fresh, cost, usable, d, q)
    assert converged and fresh_converged and reused == pytest.approx(value, abs=1e-6)


# Seeds whose root master LP opens some facility fractionally (found by search).
@pytest.mark.parametrize("seed", [8, 10, 16, 39, 53, 62, 88, 95, 100, 101, 102, 106, 108, 112, 114, 117, 122, 123])
def test_strong_branching_proves_the_optimum(seed, monkeypatch):
    import jurisdiction.optimise.pmedian.branch_price as bp

    n, m, p = 8, 5, 2
    cost, demand, capacity = seeded_tight_instance(seed, n, m, p)
    solutions = list(feasible_assignments(cost, p, demand, capacity))
    best = min(c for _, c in solutions)
    start = max(solutions, key=lambda s: s[1])[0]
    c, d, q, usable = _prepare(cost, p, demand, capacity)
    root = column_generation(c, usable, d, q, p, None).bound
    evaluated = []
    original = bp._bound_children
    monkeypatch.setattr(bp, "_bound_children", lambda *a, **k: evaluated.append(a[4]) or original(*a, **k))
    for strong in (True, False):
        evaluated.clear()
        a, objective, bound, nodes, _ = branch_and_price(c, usable, d, q, p, start, 1.0, strong=strong,
                                                         strong_candidates=3)
        assert objective == pytest.approx(best) and best - 1.0 < bound <= best + 1e-9
        assert c[np.arange(n), a].sum() == pytest.approx(best)
        assert np.bincount(a, weights=d, minlength=m).max() <= capacity and np.unique(a).size <= p
        if root < best - 1.0 + 1e-6:  # the root cannot prove it: strong branching compares candidates
            assert (len(evaluated) > 0) == strong and all(1 <= len(cands) <= 3 for cands in evaluated)


def _knapsack_brute(profit, weight, capacity, forced=()):
    """Best profit of a subset containing ``forced`` within ``capacity`` (-inf when they do not fit)."""
    import itertools

    items = [i for i in range(len(profit)) if i not in forced]
    best = -np.inf
    for r in range(len(items) + 1):
        for subset in itertools.combinations(items, r):
            chosen = list(subset) + list(forced)
            if weight[chosen].sum() <= capacity:
                best = max(best, profit[chosen].sum())
    return best


@st.composite
def pricing_cases(draw):
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 4))
    cost = np.array(draw(st.lists(st.integers(0, 20).map(float), min_size=n * m, max_size=n * m))).reshape(n, m)
    usable = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    demand = np.array(draw(st.lists(st.integers(0, 5).map(float), min_size=n, max_size=n)))
    capacity = np.array(draw(st.lists(st.integers(0, 12).map(float), min_size=m, max_size=m)))
    usable &= demand[:, None] <= capacity[None, :]
    pi = np.array(draw(st.lists(st.floats(-5, 25, allow_nan=False), min_size=n, max_size=n)))
    forced = np.zeros((n, m), dtype=bool)
    if draw(st.booleans()):
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, m - 1))
        forced[i, j] = usable[i, j]
    return cost, usable, demand, capacity, pi, forced


@settings(deadline=None, max_examples=200)
@given(pricing_cases())
def test_pricing_matches_brute_force(case):
    cost, usable, demand, capacity, pi, forced = case
    value, members = price(cost, usable, pi, demand, capacity, forced if forced.any() else None)
    for j in range(cost.shape[1]):
        # Profit pi_i - c_ij of the usable clients; the best set may leave any of them out.
        gain = np.where(usable[:, j], pi - cost[:, j], -np.inf)
        must = tuple(np.flatnonzero(forced[:, j]))
        allowed = [i for i in range(len(pi)) if gain[i] > -np.inf]
        best = _knapsack_brute(gain[allowed], demand[allowed], capacity[j],
                               tuple(allowed.index(i) for i in must))
        assert np.isclose(value[j], -best) if np.isfinite(best) else value[j] == np.inf
        if np.isfinite(value[j]):
            s = members[j]
            assert (~s | usable[:, j]).all() and (s >= forced[:, j]).all()
            assert demand[s].sum() <= capacity[j] + 1e-9
            assert np.isclose((cost[s, j] - pi[s]).sum(), value[j])


@settings(deadline=None, max_examples=300)
@given(pricing_cases(), st.integers(1, 4), st.floats(0, 15, allow_nan=False))
def test_fixing_drops_exactly_the_pairs_whose_forced_bound_exceeds_the_target(case, p, above):
    cost, usable, demand, capacity, u, _ = case
    n, m = cost.shape
    p = min(p, m)
    profit = np.maximum(np.where(usable, u[:, None] - cost, 0.0), 0.0)
    rho = np.array([-_knapsack_brute(profit[:, j], demand, capacity[j]) for j in range(m)])
    order = np.argsort(rho, kind="stable")
    value = u.sum() + rho[order[:p]].sum()
    target = value + above  # near the Lagrangian bound, where pairs start to be dropped
    pair_ok, facility_ok, excluded = fix(cost, usable, u, demand, capacity, p, target)
    chosen = np.isin(np.arange(m), order[:p])
    tol = 1e-9 * max(1.0, abs(target))
    for j in range(m):
        opened = value if chosen[j] else value - rho[order[p - 1]] + rho[j]
        assert facility_ok[j] == (opened <= target + tol)
        for i in range(n):
            if not (usable[i, j] and facility_ok[j]):
                assert not pair_ok[i, j]
                continue
            rest = profit[:, j].copy()
            rest[i] = 0.0
            others = _knapsack_brute(rest, demand, capacity[j] - demand[i])
            bound = opened - rho[j] + cost[i, j] - u[i] - others if chosen[j] else \
                value - rho[order[p - 1]] + cost[i, j] - u[i] - others
            if not np.isclose(bound, target + tol):
                assert pair_ok[i, j] == (bound <= target + tol), (i, j, bound, target)
            if not pair_ok[i, j]:
                assert excluded <= bound + 1e-9
