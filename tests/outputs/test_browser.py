"""The maps in headless Chromium (Debian's /usr/bin/chromium, driven by playwright), offline.

Every request that is not ``file:`` or ``data:`` is recorded and aborted, so base tiles fail
to load (as they do offline) and the tests prove the default map asks for nothing else.
Checks on the Dianjiang demo plan, read from the rendered page: one name label per district,
as many distinct fill colours as districts, the before/after view (two synchronised panes, the
"before" outline-only), one centre's isochrones at a time, the legend inside the window, the
print view on one A3 page with its title, no JavaScript error. On the small test plan: every
popup shows a hostile name as text, tile requests go only to the chosen server. Screenshots
go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jurisdiction.outputs.maps import LABELS, current_map, plan_map
from tests.support.browser import ARTIFACTS
from tests.support.plans import HOSTILE, make_plan

sync_api = pytest.importorskip("playwright.sync_api")

VIEW = {"width": 1400, "height": 1000}

@pytest.fixture(scope="module")
def dianjiang(tmp_path_factory):
    """The demo's plan (Dianjiang, 26 stations -> 17, about 5 s) and its two maps, default base map."""
    from jurisdiction.cli.commands import DEMO_SCENARIO
    from jurisdiction.inputs.example import load_example
    from jurisdiction.pipeline import plan
    from jurisdiction.scenario.document import read_scenario

    scenario = read_scenario(DEMO_SCENARIO)
    example = load_example("dianjiang")
    result = plan(example.villages, example.stations, example.roads, scenario, example.jurisdictions,
                  attribution=example.attribution)
    folder = tmp_path_factory.mktemp("dianjiang")
    return result, plan_map(result, folder / "plan_map.html"), current_map(result, folder / "current_map.html")


def _open(browser, path: Path, viewport: dict | None = None):
    page = browser.new_page(viewport=viewport or VIEW)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)

    def dialog(d):
        problems.append(f"dialog: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    page.requested = []  # every URL the page asks for
    page.on("request", lambda request: page.requested.append(request.url))
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


def _fills(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('fill'))")


def _shot(page, name: str, **options) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), **options)


def test_dianjiang_plan_map(browser, dianjiang):
    plan, path, _ = dianjiang
    n = len(plan.districts)
    page, problems = _open(browser, path)
    try:
        names = page.locator(".jd-label").all_text_contents()
        assert sorted(names) == sorted(plan.districts["name"])  # one label per district, its centre's name
        shown = page.evaluate("[...document.querySelectorAll('.jd-label')]"
                              ".filter(e => e.style.visibility !== 'hidden').length")
        assert shown >= n - 3, f"only {shown} of {n} names readable at county zoom"
        fills = _fills(page, "path.jd-district")
        assert len(fills) == n and len(set(fills)) == n  # a colour per district
        # nothing asked for beyond the file itself and inlined data
        assert page.outside == [] and all(u.startswith(("file:", "data:")) for u in page.requested)
        # the legend and the isochrone picker fit in the window; the credit leaves the scale bar free
        legend = page.locator(".jd-legend").bounding_box()
        assert legend["y"] + legend["height"] <= VIEW["height"]
        scale = page.locator(".leaflet-control-scale").bounding_box()
        credit = page.locator(".leaflet-control-attribution").bounding_box()
        assert scale["x"] + scale["width"] < credit["x"] or credit["y"] + credit["height"] < scale["y"]
        assert page.locator(".jd-north svg").is_visible() and page.locator(".jd-print-button").is_visible()
        _shot(page, "plan_map.png")
        outline = page.eval_on_selector("path.jd-district", """e => { e.setAttribute('tabindex', '0'); e.focus();
            return document.activeElement === e ? getComputedStyle(e).outlineStyle : 'not focused'; }""")
        assert outline == "none"  # no black box around a clicked district

        # a district's popup: translated labels, counts without ".0"
        page.evaluate("""() => { const map = jd.maps[0]; map.eachLayer(l => {
            if (l.feature && l.options.className === 'jd-district' && !window.done) {
                l.openPopup(); window.done = true; } }); }""")
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert "人口" in popup and "最长时间（分钟）" in popup and "road_km" not in popup
        counts = dict(line.split("\t") for line in popup.splitlines()[1:] if "\t" in line)
        for key in ("村数", "人口", "警情", "警力", "需要警力"):
            assert re.fullmatch(r"\d{1,3}(,\d{3})*", counts[key]), (key, counts[key])
        assert re.fullmatch(r"\d+\.\d", counts["最长时间（分钟）"])

        page.evaluate("jd.maps[0].closePopup(); jd.maps[0].eachLayer(l => l.closeTooltip && l.closeTooltip())")
        # one station's isochrones: bands appear, district fills fade
        option = page.locator(".jd-bands select option").nth(1).get_attribute("value")
        page.select_option(".jd-bands select", option)
        page.wait_for_timeout(200)
        assert page.locator("path.jd-band").count() == len(plan.scenario.isochrones)
        assert page.locator(".jd-band-legend").is_visible()
        opacity = page.eval_on_selector("path.jd-district", "e => e.getAttribute('fill-opacity')")
        assert float(opacity) < 0.2
        _shot(page, "plan_map_isochrones.png")
        assert problems == []
    finally:
        page.close()


