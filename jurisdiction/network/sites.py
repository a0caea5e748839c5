"""Candidate sites for police posts on the road network: its junctions, thinned to one per grid cell.

A city district's road graph has thousands of nodes (central Futian: 1,436 on 4.5 km x 3.8 km);
every one of them as a candidate site would make a covering model of millions of pairs. The
sites kept are nodes of the main network (the largest strongly connected component) on roads
that serve cars, at most one per square cell of ``site_spacing_m`` metres: in each cell the
node with the most neighbours (a junction before a bend, a crossroads before a T), the one
nearest the cell's centre among equals. Distances are true metres (the graph's projected CRS).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse import coo_array

from jurisdiction.errors import InputError, Problem
from jurisdiction.network.arrays import GraphArrays, graph_arrays


def node_degrees(arrays: GraphArrays) -> np.ndarray:
    """Number of distinct neighbouring nodes of each node (in or out), self-loops left out."""
    forward = arrays.forward.tocoo()
    n = len(arrays.nodes)
    rows = np.concatenate([forward.row, forward.col])
    cols = np.concatenate([forward.col, forward.row])
    keep = rows != cols
    pattern = coo_array((np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    pattern.sum_duplicates()
    return np.diff(pattern.indptr)


def road_sites(graph: nx.MultiDiGraph | GraphArrays, *, site_spacing_m: float | None = 200.0) -> gpd.GeoDataFrame:
    """Road nodes as candidate post sites, at most one per cell of ``site_spacing_m`` metres.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or GraphArrays
        Road graph from :func:`jurisdiction.network.graph.road_graph`.
    site_spacing_m : float or None
        Side of the grid cells, metres: each cell keeps its node with the most neighbours
        (ties: the one nearest the cell's centre). None keeps every node.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``site_id`` (``"N<node id>"``), ``name`` (the same), ``node`` (graph node id),
        ``degree`` (distinct neighbours), Point geometry at the node, in the graph's CRS
        (metres); ordered by ``site_id``.

    Raises
    ------
    InputError
        ``site_spacing_m`` not a positive number of metres.
    """
    if site_spacing_m is not None and not (isinstance(site_spacing_m, (int, float)) and
                                           not isinstance(site_spacing_m, bool) and
                                           np.isfinite(site_spacing_m) and site_spacing_m > 0):
        raise InputError("site_spacing_m", [Problem(None, f"expected a positive number of metres, got "
                                                          f"{site_spacing_m!r}")])
    arrays = graph_arrays(graph)
    eligible = arrays.main.copy()
    if arrays.edges is not None and arrays.edges.car.any():
        car = np.zeros(len(arrays.nodes), dtype=bool)
        car[arrays.edges.tail[arrays.edges.car]] = True
        car[arrays.edges.head[arrays.edges.car]] = True
        eligible &= car
    index = np.flatnonzero(eligible)
    degree = node_degrees(arrays)
    if site_spacing_m is not None and index.size:
        xy = arrays.xy[index]
        cell = np.floor((xy - xy.min(axis=0)) / site_spacing_m).astype(np.int64)
        centre = (cell + 0.5) * site_spacing_m + xy.min(axis=0)
        off_centre = np.hypot(*(xy - centre).T)
        key = cell[:, 0] * (int(cell[:, 1].max()) + 1) + cell[:, 1]
        order = np.lexsort((off_centre, -degree[index], key))
        first = np.r_[True, key[order][1:] != key[order][:-1]]
        index = np.sort(index[order[first]])
    ids = [f"N{node}" for node in arrays.nodes[index]]
    sites = gpd.GeoDataFrame(
        {"site_id": ids, "name": ids, "node": arrays.nodes[index], "degree": degree[index]},
        geometry=shapely.points(arrays.xy[index]), crs=arrays.crs,
    )
    return sites.sort_values("site_id").reset_index(drop=True)
