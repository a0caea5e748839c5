"""Issue 15, metric honesty: lengths, snap distances and travel times are true metres whatever CRS the roads come in.

Web Mercator (EPSG:3857) metres are 1/cos(latitude) long: +16 % at Dianjiang (30.3° N). Roads
given in it used to be measured in it (road km +15.9 %, mean travel time 34.0 -> 39.4 min).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import osmnx as ox
import pytest
import shapely

from jurisdiction.errors import InputError
from jurisdiction.inputs.example import load_example
from jurisdiction.inputs.readers import read_roads
from jurisdiction.network.graph import graph_lines, road_graph
from jurisdiction.network.scale import is_true_scale, measuring_crs, scale_error
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.pipeline import survey
from jurisdiction.scenario import Scenario
from jurisdiction.verification.roads import metric_crs, road_minutes, road_network

#: WGS84, Web Mercator, CGCS2000 3-degree Gauss-Krüger zone 36 (CM 108° E), UTM 48N.
CRSS = ("EPSG:4326", "EPSG:3857", "EPSG:4545", "EPSG:32648")


@pytest.fixture(scope="module")
def example():
    return load_example("dianjiang")


def test_road_km_and_minutes_agree_in_every_crs(example, tmp_path):
    """The same roads written to files in four CRSs: road km and minutes agree within 0.1 %."""
    results = {}
    for crs in CRSS:
        path = tmp_path / f"roads_{crs.replace(':', '_')}.gpkg"
        example.roads.to_crs(crs).to_file(path, driver="GPKG")
        found = survey(example.villages, example.stations, read_roads(path), Scenario(centres=8))
        graph_km = graph_lines(found.graph).length.sum() / 1000.0
        results[crs] = (graph_km, found.diagnosis.workload["road_km"].sum(), found.times.to_numpy())
    graph_km, workload_km, minutes = results["EPSG:32648"]
    assert graph_km == pytest.approx(1241.7, abs=0.1)
    for crs, (km, wkm, times) in results.items():
        assert km == pytest.approx(graph_km, rel=1e-3), crs
        assert wkm == pytest.approx(workload_km, rel=1e-3), crs
        assert np.allclose(times, minutes, rtol=1e-3, atol=1e-6), crs


def test_web_mercator_roads_are_measured_in_utm(example):
    graph = road_graph(example.roads.to_crs("EPSG:3857"))
    assert graph.graph["crs"].to_epsg() == 32648
    kept = road_graph(example.roads.to_crs("EPSG:4545"))  # true-scale here: kept
    assert kept.graph["crs"].to_epsg() == 4545


def test_scale_errors_where_the_data_lies(example):
    for crs, low, high in (("EPSG:3857", 0.15, 0.17), ("EPSG:4545", 0.0, 1e-4), ("EPSG:32648", 0.0, 1e-3)):
        xy = shapely.get_coordinates(example.roads.to_crs(crs).geometry.array)
        assert low <= scale_error(crs, xy) <= high, crs
    xy = shapely.get_coordinates(example.roads.to_crs("EPSG:3857").geometry.array)
    assert not is_true_scale("EPSG:3857", xy)
    assert measuring_crs("EPSG:3857", xy).to_epsg() == 32648
    assert not is_true_scale("EPSG:4326", np.array([[107.3, 30.3]]))


def test_a_stretched_crs_asked_for_is_refused(example):
    with pytest.raises(InputError, match=r"crs=EPSG:3857 stretches lengths by up to 16\.\d% here"):
        road_graph(example.roads, crs="EPSG:3857")
    assert road_graph(example.roads, crs="EPSG:4545").graph["crs"].to_epsg() == 4545


def test_a_web_mercator_graph_given_directly_is_measured_in_true_metres(example):
    """An osmnx graph projected to EPSG:3857 by the caller: snap distances are not stretched."""
    graph = road_graph(example.roads)
    stretched = ox.project_graph(graph, to_crs="EPSG:3857")
    expected = travel_time_matrix(graph, example.villages, example.stations)
    again = travel_time_matrix(stretched, example.villages, example.stations)
    assert np.allclose(again.to_numpy(), expected.to_numpy(), rtol=1e-3, atol=1e-6)


def test_the_verification_measures_in_true_metres_too(example):
    assert metric_crs(example.roads.to_crs("EPSG:3857")).to_epsg() == 32648
    assert metric_crs(example.roads.to_crs("EPSG:4545")).to_epsg() == 4545
    stations = example.stations.iloc[:3]
    ours = travel_time_matrix(road_graph(example.roads), example.villages, stations)
    for crs in ("EPSG:3857", "EPSG:4545"):
        rebuilt = road_minutes(road_network(example.roads.to_crs(crs)), example.villages, stations,
                               access_speed_kph=20.0)
        assert np.allclose(rebuilt.to_numpy(), ours.to_numpy(), rtol=1e-3, atol=1e-6), crs


def test_lines_layer_in_a_local_grid_without_scale_stays(tmp_path):
    grid = ('ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],'
            'AXIS["y",north,LENGTHUNIT["metre",1]]]')
    lines = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=grid)
    graph = road_graph(lines)
    assert graph_lines(graph).length.sum() == pytest.approx(1000.0)
