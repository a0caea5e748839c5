"""Coordinate reference systems: China's offset datums and the local metric CRS.

GCJ-02 (Amap, Tencent) and BD-09 (Baidu) are longitude/latitude systems obtained by applying
a published non-linear offset to WGS84; they have no EPSG code, so pyproj cannot convert them
and this module does, vectorised with numpy. Outside China (the usual bounding box
72.004-137.8347 E, 0.8293-55.8271 N) GCJ-02 equals WGS84.

Every metric computation in the package (distances in metres, areas in km²) projects with
:func:`utm_crs`, the UTM zone of the layer's centre (EPSG:326xx north, 327xx south).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from jurisdiction.errors import InputError, Problem

#: Semi-major axis (metres) and squared eccentricity of the Krasovsky 1940 ellipsoid used by GCJ-02.
GCJ_A = 6378245.0
GCJ_EE = 0.00669342162296594323
#: Baidu's constant shift of BD-09 from GCJ-02 (degrees).
BD_DLON = 0.0065
BD_DLAT = 0.0060
#: The box (degrees) inside which GCJ-02 differs from WGS84: lon_min, lat_min, lon_max, lat_max.
CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
#: Stop the fixed-point inverses when the step is below this many degrees (~1 mm).
INVERSE_TOLERANCE = 1e-10
INVERSE_MAX_ITERATIONS = 50

DATUM_ALIASES = {
    "gcj02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "tencent": "gcj02",
    "mars": "gcj02",
    "bd09": "bd09",
    "bd09ll": "bd09",
    "bd": "bd09",
    "baidu": "bd09",
}


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    lon, lat = np.broadcast_arrays(lon, lat)
    return lon, lat


def _out(x: np.ndarray, like):
    """Return a plain float for scalar input, else the array."""
    return float(x) if np.ndim(like) == 0 and np.ndim(x) == 0 else x


def in_china(lon, lat) -> np.ndarray:
    """Whether points fall in the box where GCJ-02 is offset from WGS84.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in degrees.

    Returns
    -------
    numpy.ndarray of bool
    """
    lon, lat = _arrays(lon, lat)
    x0, y0, x1, y1 = CHINA_BOX
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS84 points, without the China test."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    pi = np.pi
    dlat_m = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y / 30.0 * pi)) * 2.0 / 3.0
    )
    dlon_m = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - GCJ_EE * np.sin(rad_lat) ** 2
    lat_deg_m = np.radians(GCJ_A * (1.0 - GCJ_EE) / magic**1.5)
    lon_deg_m = np.radians(GCJ_A * np.cos(rad_lat) / np.sqrt(magic))
    return dlon_m / lon_deg_m, dlat_m / lat_deg_m


def wgs84_to_gcj02(lon, lat):
    """Convert WGS84 longitude/latitude to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in degrees (scalars or arrays of one shape).

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray (floats for scalar input)
        GCJ-02 degrees; points outside China are returned unchanged.
    """
    lon_a, lat_a = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    out_lon = np.where(inside, lon_a + dlon, lon_a)
    out_lat = np.where(inside, lat_a + dlat, lat_a)
    return _out(out_lon, lon), _out(out_lat, lat)


def _invert(forward, lon: np.ndarray, lat: np.ndarray, guess_lon, guess_lat):
    """Solve forward(w) = (lon, lat) for w by fixed-point iteration from a guess."""
    w_lon = np.array(guess_lon, dtype=float, copy=True)
    w_lat = np.array(guess_lat, dtype=float, copy=True)
    for _ in range(INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = forward(w_lon, w_lat)
        d_lon = f_lon - lon
        d_lat = f_lat - lat
        w_lon = w_lon - d_lon
        w_lat = w_lat - d_lat
        step = np.nanmax(np.abs(np.concatenate([d_lon.ravel(), d_lat.ravel(), [0.0]])))
        if step < INVERSE_TOLERANCE:
            break
    return w_lon, w_lat


def gcj02_to_wgs84(lon, lat):
    """Convert GCJ-02 longitude/latitude to WGS84, exactly (fixed-point iteration).

    Iterates ``w <- w - (gcj(w) - g)`` from the one-step approximation until the step is below
    1e-10 degrees, so the result round-trips to well under a millimetre.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray (floats for scalar input)
        WGS84 degrees; points outside China are returned unchanged.
    """
    lon_a, lat_a = _arrays(lon, lat)
    inside = in_china(lon_a, lat_a)

    def forward(w_lon, w_lat):
        d_lon, d_lat = _gcj_offset(w_lon, w_lat)
        return w_lon + d_lon, w_lat + d_lat

    d_lon, d_lat = _gcj_offset(lon_a, lat_a)
    w_lon, w_lat = _invert(forward, lon_a, lat_a, lon_a - d_lon, lat_a - d_lat)
    out_lon = np.where(inside, w_lon, lon_a)
    out_lat = np.where(inside, w_lat, lat_a)
    return _out(out_lon, lon), _out(out_lat, lat)


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = np.pi * 3000.0 / 180.0
    r = np.hypot(lon, lat) + 0.00002 * np.sin(lat * k)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * k)
    return r * np.cos(theta) + BD_DLON, r * np.sin(theta) + BD_DLAT


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray (floats for scalar input)
        BD-09 degrees.
    """
    lon_a, lat_a = _arrays(lon, lat)
    out_lon, out_lat = _gcj_to_bd(lon_a, lat_a)
    return _out(out_lon, lon), _out(out_lat, lat)


