"""Issue 15, column names and per-layer sources: 10-character Shapefile names, Chinese names, [data.<layer>].

Every case writes real files to tmp_path; the command-line cases run ``jurisdiction diagnose``.
"""

from __future__ import annotations

import warnings

import pytest
from shapely.geometry import Point

from jurisdiction.cli.commands import load_layers
from jurisdiction.errors import InputError, ScenarioError
from jurisdiction.inputs.crs import wgs84_to_gcj02
from jurisdiction.inputs.readers import read_villages
from jurisdiction.scenario import read_scenario
from tests.support.files import (
    county,
    diagnose,
    roads,
    scenario,
    shapefile,
    short_data,
    stations,
    villages,
)

CHINESE = {"village_id": "行政区划代码", "name": "村名", "population": "人口", "registration_station": "户籍派出所",
           "dispatch_station": "接处警派出所"}


def chinese_villages():
    return villages().rename(columns=CHINESE)


def test_ten_character_shapefile_names_are_mapped_and_splits_counted(tmp_path, capsys):
    path = shapefile(villages(), tmp_path / "v.shp")  # registrati, dispatch_s
    with pytest.warns(UserWarning, match="read column 'registrati' as 'registration_station', 'dispatch_s' as "
                                         "'dispatch_station'"):
        got = read_villages(path)
    assert got["registration_station"].tolist()[2] == "S1" and got["dispatch_station"].tolist()[2] == "S2"
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, villages=path))), capsys)
    assert document["exit_code"] == 0
    assert [row["village_id"] for row in document["functional_splits"]] == ["500231002"]  # before: none
    assert any("'registrati' as 'registration_station'" in w for w in document["warnings"])


def test_usual_chinese_names_are_mapped_even_when_cut_to_ten_bytes(tmp_path):
    path = shapefile(chinese_villages(), tmp_path / "v.shp")  # 行政区划代码 -> 行政区划代, 接处警派出所 -> 接处警派出
    with pytest.warns(UserWarning) as caught:
        got = read_villages(path)
    message = next(str(w.message) for w in caught if "read column" in str(w.message))
    assert "'行政区划代' as 'village_id', '村名' as 'name', '人口' as 'population'" in message
    assert "'接处警派出' as 'dispatch_station'" in message
    assert got["village_id"][0] == "500231000" and got["population"].sum() == 2100


def test_two_candidates_for_one_column_are_an_error(tmp_path, capsys):
    frame = villages().drop(columns="population")
    frame["户籍人口"] = 100
    frame["常住人口"] = 90
    path = tmp_path / "villages.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError, match="columns '户籍人口', '常住人口' could each be 'population'"):
        read_villages(path)
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, villages=path))), capsys)
    assert document["exit_code"] == 3 and "columns = { '户籍人口' = 'population' }" in document["error"]


def test_a_columns_table_maps_any_names_without_a_warning(tmp_path, capsys):
    frame = villages().rename(columns={"name": "村庄", "population": "人数", "village_id": "编码2"})
    frame.to_file(tmp_path / "v.gpkg")
    files = county(tmp_path, villages=tmp_path / "v.gpkg")
    data = short_data({k: v for k, v in files.items() if k != "villages"})
    data += ('[data.villages]\npath = "v.gpkg"\n'
             'columns = { "村庄" = "name", "人数" = "population", "编码2" = "village_id" }\n')
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 0, document.get("error")
    assert sum(row["population"] for row in document["workload"]) == 2100
    assert not any("read column" in w for w in document["warnings"])


@pytest.mark.parametrize(("columns", "message"), [
    ('{ "村长" = "name" }', "columns: the file has no column '村长'; it has: village_id, name"),
    ('{ "name" = "label" }', "data.villages.columns: 'name' = 'label': not a column of villages"),
    ('{ "a" = "name", "b" = "name" }', "data.villages.columns: several columns are mapped to 'name'"),
])
def test_a_bad_columns_table_is_refused(tmp_path, capsys, columns, message):
    files = county(tmp_path)
    data = short_data({k: v for k, v in files.items() if k != "villages"})
    data += f'[data.villages]\npath = "villages.gpkg"\ncolumns = {columns}\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 3 and message in document["error"]


