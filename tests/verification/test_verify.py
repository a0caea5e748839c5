"""`jurisdiction verify`: a written plan passes, and each way of corrupting it is caught by its check.

Two plans are written once per module: the demo (Dianjiang, 2合1/3合1 bundling, 35 min limit,
contiguity) and a small synthetic county with a balance tolerance. Each test copies one to
``tmp_path``, corrupts it in one way, and asserts that the check named for that corruption
fails, through :func:`jurisdiction.verify_plan` and through ``jurisdiction verify`` (exit 6).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import jurisdiction
from jurisdiction.cli import EXIT_INPUT, EXIT_VERIFY, main
from jurisdiction.inputs.example import load_example
from jurisdiction.inputs.readers import read_roads, read_stations, read_villages
from jurisdiction.network.adjacency import village_adjacency
from jurisdiction.synthetic.county import generate_county
from jurisdiction.verification.checks import MINUTES_TOLERANCE, Check, agree
from jurisdiction.verification.folder import Verdict, verify_plan

LAYERS = ("villages", "stations", "districts")
HOSTILE = "坏\x1b[2J\x07村"  # an escape sequence and a bell in a village name


def _run_json(argv: list[str]) -> tuple[int, dict]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main([*argv, "--json"])
    return code, json.loads(buffer.getvalue())


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    code, document = _run_json(["demo", "--out", str(out), "--tiles", "none"])
    assert code == 0, document
    return out, document


def _balanced_scenario(folder: Path) -> Path:
    county = generate_county(7, 60, 6, split_villages=0, functional_splits=0)
    villages = county.villages.copy()
    villages.loc[0, "name"] = HOSTILE
    for layer, frame in (("villages", villages), ("stations", county.stations), ("roads", county.roads)):
        frame.to_file(folder / "county.gpkg", layer=layer, driver="GPKG")
    path = folder / "balanced.toml"
    path.write_text(
        'name = "balanced"\n[data]\nvillages = "county.gpkg"\nstations = "county.gpkg"\nroads = "county.gpkg"\n'
        '[model]\ncentres = 4\nlimit = 40\nbalance = 0.3\ncontiguity = "cuts"\n'
        '[bundling]\nsizes = [1, 2]\n[solver]\ntime_limit = 30\n[outputs]\ntiles = "none"\nisochrones = [10]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def balanced(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("balanced")
    assert main(["plan", str(_balanced_scenario(folder)), "--out", str(folder / "out"), "--quiet"]) == 0
    return folder / "out"


def _copy(source: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "plan"
    folder.mkdir()
    for name in ("plan.gpkg", "metrics.json"):
        shutil.copy(source / name, folder / name)
    return folder


def _corrupt(source: Path, tmp_path: Path, edit: Callable[[dict[str, gpd.GeoDataFrame]], None]) -> Path:
    """A copy of the plan whose GeoPackage layers went through ``edit`` (in place, on a dict)."""
    folder = _copy(source, tmp_path)
    layers = {layer: gpd.read_file(folder / "plan.gpkg", layer=layer) for layer in LAYERS}
    edit(layers)
    (folder / "plan.gpkg").unlink()
    for layer, frame in layers.items():
        frame.to_file(folder / "plan.gpkg", layer=layer, driver="GPKG")
    return folder


def _caught(folder: Path, check: str) -> Verdict:
    """The verdict on ``folder``, after asserting that ``check`` fails and the command exits 6."""
    verdict = verify_plan(folder)
    assert check in verdict.failed, "\n".join(verdict.lines())
    assert main(["verify", str(folder), "--quiet"]) == EXIT_VERIFY
    return verdict


def _detail(verdict: Verdict, name: str) -> str:
    return next(check.detail for check in verdict.checks if check.name == name)


def _metric(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return layer.to_crs(32648)


# ---------------------------------------------------------------- the plans as written pass


def test_the_demo_and_the_balanced_plan_pass(demo, balanced, capsys):
    folder, document = demo
    assert document["verification"]["ok"] is True  # `demo` verified what it wrote
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    verdict = verify_plan(folder)
    assert len(out) == len(verdict.checks) + 1 and out[-1].startswith("verified: all 12 checks hold")
    assert {c.name for c in verdict.checks} == {"villages", "stations", "whole", "connected", "centre_inside",
                                                "centres", "limit", "minutes", "balance", "bundles", "objective",
                                                "pins"}
    balanced_verdict = jurisdiction.verify_plan(balanced)
    assert balanced_verdict.ok, "\n".join(balanced_verdict.lines())
    assert "within ±30%" in _detail(balanced_verdict, "balance")


def test_verify_json_on_success_and_failure(demo, tmp_path):
    code, document = _run_json(["verify", str(demo[0])])
    assert code == 0 and document["ok"] and document["verification"]["ok"]
    assert len(document["verification"]["checks"]) == 12
    folder = _copy(demo[0], tmp_path)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics["solver"]["objective"] *= 1.5
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    code, document = _run_json(["verify", str(folder)])
    assert code == EXIT_VERIFY and not document["ok"] and "objective" in document["error"]


# ---------------------------------------------------------------- corruptions, one check each


def test_a_dropped_village_is_caught(demo, tmp_path):
    def drop(layers):
        layers["villages"] = layers["villages"].drop(index=5)

    verdict = _caught(_corrupt(demo[0], tmp_path, drop), "villages")
    assert "is missing" in _detail(verdict, "villages")


def test_a_duplicated_village_is_caught(demo, tmp_path):
    def duplicate(layers):
        villages = layers["villages"]
        layers["villages"] = pd.concat([villages, villages.iloc[[7]]], ignore_index=True)

    verdict = _caught(_corrupt(demo[0], tmp_path, duplicate), "villages")
    assert "appears 2 times" in _detail(verdict, "villages")


def _interior_village(villages: gpd.GeoDataFrame) -> tuple[int, str]:
    """A village whose neighbours all share its district, and a centre bordering none of them."""
    adjacency = village_adjacency(_metric(villages)).tolil()
    centre = villages["centre"].to_numpy()
    for row, neighbours in enumerate(adjacency.rows):
        around = set(centre[neighbours])
        if len(neighbours) >= 3 and around == {centre[row]}:
            other = next(c for c in sorted(set(centre)) if c != centre[row] and c not in around)
            return row, other
    raise AssertionError("no interior village")


def test_a_district_split_in_two_is_caught(demo, tmp_path):
    def split(layers):
        row, other = _interior_village(layers["villages"])
        layers["villages"].loc[row, "centre"] = other  # an island of `other` inside another district

    verdict = _caught(_corrupt(demo[0], tmp_path, split), "connected")
    assert "falls into 2 pieces" in _detail(verdict, "connected")


def test_a_village_moved_beyond_the_limit_is_caught(demo, tmp_path):
    from jurisdiction.network.graph import road_graph
    from jurisdiction.network.travel import travel_time_matrix

    example = load_example("dianjiang")
    times = travel_time_matrix(road_graph(example.roads), example.villages, example.stations)

    def move(layers):
        villages = layers["villages"]
        centres = sorted(set(villages["centre"]))
        far = times.loc[villages["village_id"], centres] > 38.0  # limit 35 plus more than the 0.7 min slack
        row = int(np.flatnonzero(far.any(axis=1).to_numpy())[0])
        centre = far.columns[far.iloc[row].to_numpy()][0]
        villages.loc[row, "centre"] = centre
        villages.loc[row, "minutes"] = times.at[villages.at[row, "village_id"], centre]  # reported honestly

    verdict = _caught(_corrupt(demo[0], tmp_path, move), "limit")
    assert "min from" in _detail(verdict, "limit") and "minutes" not in verdict.failed


def test_an_unbalanced_district_is_caught(balanced, tmp_path):
    def unbalance(layers):
        villages, stations = layers["villages"], layers["stations"]
        load = villages.groupby("centre")["population"].sum()
        small, big = load.idxmin(), load.idxmax()
        seat = stations.set_index("station_id").geometry[small]
        moving = (villages["centre"] == small) & ~villages.geometry.contains(seat)
        villages.loc[moving, "centre"] = big

    verdict = _caught(_corrupt(balanced, tmp_path, unbalance), "balance")
    assert "outside" in _detail(verdict, "balance")


def test_a_bundle_of_four_is_caught(demo, tmp_path):
    scope = set(jurisdiction.read_scenario(jurisdiction.cli.DEMO_SCENARIO).bundle_stations)

    def bundle_four(layers):
        stations, villages = layers["stations"], layers["villages"]
        groups = stations[stations["station_id"].isin(scope)].groupby("centre")["station_id"].apply(list)
        three = next(centre for centre, members in groups.items() if len(members) == 3)
        other = next(centre for centre in groups.index if centre != three)
        mover = next(s for s in groups[other] if s != other)
        stations.loc[stations["station_id"] == mover, "centre"] = three
        villages.loc[villages["current"] == mover, "centre"] = three  # its villages follow it

    verdict = _caught(_corrupt(demo[0], tmp_path, bundle_four), "bundles")
    assert "has 4 stations" in _detail(verdict, "bundles")


def test_a_centre_outside_its_district_is_caught(demo, tmp_path):
    def evict(layers):
        villages, stations = layers["villages"], layers["stations"]
        centre = stations.loc[stations["role"] == "centre", "station_id"].iloc[0]
        seat = stations.set_index("station_id").geometry[centre]
        row = int(np.flatnonzero(villages.geometry.contains(seat).to_numpy())[0])
        other = next(c for c in villages["centre"] if c != centre)
        villages.loc[row, "centre"] = other  # the village the centre stands in goes to another centre

    verdict = _caught(_corrupt(demo[0], tmp_path, evict), "centre_inside")
    assert "stands in" in _detail(verdict, "centre_inside")


def test_an_edited_objective_is_caught(demo, tmp_path):
    folder = _copy(demo[0], tmp_path)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics["solver"]["objective"] *= 0.99  # 1 %: twice the tolerance
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    verdict = _caught(folder, "objective")
    assert verdict.failed == ("objective",)


def test_a_village_reaching_into_another_district_is_caught(demo, tmp_path):
    def overlap(layers):
        villages = layers["villages"]
        adjacency = village_adjacency(_metric(villages)).tolil()
        centre = villages["centre"].to_numpy()
        row = next(r for r, around in enumerate(adjacency.rows) if any(centre[n] != centre[r] for n in around))
        other = next(n for n in adjacency.rows[row] if centre[n] != centre[row])
        villages.loc[row, "geometry"] = shapely.union(villages.geometry[row], villages.geometry[other])

    verdict = _caught(_corrupt(demo[0], tmp_path, overlap), "whole")
    assert "in the district of" in _detail(verdict, "whole")


def test_an_unknown_station_is_caught(demo, tmp_path):
    def unknown(layers):
        layers["villages"].loc[3, "centre"] = "999999999"

    verdict = _caught(_corrupt(demo[0], tmp_path, unknown), "stations")
    assert "999999999, which is no known centre" in _detail(verdict, "stations")


def test_edited_minutes_are_caught(demo, tmp_path):
    def shorten(layers):
        villages = layers["villages"]
        row = int(np.flatnonzero((villages["minutes"] > 12).to_numpy())[0])
        villages.loc[row, "minutes"] = villages.at[row, "minutes"] / 2

    verdict = _caught(_corrupt(demo[0], tmp_path, shorten), "minutes")
    assert "rebuilt" in _detail(verdict, "minutes")


def test_an_extra_centre_is_caught(demo, tmp_path):
    def promote(layers):
        stations = layers["stations"]
        post = stations.index[stations["role"] == "post"][0]
        stations.loc[post, ["centre", "role"]] = [stations.at[post, "station_id"], "centre"]

    verdict = _caught(_corrupt(demo[0], tmp_path, promote), "centres")
    assert "18 centres, the scenario asks for 17" in _detail(verdict, "centres")


def test_a_moved_station_is_caught(demo, tmp_path):
    def shift(layers):
        stations = layers["stations"]
        stations.loc[0, "geometry"] = shapely.Point(stations.geometry[0].x + 0.05, stations.geometry[0].y)

    verdict = _caught(_corrupt(demo[0], tmp_path, shift), "stations")
    assert "from where the input puts it" in _detail(verdict, "stations")


def test_a_shrunken_district_polygon_is_caught(demo, tmp_path):
    def shrink(layers):
        districts = layers["districts"]
        districts.loc[0, "geometry"] = districts.geometry[0].centroid.buffer(0.001)

    verdict = _caught(_corrupt(demo[0], tmp_path, shrink), "whole")
    assert "is not inside the district of" in _detail(verdict, "whole")


def test_names_in_the_details_are_stripped_of_control_characters(balanced, tmp_path, capsys):
    def drop(layers):
        villages = layers["villages"]
        layers["villages"] = villages[villages["name"] != HOSTILE]

    folder = _corrupt(balanced, tmp_path, drop)
    verdict = _caught(folder, "villages")
    assert "坏[2J村" in _detail(verdict, "villages")
    capsys.readouterr()
    assert main(["verify", str(folder)]) == EXIT_VERIFY
    printed = capsys.readouterr()
    assert "\x1b" not in printed.out + printed.err and "\x07" not in printed.out + printed.err


# ---------------------------------------------------------------- files that cannot be read


def test_a_missing_or_unreadable_folder_exits_3_naming_the_file(demo, tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nowhere")]) == EXIT_INPUT
    assert "nowhere" in capsys.readouterr().err
    folder = _copy(demo[0], tmp_path)
    (folder / "plan.gpkg").write_bytes(b"not a geopackage")
    assert main(["verify", str(folder)]) == EXIT_INPUT
    assert "plan.gpkg" in capsys.readouterr().err
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    del metrics["settings"]
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    assert main(["verify", str(folder)]) == EXIT_INPUT
    assert "metrics.json" in capsys.readouterr().err
    (folder / "metrics.json").unlink()
    with pytest.raises(jurisdiction.InputError, match="metrics.json"):
        verify_plan(folder)


def test_plan_exits_6_when_what_it_wrote_fails_verification(balanced, monkeypatch, capsys):
    from jurisdiction.verification import folder as verification

    failing = Verdict(folder="x", checks=(Check("limit", False, "village v1 is 50.0 min from S1 by road"),))
    monkeypatch.setattr(verification, "verify_plan", lambda folder: failing)
    scenario = balanced.parent / "balanced.toml"
    assert main(["plan", str(scenario), "--out", str(balanced.parent / "again"), "--quiet"]) == EXIT_VERIFY
    assert "village v1 is 50.0 min" in capsys.readouterr().err


# ---------------------------------------------------------------- the rebuilt travel times


def test_rebuilt_travel_times_agree_with_the_package(demo):
    from jurisdiction.network.graph import road_graph
    from jurisdiction.network.travel import travel_time_matrix
    from jurisdiction.verification.roads import road_minutes, road_network

    example = load_example("dianjiang")
    stations = read_stations(example.stations)
    villages = read_villages(example.villages, stations=stations)
    roads = read_roads(example.roads)
    package = travel_time_matrix(road_graph(roads), villages, stations)
    rebuilt = road_minutes(road_network(roads), villages, stations, access_speed_kph=20.0)
    package = package.reindex(index=rebuilt.index, columns=rebuilt.columns).to_numpy()
    assert np.isfinite(rebuilt.to_numpy()).all() and rebuilt.shape == (301, 26)
    assert all(agree(a, b) for a, b in zip(package.ravel(), rebuilt.to_numpy().ravel()))
    assert np.abs(package - rebuilt.to_numpy()).max() < MINUTES_TOLERANCE


def test_rebuilt_travel_times_from_a_graphml_network_in_degrees_agree(tmp_path):
    import osmnx as ox

    from jurisdiction.network.graph import road_graph
    from jurisdiction.network.travel import travel_time_matrix
    from jurisdiction.verification.roads import graphml_network, road_minutes

    example = load_example("dianjiang")
    path = tmp_path / "roads.graphml"
    ox.save_graphml(ox.project_graph(road_graph(example.roads), to_crs="EPSG:4326"), path)
    package = travel_time_matrix(road_graph(path), example.villages, example.stations)
    rebuilt = road_minutes(graphml_network(path), example.villages, example.stations, access_speed_kph=20.0)
    package = package.reindex(index=rebuilt.index, columns=rebuilt.columns).to_numpy()
    assert np.isfinite(rebuilt.to_numpy()).all()
    assert np.abs(package - rebuilt.to_numpy()).max() < MINUTES_TOLERANCE
