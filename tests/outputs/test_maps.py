"""HTML maps: self-contained, escaped, layers and legend present, base maps, Amap shift, colours."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.base_maps import TILE_SOURCES
from jurisdiction.outputs.map_layers import draw_layer
from jurisdiction.outputs.map_words import cell, column_label, labels_for
from jurisdiction.outputs.maps import LABELS, current_map, plan_map
from jurisdiction.outputs.palette import station_colours
from jurisdiction.scenario.settings import TILES, Scenario
from tests.support.plans import assert_only_escaped, make_plan


def shows(page: str, label: str) -> bool:
    """Whether ``label`` is in the page, as HTML text or inside a JSON string of the script."""
    return label in page or json.dumps(label)[1:-1] in page


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    plan = make_plan()
    return {
        "plan": plan_map(plan, folder / "plan.html", tiles="openstreetmap").read_text(encoding="utf-8"),
        "current": current_map(plan, folder / "current.html", tiles="none", language="en").read_text(encoding="utf-8"),
        "amap": plan_map(plan, folder / "amap.html", tiles="amap").read_text(encoding="utf-8"),
    }


def test_map_is_self_contained(pages):
    for page in pages.values():
        assert 'charset=UTF-8' in page or 'charset="utf-8"' in page.lower()
        assert not re.search(r"<script[^>]+src=", page), "a script is loaded from elsewhere"
        assert not re.search(r"<link[^>]+href=", page), "a stylesheet is loaded from elsewhere"
        assert "cdn.jsdelivr" not in page and "code.jquery" not in page and "Leaflet 1.9.4" in page


def test_names_are_escaped_everywhere(pages):
    for name, page in pages.items():
        if name != "current":  # the before/after view names no village (only districts and stations)
            assert_only_escaped(page)
        assert "&lt;b&gt;&amp;&lt;/b&gt;" in page or "\\u0026lt;b\\u0026gt;" in page
        assert "<script>alert(2)" not in page and "\\u003cscript\\u003ealert(2)" not in page
        assert "<b>&</b>" not in page  # a station name with markup stays text


def test_plan_map_has_layers_legend_and_attribution(pages):
    page = pages["plan"]
    zh = LABELS["zh"]
    for key in ("plan", "current", "split_before", "villages", "stations", "bundles", "roads", "labels", "bands_for"):
        assert shows(page, zh[key]), key
    for minutes in (5, 10, 15):
        assert shows(page, zh["isochrone"].format(m=minutes))
    assert "jd-legend" in page and shows(page, "城关派出所") and shows(page, "★")
    assert "addAttribution" in page and "OpenStreetMap" in page
    assert "tile.openstreetmap.org" in page and '"referrerPolicy": "strict-origin-when-cross-origin"' in page
    assert page.count("L.polyline") == 1  # one bundle line: 北关 -> 城关
    assert "@page { size: A3 landscape" in page and "jd-print-button" in page


def test_current_map_in_english_without_tiles(pages):
    page = pages["current"]
    en = LABELS["en"]
    assert shows(page, en["current"]) and shows(page, en["split"]) and shows(page, en["plan"])  # both panes
    assert shows(page, en["before_pane"].format(n=3)) and shows(page, en["after_pane"].format(n=2))
    assert page.count("= L.map(") == 2 and "jd.sync(" in page
    assert "tile.openstreetmap.org" not in page and "autonavi" not in page
    assert 'lang="en"' in page


def test_amap_tiles_and_overlays_shifted_to_gcj02(pages):
    assert "webrd0{s}.is.autonavi.com" in pages["amap"] and shows(pages["amap"], "© 高德地图")
    plan = make_plan()
    wgs = plan.villages.total_bounds
    gcj = draw_layer(plan.villages, "amap").total_bounds
    shift = gcj - wgs  # degrees; GCJ-02 moves points in Chongqing by a few hundred metres
    assert np.all(np.abs(shift) > 1e-4) and np.all(np.abs(shift) < 1e-2)
    assert np.allclose(draw_layer(plan.villages, "openstreetmap").total_bounds, wgs)


def test_point_villages_and_projected_input(tmp_path):
    plan = make_plan(points=True)
    plan.villages = plan.villages.to_crs(32648)
    page = plan_map(plan, tmp_path / "m.html", tiles="none").read_text(encoding="utf-8")
    assert "new L.CircleMarker" in page  # point villages drawn as circles, not image markers
    assert_only_escaped(page)


def test_unknown_tiles_or_language_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="tiles"):
        plan_map(make_plan(), tmp_path / "m.html", tiles="google")
    with pytest.raises(ScenarioError, match="language"):
        current_map(make_plan(), tmp_path / "m.html", language="fr")
    assert not (tmp_path / "m.html").exists()


def test_every_tile_choice_has_a_source_and_the_default_fetches_nothing(tmp_path):
    assert tuple(TILE_SOURCES) == TILES and TILES[0] == "none" == Scenario(centres=1).tiles
    page = plan_map(make_plan(), tmp_path / "m.html").read_text(encoding="utf-8")
    assert "L.tileLayer" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_tianditu_needs_a_key_and_takes_it_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    for tiles in ("tianditu-vector", "tianditu-imagery"):
        with pytest.raises(ScenarioError, match="outputs.tianditu_key.*TIANDITU_KEY"):
            plan_map(make_plan(), tmp_path / "m.html", tiles=tiles)
        with pytest.raises(ScenarioError, match="outputs.tianditu_key"):
            Scenario(centres=2, tiles=tiles)
    assert not (tmp_path / "m.html").exists()
    monkeypatch.setenv("TIANDITU_KEY", "0123abcdEnvKey")
    page = plan_map(make_plan(), tmp_path / "m.html", tiles="tianditu-vector").read_text(encoding="utf-8")
    assert "t{s}.tianditu.gov.cn/vec_w/wmts" in page and "t{s}.tianditu.gov.cn/cva_w/wmts" in page
    assert page.count("tk=0123abcdEnvKey") == 2 and '"subdomains": "01234567"' in page
    assert shows(page, "© 国家地理信息公共服务平台 天地图")
    page = current_map(make_plan(), tmp_path / "c.html", tiles="tianditu-imagery",
                       tianditu_key="ScenarioKey9").read_text(encoding="utf-8")
    assert "img_w/wmts" in page and "cia_w/wmts" in page and "tk=ScenarioKey9" in page
    scenario = Scenario(centres=2, tiles="tianditu-vector", tianditu_key="SecretKey1")
    assert "SecretKey1" not in repr(scenario)  # nor in metrics.json: files.scenario_settings skips it
    with pytest.raises(ScenarioError, match="tianditu_key"):
        Scenario(centres=2, tiles="tianditu-vector", tianditu_key="key&callback=x")


def test_district_colours_follow_the_station_palette(pages):
    plan = make_plan()
    colours = station_colours(plan.stations["station_id"])
    for page in (pages["plan"], pages["current"]):
        for sid in ("S1", "S3"):
            assert f'"fillColor": "{colours[sid]}"' in page or f'"color": "{colours[sid]}"' in page


def test_popup_numbers_and_labels(tmp_path):
    zh, en = labels_for("zh"), labels_for("en")
    assert cell("incidents", 202.0, zh) == "202" and cell("population", 12345, zh) == "12,345"
    assert cell("max_minutes", 12.0, zh) == "12.0" and cell("mean_minutes", 4.7759, zh) == "4.8"
    assert cell("share", 0.6, zh) == "60%" and cell("minutes", float("inf"), zh) == "∞"
    assert cell("moved", True, zh) == "是" and cell("moved", False, en) == "no"
    assert cell("kind", "urban", zh) == "城区" and cell("kind", "rural", en) == "rural"
    assert column_label("road_km_expressway", zh) == "高速公路（km）"
    assert column_label("road_km_county", en) == "county (km)" and column_label("villages", zh) == "村数"
    text = plan_map(make_plan(), tmp_path / "m.html").read_text(encoding="utf-8")
    assert shows(text, "县道（km）") and "road_km_county" not in text  # translated, not the raw column
    assert "\\u003ctd\\u003e18\\u003c/td\\u003e" in text and "18.0\\u003c" not in text  # a count


def test_uncovered_villages_are_flagged_for_covering_models(tmp_path):
    plan = make_plan()
    plan.scenario.objective, plan.scenario.limit = "max-covering", 10.0
    page = plan_map(plan, tmp_path / "m.html").read_text(encoding="utf-8")
    name = LABELS["zh"]["uncovered"].format(limit=10)
    assert shows(page, name) and shows(page, "高峰村: 11.0 分钟") and shows(page, "沙坪村: 12.5 分钟")
    assert not shows(page, "桂溪村: 9.0 分钟")
    plan.scenario.objective, plan.scenario.limit = "p-median", 15.0
    page = plan_map(plan, tmp_path / "m.html").read_text(encoding="utf-8")
    assert not shows(page, "沙坪村: 12.5 分钟") and not shows(page, name)  # all within 15 min: no flag


def test_the_command_line_refuses_tianditu_without_a_key_before_solving(tmp_path, monkeypatch, capsys):
    from jurisdiction.cli import main

    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    assert main(["demo", "--out", str(tmp_path / "out"), "--tiles", "tianditu-imagery", "--quiet"]) == 3
    assert "outputs.tianditu_key" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_key_figures_from_the_roles_and_metrics():
    from jurisdiction.outputs.map_frame import key_figures

    plan = make_plan()
    zh, en = labels_for("zh"), labels_for("en")
    assert key_figures(plan, zh) == ["3 所 → 2 所（1 个中心所 + 1 个保留所）+ 1 个警务室", "超出时限的村 0 个",
                                     "最长 12.5 分钟", "平均 7.1 分钟"]
    plan.stations["role"] = ["centre", "post", "centre"]
    assert key_figures(plan, en)[0] == "3 stations → 2 centres + 1 posts"
