"""Road travel times for :mod:`jurisdiction.verification.folder`, rebuilt with networkx alone.

This module shares no code with the network module that feeds the optimiser
(:mod:`jurisdiction.network.graph`, :mod:`jurisdiction.network.travel`); it implements the same definition of
travel time so that both agree, and a bug in either shows up as a disagreement:

* the road lines are projected to a metric CRS (the layer's own when it is projected in true
  metres there, else the UTM zone at the centre of its bounding box); a GraphML network keeps its nodes and
  edge lengths and is projected the same way (OSM XML and PBF files are not read here);
* lines are joined where they share a vertex (coordinates equal to the millimetre); a graph
  node is a line's end, a vertex shared with another line (or met twice by one line), or the
  middle vertex of a piece that would come back to its start;
* an edge's time is its length over its speed: the line's valid ``maxspeed`` (5-150 km/h), else the
  speed of its road class (defaults of :data:`jurisdiction.road_classes.DEFAULT_SPEEDS_KPH`
  overridden by the scenario's); one-way lines (``oneway``) are driven one way only;
* villages and stations join the largest strongly connected part of the graph where its roads
  cross a village polygon, else at its nearest node and nearest car-road node, by a straight
  leg at the scenario's access speed (:mod:`jurisdiction.verification.joins`);
* time from a station to a village = the quickest of way out + shortest network time
  (Dijkstra, :func:`networkx.single_source_dijkstra_path_length`) + way in, in minutes.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely

from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH, HIGHWAY_CLASS
from jurisdiction.verification.joins import place_ways

#: Vertices closer than this (metres, per coordinate) are one node: lines join there.
JOIN_DECIMALS = 3
_MPH_KPH = 1.609344
_KNOT_KPH = 1.852
_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)
_FORWARD = {"yes", "true", "1", "t", "ft"}
#: Posted speeds believed, km/h; others (``"999999"``) give way to the road class's speed.
PLAUSIBLE_KPH = (5.0, 150.0)
_REVERSED = {"-1", "reverse", "tf"}


@dataclass(frozen=True)
class RoadNetwork:
    """A directed road graph whose edges carry ``minutes``, and the nodes places snap to.

    Attributes
    ----------
    graph : networkx.DiGraph
        Nodes are integers; edge attribute ``minutes`` (the fastest of parallel roads).
    crs : pyproj.CRS
        Metric CRS of the node coordinates.
    anchors : numpy.ndarray
        Nodes of the largest strongly connected part, the ones places snap to.
    anchor_xy : numpy.ndarray
        Their coordinates, shape (n, 2), metres.
    """

    graph: nx.DiGraph
    crs: pyproj.CRS
    anchors: np.ndarray
    anchor_xy: np.ndarray


def metric_crs(layer: gpd.GeoDataFrame) -> pyproj.CRS:
    """The layer's CRS when it is projected in true metres there, else the UTM zone at its bounding box's centre.

    True metres: scale factors within 0.1 % of 1 at the corners and centre of the layer's
    bounding box (UTM, Gauss-Krüger; not Web Mercator, whose metres are 16 % long at 30° N).
    """
    crs = pyproj.CRS.from_user_input(layer.crs)
    if crs.is_projected and all(axis.unit_name in ("metre", "meter") for axis in crs.axis_info):
        x0, y0, x1, y1 = layer.total_bounds
        try:
            lon, lat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(
                [x0, x1, x0, x1, (x0 + x1) / 2], [y0, y0, y1, y1, (y0 + y1) / 2])
            factors = pyproj.Proj(crs).get_factors(lon, lat)
            scales = np.r_[factors.meridional_scale, factors.parallel_scale]
        except Exception:  # a local grid pyproj cannot place: take it as metres
            return crs
        if not np.all(np.isfinite(scales)) or np.max(np.abs(scales - 1.0)) <= 1e-3:
            return crs
    x0, y0, x1, y1 = layer.to_crs("EPSG:4326").total_bounds
    lon = ((x0 + x1) / 2.0 + 180.0) % 360.0 - 180.0
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if (y0 + y1) / 2.0 >= 0 else 32700) + zone)


def road_class(value: Any) -> str | None:
    """The road class (a key of DEFAULT_SPEEDS_KPH) of a ``road_class`` or OSM ``highway`` value."""
    values = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
    bases = [v.strip().lower() for v in values if isinstance(v, str)]
    bases = [b.removesuffix("_link") for b in bases]
    for base in bases:
        if base in DEFAULT_SPEEDS_KPH:
            return base
    for base in bases:
        if base in HIGHWAY_CLASS:
            return HIGHWAY_CLASS[base]
    return None


def maxspeed_kph(value: Any) -> float | None:
    """A valid OSM ``maxspeed`` in km/h (the smallest of a list), else None (also outside 5-150 km/h)."""
    if isinstance(value, (list, tuple)):
        speeds = [s for s in (maxspeed_kph(v) for v in value) if s is not None]
        return min(speeds) if speeds else None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        speed = float(value)
        return speed if math.isfinite(speed) and PLAUSIBLE_KPH[0] <= speed <= PLAUSIBLE_KPH[1] else None
    if not isinstance(value, str):
        return None
    if ";" in value or "|" in value:
        return maxspeed_kph(re.split(r"[;|]", value))
    match = _SPEED.match(value)
    if match is None:
        return None
    factor = {"mph": _MPH_KPH, "knots": _KNOT_KPH}.get((match.group(2) or "").lower(), 1.0)
    speed = float(match.group(1)) * factor
    return speed if PLAUSIBLE_KPH[0] <= speed <= PLAUSIBLE_KPH[1] else None


def class_speeds(speeds_kph: Mapping[str, float] | None) -> dict[str, float]:
    """Speeds by road class in km/h: the defaults with the scenario's overrides."""
    merged = dict(DEFAULT_SPEEDS_KPH)
    for key, speed in (speeds_kph or {}).items():
        merged[road_class(key) or str(key)] = float(speed)
    return merged


