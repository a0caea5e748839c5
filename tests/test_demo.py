"""The demo end to end, checked on the files it writes, independently of the code that made them.

`jurisdiction demo` runs once per test session (about half a minute); the checks read the
GeoPackage back with geopandas and recompute every property from geometry and travel times.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pytest
import shapely

from jurisdiction.cli import DEMO_SCENARIO, main
from jurisdiction.inputs.example import load_example
from jurisdiction.scenario import read_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = read_scenario(DEMO_SCENARIO)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--quiet"]) == 0
    return out


def test_demo_writes_maps_report_and_files(demo):
    for name in ("plan_map.html", "current_map.html", "report.html", "plan.gpkg", "districts.csv", "villages.csv",
                 "metrics.json"):
        assert (demo / name).stat().st_size > 0, name
    document = json.loads((demo / "metrics.json").read_text(encoding="utf-8"))
    assert document["solver"]["status"] == "optimal"


def test_every_village_whole_in_one_district(demo):
    villages = gpd.read_file(demo / "plan.gpkg", layer="villages")
    source = load_example("dianjiang").villages
    assert sorted(villages["village_id"]) == sorted(source["village_id"])
    assert villages["village_id"].is_unique  # one row, one centre: no village is split
    assert villages["centre"].notna().all()
    districts = gpd.read_file(demo / "plan.gpkg", layer="districts").to_crs(32648)
    metric = villages.to_crs(32648)
    # Each village polygon lies inside its own district and overlaps no other district.
    for centre, district in zip(districts["centre"], districts.geometry, strict=True):
        own = metric[metric["centre"] == centre]
        assert shapely.area(shapely.difference(own.geometry.values, district)).max() < 1.0
        others = metric[metric["centre"] != centre]
        assert shapely.area(shapely.intersection(others.geometry.values, district)).max() < 1.0


def test_every_village_within_the_limit(demo):
    villages = gpd.read_file(demo / "plan.gpkg", layer="villages")
    assert villages["minutes"].max() <= SCENARIO.limit
    # Recompute the travel times with the network module and compare.
    from jurisdiction.network.graph import road_graph
    from jurisdiction.network.travel import travel_time_matrix

    example = load_example("dianjiang")
    times = travel_time_matrix(road_graph(example.roads), example.villages, example.stations)
    minutes = [times.at[v, c] for v, c in zip(villages["village_id"], villages["centre"], strict=True)]
    assert max(minutes) <= SCENARIO.limit
    assert villages["minutes"].to_numpy() == pytest.approx(minutes, abs=1e-6)


def test_bundles_are_2_or_3_stations_and_8_centres(demo):
    stations = gpd.read_file(demo / "plan.gpkg", layer="stations")
    scope = stations[stations["station_id"].isin(SCENARIO.bundle_stations)]
    assert len(scope) == 17
    groups = scope.groupby("centre")["station_id"].apply(set)
    assert len(groups) == 8
    assert all(2 <= len(members) <= 3 for members in groups)
    for centre, members in groups.items():
        assert centre in members  # each centre is one of the bundled stations
        roles = scope.set_index("station_id").loc[sorted(members), "role"]
        assert (roles == "centre").sum() == 1 and (roles == "post").sum() == len(members) - 1
    untouched = stations[~stations["station_id"].isin(SCENARIO.bundle_stations)]
    assert (untouched["centre"] == untouched["station_id"]).all()
    assert (untouched["role"] == "station").all()


def test_districts_are_connected(demo):
    villages = gpd.read_file(demo / "plan.gpkg", layer="villages").to_crs(32648)
    for centre, members in villages.groupby("centre"):
        geometry = members.geometry.values
        graph = nx.Graph()
        graph.add_nodes_from(range(len(members)))
        left, right = shapely.STRtree(geometry).query(geometry, predicate="intersects")
        for a, b in zip(left, right, strict=True):
            if a < b and shapely.length(shapely.intersection(geometry[a].boundary, geometry[b].boundary)) > 1.0:
                graph.add_edge(a, b)
        assert nx.is_connected(graph), f"district of {centre} is not connected"


def test_demo_cli_json_and_exit_codes(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\ncentres = 3\ncolour = 'red'\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "jurisdiction.cli", "plan", str(bad), "--json"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 3
    assert "model.colour" in json.loads(result.stdout)["error"]
    infeasible = tmp_path / "infeasible.toml"
    infeasible.write_text(
        DEMO_SCENARIO.read_text(encoding="utf-8").replace("limit = 35 ", "limit = 5 "), encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "jurisdiction.cli", "plan", str(infeasible), "--quiet", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 4
    assert "within 5 min" in result.stderr
    assert re.search(r"[村居]民委员会 \(500231\d{6}\)", result.stderr)  # villages named, with their codes
    assert not (tmp_path / "out").exists()  # nothing half-written
    usage = subprocess.run([sys.executable, "-m", "jurisdiction.cli", "frobnicate"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_quickstart_example_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "plan_map.html").exists() and (tmp_path / "plan.gpkg").exists()


def test_no_plan_in_time_exits_5(monkeypatch, capsys):
    from jurisdiction import cli
    from jurisdiction.errors import NoSolutionError

    def no_plan(*args, **kwargs):
        raise NoSolutionError(["the solver found no plan within the time limit of 1 s (not proven infeasible)"])

    monkeypatch.setattr(sys.modules["jurisdiction.pipeline"], "plan", no_plan)
    assert cli.main(["demo", "--quiet"]) == 5
    assert "not proven infeasible" in capsys.readouterr().err
