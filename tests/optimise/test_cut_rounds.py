"""The contiguity cut rounds with repaired incumbents, against brute force.

The brute-force tests in test_solve.py (helpers in tests/support/instances.py) are small
enough that the centre-set enumeration answers them before any cut round; here it is switched
off, so the rounds, the connected repair of their plans and the proof by an infeasible round
carry the whole solve.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise import Options, cut_rounds, engine, solve
from jurisdiction.optimise.balanced import centre_sets as centre_sets_module
from jurisdiction.optimise.balanced.starts import connected_repair, plan_solution
from jurisdiction.optimise.instance import prepare
from jurisdiction.optimise.mip.contiguity import cut_rows
from jurisdiction.optimise.work import Work
from tests.support.instances import (
    SETTINGS,
    assignments,
    balanced,
    check_plan,
    connected,
    n_open,
    pmedian_cost,
    random_instance,
    seeds,
)


def connected_plans(inst, k: int, e: float) -> np.ndarray:
    """Every connected balanced plan with k centres, each keeping its own village."""
    m = inst.times.shape[1]
    grid = assignments(inst, None)
    grid = grid[(n_open(grid, m) == k) & balanced(grid, inst.weights, m, k, e)]
    return grid[[connected(inst.adjacency, a) for a in grid]] if len(grid) else grid


@SETTINGS
@given(seed=seeds, n=st.integers(7, 9), m=st.integers(3, 5), k=st.integers(2, 3), e=st.sampled_from([0.2, 0.4]))
def test_cut_rounds_without_enumeration_equal_brute_force(seed, n, m, k, e):
    inst = random_instance(seed, n, m)
    grid = connected_plans(inst, k, e)
    opts = Options(centres=k, balance=e, contiguity="cuts", gap=0.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(centre_sets_module, "MAX_CENTRE_SETS", 0)
        if not len(grid):
            with pytest.raises(InfeasibleError):
                solve(inst, opts)
            return
        sol = solve(inst, opts)
    check_plan(inst, opts, sol)
    assert sol.objective == pytest.approx(pmedian_cost(inst, grid).min(), rel=1e-6, abs=1e-6)


@SETTINGS
@given(seed=seeds, n=st.integers(7, 9), m=st.integers(4, 5), k=st.integers(2, 3), e=st.sampled_from([0.2, 0.4]))
def test_rounds_from_the_second_best_incumbent_reach_the_optimum(seed, n, m, k, e):
    """Handed the second-best connected plan, the rounds (probing centres against it first) reach the optimum."""
    inst = random_instance(seed, n, m)
    grid = connected_plans(inst, k, e)
    if len(grid) < 2:
        return
    cost = pmedian_cost(inst, grid)
    above = np.flatnonzero(cost > cost.min() * (1 + 1e-6) + 1e-6)
    if not above.size:
        return
    second = above[np.argmin(cost[above])]
    opts = Options(centres=k, balance=e, contiguity="cuts", gap=0.0)
    incumbent = plan_solution(prepare(inst, opts), grid[second], float(cost[second]), "second-best plan")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(centre_sets_module, "MAX_CENTRE_SETS", 0)
        mp.setattr(engine, "contiguous_incumbent", lambda *args, **kwargs: (incumbent, None))
        mp.setattr(engine, "connected_repair", lambda *args, **kwargs: (lambda centres, cutoff, plan=None: None))
        sol = solve(inst, opts)
    check_plan(inst, opts, sol)
    assert sol.objective == pytest.approx(cost.min(), rel=1e-6, abs=1e-6)


@SETTINGS
@given(seed=seeds, n=st.integers(6, 8), m=st.integers(3, 4), k=st.integers(2, 3), e=st.sampled_from([0.2, 0.4, 0.8]))
def test_repair_is_the_best_connected_plan_on_its_centres_or_better(seed, n, m, k, e):
    inst = random_instance(seed, n, m)
    opts = Options(centres=k, balance=e, contiguity="cuts", gap=0.0)
    pool: list = []
    repair = connected_repair(prepare(inst, opts), opts, Work(None, None), pool)
    grid = connected_plans(inst, k, e)
    rng = np.random.default_rng(seed)
    # Repairs share their separator cuts: another centre set's cuts must not cut these plans off.
    for _ in range(m):
        repair(np.sort(rng.choice(m, k, replace=False)), np.inf)
    centres = np.sort(rng.choice(m, k, replace=False))
    on_centres = [a for a in grid if set(np.unique(a).tolist()) == set(centres.tolist())]
    found = repair(centres, np.inf)
    if found is None:
        assert not on_centres
        return
    a = found.assignment
    # Connected, balanced, each centre keeps its village, and priced right.
    assert connected(inst.adjacency, a)
    load = np.bincount(a, weights=inst.weights, minlength=m)[found.centres]
    total = inst.weights.sum()
    assert (load >= (1 - e) * total / k - 1e-6).all() and (load <= (1 + e) * total / k + 1e-6).all()
    assert (a[inst.station_village[found.centres]] == found.centres).all()
    assert found.objective == pytest.approx(pmedian_cost(inst, a[None, :])[0])
    # Recentring only improves on the best plan on the given centres.
    if on_centres:
        assert found.objective <= pmedian_cost(inst, np.array(on_centres)).min() + 1e-6
    # Below a cutoff, or nothing.
    below = repair(centres, found.objective - 1e-6)
    assert below is None or below.objective < found.objective - 1e-6


def test_round_plans_repaired_in_order_and_only_once():
    """_repair_all tries each centre set once and keeps the best plan that beats the incumbent."""
    calls = []

    class Plan:
        def __init__(self, value):
            self.objective = value

    def repair(centres, cutoff, plan=None):
        calls.append((tuple(centres.tolist()), cutoff))
        return Plan(10.0 - len(calls))

    tried: set = set()
    plans = [np.array([0, 0, 1]), np.array([1, 0, 0]), np.array([2, 2, 1]), np.array([0, 3, 3]), np.array([4, 4, 5])]
    best = cut_rounds._repair_all(plans, repair, Plan(20.0), Options(gap=0.0), tried)
    assert [c for c, _ in calls] == [(0, 1), (1, 2), (0, 3)]  # (0, 1) twice counts once; at most 3
    assert best.objective == 7.0
    below = [v - cut_rounds.step(Options(gap=0.0), v) for v in (20.0, 9.0)]  # sought: better by a step
    assert calls[0][1] == pytest.approx(below[0], abs=1e-12) and calls[1][1] == pytest.approx(below[1], abs=1e-12)
    assert cut_rounds._repair_all(plans[:2], repair, None, Options(gap=0.0), tried) is None  # all tried already


@SETTINGS
@given(seed=seeds, n=st.integers(6, 9), m=st.integers(2, 4), tight=st.sampled_from([0.3, 0.5, 1.0]))
def test_length_u_separator_cuts_hold_for_every_light_connected_district(seed, n, m, tight):
    """Every cut of cut_rows with a load bound meets every connected district that fits the bound.

    Districts are enumerated: all connected village sets holding the centre's root and the cut's
    village, inside the villages allowed for that centre, of load at most ``upper``. The cut's
    separator is a part of the plain boundary separator, and the plan it came from breaks it.
    """
    inst = random_instance(seed, n, m)
    adj = inst.adjacency.tocsr()
    rng = np.random.default_rng(seed)
    w = inst.weights
    roots = inst.station_village
    allowed = rng.random((n, m)) < 0.8
    allowed[roots, np.arange(m)] = True
    lookup = np.where(allowed, np.arange(n * m).reshape(n, m), -1)
    upper = np.full(m, tight * w.sum())
    plan = rng.integers(0, m, n)
    plan[roots] = np.arange(m)
    plan = np.where(allowed[np.arange(n), plan], plan, np.argmax(allowed, axis=1))
    plan[roots] = np.arange(m)
    light = cut_rows(adj, plan, roots, np.arange(m), lookup, w, upper)
    plain = {(q, tuple(s.tolist())) for q, s in cut_rows(adj, plan, roots, np.arange(m), lookup)}
    members = [np.array([(bits >> i) & 1 for i in range(n)], bool) for bits in range(1, 2 ** n)]
    for q, seps in light:
        v, d = divmod(int(q), m)
        sep = seps // m
        assert (seps % m == d).all()
        assert any(q == pq and set(sep.tolist()) <= {s // m for s in ps} for pq, ps in plain)
        if plan[v] == d:
            assert not (plan[sep] == d).any()  # the plan breaks its own cut
        for inside in members:
            if not (inside[roots[d]] and inside[v]) or (inside & ~allowed[:, d]).any() or w[inside].sum() > upper[d]:
                continue
            idx = np.flatnonzero(inside)
            if connected_components(adj[idx][:, idx], directed=False)[0] == 1:
                assert inside[sep].any(), (v, d, sep, idx)


@settings(deadline=None, max_examples=10, derandomize=True)
@given(seed=seeds, e=st.sampled_from([0.2, 0.3]))
def test_cuts_shared_by_repairs_hold_for_every_connected_balanced_plan(seed, e):
    """The separator cuts the repairs collect (for any centre set) cut off no connected balanced plan."""
    n, m, k = 8, 5, 3
    inst = random_instance(seed, n, m)
    opts = Options(centres=k, balance=e, contiguity="cuts", gap=0.0)
    pool: list = []
    repair = connected_repair(prepare(inst, opts), opts, Work(None, None), pool)
    for centres in itertools.combinations(range(m), k):
        repair(np.array(centres), np.inf)
    grid = connected_plans(inst, k, e)
    for v, c, sep in pool:
        holds = grid[:, v] == c
        assert (grid[holds][:, sep] == c).any(axis=1).all(), (v, c, sep)
