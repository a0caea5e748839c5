"""Issue 15, undeclared offset datums: places in GCJ-02 or BD-09 laid on WGS84 roads are named in a warning.

Before: Amap (GCJ-02) coordinates on OpenStreetMap roads were used as they were, every place
some 500 m off its road, silently.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest

from jurisdiction.inputs.crs import wgs84_to_bd09, wgs84_to_gcj02
from jurisdiction.inputs.example import load_example
from jurisdiction.inputs.readers import read_stations, read_villages
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.graph import road_graph
from jurisdiction.network.offsets import datum_fit, warn_datum_offset
from jurisdiction.network.travel import travel_time_matrix


@pytest.fixture(scope="module")
def example():
    ex = load_example("dianjiang")
    return ex, graph_arrays(road_graph(ex.roads))


def shifted(layer: gpd.GeoDataFrame, convert) -> gpd.GeoDataFrame:
    lon, lat = convert(layer.geometry.x.to_numpy(), layer.geometry.y.to_numpy())
    return layer.set_geometry(gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def point_villages(example):
    """The villages as points where their roads enter them (what a village committee POI would be)."""
    ex, arrays = example
    villages = ex.villages.to_crs(arrays.crs)
    from jurisdiction.network.snapping import join_places

    joins = join_places(arrays, villages, id_column="village_id", access_speed_kph=20.0, max_snap_m=2000.0)
    xy = arrays.xy[joins.node]
    return villages.set_geometry(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=arrays.crs).to_crs("EPSG:4326")


def test_villages_shifted_to_gcj02_are_named_in_a_warning(example, tmp_path):
    ex, arrays = example
    villages = shifted(point_villages(example), wgs84_to_gcj02)
    path = tmp_path / "villages_amap.gpkg"
    villages.to_file(path, driver="GPKG")
    read = read_villages(path)
    read.attrs["source"] = str(path)
    fits = datum_fit(arrays, read, "village_id")
    assert fits["as given"] > 150 and fits["gcj02"] < 5
    with pytest.warns(UserWarning, match=r"villages_amap\.gpkg: the villages lie a median \d+ m from the roads as "
                                         r"given, but \d m read as GCJ-02 \(Amap, Tencent\).*datum = \"gcj02\""):
        travel_time_matrix(arrays, read, ex.stations)
    # declared, they are converted when read, and fit
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        travel_time_matrix(arrays, read_villages(path, datum="gcj02"), ex.stations)


def test_stations_in_bd09_are_named_and_roads_in_gcj02_too(example, tmp_path):
    ex, arrays = example
    stations = shifted(ex.stations, wgs84_to_bd09)
    with pytest.warns(UserWarning, match=r"station layer: the stations .* read as BD-09 \(Baidu\)"):
        assert warn_datum_offset(arrays, stations, "station_id") == "bd09"
    path = tmp_path / "stations.gpkg"
    stations.to_file(path, driver="GPKG")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_datum_offset(arrays, read_stations(path, datum="bd09"), "station_id") is None
    # WGS84 stations on roads drawn in GCJ-02: the other way round
    gcj_roads = ex.roads.copy()
    gcj_roads["geometry"] = gcj_roads.geometry.apply(
        lambda line: type(line)(np.column_stack(wgs84_to_gcj02(*np.asarray(line.coords).T))))
    with pytest.warns(UserWarning, match=r"roads may be GCJ-02"):
        assert warn_datum_offset(graph_arrays(road_graph(gcj_roads)), ex.stations, "station_id") == "roads gcj02"


def test_layers_that_fit_raise_nothing(example):
    ex, arrays = example
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        travel_time_matrix(arrays, ex.villages, ex.stations)
        assert warn_datum_offset(arrays, point_villages(example), "village_id") is None


def test_places_scattered_at_random_raise_nothing(example):
    """Random places among the roads: some shift always fits a little better, none must warn."""
    ex, arrays = example
    x0, y0, x1, y1 = ex.roads.total_bounds
    for seed in range(20):
        rng = np.random.default_rng(seed)
        points = gpd.GeoDataFrame({"station_id": [f"s{i}" for i in range(12)]},
                                  geometry=gpd.points_from_xy(rng.uniform(x0, x1, 12), rng.uniform(y0, y1, 12)),
                                  crs="EPSG:4326")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert warn_datum_offset(arrays, points, "station_id") is None, seed
