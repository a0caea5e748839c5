"""The figures of a hand-adjusted plan (outputs/adjustment) against the plan's own table and brute force."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.outputs.adjustment import DISTRICT_FIGURES, adjusted_figures, village_graph
from tests.support.county_plans import county_plan


@pytest.fixture(scope="module")
def plan():
    return county_plan()


@pytest.fixture(scope="module")
def graph(plan):
    return village_graph(plan)


def test_unchanged_assignment_gives_the_plan_districts(plan, graph):
    table, overall = adjusted_figures(plan, {}, adjacency=graph)
    expected = plan.districts.set_index("centre")[list(DISTRICT_FIGURES)]
    np.testing.assert_allclose(table[list(DISTRICT_FIGURES)].to_numpy(float), expected.to_numpy(float), rtol=1e-12)
    beyond = int((plan.villages["minutes"] > plan.scenario.limit).sum())
    assert overall == {"beyond_limit": beyond, "split_villages": 0, "disconnected": int((~table["connected"]).sum())}


def test_unknown_village_or_centre_is_named(plan):
    with pytest.raises(KeyError, match="nowhere"):
        adjusted_figures(plan, {"nowhere": plan.districts["centre"].iloc[0]})
    with pytest.raises(KeyError, match="S-none"):
        adjusted_figures(plan, {plan.villages["village_id"].iloc[0]: "S-none"})


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_figures_match_brute_force(plan, graph, data):
    ids = plan.villages["village_id"].astype(str).tolist()
    centres = plan.districts["centre"].astype(str).tolist()
    moved = data.draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(centres), max_size=20))
    table, overall = adjusted_figures(plan, moved, adjacency=graph)

    centre = dict(zip(ids, plan.villages["centre"].astype(str)))
    centre.update(moved)
    times = plan.travel_times
    people = dict(zip(ids, plan.villages["population"].astype(float)))
    network = nx.Graph(list(zip(*graph.nonzero())))
    network.add_nodes_from(range(len(ids)))
    beyond = 0
    for c in centres:
        rows = [i for i, v in enumerate(ids) if centre[v] == c]
        minutes = [float(times.loc[ids[i], c]) for i in rows]
        row = table.loc[c]
        assert row["villages"] == len(rows)
        assert row["population"] == sum(people[ids[i]] for i in rows)
        if rows:
            assert row["max_minutes"] == pytest.approx(max(minutes))
            weight = sum(people[ids[i]] for i in rows)
            assert row["mean_minutes"] == pytest.approx(sum(m * people[ids[i]] for m, i in zip(minutes, rows)) / weight)
        assert row["connected"] == (len(rows) == 0 or nx.is_connected(network.subgraph(rows)))
        beyond += sum(m > plan.scenario.limit for m in minutes)
    assert overall["beyond_limit"] == beyond
    assert overall["disconnected"] == int((~table["connected"]).sum())
