"""Interactive HTML maps of a plan (folium/Leaflet): districts after and before, isochrones.

Each map is one self-contained HTML file: Leaflet is inlined (see
:mod:`jurisdiction.map_assets`), only the base tiles come from a tile server (OpenStreetMap
or Amap), and ``tiles="none"`` needs no network at all. Before/after: the plan districts and
the current districts are two overlays of one layer control (after shown, before hidden), so
a click toggles between them on the same map. Every name from data is HTML-escaped.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from jurisdiction.errors import ScenarioError
from jurisdiction.export import atomic_write_text
from jurisdiction.map_assets import (
    ON_EACH_FEATURE, Attribution, BindPopup, Legend, inline_leaflet, legend_html, swatch, symbol,
    table,
)

#: Tile choices: name -> (URL or folium built-in name, attribution, subdomains).
TILES = {
    "openstreetmap": ("OpenStreetMap", None, None),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
             "&x={x}&y={y}&z={z}", "© 高德地图 AutoNavi", "1234"),
    "none": (None, None, None),
}

#: District fill colours (red is kept for split villages); neighbours get different ones.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a"]
#: Isochrone band colours, from the shortest threshold to the longest.
BANDS = ["#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027"]
SPLIT = "#e31a1c"
#: Simplification tolerance of drawn polygons and lines (degrees; 1e-5 is about 1 m), and of
#: isochrone bands, which are unions of buffered roads with many vertices (about 5 m).
SIMPLIFY, SIMPLIFY_BANDS = 1e-5, 5e-5
ROLE_SYMBOL = {"centre": ("★", "#b30000", 22), "post": ("●", "#1f4e79", 12),
               "station": ("■", "#333333", 13)}

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
MAJOR_ROADS = {"expressway", "national", "provincial", "county", "motorway", "trunk", "primary",
               "secondary"}


def _labels(language: str) -> dict[str, str]:
    if language not in LABELS:
        raise ScenarioError(f"language: unknown value {language!r}; expected one of {sorted(LABELS)}")
    return LABELS[language]


def district_colours(districts: gpd.GeoDataFrame) -> list[str]:
    """A colour per district such that districts sharing a border get different colours.

    Greedy colouring (largest degree first) of the adjacency graph (geometries that intersect).
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(len(districts)))
    left, right = districts.sindex.query(districts.geometry, predicate="intersects")
    graph.add_edges_from((int(a), int(b)) for a, b in zip(left, right) if a != b)
    colour = nx.greedy_color(graph, strategy="largest_first")
    return [PALETTE[colour[i] % len(PALETTE)] for i in range(len(districts))]


def _draw_layer(gdf: gpd.GeoDataFrame, tiles: str) -> gpd.GeoDataFrame:
    """The layer in the drawing CRS: WGS84, or GCJ-02 for Amap tiles."""
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    if tiles == "amap":
        from jurisdiction.crs import to_gcj02

        gdf = to_gcj02(gdf)
    return gdf


def _geojson(gdf: gpd.GeoDataFrame, name: str, *, popups: list[str], tooltips: list[str],
             styles: list[dict[str, Any]], show: bool, radius: float = 6,
             tolerance: float = SIMPLIFY) -> folium.GeoJson:
    """A GeoJSON overlay whose features carry their (escaped) popup, tooltip and style.

    Geometries are simplified by ``tolerance`` (degrees) and rounded to 1e-6 degrees
    (about 0.1 m) to keep the file small.
    """
    geoms = gdf.geometry.simplify(tolerance, preserve_topology=True).values if tolerance else gdf.geometry.values
    data = gpd.GeoDataFrame(
        {"_popup": popups, "_tooltip": [html.escape(t) for t in tooltips],
         "_style": list(range(len(gdf)))},
        geometry=shapely.transform(geoms, lambda xy: np.round(xy, 6)), crs=gdf.crs,
    )
    data = data[~data.geometry.is_empty & data.geometry.notna()]
    return folium.GeoJson(
        data, name=html.escape(name), show=show, on_each_feature=ON_EACH_FEATURE,
        style_function=lambda feature: styles[feature["properties"]["_style"]],
        marker=folium.CircleMarker(radius=radius),
    )


def _names(plan: Any) -> dict[str, str]:
    return dict(zip(plan.stations["station_id"].astype(str), plan.stations["name"].astype(str)))


def _district_popups(districts: gpd.GeoDataFrame, labels: dict[str, str]) -> list[str]:
    keys = {"villages": "villages_n", "centre": "station_id"}
    columns = [c for c in districts.columns if c != districts.geometry.name and c != "name"]
    return [table(str(row["name"]), [(labels.get(keys.get(c, c), c), row[c]) for c in columns])
            for _, row in districts.iterrows()]


