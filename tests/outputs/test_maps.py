"""HTML maps: self-contained, escaped, layers and legend present, Amap shift, district colours."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.map_layers import district_colours, draw_layer
from jurisdiction.outputs.maps import LABELS, current_map, plan_map
from tests.support.plans import assert_only_escaped, make_plan


def shows(page: str, label: str) -> bool:
    """Whether ``label`` is in the page, as HTML text or inside a JSON string of the script."""
    return label in page or json.dumps(label)[1:-1] in page


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    plan = make_plan()
    return {
        "plan": plan_map(plan, folder / "plan.html").read_text(encoding="utf-8"),
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
    for page in pages.values():
        assert_only_escaped(page)
        assert "<script>alert(2)" not in page and "\\u003cscript\\u003ealert(2)" not in page
        assert "<b>&</b>" not in page  # a station name with markup stays text


def test_plan_map_has_layers_legend_and_attribution(pages):
    page = pages["plan"]
    zh = LABELS["zh"]
    for key in ("plan", "current", "split", "villages", "stations", "bundles", "roads"):
        assert shows(page, zh[key]), key
    for minutes in (5, 10, 15):
        assert shows(page, zh["isochrone"].format(m=minutes))
    assert 'id="jd-legend"' in page and "城关派出所" in page and "★" in page
    assert "addAttribution" in page and "OpenStreetMap" in page
    assert "tile.openstreetmap.org" in page
    assert page.count("L.polyline") == 1  # one bundle line: 北关 -> 城关


def test_current_map_in_english_without_tiles(pages):
    page = pages["current"]
    en = LABELS["en"]
    assert shows(page, en["current"]) and shows(page, en["split"]) and not shows(page, en["plan"])
    assert "tile.openstreetmap.org" not in page and "autonavi" not in page
    assert 'lang="en"' in page


def test_amap_tiles_and_overlays_shifted_to_gcj02(pages):
    assert "webrd0{s}.is.autonavi.com" in pages["amap"]
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


def _grid_districts(labels: list[int], width: int) -> gpd.GeoDataFrame:
    cells = gpd.GeoDataFrame({"district": labels},
                             geometry=[box(i % width, i // width, i % width + 1, i // width + 1)
                                       for i in range(len(labels))])
    return cells.dissolve(by="district").reset_index()


@settings(deadline=None, max_examples=25)
@given(st.integers(2, 5).flatmap(lambda w: st.tuples(
    st.just(w), st.lists(st.integers(0, 5), min_size=w * 3, max_size=w * 3))))
def test_neighbouring_districts_get_different_colours(case):
    width, labels = case
    districts = _grid_districts(labels, width)
    colours = district_colours(districts)
    assert len(colours) == len(districts)
    geoms = districts.geometry.values
    for i in range(len(districts)):
        for j in range(i + 1, len(districts)):
            if geoms[i].intersects(geoms[j]):
                assert colours[i] != colours[j]
