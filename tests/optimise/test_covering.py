"""Posts on arrays (optimise/covering.py) against brute force: every set of sites enumerated.

Each number is recomputed from the travel-time matrix (a village is covered when some chosen
post is within t minutes).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jurisdiction.errors import InfeasibleError, ScenarioError
from jurisdiction.optimise.covering import choose_posts
from tests.support.instances import SETTINGS
from tests.support.posts import covered_weight


@st.composite
def small_instances(draw):
    """Up to 6 villages and 5 sites, minutes 0..12 in whole numbers (ties are common), some pairs unreachable."""
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 5))
    cells = draw(st.lists(st.one_of(st.integers(0, 12).map(float), st.just(np.inf)), min_size=n * m, max_size=n * m))
    weights = draw(st.lists(st.integers(0, 30).map(float), min_size=n, max_size=n))
    t = draw(st.sampled_from([1.0, 3.0, 5.0, 8.0]))
    return np.array(cells).reshape(n, m), np.array(weights), t


@SETTINGS
@given(small_instances(), st.data())
def test_max_covering_equals_brute_force(instance, data):
    times, weights, t = instance
    k = data.draw(st.integers(1, min(times.shape)))
    (run,) = choose_posts(times, weights, t, k=k)
    assert run.posts.size == k and run.model == "max-covering"
    best = max(covered_weight(times, weights, subset, t) for subset in itertools.combinations(range(times.shape[1]), k))
    assert covered_weight(times, weights, run.posts, t) == pytest.approx(best)
    assert run.solution.status == "optimal"


@SETTINGS
@given(small_instances())
def test_set_covering_takes_the_fewest_posts_and_covers_everything(instance):
    times, weights, t = instance
    m = times.shape[1]
    unreached = np.flatnonzero(~(times <= t).any(axis=1))
    if unreached.size:
        with pytest.raises(InfeasibleError) as caught:
            choose_posts(times, weights, t, village_labels=[f"村{v}" for v in range(times.shape[0])])
        message = str(caught.value)
        assert all(f"村{v} " in message for v in unreached)
        assert f"{t:g} min: {unreached.size} village(s) have no candidate site within" in message
        return
    (run,) = choose_posts(times, weights, t)
    assert run.model == "set-covering"
    assert (times[:, run.posts] <= t + 1e-9).any(axis=1).all()
    fewest = min(size for size in range(1, m + 1) for subset in itertools.combinations(range(m), size)
                 if (times[:, list(subset)] <= t).any(axis=1).all())
    assert run.posts.size == fewest


def test_an_uncoverable_village_is_named_with_its_nearest_site_for_each_time():
    times = np.array([[0.5, 4.0], [2.5, 6.0], [np.inf, np.inf]])
    with pytest.raises(InfeasibleError) as caught:
        choose_posts(times, np.ones(3), [1, 3], village_labels=["东村 (V1)", "西村 (V2)", "孤村 (V3)"],
                     site_ids=["A", "B"])
    reasons = caught.value.reasons
    assert len(reasons) == 2
    assert reasons[0].startswith("1 min: 2 village(s)") and "西村 (V2) (nearest site A at 2.50 min)" in reasons[0]
    assert "孤村 (V3) (nearest site A at inf min)" in reasons[0]
    assert reasons[1].startswith("3 min: 1 village(s)") and "西村" not in reasons[1]


def test_max_covering_leaves_an_unreachable_village_uncovered():
    times = np.array([[1.0, 9.0], [9.0, 1.0], [np.inf, np.inf]])
    runs = choose_posts(times, np.array([5.0, 3.0, 100.0]), [2], k=[1, 2])
    assert [covered_weight(times, np.array([5.0, 3.0, 100.0]), r.posts, 2) for r in runs] == [5.0, 8.0]
    assert runs[0].posts.tolist() == [0]


@pytest.mark.parametrize(("minutes", "k", "words"), [
    ([], 2, "minutes: give at least one"),
    ([0], 2, "minutes: expected a positive number"),
    ([float("nan")], 2, "minutes: expected a finite number"),
    ([5], 0, "k: expected positive whole numbers"),
    ([5], [1, 2.5], "k: expected positive whole numbers"),
    ([5], 4, "k: [4] posts asked, but there are only 3 candidate sites"),
    ([5], 3, "k: 3 posts asked for 2 villages"),
])
def test_bad_minutes_or_counts_are_named(minutes, k, words):
    with pytest.raises(ScenarioError, match=None) as caught:
        choose_posts(np.ones((2, 3)), np.ones(2), minutes, k=k)
    assert words in str(caught.value)
