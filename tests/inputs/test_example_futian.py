"""The Futian example: real OpenStreetMap roads, synthetic communities and stations, a 5-minute plan.

The travel-time check: the package's road graph, built from the example's road lines, against
networkx's Dijkstra on the source GraphML itself (its own nodes, edges and ``length``), with
the package's speeds (an edge's valid OSM ``maxspeed``, else the default speed of its road
class). Tolerance: 0.5 % of the networkx time. The two measure lengths differently: the package
on the geometry in UTM 50N (true to 0.08 % here), OSMnx, which wrote the GraphML's ``length``,
on a sphere of radius 6,371,009 m, which at 22.5° N is 0.42 % long north-south and 0.16 % short
east-west against the WGS84 ellipsoid; together the GraphML's lengths are -0.24 % (east-west) to
+0.34 % (north-south) off the package's. Measured on the 11,104 station-to-node pairs: the
package's minutes are -0.32 % to +0.23 % off networkx's (median |difference| 0.06 %, at most
0.011 min); the 8 x 8 station matrix within 0.28 %.
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely
from scipy.spatial import cKDTree

from jurisdiction.inputs.example import FUTIAN_ATTRIBUTION, example_scenario, load_example
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.graph import road_graph
from jurisdiction.network.travel import node_travel_times, travel_time_matrix
from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH, HIGHWAY_CLASS

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data" / "futian" / "source" / "futian_roads.graphml"
UTM = "EPSG:32650"
#: Largest relative difference allowed between the package's and networkx's minutes (see above).
TOLERANCE = 0.005


@pytest.fixture(scope="module")
def example():
    return load_example("futian")


@pytest.fixture(scope="module")
def source() -> nx.MultiDiGraph:
    """The source GraphML read by networkx alone (attributes are strings)."""
    return nx.read_graphml(SOURCE, force_multigraph=True)


def _values(text: str | None) -> list[str]:
    if text is None:
        return []
    return [str(v) for v in ast.literal_eval(text)] if text.startswith("[") else [text]


def _road_highway(data: dict) -> str | None:
    """The first road value of an edge's OSM highway (the one the package's class comes from)."""
    return next((h for h in _values(data.get("highway")) if h.removesuffix("_link") in HIGHWAY_CLASS), None)


def _speed(data: dict) -> float:
    """km/h: the smallest numeric OSM maxspeed, else the default speed of the road's class."""
    speeds = [float(v) for v in _values(data.get("maxspeed")) if v.replace(".", "", 1).isdigit() and float(v) > 0]
    return min(speeds) if speeds else DEFAULT_SPEEDS_KPH[HIGHWAY_CLASS[_road_highway(data).removesuffix("_link")]]


@pytest.fixture(scope="module")
def reference(source) -> nx.DiGraph:
    """The road edges of the source graph with minutes = length / speed (parallel edges: the fastest)."""
    graph = nx.DiGraph()
    for u, v, data in source.edges(data=True):
        if _road_highway(data) is None:
            continue
        minutes = float(data["length"]) / 1000.0 / _speed(data) * 60.0
        if not graph.has_edge(u, v) or graph[u][v]["minutes"] > minutes:
            graph.add_edge(u, v, minutes=minutes)
    return graph


def test_layers_counts_and_attribution(example) -> None:
    assert (len(example.villages), len(example.stations), len(example.jurisdictions), len(example.roads)) == (
        40, 8, 8, 2065)
    assert all(layer.crs.to_epsg() == 4326 for layer in
               (example.villages, example.stations, example.jurisdictions, example.roads))
    assert example.attribution == FUTIAN_ATTRIBUTION and "OpenStreetMap contributors, ODbL" in FUTIAN_ATTRIBUTION
    assert example_scenario("futian").is_file()
    assert set(example.villages["source"]) == {"synthetic"}
    assert all(name.startswith("合成") for name in [*example.villages["name"], *example.stations["name"]])
    readme = (example_scenario("futian").parent / "README.md").read_text(encoding="utf-8")
    assert "OpenStreetMap contributors, ODbL 1.0" in readme


def test_roads_are_the_source_graph_edges(example, source) -> None:
    """Every line is an edge of the GraphML between its real nodes; every road edge is covered once."""
    roads = example.roads
    nodes = {n: (float(d["x"]), float(d["y"])) for n, d in source.nodes(data=True)}
    covered = set()
    for row in roads.itertuples():
        u, v = str(row.osm_u), str(row.osm_v)
        coords = shapely.get_coordinates(row.geometry)
        assert tuple(coords[0]) == nodes[u] and tuple(coords[-1]) == nodes[v], row.road_id
        edges = source.get_edge_data(u, v)
        assert edges is not None and row.highway in {_road_highway(d) for d in edges.values()}, row.road_id
        covered.add((u, v))
        if not row.oneway:
            assert source.has_edge(v, u), row.road_id
            covered.add((v, u))
    road_edges = {(u, v) for u, v, d in source.edges(data=True) if _road_highway(d) is not None}
    assert covered == road_edges


