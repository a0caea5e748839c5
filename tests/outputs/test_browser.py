"""The plan map in headless Chromium (Debian's /usr/bin/chromium, driven by playwright), offline.

Every request that is not ``file:`` or ``data:`` is aborted, so base tiles fail to load (as
they do offline) and the test proves the map needs nothing else. Checks: no JavaScript error
or dialog, the layer control lists the overlays, the legend is shown, the district polygons
are drawn, every popup shows the hostile village name as text. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jurisdiction.outputs.maps import LABELS, current_map, plan_map
from tests.support.plans import HOSTILE, make_plan

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (Debian package chromium)")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)

    def dialog(d):
        problems.append(f"dialog: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    page.outside = []  # requests that would leave the machine (aborted)

    def route(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-control-layers")
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")  # fitBounds animation done
    page.wait_for_timeout(300)
    return page, problems


@pytest.mark.parametrize("tiles", ["openstreetmap", "none", "amap"])
def test_plan_map_in_chromium(browser, tmp_path, tiles):
    path = plan_map(make_plan(), tmp_path / "plan.html", tiles=tiles)
    page, problems = _open(browser, path)
    try:
        labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
        zh = LABELS["zh"]
        for key in ("plan", "current", "split", "villages", "stations", "bundles"):
            assert zh[key] in labels, key
        assert zh["isochrone"].format(m=10) in labels
        legend = page.locator("#jd-legend")
        assert legend.is_visible() and "图例" in legend.inner_text() and "城关派出所" in legend.inner_text()
        # two plan districts drawn as SVG paths, plus the bundle line
        assert page.locator("path.leaflet-interactive").count() == 3
        hosts = {"openstreetmap": "tile.openstreetmap.org", "amap": "is.autonavi.com"}
        if tiles == "none":
            assert page.outside == []  # nothing at all is fetched from the network
        else:
            assert page.outside and all(hosts[tiles] in url for url in page.outside), page.outside[:3]
        ARTIFACTS.mkdir(exist_ok=True)
        if tiles == "openstreetmap":
            page.screenshot(path=str(ARTIFACTS / "plan_map.png"))

        # every overlay on, then open every popup: the hostile name must show as text
        for box in page.locator(".leaflet-control-layers-overlays input[type=checkbox]").all():
            if not box.is_checked():
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
        assert any(HOSTILE in t for t in texts), f"the hostile village name is not shown as text: {texts[:8]}"
        assert page.locator('img[src="x"]').count() == 0
        assert page.locator("path.leaflet-interactive").count() > 3 + 6  # districts before/after, villages, isochrones
        if tiles == "openstreetmap":
            page.screenshot(path=str(ARTIFACTS / "plan_map_all_layers.png"))
        assert problems == []
    finally:
        page.close()


def test_current_map_in_chromium(browser, tmp_path):
    path = current_map(make_plan(), tmp_path / "current.html", tiles="none", language="en")
    page, problems = _open(browser, path)
    try:
        labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
        assert LABELS["en"]["current"] in labels and LABELS["en"]["split"] in labels
        assert "Legend" in page.locator("#jd-legend").inner_text()
        # three current districts and two pieces of the split village 东庄村
        assert page.locator("path.leaflet-interactive").count() == 5
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "current_map.png"))
        assert problems == []
    finally:
        page.close()


def test_browser_test_would_see_a_javascript_error(browser, tmp_path):
    """The listeners do catch errors: a page that throws is reported."""
    path = tmp_path / "broken.html"
    path.write_text(plan_map(make_plan(), tmp_path / "ok.html", tiles="none").read_text(encoding="utf-8")
                    .replace("</body>", "<script>undefinedFunction();</script></body>", 1), encoding="utf-8")
    page, problems = _open(browser, path)
    page.close()
    assert any("undefinedFunction" in p for p in problems), problems

