"""The road graph as arrays: node coordinates and a sparse matrix of edge minutes, converted once.

Converting a networkx graph is the slow part of computing travel times on large networks:
convert once (``arrays = graph_arrays(graph)``) and pass the arrays to every function of
:mod:`jurisdiction.network.travel` and :mod:`jurisdiction.network.bands`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import NetworkError
from jurisdiction.network.scale import true_scale_graph


@dataclass(frozen=True)
class GraphArrays:
    """A road graph as arrays, ready for repeated Dijkstra runs.

    Attributes
    ----------
    forward : scipy.sparse.csr_array
        ``forward[i, j]`` is the smallest ``travel_time`` (minutes) of the edges i -> j.
    backward : scipy.sparse.csr_array
        The transpose of ``forward`` (for times *to* a node).
    nodes : numpy.ndarray
        Graph node id of each row.
    xy : numpy.ndarray
        Node coordinates, shape (n, 2), metres in ``crs``.
    main : numpy.ndarray
        Boolean mask of the nodes of the largest strongly connected component.
    crs : pyproj.CRS
        The graph's (projected, true-scale) CRS.
    edges : EdgeTable or None
        Every directed edge (parallel ones too) with its geometry: what places join the graph
        by (:mod:`jurisdiction.network.snapping`).
    """

    forward: csr_array
    backward: csr_array
    nodes: np.ndarray
    xy: np.ndarray
    main: np.ndarray
    crs: Any
    edges: EdgeTable | None = None


@dataclass(frozen=True)
class EdgeTable:
    """The directed edges of a road graph, one row per edge.

    Attributes
    ----------
    tail, head : numpy.ndarray
        Row indices (in :class:`GraphArrays`) of each edge's start and end node.
    minutes : numpy.ndarray
        Travel time of the edge, minutes.
    geometry : numpy.ndarray
        shapely LineString from tail to head, metres in the graph's CRS.
    car : numpy.ndarray
        Whether the edge's road class serves cars (every class but ``track``, which also holds
        paths and footways taken in with ``include``).
    """

    tail: np.ndarray
    head: np.ndarray
    minutes: np.ndarray
    geometry: np.ndarray
    car: np.ndarray


def graph_arrays(graph: nx.MultiDiGraph | GraphArrays, weight: str = "travel_time") -> GraphArrays:
    """Convert a road graph to :class:`GraphArrays` (CSR matrices of edge times, coordinates).

    Parameters
    ----------
    graph : networkx.MultiDiGraph or GraphArrays
        A graph from :func:`jurisdiction.network.graph.road_graph` (nodes with ``x``, ``y``; edges with
        ``weight``; graph attribute ``crs``). A GraphArrays is returned unchanged.
    weight : str
        Edge attribute holding the time in minutes.

    Returns
    -------
    GraphArrays

    Raises
    ------
    NetworkError
        Empty graph, an edge without ``weight`` or with a negative one.
    """
    if isinstance(graph, GraphArrays):
        return graph
    graph = true_scale_graph(graph)  # distances to places in true metres, not Web Mercator's
    if graph.number_of_nodes() == 0:
        raise NetworkError("the road graph is empty (no nodes)")
    try:
        xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float)
    except KeyError as exc:
        raise NetworkError("road graph nodes need 'x' and 'y' coordinates (metres)") from exc
    # rows in Z-order: neighbours sit close in memory, which makes Dijkstra up to 1.5x faster
    order = np.argsort(_z_order(xy), kind="stable")
    nodes = np.array(list(graph.nodes), dtype=object)[order]
    xy = xy[order]
    index = {node: i for i, node in enumerate(nodes)}
    try:
        table = np.array([(index[a], index[b], t) for a, b, t in graph.edges(data=weight)], dtype=float)
    except (TypeError, ValueError) as exc:
        raise NetworkError(f"road graph edges need a numeric {weight!r} (minutes): {exc}") from exc
    if len(table) == 0:
        raise NetworkError(f"the road graph is empty (no edges between its {len(nodes)} nodes)")
    u, v, w = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]
    if not np.all(np.isfinite(w)) or np.any(w < 0):  # a missing weight reads as nan
        bad = int(np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0])
        raise NetworkError(f"edge {nodes[u[bad]]} -> {nodes[v[bad]]} has no valid {weight!r} (got {w[bad]}); "
                           f"build the graph with road_graph()")
    forward = _min_csr(u, v, w, len(nodes))
    backward = forward.T.tocsr()  # explicit zeros (zero-time edges) are kept
    _, labels = connected_components(forward, directed=True, connection="strong")
    main = labels == np.argmax(np.bincount(labels))
    return GraphArrays(forward, backward, nodes, xy, main, graph.graph.get("crs"), _edge_table(graph, index, xy))


def _edge_table(graph: nx.MultiDiGraph, index: dict, xy: np.ndarray) -> EdgeTable:
    """Every directed edge with its geometry (a straight line where the graph has none)."""
    rows = [(index[u], index[v], data.get("travel_time", np.nan), data.get("geometry"), data.get("road_class"))
            for u, v, data in graph.edges(data=True)]
    tail = np.array([r[0] for r in rows], dtype=np.int64)
    head = np.array([r[1] for r in rows], dtype=np.int64)
    geometry = np.empty(len(rows), dtype=object)
    geometry[:] = [g for _, _, _, g, _ in rows]
    straight = np.flatnonzero([g is None for g in geometry])
    if len(straight):
        geometry[straight] = shapely.linestrings(np.stack([xy[tail[straight]], xy[head[straight]]], axis=1))
    minutes = np.array([r[2] for r in rows], dtype=float)
    car = np.array([r[4] != "track" for r in rows], dtype=bool)
    return EdgeTable(tail, head, minutes, geometry, car)


def with_places(csr: csr_array, start: tuple[np.ndarray, np.ndarray, np.ndarray], n_start: int,
                end: tuple[np.ndarray, np.ndarray, np.ndarray], n_end: int) -> csr_array:
    """The edge-minutes matrix with a node per place added at each end, joined by its access legs.

    Rows ``n .. n + n_start - 1`` are the start places, with an edge to each of their candidate
    nodes; rows ``n + n_start ..`` are the end places, with an edge from each of their
    candidate nodes. A shortest path from a start place to an end place is then the best
    access leg + network time + access leg, over every way in and out.

    Parameters
    ----------
    csr : scipy.sparse.csr_array
        Edge minutes, n x n (``GraphArrays.forward`` or ``backward``).
    start, end : tuple of arrays
        ``(place, node, minutes)``: place positions, node rows, access minutes of each candidate.
    n_start, n_end : int
        Numbers of start and end places.

    Returns
    -------
    scipy.sparse.csr_array
        (n + n_start + n_end) square; parallel edges keep the smallest time.
    """
    n = csr.shape[0]
    coo = csr.tocoo()
    u = np.r_[coo.row, n + start[0], end[1]].astype(np.int64)
    v = np.r_[coo.col, start[1], n + n_start + end[0]].astype(np.int64)
    w = np.r_[coo.data, start[2], end[2]].astype(float)
    return _min_csr(u, v, w, n + n_start + n_end)


def _z_order(xy: np.ndarray) -> np.ndarray:
    """Morton (Z-order) keys of points: coordinates scaled to 16 bits, bits interleaved."""
    span = max(float(np.ptp(xy, axis=0).max()), 1e-9) if len(xy) else 1.0
    scaled = np.nan_to_num((xy - xy.min(axis=0)) / span * 65535.0).astype(np.uint64)

    def spread(value: np.ndarray) -> np.ndarray:
        for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                            (2, 0x3333333333333333), (1, 0x5555555555555555)):
            value = (value | (value << np.uint64(shift))) & np.uint64(mask)
        return value

    return spread(scaled[:, 0]) | (spread(scaled[:, 1]) << np.uint64(1))


def _min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_array:
    """CSR matrix of edges u -> v keeping the minimum weight of parallel edges (zeros kept)."""
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    key = u * n + v
    order = np.lexsort((w, key))
    u, v, w, key = u[order], v[order], w[order], key[order]
    first = np.r_[True, key[1:] != key[:-1]][: len(u)]
    u, v, w = u[first], v[first], w[first]
    indptr = np.r_[0, np.cumsum(np.bincount(u, minlength=n))]
    return csr_array((w, v.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
