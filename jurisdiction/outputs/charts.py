"""The report's pictures (matplotlib, no pyplot state): travel times and workload, before/after.

Pictures are returned as ``data:image/png;base64,...`` URIs to embed in the HTML report.
Chinese labels need a CJK font (Noto Sans CJK, Debian ``fonts-noto-cjk``); without one the
pictures fall back to English labels and station ids, so matplotlib never warns about
missing glyphs.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

BEFORE, AFTER = "#9e9e9e", "#1f77b4"

CHART_LABELS = {
    "zh": {
        "minutes": "到派出所的行车时间（分钟）", "share": "人口累计占比", "before": "调整前",
        "after": "调整后", "limit": "时间上限 {limit:g} 分钟", "travel": "行车时间分布（按人口加权）",
        "workload": "各辖区工作量", "mean": "平均值", "band": "平均值 ±{pct:g}%",
        "population": "人口", "incidents": "警情",
    },
    "en": {
        "minutes": "travel time to the station (minutes)", "share": "cumulative share of population",
        "before": "before", "after": "after", "limit": "limit {limit:g} min",
        "travel": "Travel time (population-weighted)", "workload": "Workload per district",
        "mean": "mean", "band": "mean ±{pct:g}%", "population": "population",
        "incidents": "incidents",
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


def _figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=100, layout="constrained")


def _rc(language: str) -> dict[str, Any]:
    font = cjk_font() if language == "zh" else None
    return {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
            "axes.unicode_minus": False, "text.parse_math": False}


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
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


def travel_time_chart(plan: Any, language: str) -> str:
    """Population-weighted CDF of travel time before and after, with the limit; PNG data URI."""
    language = chart_language(language)
    lab = CHART_LABELS[language]
    villages = plan.villages
    weights = villages["population"].to_numpy(float)
    import matplotlib

    with matplotlib.rc_context(_rc(language)):
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
        ax.legend(loc="lower right")
        return _png(fig)


def _loads(villages: pd.DataFrame, by: str, column: str) -> pd.Series:
    return villages.groupby(villages[by].astype(str))[column].sum().sort_values(ascending=False)


def workload_chart(plan: Any, language: str) -> str:
    """Workload per district before (per current station) and after (per centre), PNG data URI.

    Each panel shows its mean and, when the scenario has a balance tolerance ``e``, the band
    mean × (1 ± e). The weight is ``scenario.balance_weight`` (population by default).
    """
    language = chart_language(language)
    lab = CHART_LABELS[language]
    villages = plan.villages
    column = getattr(plan.scenario, "balance_weight", "population") or "population"
    if column not in villages:
        column = "population"
    tolerance = getattr(plan.scenario, "balance", None)
    names = dict(zip(plan.stations["station_id"].astype(str), plan.stations["name"].astype(str)))
    import matplotlib

    with matplotlib.rc_context(_rc(language)):
        fig = _figure((9.0, 3.8))
        axes = fig.subplots(1, 2, sharey=True)
        for ax, by, colour, title in ((axes[0], "current", BEFORE, lab["before"]),
                                      (axes[1], "centre", AFTER, lab["after"])):
            loads = _loads(villages, by, column)
            ticks = [names.get(s, s) if language == "zh" else s for s in loads.index]
            ax.bar(range(len(loads)), loads.to_numpy(float), color=colour)
            mean = float(loads.mean()) if len(loads) else 0.0
            ax.axhline(mean, color="#333333", lw=1.2, label=lab["mean"])
            if tolerance:
                ax.axhspan(mean * (1 - tolerance), mean * (1 + tolerance), color="#2ca02c", alpha=0.15,
                           label=lab["band"].format(pct=100 * float(tolerance)))
            ax.set_xticks(range(len(loads)), ticks, rotation=60 if len(loads) > 6 else 0,
                          ha="right" if len(loads) > 6 else "center", fontsize=8)
            ax.set_title(f"{lab['workload']}: {title}")
            ax.grid(axis="y", alpha=0.3)
        axes[0].set_ylabel(lab.get(column, column))
        axes[1].legend(loc="upper right")
        return _png(fig)
