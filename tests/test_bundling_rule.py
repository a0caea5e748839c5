"""The bundling viability rule from the scenario file to the optimiser's options (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.proposal import bundling_rule
from jurisdiction.scenario import Scenario, read_scenario
from jurisdiction.translation import options_for

AUTO = """
[model]
limit = 35
[bundling]
sizes = [2, 3]
stations = "auto"
min_officers = 16
min_population = 20000
"""

#: Four stations in a row a - b - c - d; b is small by the diagnosis, d short of officers.
WORKLOAD = pd.DataFrame({"officers": [20.0, 18.0, 30.0, 10.0], "population": [30000.0, 5000.0, 40000.0, 25000.0],
                         "small": [False, True, False, False]}, index=pd.Index(list("abcd"), name="station_id"))
ROW = np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool) | np.eye(4, k=-1, dtype=bool)


def test_auto_and_the_rule_are_read(tmp_path):
    path = tmp_path / "auto.toml"
    path.write_text(AUTO, encoding="utf-8")
    scenario = read_scenario(path)
    assert scenario.bundle_stations == "auto"
    assert (scenario.min_officers, scenario.min_population) == (16.0, 20000.0)
    assert scenario.centres is None  # optional with a rule


@pytest.mark.parametrize(("changes", "message"), [
    ({"bundle_stations": "auto", "bundle_sizes": (2, 3)}, "needs bundling.sizes and min_officers"),
    ({"bundle_stations": "auto", "min_officers": 16}, "needs bundling.sizes"),
    ({"bundle_stations": "all", "bundle_sizes": (2, 3), "min_officers": 16}, "list of station ids"),
    ({"bundle_sizes": (2, 3), "min_officers": -1}, "min_officers"),
    ({"bundle_sizes": (2, 3), "min_population": float("nan")}, "min_population"),
    ({"bundle_sizes": (2, 3)}, "needs a number of centres"),
])
def test_bad_rules_are_refused(changes, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario(limit=35, **changes)


def test_auto_takes_the_small_stations_and_their_neighbours():
    scenario = Scenario(limit=35, bundle_sizes=(2, 3), bundle_stations="auto", min_officers=16)
    options = options_for(scenario, list("abcd"), workload=WORKLOAD, station_adjacency=ROW)
    # b small by the diagnosis, d short of 16 officers; a and c border b, c borders d.
    assert options.bundle_scope.tolist() == [True, True, True, True]
    assert options.station_officers.tolist() == [20.0, 18.0, 30.0, 10.0]
    assert options.min_officers == 16 and options.min_population is None and options.centres is None
    rich = WORKLOAD.assign(officers=[20.0, 18.0, 30.0, 40.0])
    scope = options_for(scenario, list("abcd"), workload=rich, station_adjacency=ROW).bundle_scope
    assert scope.tolist() == [True, True, True, False]  # only b and its neighbours


def test_a_list_with_a_rule_keeps_its_scope_and_count():
    scenario = Scenario(centres=1, limit=35, bundle_sizes=(2, 3), bundle_stations=("b", "c"), min_population=20000)
    options = options_for(scenario, list("abcd"), workload=WORKLOAD)
    assert options.bundle_scope.tolist() == [False, True, True, False]
    assert options.centres == 3  # one from the list, plus a and d untouched
    assert options.station_population.tolist() == [30000.0, 5000.0, 40000.0, 25000.0]


def test_stations_without_officers_are_named_at_once():
    scenario = Scenario(limit=35, bundle_sizes=(2, 3), bundle_stations="auto", min_officers=16)
    unknown = WORKLOAD.assign(officers=[20.0, np.nan, 30.0, np.nan])
    with pytest.raises(ScenarioError, match=r"no officers for station\(s\) \['b', 'd'\]"):
        options_for(scenario, list("abcd"), workload=unknown, station_adjacency=ROW)


def test_the_rule_in_words():
    scenario = Scenario(limit=35, bundle_sizes=(2, 3), bundle_stations="auto", min_officers=16,
                        min_population=20000, language="en", objective="set-covering")
    assert bundling_rule(scenario) == (
        "each centre pools at least 16 officers and at least 20,000 residents; a station meeting the rule alone "
        "may stay; 2-in-1 / 3-in-1 bundles, each post bordering its centre; every village within 35 min; "
        "candidates: small stations (小散弱) and their neighbours; objective: fewest centres (districts)")
    assert bundling_rule(Scenario(centres=2)) is None