def test_stations_stand_at_real_junctions_and_communities_tile(example, source) -> None:
    for row in example.stations.itertuples():
        node = source.nodes[str(row.osm_node)]
        assert (row.geometry.x, row.geometry.y) == (float(node["x"]), float(node["y"]))
        assert int(node["street_count"]) >= 3
    anchors = shapely.points(example.villages[["anchor_x", "anchor_y"]].to_numpy())
    assert all(shapely.contains(example.villages.geometry.to_numpy(), anchors))  # each centre in its community
    villages = example.villages.to_crs(UTM)
    union = shapely.union_all(villages.geometry.to_numpy())
    assert abs(union.area - villages.area.sum()) < 1.0  # no overlaps
    stations = example.stations.to_crs(UTM)
    districts = example.jurisdictions.to_crs(UTM).set_index("station_id")
    assert all(districts.loc[s.station_id, "geometry"].contains(s.geometry) for s in stations.itertuples())
    assert abs(shapely.union_all(districts.geometry.to_numpy()).area - union.area) < 1.0


def test_travel_times_agree_with_networkx_on_the_graphml(example, source, reference) -> None:
    """All nodes from the 8 station junctions, and the station x station matrix, within 0.5 %."""
    graph = road_graph(example.roads)
    arrays = graph_arrays(graph)
    osm = list(reference.nodes)
    lonlat = np.array([(float(source.nodes[n]["x"]), float(source.nodes[n]["y"])) for n in osm])
    xy = np.column_stack(pyproj.Transformer.from_crs("EPSG:4326", arrays.crs, always_xy=True).transform(*lonlat.T))
    gap, row_of = cKDTree(arrays.xy).query(xy)
    assert gap.max() < 0.01  # every real node is a node of the package's graph, to the centimetre
    stations = [str(n) for n in example.stations["osm_node"]]
    position = {n: i for i, n in enumerate(osm)}
    package = node_travel_times(arrays.forward, row_of[[position[s] for s in stations]], row_of)
    reached = [nx.single_source_dijkstra_path_length(reference, s, weight="minutes") for s in stations]
    independent = np.array([[times.get(t, np.inf) for t in osm] for times in reached])
    assert np.array_equal(np.isinf(package), np.isinf(independent))
    finite = np.isfinite(independent) & (independent > 0)
    relative = np.abs(package[finite] - independent[finite]) / independent[finite]
    assert relative.max() < TOLERANCE, relative.max()
    assert np.median(relative) < 0.001
    # the matrix the optimiser sees, stations to stations (each stands on a node: no access leg)
    as_places = example.stations.rename(columns={"station_id": "village_id"})
    matrix = travel_time_matrix(graph, as_places, example.stations).to_numpy()
    between = independent[:, [position[s] for s in stations]].T
    np.testing.assert_allclose(matrix, between, rtol=TOLERANCE, atol=1e-6)


def test_plan_holds_five_minutes_and_verifies(example, tmp_path) -> None:
    """The shipped scenario: 8 stations into 3 centres, every community within 5 minutes."""
    import jurisdiction as jd

    scenario = jd.read_scenario(example_scenario("futian"))
    assert (scenario.centres, scenario.limit, scenario.bundle_sizes) == (3, 5.0, (2, 3))
    plan = jd.plan(example.villages, example.stations, example.roads, scenario, example.jurisdictions,
                   attribution=example.attribution)
    assert plan.metrics.loc["stations or centres", "after"] == 3
    assert plan.metrics.loc["max minutes", "after"] <= 5.0 + 1e-9
    assert plan.metrics.loc["split villages", "after"] == 0
    jd.export_plan(plan, tmp_path / "futian")
    assert jd.verify_plan(tmp_path / "futian").ok


def test_rebuild_is_byte_identical(tmp_path) -> None:
    """The committed GeoPackage is what build.py makes from data/futian/source."""
    gpkg = ROOT / "jurisdiction" / "inputs" / "examples" / "futian" / "futian.gpkg"
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    code = ("import sys, runpy; sys.argv=['build'];"
            f"m = runpy.run_path({str(ROOT / 'data' / 'futian' / 'build.py')!r});"
            f"from pathlib import Path; m['write'](m['build'](), Path({str(tmp_path / 'f.gpkg')!r}))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    assert hashlib.sha256((tmp_path / "f.gpkg").read_bytes()).hexdigest() == before
