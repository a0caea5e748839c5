"""place_posts on layers: the six-village county of tests/support/files, every number recomputed."""

from __future__ import annotations

import itertools

import pytest

from jurisdiction import Scenario
from jurisdiction.errors import ScenarioError
from jurisdiction.patrol import place_posts
from tests.support import files
from tests.support.posts import covered_weight


@pytest.fixture(scope="module")
def small_county():
    """The six-village county of tests/support/files (3 x 2 cells of 1 km, a road grid)."""
    return files.villages(incidents=[6, 5, 4, 3, 2, 1]), files.roads()


def test_place_posts_on_layers_recomputes_every_number(small_county):
    villages, roads = small_county
    scenario = Scenario(centres=1)
    placement = place_posts(villages, roads, scenario, minutes=[2, 4], k=[1, 2], site_spacing_m=None,
                            weight="incidents")
    times = placement.times.to_numpy()
    weights = villages["incidents"].to_numpy(float)
    assert len(placement.coverage) == 4 and placement.weight == "incidents"
    for row in placement.coverage.itertuples():
        posts = placement.posts[placement.posts["run"] == row.run]
        assert len(posts) == row.k == row.posts
        columns = [placement.times.columns.get_loc(s) for s in posts["site_id"]]
        assert row.weight_covered == pytest.approx(covered_weight(times, weights, columns, row.minutes))
        assert row.share == pytest.approx(row.weight_covered / weights.sum())
        assert posts["weight_covered"].sum() == pytest.approx(row.weight_covered)
        demand = placement.demand[placement.demand["run"] == row.run]
        assert row.uncovered == "; ".join(demand.loc[~demand["covered"], "village_id"])
        best = max(covered_weight(times, weights, subset, row.minutes)
                   for subset in itertools.combinations(range(times.shape[1]), row.k))
        assert row.weight_covered == pytest.approx(best)
    assert placement.catchments is not None and set(placement.catchments["run"]) == set(placement.coverage["run"])
    assert str(placement.posts.crs) == "EPSG:4326"


def test_place_posts_cover_all_with_given_sites(small_county):
    villages, roads = small_county
    sites = files.stations().rename(columns={"station_id": "site_id"})
    placement = place_posts(villages, roads, Scenario(centres=1), minutes=30, cover_all=True, sites=sites,
                            catchments=False)
    (row,) = placement.coverage.itertuples()
    assert row.model == "set-covering" and row.posts == 1 and row.share == 1.0 and row.villages_uncovered == 0
    assert placement.catchments is None
    with pytest.raises(ScenarioError, match="not both"):
        place_posts(villages, roads, Scenario(centres=1), minutes=30, k=1, cover_all=True, sites=sites)
