"""Which CRS the network measures in: one whose metres are true metres where the data lies.

A projected CRS in metres is not enough: Web Mercator (EPSG:3857) stretches every length by
1/cos(latitude), +16 % at 30° N, and an equal-area projection stretches lengths along one
direction and shrinks them along the other. The road graph keeps a projected CRS only when its
point scale factors over the data's extent are within :data:`MAX_SCALE_ERROR` of 1 (UTM within
its zone, Gauss-Krüger 3-degree zones such as CGCS2000 EPSG:4545); anything else is measured in
the local UTM zone (:func:`jurisdiction.inputs.crs.utm_crs`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pyproj

from jurisdiction.inputs.crs import utm_crs

#: Largest relative scale error (point scale factor - 1) of a CRS the network measures in.
MAX_SCALE_ERROR = 1e-3


def scale_error(crs: Any, xy: np.ndarray) -> float | None:
    """The largest |scale factor - 1| of a projected CRS at the corners and centre of some points.

    Parameters
    ----------
    crs : anything pyproj accepts
        A projected CRS.
    xy : numpy.ndarray
        Points in ``crs`` (shape (n, 2), the CRS's units), e.g. road vertices.

    Returns
    -------
    float or None
        The largest relative error of the meridional and parallel scale factors (0.16 for Web
        Mercator at 30° N; 0 means true metres); None when the CRS is not projected or pyproj
        cannot tell (a local engineering grid).
    """
    parsed = pyproj.CRS.from_user_input(crs)
    if not parsed.is_projected or len(xy) == 0:
        return None
    x0, y0 = np.nanmin(xy, axis=0)
    x1, y1 = np.nanmax(xy, axis=0)
    xs = np.array([x0, x1, x0, x1, (x0 + x1) / 2])
    ys = np.array([y0, y0, y1, y1, (y0 + y1) / 2])
    try:
        lon, lat = pyproj.Transformer.from_crs(parsed, parsed.geodetic_crs, always_xy=True).transform(xs, ys)
        factors = pyproj.Proj(parsed).get_factors(lon, lat)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, TypeError):
        return None
    scales = np.r_[np.asarray(factors.meridional_scale), np.asarray(factors.parallel_scale)]
    if not np.all(np.isfinite(scales)):
        return None
    return float(np.max(np.abs(scales - 1.0)))


def is_true_scale(crs: Any, xy: np.ndarray) -> bool:
    """Whether lengths measured in ``crs`` around ``xy`` are true metres (within :data:`MAX_SCALE_ERROR`).

    Parameters
    ----------
    crs : anything pyproj accepts
    xy : numpy.ndarray
        Points in ``crs``, shape (n, 2).

    Returns
    -------
    bool
        True for a projected CRS in metres whose scale error there is at most
        :data:`MAX_SCALE_ERROR`, or whose scale pyproj cannot compute (a local grid in metres);
        True for a local engineering grid in metres; False for geographic CRSs, other units
        and stretched projections (Web Mercator).
    """
    parsed = pyproj.CRS.from_user_input(crs)
    metres = all(a.unit_name in ("metre", "meter") for a in parsed.axis_info)
    if parsed.is_engineering and metres:  # a local site grid: metres by definition
        return True
    if not parsed.is_projected or not metres:
        return False
    error = scale_error(parsed, xy)
    return error is None or error <= MAX_SCALE_ERROR


def measuring_crs(crs: Any, xy: np.ndarray) -> pyproj.CRS:
    """The CRS to measure points of ``crs`` in: ``crs`` itself when true-scale there, else the local UTM zone.

    Parameters
    ----------
    crs : anything pyproj accepts
        The points' CRS.
    xy : numpy.ndarray
        Points in ``crs``, shape (n, 2).

    Returns
    -------
    pyproj.CRS
    """
    parsed = pyproj.CRS.from_user_input(crs)
    if is_true_scale(parsed, xy):
        return parsed
    return utm_crs(gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=parsed))


def true_scale_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph itself when its CRS is true-scale over its nodes, else a copy projected to the local UTM zone.

    Edge ``length`` (metres) and ``travel_time`` are kept as they are: only node coordinates and
    edge geometries move, so that distances to places (snapping, bands) are true metres.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Nodes with ``x``, ``y``; graph attribute ``crs``.

    Returns
    -------
    networkx.MultiDiGraph
    """
    crs = graph.graph.get("crs")
    if crs is None or graph.number_of_nodes() == 0:
        return graph
    xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float)
    target = measuring_crs(crs, xy)
    if target == pyproj.CRS.from_user_input(crs):
        return graph
    return ox.project_graph(graph, to_crs=target)
