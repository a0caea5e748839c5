"""Travel-time matrices between villages and stations, in minutes.

Places join the main road network (the largest strongly connected component) by the ways in
and out of :mod:`jurisdiction.network.snapping`: where roads enter a village polygon, or at the
nearest node (and the nearest car-road node) of a point, with a straight access leg at an
access speed. Network times come from one bounded Dijkstra per station over a sparse matrix of
the directed graph (:func:`scipy.sparse.csgraph.dijkstra`) to which each place is added as a
node joined by its access legs, so each trip takes its best way in and out; parallel edges keep
the smallest time. Times are in minutes, distances in metres.

Every function takes the networkx graph or its :class:`GraphArrays`; converting the graph is
the slow part on large networks, so convert once (``arrays = graph_arrays(graph)``) and pass
the arrays when computing several matrices from one graph.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from jurisdiction.errors import InputError, Problem
from jurisdiction.network.arrays import GraphArrays, graph_arrays, with_places
from jurisdiction.network.offsets import warn_datum_offset
from jurisdiction.network.snapping import Joins, join_places, layer_name, unreachable_error

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
    """Join places to the main road network (see :mod:`jurisdiction.network.snapping`): one row per place.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or GraphArrays
        Road graph from :func:`jurisdiction.network.graph.road_graph`.
    points : GeoDataFrame
        Places (points or polygons; optional ``anchor_x``/``anchor_y`` in the layer's CRS).
        Reprojected to the graph's CRS; must have a CRS.
    id_column : str
        Column with the unique id (becomes the result's index, as str).
    max_distance_m : float or None
        Places farther than this (metres) from the main network are flagged.
    access_speed_kph : float
        Speed of the straight-line access leg, km/h.
    point_column : str, optional
        Column of point geometries (e.g. a population-weighted centre) to join instead.
    far : {"warn", "raise"}
        What to do about flagged places: list them in a warning, or raise an
        :class:`~jurisdiction.network.snapping.UnreachableError` (an InputError) naming the layer,
        each row, its distance and whether its nearest road is cut off from the main network.

    Returns
    -------
    pandas.DataFrame
        Index = id; ``node`` (graph node id) and ``node_index`` (row in GraphArrays) of the
        place's main way in (the quickest entry of a polygon roads enter, else the nearest node,
        or the nearest car-road node when within 3x its distance or 200 m more), ``snap_m`` (metres to
        the main network, 0 when a road enters), ``access_min`` (minutes), ``joined``
        (``entry``, ``anchor`` or ``nearest``), ``flagged`` (bool).
    """
    arrays = graph_arrays(graph)
    if far not in ("warn", "raise"):
        raise InputError("far", [Problem(None, f"far must be 'warn' or 'raise', got {far!r}")])
    _check_speed(access_speed_kph)
    joins = join_places(arrays, points, id_column=id_column, access_speed_kph=access_speed_kph,
                        max_snap_m=max_distance_m, point_column=point_column)
    flagged = np.zeros(len(joins.ids), dtype=bool) if max_distance_m is None else joins.snap_m > max_distance_m
    if flagged.any() and far == "raise":
        raise unreachable_error(arrays, points, id_column, joins, max_distance_m)
    if flagged.any():
        listed = ", ".join(f"{i} ({d:,.0f} m)" for i, d in zip(joins.ids[flagged][:20], joins.snap_m[flagged][:20]))
        warnings.warn(f"{layer_name(points, id_column)}: {int(flagged.sum())} place(s) farther than "
                      f"{max_distance_m:,.0f} m from the road network: {listed}", stacklevel=2)
    return pd.DataFrame(
        {
            "node": arrays.nodes[joins.node] if len(joins.ids) else np.empty(0, dtype=object),
            "node_index": joins.node.astype(np.int64),
            "snap_m": joins.snap_m,
            "access_min": joins.access_min,
            "joined": joins.joined,
            "flagged": flagged,
        },
        index=pd.Index(joins.ids, name=id_column),
    )


def _check_speed(access_speed_kph: float) -> None:
    if not access_speed_kph > 0:
        raise InputError("access_speed_kph", [Problem(None, f"access speed must be > 0 km/h, got {access_speed_kph}")])


def _joined(arrays: GraphArrays, points: gpd.GeoDataFrame, id_column: str, access_speed_kph: float,
            max_snap_m: float | None) -> Joins:
    """The joins of a layer; an UnreachableError for places beyond ``max_snap_m``; a warning on a datum offset."""
    joins = join_places(arrays, points, id_column=id_column, access_speed_kph=access_speed_kph,
                        max_snap_m=max_snap_m)
    if max_snap_m is not None:
        error = unreachable_error(arrays, points, id_column, joins, max_snap_m)
        if error is not None:
            raise error
    warn_datum_offset(arrays, points, id_column)
    return joins


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

    Time = the best, over the ways out of the station and into the village, of access leg +
    network time + access leg (:mod:`jurisdiction.network.snapping`), by one bounded Dijkstra
    per station. A warning names a layer whose coordinates fit the roads far better once
    converted from GCJ-02 or BD-09 (:func:`jurisdiction.network.offsets.warn_datum_offset`).

    Parameters
    ----------
    graph : networkx.MultiDiGraph or GraphArrays
        Road graph from :func:`jurisdiction.network.graph.road_graph` (edge ``travel_time`` in minutes).
    villages : GeoDataFrame
        With ``village_id``; polygons or points, any CRS (reprojected to the graph's); optional
        ``anchor_x``/``anchor_y`` (the layer's CRS), the point a village is reached at.
    stations : GeoDataFrame
        With ``station_id``; points, any CRS; optional ``anchor_x``/``anchor_y``.
    cutoff : float, optional
        Minutes; longer times are ``inf`` (and the search stops there, which is faster).
    direction : {"from_station", "to_station"}
        Station -> village (response, default) or village -> station.
    access_speed_kph : float
        Speed of the access legs, km/h.
    max_snap_m : float or None
        A village or station farther than this (metres) from the main road network is an
        error; None accepts any distance. Default 2000 m.

    Returns
    -------
    pandas.DataFrame
        Index ``village_id`` (str), columns ``station_id`` (str), minutes (float, ``inf`` =
        unreachable or beyond ``cutoff``).

    Raises
    ------
    UnreachableError
        (an InputError and a NetworkError) Villages or stations beyond ``max_snap_m`` from the
        main network, named with the layer (its file when ``attrs["source"]`` says), the row,
        the distance, and the small component their nearest road is on, if so.
    NetworkError
        Empty graph.
    InputError
        Missing id column, duplicate ids, bad anchors, a layer without CRS or not reprojectable.
    """
    if direction not in _DIRECTIONS:
        raise InputError("direction", [Problem(None, f"direction must be one of {_DIRECTIONS}, got {direction!r}")])
    _check_speed(access_speed_kph)
    arrays = graph_arrays(graph)
    village = _joined(arrays, villages, "village_id", access_speed_kph, max_snap_m)
    station = _joined(arrays, stations, "station_id", access_speed_kph, max_snap_m)
    if direction == "from_station":  # station -> village: leave the station, arrive at the village
        csr, start, end = arrays.forward, station.leave, village.arrive
    else:  # village -> station, searched backwards from the station
        csr, start, end = arrays.backward, station.arrive, village.leave
    n, n_stations, n_villages = len(arrays.nodes), len(station.ids), len(village.ids)
    joined = with_places(csr, start, n_stations, end, n_villages)
    times = node_travel_times(joined, n + np.arange(n_stations), n + n_stations + np.arange(n_villages), cutoff)
    return pd.DataFrame(times.T, index=pd.Index(village.ids, name="village_id"),
                        columns=pd.Index(station.ids, name="station_id"))


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
        diagonal is the quickest way out of the village and back in (0 when a road enters it).
    """
    as_origins = villages.rename(columns={"village_id": "station_id"})
    matrix = travel_time_matrix(graph, villages, as_origins, cutoff=cutoff, access_speed_kph=access_speed_kph,
                                max_snap_m=max_snap_m)
    matrix.columns = pd.Index(matrix.columns, name="village_id")
    return matrix
