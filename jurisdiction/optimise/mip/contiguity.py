"""Contiguity of districts in the village adjacency graph.

Two forms:

* ``shortest-path`` (compact, restrictive): a village ``v`` (not the centre's root) may join
  centre ``c`` only if one of its neighbours ``u`` closer to ``c`` joins it too:
  ``x[v,c] <= sum_{u in N(v), (t[u,c], h[u,c]) < (t[v,c], h[v,c])} x[u,c]``, where ``h`` is the hop
  count from the root, which breaks ties in travel time so that equal times never forbid a pair.
* ``cuts`` (exact): solve, find districts that fall apart, and for each piece ``S`` not holding
  the root add the a-b separator cut ``x[v,c] <= sum_{u in sep} x[u,c]`` for every ``v`` in ``S``,
  where ``sep`` is the part of the boundary of ``S`` that touches the root's side (a minimal
  vertex separator between ``S`` and the root); repeat until every district is connected. With
  a load bound ``U`` (balance or capacity), ``sep`` keeps only the villages that lie on some
  root-``v`` path of load at most ``U`` (a length-U separator, Validi, Buchanan & Lykhovyd
  2022), since a connected district holds such a path: a stronger cut.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components, dijkstra, shortest_path

from jurisdiction.optimise.instance import Prepared


def roots_of(p: Prepared, mask: np.ndarray, needed: bool) -> np.ndarray:
    """(m,) root village of each station: its own village, or (when needed) its nearest pair."""
    roots = p.station_village.copy()
    if needed:
        t = np.where(mask, p.times, np.inf)
        for c in np.flatnonzero((roots < 0) & p.allowed):
            if np.isfinite(t[:, c]).any():
                roots[c] = int(np.argmin(t[:, c]))
    return roots


def hops_from_roots(adjacency: sp.csr_matrix, roots: np.ndarray) -> np.ndarray:
    """(n, m) unweighted hop count from each station's root village (inf if none)."""
    n, m = adjacency.shape[0], roots.size
    out = np.full((n, m), np.inf)
    ok = np.flatnonzero(roots >= 0)
    if ok.size:
        d = shortest_path(adjacency, unweighted=True, directed=False, indices=roots[ok])
        out[:, ok] = d.T
    return out


