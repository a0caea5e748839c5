"""The plan map's editor: file size and time per move, Dianjiang (301 villages) and a 2,000-village county.

For each case the plan map (``tiles="none"``, so nothing is fetched) is written with the editor,
opened in headless Chromium (Debian's /usr/bin/chromium via playwright), the "adjust" mode
switched on, and the same seeded sequence of single-village moves (each village to one of its
three nearest centres) made twice: by the editor (the two districts a move touches recomputed,
the villages whose look changed restyled) and by the obvious baseline (every district recomputed,
every village restyled, the whole panel rewritten). Times are measured in the page with
``performance.now()``: around the ``move`` call ("script"), and from before the call to the next
painted frame ("to paint": style, layout and paint included).

Plans: Dianjiang by the demo scenario; the generated county (``generate_county(2, 2000, 100)``,
as ``benchmarks/generated_county.py`` ``large``) by a 30-centre p-median with a 20 s time limit;
its map carries the default isochrone bands (5, 10, 15, 30 min) as a user gets it.

Screenshots of the editor before and after the moves: ``test-artifacts/editor_<case>_before.png``
and ``_after.png``.

Usage: ``python benchmarks/editor.py [dianjiang] [county] [--moves 50] [--screenshots DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from jurisdiction.cli import DEMO_SCENARIO
from jurisdiction.inputs.example import load_example
from jurisdiction.outputs.maps import plan_map
from jurisdiction.pipeline import plan
from jurisdiction.scenario import read_scenario
from jurisdiction.scenario.settings import Scenario
from jurisdiction.synthetic.county import generate_county

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: Times one move in the page: [script ms, ms to the next painted frame].
MOVE = """async ([village, centre, full]) => {
    const t0 = performance.now();
    window.jurisdictionEditor.move(village, centre, {full: full});
    const t1 = performance.now();
    await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return [t1 - t0, performance.now() - t0];
}"""


def dianjiang_plan():
    example = load_example("dianjiang")
    return plan(example.villages, example.stations, example.roads, read_scenario(DEMO_SCENARIO),
                example.jurisdictions)


def county_plan():
    county = generate_county(2, 2000, 100)
    scenario = Scenario(name="county 2000", centres=30, time_limit=20.0)  # isochrones 5, 10, 15, 30 min
    return plan(county.villages, county.stations, county.roads, scenario, county.jurisdictions)


CASES = {"dianjiang": dianjiang_plan, "county": county_plan}


def moves(result, n: int, seed: int = 18) -> list[tuple[str, str]]:
    """``n`` seeded moves: a random village to one of its three nearest other centres."""
    rng = np.random.default_rng(seed)
    centres = result.districts["centre"].astype(str).tolist()
    times = result.travel_times[centres]
    out = []
    ids = result.villages["village_id"].astype(str).to_numpy()
    now = dict(zip(ids, result.villages["centre"].astype(str)))
    for village in rng.choice(ids, size=n, replace=False):
        nearest = [c for c in times.loc[village].sort_values().index if c != now[village]][:3]
        centre = str(rng.choice(nearest))
        now[village] = centre
        out.append((str(village), centre))
    return out


def measure(browser, path: Path, sequence: list[tuple[str, str]], full: bool,
            screenshots: str | None = None) -> tuple[list[float], list[float], float]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    t0 = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.jurisdictionEditor && window.jurisdictionEditor.editor")
    opened = time.perf_counter() - t0
    page.evaluate("window.jurisdictionEditor.setAdjust(true)")
    page.wait_for_timeout(300)
    if screenshots:
        page.screenshot(path=f"{screenshots}_before.png")
    script, paint = [], []
    for village, centre in sequence:
        s, p = page.evaluate(MOVE, [village, centre, full])
        script.append(s)
        paint.append(p)
    if screenshots:
        page.screenshot(path=f"{screenshots}_after.png")
    page.close()
    return script, paint, opened


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", default=list(CASES))
    ap.add_argument("--moves", type=int, default=50)
    ap.add_argument("--screenshots", default="test-artifacts",
                    help="folder for editor_<case>_before/after.png (the editor's run; '' for none)")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name in args.cases:
            t0 = time.perf_counter()
            result = CASES[name]()
            planned = time.perf_counter() - t0
            path = plan_map(result, Path(folder) / f"{name}.html", tiles="none")
            page = path.read_text(encoding="utf-8")
            start = page.index('id="jd-editor-data">')
            data = page.index("</script>", start) - start
            sequence = moves(result, args.moves)
            for full in (False, True):
                shots = None
                if args.screenshots and not full:
                    Path(args.screenshots).mkdir(parents=True, exist_ok=True)
                    shots = f"{args.screenshots}/editor_{name}"
                script, paint, opened = measure(browser, path, sequence, full, shots)
                rows.append((name, len(result.villages), len(result.districts), path.stat().st_size / 1e6,
                             data / 1e6, "full recompute" if full else "editor", statistics.median(script),
                             max(script), statistics.median(paint), max(paint), opened, planned))
        browser.close()
    print(f"{'case':10} {'villages':>8} {'centres':>7} {'file MB':>8} {'data MB':>8} {'mode':15} "
          f"{'script med ms':>13} {'max':>7} {'paint med ms':>12} {'max':>7} {'open s':>7} {'plan s':>7}")
    for r in rows:
        print(f"{r[0]:10} {r[1]:>8} {r[2]:>7} {r[3]:>8.2f} {r[4]:>8.2f} {r[5]:15} {r[6]:>13.2f} {r[7]:>7.2f} "
              f"{r[8]:>12.2f} {r[9]:>7.2f} {r[10]:>7.2f} {r[11]:>7.1f}")
    for name in args.cases:
        editor, full = [r for r in rows if r[0] == name]
        print(f"{name}: baseline / editor, median script time {full[6] / editor[6]:.1f}x, "
              f"median time to paint {full[8] / editor[8]:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
