"""How places join the road graph: the ways in and out of each village and station, in minutes.

A place joins the main network (the largest strongly connected component) by a few candidate
nodes, each with an access time; a travel time is the best access + network + access over all
of them (:func:`jurisdiction.network.arrays.with_places`), so no one node is chosen arbitrarily.

* A polygon village that roads enter is joined where they enter: for every road edge a -> b
  crossing the polygon, one arrives at the village after driving a -> b up to the first point
  inside (a, with the time of that part of the edge), and leaves it from the last point inside
  towards b. Its snap distance is 0.
* A point (a station, a point village, an ``anchor_x``/``anchor_y`` point), or a polygon no road
  enters, joins at the nearest node of the main network and at the nearest node of a road that
  serves cars (every class but ``track``, which holds tracks, paths and footways) when that one
  is within ``max_snap_m`` too, each with a straight access leg at the access speed. The faster
  way wins per trip, so a footway junction next to a village no longer doubles its times.

Optional anchors: columns ``anchor_x``, ``anchor_y`` (in the layer's CRS) give the point a place
is reached at (a village committee, a station's gate); rows with both empty use the geometry.
Places farther than ``max_snap_m`` from the main network are an :class:`UnreachableError`
naming the layer, each row, its distance and the nearest piece of road.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import InputError, NetworkError, Problem
from jurisdiction.network.arrays import GraphArrays

#: The anchor columns of a villages or stations layer, in the layer's CRS.
ANCHOR_COLUMNS = ("anchor_x", "anchor_y")
#: An anchor farther than this (metres) from its row's geometry is refused as a likely CRS mix-up.
ANCHOR_FAR_M = 5000.0
#: The node shown for a place (``Joins.node``) is the nearest car-road node when it is within this
#: factor of the nearest node's distance, or this many metres farther (travel times try both anyway).
CAR_FACTOR = 3.0
CAR_SLACK_M = 200.0
#: Access legs are straight lines at the access speed; minutes per metre at 1 km/h.
_MIN_PER_M_AT_1KPH = 60.0 / 1000.0


class UnreachableError(InputError, NetworkError):
    """Places that cannot be joined to the main road network (an input problem: exit code 3)."""


@dataclass(frozen=True)
class Joins:
    """The ways places join the road graph.

    Attributes
    ----------
    ids : numpy.ndarray
        Place ids (str), in the layer's row order.
    arrive, leave : tuple of (place, node, minutes) arrays
        Candidates to reach a place (by driving to ``node`` then ``minutes`` of access) and to
        leave it (``minutes`` of access to ``node``); ``place`` is the row position.
    snap_m : numpy.ndarray
        Metres from each place to the main network (0 when a road enters it).
    node : numpy.ndarray
        Per place, the node row of its nearest way in (car roads first): what a single-node
        view shows.
    access_min : numpy.ndarray
        Per place, the access minutes of that way in.
    joined : numpy.ndarray
        Per place, ``"entry"`` (roads enter it), ``"anchor"`` or ``"nearest"``.
    """

    ids: np.ndarray
    arrive: tuple[np.ndarray, np.ndarray, np.ndarray]
    leave: tuple[np.ndarray, np.ndarray, np.ndarray]
    snap_m: np.ndarray
    node: np.ndarray
    access_min: np.ndarray
    joined: np.ndarray


def join_places(arrays: GraphArrays, points: gpd.GeoDataFrame, *, id_column: str, access_speed_kph: float,
                max_snap_m: float | None, point_column: str | None = None) -> Joins:
    """The candidate ways in and out of every place (see the module docstring).

    Parameters
    ----------
    arrays : GraphArrays
        The road graph (with its edge table).
    points : GeoDataFrame
        Places with ``id_column``; polygons or points, optional ``anchor_x``/``anchor_y``.
    id_column : str
        Unique id column.
    access_speed_kph : float
        Speed of the straight access legs, km/h.
    max_snap_m : float or None
        Metres; a car-road node farther than this is no candidate (None: any distance).
    point_column : str, optional
        Column of points to join instead of the geometry (anchors still take precedence).

    Returns
    -------
    Joins
    """
    ids, shapes, joined = place_shapes(points, id_column, arrays.crs, point_column)
    per_m = _MIN_PER_M_AT_1KPH / access_speed_kph
    edges = arrays.edges
    usable = arrays.main[edges.tail] & arrays.main[edges.head] & np.isfinite(edges.minutes)
    main_edges = np.flatnonzero(usable)
    arrive: list[tuple] = []
    leave: list[tuple] = []
    snap_m = np.zeros(len(ids))
    entered = np.zeros(len(ids), dtype=bool)
    polygons = np.flatnonzero(np.isin(shapely.get_type_id(shapes), (3, 6, 7)))  # (multi)polygons
    if len(polygons) and len(main_edges):
        lines = edges.geometry[main_edges]
        place, hit = shapely.STRtree(lines).query(shapes[polygons], predicate="intersects")
        if len(place):
            place, edge = polygons[place], main_edges[hit]
            first, last = _entry_fractions(edges.geometry[edge], shapes[place])
            minutes = edges.minutes[edge]
            arrive.append((place, edges.tail[edge], minutes * first))
            leave.append((place, edges.head[edge], minutes * (1.0 - last)))
            entered[place] = True
    rest = np.flatnonzero(~entered)
    node = np.full(len(ids), -1, dtype=np.int64)
    main = np.flatnonzero(arrays.main)
    if len(rest):
        nodes = shapely.points(arrays.xy[main])
        near, d_near = _nearest(nodes, shapes[rest])
        car_nodes = np.flatnonzero(np.isin(main, np.r_[edges.tail[main_edges][edges.car[main_edges]],
                                                       edges.head[main_edges][edges.car[main_edges]]]))
        snap_m[rest] = d_near
        node[rest] = main[near]
        candidates = [(rest, main[near], d_near)]
        if len(car_nodes):
            car, d_car = _nearest(nodes[car_nodes], shapes[rest])
            keep = d_car <= (np.inf if max_snap_m is None else max_snap_m)
            candidates.append((rest[keep], main[car_nodes[car[keep]]], d_car[keep]))
            prefer = keep & (d_car <= np.maximum(CAR_FACTOR * d_near, d_near + CAR_SLACK_M))  # single-node view
            node[rest[prefer]] = main[car_nodes[car[prefer]]]
        for place, at, metres in candidates:
            arrive.append((place, at, metres * per_m))
            leave.append((place, at, metres * per_m))
    arrive_t = _stack(arrive)
    leave_t = _stack(leave)
    access = np.full(len(ids), np.inf)
    inward = arrive_t[1] == node[arrive_t[0]]
    np.minimum.at(access, arrive_t[0][inward], arrive_t[2][inward])
    entry = np.flatnonzero(entered)
    if len(entry):  # the quickest way in stands for an entered village in a single-node view
        order = np.lexsort((arrive_t[2], arrive_t[0]))
        first = order[np.r_[True, arrive_t[0][order][1:] != arrive_t[0][order][:-1]]]
        best = pd.Series(first, index=arrive_t[0][first]).reindex(entry).to_numpy()
        node[entry], access[entry] = arrive_t[1][best], arrive_t[2][best]
    joined = np.where(entered, "entry", joined)
    return Joins(ids, arrive_t, leave_t, snap_m, node, access, joined)


def place_shapes(points: gpd.GeoDataFrame, id_column: str, crs: Any,
                 point_column: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids, the shapes places are joined by (in ``crs``) and how (``"anchor"`` or ``"nearest"``).

    Raises
    ------
    InputError
        Not a GeoDataFrame, a missing id or point column, no CRS, duplicate ids, empty
        geometries, bad anchors (every bad row named), coordinates that do not project.
    """
    name = layer_name(points, id_column)
    if not isinstance(points, gpd.GeoDataFrame):
        raise InputError(name, [Problem(None, "expected a GeoDataFrame")])
    problems = []
    if id_column not in points.columns:
        problems.append(Problem(None, f"missing column {id_column!r}"))
    if points.crs is None:
        problems.append(Problem(None, "layer has no CRS; set it (e.g. gdf.set_crs('EPSG:4326'))"))
    if crs is None:
        problems.append(Problem(None, "the road graph has no CRS"))
    if problems:
        raise InputError(name, problems)
    ids = points[id_column].astype(str).to_numpy()
    duplicated = pd.Index(ids).duplicated()
    if duplicated.any():
        raise InputError(name, [Problem(i, f"duplicate {id_column}") for i in sorted(set(ids[duplicated]))])
    if point_column is not None and point_column not in points.columns:
        raise InputError(name, [Problem(None, f"missing point column {point_column!r}")])
    geometry = points.geometry if point_column is None else points[point_column]
    geometry = gpd.GeoSeries(geometry, crs=getattr(geometry, "crs", None) or points.crs)
    bad = (geometry.isna() | geometry.is_empty).to_numpy()
    if bad.any():
        raise InputError(name, [Problem(i, "empty geometry") for i in ids[bad]])
    anchors = _anchors(points, ids, name)
    try:
        shapes = np.asarray(geometry.to_crs(crs).array, dtype=object)
        anchor_shapes = np.asarray(gpd.GeoSeries(anchors, crs=points.crs).to_crs(crs).array, dtype=object)
    except Exception as exc:  # pyproj errors on irreconcilable CRSs
        raise InputError(name, [Problem(None, f"cannot reproject from {points.crs} "
                                              f"to the graph CRS {crs}: {exc}")]) from exc
    if not np.all(np.isfinite(shapely.get_coordinates(shapes))):
        raise InputError(name, [Problem(None, f"coordinates not finite after projecting to {crs}")])
    invalid = ~shapely.is_valid(shapes)
    shapes[invalid] = shapely.make_valid(shapes[invalid])
    has = ~shapely.is_missing(anchor_shapes)
    far = np.zeros(len(ids), dtype=bool)
    far[has] = shapely.distance(anchor_shapes[has], shapes[has]) > ANCHOR_FAR_M
    if far.any():
        raise InputError(name, [Problem(i, (
            f"the anchor ({', '.join(ANCHOR_COLUMNS)}) is {d:,.0f} m from the row's geometry (more than "
            f"{ANCHOR_FAR_M:,.0f} m): anchors are in the layer's CRS ({points.crs.to_string()})"))
            for i, d in zip(ids[far], shapely.distance(anchor_shapes[far], shapes[far]))])
    shapes[has] = anchor_shapes[has]
    return ids, shapes, np.where(has, "anchor", "nearest")


