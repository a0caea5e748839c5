"""Offset datums against the independent prcoords implementation; UTM zones; to_wgs84."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from jurisdiction.errors import InputError
from jurisdiction.inputs import crs

try:
    import prcoords  # an independent GCJ-02 / BD-09 implementation (test extra)
except ImportError:
    prcoords = None
needs_prcoords = pytest.mark.skipif(prcoords is None, reason="prcoords (a test extra) is not installed")

GEOD = pyproj.Geod(ellps="WGS84")

# A grid over China's bounding box (inside the offset box), 0.5-degree steps off the box edges.
GRID_LON, GRID_LAT = np.meshgrid(np.arange(73.3, 135.1, 1.7), np.arange(18.1, 53.6, 1.3))
GRID_LON, GRID_LAT = GRID_LON.ravel(), GRID_LAT.ravel()
china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=3.9, max_value=53.6, allow_nan=False)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between point arrays."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def reference(func, lon, lat):
    """Apply a prcoords (lat, lon) function point by point, return lon, lat arrays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = [func((y, x)) for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat))]
    return np.array([c.lon for c in out]), np.array([c.lat for c in out])


@needs_prcoords
def test_forward_conversions_match_prcoords_on_a_grid():
    lon, lat = crs.wgs84_to_gcj02(GRID_LON, GRID_LAT)
    ref_lon, ref_lat = reference(prcoords.wgs_gcj, GRID_LON, GRID_LAT)
    assert np.max(np.abs(lon - ref_lon)) < 1e-9 and np.max(np.abs(lat - ref_lat)) < 1e-9
    # the offset is real: hundreds of metres, not zero
    shift = metres(GRID_LON, GRID_LAT, lon, lat)
    assert shift.min() > 10 and shift.max() < 1500

    blon, blat = crs.wgs84_to_bd09(GRID_LON, GRID_LAT)
    ref_lon, ref_lat = reference(prcoords.wgs_bd, GRID_LON, GRID_LAT)
    assert np.max(np.abs(blon - ref_lon)) < 1e-9 and np.max(np.abs(blat - ref_lat)) < 1e-9

    glon, glat = crs.gcj02_to_bd09(lon, lat)
    assert np.allclose(glon, blon, atol=1e-12) and np.allclose(glat, blat, atol=1e-12)


@needs_prcoords
def test_inverse_conversions_match_prcoords_precise_inverses_on_a_grid():
    glon, glat = crs.wgs84_to_gcj02(GRID_LON, GRID_LAT)
    lon, lat = crs.gcj02_to_wgs84(glon, glat)
    ref_lon, ref_lat = reference(prcoords.gcj_wgs_bored, glon, glat)
    assert metres(lon, lat, ref_lon, ref_lat).max() < 0.01
    # and better than the one-step approximation, which is metres off
    rough_lon, rough_lat = reference(prcoords.gcj_wgs, glon, glat)
    assert metres(lon, lat, GRID_LON, GRID_LAT).max() < metres(rough_lon, rough_lat, GRID_LON, GRID_LAT).max()

    blon, blat = crs.wgs84_to_bd09(GRID_LON, GRID_LAT)
    lon, lat = crs.bd09_to_wgs84(blon, blat)
    ref_lon, ref_lat = reference(prcoords.bd_wgs_bored, blon, blat)
    # prcoords stops iterating at 1e-5 degrees of residual, so it is only centimetre-exact
    assert metres(lon, lat, ref_lon, ref_lat).max() < 0.1
    assert metres(lon, lat, GRID_LON, GRID_LAT).max() < 0.001
    lon, lat = crs.bd09_to_gcj02(blon, blat)
    ref_lon, ref_lat = reference(prcoords.bd_gcj_bored, blon, blat)
    assert metres(lon, lat, ref_lon, ref_lat).max() < 0.1


def test_gcj02_inverse_is_exact_to_1e_7_degrees():
    glon, glat = crs.wgs84_to_gcj02(GRID_LON, GRID_LAT)
    lon, lat = crs.gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(lon - GRID_LON)) < 1e-7 and np.max(np.abs(lat - GRID_LAT)) < 1e-7


@needs_prcoords
@settings(deadline=None, max_examples=200)
@given(china_lon, china_lat)
def test_round_trips_within_half_a_metre(lon, lat):
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    ref = prcoords.wgs_gcj((lat, lon))
    assert abs(glon - ref.lon) < 1e-9 and abs(glat - ref.lat) < 1e-9
    back = crs.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, *back) < 0.5
    blon, blat = crs.wgs84_to_bd09(lon, lat)
    ref = prcoords.wgs_bd((lat, lon))
    assert abs(blon - ref.lon) < 1e-9 and abs(blat - ref.lat) < 1e-9
    assert metres(lon, lat, *crs.bd09_to_wgs84(blon, blat)) < 0.5
    assert metres(glon, glat, *crs.bd09_to_gcj02(*crs.gcj02_to_bd09(glon, glat))) < 0.5


