"""The report's pictures (matplotlib, no pyplot state): the plan as a map, travel times, workload.

Pictures are returned as ``data:image/png;base64,...`` URIs to embed in the HTML report.
Chinese labels need a CJK font (Noto Sans CJK, Debian ``fonts-noto-cjk``); without one the
pictures fall back to English labels and station ids, so matplotlib never warns about
missing glyphs.
"""

from __future__ import annotations

import base64
import io
import math
import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import font_manager, patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from jurisdiction.outputs.palette import station_colours

BEFORE, AFTER = "#9e9e9e", "#1f77b4"

CHART_LABELS = {
    "zh": {
        "minutes": "到派出所的行车时间（分钟）", "share": "人口累计占比", "before": "调整前",
        "after": "调整后", "limit": "时间上限 {limit:g} 分钟", "travel": "行车时间分布（按人口加权）",
        "workload": "各辖区工作量", "mean": "平均值", "band": "平均值 ±{pct:g}%",
        "population": "人口", "incidents": "警情", "centre": "中心所", "station": "保留派出所",
        "post": "警务室", "outline": "现行辖区界", "panel": "{what}：{when}",
    },
    "en": {
        "minutes": "travel time to the station (minutes)", "share": "cumulative share of population",
        "before": "before", "after": "after", "limit": "limit {limit:g} min",
        "travel": "Travel time (population-weighted)", "workload": "Workload per district",
        "mean": "mean", "band": "mean ±{pct:g}%", "population": "population",
        "incidents": "incidents", "centre": "centre", "station": "kept station", "post": "post",
        "outline": "current districts", "panel": "{what}: {when}",
    },
}


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK sans-serif font (Noto Sans CJK preferred), or None.

    Fonts installed after matplotlib built its font cache are found on disk and registered.
    """
    def families() -> list[str]:
        return [f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name or "Hei" in f.name]

    if not families():
        for path in font_manager.findSystemFonts():
            if "CJK" in path and "Sans" in path:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
    found = families()
    for preferred in ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei"):
        if preferred in found:
            return preferred
    sans = [f for f in found if "Sans" in f or "Hei" in f]
    return sans[0] if sans else None


def chart_language(language: str) -> str:
    """The language the pictures can be labelled in: ``"zh"`` only when a CJK font exists."""
    return "zh" if language == "zh" and cjk_font() is not None else "en"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _label(name: Any) -> str:
    """A name from data as a picture's label: control characters (no glyph in any font) removed."""
    return _CONTROL.sub("", str(name))


def _figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=100, layout="constrained")


def chart_style() -> dict[str, Any]:
    """Matplotlib settings of every picture: the CJK font when installed (names are Chinese), no math text."""
    font = cjk_font()  # Chinese names appear in English pictures too
    return {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
            "axes.unicode_minus": False, "text.parse_math": False}


