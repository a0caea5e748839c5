"""Issue 15, maxspeed plausibility: a posted speed outside 5-150 km/h is ignored, with one warning naming the rows.

Before: ``maxspeed = "999999"`` was taken as km/h (the road took no time at all), silently.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import pytest
import shapely

from jurisdiction.inputs.example import load_example
from jurisdiction.inputs.readers import read_roads
from jurisdiction.network.graph import road_graph
from jurisdiction.pipeline import survey
from jurisdiction.scenario import Scenario
from jurisdiction.verification.roads import maxspeed_kph


def test_implausible_maxspeed_is_ignored_with_one_warning_naming_the_rows(tmp_path):
    example = load_example("dianjiang")
    roads = example.roads.copy()
    roads["maxspeed"] = None
    roads.loc[[3, 7], "maxspeed"] = "999999"
    roads.loc[9, "maxspeed"] = "1"
    roads.loc[11, "maxspeed"] = "60"
    path = tmp_path / "roads.gpkg"
    roads.to_file(path, driver="GPKG")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = survey(example.villages, example.stations, read_roads(path), Scenario(centres=8))
    said = [str(w.message) for w in caught if "maxspeed" in str(w.message)]
    assert said == ["3 road(s) (6 directed edge(s)) have a maxspeed outside 5-150 km/h, ignored (the road class's "
                    "speed is used): maxspeed '999999' on row 3, row 7; maxspeed '1' on row 9"]
    speeds = {d["source_row"]: d["speed_kph"] for _, _, d in found.graph.edges(data=True)}
    classes = {d["source_row"]: d["road_class"] for _, _, d in found.graph.edges(data=True)}
    from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH

    for row in ("3", "7", "9"):
        assert speeds[row] == DEFAULT_SPEEDS_KPH[classes[row]]
    assert speeds["11"] == 60.0


def test_osm_ways_are_named_by_their_id_and_a_rebuilt_graph_warns_no_more():
    graph = nx.MultiDiGraph(crs="EPSG:32648")
    graph.add_node(1, x=600_000.0, y=3_300_000.0)
    graph.add_node(2, x=601_000.0, y=3_300_000.0)
    graph.add_edge(1, 2, length=1000.0, highway="primary", maxspeed="999999", osmid=42)
    graph.add_edge(2, 1, length=1000.0, highway="primary", maxspeed=["4", "50"], osmid=43)
    with pytest.warns(UserWarning, match=r"maxspeed '999999' on way 42"):
        built = road_graph(graph)
    assert built[1][2][0]["speed_kph"] == 60.0 and built[2][1][0]["speed_kph"] == 50.0  # the list's plausible one
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        road_graph(built)  # the pipeline builds a given graph again: said once


@pytest.mark.parametrize(("value", "expected"), [("999999", None), ("1", None), ("150", 150.0), ("5", 5.0),
                                                 ("100 mph", None), ("60", 60.0)])
def test_the_verification_believes_the_same_speeds(value, expected):
    assert maxspeed_kph(value) == expected


def test_lines_without_maxspeed_warn_nothing():
    lines = gpd.GeoDataFrame({"road_class": ["county"]}, geometry=[shapely.LineString([(0, 0), (1000, 0)])],
                             crs="EPSG:32648")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        road_graph(lines)