def shortest_path_rows(p: Prepared, pair_v: np.ndarray, pair_c: np.ndarray, lookup: np.ndarray,
                       roots: np.ndarray, closer_only: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the shortest-path constraints as index arrays.

    With ``closer_only=False`` every neighbour counts, which gives the (weaker, exact)
    single-village separator cuts ``x[v,c] <= sum_{u in N(v)} x[u,c]``.

    Returns
    -------
    lhs : ndarray
        Pair index of each constrained pair (every pair whose village is not its centre's root).
    ptr : ndarray
        ``rhs[ptr[i]:ptr[i+1]]`` are the pairs on the right-hand side of row ``i`` (empty: the
        pair is forced to 0).
    rhs : ndarray
        Pair indices of the closer neighbours.
    """
    adj = p.adjacency
    hops = hops_from_roots(adj, roots)
    t = p.times
    lhs = np.flatnonzero(pair_v != roots[pair_c])
    v = pair_v[lhs]
    c = pair_c[lhs]
    deg = np.diff(adj.indptr)[v]
    row = np.repeat(np.arange(lhs.size), deg)
    offsets = np.arange(row.size) - np.repeat(np.cumsum(deg) - deg, deg)
    nbr = adj.indices[np.repeat(adj.indptr[v], deg) + offsets]
    cc, vv = c[row], v[row]
    tu, tv = t[nbr, cc], t[vv, cc]
    closer = (tu < tv) | ((tu == tv) & (hops[nbr, cc] < hops[vv, cc])) if closer_only else np.ones(row.size, bool)
    q = lookup[nbr, cc]
    keep = closer & (q >= 0)
    row, q = row[keep], q[keep]
    ptr = np.searchsorted(row, np.arange(lhs.size + 1))
    return lhs, ptr, q


def disconnected_pieces(adjacency: sp.csr_matrix, assignment: np.ndarray,
                        roots: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Pieces of districts cut off from their root: list of (centre, village indices)."""
    pieces = []
    for c in np.unique(assignment).tolist():
        members = np.flatnonzero(assignment == c)
        if members.size <= 1:
            continue
        sub = adjacency[members][:, members]
        k, label = connected_components(sub, directed=False)
        if k == 1:
            continue
        r = roots[c]
        where = np.flatnonzero(members == r)
        root_label = label[where[0]] if where.size else -1
        for comp in range(k):
            if comp != root_label:
                pieces.append((c, members[label == comp]))
    return pieces


def is_connected(adjacency: sp.csr_matrix, assignment: np.ndarray) -> bool:
    """True when every district (villages sharing an assignment) is connected."""
    for c in np.unique(assignment).tolist():
        members = np.flatnonzero(assignment == c)
        if members.size > 1 and connected_components(adjacency[members][:, members], directed=False)[0] != 1:
            return False
    return True


def separator(adjacency: sp.csr_matrix, piece: np.ndarray, root: int) -> tuple[np.ndarray, np.ndarray]:
    """A minimal vertex separator between ``piece`` and ``root``, and the root's side.

    The separator is the boundary of the piece that touches the root's side (the component of
    the root once the piece and its boundary are removed); the side is returned as an (n,) mask.
    """
    n = adjacency.shape[0]
    inside = np.zeros(n, bool)
    inside[piece] = True
    boundary = np.zeros(n, bool)
    boundary[adjacency[piece].indices] = True
    boundary &= ~inside
    blocked = inside | boundary
    if root < 0 or blocked[root]:
        return np.flatnonzero(boundary), np.zeros(n, bool)
    keep = np.flatnonzero(~blocked)
    pos = np.full(n, -1)
    pos[keep] = np.arange(keep.size)
    sub = adjacency[keep][:, keep]
    side = keep[breadth_first_order(sub, pos[root], directed=False, return_predecessors=False)]
    near_side = np.zeros(n, bool)
    near_side[adjacency[side].indices] = True
    side_mask = np.zeros(n, bool)
    side_mask[side] = True
    return np.flatnonzero(boundary & near_side), side_mask


def cut_rows(adjacency: sp.csr_matrix, assignment: np.ndarray, roots: np.ndarray, open_centres: np.ndarray,
             lookup: np.ndarray, weights: np.ndarray | None = None,
             upper: np.ndarray | None = None) -> list[tuple[int, np.ndarray]]:
    """Separator cuts violated by ``assignment``, as (pair index of x[v,c], pair indices of the separator).

    Each cut found for a piece ``S`` of centre ``c`` is also added for every other open centre
    whose root lies on the root's side, as it holds for them too. With a load bound (``weights``
    and ``upper``), each cut keeps only the separator villages that some path light enough to
    fit in one district passes through (a length-U separator, see :func:`_light_paths`),
    which makes it stronger.

    Parameters
    ----------
    weights : ndarray, shape (n,), optional
        Balance weight of each village.
    upper : ndarray, shape (m,), optional
        Largest load of each centre's district (inf for none).
    """
    rows = []
    light = {}
    for c, piece in disconnected_pieces(adjacency, assignment, roots):
        sep, side = separator(adjacency, piece, int(roots[c]))
        targets = [c] + [d for d in open_centres.tolist() if d != c and roots[d] >= 0 and side[roots[d]]]
        for d in targets:
            bounded = weights is not None and upper is not None and np.isfinite(upper[d])
            if bounded and d not in light:
                light[d] = _light_paths(adjacency, weights, lookup[:, d] >= 0, int(roots[d]))
            for v in piece.tolist():
                q = lookup[v, d]
                if q < 0:
                    continue
                keep = light[d](sep, v, upper[d]) if bounded else sep
                seps = lookup[keep, d]
                rows.append((int(q), seps[seps >= 0]))
    return rows


def pool_rows(lookup: np.ndarray, cuts: list[tuple[int, int, np.ndarray]]) -> list[tuple[int, np.ndarray]]:
    """Separator cuts given as (village, station, separator villages), on the pairs of ``lookup``.

    ``lookup`` is (n, m): the pair index of each village and station, -1 for none. Separator
    villages without a pair for that station are dropped (their ``x`` is 0); so is a cut whose
    village has none.
    """
    rows = []
    for v, c, sep in cuts:
        q = lookup[v, c]
        if q >= 0:
            seps = lookup[sep, c]
            rows.append((int(q), seps[seps >= 0]))
    return rows


def _light_paths(adjacency: sp.csr_matrix, weights: np.ndarray, allowed: np.ndarray, root: int):
    """``on_light_paths(sep, v, upper)``: the villages of ``sep`` on some root-``v`` path of load <= ``upper``.

    Paths run inside the ``allowed`` villages; a path's load counts every village on it, both
    ends included. A root-v path through u weighs at least ``from_root[u] + dist(u -> v)`` (u
    counted once), so u above ``upper`` is on no path a district can hold, and the separator
    cut without it still meets every path of a feasible district.
    """
    keep = np.flatnonzero(allowed)
    pos = np.full(adjacency.shape[0], -1)
    pos[keep] = np.arange(keep.size)
    graph = _weighted_graph(adjacency, keep, weights)
    reversed_graph = graph.T.tocsr()
    from_root = np.full(adjacency.shape[0], np.inf)
    from_root[keep] = dijkstra(graph, directed=True, indices=pos[root]) + weights[root]
    to_village: dict[int, np.ndarray] = {}

    def on_light_paths(sep: np.ndarray, v: int, upper: float) -> np.ndarray:
        if v not in to_village:
            out = np.full(pos.size, np.inf)
            if pos[v] >= 0:
                # On reversed edges the distance from v to u is the load of u -> v without u.
                out[keep] = dijkstra(reversed_graph, directed=True, indices=pos[v])
            to_village[v] = out
        return sep[from_root[sep] + to_village[v][sep] <= upper + 1e-6 * max(1.0, upper)]

    return on_light_paths


def prune_pairs(p: Prepared, mask: np.ndarray, roots: np.ndarray, upper: np.ndarray | None) -> np.ndarray:
    """Drop pairs no connected district can hold (valid for both contiguity forms).

    A village can join centre ``c`` only through a path of villages that may all join ``c``,
    from ``c``'s root; when a district's load is bounded (balance or capacity ``upper[c]``),
    the lightest such path, counting the balance weight of every village on it, must fit.

    Parameters
    ----------
    mask : ndarray of bool, shape (n, m)
        Pairs that may exist so far.
    roots : ndarray of int, shape (m,)
        Root village of each centre (-1: column left as is).
    upper : ndarray, shape (m,), or None
        Largest load of each centre (inf for none).
    """
    adj = p.adjacency
    bw = p.balance_weights
    out = mask.copy()
    for c in np.flatnonzero(mask.any(axis=0)):
        r = roots[c]
        if r < 0 or not mask[r, c]:
            continue
        keep = np.flatnonzero(mask[:, c])
        pos = np.full(adj.shape[0], -1)
        pos[keep] = np.arange(keep.size)
        dist = dijkstra(_weighted_graph(adj, keep, bw), directed=True, indices=pos[r]) + bw[r]
        bad = ~np.isfinite(dist)
        if upper is not None and np.isfinite(upper[c]):
            bad |= dist > upper[c] + 1e-6 * max(1.0, upper[c])
        out[keep[bad], c] = False
    return out


def _weighted_graph(adjacency: sp.csr_matrix, keep: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """Adjacency among ``keep`` where edge u -> v costs the weight of v (+1e-9: zero weights stay edges)."""
    sub = adjacency[keep][:, keep].tocoo()
    return sp.csr_matrix((weights[keep][sub.col] + 1e-9, (sub.row, sub.col)), shape=(keep.size, keep.size))
