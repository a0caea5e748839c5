"""Village and station adjacency from geometry."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import Point, box

from jurisdiction.network.adjacency import station_adjacency, station_villages, village_adjacency


def grid(n: int = 3) -> gpd.GeoDataFrame:
    cells = [box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100) for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame({"village_id": [str(k) for k in range(n * n)]}, geometry=cells, crs="EPSG:32648")


def test_polygons_share_borders_not_corners():
    matrix = village_adjacency(grid()).toarray()
    assert (matrix == matrix.T).all() and not matrix.diagonal().any()
    assert matrix[0, 1] and matrix[0, 3]  # right and up neighbours
    assert not matrix[0, 4]  # diagonal: touches at a corner only
    assert matrix.sum() == 2 * 12  # a 3x3 grid has 12 rook edges


def test_points_use_delaunay():
    points = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1, 0), Point(0, 1), Point(5, 5)], crs="EPSG:32648")
    matrix = village_adjacency(points).toarray()
    assert matrix[0, 1] and matrix[0, 2] and matrix.sum(axis=1).min() >= 1
    collinear = gpd.GeoDataFrame(geometry=[Point(2, 0), Point(0, 0), Point(1, 0)], crs="EPSG:32648")
    chain = village_adjacency(collinear).toarray()
    assert chain[1, 2] and chain[2, 0] and not chain[1, 0]


def test_station_adjacency_and_villages():
    villages = grid()
    home = np.array([0, 0, 1, 0, 0, 1, 2, 2, 2])
    matrix = station_adjacency(home, village_adjacency(villages), 3)
    assert matrix[0, 1] and matrix[0, 2] and matrix[1, 2] and matrix.diagonal().all()
    stations = gpd.GeoDataFrame(geometry=[Point(50, 50), Point(250, 150), Point(1000, 1000)], crs="EPSG:32648")
    assert station_villages(stations, villages).tolist() == [0, 5, 8]
