"""Work budgets: the search decides the same way on an idle and on a busy machine."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from jurisdiction.optimise import Options, solve
from jurisdiction.optimise.balanced.heuristics import assign, balanced_start
from jurisdiction.optimise.balanced.problem import Districting
from jurisdiction.optimise.work import Work, iterations
from tests.support.instances import random_instance


def _problem(seed: int, n: int = 60, m: int = 12, k: int = 4, e: float = 0.05) -> Districting:
    inst = random_instance(seed, n, m)
    cost = inst.times * inst.weights[:, None]
    mean = inst.weights.sum() / k
    return Districting(cost, inst.weights, k, (1 - e) * mean, (1 + e) * mean, inst.station_village,
                       np.ones(m, dtype=bool), np.zeros(m, dtype=bool), inst.adjacency)


@pytest.fixture
def busy_core():
    """A process that keeps one core busy while the test runs."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


def test_a_budget_stops_a_run_after_the_same_work():
    problem = _problem(0, n=80, m=14, k=5, e=0.01)  # a full run: 15 nodes, 8,000 LP iterations
    centres = np.arange(5)
    whole = Work(None, None)
    assert assign(problem, centres, work=whole)[2]
    runs = [Work(500, None) for _ in range(2)]  # 5 nodes' worth
    out = [assign(problem, centres, work=w) for w in runs]
    assert runs[0].spent == runs[1].spent < whole.spent  # stopped by the work done, alike
    assert out[0][1:] == out[1][1:] and not out[0][2]  # the same answer, not proven


def test_parts_charge_their_parent_and_never_exceed_what_is_left():
    whole = Work(1000, None)
    part = whole.part(400)
    part.charge(250)
    assert (whole.spent, whole.left(), part.left()) == (250, 750, 150)
    assert whole.part().left() == 750 and whole.share(0.5, 1.0).left() == 375
    assert [w.left() for w in whole.split(3)] == [250, 250, 250]
    assert Work(None, None).share(0.5, 2.0).left() == iterations(2.0)
    part.charge(200)
    assert part.spent_out() and not whole.spent_out()


def test_the_heuristic_decides_alike_on_a_busy_machine(busy_core):
    problem = _problem(11)
    first = balanced_start(problem, Work(iterations(3.0), None), workers=2)
    second = balanced_start(problem, Work(iterations(3.0), None), workers=2)
    assert first[1] == second[1] and np.array_equal(first[0], second[0])


def test_the_same_plan_and_status_with_a_core_kept_busy():
    """One solve on the machine as it is, one with another process burning a core: the same plan."""
    inst = random_instance(21, 40, 10)
    options = Options(centres=4, balance=0.1, contiguity="cuts", time_limit=600, threads=2)
    quiet = solve(inst, options)
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = solve(inst, options)
    finally:
        burner.kill()
        burner.wait()
    assert (quiet.status, quiet.objective, quiet.rounds) == (busy.status, busy.objective, busy.rounds)
    assert np.array_equal(quiet.assignment, busy.assignment)
    assert np.array_equal(quiet.centres, busy.centres)