def _anchors(points: gpd.GeoDataFrame, ids: np.ndarray, name: str) -> np.ndarray:
    """Anchor points (None where a row has none); every bad cell named at once."""
    present = [c for c in ANCHOR_COLUMNS if c in points.columns]
    out = np.full(len(ids), None, dtype=object)
    if not present:
        return out
    if len(present) == 1:
        missing = next(c for c in ANCHOR_COLUMNS if c not in present)
        raise InputError(name, [Problem(None, f"column {present[0]!r} without {missing!r}: an anchor needs both")])
    raw = [points[c] for c in ANCHOR_COLUMNS]
    values = [pd.to_numeric(r, errors="coerce").astype(float).to_numpy() for r in raw]
    blank = [(r.isna() | (r.astype(str).str.strip() == "")).to_numpy() for r in raw]
    problems = []
    for k, i in enumerate(ids):
        given = [not b[k] for b in blank]
        if not any(given):
            continue
        for column, r, v, g in zip(ANCHOR_COLUMNS, raw, values, given):
            if not g:
                problems.append(Problem(i, f"{column} is empty but the other anchor column is not"))
            elif not np.isfinite(v[k]):
                problems.append(Problem(i, f"{column} {r.iat[k]!r} is not a number"))
    if problems:
        raise InputError(name, problems)
    has = np.isfinite(values[0]) & np.isfinite(values[1])
    out[has] = shapely.points(values[0][has], values[1][has])
    return out


