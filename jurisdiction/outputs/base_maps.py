"""Base maps of the HTML maps: tile sources with their credits, and the context drawn from the data.

The default (``tiles="none"``) fetches nothing: the county outline, the township (or current
district) borders and the roads of the data are drawn instead, so a map opened on a police
intranet or from a USB stick still shows where things are. The tile choices (their names,
in this order, are ``scenario.settings.TILES``):

| choice | tiles | credit |
|---|---|---|
| ``tianditu-vector`` | 天地图 ``vec_w`` + ``cva_w`` (WMTS, Web Mercator; a key) | © 国家地理信息公共服务平台 天地图 |
| ``tianditu-imagery`` | 天地图 ``img_w`` + ``cia_w`` | the same |
| ``amap`` | 高德 (GCJ-02: every overlay is shifted to match) | © 高德地图 |
| ``openstreetmap`` | tile.openstreetmap.org, with a referrer policy its servers accept | © OpenStreetMap contributors |
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import shapely

from jurisdiction.outputs.map_layers import draw_layer, geojson_layer
from jurisdiction.road_classes import MAJOR_ROADS
from jurisdiction.scenario.values import tile_key

TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk={key}")
#: choice -> (tile layers: [(URL template, subdomains)], credit). ``{key}`` is the Tianditu key.
TILE_SOURCES: dict[str, tuple[list[tuple[str, str]], str]] = {
    "none": ([], ""),
    "tianditu-vector": ([(TIANDITU.replace("{layer}", "vec"), "01234567"),
                         (TIANDITU.replace("{layer}", "cva"), "01234567")], "© 国家地理信息公共服务平台 天地图"),
    "tianditu-imagery": ([(TIANDITU.replace("{layer}", "img"), "01234567"),
                          (TIANDITU.replace("{layer}", "cia"), "01234567")], "© 国家地理信息公共服务平台 天地图"),
    "amap": ([("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=7"
               "&x={x}&y={y}&z={z}", "1234")], "© 高德地图"),
    "openstreetmap": ([("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "")],
                      '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
}
#: OSM's servers refuse tiles without a Referer (folium issue 2215); this policy sends one from
#: a page served over http(s). A page opened from a file sends none: the credit says so.
OSM_REFERRER = "strict-origin-when-cross-origin"
#: Context line styles: county outline, township borders, main roads, other roads.
OUTLINE = {"color": "#222222", "weight": 3, "fill": False}
BORDERS = {"color": "#777777", "weight": 1, "dashArray": "4 3", "fill": False}
MAIN_ROAD = {"color": "#b8860b", "weight": 2.5, "opacity": 0.9}
MINOR_ROAD = {"color": "#8c8c8c", "weight": 0.8, "opacity": 0.7}


def add_tiles(m: folium.Map, tiles: str, key: str | None, labels: dict[str, str]) -> str:
    """Add the base tiles of ``tiles`` to ``m`` (none for ``"none"``); return their credit (HTML).

    Parameters
    ----------
    m : folium.Map
    tiles : str
        One of ``TILES``.
    key : str or None
        The Tianditu key; None takes ``$TIANDITU_KEY``. A tianditu choice without any key is a
        :class:`~jurisdiction.errors.ScenarioError` naming ``outputs.tianditu_key``.
    labels : dict
        The map's words (the OpenStreetMap note).
    """
    key = tile_key(tiles, key)
    layers, credit = TILE_SOURCES[tiles]
    if tiles == "openstreetmap":
        credit += f" ({labels['osm_note']})"
    for url, subdomains in layers:
        options: dict[str, Any] = {"referrerPolicy": OSM_REFERRER} if tiles == "openstreetmap" else {}
        folium.TileLayer(url.replace("{key}", key or ""), attr=credit, subdomains=subdomains or "abc",
                         name=tiles, max_zoom=18, control=False, overlay=False, **options).add_to(m)
    return credit


def context_layers(plan: Any, tiles: str, labels: dict[str, str]) -> list[folium.FeatureGroup]:
    """The context drawn from the data: county outline, township borders, roads.

    Shown when there are no tiles (the map's only base), hidden under tiles, except the
    outline. Township borders are the villages dissolved by ``township`` when the villages
    carry one, else the current district borders.
    """
    base = tiles == "none"
    groups = []
    villages = draw_layer(plan.villages, tiles)
    polygons = villages[villages.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(polygons):
        group = folium.FeatureGroup(name=labels["outline"], show=True)
        outline = gpd.GeoDataFrame(geometry=[shapely.union_all(polygons.geometry.values).boundary],
                                   crs=polygons.crs)
        geojson_layer(outline, styles=[OUTLINE]).add_to(group)
        groups.append(group)
        parts = (polygons.dissolve(by="township") if "township" in polygons
                 else draw_layer(plan.current_districts, tiles))
        group = folium.FeatureGroup(name=labels["townships"], show=base)
        geojson_layer(gpd.GeoDataFrame(geometry=parts.boundary.values, crs=parts.crs),
                      styles=[BORDERS] * len(parts)).add_to(group)
        groups.append(group)
    roads = plan.roads
    if roads is not None and len(roads):
        roads = draw_layer(roads, tiles)
        column = "road_class" if "road_class" in roads else "highway" if "highway" in roads else None
        main = roads[column].astype(str).isin(MAJOR_ROADS).to_numpy() if column else [True] * len(roads)
        group = folium.FeatureGroup(name=labels["roads"], show=base)
        names = roads["name"] if "name" in roads else [None] * len(roads)
        tips = [n if isinstance(n, str) and n else "" for n in names]
        order = sorted(range(len(roads)), key=lambda i: bool(main[i]))  # main roads drawn on top
        geojson_layer(roads.iloc[order], styles=[MAIN_ROAD if main[i] else MINOR_ROAD for i in order],
                      tooltips=[tips[i] for i in order]).add_to(group)
        groups.append(group)
    return groups
