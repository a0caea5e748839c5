"""`jurisdiction plan --pins` and `jurisdiction compare` on a small generated county (issue 18).

One county (60 villages, 6 stations; one village named ``<script>``) is planned once without
pins (A); a village on the border of its district is pinned into the neighbouring district
and planned again with ``--pins`` (B). ``compare A B`` must list that village, ``--json`` must be
JSON, and the page must escape the hostile name.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from jurisdiction.cli import EXIT_INFEASIBLE, EXIT_INPUT, main
from jurisdiction.network.adjacency import village_adjacency
from jurisdiction.pipeline import survey
from jurisdiction.scenario.document import read_scenario
from jurisdiction.synthetic.county import generate_county

HOSTILE = "<script>alert(1)</script>"
SCENARIO = ('name = "county"\n[data]\nvillages = "county.gpkg"\nstations = "county.gpkg"\nroads = "county.gpkg"\n'
            '[model]\ncentres = 4\nlimit = 40\ncontiguity = "cuts"\n[solver]\ntime_limit = 30\n'
            '[outputs]\ntiles = "none"\nisochrones = [10]\n')


def _run_json(argv: list[str]) -> tuple[int, dict]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main([*argv, "--json"])
    return code, json.loads(buffer.getvalue())


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("county")
    made = generate_county(11, 60, 6, split_villages=0, functional_splits=0)
    villages = made.villages.copy()
    villages.loc[0, "name"] = HOSTILE
    for layer, frame in (("villages", villages), ("stations", made.stations), ("roads", made.roads)):
        frame.to_file(folder / "county.gpkg", layer=layer, driver="GPKG")
    (folder / "county.toml").write_text(SCENARIO, encoding="utf-8")
    assert main(["plan", str(folder / "county.toml"), "--out", str(folder / "A"), "--quiet"]) == 0
    return folder


def _border_move(folder: Path) -> tuple[str, str]:
    """A village of plan A next to another district, and that district's centre."""
    villages = gpd.read_file(folder / "A" / "plan.gpkg", layer="villages").to_crs(32648)
    adjacency = village_adjacency(villages)
    centre = villages["centre"].to_numpy()
    rows, cols = adjacency.nonzero()
    stations = gpd.read_file(folder / "A" / "plan.gpkg", layer="stations")
    roots = set(stations["station_id"])  # skip villages holding a station (they root a district)
    for v, u in zip(rows.tolist(), cols.tolist()):
        if centre[v] != centre[u] and str(villages["village_id"].iat[v]) not in roots:
            return str(villages["village_id"].iat[v]), str(centre[u])
    raise AssertionError("no border village")


@pytest.fixture(scope="module")
def pinned(county) -> tuple[Path, str, str]:
    village, station = _border_move(county)
    pins = county / "pins.csv"
    pins.write_bytes(f"\ufeffvillage_id,station_id,locked\n{village},{station},是\n".encode())
    code, document = _run_json(["plan", str(county / "county.toml"), "--pins", str(pins), "--out", str(county / "B")])
    assert code == 0, document  # the generated county is fixed: this border move is feasible
    assert document["verification"]["ok"], document["verification"]
    return county, village, station


def test_plan_with_pins_puts_the_village_where_pinned(pinned):
    folder, village, station = pinned
    plan = gpd.read_file(folder / "B" / "plan.gpkg", layer="villages")
    row = plan[plan["village_id"].astype(str) == village].iloc[0]
    assert row["centre"] == station and row["pinned"] == station and not row["pin_breaks"]
    before = gpd.read_file(folder / "A" / "plan.gpkg", layer="villages")
    assert before.loc[before["village_id"].astype(str) == village, "centre"].iloc[0] != station


