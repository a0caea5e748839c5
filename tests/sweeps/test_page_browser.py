"""The sweep's index page in headless Chromium, offline: no JavaScript error, a working link to every plan.

Launched as ``tests/outputs/test_browser.py`` does; every request that is not ``file:`` is
aborted. The screenshot goes to ``test-artifacts/sweep_index.png``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from jurisdiction.cli import main
from jurisdiction.outputs.files import CSV_ENCODING
from tests.support.browser import ARTIFACTS
from tests.sweeps.test_cli_sweep import SCENARIO


@pytest.fixture(scope="module")
def swept(tmp_path_factory, county):
    folder = tmp_path_factory.mktemp("page")
    for layer in ("villages", "stations", "jurisdictions", "roads"):
        getattr(county, layer).to_file(folder / "county.gpkg", layer=layer, driver="GPKG")
    (folder / "county.toml").write_text(SCENARIO.format(name="<img src=x onerror=alert(1)>"), encoding="utf-8")
    out = folder / "out"
    assert main(["sweep", str(folder / "county.toml"), "--centres", "2:4", "--limit", "12,40", "--balance",
                 "none,0.3", "--serial", "--out", str(out), "--quiet"]) == 0
    return out


def test_the_page_opens_without_errors_and_links_every_plan(swept, browser):
    table = pd.read_csv(swept / "sweep.csv", encoding=CSV_ENCODING, keep_default_na=False)
    planned = table[table["status"].isin(["optimal", "feasible"])]
    assert len(planned) and len(planned) < len(table)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else (problems.append(f"outside: {route.request.url}"), route.abort()))
    page.goto((swept / "index.html").as_uri())
    links = page.eval_on_selector_all(  # SVG links too, resolved as the browser would
        "a", "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)")
    maps = {Path(unquote(link.removeprefix("file://"))) for link in links if link.endswith("plan_map.html")}
    assert maps == {swept / run / "plan_map.html" for run in planned["run"]}
    assert all(path.is_file() for path in maps)
    # Three panels, a point per run in each; a cross for each run without a plan.
    assert page.locator("svg [data-run]").count() == 3 * len(table)
    page.hover(f'a.pt[data-run="{planned["run"].iloc[0]}"]')
    assert page.locator("tr.on").count() == 1
    page.check("#pareto-only")
    dominated = int((~table["pareto"]).sum())
    assert page.locator('svg .pt.hidden').count() == 3 * dominated
    page.uncheck("#pareto-only")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sweep_index.png"), full_page=True)
    page.close()
    assert problems == []