def test_outside_china_gcj02_equals_wgs84():
    lon = np.array([2.35, -74.0, 139.69, 100.0, 107.0])
    lat = np.array([48.85, 40.7, 35.68, 60.0, -5.0])
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert np.array_equal(glon, lon) and np.array_equal(glat, lat)
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    assert np.array_equal(wlon, lon) and np.array_equal(wlat, lat)


def test_scalars_give_floats_and_nan_passes_through():
    lon, lat = crs.wgs84_to_gcj02(107.35, 30.33)
    assert isinstance(lon, float) and isinstance(lat, float)
    lon, lat = crs.gcj02_to_wgs84(np.array([np.nan, 107.35]), np.array([np.nan, 30.33]))
    assert np.isnan(lon[0]) and np.isnan(lat[0]) and abs(lon[1] - 107.3454) < 0.001


def test_utm_zone_of_dianjiang():
    gdf = gpd.GeoDataFrame(geometry=[Point(107.35, 30.33)], crs="EPSG:4326")
    assert crs.utm_crs(gdf).to_epsg() == 32648
    south = gpd.GeoDataFrame(geometry=[Point(-47.9, -15.8)], crs="EPSG:4326")
    assert crs.utm_crs(south).to_epsg() == 32723
    # from a projected layer too: the zone comes from the layer's centre in WGS84
    projected = gdf.to_crs("EPSG:3857")
    assert crs.utm_crs(projected).to_epsg() == 32648
    metric = crs.to_metric(gdf)
    assert metric.crs.to_epsg() == 32648


def test_to_wgs84_converts_every_geometry_type_from_gcj02():
    wgs = [Point(107.35, 30.33), LineString([(107.3, 30.3), (107.4, 30.35)]),
           Polygon([(107.3, 30.3), (107.4, 30.3), (107.4, 30.4), (107.3, 30.3)]),
           MultiPolygon([Polygon([(107.1, 30.1), (107.2, 30.1), (107.2, 30.2)])])]
    truth = gpd.GeoDataFrame({"name": ["a", "b", "c", "d"]}, geometry=wgs, crs="EPSG:4326")
    shifted = crs.to_gcj02(truth)
    assert shifted.attrs["datum"] == "gcj02"
    assert metres(107.35, 30.33, shifted.geometry[0].x, shifted.geometry[0].y) > 300
    back = crs.to_wgs84(shifted, "GCJ-02")
    assert back.crs.to_epsg() == 4326 and list(back["name"]) == ["a", "b", "c", "d"]
    for got, want in zip(back.geometry, truth.geometry):
        assert got.geom_type == want.geom_type
        assert got.equals_exact(want, tolerance=1e-8)
    # a layer with no CRS and a declared datum is taken as lon/lat in that datum
    bd = truth.copy()
    bd["geometry"] = gpd.GeoSeries(
        [Point(*crs.wgs84_to_bd09(107.35, 30.33))] + list(truth.geometry[1:]))
    bd = bd.set_crs(None, allow_override=True)
    out = crs.to_wgs84(bd, "bd-09")
    assert metres(107.35, 30.33, out.geometry[0].x, out.geometry[0].y) < 0.5


def test_to_wgs84_reprojects_cgcs2000_and_projected_layers():
    gdf = gpd.GeoDataFrame(geometry=[Point(107.35, 30.33)], crs="EPSG:4490")
    out = crs.to_wgs84(gdf)
    assert out.crs.to_epsg() == 4326
    assert metres(107.35, 30.33, out.geometry[0].x, out.geometry[0].y) < 1.0
    utm = gdf.to_crs("EPSG:32648")
    out = crs.to_wgs84(utm)
    assert metres(107.35, 30.33, out.geometry[0].x, out.geometry[0].y) < 0.01


def test_to_wgs84_errors_name_the_problem():
    utm = gpd.GeoDataFrame(geometry=[Point(500000, 3350000)], crs="EPSG:32648")
    with pytest.raises(InputError, match="projected") as err:
        crs.to_wgs84(utm, "gcj02", source="villages.gpkg")
    assert "villages.gpkg" in str(err.value) and "EPSG:32648" in str(err.value)
    bare = gpd.GeoDataFrame(geometry=[Point(107.35, 30.33)])
    with pytest.raises(InputError, match="no CRS"):
        crs.to_wgs84(bare)
    with pytest.raises(InputError, match="unknown datum 'wgs72'"):
        crs.to_wgs84(bare, "wgs72")
