"""Undeclared offset datums: a layer whose places fit the roads far better once converted from GCJ-02 or BD-09.

Amap and Tencent coordinates are GCJ-02, Baidu's BD-09: in China both lie some 300-700 m from
WGS84, a shift no CRS declares. Laid on WGS84 roads (OpenStreetMap) such places land beside
their roads and every access leg grows. :func:`warn_datum_offset` measures the distance from
each place to the nearest road of the main network as given, as if GCJ-02, as if BD-09, and as
if the roads were the GCJ-02 ones, and warns, naming the layer, when another reading fits much
better, and better than the same shift turned in any of 15 other directions (so that places
scattered at random among roads, which some shift always fits a little better, raise nothing).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from jurisdiction.inputs.crs import bd09_to_wgs84, gcj02_to_wgs84, in_china, wgs84_to_gcj02
from jurisdiction.network.arrays import GraphArrays
from jurisdiction.network.snapping import layer_name, place_shapes

#: Warn when another datum brings the median place-road distance below this share of the given one
#: (and of the same shift turned)...
BETTER_SHARE = 0.5
#: ...and closer by at least this many metres.
BETTER_BY_M = 100.0
#: ...and with at least this share of the places no farther from a road than as given.
CLOSER_SHARE = 0.8
#: Fewest places for the median to mean anything.
MIN_PLACES = 5

_READINGS = {
    "gcj02": ("GCJ-02 (Amap, Tencent)", gcj02_to_wgs84,
              'declare datum = "gcj02" ([data] datum, or datum= to the loader)'),
    "bd09": ("BD-09 (Baidu)", bd09_to_wgs84, 'declare datum = "bd09" ([data] datum, or datum= to the loader)'),
    "roads gcj02": ("WGS84 on roads drawn in GCJ-02", wgs84_to_gcj02,
                    "the roads may be GCJ-02 (Amap): read them with datum = \"gcj02\""),
}


def datum_fit(arrays: GraphArrays, points: gpd.GeoDataFrame, id_column: str) -> dict[str, float]:
    """Median distance (metres) from the places to the nearest main road, as given and in each other reading.

    Parameters
    ----------
    arrays : GraphArrays
        The road graph, with its edge table.
    points : GeoDataFrame
        Places with ``id_column`` (anchors or the geometry; a polygon by a point inside it).
    id_column : str
        Their id column.

    Returns
    -------
    dict of str to float
        ``"as given"``, ``"gcj02"`` (the coordinates read as GCJ-02), ``"bd09"``, ``"roads gcj02"``
        (the roads read as GCJ-02), and for each reading ``"<reading> closer"`` (the share of
        places no farther from a road than as given) and ``"<reading> turned"``: the best of the
        same shifts turned by 22.5, 45 ... 337.5 degrees, what a shift of that size gives by chance.
        Metres; empty outside China or with too few places.
    """
    _, shapes, _ = place_shapes(points, id_column, arrays.crs, None)
    edges = arrays.edges
    usable = arrays.main[edges.tail] & arrays.main[edges.head]
    if len(shapes) < MIN_PLACES or not usable.any():
        return {}
    xy = shapely.get_coordinates(shapely.point_on_surface(shapes))
    to_wgs = pyproj.Transformer.from_crs(arrays.crs, "EPSG:4326", always_xy=True)
    from_wgs = pyproj.Transformer.from_crs("EPSG:4326", arrays.crs, always_xy=True)
    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    if np.mean(in_china(lon, lat)) < 0.5:
        return {}
    tree = shapely.STRtree(edges.geometry[usable])
    given = _distances(tree, xy)
    fits = {"as given": float(np.median(given))}
    for key, (_, convert, _) in _READINGS.items():
        moved = np.column_stack(from_wgs.transform(*convert(lon, lat)))
        read = _distances(tree, moved)
        fits[key] = float(np.median(read))
        fits[f"{key} closer"] = float(np.mean(read <= given))
        shift = moved - xy
        controls = []
        for angle in np.radians(np.arange(1, 16) * 22.5):  # the same shift turned: what chance gives
            c, s = np.cos(angle), np.sin(angle)
            turned = np.column_stack([c * shift[:, 0] - s * shift[:, 1], s * shift[:, 0] + c * shift[:, 1]])
            controls.append(float(np.median(_distances(tree, xy + turned))))
        fits[f"{key} turned"] = min(controls)
    return fits


def warn_datum_offset(arrays: GraphArrays, points: gpd.GeoDataFrame, id_column: str) -> str | None:
    """Warn when a layer's places fit the roads much better in another datum; return the reading that fits.

    The warning names the layer (its file when ``attrs["source"]`` says), the median distances
    in metres and what to declare. Nothing is changed: the layer is used as given.

    Parameters
    ----------
    arrays : GraphArrays
    points : GeoDataFrame
        Places with ``id_column``.
    id_column : str

    Returns
    -------
    str or None
        ``"gcj02"``, ``"bd09"`` or ``"roads gcj02"`` when it warned, else None.
    """
    fits = datum_fit(arrays, points, id_column)
    if not fits:
        return None
    given = fits["as given"]
    best = min(_READINGS, key=fits.get)
    chance = min(given, fits[f"{best} turned"])
    if not (fits[best] < BETTER_SHARE * chance and given - fits[best] >= BETTER_BY_M
            and fits[f"{best} closer"] >= CLOSER_SHARE):
        return None
    label, _, advice = _READINGS[best]
    kind = id_column.removesuffix("_id")
    warnings.warn(
        f"{layer_name(points, id_column)}: the {kind}s lie a median {given:,.0f} m from the roads as given, "
        f"but {fits[best]:,.0f} m read as {label}: an undeclared offset datum? If so, {advice}",
        stacklevel=3,
    )
    return best


def _distances(tree: shapely.STRtree, xy: np.ndarray) -> np.ndarray:
    """Metres from each point to the nearest line of the tree."""
    (which, _), distance = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    out = np.full(len(xy), np.inf)
    out[which] = distance
    return out
