"""Issue 15, plausibility: the layers checked together (overlapping villages, disjoint extents, jurisdictions).

Every case writes real files to tmp_path; the command-line cases run ``jurisdiction diagnose``.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
from shapely import affinity
from shapely.geometry import Polygon

from jurisdiction.errors import InputError
from jurisdiction.inputs.example import load_example
from jurisdiction.inputs.plausibility import check_layers_together
from jurisdiction.inputs.readers import read_jurisdictions, read_roads, read_stations, read_villages
from tests.support.files import X, Y, county, diagnose, roads, scenario, short_data, stations, villages


def jurisdictions(dx: float = 0.0) -> gpd.GeoDataFrame:
    west = Polygon([(X[0], Y[0]), (X[1], Y[0]), (X[1], Y[2]), (X[0], Y[2])])
    east = Polygon([(X[1], Y[0]), (X[3], Y[0]), (X[3], Y[2]), (X[1], Y[2])])
    shapes = [affinity.translate(p, xoff=dx) for p in (west, east)]
    return gpd.GeoDataFrame({"station_id": ["S1", "S2"]}, geometry=shapes, crs="EPSG:4326")


def with_jurisdictions(tmp_path, frame: gpd.GeoDataFrame) -> str:
    frame.to_file(tmp_path / "jurisdictions.gpkg")
    return short_data(county(tmp_path)) + 'jurisdictions = "jurisdictions.gpkg"\n'


def test_overlapping_villages_are_named_with_the_area(tmp_path, capsys):
    frame = villages()
    frame.loc[1, "geometry"] = affinity.translate(frame.geometry[1], yoff=-0.001)  # 0.001 deg into its neighbour
    frame.to_file(tmp_path / "villages.gpkg")
    with pytest.warns(UserWarning, match=r"villages\.gpkg: 1 pair\(s\) of village polygons overlap .*: "
                                         r"500231000 and 500231001 \((\d{3},\d{3}) m²\)") as caught:
        check_layers_together(read_villages(tmp_path / "villages.gpkg"), stations())
    area = float(next(str(w.message) for w in caught if "overlap" in str(w.message)).split("(")[-1]
                 .split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(964 * 111, rel=0.01)  # 0.01 deg of longitude at 30 N (964 m) x 0.001 deg (111 m)
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, villages=tmp_path / "villages.gpkg"))), capsys)
    assert document["exit_code"] == 0
    assert any("500231000 and 500231001" in w for w in document["warnings"])


def test_touching_villages_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        check_layers_together(villages(), stations(), roads(), jurisdictions())


def test_the_example_county_is_plausible():
    example = load_example("dianjiang")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        check_layers_together(example.villages, example.stations, example.roads, example.jurisdictions)


@pytest.mark.parametrize("kind", ["roads", "stations"])
def test_layers_of_two_places_are_an_error_naming_both_and_their_extents(tmp_path, capsys, kind):
    frame = {"roads": roads, "stations": stations}[kind]()
    frame.geometry = frame.geometry.translate(xoff=7.0, yoff=-7.5)  # Shenzhen, not Chongqing
    path = tmp_path / f"{kind}.gpkg"
    frame.to_file(path)
    layer = {"roads": read_roads, "stations": read_stations}[kind](path)
    with pytest.raises(InputError) as error:
        if kind == "roads":
            check_layers_together(villages(), stations(), layer)
        else:
            check_layers_together(villages(), layer)
    text = str(error.value)
    assert f"the villages and the {kind} do not overlap at all" in text
    assert "lon 107.0000 to 107.0300, lat 30.0000 to 30.0200" in text and "lon 114.0" in text
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, **{kind: path}))), capsys)
    assert document["exit_code"] == 3
    assert "villages.gpkg and" in document["error"] and f"{kind}.gpkg" in document["error"]


def test_jurisdictions_covering_no_village_are_an_error(tmp_path, capsys):
    data = with_jurisdictions(tmp_path, jurisdictions(dx=0.05))  # shifted 5 km east
    with pytest.raises(InputError, match="the jurisdictions cover none of the 6 villages"):
        check_layers_together(villages(), stations(), roads(),
                              read_jurisdictions(tmp_path / "jurisdictions.gpkg"))
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 3
    assert "jurisdictions.gpkg" in document["error"] and "cover none of the 6 villages" in document["error"]


def test_jurisdictions_covering_few_villages_are_warned_about(tmp_path, capsys):
    data = with_jurisdictions(tmp_path, jurisdictions(dx=0.02))  # only the east third still covered
    document = diagnose(scenario(tmp_path, data), capsys)
    assert document["exit_code"] == 0, document.get("error")
    assert any("cover only 2 of the 6 villages" in w for w in document["warnings"])


def test_sound_jurisdictions_pass_through_the_command_line(tmp_path, capsys):
    document = diagnose(scenario(tmp_path, with_jurisdictions(tmp_path, jurisdictions())), capsys)
    assert document["exit_code"] == 0, document.get("error")
    assert not any("cover" in w or "overlap" in w for w in document["warnings"])
