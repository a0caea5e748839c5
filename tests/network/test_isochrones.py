"""Isochrones: reachable nodes inside, far nodes outside, bands nested, edges cut at the frontier."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.errors import InputError, NetworkError
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.bands import isochrones
from jurisdiction.network.graph import road_graph

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 3_300_000.0
SPACING = 500.0
BUFFER = 100.0


def grid(rows: int = 8, cols: int = 8, oneway_rows: tuple[int, ...] = (3,)) -> nx.MultiDiGraph:
    """A grid of 500 m village roads (30 km/h); the rows in ``oneway_rows`` run one way, eastwards."""
    lines, oneway = [], []
    for r in range(rows):
        for c in range(cols - 1):
            lines.append(shapely.LineString([(X0 + c * SPACING, Y0 + r * SPACING),
                                             (X0 + (c + 1) * SPACING, Y0 + r * SPACING)]))
            oneway.append("yes" if r in oneway_rows else "no")
    for c in range(cols):
        for r in range(rows - 1):
            lines.append(shapely.LineString([(X0 + c * SPACING, Y0 + r * SPACING),
                                             (X0 + c * SPACING, Y0 + (r + 1) * SPACING)]))
            oneway.append("no")
    return road_graph(gpd.GeoDataFrame({"road_class": "village", "oneway": oneway}, geometry=lines, crs=CRS))


GRID = grid()
ARRAYS = graph_arrays(GRID)


def station_at(index: int, offset=(0.0, 0.0), crs=CRS) -> gpd.GeoDataFrame:
    x, y = ARRAYS.xy[index] + np.asarray(offset)
    return gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[shapely.Point(x, y)], crs=crs)


def check_bands(graph, arrays, station_index: int, minutes, speed_kph: float) -> None:
    bands = isochrones(graph, station_at(station_index), minutes, buffer_m=BUFFER)
    times = nx.single_source_dijkstra_path_length(graph, arrays.nodes[station_index], weight="travel_time")
    node_times = np.array([times.get(n, np.inf) for n in arrays.nodes])
    node_points = shapely.points(arrays.xy)
    slack = BUFFER / 1000 / speed_kph * 60  # minutes to drive the buffer's width
    previous = None
    for t, band in zip(bands["minutes"], bands.geometry):
        inside = shapely.covers(band, node_points)
        assert np.all(inside[node_times <= t]), "a node reachable in time lies outside its band"
        assert not np.any(inside[node_times > t + slack + 1e-9]), "a node too far lies inside the band"
        if previous is not None:
            assert shapely.difference(previous, band).area < 1.0
        previous = band


@settings(deadline=None, max_examples=15)
@given(st.integers(0, len(ARRAYS.nodes) - 1), st.lists(st.floats(0.5, 12.0), min_size=1, max_size=4))
def test_bands_hold_reachable_nodes_only_and_nest(station_index, minutes):
    check_bands(GRID, ARRAYS, station_index, minutes, speed_kph=30.0)


def test_one_way_row_shapes_the_band():
    # station on the one-way row: eastward 1 edge = 1 minute; westward needs a 3-edge detour
    start = int(np.flatnonzero((ARRAYS.xy[:, 0] == X0 + 2000) & (ARRAYS.xy[:, 1] == Y0 + 1500))[0])
    band = isochrones(GRID, station_at(start), [1.5], buffer_m=BUFFER).geometry.iloc[0]
    assert band.covers(shapely.Point(X0 + 2500, Y0 + 1500))
    assert not band.covers(shapely.Point(X0 + 1500, Y0 + 1500))
    check_bands(GRID, ARRAYS, start, [1.5, 4.0], speed_kph=30.0)


def test_last_edge_is_cut_at_the_reachable_fraction():
    road = gpd.GeoDataFrame({"road_class": ["village"]},
                            geometry=[shapely.LineString([(X0, Y0), (X0 + 1000, Y0)])], crs=CRS)
    graph = road_graph(road)  # 1000 m at 30 km/h = 2 minutes
    station = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[shapely.Point(X0, Y0)], crs=CRS)
    band = isochrones(graph, station, [0.5, 1.0], buffer_m=50.0)
    minx, _, maxx, _ = band.geometry.iloc[0].bounds
    assert minx == pytest.approx(X0 - 50, abs=0.5) and maxx == pytest.approx(X0 + 250 + 50, abs=0.5)
    assert band.geometry.iloc[1].bounds[2] == pytest.approx(X0 + 500 + 50, abs=0.5)


def test_bands_keep_holes():
    # a ring road 2 km a side: the 30-minute band covers the ring but not the middle of the block
    ring = shapely.LineString([(X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 2000), (X0, Y0 + 2000), (X0, Y0)])
    halves = [shapely.LineString(ring.coords[:3]), shapely.LineString(ring.coords[2:])]
    graph = road_graph(gpd.GeoDataFrame({"road_class": ["village"] * 2}, geometry=halves, crs=CRS))
    station = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[shapely.Point(X0, Y0)], crs=CRS)
    band = isochrones(graph, station, [30], buffer_m=BUFFER).geometry.iloc[0]
    assert band.covers(ring)
    assert not band.covers(shapely.Point(X0 + 1000, Y0 + 1000))
    assert band.area < 4 * 2000 * 2 * BUFFER


def test_access_leg_is_spent_first_and_output_is_in_graph_crs():
    # in the middle of a block, 354 m from any node: 1.06 minutes of access at 20 km/h
    station = station_at(10, offset=(250.0, 250.0)).to_crs(4326)
    bands = isochrones(GRID, station, [1, 5], buffer_m=BUFFER)
    assert bands.crs == GRID.graph["crs"]
    assert list(bands["minutes"]) == [1.0, 5.0] and list(bands["station_id"]) == ["s", "s"]
    assert bands.geometry.iloc[0].is_empty and not bands.geometry.iloc[1].is_empty


def test_real_extract_bands_nest_and_cover_reached_nodes():
    graph = road_graph(pytest.importorskip("pyrosm").get_data("test_pbf"))
    arrays = graph_arrays(graph)
    start = int(np.flatnonzero(arrays.main)[0])
    station = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[shapely.Point(arrays.xy[start])], crs=arrays.crs)
    bands = isochrones(graph, station, [1, 2, 3])
    times = nx.single_source_dijkstra_path_length(graph, arrays.nodes[start], weight="travel_time")
    node_times = np.array([times.get(n, np.inf) for n in arrays.nodes])
    for i, (t, band) in enumerate(zip(bands["minutes"], bands.geometry)):
        assert np.all(shapely.covers(band, shapely.points(arrays.xy[node_times <= t])))
        if i:
            assert shapely.difference(bands.geometry.iloc[i - 1], band).area < 1.0


def test_bad_inputs():
    with pytest.raises(InputError, match="threshold -5"):
        isochrones(GRID, station_at(0), [-5, 10])
    with pytest.raises(InputError, match="buffer_m"):
        isochrones(GRID, station_at(0), [5], buffer_m=0)
    with pytest.raises(InputError, match="need the networkx road graph"):
        isochrones(ARRAYS, station_at(0), [5])
    with pytest.raises(NetworkError, match="station s is 10,000 m"):
        isochrones(GRID, station_at(0, offset=(-10_000.0, 0.0)), [5])
