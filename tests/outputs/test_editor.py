"""The plan map's editor in headless Chromium, held to the figures Python computes.

After every scripted move (50 seeded random edits on a generated county, a few on the Dianjiang
demo) the panel's figures equal :func:`jurisdiction.outputs.adjustment.adjusted_figures` for the
same assignment; undo and redo return to the figures before; "download pins" gives the CSV
``village_id,station_id,locked`` of the moved villages; names with markup stay text. Screenshots
of the Dianjiang editor before and after a move go to ``test-artifacts/``.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import math

import geopandas as gpd
import numpy as np
import pytest

from jurisdiction.cli import DEMO_SCENARIO
from jurisdiction.inputs.example import load_example
from jurisdiction.outputs.adjustment import adjusted_figures, village_graph
from jurisdiction.outputs.editor import editor_data, script_json
from jurisdiction.outputs.maps import plan_map
from jurisdiction.pipeline import plan as pipeline_plan
from jurisdiction.scenario import read_scenario
from tests.support.browser import ARTIFACTS, open_map
from tests.support.county_plans import county_plan
from tests.support.plans import HOSTILE, make_plan

HOSTILE_VILLAGE = "<script>alert('v')</script>村"
HOSTILE_CENTRE = "<script>alert('c')</script>所 & <b>"
API = "window.jurisdictionEditor"


@pytest.fixture(scope="module")
def county():
    """A generated county's plan; one village and one centre carry markup in their names."""
    plan = county_plan()
    villages = plan.villages.copy()
    villages.loc[villages.index[0], "name"] = HOSTILE_VILLAGE
    stations = plan.stations.copy()
    stations.loc[stations["station_id"] == plan.districts["centre"].iloc[0], "name"] = HOSTILE_CENTRE
    plan = dataclasses.replace(plan, villages=villages, stations=stations)
    return plan, village_graph(plan)


@pytest.fixture(scope="module")
def county_page(browser, county, tmp_path_factory):
    path = plan_map(county[0], tmp_path_factory.mktemp("editor") / "plan.html", tiles="none")
    page = open_map(browser, path)
    yield page
    page.close()