def _direction(value: Any) -> int:
    """1 forward only, -1 backward only, 0 both ways, from a ``oneway`` cell."""
    if isinstance(value, (bool, np.bool_)):
        return int(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return 0 if not math.isfinite(float(value)) else (-1 if value == -1 else int(value == 1))
    if isinstance(value, str):
        text = value.strip().lower()
        return 1 if text in _FORWARD else (-1 if text in _REVERSED else 0)
    return 0


def _pieces(keys: np.ndarray, shared: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) vertex positions of the pieces of one line between graph nodes."""
    last = len(keys) - 1
    cuts = [0] + [i for i in range(1, last) if shared[i]] + [last]
    pieces = []
    for start, end in zip(cuts[:-1], cuts[1:]):
        if keys[start] == keys[end] and end - start >= 2:  # it would come back to its start
            middle = (start + end) // 2
            pieces += [(start, middle), (middle, end)]
        else:
            pieces.append((start, end))
    return pieces


def road_network(lines: gpd.GeoDataFrame, *, speeds_kph: Mapping[str, float] | None = None) -> RoadNetwork:
    """Build the directed road graph of a layer of road lines.

    Parameters
    ----------
    lines : GeoDataFrame
        LineStrings (MultiLineStrings are split) with ``road_class`` or OSM ``highway``;
        optional ``maxspeed`` (km/h) and ``oneway``. Rows that are no road are left out.
    speeds_kph : mapping of str to float, optional
        Speeds in km/h by road class, overriding the defaults.

    Returns
    -------
    RoadNetwork
    """
    crs = metric_crs(lines)
    lines = lines[~(lines.geometry.isna() | lines.geometry.is_empty)].explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"].to_crs(crs)
    column = "road_class" if "road_class" in lines.columns else "highway"
    classes = [road_class(v) for v in lines[column]]
    speeds = class_speeds(speeds_kph)
    posted = lines["maxspeed"] if "maxspeed" in lines.columns else pd.Series(None, index=lines.index)
    ways = lines["oneway"] if "oneway" in lines.columns else pd.Series(0, index=lines.index)
    coords = [shapely.get_coordinates(g) for g in lines.geometry]
    keys = [[tuple(p) for p in np.round(c, JOIN_DECIMALS)] for c in coords]
    seen: dict[tuple, int] = {}
    for line_keys, cls in zip(keys, classes):
        if cls is not None:
            for key in line_keys:
                seen[key] = seen.get(key, 0) + 1
    node_of: dict[tuple, int] = {}
    graph = nx.DiGraph()
    for line, line_keys, cls, limit, way in zip(coords, keys, classes, posted, ways):
        if cls is None or len(line) < 2:
            continue
        speed = maxspeed_kph(limit) or speeds[cls]
        steps = np.r_[0.0, np.cumsum(np.hypot(*np.diff(line, axis=0).T))]
        shared = np.array([seen[k] > 1 for k in line_keys])
        for start, end in _pieces(line_keys, shared):
            ends = []
            for position in (start, end):
                if line_keys[position] not in node_of:
                    node_of[line_keys[position]] = len(node_of)
                    graph.add_node(len(node_of) - 1, xy=line[position])
                ends.append(node_of[line_keys[position]])
            if ends[0] == ends[1]:
                continue
            minutes = (steps[end] - steps[start]) / 1000.0 / speed * 60.0
            direction = _direction(way)
            pairs = [ends] if direction == 1 else [ends[::-1]] if direction == -1 else [ends, ends[::-1]]
            for a, b in pairs:
                if not graph.has_edge(a, b) or graph[a][b]["minutes"] > minutes:
                    piece = line[start:end + 1] if a == ends[0] else line[start:end + 1][::-1]
                    graph.add_edge(a, b, minutes=minutes, line=piece, car=cls != "track")
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return _with_anchors(graph, crs)


def _listed(value: Any) -> Any:
    """A GraphML cell written from a list (``"['primary', 'secondary']"``) as that list."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def graphml_network(path: str | Path, *, speeds_kph: Mapping[str, float] | None = None) -> RoadNetwork:
    """Build the directed road graph of a GraphML road network (as osmnx writes it).

    Parameters
    ----------
    path : str or Path
        GraphML file: nodes with ``x``, ``y``; edges with ``length`` (metres), ``road_class``
        or OSM ``highway``, optional ``maxspeed``; graph attribute ``crs``. Edges that are no
        road are left out; a graph in degrees is projected to the UTM zone at its centre.
    speeds_kph : mapping of str to float, optional
        Speeds in km/h by road class, overriding the defaults.

    Returns
    -------
    RoadNetwork
    """
    source = nx.read_graphml(path, force_multigraph=True)
    xy = np.array([(float(d["x"]), float(d["y"])) for _, d in source.nodes(data=True)]).reshape(-1, 2)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=source.graph["crs"])
    crs = metric_crs(points)
    xy = shapely.get_coordinates(np.asarray(points.to_crs(crs).geometry.array, dtype=object))
    to_metric = pyproj.Transformer.from_crs(points.crs, crs, always_xy=True)
    index = {node: i for i, node in enumerate(source.nodes)}
    speeds = class_speeds(speeds_kph)
    graph = nx.DiGraph()
    for u, v, data in source.edges(data=True):
        given = _listed(data.get("road_class", data.get("highway")))
        if road_class(given) is None or index[u] == index[v]:
            continue
        cls = data.get("road_class")
        if cls not in speeds:
            cls = road_class(_listed(data.get("highway"))) or "village"
        speed = maxspeed_kph(_listed(data.get("maxspeed"))) or speeds[cls]
        a, b, minutes = index[u], index[v], float(data["length"]) / 1000.0 / speed * 60.0
        if not graph.has_edge(a, b) or graph[a][b]["minutes"] > minutes:
            graph.add_edge(a, b, minutes=minutes, line=_edge_line(data.get("geometry"), xy[a], xy[b], to_metric),
                           car=cls != "track")
    for node in graph.nodes:
        graph.nodes[node]["xy"] = xy[node]
    return _with_anchors(graph, crs)


