"""Geometry of synthetic counties: outline, village cells, neighbours, districts, split villages.

Everything here works in a projected metric CRS (metres) on plain numpy arrays of shapely
geometries, so that :mod:`jurisdiction.synthetic.county` and the Dianjiang example build share it.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiPolygon, Polygon


def irregular_outline(rng: np.random.Generator, area_m2: float,
                      centre: tuple[float, float] = (630_000.0, 3_355_000.0)) -> Polygon:
    """An irregular, star-shaped county outline of a given area.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    area_m2 : float
        Area of the outline, square metres.
    centre : (float, float)
        Centre of the outline in projected coordinates, metres.

    Returns
    -------
    shapely.Polygon
        A simple polygon with 96 vertices and exactly ``area_m2`` area (to rounding).
    """
    theta = np.linspace(0.0, 2 * np.pi, 96, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 8):
        radius += rng.uniform(0.02, 0.11) / (0.5 * k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    radius += rng.normal(0.0, 0.008, theta.size)
    aspect = rng.uniform(0.75, 1.3)
    xy = np.column_stack([radius * np.cos(theta) * aspect, radius * np.sin(theta) / aspect])
    scale = np.sqrt(area_m2 / Polygon(xy).area)
    return Polygon(xy * scale + np.asarray(centre))


def seed_points(rng: np.random.Generator, outline: Polygon | MultiPolygon, n: int) -> np.ndarray:
    """``n`` well-spread points inside ``outline``: a jittered staggered grid, thinned at random.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2)``, projected coordinates in metres, in grid order (south to north).
    """
    if n < 1:
        raise ValueError(f"need at least one point, got n={n}")
    minx, miny, maxx, maxy = outline.bounds
    spacing = np.sqrt(outline.area / n) * 0.95
    shapely.prepare(outline)
    for _ in range(60):
        ys = np.arange(miny + spacing / 2, maxy, spacing * 0.866)
        xs = np.arange(minx + spacing / 2, maxx + spacing, spacing)
        gx, gy = np.meshgrid(xs, ys)
        gx = gx + (np.arange(ys.size)[:, None] % 2) * spacing / 2
        pts = np.column_stack([gx.ravel(), gy.ravel()])
        pts += rng.uniform(-0.3, 0.3, pts.shape) * spacing
        pts = pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]
        if len(pts) >= n:
            keep = np.sort(rng.choice(len(pts), size=n, replace=False))
            return pts[keep]
        spacing *= 0.85
    raise ValueError(f"could not place {n} points inside the outline")


def polygonal(geom: shapely.Geometry) -> Polygon | MultiPolygon:
    """The polygonal part of ``geom`` (drops points and lines left by overlay operations)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts)


