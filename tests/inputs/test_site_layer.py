"""Candidate sites read from a file: points with site_id (or station_id), every bad row named at once."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from jurisdiction.errors import InputError
from jurisdiction.inputs.site_layer import read_sites
from tests.support import files


def test_a_stations_layer_serves_as_sites(tmp_path):
    path = tmp_path / "sites.gpkg"
    files.stations().to_file(path)
    sites = read_sites(path)
    assert sites["site_id"].tolist() == ["S1", "S2"] and sites["name"].tolist() == ["平桥派出所", "高峰派出所"]
    assert sites.attrs["source"] == str(path)


def test_csv_with_lon_lat_and_blank_names(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("site_id,name,lon,lat\n007,岗亭,107.005,30.005\nP2,,107.015,30.005\n", encoding="utf-8-sig")
    sites = read_sites(path)
    assert sites["site_id"].tolist() == ["007", "P2"] and sites["name"].tolist() == ["岗亭", "P2"]
    assert sites.crs.to_epsg() == 4326 and sites.geometry.x.tolist() == [107.005, 107.015]


def test_every_bad_row_is_named_with_the_file(tmp_path):
    path = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"site_id": ["A", "A", None, "D"], "name": ["a", "b", "c", "d"]},
                     geometry=[Point(107, 30), Point(107.01, 30), Point(107.02, 30),
                               LineString([(107, 30), (107.01, 30.01)])], crs="EPSG:4326").to_file(path)
    with pytest.raises(InputError) as caught:
        read_sites(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 4 problems")
    assert "row #1: duplicate site_id 'A'" in message and "row #2: duplicate site_id 'A'" in message
    assert "row #3: site_id is missing" in message
    assert "row D: geometry is a LineString; sites must be Point" in message


@pytest.mark.parametrize(("layer", "words"), [
    (gpd.GeoDataFrame({"id": ["A"]}, geometry=[Point(107, 30)], crs="EPSG:4326"), "no column 'site_id'"),
    (gpd.GeoDataFrame({"site_id": ["A"]}, geometry=[Point(107, 30)]), "the layer has no CRS"),
    (gpd.GeoDataFrame({"site_id": []}, geometry=[], crs="EPSG:4326"), "the layer has no rows"),
])
def test_layer_problems(layer, words):
    with pytest.raises(InputError, match=words):
        read_sites(layer)


def test_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="the file does not exist"):
        read_sites(tmp_path / "nothing.gpkg")
