"""The search's live state: what the engine tells its reporter is true of the plan it returns."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

import jurisdiction.optimise.progress as progress
from jurisdiction.optimise import Options, solve
from tests.support.instances import SETTINGS, random_instance


def test_the_timer_reports_the_state_it_was_told():
    got: list[progress.SearchState] = []
    ticked = threading.Event()

    def callback(state):
        got.append(state)
        ticked.set()

    with progress.reporting(callback, maximise=False, period_s=0.01):
        progress.stage("cut round 1", solver_bound=True)
        progress.plan_found(120.0)
        progress.plan_found(130.0)  # worse: the best stays
        progress.bound_found(100.0)
        progress.bound_found(90.0)  # weaker: the bound stays
        ticked.clear()
        assert ticked.wait(30)
    last = got[-1]
    assert (last.stage, last.objective, last.bound) == ("cut round 1", 120.0, 100.0)
    assert last.gap == pytest.approx(20 / 120)
    assert progress._current.get() is None  # the solve's reporter is gone with it


def test_a_maximisation_keeps_the_largest_plan_and_the_smallest_bound():
    with progress.reporting(lambda state: None, maximise=True, period_s=60):
        progress.plan_found(5.0)
        progress.plan_found(7.0)
        progress.bound_found(9.0)
        progress.bound_found(11.0)
        update = progress.solver_hook(True)  # the solver minimises -objective
        progress.stage("solving the model", solver_plans=True, solver_bound=True)
        update(-8.0, -8.5)
        state = progress._current.get().state()
    assert (state.objective, state.bound) == (8.0, 8.5)


def test_a_stricter_model_gives_plans_but_no_bound():
    with progress.reporting(lambda state: None, maximise=False, period_s=60):
        progress.stage("cut round 1", solver_bound=True)
        with progress.restricted():
            progress.stage("solving the model", solver_plans=True, solver_bound=True)
            progress.solver_hook(False)(50.0, 45.0)
            progress.bound_found(48.0)
        state = progress._current.get().state()
    assert (state.stage, state.objective) == ("cut round 1", 50.0)  # the outer stage is back
    assert math.isnan(state.bound)


def test_without_a_callback_nothing_reports():
    with progress.reporting(None, maximise=False):
        assert progress._current.get() is None  # the solve's reporter is gone with it
        assert progress.solver_hook(False) is None
        progress.plan_found(1.0)  # no reporter: nothing happens


@SETTINGS
@given(seed=st.integers(0, 10_000), e=st.sampled_from([0.2, 0.4]), form=st.sampled_from(["cuts", "shortest-path"]))
def test_every_reported_plan_and_bound_brackets_the_optimum(monkeypatch_module, seed, e, form):
    """What the engine reports on the way: plans no better than the optimum, bounds no better either."""
    plans, bounds = [], []
    monkeypatch_module.setattr(progress, "plan_found", plans.append)
    monkeypatch_module.setattr(progress, "bound_found", bounds.append)
    inst = random_instance(seed, 14, 6)
    try:
        sol = solve(inst, Options(centres=3, balance=e, contiguity=form, gap=0.0, progress=lambda s: None))
    except Exception:  # an infeasible draw reports nothing to check
        return
    assert sol.status == "optimal"
    tol = 1e-6 * max(1.0, abs(sol.objective))
    assert all(value >= sol.objective - tol for value in plans)
    assert all(value <= sol.objective + tol for value in bounds)
