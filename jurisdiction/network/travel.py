"""Snapping places to the road graph and travel-time matrices.

Villages and stations are snapped to the nearest node of the largest strongly connected
component of the road graph, with an access leg (straight-line distance at an access speed)
added at each end. Network times come from one bounded Dijkstra per station over a sparse
matrix of the directed graph (:func:`scipy.sparse.csgraph.dijkstra`); parallel edges keep the
smallest time. Times are in minutes, distances in metres.

Every function takes the networkx graph or its :class:`GraphArrays`; converting the graph is
the slow part on large networks, so convert once (``arrays = graph_arrays(graph)``) and pass
the arrays when computing several matrices from one graph.
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from jurisdiction.errors import InputError, NetworkError, Problem
from jurisdiction.network.arrays import GraphArrays, graph_arrays

#: Upper bound on the size of one block of Dijkstra results (sources x nodes), in float64 cells.
_BLOCK_CELLS = 8_000_000
_DIRECTIONS = ("from_station", "to_station")


def node_travel_times(
    csr: csr_array,
    sources: np.ndarray,
    targets: np.ndarray | None = None,
    cutoff: float | None = None,
) -> np.ndarray:
    """Shortest travel times from source nodes, by bounded Dijkstra on a CSR matrix.

    Parameters
    ----------
    csr : scipy.sparse.csr_array
        Edge times in minutes (``GraphArrays.forward``, or ``backward`` for times to sources).
    sources : array of int
        Row indices of the source nodes.
    targets : array of int, optional
        Column indices to keep; all nodes when None.
    cutoff : float, optional
        Stop at this many minutes; farther nodes get ``inf``.

    Returns
    -------
    numpy.ndarray
        Shape (len(sources), len(targets) or n): minutes, ``inf`` when unreachable or beyond
        the cutoff.
    """
    sources = np.asarray(sources, dtype=np.int64)
    n = csr.shape[0]
    width = n if targets is None else len(targets)
    out = np.empty((len(sources), width))
    limit = np.inf if cutoff is None else float(cutoff)
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, len(sources), block):
        chunk = sources[start:start + block]
        times = dijkstra(csr, directed=True, indices=chunk, limit=limit)
        out[start:start + len(chunk)] = times if targets is None else times[:, targets]
    if cutoff is not None:
        out[out > cutoff] = np.inf
    return out


def snap(
    graph: nx.MultiDiGraph | GraphArrays,
    points: gpd.GeoDataFrame,
    *,
    id_column: str,
    max_distance_m: float | None = 2000.0,
    access_speed_kph: float = 20.0,
    point_column: str | None = None,
    far: str = "warn",
) -> pd.DataFrame:
    """Snap places to the nearest node of the road graph's largest strongly connected component.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or GraphArrays
        Road graph from :func:`jurisdiction.network.graph.road_graph`.
    points : GeoDataFrame
        Places (points or polygons; polygons snap from their representative point). Reprojected
        to the graph's CRS; must have a CRS.
    id_column : str
        Column with the unique id (becomes the result's index, as str).
    max_distance_m : float or None
        Places farther than this (metres) from the node are flagged and listed in a warning.
    access_speed_kph : float
        Speed of the straight-line access leg, km/h.
    point_column : str, optional
        Column of point geometries (e.g. a population-weighted centre) to snap instead.
    far : {"warn", "raise"}
        What to do about flagged places: list them in a warning, or raise a NetworkError that
        names each one with its distance (and says when its nearest road is on a small
        component cut off from the main network).

    Returns
    -------
    pandas.DataFrame
        Index = id; ``node`` (graph node id), ``node_index`` (row in GraphArrays), ``snap_m``
        (metres), ``access_min`` (minutes), ``flagged`` (bool).
    """
    arrays = graph_arrays(graph)
    if far not in ("warn", "raise"):
        raise InputError("far", [Problem(None, f"far must be 'warn' or 'raise', got {far!r}")])
    if access_speed_kph <= 0:
        raise InputError("access_speed_kph", [Problem(None, f"access speed must be > 0 km/h, got {access_speed_kph}")])
    ids, xy = _place_points(points, id_column, arrays.crs, point_column)
    main = np.flatnonzero(arrays.main)
    dist, nearest = cKDTree(arrays.xy[main]).query(xy)
    node_index = main[nearest] if len(xy) else np.empty(0, dtype=np.int64)
    flagged = np.zeros(len(ids), dtype=bool) if max_distance_m is None else dist > max_distance_m
    result = pd.DataFrame(
        {
            "node": arrays.nodes[node_index] if len(xy) else np.empty(0, dtype=object),
            "node_index": node_index.astype(np.int64),
            "snap_m": dist,
            "access_min": dist / 1000.0 / access_speed_kph * 60.0,
            "flagged": flagged,
        },
        index=pd.Index(ids, name=id_column),
    )
    if flagged.any() and far == "raise":
        raise _far_error(arrays, points, id_column, result, max_distance_m)
    if flagged.any():
        listed = ", ".join(f"{i} ({d:,.0f} m)" for i, d in zip(ids[flagged][:20], dist[flagged][:20]))
        warnings.warn(f"{int(flagged.sum())} place(s) farther than {max_distance_m:,.0f} m "
                      f"from the road network: {listed}",
                      stacklevel=2)
    return result


def _place_points(points: gpd.GeoDataFrame, id_column: str, crs: Any,
                  point_column: str | None) -> tuple[np.ndarray, np.ndarray]:
    name = f"{id_column.removesuffix('_id')} layer"
    problems = []
    if not isinstance(points, gpd.GeoDataFrame):
        raise InputError(name, [Problem(None, "expected a GeoDataFrame")])
    if id_column not in points.columns:
        problems.append(Problem(None, f"missing column {id_column!r}"))
    if points.crs is None:
        problems.append(Problem(None, "layer has no CRS; set it (e.g. gdf.set_crs('EPSG:4326'))"))
    if crs is None:
        problems.append(Problem(None, "the road graph has no CRS"))
    if problems:
        raise InputError(name, problems)
    ids = points[id_column].astype(str).to_numpy()
    duplicated = pd.Index(ids).duplicated()
    if duplicated.any():
        raise InputError(name, [Problem(i, f"duplicate {id_column}") for i in sorted(set(ids[duplicated]))])
    if point_column is not None and point_column not in points.columns:
        raise InputError(name, [Problem(None, f"missing point column {point_column!r}")])
    geometry = points.geometry if point_column is None else points[point_column]
    geometry = gpd.GeoSeries(geometry, crs=getattr(geometry, "crs", None) or points.crs)
    bad = geometry.isna() | geometry.is_empty
    if bad.any():
        raise InputError(name, [Problem(i, "empty geometry") for i in ids[bad.to_numpy()]])
    try:
        geometry = geometry.to_crs(crs)
    except Exception as exc:  # pyproj errors on irreconcilable CRSs
        raise InputError(name, [Problem(None, f"cannot reproject from {points.crs} "
                                              f"to the graph CRS {crs}: {exc}")]) from exc
    is_point = (geometry.geom_type == "Point").to_numpy()
    shapes = np.asarray(geometry.array, dtype=object)
    anchors = np.where(is_point, shapes, shapely.point_on_surface(shapes))
    xy = shapely.get_coordinates(anchors)
    if not np.all(np.isfinite(xy)):
        raise InputError(name, [Problem(None, f"coordinates not finite after projecting to {crs}")])
    return ids, xy


def travel_time_matrix(
    graph: nx.MultiDiGraph | GraphArrays,
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    *,
    cutoff: float | None = None,
    direction: str = "from_station",
    access_speed_kph: float = 20.0,
    max_snap_m: float | None = 2000.0,
) -> pd.DataFrame:
    """Travel times between every village and every station, in minutes.

    Time = station access leg + network time + village access leg, the network time by one
    bounded Dijkstra per (distinct) station node.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or GraphArrays
        Road graph from :func:`jurisdiction.network.graph.road_graph` (edge ``travel_time`` in minutes).
    villages : GeoDataFrame
        With ``village_id``; polygons or points, any CRS (reprojected to the graph's).
    stations : GeoDataFrame
        With ``station_id``; points, any CRS.
    cutoff : float, optional
        Minutes; longer times are ``inf`` (and the search stops there, which is faster).
    direction : {"from_station", "to_station"}
        Station -> village (response, default) or village -> station.
    access_speed_kph : float
        Speed of the access legs, km/h.
    max_snap_m : float or None
        A village or station farther than this (metres) from the main road network is an
        error; None accepts any distance.

    Returns
    -------
    pandas.DataFrame
        Index ``village_id`` (str), columns ``station_id`` (str), minutes (float, ``inf`` =
        unreachable or beyond ``cutoff``).

    Raises
    ------
    NetworkError
        Empty graph; villages or stations too far from the main network (named, with the
        distance; stations on a small cut-off component say so).
    InputError
        Missing id column, duplicate ids, a layer without CRS or not reprojectable.
    """
    if direction not in _DIRECTIONS:
        raise InputError("direction", [Problem(None, f"direction must be one of {_DIRECTIONS}, got {direction!r}")])
    arrays = graph_arrays(graph)
    village_snap = snap(arrays, villages, id_column="village_id", max_distance_m=max_snap_m,
                        access_speed_kph=access_speed_kph, far="raise")
    station_snap = snap(arrays, stations, id_column="station_id", max_distance_m=max_snap_m,
                        access_speed_kph=access_speed_kph, far="raise")
    csr = arrays.forward if direction == "from_station" else arrays.backward
    station_access = station_snap["access_min"].to_numpy()
    village_access = village_snap["access_min"].to_numpy()
    limit = cutoff
    if cutoff is not None and len(station_access) and len(village_access):
        limit = max(cutoff - station_access.min() - village_access.min(), 0.0)  # no network leg is longer
    unique_nodes, which = np.unique(station_snap["node_index"].to_numpy(), return_inverse=True)
    network = node_travel_times(csr, unique_nodes, village_snap["node_index"].to_numpy(), limit)
    times = network[which].T + station_access[None, :] + village_access[:, None]
    if cutoff is not None:
        times[times > cutoff] = np.inf
    return pd.DataFrame(times, index=pd.Index(village_snap.index, name="village_id"),
                        columns=pd.Index(station_snap.index, name="station_id"))


def village_travel_times(
    graph: nx.MultiDiGraph | GraphArrays,
    villages: gpd.GeoDataFrame,
    *,
    cutoff: float | None = None,
    access_speed_kph: float = 20.0,
    max_snap_m: float | None = 2000.0,
) -> pd.DataFrame:
    """Village x village travel times in minutes: entry [a, b] is the time from village b to village a.

    Parameters
    ----------
    graph, cutoff, access_speed_kph, max_snap_m :
        As in :func:`travel_time_matrix`.
    villages : GeoDataFrame
        With ``village_id``.

    Returns
    -------
    pandas.DataFrame
        Index and columns ``village_id``; minutes, ``inf`` = unreachable or beyond cutoff. The
        diagonal is twice the village's access leg.
    """
    as_origins = villages.rename(columns={"village_id": "station_id"})
    matrix = travel_time_matrix(graph, villages, as_origins, cutoff=cutoff, access_speed_kph=access_speed_kph,
                                max_snap_m=max_snap_m)
    matrix.columns = pd.Index(matrix.columns, name="village_id")
    return matrix


def _far_error(arrays: GraphArrays, layer: gpd.GeoDataFrame, id_column: str, snapped: pd.DataFrame,
               max_snap_m: float) -> NetworkError:
    """A NetworkError naming the places beyond ``max_snap_m`` with their distances."""
    far = snapped[snapped["flagged"]]
    kind = id_column.removesuffix("_id")
    names = layer.set_index(layer[id_column].astype(str))["name"] if "name" in layer.columns else None
    ids, xy = _place_points(layer, id_column, arrays.crs, None)
    position = {i: k for k, i in enumerate(ids)}
    all_dist, all_nearest = cKDTree(arrays.xy).query(xy[[position[i] for i in far.index]])
    _, labels = connected_components(arrays.forward, directed=True, connection="strong")
    sizes = np.bincount(labels)
    lines = []
    for (place, row), d_any, k in zip(far.iterrows(), all_dist, all_nearest):
        label = f"{kind} {place}" + (f" ({names[place]})" if names is not None else "")
        line = f"{label} is {row['snap_m']:,.0f} m from the main road network (limit {max_snap_m:,.0f} m)"
        if not arrays.main[k] and d_any <= max_snap_m:
            line += (f"; its nearest road ({d_any:,.0f} m) is on a small component of {sizes[labels[k]]} node(s) "
                     f"cut off from the main network")
        lines.append(line)
    count = len(lines)
    detail = "\n".join(f"  - {line}" for line in lines[:20]) + (f"\n  ... and {count - 20} more" if count > 20 else "")
    every = " (all of them)" if count == len(snapped) else ""
    return NetworkError(f"{count} {kind}(s){every} cannot be reached by road; "
                        f"raise max_snap_m or fix the roads:\n{detail}")
