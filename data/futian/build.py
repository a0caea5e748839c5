"""Build ``futian.gpkg``: generated communities and stations on the real road network of central Futian.

Real: the roads (an OpenStreetMap graph of central Futian, Shenzhen, in ``source/``), copied
edge by edge into a line layer with their OSM ``highway``, ``name``, ``maxspeed`` and ``oneway``.
Generated (fixed seed): the outline (the area the streets cover), 40 community (社区) polygons,
their populations, incidents and centres (the point each is reached at), 8 police stations (at
real street junctions), the current jurisdictions, one split community and two functional
splits. See README.md.

Run from anywhere: ``/work/main/.venv/bin/python data/futian/build.py``. When ``../shared`` (or
``$JURISDICTION_SHARED``) is present the source files are first copied into ``source/``; the
build itself reads only ``source/``. The output is byte-for-byte reproducible.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Polygon

from jurisdiction.road_classes import HIGHWAY_CLASS
from jurisdiction.synthetic.county import district_shapes, officers_for, plant_functional_splits
from jurisdiction.synthetic.shipping import copy_sources as ship_sources
from jurisdiction.synthetic.shipping import finish_layers, ship
from jurisdiction.synthetic.shipping import write_layers as write
from jurisdiction.synthetic.tiles import (
    grow_districts,
    neighbour_lists,
    neighbour_pairs,
    plant_splits,
    polygonal,
    seed_points,
    spread_seeds,
    voronoi_cells,
)

#: What a rebuild needs: the layers, and the writer that makes their bytes reproducible.
__all__ = ["build", "write"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: Where the package ships the example (package data, with its README and scenario).
OUTPUT = REPO / "jurisdiction" / "inputs" / "examples" / "futian" / "futian.gpkg"

SEED = 440304  # the NBS code of Futian District (福田区)
UTM = "EPSG:32650"  # UTM 50N: the zone the package picks for these streets
WGS84 = "EPSG:4326"
GRAPH = "futian_roads.graphml"
SOURCES = ("README.md", GRAPH)
MICRO_CELLS = 900  # building blocks of the community polygons (~15,000 m² each)
COMMUNITIES = 40
STATIONS = 8
DENSITY = 19_000  # people per km²: generated, the order of central Shenzhen's
INCIDENT_RATE = 0.014  # incidents per person per year (the urban rate of the Dianjiang example)
SPLITS, FUNCTIONAL = 1, 2
MAIN_STREETS = frozenset({"trunk", "primary", "secondary", "tertiary"})


def copy_sources() -> None:
    """Copy the shared source files into ``source/`` when the shared folder is present."""
    shared = Path(os.environ.get("JURISDICTION_SHARED", REPO.parent / "shared")) / "data" / "futian"
    ship_sources(shared, SOURCES, HERE / "source")


def road_value(highway) -> str | None:
    """The OSM ``highway`` value that makes an edge a road (the first road value of a list), or None.

    The package's road class of a list is the class of its first road value, so keeping that
    value alone keeps the class and the speed.
    """
    for value in highway if isinstance(highway, list) else [highway]:
        if isinstance(value, str) and value.removesuffix("_link") in HIGHWAY_CLASS:
            return value
    return None


def _text(value) -> str | None:
    """An OSM attribute as text: lists joined with ``;`` (the OSM convention), None when absent."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return ";".join(str(v) for v in value) if isinstance(value, list) else str(value)