def _picture(build: Any, plan: Any, language: str, **options: Any) -> str:
    """Build a figure with :func:`chart_style` and render it as a ``data:image/png;base64,...`` URI."""
    import matplotlib

    with matplotlib.rc_context(chart_style()):
        fig = build(plan, language)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", **options)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def weighted_cdf(minutes: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted finite minutes and the share of total weight within each (unreachable count as beyond).

    Parameters
    ----------
    minutes : array of float
        Travel time per village (minutes; ``inf`` if unreachable).
    weights : array of float
        Weight per village (population).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        x (minutes, ascending) and y (share in [0, 1], non-decreasing).
    """
    minutes = np.asarray(minutes, float)
    weights = np.asarray(weights, float)
    total = weights.sum()
    finite = np.isfinite(minutes)
    order = np.argsort(minutes[finite], kind="stable")
    x = minutes[finite][order]
    y = np.cumsum(weights[finite][order]) / total if total > 0 else np.zeros(len(x))
    return x, y


def travel_time_figure(plan: Any, language: str) -> Figure:
    """Population-weighted CDF of travel time before and after, with the limit."""
    language = chart_language(language)
    lab = CHART_LABELS[language]
    villages = plan.villages
    weights = villages["population"].to_numpy(float)
    fig = _figure((7.0, 3.6))
    ax = fig.add_subplot()
    for column, colour, name in (("minutes_before", BEFORE, lab["before"]), ("minutes", AFTER, lab["after"])):
        if column in villages:
            x, y = weighted_cdf(villages[column].to_numpy(float), weights)
            ax.step(np.r_[0.0, x], np.r_[0.0, y], where="post", color=colour, lw=2, label=name)
    limit = getattr(plan.scenario, "limit", None)
    if limit:
        ax.axvline(float(limit), color="#d62728", ls="--", lw=1.2, label=lab["limit"].format(limit=float(limit)))
    ax.set(xlabel=lab["minutes"], ylabel=lab["share"], ylim=(0, 1.02), title=lab["travel"])
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)  # outside: never over the limit line
    return fig


def travel_time_chart(plan: Any, language: str) -> str:
    """:func:`travel_time_figure` as a PNG data URI (with the pictures' font settings)."""
    return _picture(travel_time_figure, plan, language)


def _loads(villages: pd.DataFrame, by: str, column: str) -> pd.Series:
    return villages.groupby(villages[by].astype(str))[column].sum().sort_values()


def workload_figure(plan: Any, language: str) -> Figure:
    """Workload per district before (per current station) and after (per centre).

    Horizontal bars, one per district named by its station (names never overlap), coloured as
    on the maps (:func:`jurisdiction.outputs.palette.station_colours`). Each panel shows its
    mean and, when the scenario has a balance tolerance ``e``, the band mean × (1 ± e). The
    weight is ``scenario.balance_weight`` (population by default).
    """
    language = chart_language(language)
    lab = CHART_LABELS[language]
    villages = plan.villages
    column = getattr(plan.scenario, "balance_weight", "population") or "population"
    if column not in villages:
        column = "population"
    tolerance = getattr(plan.scenario, "balance", None)
    names = dict(zip(plan.stations["station_id"].astype(str), plan.stations["name"].astype(str)))
    colours = station_colours(plan.stations["station_id"])
    panels = [(lab["before"], _loads(villages, "current", column)), (lab["after"], _loads(villages, "centre", column))]
    rows = max(len(loads) for _, loads in panels)
    fig = _figure((10.0, max(3.0, 0.24 * rows + 1.4)))
    axes = fig.subplots(1, 2, sharex=True)
    for ax, (title, loads) in zip(axes, panels, strict=True):
        ticks = [_label(names.get(s, s) if cjk_font() else s) for s in loads.index]
        ax.barh(range(len(loads)), loads.to_numpy(float), color=[colours.get(s, BEFORE) for s in loads.index])
        mean = float(loads.mean()) if len(loads) else 0.0
        ax.axvline(mean, color="#333333", lw=1.2, label=lab["mean"])
        if tolerance:
            ax.axvspan(mean * (1 - tolerance), mean * (1 + tolerance), color="#2ca02c", alpha=0.15,
                       label=lab["band"].format(pct=100 * float(tolerance)))
        ax.set_yticks(range(len(loads)), ticks, fontsize=9)
        ax.set_ylim(len(loads) - rows - 0.5, len(loads) - 0.5)  # both panels start at the top
        ax.set_title(lab["panel"].format(what=lab["workload"], when=title))
        ax.set_xlabel(lab.get(column, column))
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}")
        ax.grid(axis="x", alpha=0.3)
    axes[1].legend(loc="lower right", fontsize=8)
    return fig


def workload_chart(plan: Any, language: str) -> str:
    """:func:`workload_figure` as a PNG data URI (with the pictures' font settings)."""
    return _picture(workload_figure, plan, language)


