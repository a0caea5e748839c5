"""The Pareto front on arrays, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from jurisdiction.sweeps.pareto import BLOCK, pareto_front


def brute_force(points: np.ndarray) -> list[bool]:
    """Each point against every other, one pair at a time."""
    front = []
    for i, p in enumerate(points):
        if np.isnan(p).any():
            front.append(False)
            continue
        dominated = False
        for j, q in enumerate(points):
            if j != i and not np.isnan(q).any() and all(a <= b for a, b in zip(q, p)) and any(
                    a < b for a, b in zip(q, p)):
                dominated = True
        front.append(not dominated)
    return front


# Few distinct values, so that ties and duplicates are common; NaN for runs without numbers.
values = st.sampled_from([0.0, 1.0, 2.0, 2.5, 7.0, np.nan])


@settings(max_examples=300, deadline=None)
@given(arrays(float, st.tuples(st.integers(0, 30), st.integers(1, 4)), elements=values))
def test_the_front_is_the_brute_force_front(points):
    assert pareto_front(points).tolist() == brute_force(points)


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_more_points_than_a_block(seed):
    points = np.random.default_rng(seed).integers(0, 6, size=(BLOCK + 37, 3)).astype(float)
    assert pareto_front(points).tolist() == brute_force(points)


def test_ties_stay_and_a_strictly_better_point_wins():
    points = np.array([[6, 20.0, 40.0], [6, 20.0, 40.0], [7, 18.0, 35.0], [7, 19.0, 35.0], [8, 18.0, 35.0]])
    assert pareto_front(points).tolist() == [True, True, True, False, False]


def test_a_point_on_every_axis_alone_is_on_the_front():
    points = np.array(list(itertools.permutations([1.0, 2.0, 3.0])))
    assert pareto_front(points).all()


def test_shape_is_checked():
    with pytest.raises(ValueError, match="2-d"):
        pareto_front(np.zeros(3))
    assert pareto_front(np.zeros((0, 3))).tolist() == []