def road_lines(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """The graph's road edges as lines (WGS84): one line per two-way road, one per one-way edge.

    A two-way road is two edges in the graph (u -> v and v -> u, the same geometry reversed);
    it becomes one line with ``oneway`` False. A one-way edge becomes a line drawn from u to v
    with ``oneway`` True. Footways, paths, steps, cycleways and pedestrian areas are not roads
    and are left out.
    """
    rows, used = [], set()
    for u, v, k, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        highway = road_value(data.get("highway"))
        if highway is None or (u, v, k) in used:
            continue
        geometry = data.get("geometry") or LineString(
            [(graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"])])
        oneway = True
        if not data["oneway"]:
            coords = np.asarray(geometry.coords)[::-1]
            for k2, other in sorted(graph.get_edge_data(v, u, default={}).items()):
                twin = other.get("geometry") or LineString(coords)
                if ((v, u, k2) not in used and (v, u, k2) != (u, v, k) and not other["oneway"]
                        and np.array_equal(np.asarray(twin.coords), coords)):
                    used.add((v, u, k2))
                    oneway = False
                    break
        used.add((u, v, k))
        rows.append({
            "osm_way": _text(data.get("osmid")), "osm_u": int(u), "osm_v": int(v),
            "highway": highway, "osm_highway": _text(data.get("highway")), "name": _text(data.get("name")),
            "maxspeed": _text(data.get("maxspeed")), "oneway": oneway, "geometry": geometry,
        })
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    lines.insert(0, "road_id", np.arange(1, len(lines) + 1, dtype=np.int64))
    return lines


def drivable_nodes(graph: nx.MultiDiGraph) -> tuple[set[int], set[int]]:
    """Nodes of the largest strongly connected part of the road graph, and those on main streets."""
    roads = nx.MultiDiGraph()
    roads.add_edges_from((u, v, k) for u, v, k, d in graph.edges(keys=True, data=True)
                         if road_value(d.get("highway")) is not None)
    main = max(nx.strongly_connected_components(roads), key=lambda c: (len(c), min(c)))
    on_main = {n for u, v, d in graph.edges(data=True)
               if (road_value(d.get("highway")) or "").removesuffix("_link") in MAIN_STREETS
               for n in (u, v)}
    return main, {n for n in main & on_main if int(graph.nodes[n].get("street_count", 0)) >= 3}


def outline_of(lines_m: gpd.GeoSeries) -> Polygon:
    """The area the streets cover: the roads buffered 250 m, closed, shrunk back 150 m, holes filled."""
    area = shapely.union_all(lines_m.buffer(250.0, quad_segs=4).to_numpy()).buffer(-150.0, quad_segs=4)
    area = max(shapely.get_parts(polygonal(area)), key=lambda p: p.area)
    return Polygon(area.exterior).simplify(10.0)


def communities(rng: np.random.Generator, outline: Polygon) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """Community polygons (unions of Voronoi micro-cells), a node inside each, and neighbour lists."""
    xy = seed_points(rng, outline, MICRO_CELLS)
    micro = voronoi_cells(outline, xy)
    micro_nbrs = neighbour_lists(len(micro), neighbour_pairs(micro))
    centre = np.asarray(outline.centroid.coords[0])
    first = int(np.argmin(np.hypot(*(xy - centre).T)))
    seeds = spread_seeds(rng, xy, COMMUNITIES, first)
    owner, _ = grow_districts(xy, micro_nbrs, seeds, -np.ones(COMMUNITIES, np.int64),
                              rng.uniform(0.8, 1.25, COMMUNITIES))
    cells = np.array([polygonal(shapely.union_all(micro[owner == s])) for s in range(COMMUNITIES)], dtype=object)
    nodes = xy[seeds]
    # number them in reading order: 1 km bands from north to south, west to east in a band
    order = np.lexsort((nodes[:, 0], -np.floor(nodes[:, 1] / 1000.0)))
    cells, nodes = cells[order], nodes[order]
    return cells, nodes, neighbour_lists(len(cells), neighbour_pairs(cells))


def road_metres(graph: nx.MultiDiGraph, nodes: pd.Index) -> csr_array:
    """The road edges between ``nodes`` as a sparse matrix of lengths (metres; parallel edges: the shortest)."""
    index = {n: i for i, n in enumerate(nodes)}
    edges = np.array([(index[u], index[v], float(d["length"])) for u, v, d in graph.edges(data=True)
                      if road_value(d.get("highway")) is not None and u in index and v in index])
    edges = edges[np.lexsort((edges[:, 2], edges[:, 1], edges[:, 0]))]
    edges = edges[np.r_[True, np.any(np.diff(edges[:, :2], axis=0) != 0, axis=1)]]
    return csr_array((edges[:, 2], (edges[:, 0].astype(int), edges[:, 1].astype(int))), shape=(len(index),) * 2)


def place_stations(rng, graph: nx.MultiDiGraph, cells: np.ndarray, node_xy: pd.DataFrame,
                   junctions: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The community each station stands in, and its street junction (OSM node id).

    Greedy k-centre by road distance (metres, speeds left aside): each station in turn goes to
    the main-street junction that most shortens the longest road distance from a community
    (from the road node nearest its representative point) to its nearest station, with up to
    2 % noise so that the layout is not an optimum; one station per community. ``node_xy``
    holds the road nodes of the main strongly connected part (index: OSM id; x, y in metres).
    """
    xy = node_xy[["x", "y"]].to_numpy()
    points = shapely.get_coordinates(shapely.point_on_surface(cells))
    targets = np.argmin(np.hypot(xy[:, None, 0] - points[:, 0], xy[:, None, 1] - points[:, 1]), axis=0)
    tree = shapely.STRtree(cells)
    home_of = {}
    for j in junctions:
        home = tree.query(shapely.Point(node_xy.loc[j, ["x", "y"]].to_numpy()), predicate="within")
        if len(home) == 1:
            home_of[j] = int(home[0])
    candidates = sorted(home_of)
    rows = node_xy.index.get_indexer(candidates)
    metres = dijkstra(road_metres(graph, node_xy.index), directed=True, indices=rows)[:, targets]
    chosen: list[int] = []
    nearest = np.full(len(targets), np.inf)
    for _ in range(STATIONS):
        worst = np.minimum(nearest, metres).max(axis=1) * rng.uniform(1.0, 1.02, len(candidates))
        taken = {home_of[candidates[c]] for c in chosen}
        worst[[home_of[j] in taken for j in candidates]] = np.inf
        chosen.append(int(np.argmin(worst)))
        nearest = np.minimum(nearest, metres[chosen[-1]])
    homes = np.array([home_of[candidates[c]] for c in chosen], dtype=np.int64)
    stations = np.array([candidates[c] for c in chosen], dtype=np.int64)
    order = np.argsort(homes, kind="stable")  # stations numbered in the communities' reading order
    return homes[order], stations[order]


def allocate(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A multinomial draw of ``total`` people among units with the given weights."""
    return rng.multinomial(int(total), weights / weights.sum()).astype(np.int64)


def build() -> dict[str, gpd.GeoDataFrame]:
    """All four layers, in WGS84, rows sorted by id."""
    rng = np.random.default_rng(SEED)
    graph = ox.load_graphml(HERE / "source" / GRAPH)
    roads = road_lines(graph)
    lines_m = roads.geometry.to_crs(UTM)
    outline = outline_of(lines_m)
    cells, nodes, nbrs = communities(rng, outline)

    main, junctions = drivable_nodes(graph)
    main = sorted(main)
    lonlat = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in main])
    metric = gpd.GeoSeries(gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]), crs=WGS84).to_crs(UTM)
    node_xy = pd.DataFrame({"x": metric.x.to_numpy(), "y": metric.y.to_numpy()}, index=main)
    station_cell, junction = place_stations(rng, graph, cells, node_xy, sorted(junctions))

    district, _ = grow_districts(nodes, nbrs, station_cell, -np.ones(STATIONS, np.int64),
                                 rng.uniform(0.75, 1.35, STATIONS))
    splits = plant_splits(rng, cells, nodes, nbrs, district, SPLITS, set(station_cell.tolist()))
    split_of = {s.village: s for s in splits}
    registration, dispatch, _ = plant_functional_splits(
        rng, district, nbrs, district, set(split_of) | set(station_cell.tolist()), FUNCTIONAL)

    area = shapely.area(cells)
    total = int(round(outline.area / 1e6 * DENSITY, -2))
    population = allocate(total, rng.lognormal(0.0, 0.35, len(cells)) * area, rng)
    incidents = rng.poisson(population * INCIDENT_RATE).astype(np.int64)

    # the point each community is reached at (its residents' committee, 社区居委会): its centre
    anchors = gpd.GeoSeries(shapely.point_on_surface(cells), crs=UTM).to_crs(WGS84)
    village_ids = np.array([f"C{i + 1:02d}" for i in range(len(cells))], dtype=object)
    station_ids = np.array([f"S{i + 1}" for i in range(STATIONS)], dtype=object)
    villages = gpd.GeoDataFrame({
        "village_id": village_ids, "name": [f"合成社区{i + 1:02d}" for i in range(len(cells))],
        "population": population, "incidents": incidents,
        "registration_station": station_ids[registration], "dispatch_station": station_ids[dispatch],
        "anchor_x": anchors.x.round(7).to_numpy(), "anchor_y": anchors.y.round(7).to_numpy(),
        "unit_kind": "community", "source": "synthetic",
    }, geometry=list(cells), crs=UTM)

    served = np.bincount(district, weights=population, minlength=STATIONS)
    officers, auxiliaries = officers_for(served, np.zeros(STATIONS, dtype=bool), rng)
    stations = gpd.GeoDataFrame({
        "station_id": station_ids, "name": [f"合成派出所{i + 1}" for i in range(STATIONS)],
        "officers": officers.astype(np.int64), "auxiliaries": auxiliaries.astype(np.int64), "kind": "urban",
        "osm_node": junction, "source": "synthetic (at a real street junction)",
    }, geometry=gpd.points_from_xy([graph.nodes[n]["x"] for n in junction],
                                   [graph.nodes[n]["y"] for n in junction]), crs=WGS84)
    jurisdictions = gpd.GeoDataFrame({"station_id": station_ids, "name": stations["name"].to_numpy()},
                                     geometry=district_shapes(cells, district, splits, STATIONS), crs=UTM)
    layers = {"villages": villages, "stations": stations, "jurisdictions": jurisdictions, "roads": roads}
    return finish_layers(layers)


def main() -> None:
    """Copy sources (if shared data is present), build and write ``futian.gpkg``."""
    copy_sources()
    ship(build, OUTPUT)


if __name__ == "__main__":
    main()