def _close(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def same_figures(a: dict, b: dict) -> bool:
    """Figures equal up to the order of float sums (a district's sums run in its members' order)."""
    if {k: v for k, v in a.items() if k != "districts"} != {k: v for k, v in b.items() if k != "districts"}:
        return False
    return all(x.keys() == y.keys() and all(_close(x[k], y[k]) if isinstance(x[k], float) else x[k] == y[k] for k in x)
               for x, y in zip(a["districts"], b["districts"], strict=True))


def assert_figures_match(page, plan, graph) -> dict:
    """The panel's figures equal Python's for the page's assignment; returns the page's figures."""
    shown = page.evaluate(f"{API}.figures()")
    table, overall = adjusted_figures(plan, page.evaluate(f"{API}.assignment()"), adjacency=graph)
    assert [d["centre"] for d in shown["districts"]] == list(table.index)
    for district in shown["districts"]:
        row = table.loc[district["centre"]]
        for key in ("villages", "population", "incidents", "max_minutes", "mean_minutes", "officers_needed"):
            assert _close(district[key], float(row[key])), (district["centre"], key, district[key], row[key])
        assert district["connected"] == bool(row["connected"]), district["centre"]
    assert shown["beyond_limit"] == overall["beyond_limit"]
    assert shown["disconnected"] == overall["disconnected"]
    assert shown["split_villages"] == 0
    return shown


def test_embedded_data_is_exact_and_escaped(county):
    plan, graph = county
    data = editor_data(plan)
    centres = plan.districts["centre"].astype(str).tolist()
    minutes = np.frombuffer(base64.b64decode(data["minutes"]), dtype="<f8").reshape(len(plan.villages), -1)
    np.testing.assert_array_equal(minutes, plan.travel_times[centres].to_numpy(dtype=float))
    assert data["adjacency"] == {"indptr": graph.indptr.tolist(), "indices": graph.indices.tolist()}
    assert data["assignment"] == [centres.index(c) for c in plan.villages["centre"].astype(str)]
    assert HOSTILE_VILLAGE not in data["villages"]["names"][0] and "&lt;script&gt;" in data["villages"]["names"][0]
    assert "<" not in script_json(data) and ">" not in script_json(data)


def test_point_villages_edit_like_python(browser, tmp_path):
    """Villages given as points: neighbours by Delaunay, drawn as circles; a hostile name escaped."""
    plan = make_plan(points=True)
    graph = village_graph(plan)
    page = open_map(browser, plan_map(plan, tmp_path / "points.html", tiles="none"))
    try:
        page.evaluate(f"{API}.setAdjust(true)")
        assert_figures_match(page, plan, graph)
        page.evaluate(f"{API}.select(['v1'])")
        assert HOSTILE in page.locator(".jd-editor-selected").inner_text()
        for village, centre in (("v1", "S3"), ("v6", "S1"), ("v2", "S3")):
            page.evaluate(f"([v, c]) => {API}.move(v, c)", [village, centre])
            assert_figures_match(page, plan, graph)
        assert page.problems == []
    finally:
        page.close()


def test_fifty_random_edits_match_python_and_undo_redo(county, county_page):
    plan, graph = county
    page = county_page
    ids = plan.villages["village_id"].astype(str).tolist()
    centres = plan.districts["centre"].astype(str).tolist()
    rng = np.random.default_rng(18)
    history = [assert_figures_match(page, plan, graph)]
    for edit in range(50):
        picked = [str(v) for v in rng.choice(ids, size=1 if edit % 5 else int(rng.integers(2, 5)), replace=False)]
        target = str(rng.choice(centres))
        page.evaluate(f"([v, c]) => {API}.moveMany(v, c)", [picked, target])
        shown = assert_figures_match(page, plan, graph)
        if shown != history[-1]:
            history.append(shown)
    assert len(history) > 40
    assert any(f["disconnected"] > 0 for f in history) and any(f["beyond_limit"] > 0 for f in history)
    for back in range(1, 11):
        assert page.evaluate(f"{API}.undo()")
        assert same_figures(page.evaluate(f"{API}.figures()"), history[-1 - back])
    for _ in range(10):
        assert page.evaluate(f"{API}.redo()")
    assert same_figures(page.evaluate(f"{API}.figures()"), history[-1])
    assert_figures_match(page, plan, graph)
    assert page.problems == []


def _village_point(page, row: int) -> tuple[float, float]:
    return tuple(page.evaluate(f"""(i) => {{
        const ed = {API}.editor, p = ed.map.latLngToContainerPoint(ed.layers[i].getBounds().getCenter());
        const r = ed.map.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top];
    }}""", row))


def test_clicks_keys_and_download_pins(browser, county, tmp_path):
    plan, graph = county
    page = open_map(browser, plan_map(plan, tmp_path / "plan.html", tiles="none", language="en"))
    try:
        page.locator(".jd-editor-switch input").check()
        assert page.locator(".jd-editor").is_visible() and not page.locator(".leaflet-control-layers").is_visible()
        # a village on the left half of the map (the panel covers the right), away from the stations
        homes = set(page.evaluate(f"{API}.editor.data.centres.village"))
        rows = [i for i in range(len(plan.villages)) if i not in homes]
        row = min(rows, key=lambda i: _village_point(page, i)[0])
        page.mouse.move(*_village_point(page, row))
        tooltip = page.locator(".leaflet-tooltip").inner_text()
        assert plan.villages["name"].iloc[row] in tooltip and "min" in tooltip
        page.mouse.click(*_village_point(page, row))
        assert page.locator(".jd-editor-selected").inner_text().startswith(plan.villages["name"].iloc[row])
        before = page.evaluate(f"{API}.figures()")
        page.locator(".jd-editor-centre:not([disabled])").first.click()  # the nearest other centre
        after = assert_figures_match(page, plan, graph)
        assert after != before and after["moved"] == 1
        page.keyboard.press("Control+z")
        assert same_figures(page.evaluate(f"{API}.figures()"), before)
        page.keyboard.press("Control+y")
        assert same_figures(page.evaluate(f"{API}.figures()"), after)
        page.locator(".jd-editor-undo").click()
        assert same_figures(page.evaluate(f"{API}.figures()"), before)
        assert page.locator(".jd-editor-undo").is_disabled()
        page.locator(".jd-editor-redo").click()
        assert same_figures(page.evaluate(f"{API}.figures()"), after)
        # Shift + drag a box over the left part of the county: several villages selected
        x, y = _village_point(page, row)
        page.keyboard.down("Shift")
        page.mouse.move(x - 5, y - 60)
        page.mouse.down()
        page.mouse.move(x + 80, y + 20, steps=4)
        page.mouse.move(x + 120, y + 60, steps=4)
        page.mouse.up()
        page.keyboard.up("Shift")
        boxed = page.evaluate(f"{API}.editor.selection.size")
        assert boxed > 1, boxed
        assert f"villages selected: {boxed};" in page.locator(".jd-editor-selected").inner_text()
        page.keyboard.press("Escape")
        assert page.evaluate(f"{API}.editor.selection.size") == 0
        page.evaluate(f"{API}.move({str(plan.villages['village_id'].iloc[1])!r}, "
                      f"{str(plan.districts['centre'].iloc[-1])!r})")

        with page.expect_download() as download:
            page.locator(".jd-editor-download").click()
        raw = download.value.path().read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and download.value.suggested_filename == "pins.csv"
        table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assignment = page.evaluate(f"{API}.assignment()")
        plan_centre = dict(zip(plan.villages["village_id"].astype(str), plan.villages["centre"].astype(str)))
        moved = {v: c for v, c in assignment.items() if c != plan_centre[v]}
        assert table and list(table[0]) == ["village_id", "station_id", "locked"]
        assert {r["village_id"]: r["station_id"] for r in table} == moved
        assert {r["locked"] for r in table} == {"true"}
        assert page.outside == [] and page.problems == []
    finally:
        page.close()


def test_names_with_markup_stay_text(county, county_page):
    plan, _ = county
    page = county_page
    page.evaluate(f"{API}.setAdjust(true)")
    page.evaluate(f"{API}.select([{str(plan.villages['village_id'].iloc[0])!r}])")
    panel = page.locator(".jd-editor")
    assert HOSTILE_VILLAGE in page.locator(".jd-editor-selected").inner_text()
    assert HOSTILE_CENTRE in panel.inner_text()
    assert page.locator(".jd-editor script, .jd-editor-name b, .jd-editor-centre b").count() == 0
    assert not page.evaluate("Array.from(document.scripts).some(s => s.textContent.includes(\"<script>alert('\"))")
    page.evaluate(f"{API}.select([])")
    assert page.problems == []


@pytest.fixture(scope="module")
def dianjiang():
    """The demo's plan and its village adjacency."""
    example = load_example("dianjiang")
    plan = pipeline_plan(example.villages, example.stations, example.roads, read_scenario(DEMO_SCENARIO),
                         example.jurisdictions)
    return plan, village_graph(plan)


def test_dianjiang_edits_match_python_with_screenshots(browser, dianjiang, tmp_path):
    plan, graph = dianjiang
    page = open_map(browser, plan_map(plan, tmp_path / "plan.html", tiles="none"))
    try:
        assert_figures_match(page, plan, graph)
        page.evaluate(f"{API}.setAdjust(true)")
        # a village inside a district, moved to the farthest centre: its new district falls apart
        centres = plan.districts["centre"].astype(str).tolist()
        village = str(plan.villages["village_id"].iloc[150])
        far = max(centres, key=lambda c: plan.travel_times.loc[village, c])
        page.evaluate(f"""() => {{
            const ed = {API}.editor;
            ed.select([{village!r}]);
            ed.map.setView(ed.layers[ed.rowOf({village!r})].getBounds().getCenter(), 12, {{animate: false}});
        }}""")
        page.wait_for_timeout(200)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "editor_before.png"))
        page.locator(f'.jd-editor-centre[data-centre="{far}"]').click()
        shown = assert_figures_match(page, plan, graph)
        assert shown["moved"] == 1 and shown["disconnected"] >= 1
        assert page.locator(".jd-editor-bad-row").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "editor_after.png"))
        rng = np.random.default_rng(7)
        for _ in range(5):
            page.evaluate(f"([v, c]) => {API}.move(v, c)",
                          [str(rng.choice(plan.villages["village_id"].astype(str))), str(rng.choice(centres))])
            assert_figures_match(page, plan, graph)
        assert page.problems == []
    finally:
        page.close()


