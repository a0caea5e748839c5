"""The frame around the maps of a page: title bar, key figures, print button, north arrow, scale.

The title bar names the scenario and the date and states the plan's key figures (stations ->
centres + posts, villages beyond the limit, longest and mean minutes). The print view
(``jd.printView`` in ``assets/map.js``, ``assets/map.css``) is one A3 landscape page: the title
bar, the map(s) refitted to the data, legend, scale bar, north arrow and credits, no controls.
"""

from __future__ import annotations

import datetime
import html
import math
from typing import Any

import folium
from branca.element import Element

from jurisdiction.outputs.map_assets import Control, Script, js

#: Height of the title bar, CSS pixels (the maps start below it).
HEADER_PX = 56
#: The north arrow (指北针): a split arrowhead under the letter.
NORTH = ('<svg width="34" height="50" viewBox="0 0 34 50" role="img" aria-label="{label}">'
         '<text x="17" y="12" text-anchor="middle" font-size="13" font-weight="700" '
         'font-family="sans-serif">{label}</text>'
         '<polygon points="17,15 28,47 17,39" fill="#222"/>'
         '<polygon points="17,15 6,47 17,39" fill="#fff" stroke="#222" stroke-width="1.2"/></svg>')


def key_figures(plan: Any, labels: dict[str, str]) -> list[str]:
    """The plan's key figures as short sentences (plain text).

    Stations before -> after (new centres + kept stations) + posts, from the station roles;
    villages beyond the limit, longest and population-weighted mean minutes after, from
    ``plan.metrics``.
    """
    stations = plan.stations
    roles = stations["role"].astype(str) if "role" in stations else None
    figures = []
    if roles is not None:
        new, kept, posts = ((roles == r).sum() for r in ("centre", "station", "post"))
        figures.append(labels["figures" if kept else "figures_all_new"].format(
            stations=len(stations), centres=new + kept, new=new, kept=kept, posts=posts))
    metrics = getattr(plan, "metrics", None)
    if metrics is not None and "after" in metrics:
        after = metrics["after"]
        beyond = [k for k in after.index if str(k).startswith("villages beyond")]
        if beyond:
            figures.append(labels["beyond_n"].format(n=int(after[beyond[0]])))
        for key, row in (("longest", "max minutes"), ("mean", "population-weighted mean minutes")):
            if row in after.index and math.isfinite(float(after[row])):
                figures.append(labels[key].format(m=float(after[row])))
    return figures


def add_frame(root: Any, plan: Any, labels: dict[str, str], panes: list[tuple[folium.Map, list]]) -> None:
    """Put the title bar on the page and frame each map pane.

    Parameters
    ----------
    root : branca Figure
        The page.
    plan : Plan
        For the title (``plan.scenario.name``) and the key figures.
    labels : dict
        The map's words.
    panes : list of (folium.Map, bounds)
        The maps side by side, left to right, each with its data bounds
        ``[[south, west], [north, east]]`` (degrees), fitted on print.
    """
    name = str(getattr(plan.scenario, "name", "") or "")
    title = html.escape(labels["title"].format(name=name))
    figures = " · ".join(html.escape(f) for f in key_figures(plan, labels))
    date = f"{labels['date']} {datetime.date.today().isoformat()}"
    root.html.add_child(Element(
        f'<header class="jd-header"><h1>{title}</h1><div class="jd-figures">{figures}</div>'
        f'<div class="jd-date">{html.escape(date)}</div><button type="button" class="jd-print-button" '
        f'onclick="jd.print()">{html.escape(labels["print"])}</button></header>'), name="jd_header")
    width = 100 / len(panes)
    css = []
    for k, (m, bounds) in enumerate(panes):
        css.append(f"#{m.get_name()} {{ position: absolute !important; top: {HEADER_PX}px !important; "
                   f"bottom: 0; height: auto !important; left: {k * width:g}% !important; "
                   f"width: {width:g}% !important; {'border-left: 2px solid #1f4e79;' if k else ''} }}")
        m.add_child(Script(f"jd.register({{map}}, {js(bounds)});"
                           "L.control.scale({imperial: false, maxWidth: 160}).addTo({map});"))
        m.add_child(Control(NORTH.format(label=html.escape(labels["north"])), position="bottomleft",
                            css="jd-north"))
    root.header.add_child(Element(f"<style>{' '.join(css)}</style>"), name="jd_panes")
    if len(panes) > 1:
        root.html.add_child(Element("<script>document.documentElement.classList.add('jd-dual');</script>"),
                            name="jd_dual")
