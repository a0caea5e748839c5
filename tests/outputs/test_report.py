"""HTML report: content in both languages, escaping, embedded pictures, CJK-font fallback."""

from __future__ import annotations

import base64
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs import charts
from jurisdiction.outputs.charts import chart_language, travel_time_chart, weighted_cdf, workload_chart
from jurisdiction.outputs.labels import METRIC_NAMES
from jurisdiction.outputs.report import REPORT_LABELS, gap_text, metric_label, report_html, write_report
from jurisdiction.pipeline import Plan
from tests.support.plans import HOSTILE, assert_only_escaped, make_plan


def diagnosed_plan():
    """The small plan with a diagnosis holding tables (a functional split of the hostile village, a small station)."""
    plan = make_plan()
    plan.diagnosis.functional_splits = pd.DataFrame({
        "village_id": ["v1"], "name": [HOSTILE], "registration_station": ["S1"], "dispatch_station": ["S2"],
        "polygon_station": ["S1"], "kind": ["registration≠dispatch"]})
    plan.diagnosis.workload = pd.DataFrame(
        {"name": ["城关派出所", "北关派出所", "澄溪派出所 <b>&</b>"], "villages": [2, 2, 2],
         "population": [2000, 1300, 1350], "officers": [40, 8, 12], "small": [False, True, False],
         "small_reason": ["", "population 1,300 < q25 1,325", ""]},
        index=pd.Index(["S1", "S2", "S3"], name="station_id"))
    return plan


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_report_has_every_section(tmp_path, language):
    page = write_report(make_plan(), tmp_path / "report.html", language=language).read_text(encoding="utf-8")
    lab = REPORT_LABELS[language]
    for key in ("title", "diagnosis", "districts", "metrics", "solver", "pictures"):
        assert lab[key] in page, key
    assert '<meta charset="utf-8">' in page and f'lang="{"zh-CN" if language == "zh" else "en"}"' in page
    assert "城关派出所" in page and "北关派出所" in page  # district row and its post
    assert "HiGHS" in page and ("p-中位模型 + bundling" if language == "zh" else "p-median + bundling") in page
    assert ("插花村（社区）" if language == "zh" else "split villages") in page
    assert "∞" in page  # the unreachable village's travel time before
    images = _images(page)
    assert len(images) == 3 and all(img.startswith(b"\x89PNG\r\n\x1a\n") and len(img) > 5000 for img in images)


def test_report_escapes_names_and_has_no_script(tmp_path):
    page = write_report(diagnosed_plan(), tmp_path / "report.html").read_text(encoding="utf-8")
    assert_only_escaped(page)
    assert "<script" not in page.lower()
    assert "垫江 2合1 &lt;test&gt;" in page and "澄溪派出所 &lt;b&gt;&amp;&lt;/b&gt;" in page


def test_unknown_language_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="language"):
        write_report(make_plan(), tmp_path / "r.html", language="de")
    assert not (tmp_path / "r.html").exists()


def test_pictures_fall_back_to_english_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    assert chart_language("zh") == "en"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Glyph missing" warnings
        for chart in (travel_time_chart, workload_chart):
            assert chart(make_plan(), "zh").startswith("data:image/png;base64,")


def test_chinese_pictures_draw_without_glyph_warnings():
    if charts.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian fonts-noto-cjk)")
    assert chart_language("zh") == "zh"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert workload_chart(make_plan(), "zh").startswith("data:image/png;base64,")


@settings(deadline=None, max_examples=50)
@given(st.lists(st.tuples(st.one_of(st.floats(0, 300), st.just(np.inf)), st.integers(0, 10_000)),
                min_size=1, max_size=40))
def test_weighted_cdf_is_a_distribution(rows):
    minutes = np.array([r[0] for r in rows])
    weights = np.array([r[1] for r in rows], float)
    x, y = weighted_cdf(minutes, weights)
    assert len(x) == len(y) == np.isfinite(minutes).sum()
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= -1e-12)
    if weights.sum() > 0 and len(y):
        reachable = weights[np.isfinite(minutes)].sum() / weights.sum()
        assert y[-1] == pytest.approx(reachable)
        within = weights[minutes <= 60].sum() / weights.sum()
        assert (y[x <= 60][-1] if (x <= 60).any() else 0.0) == pytest.approx(within)


def test_metric_labels_follow_patterns():
    names = METRIC_NAMES["zh"]
    assert metric_label("villages beyond 45 min", names) == "超过 45 分钟的村"
    assert metric_label("villages beyond 45 min", names, "村/社区") == "超过 45 分钟的村/社区"
    assert metric_label("coverage within 7.5 min", names) == "7.5 分钟覆盖率"
    assert metric_label("split villages", names) == "插花村"
    assert metric_label("something new", names) == "something new"


def test_road_km_by_class_get_their_own_table(tmp_path):
    page = write_report(make_plan(), tmp_path / "r.html").read_text(encoding="utf-8")
    assert REPORT_LABELS["zh"]["roads"] in page and "县道" in page and "村道" in page


@pytest.mark.parametrize(
    ("gap", "shown"),
    [(0.0, "0 %"), (0.00318, "0.32 %"), (0.0123, "1.2 %"), (0.5, "50 %"), (0.9995, "99.95 %"),
     (1.0, "100 %"), (np.inf, "—"), (np.nan, "—"), (None, "—"), (1e-9, "0.00000010 %"),
     (0.999, "99.9 %")],
)
def test_gap_is_a_percentage_with_two_significant_figures(gap, shown):
    assert gap_text(gap) == shown


def test_report_and_plan_show_the_gap_as_a_percentage():
    plan = make_plan()
    plan.solver["gap"] = 0.00318
    assert "within 0.32 % of optimal" in report_html(plan, "en")
    assert "最优解的 0.32 % 以内" in report_html(plan, "zh")
    assert Plan.__repr__(plan).endswith("gap 0.32 %)")
    plan.solver["gap"] = np.float64(np.nan)
    assert Plan.__repr__(plan).endswith("gap —)")


def test_bundling_rule_is_shown_under_the_summary():
    plan = make_plan()
    plan.bundling_rule = "相邻、就近、方便 <2合1>"
    page = report_html(plan, "zh")
    lead = page[page.index('<p class="lead">'):page.index("</p>", page.index('<p class="lead">'))]
    assert "合并规则：相邻、就近、方便 &lt;2合1&gt;" in lead
    assert "合并规则" not in report_html(make_plan(), "zh")