def test_downloaded_pins_replan_dianjiang(request, tmp_path, capsys):
    """Done when of issue 18: a village moved in the editor stays where it was put by ``plan --pins``."""
    from jurisdiction.cli import main

    browser = request.getfixturevalue("browser")
    plan, graph = request.getfixturevalue("dianjiang")
    ids = plan.villages["village_id"].astype(str).tolist()
    centre = plan.villages["centre"].astype(str).tolist()
    # a village on a district border with no station in it (a station keeps the village it stands
    # in: `plan --pins` refuses to move that one, naming it), moved to its neighbour's centre
    # without breaking a rule
    stations = plan.stations[["geometry"]].to_crs(plan.villages.crs)
    with_station = set(gpd.sjoin(plan.villages[["village_id", "geometry"]], stations, predicate="contains")
                       ["village_id"].astype(str))
    candidates = sorted(
        ((float(plan.travel_times.loc[ids[i], centre[j]]), ids[i], centre[j])
         for i, j in zip(*graph.nonzero()) if centre[i] != centre[j] and ids[i] not in with_station),
    )
    village, target = next((v, c) for _, v, c in candidates
                           if adjusted_figures(plan, {v: c}, adjacency=graph)[1] == {
                               "beyond_limit": 0, "split_villages": 0, "disconnected": 0})
    page = open_map(browser, plan_map(plan, tmp_path / "plan.html", tiles="none"))
    try:
        page.evaluate(f"([v, c]) => {API}.move(v, c)", [village, target])
        page.evaluate(f"{API}.setAdjust(true)")
        with page.expect_download() as download:
            page.locator(".jd-editor-download").click()
        pins = tmp_path / "pins.csv"
        download.value.save_as(pins)
    finally:
        page.close()
    assert main(["plan", str(DEMO_SCENARIO), "--pins", str(pins), "--out", str(tmp_path / "pinned"), "--quiet"]) == 0
    villages = gpd.read_file(tmp_path / "pinned" / "plan.gpkg", layer="villages")  # machine column names
    assert dict(zip(villages["village_id"].astype(str), villages["centre"].astype(str), strict=True))[village] == target
    capsys.readouterr()
