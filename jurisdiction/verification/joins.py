"""How places join the rebuilt road network, for :mod:`jurisdiction.verification.roads`, written apart.

The same definition as the network step's (:mod:`jurisdiction.network.snapping`), implemented
again with shapely loops so that a bug in either shows up as a disagreement:

* the point a place is reached at is its ``anchor_x``/``anchor_y`` (in the layer's CRS) when the
  row has both, else its geometry;
* a polygon that roads of the main network (its largest strongly connected part) cross is
  reached by each crossing edge a -> b: arriving after driving from a to the first point of the
  edge inside the polygon, leaving from the last point inside on to b (the edge's minutes
  shared in proportion to length);
* any other place is reached from the nearest node of the main network and from the nearest
  node of a main road that serves cars (any class but ``track``) within ``max_snap_m``, by a
  straight leg at the access speed.

A trip takes the quickest of these ways in and out.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Columns of the point a place is reached at, in the layer's CRS.
ANCHORS = ("anchor_x", "anchor_y")

Ways = list[tuple[int, float]]


def place_ways(network: Any, places: gpd.GeoDataFrame, *, access_speed_kph: float,
               max_snap_m: float | None) -> list[tuple[Ways, Ways]]:
    """For each place (row order), its ways in and out: ``[(node, minutes), ...]`` twice.

    Parameters
    ----------
    network : RoadNetwork
        From :mod:`jurisdiction.verification.roads`; edges carry ``minutes``, ``line`` (metres)
        and ``car``.
    places : GeoDataFrame
        Points or polygons, optional ``anchor_x``/``anchor_y``.
    access_speed_kph : float
        Speed of the straight legs, km/h.
    max_snap_m : float or None
        Metres within which the nearest car-road node is a way in too (None: any distance).

    Returns
    -------
    list of (ways in, ways out)
    """
    shapes = _shapes(places, network.crs)
    main = set(int(n) for n in network.anchors)
    edges = [(a, b, d) for a, b, d in network.graph.edges(data=True) if a in main and b in main]
    lines = np.array([shapely.LineString(d["line"]) for _, _, d in edges], dtype=object)
    tree = shapely.STRtree(lines) if len(lines) else None
    car_nodes = sorted({n for a, b, d in edges if d["car"] for n in (a, b)})
    car_xy = np.array([network.graph.nodes[n]["xy"] for n in car_nodes]).reshape(-1, 2)
    per_metre = 60.0 / 1000.0 / access_speed_kph
    out = []
    for shape in shapes:
        ways_in: Ways = []
        ways_out: Ways = []
        if shape.geom_type in ("Polygon", "MultiPolygon") and tree is not None:
            for k in tree.query(shape, predicate="intersects"):
                a, b, data = edges[k]
                line = lines[k]
                inside = shapely.get_coordinates(line.intersection(shape))
                at = [line.project(shapely.Point(p)) for p in inside]
                if not at:  # an intersection lost to rounding: the whole edge, both ways
                    share = (1.0, 0.0)
                elif line.length > 0:
                    share = (min(at) / line.length, max(at) / line.length)
                else:
                    share = (0.0, 1.0)
                ways_in.append((a, data["minutes"] * share[0]))
                ways_out.append((b, data["minutes"] * (1.0 - share[1])))
        if not ways_in:
            for nodes, xy, limit in ((network.anchors, network.anchor_xy, None), (car_nodes, car_xy, max_snap_m)):
                if len(nodes) == 0:
                    continue
                distance = shapely.distance(shape, shapely.points(xy))
                k = int(np.argmin(distance))
                if limit is None or distance[k] <= limit:
                    ways_in.append((int(nodes[k]), float(distance[k]) * per_metre))
                    ways_out.append((int(nodes[k]), float(distance[k]) * per_metre))
        out.append((ways_in, ways_out))
    return out


def _shapes(places: gpd.GeoDataFrame, crs: Any) -> list[Any]:
    """Each place's anchor point where it has one, else its geometry, in ``crs``."""
    shapes = list(places.to_crs(crs).geometry)
    if not all(c in places.columns for c in ANCHORS):
        return shapes
    x, y = (pd.to_numeric(places[c], errors="coerce").to_numpy(dtype=float) for c in ANCHORS)
    given = np.isfinite(x) & np.isfinite(y)
    if given.any():
        points = gpd.GeoSeries(gpd.points_from_xy(x[given], y[given]), crs=places.crs).to_crs(crs)
        for i, point in zip(np.flatnonzero(given), points):
            shapes[i] = point
    return shapes
