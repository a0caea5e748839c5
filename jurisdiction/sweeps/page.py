"""A sweep's HTML index pages: the trade-off chart of one county, and the province's counties.

The county page draws, for every run, centres against mean minutes, max minutes and officers
needed, in inline SVG with a little inline JavaScript (nothing is downloaded): the Pareto-optimal
runs are marked, every point links to its run's plan map, and a run without a plan is drawn as a
cross at the top of each panel with its reason. A table below lists every run with links to its
map and report. Names from data are escaped; links are relative, so the folder can be moved.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import pandas as pd

from jurisdiction.outputs.map_assets import text
from jurisdiction.sweeps.table import PLANNED

#: The chart's panels: column, title.
PANELS = (("mean_minutes", "mean minutes (population-weighted)"), ("max_minutes", "max minutes"),
          ("officers_needed", "officers needed"))
#: Series colours, one per (limit, balance) pair, in the order they first appear.
SERIES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
#: Panel size and margins, pixels.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 340, 240, 48, 12, 34, 36
#: The table's columns: column, heading.
TABLE = (("run", "run"), ("centres", "centres"), ("limit", "limit (min)"), ("balance", "balance"),
         ("status", "status"), ("gap", "gap"), ("districts", "districts"), ("posts", "posts"),
         ("mean_minutes", "mean min"), ("max_minutes", "max min"), ("villages_beyond", "villages beyond"),
         ("officers_needed", "officers needed"), ("seconds", "seconds"))

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} .panels{display:flex;flex-wrap:wrap;gap:12px} svg{background:#fafafa;border:1px solid #ddd}
.pt{cursor:pointer} .pt.dim{opacity:.5} .pt.on circle,.pt.on path{stroke:#d00;stroke-width:3}
.hidden{display:none} table{border-collapse:collapse;margin-top:1em;font-size:.9em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right} td.l,th.l{text-align:left}
tr.on{background:#fde8e8} .legend span{margin-right:1.2em} .bad{color:#a00;min-width:28em}
"""

SCRIPT = """
(function(){
  function mark(run, on){
    document.querySelectorAll('[data-run]').forEach(function(el){
      if(el.getAttribute('data-run')===run){el.classList.toggle('on', on);}
    });
  }
  document.querySelectorAll('[data-run]').forEach(function(el){
    el.addEventListener('mouseenter', function(){mark(el.getAttribute('data-run'), true);});
    el.addEventListener('mouseleave', function(){mark(el.getAttribute('data-run'), false);});
  });
  var only = document.getElementById('pareto-only');
  only.addEventListener('change', function(){
    document.querySelectorAll('[data-pareto="0"]').forEach(function(el){
      el.classList.toggle('hidden', only.checked);
    });
  });
})();
"""


def _href(*parts: str) -> str:
    """A relative link to a file under the page's folder, quoted and escaped."""
    return html.escape("/".join(quote(part) for part in parts), quote=True)


def _number(value: Any) -> float:
    return math.nan if value is None or value is pd.NA else float(value)


def _cell(value: Any) -> str:
    """A table cell's text: missing values (NA, None) as a dash, the rest as :func:`text` gives it."""
    return "—" if value is None or value is pd.NA else text(value)