def test_dianjiang_before_after_view(browser, dianjiang):
    plan, _, path = dianjiang
    page, problems = _open(browser, path)
    try:
        assert page.locator(".folium-map").count() == 2
        left, right = page.locator(".folium-map").all()
        assert left.bounding_box()["x"] < right.bounding_box()["x"]  # side by side
        before = left.locator("path.jd-district-before")
        assert before.count() == len(plan.current_districts)
        assert set(before.evaluate_all("els => els.map(e => e.getAttribute('fill-opacity'))")) == {"0"}
        assert right.locator("path.jd-district").count() == len(plan.districts)
        assert left.locator(".jd-label").count() == len(plan.current_districts)
        assert right.locator(".jd-label").count() == len(plan.districts)
        assert left.locator(".jd-pane-title").inner_text().startswith("调整前")
        assert page.outside == [] and problems == []
        _shot(page, "before_after.png")
        # the panes follow each other
        page.evaluate("jd.maps[0].setZoom(jd.maps[0].getZoom() + 1, {animate: false})")
        page.wait_for_timeout(200)
        zooms = page.evaluate("jd.maps.map(m => m.getZoom())")
        assert zooms[0] == zooms[1]
        centres = page.evaluate("jd.maps.map(m => [m.getCenter().lat, m.getCenter().lng])")
        assert centres[0] == pytest.approx(centres[1], abs=1e-6)
    finally:
        page.close()


