"""The report's pictures drawn and measured: no label overlaps another, the CDF legend is off the plot."""

from __future__ import annotations

import itertools

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from jurisdiction.outputs.charts import chart_style, district_figure, travel_time_figure, workload_figure
from tests.support.dianjiang import dianjiang_plan


@pytest.fixture(scope="module")
def plan():
    return dianjiang_plan()


def _drawn(build, plan, language="zh"):
    with matplotlib.rc_context(chart_style()):
        fig = build(plan, language)
        FigureCanvasAgg(fig).draw()
        return fig, fig.canvas.get_renderer()


def _disjoint(boxes) -> bool:
    return not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_travel_time_legend_is_outside_the_plot(plan):
    fig, renderer = _drawn(travel_time_figure, plan)
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))
    limit = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert limit and limit[0].get_xdata()[0] == plan.scenario.limit


@pytest.mark.parametrize("language", ["zh", "en"])
def test_workload_labels_never_overlap(plan, language):
    fig, renderer = _drawn(workload_figure, plan, language)
    before, after = fig.axes
    assert len(before.get_yticklabels()) == 26 and len(after.get_yticklabels()) == 17
    for ax in fig.axes:
        assert _disjoint([t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()])
        assert _disjoint([t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()])


def test_district_picture_names_every_district_without_overlap(plan):
    fig, renderer = _drawn(district_figure, plan)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text()]
    names = set(plan.stations.set_index("station_id").loc[plan.districts["centre"], "name"])
    assert {t.get_text() for t in labels} <= names | set(plan.districts["centre"])
    assert len(labels) == len(plan.districts) == 17
    assert _disjoint([t.get_window_extent(renderer) for t in labels])
