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
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import NetworkError


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
        The graph's (projected) CRS.
    """

    forward: csr_array
    backward: csr_array
    nodes: np.ndarray
    xy: np.ndarray
    main: np.ndarray
    crs: Any


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
    return GraphArrays(forward, backward, nodes, xy, main, graph.graph.get("crs"))


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
