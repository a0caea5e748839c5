"""Probing centres on the LP relaxation, against brute force.

What it closes and forbids, no plan below the cutoff uses.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jurisdiction.optimise.balanced.probing import probe_centres
from jurisdiction.optimise.balanced.problem import PairModel
from jurisdiction.optimise.work import Work
from tests.support.instances import SETTINGS, assignments, balanced, n_open, pmedian_cost, random_instance, seeds


def probe(inst, k: int, e: float, cutoff: float, workers: int = 1):
    n, m = inst.times.shape
    pair_v, pair_c = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), indexing="ij"))
    w = inst.weights
    lo, hi = (1 - e) * w.sum() / k, (1 + e) * w.sum() / k
    model = PairModel(pair_v, pair_c, (w[:, None] * inst.times)[pair_v, pair_c], w, (k, k), np.full(m, lo),
                      np.full(m, hi), np.asarray(inst.station_village), np.arange(m), np.zeros(m, bool), inst.times)
    return probe_centres(model, cutoff, Work(None, None), workers=workers, near=m)


def plans(inst, k: int, e: float) -> tuple[np.ndarray, np.ndarray]:
    """Every balanced plan with k centres (keeping each centre's village) and its cost."""
    m = inst.times.shape[1]
    grid = assignments(inst, None)
    grid = grid[(n_open(grid, m) == k) & balanced(grid, inst.weights, m, k, e)]
    return grid, pmedian_cost(inst, grid)


@SETTINGS
@given(seed=seeds, n=st.integers(7, 9), m=st.integers(4, 5), k=st.integers(2, 3), e=st.sampled_from([0.1, 0.3, 0.6]),
       above=st.sampled_from([0.0, 0.02, 0.1]))
def test_no_plan_below_the_cutoff_opens_a_closed_centre_or_a_conflicting_pair(seed, n, m, k, e, above):
    inst = random_instance(seed, n, m)
    grid, cost = plans(inst, k, e)
    cutoff = cost.min() * (1 + above) if len(grid) else 1e9
    probed = probe(inst, k, e, cutoff)
    below = grid[cost <= cutoff + 1e-9]
    opened = np.stack([(below == c).any(axis=1) for c in range(m)], axis=1) if len(below) else np.zeros((0, m), bool)
    for c in probed.closed.tolist():
        assert not opened[:, c].any(), f"centre {c} closed, but a plan below the cutoff opens it"
    for a, b in probed.conflicts:
        assert not (opened[:, a] & opened[:, b]).any(), f"pair {a, b} forbidden, but a plan below the cutoff opens both"


def test_probing_closes_and_forbids_on_a_tight_instance():
    """The checks above are not vacuous: at the optimum, probing rules out most centres and pairs."""
    inst = random_instance(7, 9, 5)
    grid, cost = plans(inst, 2, 0.1)
    used = {tuple(np.unique(a).tolist()) for a in grid[cost <= cost.min() + 1e-9]}
    probed = probe(inst, 2, 0.1, float(cost.min()))
    assert len(probed.closed) + len(probed.conflicts) > 0
    opened = set(c for s in used for c in s)
    assert not opened & set(probed.closed.tolist())
    assert not used & set(probed.conflicts)


@pytest.mark.parametrize("seed", [3, 11])
def test_two_workers_prove_what_one_proves(seed):
    inst = random_instance(seed, 9, 5)
    grid, cost = plans(inst, 2, 0.3)
    one = probe(inst, 2, 0.3, float(cost.min()) * 1.01)
    two = probe(inst, 2, 0.3, float(cost.min()) * 1.01, workers=2)
    assert one.closed.tolist() == two.closed.tolist() and one.conflicts == two.conflicts
