"""The plan's HTML report: the key figures first, then the map picture, then the tables.

One self-contained HTML file (inline CSS, pictures embedded as base64 PNG), in Chinese or
English. The first screen is what a leader reads in a minute: title with the scenario and the
date, before -> after in big numbers (:mod:`jurisdiction.outputs.headline`), how the districts
are made, the solver's verdict in words and the plan as a picture. Then the district table,
the before/after metrics, the diagnosis as tables, the solver's details, the charts and the
data credit. Every name and text from data is HTML-escaped; numbers are formatted by kind
(:mod:`jurisdiction.outputs.numbers`).
"""

from __future__ import annotations

import datetime
import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jurisdiction.errors import ScenarioError
from jurisdiction.inputs.example import CHINESE_ATTRIBUTIONS
from jurisdiction.outputs.charts import district_picture, travel_time_chart, workload_chart
from jurisdiction.outputs.diagnosis_tables import diagnosis_sections, reach_sentence
from jurisdiction.outputs.files import atomic_write_text
from jurisdiction.outputs.headline import (
    KeyFigures,
    composition_text,
    figure_rows,
    key_figures,
    solver_text,
    stations_text,
)
from jurisdiction.outputs.labels import METRIC_NAMES, header, headers, metric_label, village_word
from jurisdiction.outputs.map_assets import text
from jurisdiction.outputs.numbers import column_kind, gap_text, metric_kind, number_text
from jurisdiction.outputs.palette import station_colours
from jurisdiction.outputs.pin_marks import pins_note
from jurisdiction.outputs.solver_words import formulation_text, objective_text

__all__ = ["REPORT_LABELS", "gap_text", "html_table", "metric_label", "report_html", "write_report"]

REPORT_LABELS = {
    "zh": {
        "title": "警务辖区调整方案", "date": "{d.year} 年 {d.month} 月 {d.day} 日", "limit": "时限 {t} 分钟",
        "diagnosis": "现状诊断", "districts": "调整后的辖区", "metrics": "调整前后对比",
        "solver": "求解情况", "pictures": "图表", "attribution": "数据来源", "map": "调整后的辖区图",
        "travel_alt": "行车时间分布", "workload_alt": "各辖区工作量", "map_alt": "调整后的辖区图",
        "roads": "各辖区道路里程（km，按道路等级）", "none": "无", "rule": "合并规则",
        "stations_card": "派出所",
        "solver_rows": {"verdict": "结果", "model": "模型", "objective": "目标值", "bound": "下界",
                        "gap": "与最优的最大差距", "seconds": "求解时间（秒）", "solver": "求解器",
                        "size": "规模", "rounds": "连片约束求解轮数"},
        "size": "{n} 个变量，{m} 个约束", "bundle_head": ("中心所", "并入（改为警务室）"),
    },
    "en": {
        "title": "Police jurisdiction plan", "date": "{d:%Y-%m-%d}", "limit": "limit {t} min",
        "diagnosis": "Diagnosis of the current map", "districts": "Districts after the plan",
        "metrics": "Before and after", "solver": "Solver", "pictures": "Charts", "attribution": "Data",
        "map": "The districts after the plan", "travel_alt": "Travel time distribution",
        "workload_alt": "Workload per district", "map_alt": "Map of the districts after the plan",
        "roads": "Road length per district (km), by class", "none": "none", "rule": "Bundling rule",
        "stations_card": "Stations → districts",
        "solver_rows": {"verdict": "verdict", "model": "model", "objective": "objective", "bound": "bound",
                        "gap": "at most from optimal", "seconds": "seconds", "solver": "solver", "size": "size",
                        "rounds": "contiguity cut rounds"},
        "size": "{n} variables, {m} constraints", "bundle_head": ("centre", "absorbs (become posts)"),
    },
}

#: How the solvers (:data:`jurisdiction.optimise.instance.SOLVERS`) spell their names.
SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Helvetica Neue", Arial,
  sans-serif; margin: 1.2em auto; max-width: 1280px; color: #222; padding: 0 1.2em; }