def test_compare_lists_the_pinned_village_and_escapes_names(pinned):
    folder, village, station = pinned
    code, document = _run_json(["compare", str(folder / "A"), str(folder / "B"), "--out", str(folder / "C")])
    assert code == 0, document
    moved = {row["village_id"]: row for row in document["changes"]}
    assert village in moved and moved[village]["B"] == station
    figures = {row["metric"]: row for row in document["figures"]}
    assert figures["villages changed"]["B"] == len(moved)
    page = (folder / "C" / "compare.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert village in page


def test_compare_of_a_folder_that_is_no_plan_names_it(county, tmp_path):
    code, document = _run_json(["compare", str(county / "A"), str(tmp_path), "--out", str(tmp_path)])
    assert code == EXIT_INPUT and "metrics.json" in document["error"]
    assert not (tmp_path / "compare.html").exists()


def test_a_bad_pins_file_names_every_bad_row(county):
    pins = county / "bad_pins.csv"
    pins.write_text("village_id,station_id,locked\nnope,S1\n,S1\nnope,S1,maybe\n", encoding="utf-8")
    code, document = _run_json(["plan", str(county / "county.toml"), "--pins", str(pins), "--out",
                                str(county / "bad")])
    assert code == EXIT_INPUT
    error = document["error"]
    assert "bad_pins.csv" in error and "row #2: village_id is missing" in error
    assert "row #3: locked 'maybe'" in error and "pinned twice" in error
    assert not (county / "bad").exists()


def _far_scenario(folder: Path) -> tuple[float, str, str]:
    """A limit every village keeps with all 6 stations open, and a village-station pair beyond it."""
    scenario = read_scenario(folder / "county.toml")
    path = str(folder / "county.gpkg")
    times = survey(gpd.read_file(path, layer="villages"), gpd.read_file(path, layer="stations"),
                   gpd.read_file(path, layer="roads"), scenario).times
    limit = float(np.ceil(times.to_numpy().min(axis=1).max())) + 1
    v, s = np.argwhere(times.to_numpy() > limit)[0]
    return limit, str(times.index[v]), str(times.columns[s])


def test_a_pin_beyond_the_limit_is_named_unless_allowed(county):
    limit, village, station = _far_scenario(county)
    (county / "far.csv").write_text(f"village_id,station_id\n{village},{station}\n", encoding="utf-8")
    text = SCENARIO.replace("centres = 4\nlimit = 40\ncontiguity = \"cuts\"", f"centres = 6\nlimit = {limit}")
    (county / "far.toml").write_text(text, encoding="utf-8")
    code, document = _run_json(["plan", str(county / "far.toml"), "--pins", str(county / "far.csv"),
                                "--out", str(county / "far")])
    assert code == EXIT_INFEASIBLE and f"{village}) is pinned to station" in document["error"], document
    assert "allow_over_limit" in document["error"]
    allowed = county / "allowed.toml"
    allowed.write_text(text.replace("[solver]", '[pins]\nvillages = "far.csv"\nallow_over_limit = true\n'
                                                'allow_disconnected = true\n[solver]'), encoding="utf-8")
    code, document = _run_json(["plan", str(allowed), "--out", str(county / "far")])
    assert code == 0 and document["verification"]["ok"], document
    plan = gpd.read_file(county / "far" / "plan.gpkg", layer="villages")
    row = plan[plan["village_id"].astype(str) == village].iloc[0]
    assert row["centre"] == station and row["minutes"] > limit and "超出时限" in row["pin_breaks"]
    assert document["verification"]["ok"]
    report = (county / "far" / "report.html").read_text(encoding="utf-8")  # the report says so, in red
    note = report[report.index('<div class="pins">'):]
    assert "color:#" in note[:note.index("</p>")] and "超出时限" in note


def test_station_roles_are_kept(county):
    stations = gpd.read_file(county / "A" / "plan.gpkg", layer="stations")
    centre = str(stations.loc[stations["role"] == "centre", "station_id"].iloc[0])
    other = str(stations.loc[stations["station_id"] != centre, "station_id"].iloc[0])
    text = SCENARIO.replace("[solver]", f'[bundling]\nsizes = [1, 2]\n[pins]\nstations = {{ "{centre}" = "post", '
                                        f'"{other}" = "kept" }}\n[solver]').replace("centres = 4", "centres = 3")
    (county / "roles.toml").write_text(text, encoding="utf-8")
    code, document = _run_json(["plan", str(county / "roles.toml"), "--out", str(county / "roles")])
    assert code == 0 and document["verification"]["ok"], document
    roles = gpd.read_file(county / "roles" / "plan.gpkg", layer="stations").set_index("station_id")["role"]
    assert roles[centre] == "post" and roles[other] == "station"
