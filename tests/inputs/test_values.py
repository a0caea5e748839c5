"""Issue 15, numbers and names: counts beyond 1e12 or not finite, blank names, empty layers, empty road classes.

Every case writes real files to tmp_path; the command-line cases run ``jurisdiction diagnose``.
"""

from __future__ import annotations

import numpy as np
import pytest

from jurisdiction.errors import InputError
from jurisdiction.inputs.readers import read_roads, read_stations, read_villages
from tests.support.files import county, diagnose, roads, scenario, short_data, stations, villages


def problems(error: InputError) -> list[str]:
    return [str(p) for p in error.problems]


@pytest.mark.parametrize(("column", "values", "expected"), [
    ("population", [1e20, 200, 300, 400, 500, 600], ["row 500231000: population 1e+20 is beyond 1e+12"]),
    ("population", [np.inf, 200, 300, -4, 500, 600],
     ["row 500231000: population inf is not finite", "row 500231003: population -4 is negative"]),
    ("incidents", [np.inf, 2e13, 1, 1, np.nan, -1],
     ["row 500231000: incidents inf is not finite", "row 500231001: incidents 2e+13 is beyond 1e+12",
      "row 500231004: incidents is missing", "row 500231005: incidents -1 is negative"]),
])
def test_counts_that_are_not_counts_are_refused_naming_the_rows(tmp_path, capsys, column, values, expected):
    path = tmp_path / "villages.gpkg"
    villages(**{column: values}).to_file(path)  # before: int64 overflow to -9223372036854775808, or a traceback
    with pytest.raises(InputError) as error:
        read_villages(path)
    found = problems(error.value)
    assert len(found) == len(expected)
    for line, start in zip(found, expected):
        assert line.startswith(start)
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, villages=path))), capsys)
    assert document["exit_code"] == 3
    assert "villages.gpkg" in document["error"] and expected[0] in document["error"]


def test_officers_beyond_a_count_are_refused(tmp_path):
    path = tmp_path / "stations.gpkg"
    stations(officers=[5, 1e15]).to_file(path)
    with pytest.raises(InputError, match="row S2: officers 1e\\+15 is beyond 1e\\+12"):
        read_stations(path)


def test_blank_names_are_named_by_their_id_with_a_warning(tmp_path, capsys):
    path = tmp_path / "villages.gpkg"
    villages(name=["平桥村", "", "  ", None, "新民村", "永安村"]).to_file(path)
    with pytest.warns(UserWarning, match="3 row\\(s\\) have a blank name, named by their village_id instead: "
                                         "500231001, 500231002, 500231003"):
        got = read_villages(path)
    assert got["name"].tolist() == ["平桥村", "500231001", "500231002", "500231003", "新民村", "永安村"]
    station_path = tmp_path / "stations.gpkg"
    stations(name=["平桥派出所", " "]).to_file(station_path)
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, villages=path, stations=station_path))),
                        capsys)
    assert document["exit_code"] == 0
    assert [row["name"] for row in document["workload"]] == ["平桥派出所", "S2"]
    assert any("stations.gpkg: 1 row(s) have a blank name" in w for w in document["warnings"])


@pytest.mark.parametrize("kind", ["villages", "stations", "roads"])
def test_a_layer_with_no_rows_is_one_line(tmp_path, capsys, kind):
    build = {"villages": villages, "stations": stations, "roads": roads}[kind]
    path = tmp_path / f"{kind}.gpkg"
    build().iloc[:0].to_file(path)
    reader = {"villages": read_villages, "stations": read_stations, "roads": read_roads}[kind]
    with pytest.raises(InputError) as error:
        reader(path)
    assert str(error.value) == f"{path}: the layer has no rows"
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, **{kind: path}))), capsys)
    assert document["exit_code"] == 3 and document["error"] == f"{path}: the layer has no rows"


def test_a_csv_with_only_its_header_has_no_rows(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text("station_id,name,lon,lat\n", encoding="utf-8")
    with pytest.raises(InputError, match="stations.csv: the layer has no rows$"):
        read_stations(path)


@pytest.mark.parametrize(("column", "value"), [("road_class", "[]"), ("highway", "[]"), ("highway", "[None]")])
def test_an_empty_class_list_is_refused_naming_the_row(tmp_path, capsys, column, value):
    frame = roads().drop(columns="road_class")
    frame[column] = ["county" if column == "road_class" else "primary"] * len(frame)
    frame.loc[2, column] = value  # before: IndexError (road_class) or accepted with no class (highway)
    path = tmp_path / "roads.gpkg"
    frame.to_file(path)
    with pytest.raises(InputError) as error:
        read_roads(path)
    assert problems(error.value) == [f"row #3: {column} {value!r} is an empty list: no class"]
    document = diagnose(scenario(tmp_path, short_data(county(tmp_path, roads=path))), capsys)
    assert document["exit_code"] == 3 and "row #3" in document["error"]
