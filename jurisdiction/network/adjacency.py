"""Who borders whom: the village adjacency graph and the station adjacency it implies.

Contiguity and bundling constraints need graphs, not geometry; this module turns the layers
into sparse matrices the optimisation core can use. Polygon villages are neighbours when they
share a border of positive length (touching at a corner is not enough); point villages are
neighbours in the Delaunay triangulation of their points.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial import Delaunay

#: Shared border length (metres) below which two polygons count as touching at a point only.
MIN_SHARED_BORDER_M = 1.0


def village_adjacency(villages: gpd.GeoDataFrame, *, min_border_m: float = MIN_SHARED_BORDER_M) -> sp.csr_matrix:
    """Symmetric village adjacency matrix.

    Parameters
    ----------
    villages : GeoDataFrame
        Villages in a projected (metric) CRS; polygons, or points.
    min_border_m : float
        Shared border length in metres from which two polygons are neighbours.

    Returns
    -------
    scipy.sparse.csr_matrix
        (n_villages, n_villages) boolean, symmetric, zero diagonal, in the row order of
        ``villages``.
    """
    n = len(villages)
    geometry = villages.geometry.values
    if n < 2:
        return sp.csr_matrix((n, n), dtype=bool)
    if all(g.geom_type == "Point" for g in geometry):
        return _delaunay_adjacency(np.column_stack([shapely.get_x(geometry), shapely.get_y(geometry)]))
    tree = shapely.STRtree(geometry)
    left, right = tree.query(geometry, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geometry[left]), shapely.boundary(geometry[right])))
    keep = shared >= min_border_m
    return _symmetric(left[keep], right[keep], n)


def station_adjacency(home: np.ndarray, adjacency: sp.csr_matrix, n_stations: int) -> np.ndarray:
    """Stations whose current districts border each other.

    Parameters
    ----------
    home : ndarray of int
        (n_villages,) index of each village's current station (-1: unknown, ignored).
    adjacency : scipy.sparse matrix
        Village adjacency from :func:`village_adjacency`.
    n_stations : int
        Number of stations.

    Returns
    -------
    ndarray of bool
        (n_stations, n_stations), symmetric, True on the diagonal.
    """
    coo = sp.triu(adjacency, k=1).tocoo()
    a, b = home[coo.row], home[coo.col]
    keep = (a >= 0) & (b >= 0) & (a != b)
    result = np.eye(n_stations, dtype=bool)
    result[a[keep], b[keep]] = True
    result[b[keep], a[keep]] = True
    return result


def station_villages(stations: gpd.GeoDataFrame, villages: gpd.GeoDataFrame) -> np.ndarray:
    """The village each station stands in (the nearest village for a station outside all).

    Parameters
    ----------
    stations, villages : GeoDataFrame
        Both in the same projected CRS.

    Returns
    -------
    ndarray of int
        (n_stations,) row index into ``villages``.
    """
    tree = shapely.STRtree(villages.geometry.values)
    nearest = tree.query_nearest(stations.geometry.values, return_distance=False, all_matches=False)
    result = np.full(len(stations), -1, dtype=int)
    result[nearest[0]] = nearest[1]
    return result


def _delaunay_adjacency(points: np.ndarray) -> sp.csr_matrix:
    n = len(points)
    if n == 2 or np.linalg.matrix_rank(points - points.mean(axis=0)) < 2:
        order = np.lexsort((points[:, 1], points[:, 0]))  # collinear: a chain
        return _symmetric(order[:-1], order[1:], n)
    triangles = Delaunay(points).simplices
    left = np.concatenate([triangles[:, 0], triangles[:, 1], triangles[:, 2]])
    right = np.concatenate([triangles[:, 1], triangles[:, 2], triangles[:, 0]])
    return _symmetric(left, right, n)


def _symmetric(left: np.ndarray, right: np.ndarray, n: int) -> sp.csr_matrix:
    data = np.ones(2 * len(left), dtype=bool)
    matrix = sp.coo_matrix((data, (np.concatenate([left, right]), np.concatenate([right, left]))), shape=(n, n))
    matrix = matrix.tocsr()
    matrix.setdiag(False)
    matrix.eliminate_zeros()
    return matrix
