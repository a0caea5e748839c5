"""The map of a post placement: posts, their t-minute catchments, covered and uncovered villages.

One self-contained HTML file (folium; Leaflet inlined by
:func:`jurisdiction.outputs.map_assets.inline_leaflet`) that needs no network: there are no base
tiles, and the roads are drawn from the data as context. Each run (a time t and a number of
posts) is one overlay of the layer control, the first shown: its catchments (the area within t
of a post by road), its villages (filled in the colour of their nearest post when within t, a
red ring when beyond) and its posts (▲, in the colour of :func:`~jurisdiction.outputs.palette.station_colours`
over every candidate site, so a site keeps its colour from run to run). Every name from data is
HTML-escaped.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.files import atomic_write_text
from jurisdiction.outputs.map_assets import inline_leaflet, text
from jurisdiction.outputs.palette import station_colours

#: Red for villages beyond t (warnings are red on every map of the package).
BEYOND = "#e31a1c"
CATCHMENT = "#1a9850"
ROAD = "#9a9a9a"
#: Simplification of drawn lines and catchments, degrees (1e-5 is about 1 m).
SIMPLIFY = 2e-5

LABELS = {
    "zh": {"run": "{t:g} 分钟 · {posts} 个警务室 · 覆盖 {share:.1%}", "roads": "道路", "legend": "图例",
           "post": "警务室 / 巡逻点", "covered": "t 分钟内可达的村（社区）", "beyond": "超出时间的村（社区）",
           "catchment": "警务室的可达范围", "village_id": "编号", "weight": "权重", "minutes": "到最近警务室（分钟）",
           "nearest": "最近警务室", "site_id": "点位编号", "villages_covered": "覆盖村数",
           "weight_covered": "覆盖权重", "t": "t"},
    "en": {"run": "{t:g} min · {posts} posts · {share:.1%} covered", "roads": "Roads", "legend": "Legend",
           "post": "Post / patrol point", "covered": "Village within t", "beyond": "Village beyond",
           "catchment": "Area within t of a post", "village_id": "id", "weight": "weight",
           "minutes": "minutes to nearest post", "nearest": "nearest post", "site_id": "site id",
           "villages_covered": "villages covered", "weight_covered": "weight covered", "t": "t"},
}

#: Binds each feature's ``_popup`` (HTML escaped in Python) and ``_tooltip`` (escaped text).
ON_EACH_FEATURE = folium.JsCode("""
    function(feature, layer) {
        var p = feature.properties || {};
        if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 360}); }
        if (p._tooltip) { layer.bindTooltip(p._tooltip, {sticky: true}); }
    }
