"""The Dianjiang auto-bundling scenario end to end (issue 17): the model chooses the bundles.

``jurisdiction plan dianjiang_auto.toml`` runs once per module (a few seconds); the checks read
the written files back and recompute the rule (16 officers per bundle, 2合1 / 3合1, posts
bordering their centre) from the input layers, apart from the code that made the plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from jurisdiction import plan, verify_plan
from jurisdiction.cli import main
from jurisdiction.inputs.example import DATA_DIR, load_example
from jurisdiction.network.adjacency import station_adjacency, village_adjacency
from jurisdiction.scenario import read_scenario

AUTO = DATA_DIR / "dianjiang" / "dianjiang_auto.toml"
SCENARIO = read_scenario(AUTO)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("auto")
    assert main(["plan", str(AUTO), "--out", str(out), "--quiet", "--tiles", "none"]) == 0
    return out


def test_the_scenario_states_a_rule_and_picks_nothing_by_hand():
    assert SCENARIO.bundle_stations == "auto"
    assert SCENARIO.min_officers == 16 and SCENARIO.limit == 35
    assert SCENARIO.centres is None and not SCENARIO.fixed and not SCENARIO.excluded


def test_the_plan_has_the_reforms_shape_and_keeps_the_rule(written):
    stations = gpd.read_file(written / "plan.gpkg", layer="stations").set_index("station_id")
    assert json.loads((written / "metrics.json").read_text(encoding="utf-8"))["solver"]["status"] == "optimal"
    groups = stations.groupby("centre").groups
    bundles = {c: list(members) for c, members in groups.items() if len(members) > 1}
    bundled = sum(len(members) for members in bundles.values())
    assert 15 <= bundled <= 21 and 7 <= len(bundles) <= 10  # the reform: 17 stations into 8 centres
    example = load_example("dianjiang")
    officers = example.stations.set_index("station_id")["officers"]
    for centre, members in groups.items():
        assert officers[list(members)].sum() >= 16, centre
        assert len(members) in (1, 2, 3)
        roles = stations.loc[list(members), "role"]
        expected = {"station"} if len(members) == 1 else {"centre", "post"}
        assert set(roles) == expected and (roles == "centre").sum() == (len(members) > 1)
    assert (stations.loc[stations["kind"] == "urban", "role"] == "station").all()
    # Posts border their centre: station adjacency from the current districts (the villages' current station).
    villages = gpd.read_file(written / "plan.gpkg", layer="villages").to_crs(32648)
    index = {sid: i for i, sid in enumerate(stations.index)}
    home = villages["current"].map(index).to_numpy()
    adjacent = station_adjacency(home, village_adjacency(villages), len(stations))
    for centre, members in bundles.items():
        assert all(adjacent[index[s], index[centre]] for s in members), centre
    assert (villages["minutes"] <= 35).all()


def test_the_written_plan_verifies(written):
    verdict = verify_plan(written)
    assert verdict.ok, verdict.lines()
    assert "each with at least 16 officers" in next(c.detail for c in verdict.checks if c.name == "bundles")


def test_the_plan_records_its_rule():
    example = load_example("dianjiang")
    result = plan(example.villages, example.stations, example.roads, SCENARIO.with_(isochrones=()),
                  example.jurisdictions)
    assert result.bundling_rule.startswith("每个中心所合并后民警不少于 16 人")
    assert "35 分钟内到达" in result.bundling_rule and "2合1 / 3合1" in result.bundling_rule
    posts = result.bundles
    assert len(posts) == int((result.stations["role"] == "post").sum()) > 0
    assert set(posts["centre"]) == set(result.stations.loc[result.stations["role"] == "centre", "station_id"])
