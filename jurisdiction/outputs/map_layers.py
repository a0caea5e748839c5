"""The layers of the HTML maps: districts, villages, split villages, stations, bundles, isochrones.

Each builder returns a folium overlay whose popups and tooltips are HTML-escaped here; the
geometry is drawn in WGS84, or shifted to GCJ-02 for Amap tiles (:func:`draw_layer`).
"""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from jurisdiction.outputs.map_assets import ON_EACH_FEATURE, BindPopup, swatch, symbol, table
from jurisdiction.road_classes import MAJOR_ROADS

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


def draw_layer(gdf: gpd.GeoDataFrame, tiles: str) -> gpd.GeoDataFrame:
    """The layer in the drawing CRS: WGS84, or GCJ-02 for Amap tiles."""
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    if tiles == "amap":
        from jurisdiction.inputs.crs import to_gcj02

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


def village_layer(plan: Any, villages: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    """Villages (hidden by default): thin outline, moved villages bold; popup with the village row."""
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


def isochrone_layers(plan: Any, m: folium.Map, tiles: str, labels: dict[str, str],
                      stations: set[str] | None = None) -> list[tuple[str, str]]:
    """One hidden overlay per threshold, nested colours; returns legend items."""
    iso = plan.isochrones
    if iso is None or len(iso) == 0:
        return []
    iso = draw_layer(iso, tiles)
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


def districts_layer(districts: gpd.GeoDataFrame, name: str, labels: dict[str, str], show: bool,
                    dashed: bool = False) -> tuple[folium.GeoJson, list[tuple[str, str]]]:
    """Districts filled with neighbour-distinct colours, popup = the row; and their legend items."""
    colours = district_colours(districts)
    styles = [{"color": "#333333", "weight": 1.5, "fillColor": c, "fillOpacity": 0.45,
               **({"dashArray": "6 4"} if dashed else {})} for c in colours]
    layer = _geojson(districts, name, popups=_district_popups(districts, labels),
                     tooltips=districts["name"].astype(str).tolist(), styles=styles, show=show)
    return layer, [(swatch(c), str(n)) for c, n in zip(colours, districts["name"])]


def split_layer(plan: Any, tiles: str, labels: dict[str, str], show: bool) -> folium.GeoJson | None:
    """Pieces of split villages (red dashed), popup with the piece's station and share; None if none."""
    split = plan.split_villages
    if split is None or len(split) == 0:
        return None
    split = draw_layer(split, tiles)
    names = _names(plan)
    popups = [table(str(r["name"]), [(labels["village_id"], r["village_id"]),
                                     (labels["station"], names.get(str(r["station_id"]), r["station_id"])),
                                     (labels["share"], r.get("share", np.nan))])
              for _, r in split.iterrows()]
    style = {"color": SPLIT, "weight": 3, "dashArray": "5 3", "fillColor": SPLIT, "fillOpacity": 0.3}
    return _geojson(split, labels["split"], popups=popups, tooltips=split["name"].astype(str).tolist(),
                    styles=[style] * len(split), show=show)


def station_layer(plan: Any, stations: gpd.GeoDataFrame, labels: dict[str, str],
                   with_roles: bool) -> folium.FeatureGroup:
    """Station markers: ★ centre, ● post, ■ station (roles only on the plan map); popups."""
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


def bundle_layer(plan: Any, stations: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.FeatureGroup:
    """Dashed lines from each post (absorbed station) to its centre."""
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


def roads_layer(plan: Any, tiles: str, labels: dict[str, str]) -> folium.GeoJson | None:
    """Main roads (expressway to county; hidden by default), or None without roads."""
    roads = plan.roads
    if roads is None or len(roads) == 0:
        return None
    column = "road_class" if "road_class" in roads else "highway" if "highway" in roads else None
    if column is not None:
        roads = roads[roads[column].astype(str).isin(MAJOR_ROADS)]
    if len(roads) == 0:
        return None
    roads = draw_layer(roads, tiles)
    tips = (roads[column].astype(str) if column else roads.geometry.geom_type).tolist()
    if "name" in roads:
        tips = [f"{n} ({t})" if isinstance(n, str) and n else t for n, t in zip(roads["name"], tips)]
    style = {"color": "#444444", "weight": 2, "opacity": 0.8}
    return _geojson(roads, labels["roads"], popups=[html.escape(t) for t in tips], tooltips=tips,
                    styles=[style] * len(roads), show=False)
