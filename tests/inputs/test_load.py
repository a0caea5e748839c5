"""Loaders: real files of every format written to tmp_path and read back through the loaders."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from jurisdiction.errors import InputError
from jurisdiction.inputs.crs import to_gcj02, wgs84_to_bd09, wgs84_to_gcj02
from jurisdiction.inputs.readers import read_jurisdictions, read_roads, read_stations, read_villages

GEOD = pyproj.Geod(ellps="WGS84")


def square(x: float, y: float, size: float = 0.01) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def villages_frame(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "village_id": [500231001001 + i for i in range(n)],
        "name": [f"村{i}" for i in range(n)],
        "population": [100 * (i + 1) for i in range(n)],
        "incidents": [float(i) for i in range(n)],
        "registration_station": ["S1"] * n,
    }, geometry=[square(107.3 + 0.01 * i, 30.3) for i in range(n)], crs="EPSG:4326")


def stations_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "station_id": ["S1", "S2", "S3"], "name": ["城关", "北关", "城里"],
        "officers": [20, 8, 5], "kind": ["urban", "Rural", "rural"],
        "candidate": ["yes", "1", "false"], "fixed": ["true", "no", None],
    }, geometry=[Point(107.35, 30.33), Point(107.4, 30.4), Point(107.3, 30.2)], crs="EPSG:4326")


def write(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    gdf.to_file(path, **kwargs)
    return path


def raises(func, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        func(*args, **kwargs)
    return err.value


def metres(a: Point, b: Point) -> float:
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


# ---------------------------------------------------------------- valid files, every format


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_valid_vector_files_load_with_canonical_dtypes(tmp_path, suffix):
    frame = villages_frame()
    if suffix == ".shp":  # Shapefile field names stop at 10 characters
        frame = frame.rename(columns={"registration_station": "reg_st"})
    path = write(frame, tmp_path / f"villages{suffix}")
    got = read_villages(path)
    assert list(got["village_id"]) == ["500231001001", "500231001002", "500231001003"]
    assert pd.api.types.is_string_dtype(got["village_id"])
    assert got["population"].dtype == np.int64 and list(got["population"]) == [100, 200, 300]
    assert got["incidents"].dtype == np.float64
    assert got.crs.to_epsg() == 4326 and set(got.geom_type) == {"Polygon"}
    assert got.columns[-1] == "geometry" and list(got.index) == [0, 1, 2]


def test_valid_csv_loads_points_with_codes_as_text(tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text("village_id,name,population,lon,lat,township\n"
                    "500231001001,东街社区,1200,107.35,30.33,500231001\n"
                    "0042,西坦村,800,107.36,30.34,500231001\n", encoding="utf-8")
    got = read_villages(path)
    assert list(got["village_id"]) == ["500231001001", "0042"]
    assert list(got["township"]) == ["500231001", "500231001"]
    assert got["population"].dtype == np.int64
    assert "lon" not in got.columns and got.geometry[0].equals(Point(107.35, 30.33))
    assert got.crs.to_epsg() == 4326


def test_gb18030_csv_and_projected_crs(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_bytes("station_id,name,x,y\n1,城关派出所,600000,3350000\n".encode("gb18030"))
    got = read_stations(path, lon="x", lat="y", crs="EPSG:32648")
    assert got["name"][0] == "城关派出所" and got["station_id"][0] == "1"
    assert got.crs.to_epsg() == 32648 and got.geometry[0].x == 600000


def test_stations_booleans_defaults_and_kinds(tmp_path):
    got = read_stations(write(stations_frame(), tmp_path / "stations.gpkg"))
    assert got["candidate"].dtype == bool and list(got["candidate"]) == [True, True, False]
    assert list(got["fixed"]) == [True, False, False]
    assert list(got["excluded"]) == [False, False, False]
    assert list(got["kind"]) == ["urban", "rural", "rural"]
    assert got["officers"].dtype == np.float64


def test_geodataframe_source_is_not_modified():
    frame = villages_frame()
    before = frame.copy()
    got = read_villages(frame)
    assert got["village_id"][0] == "500231001001"
    pd.testing.assert_frame_equal(frame, before)


def test_multi_layer_geopackage_picks_the_named_layer(tmp_path):
    path = tmp_path / "county.gpkg"
    write(villages_frame(), path, layer="villages")
    write(stations_frame(), path, layer="stations")
    assert len(read_villages(path)) == 3 and len(read_stations(path)) == 3
    err = raises(read_villages, path, layer="cun")
    assert "county.gpkg" in str(err) and "no layer 'cun'" in str(err) and "stations" in str(err)
    write(stations_frame(), tmp_path / "other.gpkg", layer="a")
    write(stations_frame(), tmp_path / "other.gpkg", layer="b")
    err = raises(read_stations, tmp_path / "other.gpkg")
    assert "choose one with layer=" in str(err)
    assert len(read_stations(tmp_path / "other.gpkg", layer="b")) == 3


# ---------------------------------------------------------------- offset datums


@pytest.mark.parametrize("datum, forward", [("GCJ-02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_declared_offset_datum_csv_comes_back_in_wgs84(tmp_path, datum, forward):
    lon, lat = forward(107.35, 30.33)
    path = tmp_path / "stations.csv"
    path.write_text(f"station_id,name,lon,lat\nS1,城关,{lon!r},{lat!r}\n", encoding="utf-8")
    got = read_stations(path, datum=datum)
    assert got.crs.to_epsg() == 4326
    assert metres(got.geometry[0], Point(107.35, 30.33)) < 0.5
    # without the datum the point would be hundreds of metres off
    assert metres(read_stations(path).geometry[0], Point(107.35, 30.33)) > 300


def test_declared_gcj02_polygons_in_a_file_come_back_in_wgs84(tmp_path):
    truth = villages_frame()
    path = write(to_gcj02(truth), tmp_path / "amap.geojson")
    got = read_villages(path, datum="amap")
    for a, b in zip(got.geometry, truth.geometry):
        assert a.geom_type == b.geom_type and a.equals_exact(b, tolerance=1e-7)


def test_datum_on_a_projected_layer_is_an_error(tmp_path):
    path = write(villages_frame().to_crs("EPSG:32648"), tmp_path / "utm.gpkg")
    err = raises(read_villages, path, datum="gcj02")
    assert "utm.gpkg" in str(err) and "projected" in str(err) and "EPSG:32648" in str(err)
    csv = tmp_path / "utm.csv"
    csv.write_text("station_id,name,x,y\nS1,a,600000,3350000\n", encoding="utf-8")
    err = raises(read_stations, csv, lon="x", lat="y", crs="EPSG:32648", datum="bd09")
    assert "projected crs=EPSG:32648" in str(err)
    err = raises(read_villages, path, datum="wgs72")
    assert "unknown datum 'wgs72'" in str(err)


# ---------------------------------------------------------------- validation failures


def test_missing_required_columns_lists_what_the_file_has(tmp_path):
    frame = villages_frame().drop(columns=["population"]).rename(columns={"name": "mc"})
    err = raises(read_villages, write(frame, tmp_path / "v.gpkg"))
    text = str(err)
    assert err.source.endswith("v.gpkg")
    assert "missing required columns 'name', 'population'" in text
    assert "the file has columns: village_id, mc, incidents, registration_station" in text


def test_duplicate_ids_name_every_duplicate_row(tmp_path):
    frame = villages_frame(4)
    frame.loc[[1, 3], "village_id"] = 7
    err = raises(read_villages, write(frame, tmp_path / "v.geojson"))
    rows = {p.row for p in err.problems}
    assert rows == {"#2", "#4"}
    assert "row #2: duplicate village_id '7' (rows #2, #4)" in str(err)


def test_missing_and_empty_geometry(tmp_path):
    path = tmp_path / "v.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"village_id": "A", "name": "a", "population": 1},'
        ' "geometry": null},'
        '{"type": "Feature", "properties": {"village_id": "B", "name": "b", "population": 1},'
        ' "geometry": {"type": "Polygon", "coordinates": []}},'
        '{"type": "Feature", "properties": {"village_id": "C", "name": "c", "population": 1},'
        ' "geometry": {"type": "Point", "coordinates": [107.3, 30.3]}}]}', encoding="utf-8")
    err = raises(read_villages, path)
    assert "v.geojson" in str(err)
    assert "row A: geometry is missing" in str(err) and "row B: geometry is empty" in str(err)
    assert len(err.problems) == 2


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path):
    frame = villages_frame(2)
    frame.loc[1, "geometry"] = Polygon([(107, 30), (107.1, 30.1), (107.1, 30), (107, 30.1)])
    path = write(frame, tmp_path / "v.gpkg")
    with pytest.warns(UserWarning, match=r"v.gpkg: repaired invalid geometry .* 500231001002"):
        got = read_villages(path)
    assert got.geometry[1].is_valid and got.geometry[1].geom_type == "MultiPolygon"
    assert got.geometry[1].area == pytest.approx(0.005)


def test_polygon_collapsing_to_a_line_is_an_error(tmp_path):
    frame = villages_frame(2)
    frame.loc[0, "geometry"] = Polygon([(107, 30), (107.1, 30), (107.2, 30), (107, 30)])
    err = raises(read_villages, write(frame, tmp_path / "v.gpkg"))
    assert "row 500231001001: geometry is invalid" in str(err) and "cannot be repaired" in str(err)


@pytest.mark.parametrize("reader, frame, geometry, expected", [
    (read_villages, villages_frame(1), LineString([(107, 30), (107.1, 30)]), "villages must be"),
    (read_stations, stations_frame().iloc[:1], square(107, 30), "stations must be Point"),
    (read_jurisdictions, gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(0, 0)], crs=4326),
     None, "jurisdictions must be MultiPolygon or Polygon"),
    (read_roads, gpd.GeoDataFrame({"road_class": ["county"]}, geometry=[square(0, 0)], crs=4326),
     None, "roads must be LineString or MultiLineString"),
])
def test_wrong_geometry_type(tmp_path, reader, frame, geometry, expected):
    frame = frame.copy()
    if geometry is not None:
        frame["geometry"] = [geometry] * len(frame)
    err = raises(reader, write(frame, tmp_path / "layer.gpkg"))
    assert "layer.gpkg" in str(err) and expected in str(err)
    assert err.problems[0].row in {"500231001001", "S1", "#1"}


def test_bad_numbers_in_csv(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("village_id,name,population,incidents,lon,lat\n"
                    "V1,a,-3,1,107.3,30.3\nV2,b,2.5,1,107.3,30.3\nV3,c,many,1,107.3,30.3\n"
                    "V4,d,,1,107.3,30.3\nV5,e,10,-1,107.3,30.3\n", encoding="utf-8")
    err = raises(read_villages, path)
    text = str(err)
    assert "v.csv: 5 problems" in text
    assert "row V1: population -3 is negative" in text
    assert "row V2: population 2.5 is not a whole number" in text
    assert "row V3: population 'many' is not a number" in text
    assert "row V4: population is missing" in text
    assert "row V5: incidents -1 is negative" in text


def test_bad_officers_booleans_and_kind(tmp_path):
    frame = stations_frame()
    frame["officers"] = ["20", "eight", "-1"]
    frame["excluded"] = ["yes", "maybe", "no"]
    frame["kind"] = ["urban", "rural", "town"]
    err = raises(read_stations, write(frame, tmp_path / "s.gpkg"))
    text = str(err)
    assert err.source == str(tmp_path / "s.gpkg")
    assert "row S2: officers 'eight' is not a number" in text
    assert "row S3: officers -1 is negative" in text
    assert "row S2: excluded 'maybe' is not a yes/no value" in text
    assert "row S1: is both fixed (must be a centre) and excluded" in text
    assert "row S3: kind 'town' is not 'urban' or 'rural'" in text


def test_unknown_station_ids(tmp_path):
    stations = read_stations(write(stations_frame(), tmp_path / "s.gpkg"))
    frame = villages_frame(2)
    frame["dispatch_station"] = ["S2", "S9"]
    err = raises(read_villages, write(frame, tmp_path / "v.gpkg"), stations=stations)
    assert err.source.endswith("v.gpkg")
    assert "row 500231001002: dispatch_station 'S9' is not the id of any station" in str(err)
    assert len(read_villages(tmp_path / "v.gpkg", stations=["S1", "S2", "S9"])) == 2
    districts = gpd.GeoDataFrame({"station_id": ["S1", "S4", None]},
                                 geometry=[square(107, 30)] * 3, crs=4326)
    err = raises(read_jurisdictions, write(districts, tmp_path / "j.gpkg"), stations=stations)
    assert err.source.endswith("j.gpkg")
    assert "row #2: station_id 'S4' is not the id of any station" in str(err)
    assert "row #3: station_id is missing" in str(err)


def test_no_crs_says_to_set_one(tmp_path):
    path = write(villages_frame().drop(columns="registration_station"), tmp_path / "v.shp")
    path.with_suffix(".prj").unlink()
    err = raises(read_villages, path)
    assert "v.shp" in str(err) and "no CRS" in str(err) and "crs=" in str(err)
    assert read_villages(path, crs="EPSG:4490").crs.to_epsg() == 4490
    assert read_villages(tmp_path / "v.shp", datum="gcj02").crs.to_epsg() == 4326


def test_csv_coordinate_problems(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("station_id,name,lon,lat\nS1,a,east,30\nS2,b,107,95\nS3,c,,30\n", encoding="utf-8")
    err = raises(read_stations, path)
    text = str(err)
    assert err.source.endswith("s.csv")
    assert "row S1: lon 'east' is not a number" in text
    assert "row S2: lat 95 is out of range [-90, 90]" in text
    assert "row S3: lon is missing" in text
    assert "geometry is missing" not in text
    err = raises(read_stations, path, lon="x", lat="y")
    assert "missing coordinate column(s) 'x', 'y'" in str(err) and "station_id, name, lon, lat" in str(err)


def test_geographic_file_with_metre_coordinates(tmp_path):
    frame = stations_frame().to_crs("EPSG:32648").set_crs("EPSG:4326", allow_override=True)
    err = raises(read_stations, write(frame, tmp_path / "s.gpkg"))
    assert "row S1: coordinates" in str(err) and "out of range" in str(err)


def test_roads_classes(tmp_path):
    lines = [LineString([(107, 30), (107.1, 30)])] * 4
    roads = gpd.GeoDataFrame({"road_class": ["County", "国道", "lane", "lane"]}, geometry=lines, crs=4326)
    err = raises(read_roads, write(roads, tmp_path / "r.gpkg"))
    assert err.source.endswith("r.gpkg")
    assert "unknown road_class values: 'lane' (2 row(s): #3, #4)" in str(err)
    roads["road_class"] = ["County", "国道", "track", "village"]
    got = read_roads(write(roads, tmp_path / "r2.gpkg"))
    assert list(got["road_class"]) == ["county", "national", "track", "village"]
    osm = gpd.GeoDataFrame({"highway": ["primary", "['residential', 'service']", "motorway_link", "river"]},
                           geometry=lines, crs=4326)
    err = raises(read_roads, write(osm, tmp_path / "osm.geojson"))
    assert "unknown highway values: 'river' (1 row(s): #4)" in str(err)
    nothing = gpd.GeoDataFrame({"kind": ["x"] * 4}, geometry=lines, crs=4326)
    err = raises(read_roads, write(nothing, tmp_path / "n.shp"))
    assert "missing required column 'road_class' (or OSM 'highway')" in str(err)


def test_a_thousand_bad_rows_make_one_error(tmp_path):
    n = 1000
    frame = pd.DataFrame({"village_id": [f"V{i:04d}" for i in range(n)], "name": "x",
                          "population": -1, "lon": 107.3, "lat": 30.3})
    frame.to_csv(tmp_path / "big.csv", index=False)
    err = raises(read_villages, tmp_path / "big.csv")
    text = str(err)
    assert len(err.problems) == n
    assert text.startswith(f"{tmp_path / 'big.csv'}: 1000 problems:")
    assert "row V0000: population -1 is negative" in text and "row V0019" in text
    assert "V0020" not in text and "... and 980 more" in text


def test_missing_file_and_unreadable_source(tmp_path):
    err = raises(read_villages, tmp_path / "nope.gpkg")
    assert "nope.gpkg" in str(err) and "does not exist" in str(err)
    err = raises(read_villages, [1, 2, 3])
    assert "cannot read list" in str(err)
    err = raises(read_villages, villages_frame().drop(columns="name"))
    assert err.source == "<villages GeoDataFrame>"


@settings(deadline=None, max_examples=30)
@given(st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 10**6)), min_size=1, max_size=20,
                unique_by=lambda t: t[0]))
def test_numeric_codes_become_text_and_populations_stay_whole(rows):
    frame = pd.DataFrame({"village_id": [float(c) for c, _ in rows], "name": "x",
                          "population": [float(p) for _, p in rows],
                          "lon": 107.3, "lat": 30.3})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_villages(frame)
    assert list(got["village_id"]) == [str(c) for c, _ in rows]
    assert got["population"].dtype == np.int64 and list(got["population"]) == [p for _, p in rows]


# ---------------------------------------------------------------- real Dianjiang data


def test_dianjiang_township_seats_as_stations(shared):
    table = pd.read_csv(shared / "data/dianjiang/townships_500231.csv", dtype={"code": str})
    table = table.rename(columns={"code": "station_id"})
    err = raises(read_stations, table, lon="seat_lon", lat="seat_lat")
    assert "row 500231002: seat_lon is missing" in str(err) and err.source == "<stations DataFrame>"
    got = read_stations(table.dropna(subset=["seat_lon"]), lon="seat_lon", lat="seat_lat")
    assert len(got) == 25 and all(len(s) == 9 for s in got["station_id"])
    assert (got["kind"] == "urban").sum() == 1 and (got["kind"] == "rural").sum() == 24
    outline = gpd.read_file(shared / "data/dianjiang/county_500231_wgs84.geojson")
    assert got.within(outline.geometry[0].buffer(0.01)).all()


def test_dianjiang_outline_round_trips_through_gcj02(shared, tmp_path):
    outline = gpd.read_file(shared / "data/dianjiang/county_500231_wgs84.geojson")
    outline["station_id"] = "500231"
    path = write(to_gcj02(outline), tmp_path / "outline_gcj02.gpkg")
    got = read_jurisdictions(path, datum="gcj02")
    utm = "EPSG:32648"
    a = got.to_crs(utm).geometry[0]
    b = outline.to_crs(utm).geometry[0]
    assert a.hausdorff_distance(b) < 0.5
    assert a.area / 1e6 == pytest.approx(1517.9, rel=0.01)


def test_loading_a_loaded_layer_changes_nothing(tmp_path):
    """plan() validates layers again: a validated layer must pass through unchanged."""
    stations = read_stations(write(stations_frame(), tmp_path / "s.gpkg"))
    villages = read_villages(write(villages_frame(), tmp_path / "v.gpkg"), stations=stations)
    pd.testing.assert_frame_equal(read_stations(stations), stations)
    pd.testing.assert_frame_equal(read_villages(villages, stations=stations), villages)