def test_dianjiang_print_view_is_one_a3_page(browser, dianjiang):
    plan, path, _ = dianjiang
    page, problems = _open(browser, path)
    try:
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")  # as the browser does on printing
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.classList.contains('jd-print')")
        title = page.locator(".jd-header h1").inner_text()
        assert plan.scenario.name in title and "派出所辖区调整方案" in title
        assert page.locator(".jd-header .jd-date").inner_text().startswith("制图日期")
        assert "26 所 → 17 所" in page.locator(".jd-figures").inner_text()
        for hidden in (".leaflet-control-zoom", ".leaflet-control-layers", ".jd-print-button"):
            assert not page.locator(hidden).first.is_visible(), hidden
        for shown in (".jd-legend", ".leaflet-control-scale", ".jd-north", ".leaflet-control-attribution"):
            assert page.locator(shown).first.is_visible(), shown
        size = page.evaluate("[jd.maps[0].getSize().x, jd.maps[0].getSize().y]")
        assert size[0] > 1400 and size[1] > 900  # the map fills the A3 page, not the screen's size
        _shot(page, "plan_map_print.png", full_page=True)
        pdf = page.pdf(format="A3", landscape=True, print_background=True)
        (ARTIFACTS / "plan_map_print.pdf").write_bytes(pdf)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
        assert problems == []
    finally:
        page.close()
    page, problems = _open(browser, dianjiang[2])  # the before/after view prints on one page too
    try:
        # printing itself (page.pdf) fires `beforeprint`: the panes are at their print size then
        page.evaluate("window.seen = []; window.addEventListener('beforeprint', "
                      "() => window.seen.push(jd.maps.map(m => m.getSize().x)))")
        pdf = page.pdf(format="A3", landscape=True, print_background=True)
        (ARTIFACTS / "before_after_print.pdf").write_bytes(pdf)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1 and problems == []
        sizes = page.evaluate("window.seen")[0]
        assert len(sizes) == 2 and min(sizes) > 750  # half of A3 at 96 dpi, not half the screen
        assert not page.evaluate("document.documentElement.classList.contains('jd-print')")  # afterprint
    finally:
        page.close()
    viewer = browser.new_page(viewport=VIEW)  # the PDF as Chromium's viewer shows it, to look at
    try:
        viewer.goto((ARTIFACTS / "plan_map_print.pdf").as_uri())
        viewer.wait_for_timeout(1500)
        _shot(viewer, "plan_map_print_pdf.png")
    except sync_api.Error:
        pass  # a Chromium without its PDF viewer: the PDF itself is the artifact
    finally:
        viewer.close()


@pytest.mark.parametrize("tiles", ["none", "openstreetmap", "amap"])
def test_plan_map_in_chromium(browser, tmp_path, tiles):
    path = plan_map(make_plan(), tmp_path / "plan.html", tiles=tiles)
    page, problems = _open(browser, path)
    try:
        labels = [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
        zh = LABELS["zh"]
        for key in ("plan", "current", "split_before", "villages", "stations", "bundles", "labels"):
            assert zh[key] in labels, key
        legend = page.locator(".jd-legend")
        assert legend.is_visible() and "图例" in legend.inner_text() and "城关派出所" in legend.inner_text()
        assert page.locator("path.jd-district").count() == 2
        hosts = {"openstreetmap": "tile.openstreetmap.org", "amap": "is.autonavi.com"}
        if tiles == "none":
            assert page.outside == []  # nothing at all is fetched from the network
        else:
            assert page.outside and all(hosts[tiles] in url for url in page.outside), page.outside[:3]

        # every overlay on, then open every popup: the hostile name must show as text
        for box in page.locator(".leaflet-control-layers-overlays input[type=checkbox]").all():
            if not box.is_checked():
                box.check()
        texts = page.evaluate("""() => {
            const seen = [];
            jd.maps[0].eachLayer(layer => {
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
        assert problems == []
    finally:
        page.close()


def test_a_station_named_script_stays_text_in_the_labels(browser, tmp_path):
    plan = make_plan()
    hostile = "<script>alert(1)</script>"
    plan.stations.loc[plan.stations["station_id"] == "S1", "name"] = hostile
    plan.districts.loc[plan.districts["centre"] == "S1", "name"] = hostile
    plan.current_districts.loc[plan.current_districts["station_id"] == "S1", "name"] = hostile
    for path in (plan_map(plan, tmp_path / "plan.html"), current_map(plan, tmp_path / "both.html")):
        page, problems = _open(browser, path)
        try:
            assert hostile in page.locator(".jd-label").all_text_contents()
            assert problems == []  # no alert dialog, no error
        finally:
            page.close()


def test_browser_test_would_see_a_javascript_error(browser, tmp_path):
    """The listeners do catch errors: a page that throws is reported."""
    path = tmp_path / "broken.html"
    path.write_text(plan_map(make_plan(), tmp_path / "ok.html").read_text(encoding="utf-8")
                    .replace("</body>", "<script>undefinedFunction();</script></body>", 1), encoding="utf-8")
    page, problems = _open(browser, path)
    page.close()
    assert any("undefinedFunction" in p for p in problems), problems
