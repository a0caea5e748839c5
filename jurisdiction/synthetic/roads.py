"""A plausible hierarchical road network over village nodes, for synthetic counties.

Stations are linked by a backbone (minimum spanning tree of their Delaunay triangulation plus
a few short loops) routed along village neighbours; backbone links are national, provincial
or county roads by the population they carry towards the hub (the county seat). Each village
is joined to its station by township roads (the district's growth tree) and a share of the
remaining neighbour links become village roads. All roads are LineStrings whose end vertices
are village nodes, shared exactly, so a graph noded on end vertices is connected.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, QhullError
from shapely.geometry import LineString

from jurisdiction.road_classes import SYNTHETIC_CLASSES


def _backbone(xy: np.ndarray) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Tree and loop edges between stations (indices into ``xy``)."""
    k = len(xy)
    if k < 2:
        return [], []
    if k == 2:
        return [(0, 1)], []
    try:
        tri = Delaunay(xy)
        cand = {tuple(sorted((int(a), int(b))))
                for s in tri.simplices for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2]))}
    except QhullError:  # collinear stations
        cand = {(a, b) for a in range(k) for b in range(a + 1, k)}
    cand = sorted(cand)
    a, b = np.array(cand).T
    length = np.hypot(*(xy[a] - xy[b]).T)
    mst = minimum_spanning_tree(sp.coo_matrix((length, (a, b)), shape=(k, k))).tocoo()
    tree = sorted(tuple(sorted((int(i), int(j)))) for i, j in zip(mst.row, mst.col))
    tree_set = set(tree)
    loops = sorted((length[n], e) for n, e in enumerate(cand) if e not in tree_set)
    limit = np.median(np.hypot(*(xy[[i for i, _ in tree]] - xy[[j for _, j in tree]]).T)) * 1.4
    extra = [e for L, e in loops if L <= limit][: max(1, k // 4)]
    return tree, extra


def _tree_load(k: int, tree: list[tuple[int, int]], weight: np.ndarray, hub: int) -> dict:
    """Share of total weight each tree edge carries towards ``hub``."""
    adj: dict[int, list[int]] = {i: [] for i in range(k)}
    for a, b in tree:
        adj[a].append(b)
        adj[b].append(a)
    order, parent, seen = [hub], {hub: -1}, {hub}
    for node in order:
        for nxt in adj[node]:
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                order.append(nxt)
    below = {i: float(weight[i]) for i in range(k)}
    for node in reversed(order[1:]):
        below[parent[node]] += below[node]
    total = float(weight.sum()) or 1.0
    return {tuple(sorted((node, parent[node]))): below[node] / total for node in order[1:]}


def build_roads(rng: np.random.Generator, xy: np.ndarray, pairs: np.ndarray, parent: np.ndarray,  # noqa: PLR0913
                station_nodes: np.ndarray, station_weight: np.ndarray, hub: int,
                cut_roads: list[LineString] = (), village_share: float = 0.35) -> gpd.GeoDataFrame:
    """Build the road network.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    xy : numpy.ndarray
        ``(n, 2)`` village nodes, projected metres.
    pairs : numpy.ndarray
        ``(m, 2)`` neighbouring villages (shared border).
    parent : numpy.ndarray
        ``(n,)`` for each village the neighbour towards its station (``-1`` for station villages).
    station_nodes : numpy.ndarray
        ``(k,)`` village index of each station.
    station_weight : numpy.ndarray
        ``(k,)`` weight of each station (population), used to rank backbone roads.
    hub : int
        Index of the hub station (county seat).
    cut_roads : list of shapely.LineString
        Extra roads (township class) through split villages; must start at a village node.
    village_share : float
        Share of the remaining neighbour links that become village roads.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``road_id`` (str), ``road_class``, ``oneway`` (False), geometry LineString;
        no CRS set (the caller's projected CRS).
    """
    n = len(xy)
    rank: dict[tuple[int, int], int] = {}

    def mark(a: int, b: int, r: int) -> None:
        key = (a, b) if a < b else (b, a)
        rank[key] = min(rank.get(key, 9), r)

    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    graph = sp.coo_matrix((np.r_[length, length], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                          shape=(n, n)).tocsr()
    sxy = xy[station_nodes]
    tree, extra = _backbone(sxy)
    load = _tree_load(len(station_nodes), tree, np.asarray(station_weight, dtype=float), hub)
    for a, b in tree + extra:
        share = load.get((a, b), 0.0)
        r = 0 if share >= 0.2 else 1 if share >= 0.07 else 2
        src, dst = int(station_nodes[a]), int(station_nodes[b])
        reach = 3.0 * float(np.hypot(*(xy[src] - xy[dst]))) + 1.0
        _, pred = dijkstra(graph, indices=src, return_predecessors=True, limit=reach)
        if pred[dst] < 0:
            _, pred = dijkstra(graph, indices=src, return_predecessors=True)
        node = dst
        while node != src and pred[node] >= 0:
            mark(int(pred[node]), node, r)
            node = int(pred[node])
    for v, p in enumerate(parent.tolist()):
        if p >= 0:
            mark(v, p, 3)
    rest = [tuple(e) for e in pairs.tolist() if tuple(e) not in rank]
    pick = rng.random(len(rest)) < village_share
    for e, keep in zip(rest, pick):
        if keep:
            mark(e[0], e[1], 4)
    rows = []
    for (a, b), r in sorted(rank.items()):
        pa, pb = xy[a], xy[b]
        if r >= 3:  # minor roads wander a little
            mid = (pa + pb) / 2 + rng.normal(0.0, 0.06) * np.array([pb[1] - pa[1], pa[0] - pb[0]])
            geom = LineString([tuple(pa), tuple(mid), tuple(pb)])
        else:
            geom = LineString([tuple(pa), tuple(pb)])
        rows.append((SYNTHETIC_CLASSES[r], geom))
    rows += [("township", line) for line in cut_roads]
    frame = pd.DataFrame(rows, columns=["road_class", "geometry"])
    frame.insert(0, "road_id", [f"R{i:06d}" for i in range(len(frame))])
    frame["oneway"] = False
    return gpd.GeoDataFrame(frame[["road_id", "road_class", "oneway", "geometry"]], geometry="geometry")
