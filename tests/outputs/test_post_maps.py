"""The posts map: offline (no tile server, nothing fetched), names from data escaped, drawn in Chromium."""

from __future__ import annotations

import html
import json
import re

import pytest

from jurisdiction import Scenario
from jurisdiction.outputs.map_assets import leaflet_assets
from jurisdiction.outputs.post_maps import LABELS, posts_map
from jurisdiction.patrol import place_posts
from tests.support import files
from tests.support.browser import ARTIFACTS
from tests.support.plans import HOSTILE


@pytest.fixture(scope="module")
def placement():
    """Posts in the six-village county, a village and a site named with markup."""
    villages = files.villages(name=[HOSTILE, *files.NAMES[1:]])
    sites = files.stations(name=["岗亭<b>1</b>", HOSTILE]).rename(columns={"station_id": "site_id"})
    return place_posts(villages, files.roads(), Scenario(centres=1), minutes=[1.5, 3], k=[1, 2], sites=sites,
                       attribution="Roads: <script>alert(2)</script> test data")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_map_is_offline_and_escapes_names(placement, tmp_path, language):
    page = posts_map(placement, tmp_path / "map.html", language=language).read_text(encoding="utf-8")
    assert HOSTILE not in page and "<script>alert(2)" not in page and "岗亭<b>1</b>" not in page
    assert html.escape(HOSTILE) in page or html.escape(HOSTILE).replace("&", "\\u0026") in page
    # no tile layer, no script or style fetched: Leaflet is inlined
    assert "L.tileLayer" not in page and "Leaflet 1.9.4" in page
    js, css = leaflet_assets()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.replace(js, "").replace(css, ""))
    for row in placement.coverage.itertuples():
        name = html.escape(LABELS[language]["run"].format(t=row.minutes, posts=row.posts, share=row.share))
        assert json.dumps(name) in page  # the layer control's entry for the run


def test_the_map_in_chromium(placement, tmp_path, browser):
    path = posts_map(placement, tmp_path / "posts_map.html")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        problems, outside = [], []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))

        def route(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.wait_for_selector(".leaflet-control-layers")
        page.wait_for_timeout(300)
        labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
        assert labels[0] == LABELS["zh"]["roads"] and len(labels) == 1 + len(placement.coverage)
        assert "图例" in page.locator("#jd-legend").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "posts_map.png"))
        for box in page.locator(".leaflet-control-layers-overlays input[type=checkbox]").all():
            box.check()
        texts = page.evaluate("""() => {
            const map = window[document.querySelector('.folium-map').id];
            const seen = [];
            map.eachLayer(layer => {
                if (layer.getPopup && layer.getPopup() && !layer.getLayers) {
                    layer.openPopup();
                    const box = layer.getPopup().getElement();
                    if (box) seen.push(box.querySelector('.leaflet-popup-content').textContent);
                }
            });
            return seen;
        }""")
        assert any(HOSTILE in t for t in texts) and any("岗亭<b>1</b>" in t for t in texts), texts[:6]
        assert page.locator('img[src="x"]').count() == 0 and page.locator("b:text-is('1')").count() == 0
        assert outside == [] and problems == []
    finally:
        page.close()