h1 { font-size: 1.7em; margin: 0 0 0.1em; } .sub { color: #555; margin: 0 0 0.8em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.1em 0 0.3em; }
.top { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 1.2em; align-items: start; }
.cards { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.7em; }
.card { background: #f6f8fa; border: 1px solid #dde3ea; border-radius: 6px; padding: 0.55em 0.9em; }
.card .label { color: #444; font-size: 0.95em; }
.card .big { font-size: 2.1em; font-weight: 700; white-space: nowrap; line-height: 1.25; }
.card .big small { font-size: 0.5em; font-weight: 400; color: #444; }
.card .note { color: #333; font-size: 1em; white-space: nowrap; }
.lead { font-size: 1.08em; margin: 0.8em 0 0.3em; line-height: 1.6; }
.top figure { margin: 0; } .top img { max-height: 860px; }
table { border-collapse: collapse; font-size: 0.92em; margin: 0.4em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th, td.name { word-break: keep-all; white-space: nowrap; }
.side { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; }
img { max-width: 100%; } .wide { overflow-x: auto; } figure { margin: 0.8em 0; }
.foot { color: #666; font-size: 0.85em; margin-top: 2em; }
.chip { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 2px;
  vertical-align: -0.05em; }
.better { color: #1a7f37; } .worse { color: #b35900; }
"""


def _cell(value: Any, kind: str | None = None) -> str:
    if isinstance(value, (bool, np.bool_)) or not (isinstance(value, (int, float)) or hasattr(value, "item")):
        return f'<td class="name">{text("" if value is None else value)}</td>'
    return f'<td class="num">{html.escape(number_text(value, kind))}</td>'


def html_table(frame: pd.DataFrame, headers: dict[str, str] | None = None, index: str | None = None) -> str:
    """An HTML table of a DataFrame; headers renamed by ``headers``, numbers formatted, values escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (geometry columns are dropped).
    headers : dict, optional
        Column name -> label.
    index : str, optional
        Header of an index column to include (the index is left out when None).

    Numbers are shown by the kind of their column (:func:`jurisdiction.outputs.numbers.column_kind`).
    """
    headers = headers or {}
    columns = [c for c in frame.columns if str(frame[c].dtype) != "geometry"]
    head = ([f"<th>{html.escape(index)}</th>"] if index else []) + [
        f"<th>{html.escape(headers.get(str(c), str(c)))}</th>" for c in columns]
    rows = []
    for key, row in frame.iterrows():
        cells = ([f"<th>{text(key)}</th>"] if index else []) + [
            _cell(row[c], column_kind(str(c))) for c in columns]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _metrics_table(metrics: pd.DataFrame, language: str, village: str) -> str:
    names = METRIC_NAMES[language]
    rows = []
    for name, row in metrics.iterrows():
        kind = metric_kind(str(name))
        before, after = (pd.to_numeric(row.get(k), errors="coerce") for k in ("before", "after"))
        change = after - before if np.isfinite(before) and np.isfinite(after) else np.nan
        rows.append(f"<tr><th>{text(metric_label(str(name), names, village))}</th>{_cell(row.get('before'), kind)}"
                    f"{_cell(row.get('after'), kind)}<td class=\"num\">"
                    f"{html.escape(('+' if change > 0 else '') + number_text(change, kind))}</td></tr>")
    head = "".join(f"<th>{html.escape(header(c, language, village))}</th>"
                   for c in ("metric", "before", "after", "change"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _arrow(pair: tuple[float, float], kind: str, unit: str) -> str:
    """``before → after unit``, the after in green when lower (every key figure is better lower)."""
    before, after = (number_text(v, kind) for v in pair)
    style = "better" if pair[1] < pair[0] else "worse" if pair[1] > pair[0] else ""
    return (f'{html.escape(before)} → <span class="{style}">{html.escape(after)}</span>'
            + (f" <small>{html.escape(unit)}</small>" if unit else ""))


def _cards(figures: KeyFigures, lab: dict[str, Any], language: str, village: str) -> str:
    head, posts = stations_text(figures, language)
    items = [(lab["stations_card"], html.escape(head), posts.strip())]
    items += [(row.label, _arrow(row.pair, row.kind, row.unit), row.note)
              for row in figure_rows(figures, language, village)]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{html.escape(label)}</div><div class="big">{big}</div>'
        + (f'<div class="note">{html.escape(note)}</div>' if note else "") + "</div>"
        for label, big, note in items) + "</div>"


def _lead(plan: Any, figures: KeyFigures, lab: dict[str, Any], language: str) -> str:
    """How the districts are made, the solver's verdict and the bundling rule, in sentences."""
    colon = "：" if language == "zh" else ": "
    lines = [f"<b>{html.escape(composition_text(figures, language))}</b>",
             html.escape(lab["solver"] + colon + solver_text(plan.solver or {}, language))]
    if rule := getattr(plan, "bundling_rule", None):
        lines.append(html.escape(lab["rule"] + colon + str(rule)))
    return ('<p class="lead">' + "<br>".join(lines) + "</p>" + _bundles(plan, lab, language)
            + pins_note(getattr(plan, "pins", None), language=language))  # villages pinned by hand, broken rules red


def _bundles(plan: Any, lab: dict[str, Any], language: str) -> str:
    """Which stations each centre absorbs as posts: one row per centre."""
    stations = plan.stations
    posts = stations[stations["role"] == "post"]
    if not len(posts):
        return ""
    names = dict(zip(stations["station_id"].astype(str), stations["name"].astype(str), strict=True))
    sep = "、" if language == "zh" else ", "
    colours = station_colours(stations["station_id"])
    rows = "".join(f'<tr><td class="name"><span class="chip" style="background:{colours[str(centre)]}"></span>'
                   f"{text(names.get(str(centre), centre))}</td><td>"
                   f"{text(sep.join(group['name'].astype(str)))}</td></tr>"
                   for centre, group in posts.groupby("centre", sort=False))
    return (f'<table class="bundles"><thead><tr><th>{html.escape(lab["bundle_head"][0])}</th>'
            f'<th>{html.escape(lab["bundle_head"][1])}</th></tr></thead><tbody>{rows}</tbody></table>')


def _solver_table(plan: Any, lab: dict[str, Any], language: str, village: str) -> str:
    solver, names = dict(plan.solver or {}), lab["solver_rows"]
    rows = [("verdict", solver_text(solver, language)),
            ("model", formulation_text(str(solver.get("formulation", "")), language)),
            ("objective", objective_text(solver.get("objective"), plan.scenario, language, village))]
    if solver.get("status") != "optimal" or (solver.get("gap") or 0) > 0:
        rows += [("bound", objective_text(solver.get("bound"), plan.scenario, language, village, bare=True)),
                 ("gap", gap_text(solver.get("gap")))]
    rows += [("seconds", number_text(solver.get("seconds"), "minutes")),
             ("solver", SOLVER_NAMES.get(str(solver.get("solver", "")), str(solver.get("solver", ""))))]
    if "n_variables" in solver:
        rows.append(("size", lab["size"].format(n=number_text(solver.get("n_variables")),
                                                m=number_text(solver.get("n_constraints")))))
    if getattr(plan.scenario, "contiguity", None) and "rounds" in solver:
        rows.append(("rounds", number_text(solver["rounds"])))
    return "<table>" + "".join(f"<tr><th>{html.escape(names[k])}</th><td>{html.escape(v)}</td></tr>"
                               for k, v in rows) + "</table>"


def _diagnosis(plan: Any, lab: dict[str, Any], language: str, village: str) -> str:
    diagnosis = getattr(plan, "diagnosis", None)
    if diagnosis is None:
        return ""
    parts = [f"<h2>{html.escape(lab['diagnosis'])}</h2>"]
    if sentence := reach_sentence(diagnosis, language):
        parts.append(f"<p>{html.escape(sentence)}</p>")
    for title, table, heads in diagnosis_sections(diagnosis, language, village):
        body = (f'<div class="wide">{html_table(table, heads)}</div>' if len(table)
                else f"<p>{html.escape(lab['none'])}</p>")
        count = "" if "minutes" in table.columns else f"（{len(table)}）" if language == "zh" else f" ({len(table)})"
        parts.append(f"<h3>{html.escape(title + count)}</h3>{body}")
    return "\n".join(parts)


def report_html(plan: Any, language: str = "zh", *, today: datetime.date | None = None) -> str:
    """The report as an HTML string (see :func:`write_report`); ``today`` dates the title (default today)."""
    if language not in REPORT_LABELS:
        raise ScenarioError(f"language: unknown value {language!r}; expected one of {sorted(REPORT_LABELS)}")
    lab = REPORT_LABELS[language]
    scenario = plan.scenario
    name = str(getattr(scenario, "name", ""))
    limit = getattr(scenario, "limit", None)
    village = village_word(plan.villages, language)
    figures = key_figures(plan)
    districts = pd.DataFrame(plan.districts.drop(columns=plan.districts.geometry.name))
    by_class = [c for c in districts.columns if str(c).startswith("road_km_")]
    main = [c for c in districts.columns if c not in by_class]
    roads = [c for c in ("name", "road_km") if c in districts.columns] + by_class
    heads = headers(districts.columns, language, village)
    title = f"{lab['title']}：{name}" if language == "zh" else f"{lab['title']}: {name}"
    sub = [lab["date"].format(d=today or datetime.date.today())]
    if limit is not None:
        sub.append(lab["limit"].format(t=f"{float(limit):g}"))
    pictures = [(travel_time_chart(plan, language), lab["travel_alt"]),
                (workload_chart(plan, language), lab["workload_alt"])]
    attribution = getattr(plan, "attribution", None)
    colon = "：" if language == "zh" else ": "
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if language == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f'<h1>{html.escape(title)}</h1><p class="sub">{html.escape(" · ".join(sub))}</p>',
        '<div class="top"><div>', _cards(figures, lab, language, village), _lead(plan, figures, lab, language),
        f'</div><figure><img src="{district_picture(plan, language)}" alt="{html.escape(lab["map_alt"])}">'
        "</figure></div>",
        f"<h2>{html.escape(lab['districts'])}</h2><div class=\"wide\">{html_table(districts[main], heads)}</div>",
        (f"<h3>{html.escape(lab['roads'])}</h3><div class=\"wide\">{html_table(districts[roads], heads)}</div>"
         if by_class else ""),
        f"<h2>{html.escape(lab['metrics'])}</h2><div class=\"side\"><div>"
        f"{_metrics_table(plan.metrics, language, village)}</div><div><h3>{html.escape(lab['solver'])}</h3>"
        f"{_solver_table(plan, lab, language, village)}</div></div>",
        _diagnosis(plan, lab, language, village),
        f"<h2>{html.escape(lab['pictures'])}</h2>"
        + "".join(f'<p><img src="{uri}" alt="{html.escape(alt)}"></p>' for uri, alt in pictures),
    ]
    if attribution:
        if language == "zh":
            attribution = CHINESE_ATTRIBUTIONS.get(str(attribution), attribution)
        parts.append(f'<p class="foot">{html.escape(lab["attribution"] + colon)}{html.escape(str(attribution))}</p>')
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def write_report(plan: Any, path: str | os.PathLike, *, language: str = "zh") -> Path:
    """Write the plan's report to one self-contained HTML file (atomically).

    Contents: title (scenario name, date, travel-time limit in minutes); the key figures before
    -> after (stations -> districts with centres, kept stations and posts; split villages;
    villages beyond the limit; longest and population-weighted mean travel minutes; officers
    needed at ``scenario.officers_per_10k``), all recomputed from the plan's villages and
    stations; the solver's verdict in words; a map picture of the districts; the district
    table; metrics before and after; the diagnosis as tables; the solver's details (the
    objective with its unit); and two charts: the population-weighted travel-time distribution
    before and after (with the limit) and the workload per district (mean ± tolerance).

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
