"""Reading and checking pins (issue 18): every bad row named at once, with its file and row."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from jurisdiction.errors import InputError, ScenarioError
from jurisdiction.inputs.pins import Pins, check_pins, read_pins, role_settings, station_roles, village_pins
from jurisdiction.scenario.document import read_scenario, scenario_fields
from jurisdiction.scenario.settings import Scenario


def test_a_csv_with_bom_and_every_yes_no_spelling(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_bytes("\ufeffvillage_id,station_id,locked\nv1,s1,是\nv2,s2,false\nv3,s1,\nv4,s2,1\nv5,s1,否\n"
                     .encode())
    pins = village_pins(path)
    assert pins[["village_id", "station_id"]].values.tolist() == [["v1", "s1"], ["v3", "s1"], ["v4", "s2"]]
    assert pins["row"].tolist() == ["#1", "#3", "#4"]


def test_numeric_ids_lose_their_decimal_point(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_text("village_id,station_id\n500231114206,500231102\n", encoding="utf-8")
    assert village_pins(path).values.tolist()[0][:2] == ["500231114206", "500231102"]


def test_a_geopackage_layer_named_pins(tmp_path):
    path = tmp_path / "edits.gpkg"
    other = gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.Point(0, 0)], crs=4326)
    other.to_file(path, layer="other", driver="GPKG")
    pins = gpd.GeoDataFrame({"village_id": ["v1"], "station_id": ["s1"], "locked": [True]},
                            geometry=[shapely.Point(0, 0)], crs=4326)
    pins.to_file(path, layer="pins", driver="GPKG")
    assert village_pins(path)[["village_id", "station_id"]].values.tolist() == [["v1", "s1"]]


def test_every_bad_row_is_named_at_once(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_text("village_id,station_id,locked\nv1,s1,yes\n,s1,\nv1,s2,\nv3,,maybe\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        village_pins(path)
    text = str(error.value)
    assert str(path) in text and "4 problems" in text
    for piece in ("row #2: village_id is missing", "row #3: village v1 is pinned twice (rows #1 and #3)",
                  "row #4: station_id is missing", "row #4: locked 'maybe' is not a yes/no value"):
        assert piece in text


def test_missing_columns_and_missing_file(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_text("village,station\nv1,s1\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'village_id'"):
        village_pins(path)
    with pytest.raises(InputError, match="file does not exist"):
        village_pins(tmp_path / "absent.csv")


def test_unknown_villages_and_stations_and_posts_named_together(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_text("village_id,station_id\nv1,s9\nv9,s1\nv2,s2\n", encoding="utf-8")
    pins = read_pins(path, {"s2": "post", "s8": "centre"})
    with pytest.raises(InputError) as error:
        check_pins(pins, ["v1", "v2"], ["s1", "s2"])
    text = str(error.value)
    assert "pins.csv and [pins] stations" in text
    for piece in ("row #1: station s9 is not in the stations layer", "row #2: village v9 is not in the villages layer",
                  "row #3: village v2 is pinned to station s2, which is pinned as a post",
                  "row station s8: not in the stations layer"):
        assert piece in text


def test_station_roles_from_a_table_or_a_file(tmp_path):
    assert station_roles({"s1": "centre", "s2": "kept"})[0] == {"s1": "centre", "s2": "kept"}
    path = tmp_path / "roles.csv"
    path.write_text("station_id,role\ns1,post\ns2,boss\ns1,centre\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        station_roles(path)
    assert "row #2: role 'boss' is not one of centre, post, kept" in str(error.value)
    assert "row #3: station s1 is given a role twice" in str(error.value)


def test_roles_fold_into_fixed_excluded_and_the_bundling():
    roles = {"s1": "centre", "s2": "post", "s3": "kept"}
    out = role_settings(roles, fixed=("s0",), excluded=(), bundle_stations=(), bundling=True,
                        station_ids=["s0", "s1", "s2", "s3", "s4"], village_stations=["s4"])
    assert out == {"fixed": ("s0", "s1", "s3", "s4"), "excluded": ("s2",), "bundle_stations": ("s0", "s1", "s2", "s4")}
    with pytest.raises(ScenarioError, match="s2"):
        role_settings(roles, fixed=("s2",), excluded=(), bundle_stations=(), bundling=False, station_ids=["s2"])


def test_the_scenario_section(tmp_path):
    values = scenario_fields({"model": {"centres": 2}, "pins": {
        "villages": "pins.csv", "stations": {"500231101": "centre"}, "allow_over_limit": True}})
    scenario = Scenario(**values)
    assert scenario.pins == "pins.csv" and scenario.pinned_stations == {"500231101": "centre"}
    assert scenario.allow_over_limit and not scenario.allow_disconnected
    with pytest.raises(ScenarioError, match="pins.stations: station 1: role 'chief'"):
        Scenario(centres=2, pinned_stations={"1": "chief"})
    with pytest.raises(ScenarioError, match="allow_over_limit"):
        Scenario(centres=2, allow_over_limit="yes")
    assert not Pins() and bool(Pins(stations={"s": "post"}))
    assert isinstance(read_pins().villages, pd.DataFrame)
    path = tmp_path / "s.toml"
    path.write_text('[model]\ncentres = 2\n[pins]\nvillages = "edits/pins.csv"\nstations = "roles.csv"\n',
                    encoding="utf-8")
    scenario = read_scenario(path)
    assert scenario.pins == str(tmp_path / "edits" / "pins.csv")
    assert scenario.pinned_stations == str(tmp_path / "roles.csv")
