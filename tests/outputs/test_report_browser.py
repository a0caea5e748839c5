"""The report of the Dianjiang demo plan in headless Chromium at 1400x1000, as a leader opens it.

Checks from the rendered page: the key figures, the composition, the solver's verdict and the map
picture are all on the first screen; nothing overflows sideways (no card, no page); names in
tables stay on one line; the pictures decode. Screenshots of the first screen (Chinese and
English) go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest

from jurisdiction.outputs.report import write_report
from tests.support.browser import ARTIFACTS
from tests.support.dianjiang import dianjiang_plan

sync_api = pytest.importorskip("playwright.sync_api")

SCREEN = {"width": 1400, "height": 1000}

@pytest.mark.parametrize("language", ["zh", "en"])
def test_report_first_screen_in_chromium(browser, tmp_path, language):
    path = write_report(dianjiang_plan(), tmp_path / "report.html", language=language)
    page = browser.new_page(viewport=SCREEN)
    outside: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else (outside.append(route.request.url), route.abort()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert outside == []

    cards = page.locator(".card")
    assert cards.count() == 6
    for i in range(cards.count()):
        box = cards.nth(i).bounding_box()
        assert box["y"] + box["height"] <= SCREEN["height"], f"card {i} below the first screen"
    assert page.evaluate("[...document.querySelectorAll('.card')].every(c => c.scrollWidth <= c.clientWidth)")
    # each figure and each note on one line: nothing in a card is broken mid-phrase
    lines = page.evaluate("[...document.querySelectorAll('.card .big, .card .note, .card .label')]"
                          ".map(e => e.getClientRects().length === 1 && e.getBoundingClientRect().height"
                          " < 1.6 * parseFloat(getComputedStyle(e).fontSize) * 1.3)")
    assert all(lines), lines
    lead = page.locator(".lead").bounding_box()
    assert lead["y"] + lead["height"] <= SCREEN["height"]
    picture = page.locator(".top figure img")
    box = picture.bounding_box()
    assert box["y"] < SCREEN["height"] / 2 and box["width"] > 400  # the map is on the first screen
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    # a name never wraps: every name cell is one line high
    heights = page.evaluate("[...document.querySelectorAll('td.name')].map(td => td.getBoundingClientRect().height)")
    assert heights and max(heights) < 2 * min(heights)
    text = page.locator(".top").inner_text()
    assert ("26 所 → 17 所" if language == "zh" else "26 → 17") in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report_first_screen_{language}.png"))
    page.close()
