"""The plan's HTML report: diagnosis, district table, before/after metrics, solver, pictures.

One self-contained HTML file (inline CSS, pictures embedded as base64 PNG), in Chinese or
English. Every name and text from data is HTML-escaped.
"""

from __future__ import annotations

import html
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.charts import travel_time_chart, workload_chart
from jurisdiction.outputs.files import atomic_write_text
from jurisdiction.outputs.map_assets import text
from jurisdiction.road_classes import CHINESE_NAMES

REPORT_LABELS = {
    "zh": {
        "title": "警务辖区调整方案", "scenario": "方案", "limit": "时间上限（分钟）",
        "diagnosis": "现状诊断", "districts": "调整后的辖区", "metrics": "调整前后对比",
        "metric": "指标", "before": "调整前", "after": "调整后", "change": "变化",
        "solver": "求解器", "pictures": "图表", "attribution": "数据来源",
        "travel_alt": "行车时间分布", "workload_alt": "各辖区工作量",
        "columns": {
            "centre": "中心所编号", "name": "派出所", "villages": "村数", "population": "人口",
            "incidents": "警情", "area_km2": "面积（km²）", "road_km": "道路（km）",
            "max_minutes": "最长时间（分钟）", "mean_minutes": "平均时间（分钟）", "officers": "现有警力",
            "officers_needed": "需要警力", "posts": "警务室",
            **{f"road_km_{c}": zh for c, zh in CHINESE_NAMES.items()},
        },
        "roads": "各辖区道路里程（km，交所合一）",
        "metrics_names": {
            "stations or centres": "派出所或中心所数", "functional splits": "职能分割的村",
            "unreachable villages": "无法到达的村",
            "workload spread (max/mean population)": "工作量差异（最大/平均人口）",
            "workload spread (min/mean population)": "工作量差异（最小/平均人口）",
            "villages beyond {n} min": "超过 {n} 分钟的村", "population beyond {n} min": "超过 {n} 分钟的人口",
            "coverage within {n} min": "{n} 分钟覆盖率",
            "split villages": "被拆分的村", "villages beyond limit": "超出时间上限的村",
            "population-weighted mean minutes": "人口加权平均时间（分钟）", "max minutes": "最长时间（分钟）",
            "workload spread (max/mean)": "工作量差异（最大/平均）",
            "coverage within 15 min": "15 分钟覆盖率",
        },
        "solver_keys": {
            "status": "状态", "objective": "目标值", "bound": "下界", "gap": "相对间隙",
            "seconds": "用时（秒）", "solver": "求解器", "formulation": "模型",
            "n_variables": "变量数", "n_constraints": "约束数",
        },
    },
    "en": {
        "title": "Police jurisdiction plan", "scenario": "Scenario", "limit": "Limit (minutes)",
        "diagnosis": "Diagnosis", "districts": "Districts after the plan", "metrics": "Before and after",
        "metric": "metric", "before": "before", "after": "after", "change": "change",
        "solver": "Solver", "pictures": "Pictures", "attribution": "Data",
        "travel_alt": "Travel time distribution", "workload_alt": "Workload per district",
        "columns": {
            "centre": "centre id", "name": "station", "villages": "villages", "population": "population",
            "incidents": "incidents", "area_km2": "area (km²)", "road_km": "roads (km)",
            "max_minutes": "max minutes", "mean_minutes": "mean minutes", "officers": "officers",
            "officers_needed": "officers needed", "posts": "posts",
        },
        "roads": "Road length per district (km), by class",
        "metrics_names": {},
        "solver_keys": {},
    },
}

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Helvetica Neue", Arial,
  sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em;
  border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary { white-space: pre-wrap; background: #fafafa; border-left: 3px solid #1f77b4; padding: 0.6em 1em; }
.side { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; }
img { max-width: 100%; } .wide { overflow-x: auto; } td:first-child, th { white-space: nowrap; }
.foot { color: #666; font-size: 0.85em; margin-top: 2em; }
.better { color: #1a7f37; } .worse { color: #b30000; }
"""


def gap_text(gap: float | None) -> str:
    """A relative optimality gap as a percentage with two significant figures.

    Digits are added where two figures would hide the truth: a gap that is not 0 never shows as
    0 %, and a gap below 1 never as 100 % (0.9995 is "99.95 %").

    Parameters
    ----------
    gap : float or None
        The gap as a fraction (0.0032 = 0.32 %); NaN, infinity or None when unknown.

    Returns
    -------
    str
        ``"0.32 %"``, ``"0 %"`` for 0, ``"—"`` when unknown.
    """
    if gap is None or not math.isfinite(gap):
        return "—"
    if gap == 0:
        return "0 %"
    percent = 100.0 * float(gap)
    rounded = float(f"{percent:.2g}")
    digits = max(0, 1 - math.floor(math.log10(abs(rounded))))
    shown = f"{rounded:.{digits}f}"
    while float(shown) == 0 or (abs(gap) < 1 and abs(float(shown)) >= 100):
        digits += 1
        shown = f"{percent:.{digits}f}"
    return f"{shown} %"


def _cell(value: Any) -> str:
    numeric = isinstance(value, (int, float)) or hasattr(value, "item")
    return (f'<td class="num">{text(value)}</td>' if numeric and not isinstance(value, str)
            else f"<td>{text(value)}</td>")


def html_table(frame: pd.DataFrame, headers: dict[str, str] | None = None, index: str | None = None) -> str:
    """An HTML table of a DataFrame; headers renamed by ``headers``, every value escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (geometry columns are dropped).
    headers : dict, optional
        Column name -> label.
    index : str, optional
        Header of an index column to include (the index is left out when None).
    """
    headers = headers or {}
    columns = [c for c in frame.columns if str(frame[c].dtype) != "geometry"]
    head = ([f"<th>{html.escape(index)}</th>"] if index else []) + [
        f"<th>{html.escape(headers.get(str(c), str(c)))}</th>" for c in columns]
    rows = []
    for key, row in frame.iterrows():
        cells = ([f"<th>{text(key)}</th>"] if index else []) + [_cell(row[c]) for c in columns]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def metric_label(name: str, names: dict[str, str]) -> str:
    """A metric's label: ``names[name]``, or a pattern such as ``"villages beyond {n} min"``."""
    if name in names:
        return names[name]
    number = re.search(r"\d+(?:\.\d+)?", name)
    if number and (pattern := name.replace(number.group(), "{n}", 1)) in names:
        return names[pattern].format(n=number.group())
    return name


def _metrics_table(metrics: pd.DataFrame, lab: dict[str, Any]) -> str:
    table = pd.DataFrame(index=[metric_label(str(i), lab["metrics_names"]) for i in metrics.index])
    table[lab["before"]] = metrics["before"].to_numpy() if "before" in metrics else None
    table[lab["after"]] = metrics["after"].to_numpy() if "after" in metrics else None
    if "before" in metrics and "after" in metrics:
        before = pd.to_numeric(metrics["before"], errors="coerce").to_numpy(float)
        after = pd.to_numeric(metrics["after"], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            table[lab["change"]] = after - before
    return html_table(table, index=lab["metric"])


def _solver_table(solver: dict[str, Any], lab: dict[str, Any]) -> str:
    def cell(key: str, value: Any) -> str:
        return f'<td class="num">{html.escape(gap_text(value))}</td>' if key == "gap" else _cell(value)

    rows = "".join(f"<tr><th>{html.escape(lab['solver_keys'].get(str(k), str(k)))}</th>{cell(k, v)}</tr>"
                   for k, v in (solver or {}).items())
    return f"<table>{rows}</table>"


def report_html(plan: Any, language: str = "zh") -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    if language not in REPORT_LABELS:
        raise ScenarioError(f"language: unknown value {language!r}; expected one of {sorted(REPORT_LABELS)}")
    lab = REPORT_LABELS[language]
    scenario = plan.scenario
    name = str(getattr(scenario, "name", ""))
    limit = getattr(scenario, "limit", None)
    districts = pd.DataFrame(plan.districts.drop(columns=plan.districts.geometry.name))
    headers = dict(lab["columns"])
    by_class = [c for c in districts.columns if str(c).startswith("road_km_")]
    headers.update({c: c.removeprefix("road_km_") for c in by_class if c not in headers})
    main = [c for c in districts.columns if c not in by_class]
    roads = [c for c in ("name", "road_km") if c in districts.columns] + by_class
    summary = plan.diagnosis.summary(language) if getattr(plan, "diagnosis", None) is not None else ""
    pictures = [(travel_time_chart(plan, language), lab["travel_alt"]),
                (workload_chart(plan, language), lab["workload_alt"])]
    images = "".join(f'<p><img src="{uri}" alt="{html.escape(alt)}"></p>' for uri, alt in pictures)
    attribution = getattr(plan, "attribution", None)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if language == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(lab['title'])}: {html.escape(name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(lab['title'])}</h1>",
        f"<p>{html.escape(lab['scenario'])}: <b>{html.escape(name)}</b>"
        + (f" &nbsp; {html.escape(lab['limit'])}: {text(float(limit))}" if limit is not None else "") + "</p>",
        f"<h2>{html.escape(lab['diagnosis'])}</h2><div class=\"summary\">{html.escape(str(summary))}</div>",
        f"<h2>{html.escape(lab['districts'])}</h2><div class=\"wide\">{html_table(districts[main], headers)}</div>",
        (f"<h3>{html.escape(lab['roads'])}</h3><div class=\"wide\">{html_table(districts[roads], headers)}</div>"
         if by_class else ""),
        f"<h2>{html.escape(lab['metrics'])}</h2><div class=\"side\"><div>"
        f"{_metrics_table(plan.metrics, lab)}</div><div><b>{html.escape(lab['solver'])}</b>"
        f"{_solver_table(plan.solver, lab)}</div></div>",
        f"<h2>{html.escape(lab['pictures'])}</h2>{images}",
    ]
    if attribution:
        parts.append(f'<p class="foot">{html.escape(lab["attribution"])}: {html.escape(str(attribution))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(plan: Any, path: str | os.PathLike, *, language: str = "zh") -> Path:
    """Write the plan's report to one self-contained HTML file (atomically).

    Contents: title and scenario (name, travel-time limit in minutes), the diagnosis summary,
    the district table (population, incidents, area in km², road km, max/mean minutes,
    officers needed), metrics before and after side by side with the solver's statistics,
    and two pictures: the population-weighted travel-time distribution before and after
    (with the limit), and the workload per district before and after (mean ± tolerance).

    Parameters
    ----------
    plan : Plan
        The plan (see :mod:`jurisdiction.pipeline`).
    path : str or path-like
        The HTML file to write.
    language : {"zh", "en"}
        Language of the labels. Pictures fall back to English when no CJK font is installed.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return atomic_write_text(path, report_html(plan, language))