def layer_name(points: Any, id_column: str) -> str:
    """The file a layer was read from (``attrs["source"]``), else ``"<kind> layer"``."""
    source = getattr(points, "attrs", {}).get("source")
    return str(source) if source else f"{id_column.removesuffix('_id')} layer"


def unreachable_error(arrays: GraphArrays, points: gpd.GeoDataFrame, id_column: str, joins: Joins,
                      max_snap_m: float) -> UnreachableError | None:
    """An error naming every place farther than ``max_snap_m`` from the main network, or None."""
    far = np.flatnonzero(joins.snap_m > max_snap_m)
    if not len(far):
        return None
    kind = id_column.removesuffix("_id")
    names = points["name"].astype(str).to_numpy() if "name" in points.columns else None
    _, shapes, _ = place_shapes(points, id_column, arrays.crs, None)
    nearest, d_any = _nearest(shapely.points(arrays.xy), shapes[far])
    _, labels = connected_components(arrays.forward, directed=True, connection="strong")
    sizes = np.bincount(labels)
    problems = [Problem(None, f"{len(far)} {kind}(s){' (all of them)' if len(far) == len(joins.ids) else ''} "
                              f"cannot be reached by road: raise max_snap_m (metres; [network] max_snap_m, "
                              f"--max-snap-m) or fix the roads")]
    for k, i, d in zip(far, nearest, d_any):
        label = f"{kind} {joins.ids[k]}" + (f" ({names[k]})" if names is not None else "")
        line = (f"{label} is {joins.snap_m[k]:,.0f} m from the main road network of {int(arrays.main.sum())} "
                f"nodes (max_snap_m {max_snap_m:,.0f} m)")
        if not arrays.main[i]:
            line += (f"; its nearest road ({d:,.0f} m) is on a small component of {sizes[labels[i]]} node(s) "
                     f"cut off from the main network")
        problems.append(Problem(joins.ids[k], line))
    return UnreachableError(layer_name(points, id_column), problems)


