"""Road graphs with travel times.

:func:`road_graph` turns any of the road sources the toolkit accepts (an osmnx graph, an OSM
XML or PBF file, GraphML, or a GeoDataFrame / vector file of road lines) into one kind of
graph: a :class:`networkx.MultiDiGraph` projected to the local UTM zone whose edges carry
``length`` (metres), ``road_class``, ``speed_kph`` (km/h) and ``travel_time`` (MINUTES), and
whose graph attribute ``crs`` names the projected CRS. Travel time on an edge is
``length / speed``; the speed comes from the edge's OSM ``maxspeed`` when that is valid and
otherwise from its road class (:data:`DEFAULT_SPEEDS_KPH`, overridable per class).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
import shapely

from jurisdiction.errors import InputError, NetworkError, Problem
from jurisdiction.network.scale import is_true_scale, measuring_crs, scale_error
from jurisdiction.network.speeds import add_travel_times, check_speeds, road_class_of
from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH, HIGHWAY_CLASS

_ONEWAY_FORWARD = {"yes", "true", "1", "t", "ft"}  # "FT"/"TF": ESRI network-dataset style
_ONEWAY_REVERSED = {"-1", "reverse", "tf"}
_OSM_SUFFIXES = {".osm", ".xml"}

#: File suffixes read as road networks (OSM XML, OSM PBF, GraphML) rather than as line layers.
NETWORK_SUFFIXES = frozenset({*_OSM_SUFFIXES, ".pbf", ".graphml"})


def road_graph(
    source: Any,
    *,
    speeds: Mapping[str, float] | None = None,
    crs: Any = None,
    include: Iterable[str] = (),
) -> nx.MultiDiGraph:
    """Build a directed, projected road graph with travel times.

    Parameters
    ----------
    source : networkx.MultiDiGraph, GeoDataFrame, str or Path
        An osmnx graph; a GeoDataFrame of road lines with ``road_class`` (expressway, national,
        provincial, county, township, village, track) or OSM ``highway``; or a path to an OSM
        XML file (``.osm``, ``.xml``), an OSM PBF (``.pbf``, needs pyrosm), a GraphML file
        (``.graphml``) or a vector file of road lines (GeoPackage, shapefile, GeoJSON...).
        Lines of a GeoDataFrame are joined where they share a vertex; lines that cross without
        a shared vertex (bridges, tunnels) are not joined.
    speeds : mapping of str to float, optional
        Speeds in km/h by road class, overriding :data:`DEFAULT_SPEEDS_KPH` for the classes
        given. A valid OSM ``maxspeed`` on an edge takes precedence.
    crs : optional
        CRS to project the graph to (anything pyproj accepts); it must be true-scale over the
        roads (see :mod:`jurisdiction.network.scale`). Default: a source in a projected CRS
        whose metres are true metres there (UTM, Gauss-Krüger) stays in it; any other (degrees,
        Web Mercator, whose metres are 16 % long at 30° N) goes to the local UTM zone, and
        lengths are measured there.
    include : iterable of str
        Extra OSM ``highway`` values to keep as edges (``"footway"``, ``"path"``...). Only road
        ways are kept otherwise; ways without a road ``highway`` (rivers, railways) never are.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes carry ``x``, ``y`` (metres in the graph CRS); edges carry ``length`` (m),
        ``road_class``, ``speed_kph`` (km/h), ``travel_time`` (minutes) and, where known,
        ``geometry`` (LineString from u to v). ``graph.graph["crs"]`` is the projected CRS.

    Raises
    ------
    InputError
        A file that cannot be read, a layer without CRS or without ``road_class``/``highway``,
        a bad speed (the class is named).
    NetworkError
        No road edges are left.
    """
    class_speeds = check_speeds(speeds)
    include = {str(h) for h in include}
    name = str(source) if isinstance(source, (str, Path)) else type(source).__name__
    if isinstance(source, nx.MultiDiGraph):
        graph = _filter_osm_graph(source.copy(), include, name)
    elif isinstance(source, gpd.GeoDataFrame):
        graph = _graph_from_lines(source, include, name)
    elif isinstance(source, (str, Path)):
        graph = _graph_from_file(Path(source), include)
    else:
        raise InputError(name, [Problem(None, "road source must be an osmnx graph, a GeoDataFrame or a file path")])
    if graph.number_of_edges() == 0:
        raise NetworkError(f"{name}: no road edges (motorway..track) in the road source")
    graph = _project(graph, crs, name)
    add_travel_times(graph, class_speeds)
    return graph


def graph_from_place(query: str | dict, *, speeds: Mapping[str, float] | None = None, crs: Any = None,
                     network_type: str = "all") -> nx.MultiDiGraph:
    """Download the road graph of a place from OpenStreetMap (needs network) and add travel times.

    Parameters
    ----------
    query : str or dict
        A place name or structured query for :func:`osmnx.graph_from_place`.
    speeds, crs :
        As in :func:`road_graph`.
    network_type : str
        osmnx network type. Default ``"all"``, filtered to roads by :func:`road_graph`: osmnx's
        ``"drive"`` leaves out tracks and service roads, which rural villages depend on.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`road_graph`.
    """
    graph = ox.graph_from_place(query, network_type=network_type, retain_all=True)
    return road_graph(graph, speeds=speeds, crs=crs)


def graph_from_polygon(polygon: Any, *, speeds: Mapping[str, float] | None = None, crs: Any = None,
                       network_type: str = "all") -> nx.MultiDiGraph:
    """Download the road graph inside a WGS84 polygon from OpenStreetMap (needs network).

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon
        Area in EPSG:4326 (lon/lat degrees).
    speeds, crs, network_type :
        As in :func:`graph_from_place`.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`road_graph`.
    """
    graph = ox.graph_from_polygon(polygon, network_type=network_type, retain_all=True)
    return road_graph(graph, speeds=speeds, crs=crs)


def graph_lines(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """The edges of a road graph as a lines layer (``road_class``, geometry), in the graph's CRS.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph from :func:`road_graph`.

    Returns
    -------
    geopandas.GeoDataFrame
        One LineString per road: a two-way road (an edge in each direction) appears once, so
        summed lengths are road km.
    """
    edges = ox.graph_to_gdfs(graph, nodes=False)[["road_class", "geometry"]].reset_index()
    # keep one direction of each two-way road, so lengths are not counted twice
    key = [tuple(sorted(pair)) for pair in zip(edges["u"], edges["v"], strict=True)]
    edges = edges.assign(pair=key).drop_duplicates(subset=["pair", "key"])
    return edges[["road_class", "geometry"]].reset_index(drop=True)


def _graph_from_file(path: Path, include: set[str]) -> nx.MultiDiGraph:
    if not path.exists():
        raise InputError(str(path), [Problem(None, "file does not exist")])
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".pbf":
        return _graph_from_pbf(path, include)
    if suffixes and suffixes[-1] == ".graphml":
        return _filter_osm_graph(ox.load_graphml(path), include, str(path))
    if suffixes and suffixes[-1] in _OSM_SUFFIXES:
        try:
            graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
        except Exception as exc:  # osmnx raises bare exceptions on malformed XML
            raise InputError(str(path), [Problem(None, f"cannot read OSM XML: {exc}")]) from exc
        graph = _filter_osm_graph(graph, include, str(path))
        return ox.simplify_graph(graph) if graph.number_of_edges() else graph
    try:
        lines = gpd.read_file(path)
    except Exception as exc:  # pyogrio's errors vary by driver
        raise InputError(str(path), [Problem(None, f"cannot read vector file: {exc}")]) from exc
    return _graph_from_lines(lines, include, str(path))


def _graph_from_pbf(path: Path, include: set[str]) -> nx.MultiDiGraph:
    try:
        import pyrosm
    except ImportError as exc:
        raise InputError(str(path), [Problem(None, "reading .osm.pbf needs pyrosm: pip install pyrosm")]) from exc
    osm = pyrosm.OSM(str(path))
    # pyrosm's "driving" drops tracks and service roads, which are roads here: take all ways
    # and keep the road classes (plus ``include``) below
    result = osm.get_network(network_type="all", nodes=True)
    if result is None:
        raise NetworkError(f"{path}: no road ways in the PBF file")
    nodes, edges = result
    edges = edges[edges["highway"].map(lambda h: _is_road(h, include))]
    edges = gpd.GeoDataFrame(edges, geometry="geometry", crs=edges.crs)
    one_way = _oneway_column(edges)
    if "junction" in edges.columns:
        one_way = np.where((one_way == 0) & (edges["junction"].astype(str) == "roundabout"), 1, one_way)
    nodes = nodes.set_index("id")
    nodes = nodes[nodes.index.isin(edges["u"]) | nodes.index.isin(edges["v"])]
    nodes = nodes.assign(x=nodes["lon"].astype(float), y=nodes["lat"].astype(float))
    keep = ["highway", "maxspeed", "name", "geometry", "length"]
    frame = edges[[c for c in keep if c in edges.columns]].copy()
    frame["u"] = edges["u"].to_numpy()
    frame["v"] = edges["v"].to_numpy()
    frame["osmid"] = edges["id"].to_numpy()
    return _graph_from_edge_frame(frame, one_way, nodes[["x", "y", "geometry"]])


def _is_road(highway: Any, include: set[str]) -> bool:
    values = highway if isinstance(highway, (list, tuple)) else [highway]
    for value in values:
        if not isinstance(value, str):
            continue
        base = value.strip().lower()
        base = base[:-5] if base.endswith("_link") else base
        if base in HIGHWAY_CLASS or base in DEFAULT_SPEEDS_KPH or value in include or base in include:
            return True
    return False


def _filter_osm_graph(graph: nx.MultiDiGraph, include: set[str], name: str) -> nx.MultiDiGraph:
    drop = [
        (u, v, k)
        for u, v, k, data in graph.edges(keys=True, data=True)
        if not _is_road(data.get("road_class", data.get("highway")), include)
    ]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if "crs" not in graph.graph:
        raise InputError(name, [Problem(None, "graph has no 'crs' graph attribute")])
    for _, _, data in graph.edges(data=True):
        if "length" not in data:
            raise InputError(name, [Problem(None, "graph edges have no 'length' attribute (metres)")])
        break
    return graph


def _oneway_column(edges: pd.DataFrame) -> np.ndarray:
    """1 forward only, -1 reversed only, 0 both ways, from an OSM-style ``oneway`` column."""
    if "oneway" not in edges.columns:
        return np.zeros(len(edges), dtype=int)

    def code(value: Any) -> int:
        if isinstance(value, (bool, np.bool_)):
            return int(bool(value))
        if isinstance(value, (int, float, np.integer, np.floating)):
            return 0 if not math.isfinite(float(value)) else (-1 if value == -1 else int(value == 1))
        if isinstance(value, str):
            text = value.strip().lower()
            return 1 if text in _ONEWAY_FORWARD else (-1 if text in _ONEWAY_REVERSED else 0)
        return 0

    return np.array([code(v) for v in edges["oneway"]], dtype=int)


def _graph_from_lines(lines: gpd.GeoDataFrame, include: set[str], name: str) -> nx.MultiDiGraph:
    """Node a layer of road lines at shared vertices and build the directed graph."""
    problems = []
    if lines.crs is None:
        problems.append(Problem(None, "road layer has no CRS"))
    if "road_class" not in lines.columns and "highway" not in lines.columns:
        problems.append(Problem(None, "road layer needs a 'road_class' or 'highway' column"))
    if problems:
        raise InputError(name, problems)
    lines = lines[~(lines.geometry.is_empty | lines.geometry.isna())]
    lines = lines.explode(index_parts=False)  # keeps the row labels, for error messages
    lines = lines[lines.geom_type == "LineString"]
    column = "road_class" if "road_class" in lines.columns else "highway"
    classes = lines[column].map(road_class_of)
    is_road = lines[column].map(lambda h: _is_road(h, include))
    if column == "road_class":
        unknown = classes.isna().to_numpy()
        if unknown.any():
            raise InputError(name, [
                Problem(str(i), f"unknown road_class {value!r} (expected one of {', '.join(DEFAULT_SPEEDS_KPH)})")
                for i, value in zip(lines.index[unknown], lines.loc[unknown, column])
            ])
    lines = lines[is_road.to_numpy()]
    labels = lines.index.to_numpy()  # the layer's row labels, to name edges in warnings
    lines = lines.reset_index(drop=True)
    classes = classes[is_road.to_numpy()].reset_index(drop=True)
    if len(lines) == 0:
        raise NetworkError(f"{name}: no road lines (expressway..track) in the layer")
    measure = measuring_crs(lines.crs, shapely.get_coordinates(lines.geometry.array))
    metric = lines if measure == lines.crs else lines.to_crs(measure)  # true metres (not Web Mercator's)
    coords, line_of = shapely.get_coordinates(metric.geometry.array, return_index=True)
    keys = np.round(coords, 3)
    _, vertex_id = np.unique(keys, axis=0, return_inverse=True)
    vertex_id = vertex_id.ravel()
    # a vertex splits its line where it is the line's end or shared with another line
    n = len(coords)
    first = np.r_[True, line_of[1:] != line_of[:-1]]
    last = np.r_[line_of[1:] != line_of[:-1], True]
    split = first | last | (np.bincount(vertex_id)[vertex_id] > 1)  # shared, or met twice by one line
    split_at = np.flatnonzero(split)
    # a piece that returns to its start (a ring road) is split in the middle: two edges, not a loop
    loop = (vertex_id[split_at[:-1]] == vertex_id[split_at[1:]]) & (np.diff(split_at) >= 2)
    split[(split_at[:-1][loop] + split_at[1:][loop]) // 2] = True
    split_at = np.flatnonzero(split)
    # each consecutive pair of split vertices on the same line is one edge
    same_line = line_of[split_at[:-1]] == line_of[split_at[1:]]
    starts, ends = split_at[:-1][same_line], split_at[1:][same_line]
    geoms = [shapely.LineString(coords[s:e + 1]) for s, e in zip(starts, ends)]
    seg = np.linalg.norm(np.diff(coords, axis=0), axis=1)
    cum = np.r_[0.0, np.cumsum(seg)]
    row = line_of[starts]
    frame = pd.DataFrame({
        "u": vertex_id[starts], "v": vertex_id[ends], "length": cum[ends] - cum[starts],
        "road_class": classes.to_numpy()[row], "source_row": labels[row].astype(str),
    })
    for extra in ("maxspeed", "name", "highway"):
        if extra in lines.columns:
            frame[extra] = lines[extra].to_numpy()[row]
    frame = gpd.GeoDataFrame(frame, geometry=geoms, crs=metric.crs)
    keep = frame["u"] != frame["v"]
    one_way = _oneway_column(lines)[row][keep.to_numpy()]
    frame = frame[keep]
    used = np.unique(np.r_[frame["u"].to_numpy(), frame["v"].to_numpy()])
    first_vertex = np.full(vertex_id.max() + 1, -1)
    first_vertex[vertex_id[::-1]] = np.arange(n)[::-1]
    xy = coords[first_vertex[used]]
    nodes = gpd.GeoDataFrame({"x": xy[:, 0], "y": xy[:, 1]}, index=pd.Index(used, name="osmid"),
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=metric.crs)
    return _graph_from_edge_frame(frame, one_way, nodes)


def _graph_from_edge_frame(frame: gpd.GeoDataFrame, one_way: np.ndarray, nodes: gpd.GeoDataFrame) -> nx.MultiDiGraph:
    """Directed edges from undirected ways: both ways unless one-way (1) or reversed (-1)."""
    forward = frame[one_way >= 0]
    backward = frame[one_way <= 0].copy()
    backward["u"], backward["v"] = backward["v"].to_numpy(), backward["u"].to_numpy()
    backward["geometry"] = shapely.reverse(backward.geometry.array)
    both = pd.concat([forward, backward], ignore_index=True)
    both["key"] = both.groupby(["u", "v"]).cumcount()
    both = gpd.GeoDataFrame(both.set_index(["u", "v", "key"]), geometry="geometry", crs=frame.crs)
    graph = ox.graph_from_gdfs(nodes, both, graph_attrs={"crs": frame.crs})
    return graph


def _project(graph: nx.MultiDiGraph, crs: Any, name: str) -> nx.MultiDiGraph:
    """The graph in ``crs``, or (None) in its own CRS when true-scale there, else in the local UTM zone."""
    current = graph.graph.get("crs")
    if current is None:
        raise InputError(name, [Problem(None, "road graph has no CRS")])
    current = pyproj.CRS.from_user_input(current)
    xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float).reshape(-1, 2)
    if crs is None:
        crs = measuring_crs(current, xy)
    else:
        crs = pyproj.CRS.from_user_input(crs)
        lon_lat = pyproj.Transformer.from_crs(current, "EPSG:4326", always_xy=True).transform(*xy.T)
        there = np.column_stack(pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(*lon_lat))
        if not is_true_scale(crs, there):
            error = scale_error(crs, there)
            stretch = f"stretches lengths by up to {error:.1%} here" if error is not None else "is not in metres"
            raise InputError(name, [Problem(None, (
                f"crs={crs.to_string()} {stretch}: give a true-scale CRS (the local UTM zone, a "
                f"Gauss-Krüger zone) or leave crs unset"))])
    if current == crs:
        graph.graph["crs"] = crs
        return graph
    return ox.project_graph(graph, to_crs=crs)
