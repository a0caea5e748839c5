"""Interactive HTML maps of a plan (folium/Leaflet): districts after and before, isochrones.

Each map is one self-contained HTML file: Leaflet is inlined (see
:mod:`jurisdiction.outputs.map_assets`), only the base tiles come from a tile server (OpenStreetMap
or Amap), and ``tiles="none"`` needs no network at all. Before/after: the plan districts and
the current districts are two overlays of one layer control (after shown, before hidden), so
a click toggles between them on the same map. Every name from data is HTML-escaped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import folium

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.editor import add_editor
from jurisdiction.outputs.files import atomic_write_text
from jurisdiction.outputs.map_assets import Attribution, Legend, inline_leaflet, legend_html, swatch, symbol
from jurisdiction.outputs.map_layers import (
    ROLE_SYMBOL,
    SPLIT,
    bundle_layer,
    districts_layer,
    draw_layer,
    isochrone_layers,
    roads_layer,
    split_layer,
    station_layer,
    village_layer,
)

#: Tile choices: name -> (URL or folium built-in name, attribution, subdomains).
TILES = {
    "openstreetmap": ("OpenStreetMap", None, None),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
             "&x={x}&y={y}&z={z}", "© 高德地图 AutoNavi", "1234"),
    "none": (None, None, None),
}

LABELS = {
    "zh": {
        "plan": "规划辖区（调整后）", "current": "现行辖区（调整前）", "split": "被拆分的村",
        "villages": "村（点击查看）", "stations": "派出所", "bundles": "合并连线（警务室→中心所）",
        "isochrone": "{m:g} 分钟等时圈", "roads": "主要道路", "legend": "图例",
        "centre": "中心派出所", "post": "警务室（并入）", "station": "派出所（保留）",
        "district": "辖区", "symbols": "标识", "reach": "等时圈", "share": "份额",
        "village_id": "村编号", "township": "乡镇", "population": "人口", "incidents": "警情",
        "current_station": "原派出所", "centre_station": "新派出所", "minutes_before": "原时间（分钟）",
        "minutes": "新时间（分钟）", "moved": "调整", "station_id": "编号", "kind": "类型",
        "officers": "警力", "role": "角色", "reports_to": "所属中心所", "minutes_short": "分钟",
        "villages_n": "村数", "area_km2": "面积（km²）", "road_km": "道路（km）",
        "max_minutes": "最长时间（分钟）", "mean_minutes": "平均时间（分钟）",
        "officers_needed": "需要警力", "posts": "警务室", "name": "名称",
    },
    "en": {
        "plan": "Plan districts (after)", "current": "Current districts (before)",
        "split": "Split villages", "villages": "Villages (click for details)", "stations": "Stations",
        "bundles": "Bundles (post → centre)", "isochrone": "Isochrone {m:g} min",
        "roads": "Main roads", "legend": "Legend", "centre": "Central station",
        "post": "Post (absorbed)", "station": "Station (kept)", "district": "Districts",
        "symbols": "Symbols", "reach": "Isochrones", "share": "share", "village_id": "village id",
        "township": "township", "population": "population", "incidents": "incidents",
        "current_station": "station before", "centre_station": "station after",
        "minutes_before": "minutes before", "minutes": "minutes after", "moved": "moved",
        "station_id": "id", "kind": "kind", "officers": "officers", "role": "role",
        "reports_to": "reports to", "minutes_short": "min", "villages_n": "villages",
        "area_km2": "area (km²)", "road_km": "roads (km)", "max_minutes": "max minutes",
        "mean_minutes": "mean minutes", "officers_needed": "officers needed", "posts": "posts",
        "name": "name",
    },
}
def _labels(language: str) -> dict[str, str]:
    if language not in LABELS:
        raise ScenarioError(f"language: unknown value {language!r}; expected one of {sorted(LABELS)}")
    return LABELS[language]


def _base_map(plan: Any, tiles: str) -> folium.Map:
    if tiles not in TILES:
        raise ScenarioError(f"tiles: unknown value {tiles!r}; expected one of {sorted(TILES)}")
    bounds = draw_layer(plan.villages, tiles).total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
                   tiles=None, zoom_start=11, control_scale=True)
    inline_leaflet(m)
    url, attribution, subdomains = TILES[tiles]
    if url == "OpenStreetMap":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    elif url is not None:
        folium.TileLayer(url, attr=attribution, subdomains=subdomains, name="高德地图 Amap",
                         max_zoom=18).add_to(m)
    if getattr(plan, "attribution", None):
        m.add_child(Attribution(str(plan.attribution)))
    # The first view jumps to the data: an animated zoom from the start view (4 levels for a city
    # district) can leave the vector layers drawn for the old view, clipped (seen in Chromium).
    fit = folium.FitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    fit.options["animate"] = False
    m.add_child(fit)
    return m


def _write(m: folium.Map, path: str | os.PathLike, language: str) -> Path:
    page = m.get_root().render()
    page = page.replace("<html>", f'<html lang="{"zh-CN" if language == "zh" else "en"}">', 1)
    return atomic_write_text(path, page)


def _legend(labels: dict[str, str], districts: list[tuple[str, str]], symbols: list[tuple[str, str]],
            extra: list[tuple[str, str]], bands: list[tuple[str, str]]) -> Legend:
    marks = [(symbol(*ROLE_SYMBOL[role]), labels[key]) for role, key in symbols]
    return Legend(legend_html(labels["legend"], [(labels["district"], districts),
                                                 (labels["symbols"], marks + extra),
                                                 (labels["reach"], bands)]))


def plan_map(plan: Any, path: str | os.PathLike, *, tiles: str = "openstreetmap",
             language: str = "zh") -> Path:
    """Write the plan's interactive map to one self-contained HTML file.

    Overlays (layer control, top right): plan districts (after; shown, neighbours in different
    colours, popup = the district's table row), current districts (before; hidden: toggle to
    compare), split villages (red dashed), villages (popups), main roads, one isochrone band
    per threshold (hidden, nested green-to-red), bundle lines from each post to its centre,
    stations (★ centre, ● post, ■ untouched station). Legend bottom left; the data
    attribution (``plan.attribution``) in the attribution control.

    Parameters
    ----------
    plan : Plan
        The plan; layers in WGS84 (EPSG:4326) or any CRS (reprojected for drawing).
    path : str or path-like
        The HTML file to write (atomically).
    tiles : {"openstreetmap", "amap", "none"}
        Base tiles. ``"amap"`` shifts every overlay to GCJ-02 to match Amap's tiles; ``"none"``
        draws no base layer (the file then needs no network at all).
    language : {"zh", "en"}
        Language of the map's labels.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    labels = _labels(language)
    m, bands = _map_with_context(plan, tiles, labels)
    before, _ = districts_layer(draw_layer(plan.current_districts, tiles), labels["current"],
                                labels, show=False, dashed=True)
    before.add_to(m)
    after, items = districts_layer(draw_layer(plan.districts, tiles), labels["plan"],
                                   labels, show=True)
    after.add_to(m)
    split = split_layer(plan, tiles, labels, show=False)
    if split is not None:
        split.add_to(m)
    village_layer(plan, draw_layer(plan.villages, tiles), labels).add_to(m)
    stations = draw_layer(plan.stations, tiles)
    bundle_layer(plan, stations, labels).add_to(m)
    station_layer(plan, stations, labels, with_roles=True).add_to(m)
    extra = [(swatch("#ffffff", SPLIT, dashed=True), labels["split"]),
             ('<span style="color:#b30000;margin-right:4px">- - -</span>', labels["bundles"])]
    m.add_child(_legend(labels, items, [("centre", "centre"), ("post", "post"), ("station", "station")], extra, bands))
    folium.LayerControl(collapsed=False).add_to(m)
    add_editor(m, plan, tiles=tiles, language=language)
    return _write(m, path, language)