def _village_layer(plan: Any, villages: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    names = _names(plan)
    fields = [("village_id", "village_id"), ("township", "township"), ("population", "population"),
              ("incidents", "incidents"), ("current", "current_station"), ("centre", "centre_station"),
              ("minutes_before", "minutes_before"), ("minutes", "minutes"), ("moved", "moved")]
    popups = []
    for _, row in villages.iterrows():
        rows = [(labels[label], names.get(str(row[col]), row[col]) if col in ("current", "centre")
                 else row[col]) for col, label in fields if col in villages.columns]
        popups.append(table(str(row["name"]), rows))
    moved = villages["moved"].to_numpy(bool) if "moved" in villages else np.zeros(len(villages), bool)
    styles = [{"color": "#000000" if m else "#666666", "weight": 2.5 if m else 0.7,
               "fillColor": "#ffffff", "fillOpacity": 0.05} for m in moved]
    return _geojson(villages, labels["villages"], popups=popups,
                    tooltips=villages["name"].astype(str).tolist(), styles=styles, show=False)


def _isochrone_layers(plan: Any, m: folium.Map, tiles: str, labels: dict[str, str],
                      stations: set[str] | None = None) -> list[tuple[str, str]]:
    """One hidden overlay per threshold, nested colours; returns legend items."""
    iso = plan.isochrones
    if iso is None or len(iso) == 0:
        return []
    iso = _draw_layer(iso, tiles)
    if stations is not None:
        iso = iso[iso["station_id"].astype(str).isin(stations)]
    names = _names(plan)
    thresholds = sorted(float(t) for t in iso["minutes"].unique())
    colours = [BANDS[min(k * len(BANDS) // len(thresholds), len(BANDS) - 1)]
               for k in range(len(thresholds))]
    for minutes, colour in reversed(list(zip(thresholds, colours))):  # widest band drawn first
        band = iso[iso["minutes"].astype(float) == minutes]
        tips = [f"{names.get(str(s), s)} ≤ {minutes:g} {labels['minutes_short']}"
                for s in band["station_id"]]
        style = {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.25}
        _geojson(band, labels["isochrone"].format(m=minutes), popups=[html.escape(t) for t in tips],
                 tooltips=tips, styles=[style] * len(band), show=False, tolerance=SIMPLIFY_BANDS).add_to(m)
    return [(swatch(c, c, opacity=0.5), labels["isochrone"].format(m=t))
            for t, c in zip(thresholds, colours)]


def _districts_layer(districts: gpd.GeoDataFrame, name: str, key: str, labels: dict[str, str],
                     show: bool, dashed: bool = False) -> tuple[folium.GeoJson, list[tuple[str, str]]]:
    colours = district_colours(districts)
    styles = [{"color": "#333333", "weight": 1.5, "fillColor": c, "fillOpacity": 0.45,
               **({"dashArray": "6 4"} if dashed else {})} for c in colours]
    layer = _geojson(districts, name, popups=_district_popups(districts, labels),
                     tooltips=districts["name"].astype(str).tolist(), styles=styles, show=show)
    return layer, [(swatch(c), str(n)) for c, n in zip(colours, districts["name"])]


def _split_layer(plan: Any, tiles: str, labels: dict[str, str], show: bool) -> folium.GeoJson | None:
    split = plan.split_villages
    if split is None or len(split) == 0:
        return None
    split = _draw_layer(split, tiles)
    names = _names(plan)
    popups = [table(str(r["name"]), [(labels["village_id"], r["village_id"]),
                                     (labels["station"], names.get(str(r["station_id"]), r["station_id"])),
                                     (labels["share"], r.get("share", np.nan))])
              for _, r in split.iterrows()]
    style = {"color": SPLIT, "weight": 3, "dashArray": "5 3", "fillColor": SPLIT, "fillOpacity": 0.3}
    return _geojson(split, labels["split"], popups=popups, tooltips=split["name"].astype(str).tolist(),
                    styles=[style] * len(split), show=show)


def _station_layer(plan: Any, stations: gpd.GeoDataFrame, labels: dict[str, str],
                   with_roles: bool) -> folium.FeatureGroup:
    names = _names(plan)
    group = folium.FeatureGroup(name=html.escape(labels["stations"]), show=True)
    for _, row in stations.iterrows():
        role = str(row["role"]) if with_roles and "role" in stations else "station"
        char, colour, size = ROLE_SYMBOL.get(role, ROLE_SYMBOL["station"])
        icon = folium.DivIcon(html=symbol(char, colour, size), icon_size=(size, size),
                              icon_anchor=(size // 2, size // 2), class_name="jd-marker")
        marker = folium.Marker([row.geometry.y, row.geometry.x], icon=icon)
        rows = [(labels["station_id"], row["station_id"])]
        rows += [(labels[c], row[c]) for c in ("kind", "officers") if c in stations]
        if with_roles:
            rows += [(labels["role"], labels.get(role, role)),
                     (labels["reports_to"], names.get(str(row.get("centre")), row.get("centre")))]
        marker.add_child(BindPopup(table(str(row["name"]), rows), str(row["name"])))
        group.add_child(marker)
    return group


def _bundle_layer(plan: Any, stations: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.FeatureGroup:
    names = _names(plan)
    where = {str(s): g for s, g in zip(stations["station_id"], stations.geometry)}
    group = folium.FeatureGroup(name=html.escape(labels["bundles"]), show=True)
    for _, row in stations[stations["role"] == "post"].iterrows():
        centre = where.get(str(row["centre"]))
        if centre is None:
            continue
        line = folium.PolyLine([[row.geometry.y, row.geometry.x], [centre.y, centre.x]],
                               color="#b30000", weight=3, dash_array="8 6", opacity=0.9)
        tip = f"{row['name']} → {names.get(str(row['centre']), row['centre'])}"
        line.add_child(BindPopup(html.escape(tip), tip))
        group.add_child(line)
    return group


def _roads_layer(plan: Any, tiles: str, labels: dict[str, str]) -> folium.GeoJson | None:
    roads = plan.roads
    if roads is None or len(roads) == 0:
        return None
    column = "road_class" if "road_class" in roads else "highway" if "highway" in roads else None
    if column is not None:
        roads = roads[roads[column].astype(str).isin(MAJOR_ROADS)]
    if len(roads) == 0:
        return None
    roads = _draw_layer(roads, tiles)
    tips = (roads[column].astype(str) if column else roads.geometry.geom_type).tolist()
    if "name" in roads:
        tips = [f"{n} ({t})" if isinstance(n, str) and n else t for n, t in zip(roads["name"], tips)]
    style = {"color": "#444444", "weight": 2, "opacity": 0.8}
    return _geojson(roads, labels["roads"], popups=[html.escape(t) for t in tips], tooltips=tips,
                    styles=[style] * len(roads), show=False)


def _base_map(plan: Any, tiles: str) -> folium.Map:
    if tiles not in TILES:
        raise ScenarioError(f"tiles: unknown value {tiles!r}; expected one of {sorted(TILES)}")
    bounds = _draw_layer(plan.villages, tiles).total_bounds
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
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


def _write(m: folium.Map, path: str | os.PathLike, language: str) -> Path:
    page = m.get_root().render()
    page = page.replace("<html>", f'<html lang="{"zh-CN" if language == "zh" else "en"}">', 1)
    return atomic_write_text(path, page)


def _legend(labels: dict[str, str], districts: list[tuple[str, str]], symbols: list[str],
            extra: list[tuple[str, str]], bands: list[tuple[str, str]]) -> Legend:
    marks = [(symbol(*ROLE_SYMBOL[r]), labels[r]) for r in symbols]
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
    m = _base_map(plan, tiles)
    bands = _isochrone_layers(plan, m, tiles, labels)
    roads = _roads_layer(plan, tiles, labels)
    if roads is not None:
        roads.add_to(m)
    before, _ = _districts_layer(_draw_layer(plan.current_districts, tiles), labels["current"],
                                 "station_id", labels, show=False, dashed=True)
    before.add_to(m)
    after, items = _districts_layer(_draw_layer(plan.districts, tiles), labels["plan"], "centre",
                                    labels, show=True)
    after.add_to(m)
    split = _split_layer(plan, tiles, labels, show=False)
    if split is not None:
        split.add_to(m)
    _village_layer(plan, _draw_layer(plan.villages, tiles), labels).add_to(m)
    stations = _draw_layer(plan.stations, tiles)
    _bundle_layer(plan, stations, labels).add_to(m)
    _station_layer(plan, stations, labels, with_roles=True).add_to(m)
    extra = [(swatch("#ffffff", SPLIT, dashed=True), labels["split"]),
             ('<span style="color:#b30000;margin-right:4px">- - -</span>', labels["bundles"])]
    m.add_child(_legend(labels, items, ["centre", "post", "station"], extra, bands))
    folium.LayerControl(collapsed=False).add_to(m)
    return _write(m, path, language)


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
    m = _base_map(plan, tiles)
    bands = _isochrone_layers(plan, m, tiles, labels)
    roads = _roads_layer(plan, tiles, labels)
    if roads is not None:
        roads.add_to(m)
    before, items = _districts_layer(_draw_layer(plan.current_districts, tiles), labels["current"],
                                     "station_id", labels, show=True)
    before.add_to(m)
    split = _split_layer(plan, tiles, labels, show=True)
    if split is not None:
        split.add_to(m)
    _village_layer(plan, _draw_layer(plan.villages, tiles), labels).add_to(m)
    _station_layer(plan, _draw_layer(plan.stations, tiles), labels, with_roles=False).add_to(m)
    extra = [(swatch("#ffffff", SPLIT, dashed=True), labels["split"])]
    m.add_child(_legend(labels, items, ["station"], extra, bands))
    folium.LayerControl(collapsed=False).add_to(m)
    return _write(m, path, language)