def _paths(geometry: Any) -> list[Path]:
    """Matplotlib paths of a (multi)polygon, holes included (lon/lat)."""
    polygons = getattr(geometry, "geoms", [geometry])
    paths = []
    for polygon in polygons:
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        rings = [np.asarray(polygon.exterior.coords)] + [np.asarray(r.coords) for r in polygon.interiors]
        paths.append(Path.make_compound_path(*(Path(r, closed=True) for r in rings)))
    return paths


def district_figure(plan: Any, language: str) -> Figure:
    """The plan as a static map (no tiles): districts in their centre's colour, named.

    Districts are filled with the colour of their centre station (the maps' colours), today's
    districts are drawn as dashed outlines, centres, kept stations and posts as markers. Each
    district is labelled with its centre's name; a label that would overlap a bigger
    district's label is left out.
    """
    language = chart_language(language)
    lab = CHART_LABELS[language]
    colours = station_colours(plan.stations["station_id"])
    names = dict(zip(plan.stations["station_id"].astype(str), plan.stations["name"].astype(str)))
    districts = plan.districts
    fig = _figure((7.0, 8.0))
    ax = fig.add_subplot()
    for centre, geometry in zip(districts["centre"].astype(str), districts.geometry, strict=True):
        for path in _paths(geometry):
            ax.add_patch(PathPatch(path, facecolor=colours.get(centre, BEFORE), edgecolor="white", lw=1.4,
                                   alpha=0.9))
    current = getattr(plan, "current_districts", None)
    if current is not None and len(current):
        for geometry in current.geometry:
            for path in _paths(geometry):
                ax.add_patch(PathPatch(path, fill=False, edgecolor="#444444", lw=0.6, ls=(0, (3, 3))))
    stations = plan.stations
    for role, marker, size in (("centre", "*", 150), ("station", "s", 45), ("post", "o", 22)):
        chosen = stations[stations["role"] == role]
        if len(chosen):
            ax.scatter(chosen.geometry.x, chosen.geometry.y, marker=marker, s=size, c="#222222",
                       edgecolors="white", linewidths=0.8, zorder=3, label=lab[role])
    ax.plot([], [], color="#444444", lw=0.8, ls=(0, (3, 3)), label=lab["outline"])
    minx, miny, maxx, maxy = districts.total_bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians((miny + maxy) / 2))))
    ax.set_axis_off()
    _label_districts(fig, ax, plan, names)
    ax.legend(loc="lower right", fontsize=10, framealpha=0.9)
    return fig


def district_picture(plan: Any, language: str) -> str:
    """:func:`district_figure` as a PNG data URI (with the pictures' font settings)."""
    return _picture(district_figure, plan, language, bbox_inches="tight", pad_inches=0.05)


def _label_districts(fig: Figure, ax: Any, plan: Any, names: dict[str, str]) -> None:
    """Name each district under its centre's marker (or at a point inside it), biggest first.

    A label that would overlap one already placed is left out.
    """
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    districts = plan.districts
    seats = dict(zip(plan.stations["station_id"].astype(str), plan.stations.geometry, strict=True))
    order = np.argsort(-districts["population"].to_numpy(float), kind="stable")
    kept: list[Any] = []
    for i in order:
        centre, shape = str(districts["centre"].iloc[i]), districts.geometry.iloc[i]
        seat = seats.get(centre)
        inside = seat is not None and shape.contains(seat)
        point = seat if inside else shape.representative_point()
        label = _label(names.get(centre, centre) if cjk_font() else centre)
        # under the seat, else above, right or left of it; a label that fits nowhere is left out
        places = ([((0, -8), "center", "top"), ((0, 8), "center", "bottom"), ((8, 0), "left", "center"),
                   ((-8, 0), "right", "center")] if inside else [((0, 0), "center", "center")])
        for offset, ha, va in places:
            text = ax.annotate(label, (point.x, point.y), xytext=offset, textcoords="offset points", ha=ha, va=va,
                               fontsize=11, zorder=4,
                               path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in kept):
                kept.append(box)
                break
            text.remove()