def _entry_fractions(lines: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each line is first and last inside its polygon, as fractions of its length (0..1)."""
    inside = shapely.intersection(lines, polygons)
    coords, which = shapely.get_coordinates(inside, return_index=True)
    length = shapely.length(lines)
    at = shapely.line_locate_point(lines[which], shapely.points(coords))
    first = np.full(len(lines), np.inf)
    last = np.full(len(lines), -np.inf)
    np.minimum.at(first, which, at)
    np.maximum.at(last, which, at)
    touched = np.isfinite(first)  # else an intersection lost to rounding: count the whole edge
    first = np.where(touched, first, length)
    last = np.where(touched, last, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.clip(np.where(length > 0, first / length, 0.0), 0.0, 1.0),
                np.clip(np.where(length > 0, last / length, 1.0), 0.0, 1.0))


def _nearest(candidates: np.ndarray, shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each shape, the position of its nearest candidate geometry and the distance (metres)."""
    (which, found), distance = shapely.STRtree(candidates).query_nearest(shapes, return_distance=True,
                                                                         all_matches=False)
    near = np.zeros(len(shapes), dtype=np.int64)
    d = np.full(len(shapes), np.inf)
    near[which], d[which] = found, distance
    return near, d


def _stack(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    return (np.concatenate([p[0] for p in parts]).astype(np.int64),
            np.concatenate([p[1] for p in parts]).astype(np.int64),
            np.concatenate([p[2] for p in parts]).astype(float))