def _edge_line(wkt: Any, start: np.ndarray, end: np.ndarray, to_metric: pyproj.Transformer) -> np.ndarray:
    """An edge's line in metres: its GraphML ``geometry`` (WKT, in the file's CRS), else straight."""
    if isinstance(wkt, str) and wkt.strip():
        coords = shapely.get_coordinates(shapely.from_wkt(wkt))
        return np.column_stack(to_metric.transform(coords[:, 0], coords[:, 1]))
    return np.array([start, end])


def _with_anchors(graph: nx.DiGraph, crs: pyproj.CRS) -> RoadNetwork:
    """The network with its anchors: the nodes of its largest strongly connected part."""
    if graph.number_of_edges() == 0:
        return RoadNetwork(graph, crs, np.empty(0, dtype=np.int64), np.empty((0, 2)))
    largest = max(nx.strongly_connected_components(graph), key=len)
    anchors = np.array(sorted(largest), dtype=np.int64)
    anchor_xy = np.array([graph.nodes[n]["xy"] for n in anchors], dtype=float)
    return RoadNetwork(graph, crs, anchors, anchor_xy)


def road_minutes(
    network: RoadNetwork,
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    *,
    access_speed_kph: float,
    station_ids: Iterable[str] | None = None,
    max_snap_m: float | None = 2000.0,
) -> pd.DataFrame:
    """Minutes by road from each station to each village, by the quickest ways out and in (:mod:`.joins`).

    Parameters
    ----------
    network : RoadNetwork
    villages, stations : GeoDataFrame
        With ``village_id`` and ``station_id``; any CRS.
    access_speed_kph : float
        Speed of the access legs, km/h.
    station_ids : iterable of str, optional
        Only these stations (columns); all by default.
    max_snap_m : float or None
        Metres within which the nearest car-road node is a way in (the scenario's).

    Returns
    -------
    DataFrame
        Index ``village_id``, columns ``station_id`` (str); minutes, ``inf`` when unreachable.
    """
    village_ids = villages["village_id"].astype(str).to_numpy()
    all_ids = stations["station_id"].astype(str).to_numpy()
    chosen = None if station_ids is None else {str(s) for s in station_ids}
    wanted = all_ids if chosen is None else np.array([s for s in all_ids if s in chosen], dtype=object)
    times = np.full((len(village_ids), len(wanted)), np.inf)
    if len(network.anchors) == 0 or len(wanted) == 0 or len(village_ids) == 0:
        return pd.DataFrame(times, index=pd.Index(village_ids, name="village_id"),
                            columns=pd.Index(wanted, name="station_id"))
    ways_in = place_ways(network, villages, access_speed_kph=access_speed_kph, max_snap_m=max_snap_m)
    ways_out = place_ways(network, stations[np.isin(all_ids, wanted)], access_speed_kph=access_speed_kph,
                          max_snap_m=max_snap_m)
    for column, (_, out) in enumerate(ways_out):
        start = ("start",)  # a node of its own joined to each way out, for one Dijkstra
        network.graph.add_edges_from((start, node, {"minutes": minutes}) for node, minutes in out)
        try:
            reached = nx.single_source_dijkstra_path_length(network.graph, start, weight="minutes")
        finally:
            network.graph.remove_node(start)
        times[:, column] = [min((reached.get(node, np.inf) + minutes for node, minutes in into), default=np.inf)
                            for into, _ in ways_in]
    return pd.DataFrame(times, index=pd.Index(village_ids, name="village_id"),
                        columns=pd.Index(wanted, name="station_id"))
