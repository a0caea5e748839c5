"""Isochrones: the area reachable by road from each station within a number of minutes.

A band is the union of the road it covers, buffered: edges reachable in full are taken whole,
the last edge of each path is cut at the reachable fraction, and the reached nodes are kept
too. Holes stay (a band is not a convex hull), and each band contains the band of the next
smaller threshold by construction. Times come from the same directed graph and access legs as
:func:`jurisdiction.network.travel.travel_time_matrix` (station -> village).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.ops import substring

from jurisdiction.errors import InputError, Problem
from jurisdiction.network.arrays import GraphArrays, graph_arrays, with_places
from jurisdiction.network.scale import true_scale_graph
from jurisdiction.network.snapping import join_places, unreachable_error
from jurisdiction.network.travel import node_travel_times


def isochrones(
    graph: nx.MultiDiGraph,
    stations: gpd.GeoDataFrame,
    minutes: Sequence[float] = (5, 10, 15, 30),
    *,
    buffer_m: float = 100.0,
    access_speed_kph: float = 20.0,
    max_snap_m: float | None = 2000.0,
) -> gpd.GeoDataFrame:
    """Areas reachable by road from each station within each number of minutes.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Road graph from :func:`jurisdiction.network.graph.road_graph` (edge ``travel_time`` in
        minutes, optional ``geometry`` from u to v; graph ``crs`` projected, metres).
    stations : GeoDataFrame
        With ``station_id``; points in any CRS (reprojected to the graph's).
    minutes : sequence of float
        Thresholds in minutes, e.g. (5, 10, 15, 30).
    buffer_m : float
        Half-width of the band around the reachable roads, metres.
    access_speed_kph : float
        Speed of the station's access leg to the road, km/h (its time is spent first; a
        station with two ways out, see :mod:`jurisdiction.network.snapping`, takes the quicker
        to each node).
    max_snap_m : float or None
        Stations farther than this from the main road network are an error (see
        :func:`jurisdiction.network.travel.travel_time_matrix`).

    Returns
    -------
    GeoDataFrame
        Columns ``station_id`` (str), ``minutes`` (float), ``geometry`` (Polygon or
        MultiPolygon, empty when the access leg alone takes longer), in the graph's CRS; one row
        per station and threshold, thresholds ascending.

    Raises
    ------
    InputError
        Non-positive thresholds or buffer, a station layer without CRS.
    UnreachableError
        (an InputError) Stations farther than ``max_snap_m`` from the main road network.
    NetworkError
        Empty graph.
    """
    thresholds = sorted({float(t) for t in minutes})
    problems = [Problem(None, f"threshold {t} minutes must be > 0") for t in thresholds if not t > 0]
    if not thresholds:
        problems.append(Problem(None, "no thresholds given"))
    if not buffer_m > 0:
        problems.append(Problem(None, f"buffer_m must be > 0 metres, got {buffer_m}"))
    if not isinstance(graph, nx.MultiDiGraph):
        problems.append(Problem(None, "isochrones need the networkx road graph (edge geometries), "
                                      f"not a {type(graph).__name__}"))
    if problems:
        raise InputError("isochrones", problems)
    graph = true_scale_graph(graph)  # buffers and access legs in true metres
    arrays = graph_arrays(graph)
    joins = join_places(arrays, stations, id_column="station_id", access_speed_kph=access_speed_kph,
                        max_snap_m=max_snap_m)
    error = None if max_snap_m is None else unreachable_error(arrays, stations, "station_id", joins, max_snap_m)
    if error is not None:
        raise error
    n = len(arrays.nodes)
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))
    joined = with_places(arrays.forward, joins.leave, len(joins.ids), empty, 0)
    edges = _edge_arrays(graph, arrays)
    rows = []
    for k, station_id in enumerate(joins.ids):
        # minutes to every node by the station's best way out (access legs included)
        times = node_travel_times(joined, [n + k], cutoff=thresholds[-1])[0][:n]
        band, previous = shapely.Polygon(), -np.inf
        for t in thresholds:
            band = _band(arrays, edges, times, t, previous, buffer_m, band)
            previous = t
            rows.append((str(station_id), t, band))
    return gpd.GeoDataFrame(
        {"station_id": [r[0] for r in rows], "minutes": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=arrays.crs,
    )


def _edge_arrays(graph: nx.MultiDiGraph, arrays: GraphArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge tails, heads (row indices), times (minutes) and geometries (u -> v)."""
    index = {node: i for i, node in enumerate(arrays.nodes)}
    tails, heads, times, geoms = [], [], [], []
    for u, v, data in graph.edges(data=True):
        i, j = index[u], index[v]
        tails.append(i)
        heads.append(j)
        times.append(float(data["travel_time"]))
        geometry = data.get("geometry")
        geoms.append(geometry if geometry is not None else shapely.LineString([arrays.xy[i], arrays.xy[j]]))
    return np.array(tails), np.array(heads), np.array(times), np.array(geoms, dtype=object)


def _band(arrays: GraphArrays, edges: tuple, times: np.ndarray, budget: float, previous: float, buffer_m: float,
          inner: shapely.Geometry) -> shapely.Geometry:
    """``inner`` (the band of ``previous`` minutes) plus what is reachable within ``budget`` minutes.

    Only what ``inner`` does not already hold is buffered: nodes and whole edges first reached
    after ``previous`` minutes, and the edges cut at the frontier.
    """
    if budget < 0:
        return inner
    tails, _, edge_times, geoms = edges
    start = times[tails]
    end = start + edge_times
    reach = start <= budget
    whole = reach & (end <= budget)
    cut = np.flatnonzero(reach & ~whole)
    parts = list(geoms[whole & ~(end <= previous)])
    for k in cut:
        fraction = (budget - start[k]) / edge_times[k]
        parts.append(substring(geoms[k], 0.0, fraction, normalized=True))
    new_nodes = (times <= budget) & ~(times <= previous)
    pieces = np.concatenate([shapely.points(arrays.xy[new_nodes]), np.array(parts, dtype=object)])
    # buffering each piece and unioning is much faster in GEOS than buffering one collection
    return shapely.union_all(np.r_[shapely.buffer(pieces, buffer_m), np.array([inner], dtype=object)])