def bd09_to_gcj02(lon, lat):
    """Convert BD-09 longitude/latitude to GCJ-02, exactly (fixed-point iteration).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray (floats for scalar input)
        GCJ-02 degrees.
    """
    lon_a, lat_a = _arrays(lon, lat)
    k = np.pi * 3000.0 / 180.0
    x = lon_a - BD_DLON
    y = lat_a - BD_DLAT
    r = np.hypot(x, y) - 0.00002 * np.sin(y * k)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * k)
    out_lon, out_lat = _invert(_gcj_to_bd, lon_a, lat_a, r * np.cos(theta), r * np.sin(theta))
    return _out(out_lon, lon), _out(out_lat, lat)


def wgs84_to_bd09(lon, lat):
    """Convert WGS84 longitude/latitude to BD-09 (via GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray (floats for scalar input)
        BD-09 degrees.
    """
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(g_lon, g_lat)


def bd09_to_wgs84(lon, lat):
    """Convert BD-09 longitude/latitude to WGS84 (via GCJ-02, both steps exact inverses).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 degrees.

    Returns
    -------
    (lon, lat) : tuple of numpy.ndarray (floats for scalar input)
        WGS84 degrees.
    """
    g_lon, g_lat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(g_lon, g_lat)


def normalise_datum(datum: str | None, source: str = "<GeoDataFrame>") -> str | None:
    """Return ``"gcj02"``, ``"bd09"`` or ``None`` for a datum name given by a user.

    Parameters
    ----------
    datum : str or None
        ``"gcj02"``, ``"GCJ-02"``, ``"amap"``, ``"bd09"``, ``"BD-09"``, ``"baidu"``, ... or None.
    source : str
        The file or layer the datum is declared for, for the error message.

    Raises
    ------
    InputError
        If the name is not a known offset datum.
    """
    if datum is None:
        return None
    key = str(datum).lower().replace("-", "").replace("_", "").replace(" ", "")
    if key in ("", "wgs84", "none"):
        return None
    if key not in DATUM_ALIASES:
        raise InputError(source, [Problem(None, (
            f"unknown datum {datum!r}: use 'gcj02' (Amap, Tencent), 'bd09' (Baidu) or None "
            "(the layer's own CRS)"))])
    return DATUM_ALIASES[key]


def _transform_geometries(gdf: gpd.GeoDataFrame, func) -> gpd.GeoDataFrame:
    """Apply a vectorised (lon, lat) -> (lon, lat) function to every vertex of every geometry."""

    def transform(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    geoms = shapely.transform(np.asarray(gdf.geometry.array, dtype=object), transform)
    out[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=None)
    return out.set_crs("EPSG:4326", allow_override=True)


def to_wgs84(gdf: gpd.GeoDataFrame, datum: str | None = None, *,
             source: str = "<GeoDataFrame>") -> gpd.GeoDataFrame:
    """Return a copy of a layer in WGS84 (EPSG:4326).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any geometry types.
    datum : {"gcj02", "bd09", None}
        The offset datum the coordinates are in (aliases "GCJ-02", "amap", "BD-09", "baidu"...).
        With a datum, coordinates are longitude/latitude in that datum; the layer's CRS must be
        geographic or unset. With None, the layer is reprojected from its CRS with pyproj
        (CGCS2000 EPSG:4490, projected CRSs, ...).
    source : str
        Name of the file or layer, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, CRS EPSG:4326.

    Raises
    ------
    InputError
        Unknown datum, a datum declared on a projected layer, or no CRS and no datum.
    """
    datum = normalise_datum(datum, source)
    if datum is None:
        if gdf.crs is None:
            raise InputError(source, [Problem(None, (
                "the layer has no CRS: set one (e.g. gdf.set_crs('EPSG:4326') or the loader's "
                "crs= argument), or declare datum='gcj02'/'bd09' for Amap/Baidu coordinates"))])
        return gdf.to_crs("EPSG:4326")
    if gdf.crs is not None and not gdf.crs.is_geographic:
        raise InputError(source, [Problem(None, (
            f"datum {datum!r} was declared but the layer's CRS {gdf.crs.to_string()} is "
            "projected: GCJ-02 and BD-09 coordinates are longitude/latitude degrees; drop the "
            "datum or give the layer in longitude/latitude"))])
    func = gcj02_to_wgs84 if datum == "gcj02" else bd09_to_wgs84
    return _transform_geometries(gdf, func)


def to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a layer shifted to GCJ-02, for drawing on Amap/Tencent tiles.

    GCJ-02 has no EPSG code: the result is labelled EPSG:4326 (longitude/latitude) so that
    mapping libraries accept it, and ``attrs["datum"]`` is set to ``"gcj02"``. Do not use it
    for anything but drawing.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A layer with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        Coordinates in GCJ-02 degrees.
    """
    out = _transform_geometries(to_wgs84(gdf), wgs84_to_gcj02)
    out.attrs["datum"] = "gcj02"
    return out


def utm_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """The UTM zone (WGS84) at the centre of a layer's bounding box.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A non-empty layer with a CRS.

    Returns
    -------
    pyproj.CRS
        EPSG:326xx (north) or EPSG:327xx (south); EPSG:32648 for Dianjiang (107.35 E, 30.33 N).

    Raises
    ------
    InputError
        If the layer has no CRS or no non-empty geometry.
    """
    wgs = to_wgs84(gdf)
    geoms = wgs.geometry
    geoms = geoms[~(geoms.isna() | geoms.is_empty)]
    if len(geoms) == 0:
        raise InputError("<GeoDataFrame>", [Problem(None, "the layer has no geometry to place a UTM zone")])
    x0, y0, x1, y1 = geoms.total_bounds
    lon = ((x0 + x1) / 2.0 + 180.0) % 360.0 - 180.0
    lat = (y0 + y1) / 2.0
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a layer projected to its local UTM zone (metres).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A layer with a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        In :func:`utm_crs` of the layer.
    """
    return gdf.to_crs(utm_crs(gdf))
