"""The report's first screen on the Dianjiang demo plan: big numbers recomputed here, no .0 on counts."""

from __future__ import annotations

import datetime
import math
import re

import numpy as np
import pytest

from jurisdiction.outputs.headline import key_figures, solver_text
from jurisdiction.outputs.report import report_html
from tests.support.dianjiang import dianjiang_plan


@pytest.fixture(scope="module")
def plan():
    return dianjiang_plan()


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment (tags dropped, entities kept simple)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).replace("&amp;", "&")


def _first_screen(page: str) -> str:
    return _text(page[page.index('<div class="top">'):page.index("<figure>")])


def _expected(plan) -> dict:
    """The key figures counted from the plan's villages and stations, independently of the report."""
    villages, stations = plan.villages, plan.stations
    population = villages["population"].to_numpy(float)

    def mean(column):
        minutes = villages[column].to_numpy(float)
        ok = np.isfinite(minutes)
        return (minutes[ok] * population[ok]).sum() / population[ok].sum()

    ratio = plan.scenario.officers_per_10k
    needed = {by: int(sum(math.ceil(p / 1e4 * ratio) for p in villages.groupby(by)["population"].sum()))
              for by in ("current", "centre")}
    return {
        "stations": len(stations), "districts": villages["centre"].nunique(),
        "posts": int((stations["role"] == "post").sum()), "centres": int((stations["role"] == "centre").sum()),
        "kept": int((stations["role"] == "station").sum()),
        "split_before": plan.diagnosis.geometric_splits["village_id"].nunique(),
        "split_after": int((villages.groupby("village_id")["centre"].nunique() > 1).sum()),
        "beyond_before": int((villages["minutes_before"] > plan.scenario.limit).sum()),
        "beyond_after": int((villages["minutes"] > plan.scenario.limit).sum()),
        "longest_before": villages["minutes_before"].max(), "longest_after": villages["minutes"].max(),
        "mean_before": mean("minutes_before"), "mean_after": mean("minutes"),
        "needed_before": needed["current"], "needed_after": needed["centre"],
    }


def test_first_screen_shows_the_recomputed_big_numbers(plan):
    e = _expected(plan)
    assert (e["stations"], e["districts"], e["posts"], e["centres"], e["kept"]) == (26, 17, 9, 8, 9)
    page = report_html(plan, "zh", today=datetime.date(2026, 12, 7))
    assert "警务辖区调整方案：dianjiang" in page and "2026 年 12 月 7 日" in page
    screen = _first_screen(page)
    assert f"{e['stations']} 所 → {e['districts']} 所 （{e['posts']} 所改警务室）" in screen
    assert (f"{e['centres']} 个中心所（由 {e['centres'] + e['posts']} 个参与合并的派出所组成）+ "
            f"{e['kept']} 个保留派出所 = {e['districts']} 个辖区") in screen
    assert f"插花村/社区 {e['split_before']} → {e['split_after']}" in screen
    assert f"超过 35 分钟的村/社区 {e['beyond_before']} → {e['beyond_after']}" in screen
    assert f"最长行车时间 {e['longest_before']:.1f} → {e['longest_after']:.1f} 分钟" in screen
    assert f"平均行车时间（人口加权） {e['mean_before']:.1f} → {e['mean_after']:.1f} 分钟" in screen
    assert f"所需民警（每万人 5.39 名） {e['needed_before']} → {e['needed_after']} 人" in screen
    assert "求解情况：已证明最优" in screen


def test_english_first_screen(plan):
    e = _expected(plan)
    screen = _first_screen(report_html(plan, "en"))
    assert f"{e['stations']} → {e['districts']} ({e['posts']} become posts)" in screen
    assert f"{e['centres']} centres (formed from 17 bundled stations) + 9 kept stations = 17 districts" in screen
    assert "Solver: proven optimal" in screen


def test_no_count_shows_a_decimal_point(plan):
    page = report_html(plan, "zh")
    text = _text(page)
    districts = plan.districts
    for column in ("villages", "population", "incidents", "officers", "officers_needed"):
        for value in districts[column]:
            assert f'<td class="num">{int(value):,}</td>' in page  # a count cell, as a whole number
    assert not re.search(r"\b\d+\.0+ ?(所|个|人)", text)
    assert '<td class="num">26</td><td class="num">17</td><td class="num">-9</td>' in page  # metrics: stations


def test_headline_agrees_with_the_metrics_table(plan):
    figures = key_figures(plan)
    metrics = plan.metrics
    assert figures.split == tuple(metrics.loc["split villages"])
    assert figures.longest == pytest.approx(tuple(metrics.loc["max minutes"]))
    assert figures.mean == pytest.approx(tuple(metrics.loc["population-weighted mean minutes"]))
    assert figures.beyond == tuple(metrics.loc["villages beyond 35 min"])


@pytest.mark.parametrize(
    ("solver", "zh", "en"),
    [({"status": "optimal", "gap": 0.0, "seconds": 0.05}, "已证明最优", "proven optimal"),
     ({"status": "optimal", "gap": 0.004, "seconds": 12.34}, "最优解的 0.40 % 以内（求解时间 12.3 秒）",
      "within 0.40 % of optimal (solved in 12.3 s)"),
     ({"status": "feasible", "gap": 0.0123, "seconds": 60.0},
      "找到的最好解，距最优至多 1.2 %（求解时间 60.0 秒，达到时间上限）",
      "best found, at most 1.2 % from optimal (time limit reached after 60.0 s)")],
)
def test_solver_verdict_in_words(solver, zh, en):
    assert solver_text(solver, "zh") == zh and solver_text(solver, "en") == en


def test_report_of_a_gap_run_says_how_far_from_optimal(plan):
    from dataclasses import replace

    gapped = replace(plan, solver={**plan.solver, "status": "feasible", "gap": 0.0123, "seconds": 60.0})
    page = report_html(gapped, "zh")
    assert "距最优至多 1.2 %" in _first_screen(page)
    assert "与最优的最大差距" in page and "下界" in page
    assert "目标值" in page and "人·分钟" in page and "越小越好" in page
    assert "辖区数 17" in page and "K=17" not in page
    english = report_html(gapped, "en")
    assert "17 districts" in english and "K=17" not in english and "2–3 stations per centre" in english
