"""Exports: GeoPackage, CSV (UTF-8 with BOM), JSON metrics; atomic writes leave nothing half-written."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.outputs import files as export
from jurisdiction.outputs.files import atomic_write_text, export_plan, metrics_document
from jurisdiction.outputs.sheets import FORMULA_START
from tests.support.plans import HOSTILE, make_plan

FILES = {"plan.gpkg", "plan.xlsx", "districts.csv", "villages.csv", "stations.csv", "metrics.csv", "metrics.json"}


def test_export_writes_every_file_with_the_agreed_columns(tmp_path):
    plan = make_plan()
    paths = export_plan(plan, tmp_path / "out")
    assert {p.name for p in paths.values()} == FILES
    assert {p.name for p in (tmp_path / "out").iterdir()} == FILES  # no temporary file left

    layers = dict(pyogrio.list_layers(paths["gpkg"]))
    assert set(layers) == {"villages", "districts", "stations"}
    villages = pyogrio.read_dataframe(paths["gpkg"], layer="villages")
    assert villages.crs.to_epsg() == 4326
    assert dict(zip(villages.village_id, villages.centre)) == dict(zip(plan.villages.village_id, plan.villages.centre))
    assert HOSTILE in set(villages.name)
    stations = pyogrio.read_dataframe(paths["gpkg"], layer="stations")
    assert dict(zip(stations.station_id, stations.role)) == {"S1": "centre", "S2": "post", "S3": "station"}
    districts = pyogrio.read_dataframe(paths["gpkg"], layer="districts")
    assert sorted(districts.centre) == ["S1", "S3"] and districts.geometry.is_valid.all()


def test_csv_tables_have_a_bom_and_chinese_names(tmp_path):
    paths = export_plan(make_plan(), tmp_path)
    raw = paths["villages"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    villages = pd.read_csv(paths["villages"], encoding="utf-8-sig", dtype={"村（社区）代码": str})
    assert "东庄村" in set(villages["村（社区）名称"])
    assert list(villages.columns[:2]) == ["村（社区）代码", "村（社区）名称"]
    # old and new station names next to their ids
    row = villages.set_index("村（社区）代码").loc["v4"]
    assert (row["原派出所编号"], row["原派出所"], row["新派出所（中心所）"]) == ("S2", "北关派出所", "城关派出所")
    assert row["是否调整"] == "是"
    districts = pd.read_csv(paths["districts"], encoding="utf-8-sig")
    assert "geometry" not in districts and districts["人口"].sum() == make_plan().villages.population.sum()
    assert list(districts.columns[:2]) == ["辖区（中心所）", "中心所编号"]
    stations = pd.read_csv(paths["stations"], encoding="utf-8-sig")
    assert list(stations["调整后角色"]) == ["中心所", "警务室", "保留"]
    metrics = pd.read_csv(paths["metrics_csv"], encoding="utf-8-sig", index_col=0)
    assert metrics.loc["插花村（社区）", "调整后"] == 0 and metrics.index.name == "指标"
    assert "插花村（社区）,1,0" in paths["metrics_csv"].read_text(encoding="utf-8-sig")  # counts without .0


def test_csv_numbers_are_rounded_and_english_headers_on_request(tmp_path):
    plan = make_plan()
    plan.villages["minutes"] = plan.villages["minutes"] + 1 / 3  # 16-digit floats in the plan
    paths = export_plan(plan, tmp_path, language="en")
    text = paths["villages"].read_text(encoding="utf-8-sig")
    assert "3.3333" not in text and "3.3," in text
    villages = pd.read_csv(paths["villages"], encoding="utf-8-sig")
    assert list(villages.columns[:2]) == ["village id", "village"] and "minutes after" in villages
    assert pd.read_csv(paths["stations"], encoding="utf-8-sig")["role after"].tolist()[1] == "post (警务室)"


def test_metrics_json_has_solver_stats_and_null_for_infinity(tmp_path):
    paths = export_plan(make_plan(), tmp_path)
    document = json.loads(paths["metrics_json"].read_text(encoding="utf-8"))
    assert document["metrics"]["max minutes"] == {"before": None, "after": 12.5}
    assert document["solver"]["solver"] == "HiGHS" and document["solver"]["n_variables"] == 25
    assert document["scenario"] == "垫江 2合1 <test>" and document["limit_minutes"] == 15.0


def test_metrics_document_unwraps_numpy_values():
    plan = make_plan()
    plan.solver = {"gap": np.float64(np.nan), "n_variables": np.int64(7), "status": "Optimal",
                   "seconds": np.float32(0.5)}
    document = metrics_document(plan)
    assert document["solver"] == {"gap": None, "n_variables": 7, "status": "Optimal", "seconds": 0.5}
    json.dumps(document, allow_nan=False)


def test_a_failed_export_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    (tmp_path / "districts.csv").write_text("old", encoding="utf-8")
    original = pd.DataFrame.to_csv
    calls = []

    def crash_midway(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # villages.csv: write half of it, then fail
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("village_id,na")
            raise OSError("disk full")
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        export_plan(make_plan(), tmp_path)
    assert len(calls) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["districts.csv"]
    assert (tmp_path / "districts.csv").read_text(encoding="utf-8") == "old"


def test_atomic_write_text_keeps_the_old_file_when_the_move_fails(tmp_path, monkeypatch):
    target = tmp_path / "map.html"
    atomic_write_text(target, "old")

    def fail(src, dst):
        raise OSError("cannot move")

    monkeypatch.setattr(export.os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


@settings(deadline=None, max_examples=30)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_atomic_write_text_round_trips_any_text(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("atomic")
    path = atomic_write_text(folder / "sub" / "file.txt", text)
    with open(path, encoding="utf-8", newline="") as handle:
        assert handle.read() == text
    assert [p.name for p in path.parent.iterdir()] == ["file.txt"]


def test_text_that_cannot_be_encoded_leaves_nothing_behind(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(tmp_path / "file.txt", "lone surrogate \ud800")
    assert list(tmp_path.iterdir()) == []


def test_inf_minutes_survive_in_the_village_csv(tmp_path):
    paths = export_plan(make_plan(), tmp_path)
    villages = pd.read_csv(paths["villages"], encoding="utf-8-sig")
    assert math.isinf(villages.set_index("村（社区）代码").loc["v6", "原行车时间（分钟）"])


def test_metrics_json_carries_the_scenario_with_absolute_data_paths(tmp_path, monkeypatch):
    from jurisdiction.scenario import Scenario

    monkeypatch.chdir(tmp_path)
    plan = make_plan()
    plan.scenario = Scenario(name="s", centres=(2, 3), limit=15.0, villages="data/v.gpkg", roads="data/r.gpkg",
                             bundle_sizes=(2, 3), speeds={"county": 45.0})
    document = json.loads(export_plan(plan, tmp_path / "out")["metrics_json"].read_text(encoding="utf-8"))
    settings = document["settings"]
    assert settings["villages"] == str(tmp_path / "data" / "v.gpkg") and settings["stations"] is None
    assert settings["centres"] == [2, 3] and settings["bundle_sizes"] == [2, 3] and settings["limit"] == 15.0
    assert settings["speeds"] == {"county": 45.0} and settings["objective"] == "p-median"
    assert Scenario(**settings).centres == (2, 3)  # enough to rebuild the scenario
    assert json.loads(export_plan(make_plan(), tmp_path / "fake")["metrics_json"].read_text(encoding="utf-8"))[
        "settings"] is None  # a stand-in scenario has no settings to write


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path):
    """Names are untrusted: a name that starts like a formula is written as text (CSV injection)."""
    plan = make_plan()
    villages = plan.villages.copy()
    villages.loc[villages.index[0], "name"] = '=HYPERLINK("http://example.invalid","x")'
    villages.loc[villages.index[1], "name"] = "@SUM(1)"
    paths = export_plan(plan.__class__(**{**plan.__dict__, "villages": villages}), tmp_path)
    table = pd.read_csv(paths["villages"], encoding="utf-8-sig", dtype=str)
    assert table["村（社区）名称"].iloc[0] == "'=HYPERLINK(\"http://example.invalid\",\"x\")"
    assert table["村（社区）名称"].iloc[1] == "'@SUM(1)"
    for name in ("villages", "districts", "stations", "metrics_csv"):
        cells = pd.read_csv(paths[name], encoding="utf-8-sig", dtype=str).stack()
        assert not cells.str.startswith(FORMULA_START).any(), name
    # Numbers stay numbers (a negative number is not a formula to neutralise).
    assert pd.to_numeric(table["新行车时间（分钟）"]).notna().all()