def _map_with_context(plan: Any, tiles: str, labels: dict) -> tuple[folium.Map, Any]:
    """The base map with the isochrone bands and main roads both maps share."""
    m = _base_map(plan, tiles)
    bands = isochrone_layers(plan, m, tiles, labels)
    roads = roads_layer(plan, tiles, labels)
    if roads is not None:
        roads.add_to(m)
    return m, bands


def current_map(plan: Any, path: str | os.PathLike, *, tiles: str = "openstreetmap",
                language: str = "zh") -> Path:
    """Write the map of the situation before the plan to one self-contained HTML file.

    Overlays: current districts (shown, popups with station name), split villages (shown, red
    dashed outline, popup with each piece's station and share), villages (popups), main
    roads, isochrone bands per threshold (hidden), stations (■). Legend, layer control and
    data attribution as in :func:`plan_map`.

    Parameters
    ----------
    plan : Plan
        The plan (its ``current_districts``, ``split_villages``, ``villages``, ``stations``).
    path : str or path-like
        The HTML file to write (atomically).
    tiles : {"openstreetmap", "amap", "none"}
        Base tiles, as in :func:`plan_map`.
    language : {"zh", "en"}
        Language of the map's labels.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    labels = _labels(language)
    m, bands = _map_with_context(plan, tiles, labels)
    before, items = districts_layer(draw_layer(plan.current_districts, tiles), labels["current"],
                                    labels, show=True)
    before.add_to(m)
    split = split_layer(plan, tiles, labels, show=True)
    if split is not None:
        split.add_to(m)
    village_layer(plan, draw_layer(plan.villages, tiles), labels).add_to(m)
    station_layer(plan, draw_layer(plan.stations, tiles), labels, with_roles=False).add_to(m)
    extra = [(swatch("#ffffff", SPLIT, dashed=True), labels["split"])]
    m.add_child(_legend(labels, items, [("station", "stations")], extra, bands))
    folium.LayerControl(collapsed=False).add_to(m)
    return _write(m, path, language)