""")


class _Legend(MacroElement):
    """A fixed legend box, bottom left (its HTML built and escaped by :func:`_legend`)."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div id="jd-legend" style="position:fixed;bottom:50px;left:10px;z-index:1000;background:rgba(255,255,255,.92);
          padding:8px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.5 'Noto Sans CJK SC',
          'Microsoft YaHei',sans-serif;max-width:280px">{{ this.body }}</div>
        {% endmacro %}
    """)

    def __init__(self, body: str):
        super().__init__()
        self._name = "Legend"
        self.body = body


class _Bind(MacroElement):
    """Bind an (escaped) HTML popup and tooltip to the parent marker (folium's Popup needs jQuery)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.popup|tojson }}).bindTooltip({{ this.tooltip|tojson }});
        {% endmacro %}
    """)

    def __init__(self, popup: str, tooltip: str):
        super().__init__()
        self._name = "Bind"
        self.popup, self.tooltip = popup, tooltip


def _table(title: str, rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th style='text-align:left;font-weight:normal;color:#555;padding-right:8px'>"
                   f"{html.escape(k)}</th><td>{text(v)}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(title)}</b><table>{body}</table>"


def _geojson(gdf: gpd.GeoDataFrame, styles: list[dict], *, popups: list[str] | None = None,
             tooltips: list[str] | None = None, radius: float = 6) -> folium.GeoJson:
    """Features with their (escaped) popup, tooltip and style; coordinates rounded to 1e-6 degrees."""
    n = len(gdf)
    geoms = gdf.geometry.simplify(SIMPLIFY, preserve_topology=True).values
    data = gpd.GeoDataFrame(
        {"_popup": popups or [""] * n, "_tooltip": [html.escape(t) for t in tooltips or [""] * n],
         "_style": list(range(n))},
        geometry=shapely.transform(geoms, lambda xy: np.round(xy, 6)), crs=gdf.crs,
    )
    data = data[~data.geometry.is_empty & data.geometry.notna()]
    interactive = popups is not None or tooltips is not None
    return folium.GeoJson(data, on_each_feature=ON_EACH_FEATURE if interactive else None,
                          style_function=lambda feature: styles[feature["properties"]["_style"]],
                          marker=folium.CircleMarker(radius=radius), interactive=interactive, control=False)


def _run_layer(placement: Any, run: Any, colours: dict[str, str], labels: dict[str, str],
               show: bool) -> folium.FeatureGroup:
    name = labels["run"].format(t=run.minutes, posts=run.posts, share=run.share)
    group = folium.FeatureGroup(name=html.escape(name), show=show)
    bands = placement.catchments
    if bands is not None:
        mine = bands[(bands["run"] == run.run) & bands.geometry.notna()]
        if len(mine):
            union = gpd.GeoDataFrame(geometry=[shapely.union_all(mine.geometry.values)], crs=bands.crs)
            _geojson(union, [{"color": CATCHMENT, "weight": 1, "fillColor": CATCHMENT, "fillOpacity": 0.18,
                              "opacity": 0.5}]).add_to(group)
    demand = placement.demand[placement.demand["run"] == run.run]
    names = dict(zip(placement.sites["site_id"], placement.sites["name"], strict=True))
    styles, popups = [], []
    for row in demand.itertuples():
        fill = colours.get(row.post, "#555555") if row.covered else "#ffffff"
        styles.append({"color": "#333333" if row.covered else BEYOND, "weight": 1 if row.covered else 3,
                       "fill": True, "fillColor": fill, "fillOpacity": 0.9, "radius": 6})
        popups.append(_table(row.name, [(labels["village_id"], row.village_id), (labels["weight"], row.weight),
                                        (labels["nearest"], names.get(row.post, row.post)),
                                        (labels["minutes"], float(row.minutes_to_post))]))
    _geojson(demand, styles, popups=popups, tooltips=demand["name"].tolist()).add_to(group)
    posts = placement.posts[placement.posts["run"] == run.run]
    for row in posts.itertuples():
        icon = folium.DivIcon(html=f'<div style="color:{colours.get(row.site_id, "#333")};font-size:22px;'
                                   f'line-height:1;text-shadow:0 0 3px #000">▲</div>',
                              icon_size=(22, 22), icon_anchor=(11, 14))
        popup = _table(row.name, [(labels["site_id"], row.site_id), (labels["villages_covered"], row.villages_covered),
                                  (labels["weight_covered"], row.weight_covered)])
        marker = folium.Marker([row.geometry.y, row.geometry.x], icon=icon)
        marker.add_child(_Bind(popup, html.escape(str(row.name))))
        marker.add_to(group)
    return group


def _legend(placement: Any, labels: dict[str, str]) -> str:
    def dot(fill: str, edge: str, width: int) -> str:
        return (f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;background:{fill};'
                f'border:{width}px solid {edge};margin-right:6px;vertical-align:middle"></span>')

    items = [
        ('<span style="color:#1f77b4;font-size:16px;margin-right:6px;text-shadow:0 0 2px #000">▲</span>',
         labels["post"]),
        (dot("#1f77b4", "#333", 1), labels["covered"]),
        (dot("#ffffff", BEYOND, 3), labels["beyond"]),
        (f'<span style="display:inline-block;width:14px;height:10px;background:{CATCHMENT};opacity:.4;'
         f'margin-right:6px"></span>', labels["catchment"]),
        (f'<span style="display:inline-block;width:14px;height:2px;background:{ROAD};margin-right:6px;'
         f'vertical-align:middle"></span>', labels["roads"]),
    ]
    rows = "".join(f"<div>{swatch}{html.escape(label)}</div>" for swatch, label in items)
    return f"<b>{html.escape(labels['legend'])}</b> ({html.escape(placement.weight)}){rows}"


def posts_map(placement: Any, path: str | os.PathLike, *, language: str = "zh") -> Path:
    """Write the map of a post placement to one self-contained HTML file that needs no network.

    Parameters
    ----------
    placement : PostPlacement
        From :func:`jurisdiction.place_posts` (layers in WGS84).
    path : str or path-like
        The HTML file to write (atomically).
    language : {"zh", "en"}
        Language of the labels.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    if language not in LABELS:
        raise ScenarioError(f"language: unknown value {language!r}; expected one of {sorted(LABELS)}")
    labels = LABELS[language]
    bounds = placement.demand.total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], tiles=None,
                   zoom_start=13, control_scale=True, zoom_snap=0.25)
    inline_leaflet(m)
    if placement.attribution:
        m.get_root().html.add_child(Element(
            f'<div style="position:fixed;bottom:2px;right:4px;z-index:1000;font:10px sans-serif;color:#555;'
            f'background:rgba(255,255,255,.8);max-width:60%">{html.escape(placement.attribution)}</div>'))
    fit = folium.FitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(30, 30))
    fit.options["animate"] = False
    m.add_child(fit)
    roads = folium.FeatureGroup(name=html.escape(labels["roads"]), show=True)
    _geojson(placement.roads, [{"color": ROAD, "weight": 1.2, "opacity": 0.8}] * len(placement.roads)).add_to(roads)
    roads.add_to(m)
    colours = station_colours(placement.sites["site_id"])
    for i, run in enumerate(placement.coverage.itertuples()):
        _run_layer(placement, run, colours, labels, show=i == 0).add_to(m)
    m.add_child(_Legend(_legend(placement, labels)))
    folium.LayerControl(collapsed=False).add_to(m)
    page = m.get_root().render().replace("<html>", f'<html lang="{"zh-CN" if language == "zh" else "en"}">', 1)
    return atomic_write_text(path, page)