def test_a_shapefile_without_prj_is_usable_with_a_crs(tmp_path, capsys):
    path = shapefile(villages().drop(columns=["registration_station", "dispatch_station"]), tmp_path / "v.shp",
                     prj=False)
    files = county(tmp_path, villages=path)
    document = diagnose(scenario(tmp_path, short_data(files)), capsys)
    assert document["exit_code"] == 3 and "v.shp" in document["error"] and "has no CRS" in document["error"]
    data = short_data({k: v for k, v in files.items() if k != "villages"})
    data += '[data.villages]\npath = "v.shp"\ncrs = "EPSG:4326"\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 0, document.get("error")
    assert len(document["reach"]) == 6


def gcj02_stations():
    frame = stations()
    lon, lat = wgs84_to_gcj02(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    frame.geometry = [Point(x, y) for x, y in zip(lon, lat)]
    return frame


def test_gcj02_stations_next_to_wgs84_villages_and_roads(tmp_path, capsys):
    gcj02_stations().to_file(tmp_path / "stations.gpkg")
    files = county(tmp_path, stations=tmp_path / "stations.gpkg")
    data = short_data({k: v for k, v in files.items() if k != "stations"})
    data += '[data.stations]\npath = "stations.gpkg"\ndatum = "gcj02"\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 0, document.get("error")
    settings = read_scenario(scenario(tmp_path, data))
    assert settings.layer_options == {"stations": {"datum": "gcj02"}} and settings.datum is None
    layers, _ = load_layers(settings)
    metres = layers["stations"].to_crs("EPSG:32648").distance(stations().to_crs("EPSG:32648"))
    assert metres.max() < 0.01  # back on WGS84 (the GCJ-02 offset here is about 500 m)
    assert layers["villages"].geometry.equals(villages().geometry)  # the villages were not shifted


def test_data_datum_is_the_default_a_layer_may_override(tmp_path):
    from jurisdiction.inputs.sources import reader_options

    path = scenario(tmp_path, '[data]\ndatum = "gcj02"\nvillages = "v.gpkg"\n'
                              '[data.roads]\npath = "r.gpkg"\ndatum = "wgs84"\n')
    settings = read_scenario(path)
    assert reader_options(settings, "villages") == {"datum": "gcj02"}
    assert reader_options(settings, "roads") == {"datum": "wgs84"}
    assert settings.villages == str((tmp_path / "v.gpkg").resolve())
    assert settings.roads == str((tmp_path / "r.gpkg").resolve())


@pytest.mark.parametrize(("text", "message"), [
    ('[data.villages]\nlayer = "v"\n', "data.villages.path: missing"),
    ('[data.villages]\npath = "v.gpkg"\ncolour = "red"\n', "data.villages.colour: unknown key"),
    ('[data.villages]\npath = 5\n', "data.villages: expected a file path, got 5"),
    ('[data.villages]\npath = "v.gpkg"\ncrs = "EPSG:99999999"\n', "data.villages.crs: 'EPSG:99999999' is not a CRS"),
    ('[data.stations]\npath = "s.gpkg"\ndatum = "mars2"\n', "data.stations.datum: unknown datum 'mars2'"),
    ('[data]\ndatum = "mars2"\n', "data.datum: unknown datum 'mars2'"),
    ('[data.roads]\npath = "r.gpkg"\nlayer = 3\n', "data.roads.layer: expected a string, got 3"),
])
def test_bad_data_tables_name_the_key(tmp_path, text, message):
    with pytest.raises(ScenarioError, match=message.replace(".", r"\.").replace("(", r"\(")):
        read_scenario(scenario(tmp_path, text))


def test_options_do_not_apply_to_a_road_network_file(tmp_path, capsys):
    files = county(tmp_path)
    data = short_data({k: v for k, v in files.items() if k != "roads"})
    data += '[data.roads]\npath = "roads.graphml"\nencoding = "gbk"\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 3 and "data.roads: encoding do not apply to a road network file" in \
        document["error"]


def test_the_short_form_and_plain_files_give_no_warning(tmp_path):
    path = scenario(tmp_path, short_data(county(tmp_path)))
    settings = read_scenario(path)
    assert settings.layer_options == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        read_villages(settings.villages)


def test_a_layer_in_a_named_multi_layer_file(tmp_path, capsys):
    path = tmp_path / "county.gpkg"
    villages().to_file(path, layer="村")
    roads().to_file(path, layer="路")
    stations().to_file(tmp_path / "stations.gpkg")
    data = '[data]\nstations = "stations.gpkg"\n[data.villages]\npath = "county.gpkg"\nlayer = "村"\n'
    data += '[data.roads]\npath = "county.gpkg"\nlayer = "路"\n'
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 0, document.get("error")
    assert len(document["reach"]) == 6