def _key(row: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """A run's series: its (limit, balance), None for none (NaN would not equal itself)."""
    limit, balance = _number(row["limit"]), _number(row["balance"])
    return (None if math.isnan(limit) else limit, None if math.isnan(balance) else balance)


def _series(table: pd.DataFrame) -> dict[tuple[float | None, float | None], str]:
    keys = dict.fromkeys(_key(row) for row in table.to_dict("records"))
    return {key: SERIES[i % len(SERIES)] for i, key in enumerate(keys)}


def _series_label(key: tuple[float | None, float | None]) -> str:
    limit, balance = key
    label = "no limit" if limit is None else f"limit {limit:g} min"
    return label if balance is None else f"{label}, balance ±{balance:g}"


def _tooltip(row: Mapping[str, Any]) -> str:
    lines = [f"{row['run']}: {row['status']}"]
    if row["status"] in PLANNED:
        lines.append(f"centres {row['centres']}, mean {_number(row['mean_minutes']):.1f} min, "
                     f"max {_number(row['max_minutes']):.1f} min, officers {text(_number(row['officers_needed']))}")
        lines.append("Pareto-optimal" if row["pareto"] else "dominated")
    else:
        lines.append(str(row["reason"]))
    return html.escape("\n".join(lines))


def _step(high: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving at most 6 ticks up to ``high``."""
    if not high > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(high / 5))
    return next(power * m for m in (1, 2, 5, 10) if high / (power * m) <= 5)


def _panel(table: pd.DataFrame, column: str, title: str, colours: dict, links: Mapping[str, str]) -> str:  # noqa: C901
    """One SVG panel: centres (x) against ``column`` (y), a point per run."""
    planned = table[table["status"].isin(PLANNED)]
    values = planned[column].map(_number)
    values = values[values.notna()]
    low_x, high_x = float(table["centres"].min()) - 0.6, float(table["centres"].max()) + 0.6
    step = _step(float(values.max()) if len(values) else 0.0)
    high_y = step * max(math.ceil(float(values.max()) * 1.08 / step), 1) if len(values) else step * 4
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(centres: float) -> float:
        return LEFT + (centres - low_x) / (high_x - low_x) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - value / high_y * plot_h

    parts = [f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
             f'<text x="{LEFT}" y="14" font-size="13" font-weight="bold">{html.escape(title)}</text>',
             f'<text x="{LEFT - 6}" y="{TOP - 7}" font-size="10" text-anchor="end" fill="#a00">no plan</text>',
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#888"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#888"/>']
    for k in range(math.ceil(low_x), math.floor(high_x) + 1):
        parts.append(f'<text x="{x(k):.1f}" y="{TOP + plot_h + 14}" font-size="10" text-anchor="middle">{k}</text>')
    for i in range(round(high_y / step) + 1):
        value = step * i
        parts.append(f'<text x="{LEFT - 4}" y="{y(value) + 3:.1f}" font-size="10" text-anchor="end">{value:g}</text>')
        parts.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" stroke="#eee"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" font-size="11" text-anchor="middle">centres</text>')
    keys = list(colours)
    for row in table.to_dict("records"):
        key = _key(row)
        offset = (keys.index(key) - (len(keys) - 1) / 2) * min(0.7 / len(keys), 0.25)  # series side by side
        cx = x(float(row["centres"]) + offset)
        value = _number(row[column])
        run = html.escape(str(row["run"]), quote=True)
        shape = f"<title>{_tooltip(row)}</title>"
        if row["status"] not in PLANNED:
            cy = TOP - 10
            shape += (f'<path d="M{cx - 4:.1f},{cy - 4:.1f}L{cx + 4:.1f},{cy + 4:.1f}M{cx - 4:.1f},{cy + 4:.1f}'
                      f'L{cx + 4:.1f},{cy - 4:.1f}" stroke="#a00" stroke-width="2"/>')
        elif math.isnan(value):
            continue
        elif row["pareto"]:
            shape += (f'<circle cx="{cx:.1f}" cy="{y(value):.1f}" r="6" fill="{colours[key]}" stroke="#000" '
                      'stroke-width="2"/>')
        else:
            shape += (f'<circle cx="{cx:.1f}" cy="{y(value):.1f}" r="4" fill="#fff" stroke="{colours[key]}" '
                      'stroke-width="2"/>')
        pareto = "1" if row["pareto"] else "0"
        link = links.get(str(row["run"]))
        if link:
            parts.append(f'<a class="pt" href="{link}" data-run="{run}" data-pareto="{pareto}">{shape}</a>')
        else:
            parts.append(f'<g class="pt" data-run="{run}" data-pareto="{pareto}">{shape}</g>')
    parts.append("</svg>")
    return "".join(parts)


def _table(table: pd.DataFrame, folders: Mapping[str, str]) -> str:
    head = "".join(f'<th class="{"l" if c in ("run", "status") else ""}">{html.escape(h)}</th>' for c, h in TABLE)
    rows = []
    for row in table.to_dict("records"):
        folder = folders.get(str(row["run"]))
        cells = "".join(f'<td class="{"l" if c in ("run", "status") else ""}">{_cell(row[c])}</td>'
                        for c, _ in TABLE)
        links = (f'<a href="{_href(folder, "plan_map.html")}">map</a> · '
                 f'<a href="{_href(folder, "report.html")}">report</a>') if folder else ""
        reason = f'<td class="l bad">{html.escape(str(row["reason"]))}</td>' if row["status"] not in PLANNED else \
            '<td class="l"></td>'
        run = html.escape(str(row["run"]), quote=True)
        rows.append(f'<tr data-run="{run}" data-pareto="{"1" if row["pareto"] else "0"}">{cells}'
                    f'<td>{"★" if row["pareto"] else ""}</td><td class="l">{links}</td>{reason}</tr>')
    return (f'<table><thead><tr>{head}<th>Pareto</th><th class="l">plan</th><th class="l">reason</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}<script>{SCRIPT}</script></body></html>\n")


def sweep_page(table: pd.DataFrame, folders: Mapping[str, str], *, title: str) -> str:
    """The HTML index page of one county's sweep.

    Parameters
    ----------
    table : DataFrame
        The county's rows of the sweep's table (:data:`jurisdiction.sweeps.table.COLUMNS`).
    folders : mapping of str to str
        Run name -> its plan folder, relative to the page (runs without a plan have none).
    title : str
        The page's title (the county's name; escaped here).

    Returns
    -------
    str
        A self-contained HTML document.
    """
    colours = _series(table)
    links = {run: _href(folder, "plan_map.html") for run, folder in folders.items()}
    legend = "".join(f'<span><svg width="12" height="12"><circle cx="6" cy="6" r="5" fill="{colour}"/></svg> '
                     f"{html.escape(_series_label(key))}</span>" for key, colour in colours.items())
    planned = int(table["status"].isin(PLANNED).sum())
    summary = (f"{len(table)} runs: {planned} with a plan, {len(table) - planned} without; "
               f"{int(table['pareto'].sum())} Pareto-optimal (no other run has as few centres, as short mean "
               "and max minutes, and fewer of one). Filled, ringed points are Pareto-optimal; click a point "
               "for its plan map.")
    panels = "".join(_panel(table, column, name, colours, links) for column, name in PANELS)
    body = (f"<h1>Sweep · {html.escape(title)}</h1><p>{html.escape(summary)}</p>"
            f'<p class="legend">{legend}</p><label><input type="checkbox" id="pareto-only"> Pareto-optimal runs '
            f'only</label><div class="panels">{panels}</div>{_table(table, folders)}')
    return _document(f"Sweep · {title}", body)


def province_page(province: pd.DataFrame, pages: Mapping[str, str], *, title: str = "Province") -> str:
    """The HTML index page of a province's sweep: a row per county, linking to its page.

    Parameters
    ----------
    province : DataFrame
        :func:`jurisdiction.sweeps.table.province_table`.
    pages : mapping of str to str
        County -> its index page, relative to this page.
    title : str
        The page's title (escaped here).
    """
    columns = [c for c in province.columns if c != "county"]
    head = '<th class="l">county</th>' + "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in columns)
    rows = []
    for row in province.to_dict("records"):
        page = pages.get(str(row["county"]))
        name = html.escape(str(row["county"]))
        link = f'<a href="{_href(*page.split("/"))}">{name}</a>' if page else name
        rows.append(f'<tr data-run="{html.escape(str(row["county"]), quote=True)}" data-pareto="1">'
                    f'<td class="l">{link}</td>' + "".join(f"<td>{_cell(row[c])}</td>" for c in columns) + "</tr>")
    body = (f"<h1>{html.escape(title)}</h1><p>{len(province)} counties; each links to its sweep's page.</p>"
            f'<label class="hidden"><input type="checkbox" id="pareto-only"></label>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return _document(title, body)
