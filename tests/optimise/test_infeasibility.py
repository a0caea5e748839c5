"""Infeasibility is explained with names and numbers; time limits return incumbents honestly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jurisdiction.errors import InfeasibleError, ScenarioError
from jurisdiction.optimise import Instance, Options, explain_infeasibility, solve


def line_instance(n: int = 6, m: int = 3) -> Instance:
    """Villages on a line 10 minutes apart; stations in villages 0, 2, 4 ..."""
    pos = np.arange(n) * 10.0
    sv = np.arange(m) * 2
    times = np.abs(pos[:, None] - pos[sv][None, :])
    return Instance(times=times, weights=np.full(n, 10.0), station_village=sv,
                    village_ids=[f"village-{i}" for i in range(n)], station_ids=[f"station-{j}" for j in range(m)])


def station_line(m: int) -> Instance:
    """M stations on a line, each in its own village, 10 minutes apart."""
    pos = np.arange(m) * 10.0
    return Instance(times=np.abs(pos[:, None] - pos[None, :]), weights=np.ones(m), station_village=np.arange(m),
                    home=np.arange(m))


def test_village_beyond_limit_is_named_with_nearest_candidate():
    inst = line_instance(8, 3)  # stations at 0, 20, 40; village 7 at 70 is 30 min from station-2
    reasons = explain_infeasibility(inst, Options(centres=2, limit=25.0))
    assert len(reasons) == 1
    assert "village-7 (nearest candidate station-2 at 30.0 min)" in reasons[0]
    assert "village-6" not in reasons[0]
    with pytest.raises(InfeasibleError) as err:
        solve(inst, Options(centres=2, limit=25.0))
    assert "village-7" in str(err.value)


def test_unreachable_village_named():
    inst = line_instance(4, 2)
    times = inst.times.copy()
    times[3, :] = np.inf
    reasons = explain_infeasibility(Instance(**{**inst.__dict__, "times": times}), Options(centres=1, limit=60.0))
    assert "village-3 (unreachable from every candidate centre)" in reasons[0]


def test_excluded_station_is_not_a_nearest_candidate():
    inst = line_instance(8, 3)
    inst = Instance(**{**inst.__dict__, "excluded": np.array([False, False, True])})
    (reason,) = explain_infeasibility(inst, Options(centres=2, limit=25.0))
    assert "village-5 (nearest candidate station-1 at 30.0 min)" in reason


def test_balance_names_the_largest_village_with_numbers():
    inst = line_instance(6, 3)
    w = np.array([10, 10, 10, 10, 10, 100.0])  # total 150, K=3: upper bound 1.1 * 50 = 55
    inst = Instance(**{**inst.__dict__, "weights": w})
    (reason,) = explain_infeasibility(inst, Options(centres=3, balance=0.1))
    assert "at most 55" in reason and "village-5 (100)" in reason
    with pytest.raises(InfeasibleError, match="village-5"):
        solve(inst, Options(centres=3, balance=0.1))


@pytest.mark.parametrize("stations,sizes,ok",
                         [(17, (2, 3), True), (7, (3, 3), False), (6, (3, 3), True), (5, (2, 2), False)])
def test_bundle_group_sizes(stations, sizes, ok):
    inst = station_line(stations)
    reasons = explain_infeasibility(inst, Options(bundle_sizes=sizes))
    if ok:
        assert reasons == []
    else:
        assert reasons == [f"{stations} stations in the bundling scope cannot be split of "
                           f"{sizes[0]}..{sizes[1]} stations each"]


def test_bundle_groups_with_count():
    inst = station_line(17)
    assert explain_infeasibility(inst, Options(bundle_sizes=(2, 3), centres=8)) == []
    (reason,) = explain_infeasibility(inst, Options(bundle_sizes=(2, 3), centres=9))
    assert "17 stations" in reason and "into 9..9 groups" in reason


def test_fixed_beyond_count_and_capacity_below_total():
    inst = line_instance(6, 3)
    fixed = Instance(**{**inst.__dict__, "fixed": np.array([True, True, True])})
    assert any("3 fixed centres" in r and "exceed the 2 centres" in r
               for r in explain_infeasibility(fixed, Options(centres=2)))
    cap = Instance(**{**inst.__dict__, "capacity": np.array([20.0, 20.0, 15.0])})
    reasons = explain_infeasibility(cap, Options(centres=2))
    assert any("40" in r and "below the total weight 60" in r for r in reasons)


def test_solver_infeasible_names_the_combination():
    # Pre-checks pass (each village alone fits), but 3 equal districts of a 7-village line with
    # weights 10 cannot each carry 70/3 ± 1%.
    inst = line_instance(7, 3)
    with pytest.raises(InfeasibleError) as err:
        solve(inst, Options(centres=3, balance=0.01))
    text = str(err.value)
    assert "3 centres + balance ±1.0%" in text and "wider balance tolerance" in text


def test_bad_options_raise_scenario_error():
    inst = line_instance()
    with pytest.raises(ScenarioError, match="model 'p-mean'"):
        solve(inst, Options(model="p-mean", centres=2))
    with pytest.raises(ScenarioError, match="needs centres"):
        solve(inst, Options())
    with pytest.raises(ScenarioError, match="adjacency"):
        solve(inst, Options(centres=2, contiguity="cuts"))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_returns_incumbent_with_gap(solver):
    # 300 villages in 12 vertical strips of 25; one station per strip plus 28 more. Equal weights
    # and a 3% tolerance force exactly 25 villages per district: hard to prove in 1 s, and the
    # strips are a feasible warm start, so an incumbent exists whatever the machine's load.
    rng = np.random.default_rng(7)
    n, k = 300, 12
    pts = rng.random((n, 2))
    order = np.argsort(pts[:, 0])
    strip = np.empty(n, dtype=int)
    strip[order] = np.arange(n) // 25
    first = np.array([order[25 * i + 12] for i in range(k)])
    others = rng.choice(np.setdiff1d(np.arange(n), first), 28, replace=False)
    sv = np.concatenate([first, others])
    times = np.linalg.norm(pts[:, None] - pts[sv][None], axis=2) * 60
    inst = Instance(times=times, weights=np.ones(n), station_village=sv)
    sol = solve(inst, Options(centres=k, balance=0.03, time_limit=1.0, threads=1, warm_start=strip,
                                  solver=solver))
    assert sol.status == "feasible"
    # A bound only if the solver got that far in 1 s (a busy machine may not): either way, honest.
    assert (math.isnan(sol.bound) and sol.gap == math.inf) or (sol.gap > 0 and sol.bound < sol.objective)
    assert (np.bincount(sol.assignment, minlength=len(sv))[sol.centres] == 25).all()