def voronoi_cells(outline: Polygon | MultiPolygon, points: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``points`` clipped to ``outline``, in the order of ``points``.

    The cells tile the outline (no gaps or overlaps beyond floating-point noise).
    """
    if len(points) == 1:
        return np.array([polygonal(outline)], dtype=object)
    envelope = shapely.box(*outline.bounds).buffer(outline.length)
    vor = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=envelope, ordered=True)
    cells = shapely.intersection(shapely.get_parts(vor), outline)
    return np.array([polygonal(c) for c in cells], dtype=object)


def neighbour_pairs(cells: np.ndarray, min_shared_m: float = 1.0) -> np.ndarray:
    """Pairs of cells that share a border longer than ``min_shared_m`` metres.

    Returns
    -------
    numpy.ndarray
        Shape ``(m, 2)``, ``i < j``, sorted.
    """
    tree = shapely.STRtree(cells)
    i, j = tree.query(cells, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(cells[i], cells[j]))
    keep = shared > min_shared_m
    pairs = np.column_stack([i[keep], j[keep]]).astype(np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs.reshape(0, 2)


def neighbour_lists(n: int, pairs: np.ndarray) -> list[list[int]]:
    """Adjacency lists from neighbour pairs."""
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs.tolist():
        nbrs[a].append(b)
        nbrs[b].append(a)
    return nbrs


def spread_seeds(rng: np.random.Generator, xy: np.ndarray, k: int, first: int) -> np.ndarray:
    """Pick ``k`` distinct indices of ``xy`` spread out (noisy farthest-point sampling from ``first``)."""
    chosen = [first]
    dist = np.hypot(*(xy - xy[first]).T)
    for _ in range(k - 1):
        score = dist * rng.uniform(0.75, 1.0, len(xy))
        score[chosen] = -1.0
        nxt = int(np.argmax(score))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(xy - xy[nxt]).T))
    seeds = np.array(chosen, dtype=np.int64)
    tree = cKDTree(xy)
    for _ in range(3):  # Lloyd steps pull seeds off the outline; ``first`` stays put
        _, owner = cKDTree(xy[seeds]).query(xy)
        for s in range(1, k):
            mine = xy[owner == s]
            if len(mine):
                _, near = tree.query(mine.mean(axis=0), k=min(len(xy), 8))
                free = [int(v) for v in np.atleast_1d(near) if int(v) not in set(seeds.tolist()) or int(v) == seeds[s]]
                if free:
                    seeds[s] = free[0]
    return seeds


def grow_districts(xy: np.ndarray, nbrs: list[list[int]], seeds: np.ndarray, caps: np.ndarray,
                   pace: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grow contiguous districts from seed cells (multi-source Dijkstra on cell neighbours).

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` cell nodes, metres.
    nbrs : list of list of int
        Neighbour lists.
    seeds : numpy.ndarray
        ``(k,)`` seed cell of each district.
    caps : numpy.ndarray
        ``(k,)`` largest number of cells per district, ``-1`` for no cap. A cap is exceeded
        only for cells that no uncapped district can reach.
    pace : numpy.ndarray
        ``(k,)`` growth cost factor per district (smaller grows larger).

    Returns
    -------
    district, parent : numpy.ndarray
        ``(n,)`` district index per cell, and the neighbouring cell each was reached from
        (``-1`` for seeds): a tree per district, so every district is contiguous.
    """
    n = len(xy)
    district = np.full(n, -1, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    count = np.zeros(len(seeds), dtype=np.int64)
    heap = [(0.0, int(v), s, -1) for s, v in enumerate(seeds)]
    heapq.heapify(heap)
    while heap:
        d, v, s, p = heapq.heappop(heap)
        if district[v] >= 0 or (caps[s] >= 0 and count[s] >= caps[s]):
            continue
        district[v], parent[v] = s, p
        count[s] += 1
        for u in nbrs[v]:
            if district[u] < 0:
                step = float(np.hypot(*(xy[u] - xy[v]))) * pace[s]
                heapq.heappush(heap, (d + step, u, s, v))
    while (district < 0).any():  # pockets closed off by capped districts
        progress = False
        for v in np.flatnonzero(district < 0):
            options = [u for u in nbrs[v] if district[u] >= 0]
            if options:
                u = min(options, key=lambda u: (caps[district[u]] >= 0, u))
                district[v], parent[v] = district[u], u
                progress = True
        if not progress:
            raise ValueError("some cells are not connected to any seed")
    return district, parent


@dataclass(frozen=True)
class SplitVillage:
    """One planted split: a village cut along road lines into pieces held by different districts.

    Attributes
    ----------
    village : int
        Index of the village cell.
    pieces : tuple of shapely.Polygon
        The pieces (each more than 20 % of the village area).
    districts : tuple of int
        District index holding each piece (all different; the first, the village's own
        district, holds the largest piece).
    cut_roads : tuple of shapely.LineString
        Road lines along the cuts, from the village node across the border to a neighbour node.
    """

    village: int
    pieces: tuple
    districts: tuple
    cut_roads: tuple


def _sectors(centre: np.ndarray, angles: np.ndarray, reach: float) -> list[Polygon]:
    out = []
    for a, b in zip(angles, np.append(angles[1:], angles[0] + 2 * np.pi)):
        arc = np.linspace(a, b, 12)
        ring = np.vstack([centre, centre + reach * np.column_stack([np.cos(arc), np.sin(arc)])])
        out.append(Polygon(ring))
    return out


def _cut_road(cells, xy, tree, v: int, angle: float, reach: float) -> LineString:
    centre = xy[v]
    ray = LineString([centre, centre + reach * np.array([np.cos(angle), np.sin(angle)])])
    inside = shapely.get_parts(shapely.intersection(ray, cells[v]))
    first = min(inside, key=lambda g: g.distance(shapely.Point(centre)))
    end = np.asarray(first.coords[-1])
    beyond = shapely.Point(end + 2.0 * np.array([np.cos(angle), np.sin(angle)]))
    others = [u for u in tree.query(beyond, predicate="intersects") if u != v]
    coords = [tuple(centre), tuple(end)] + ([tuple(xy[others[0]])] if others else [])
    return LineString(coords)


def plant_splits(rng: np.random.Generator, cells: np.ndarray, xy: np.ndarray, nbrs: list[list[int]],
                 district: np.ndarray, k: int, forbidden: set[int], three_way: int = 0) -> list[SplitVillage]:
    """Cut ``k`` border villages into 2 or 3 pieces that go to different neighbouring districts.

    A village is cut by rays from its node (a straight road for 2 pieces, a three-way junction
    for 3). Each piece must border the district it goes to, the village's own district keeps
    the largest piece, and every affected district must stay one polygon.

    Parameters
    ----------
    forbidden : set of int
        Villages that may not be split (station villages).
    three_way : int
        How many of the ``k`` splits to try to make three-way first (on villages that border
        two other districts; fewer when there are not enough); the rest are 2- or 3-way at
        random.

    Raises
    ------
    ValueError
        If fewer than ``k`` villages can be split.
    """
    tree = shapely.STRtree(cells)
    whole: dict[int, set[int]] = {}  # district -> villages it holds whole
    for v, d in enumerate(district.tolist()):
        whole.setdefault(d, set()).add(v)
    pieces: dict[int, list[Polygon]] = {}  # district -> pieces of split villages it holds
    candidates = [v for v in range(len(cells)) if v not in forbidden
                  and isinstance(cells[v], Polygon)
                  and any(district[u] != district[v] for u in nbrs[v])]
    rng.shuffle(candidates)
    taken: set[int] = set()
    out: list[SplitVillage] = []
    for v in candidates:
        if len(out) == k:
            break
        if v in taken or any(u in taken for u in nbrs[v]):
            continue
        need3 = sum(len(s.districts) == 3 for s in out) < three_way
        split = _try_split(rng, cells, xy, tree, nbrs, district, (whole, pieces), v, 3 if need3 else None)
        if split is not None:
            out.append(split)
            taken.add(v)
            whole[int(district[v])].discard(v)
            for d, piece in zip(split.districts, split.pieces):
                pieces.setdefault(d, []).append(piece)
    if len(out) < k:
        raise ValueError(f"could only plant {len(out)} of {k} split villages")
    return out


def _stays_one_polygon(cells, held, d: int, v: int, piece: Polygon) -> bool:
    """Whether district ``d`` is one polygon once village ``v`` is replaced by ``piece``."""
    whole, pieces = held
    parts = [cells[u] for u in sorted(whole.get(d, ())) if u != v] + pieces.get(d, []) + [piece]
    return isinstance(polygonal(shapely.union_all(parts)), Polygon)


def _try_split(rng, cells, xy, tree, nbrs, district, held, v, force_ways=None):  # noqa: PLR0913
    """One split of village ``v`` (or None): pieces, their districts and the cut roads."""
    own = int(district[v])
    cell = cells[v]
    other = sorted({int(district[u]) for u in nbrs[v]} - {own})
    reach = 4.0 * np.sqrt(cell.area) + float(np.hypot(*(np.asarray(cell.centroid.coords[0]) - xy[v])))
    if force_ways == 3 and len(other) < 2:
        return None
    for _ in range(16):
        ways = force_ways or (3 if len(other) >= 2 and rng.random() < 0.5 else 2)
        start = rng.uniform(0, 2 * np.pi)
        if ways == 2:
            angles = start + np.array([0.0, np.pi])
        else:
            angles = start + 2 * np.pi * np.arange(3) / 3 + rng.uniform(-0.3, 0.3, 3)
        parts = [polygonal(shapely.intersection(cell, s)) for s in _sectors(xy[v], angles, reach)]
        if any(not isinstance(p, Polygon) or p.area < 0.2 * cell.area for p in parts):
            continue
        options = []
        for p in parts:  # districts each piece borders (and the village's own)
            near = {int(district[u]) for u in nbrs[v]
                    if shapely.length(shapely.intersection(p, cells[u])) > 1.0}
            options.append(sorted(near | {own}))
        for choice in itertools.product(*options):
            if len(set(choice)) != ways or own not in choice:
                continue
            if parts[choice.index(own)].area < max(p.area for p in parts):
                continue  # the village's own district keeps its largest piece
            if all(_stays_one_polygon(cells, held, choice[i], v, parts[i]) for i in range(ways)):
                order = sorted(range(ways), key=lambda i: choice[i] != own)
                roads = tuple(_cut_road(cells, xy, tree, v, a, reach) for a in angles)
                return SplitVillage(v, tuple(parts[i] for i in order),
                                    tuple(int(choice[i]) for i in order), roads)
    return None
