"""The layers of the HTML maps: districts, names, villages, flags, stations, bundles, isochrones.

Each builder returns a folium overlay whose popups, tooltips and labels are HTML-escaped here;
the geometry is drawn in WGS84, or shifted to GCJ-02 for Amap tiles (:func:`draw_layer`). A
district is filled with the colour of its station (:func:`jurisdiction.outputs.palette.station_colours`
over every station of the layer), the same before and after and in the report.
"""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import polylabel

from jurisdiction.outputs.map_assets import ON_EACH_FEATURE, BindPopup, Script, js, swatch, symbol, table
from jurisdiction.outputs.map_words import cell, column_label
from jurisdiction.outputs.palette import station_colours

#: Isochrone bands: one hue (purple, light to dark), the shortest time darkest; district fills
#: fade while a station's bands are shown (``jd.bands``).
BANDS = ["#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"]  # ColorBrewer Purples
#: Red marks warnings: split villages, villages beyond the limit (not in the district palette).
SPLIT, BEYOND = "#e31a1c", "#e31a1c"
#: Simplification tolerance of drawn polygons and lines (degrees; 1e-5 is about 1 m), and of
#: isochrone bands, which are unions of buffered roads with many vertices (about 5 m).
SIMPLIFY, SIMPLIFY_BANDS = 1e-5, 5e-5
ROLE_SYMBOL = {"centre": ("★", "#b30000", 22), "post": ("●", "#1f4e79", 12),
               "station": ("■", "#333333", 13)}
#: Fill opacity of the districts (while no isochrone is shown).
FILL_OPACITY = 0.45


def draw_layer(gdf: gpd.GeoDataFrame, tiles: str) -> gpd.GeoDataFrame:
    """The layer in the drawing CRS: WGS84, or GCJ-02 for Amap tiles."""
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    if tiles == "amap":
        from jurisdiction.inputs.crs import to_gcj02

        gdf = to_gcj02(gdf)
    return gdf


def geojson_layer(gdf: gpd.GeoDataFrame, *, styles: list[dict[str, Any]], name: str | None = None,
                  popups: list[str] | None = None, tooltips: list[str] | None = None, show: bool = True,
                  radius: float = 6, tolerance: float = SIMPLIFY) -> folium.GeoJson:
    """A GeoJSON overlay whose features carry their popup (escaped HTML), tooltip and style.

    Without ``name`` the layer is not listed in the layer control (it belongs to a group).
    Geometries are simplified by ``tolerance`` (degrees) and rounded to 1e-6 degrees (about
    0.1 m) to keep the file small.
    """
    n = len(gdf)
    geoms = gdf.geometry.simplify(tolerance, preserve_topology=True).values if tolerance else gdf.geometry.values
    data = gpd.GeoDataFrame(
        {"_popup": popups or [""] * n, "_tooltip": [html.escape(t) for t in tooltips or [""] * n],
         "_style": list(range(n))},
        geometry=shapely.transform(geoms, lambda xy: np.round(xy, 6)), crs=gdf.crs,
    )
    data = data[~data.geometry.is_empty & data.geometry.notna()]
    return folium.GeoJson(
        data, name=html.escape(name) if name else None, show=show, control=name is not None,
        on_each_feature=ON_EACH_FEATURE, marker=folium.CircleMarker(radius=radius),
        style_function=lambda feature: styles[feature["properties"]["_style"]],
    )


def names_of(plan: Any) -> dict[str, str]:
    """Station id -> station name."""
    return dict(zip(plan.stations["station_id"].astype(str), plan.stations["name"].astype(str)))


def colours_of(plan: Any) -> dict[str, str]:
    """Station id -> fill colour, over every station of the plan's station layer."""
    return station_colours(plan.stations["station_id"].astype(str))


def districts_layer(plan: Any, districts: gpd.GeoDataFrame, name: str, labels: dict[str, str], *,
                    station: str, outline: bool = False, show: bool = True
                    ) -> tuple[folium.GeoJson, list[tuple[str, str]]]:
    """Districts in their station's colour, filled (after) or as outlines (before); popup = the row.

    ``station`` is the column with each district's station id. Returns the layer and its
    legend items.
    """
    colours = colours_of(plan)
    fills = [colours.get(str(s), "#999999") for s in districts[station]]
    if outline:
        styles = [{"color": c, "weight": 3.5, "opacity": 1, "fill": True, "fillOpacity": 0,
                   "className": "jd-district-before"} for c in fills]
    else:
        styles = [{"color": "#333333", "weight": 1.2, "fillColor": c, "fillOpacity": FILL_OPACITY,
                   "className": "jd-district"} for c in fills]
    columns = [c for c in districts.columns if c not in (districts.geometry.name, "name")]
    popups = [table(str(row["name"]), [(column_label(c, labels), cell(c, row[c], labels)) for c in columns
                                       if not _empty(c, row[c])])
              for _, row in districts.iterrows()]
    layer = geojson_layer(districts, name=name, popups=popups, styles=styles, show=show,
                          tooltips=districts["name"].astype(str).tolist())
    items = [(swatch("#ffffff", c, opacity=1) if outline else swatch(c, "#333333"), str(n))
             for c, n in zip(fills, districts["name"], strict=True)]
    return layer, items


def _empty(column: str, value: Any) -> bool:
    """A popup row not worth a line: no road of a class, no posts."""
    return (column.startswith("road_km_") and value == 0) or (isinstance(value, str) and not value)


def label_layer(districts: gpd.GeoDataFrame, name: str, *, css: str = "") -> folium.FeatureGroup:
    """The districts' names written on the map, at a point well inside each district.

    Larger districts first: a label that would overlap one placed before it moves half a line
    up or down, else hides, after every zoom (``jd.declutter``). Names are escaped.
    """
    group = folium.FeatureGroup(name=html.escape(name), show=True)
    order = np.argsort(-districts.to_crs(3857).area.to_numpy(), kind="stable")
    for i in order:
        geom, text = districts.geometry.iloc[i], str(districts["name"].iloc[i])
        if geom is None or geom.is_empty:
            continue
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = polylabel(part, tolerance=1e-4) if part.geom_type == "Polygon" else part.representative_point()
        icon = folium.DivIcon(html=f"<span>{html.escape(text)}</span>", class_name=f"jd-label {css}".strip())
        group.add_child(folium.Marker([point.y, point.x], icon=icon, interactive=False, keyboard=False))
    group.add_child(Script(f"jd.declutter({group.get_name()});"))
    return group


def village_layer(plan: Any, villages: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson:
    """Villages (hidden by default): thin outline, moved villages bold; popup with the village row."""
    names = names_of(plan)
    fields = [("village_id", "village_id"), ("township", "township"), ("population", "population"),
              ("incidents", "incidents"), ("current", "current_station"), ("centre", "centre_station"),
              ("minutes_before", "minutes_before"), ("minutes", "minutes"), ("moved", "moved")]
    popups = []
    for _, row in villages.iterrows():
        rows = [(labels[label], names.get(str(row[col]), row[col]) if col in ("current", "centre")
                 else cell(col, row[col], labels)) for col, label in fields if col in villages.columns]
        popups.append(table(str(row["name"]), rows))
    moved = villages["moved"].to_numpy(bool) if "moved" in villages else np.zeros(len(villages), bool)
    styles = [{"color": "#000000" if m else "#666666", "weight": 2.5 if m else 0.7,
               "fillColor": "#ffffff", "fillOpacity": 0.05} for m in moved]
    return geojson_layer(villages, name=labels["villages"], popups=popups, styles=styles, show=False,
                         tooltips=villages["name"].astype(str).tolist())


def beyond_layer(plan: Any, villages: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.GeoJson | None:
    """Villages beyond the travel-time limit (uncovered, for covering models), red; None if none."""
    limit = getattr(plan.scenario, "limit", None)
    if limit is None or "minutes" not in villages:
        return None
    far = villages[~(villages["minutes"].astype(float) <= float(limit))]
    if len(far) == 0:
        return None
    covering = str(getattr(plan.scenario, "objective", "")).endswith("covering")
    name = labels["uncovered"].format(limit=float(limit)) if covering else labels["beyond"]
    tips = [f"{n}: {cell('minutes', m, labels)} {labels['minutes_short']}" for n, m in zip(far["name"], far["minutes"])]
    style = {"color": BEYOND, "weight": 3, "fillColor": BEYOND, "fillOpacity": 0.35, "className": "jd-beyond"}
    return geojson_layer(far, name=name, tooltips=tips, popups=[html.escape(t) for t in tips],
                         styles=[style] * len(far), show=True)


def split_layer(plan: Any, tiles: str, labels: dict[str, str], *, before: bool) -> folium.GeoJson | None:
    """Pieces of split villages (red outline), popup with the piece's station and share; None if none.

    ``before``: on the map of today (named "split villages"); else on the plan, where the
    village is whole again (named "split before", hardly filled).
    """
    split = plan.split_villages
    if split is None or len(split) == 0:
        return None
    split = draw_layer(split, tiles)
    names = names_of(plan)
    popups = [table(str(r["name"]), [(labels["village_id"], r["village_id"]),
                                     (labels["station"], names.get(str(r["station_id"]), r["station_id"])),
                                     (labels["share"], cell("share", r.get("share", np.nan), labels))])
              for _, r in split.iterrows()]
    style = {"color": SPLIT, "weight": 3, "dashArray": "5 3", "fillColor": SPLIT,
             "fillOpacity": 0.2 if before else 0.05}
    return geojson_layer(split, name=labels["split" if before else "split_before"], popups=popups,
                         tooltips=split["name"].astype(str).tolist(), styles=[style] * len(split))


def station_layer(plan: Any, stations: gpd.GeoDataFrame, labels: dict[str, str],
                  with_roles: bool) -> folium.FeatureGroup:
    """Station markers: ★ centre, ● post, ■ station (roles only on the plan map); popups."""
    names = names_of(plan)
    group = folium.FeatureGroup(name=html.escape(labels["stations"]), show=True)
    for _, row in stations.iterrows():
        role = str(row["role"]) if with_roles and "role" in stations else "station"
        char, colour, size = ROLE_SYMBOL.get(role, ROLE_SYMBOL["station"])
        icon = folium.DivIcon(html=symbol(char, colour, size), icon_size=(size, size),
                              icon_anchor=(size // 2, size // 2), class_name="jd-marker")
        marker = folium.Marker([row.geometry.y, row.geometry.x], icon=icon)
        rows = [(labels["station_id"], row["station_id"])]
        rows += [(labels[c], cell(c, row[c], labels)) for c in ("kind", "officers") if c in stations]
        if with_roles:
            rows += [(labels["role"], labels.get(role, role)),
                     (labels["reports_to"], names.get(str(row.get("centre")), row.get("centre")))]
        marker.add_child(BindPopup(table(str(row["name"]), rows), str(row["name"])))
        group.add_child(marker)
    return group


def bundle_layer(plan: Any, stations: gpd.GeoDataFrame, labels: dict[str, str]) -> folium.FeatureGroup:
    """Dashed lines from each post (absorbed station) to its centre."""
    names = names_of(plan)
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


def band_areas(plan: Any, tiles: str) -> gpd.GeoDataFrame | None:
    """Isochrone areas: ``station_id, minutes, geometry``, the villages a station reaches in time.

    With travel times and village polygons, the band of station s at t minutes is the union of
    the villages whose travel time from s is at most t (the times the plan was solved with);
    otherwise the network's road bands (``plan.isochrones``). None without either.
    """
    iso = plan.isochrones
    times = getattr(plan, "travel_times", None)
    villages = draw_layer(plan.villages, tiles)
    if times is None or len(times) == 0 or not villages.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        return None if iso is None or len(iso) == 0 else draw_layer(iso, tiles)
    if iso is not None and len(iso):
        stations, thresholds = iso["station_id"].astype(str).unique(), sorted(iso["minutes"].astype(float).unique())
    else:
        stations, thresholds = [str(c) for c in plan.centres], sorted(getattr(plan.scenario, "isochrones", ()))
    geoms = villages.geometry.values
    union = shapely.coverage_union_all if shapely.coverage_is_valid(geoms) else shapely.union_all
    rows = []
    for sid in stations:
        if sid not in times.columns:
            continue
        minutes = times[sid].reindex(villages["village_id"].astype(str)).to_numpy(float)
        for t in thresholds:
            inside = minutes <= t
            if inside.any():
                rows.append({"station_id": sid, "minutes": float(t), "geometry": union(geoms[inside])})
    return gpd.GeoDataFrame(rows, columns=["station_id", "minutes", "geometry"], geometry="geometry", crs=villages.crs)


def band_groups(plan: Any, tiles: str, labels: dict[str, str]
                ) -> tuple[dict[str, folium.FeatureGroup], list[tuple[str, str]]]:
    """Per station, its isochrone areas (hidden, not in the layer control; ``jd.bands`` shows one).

    Returns the groups by station id and the legend items (threshold swatches).
    """
    iso = band_areas(plan, tiles)
    if iso is None or len(iso) == 0:
        return {}, []
    names = names_of(plan)
    thresholds = sorted(float(t) for t in iso["minutes"].unique())
    colour = {t: BANDS[min(len(BANDS) - 1, (len(thresholds) - 1 - k) * len(BANDS) // len(thresholds))]
              for k, t in enumerate(thresholds)}
    groups = {}
    for sid, bands in iso.groupby(iso["station_id"].astype(str), sort=False):
        group = folium.FeatureGroup(name=f"bands {sid}", show=False, control=False)
        bands = bands.assign(_m=bands["minutes"].astype(float)).sort_values("_m", ascending=False)
        tips = [f"{names.get(sid, sid)} ≤ {m:g} {labels['minutes_short']}" for m in bands["_m"]]
        styles = [{"color": "#3f007d", "weight": 1, "fillColor": colour[m], "fillOpacity": 0.7,
                   "className": "jd-band"} for m in bands["_m"]]
        geojson_layer(bands, styles=styles, tooltips=tips, tolerance=SIMPLIFY_BANDS).add_to(group)
        groups[sid] = group
    return groups, [(swatch(colour[t], colour[t], opacity=0.8), labels["isochrone"].format(m=t))
                    for t in thresholds]


def band_picker(plan: Any, groups: dict[str, folium.FeatureGroup], items: list[tuple[str, str]],
                fills: list[folium.GeoJson], labels: dict[str, str]) -> tuple[str, str]:
    """The picker's HTML (a select of stations, the band legend) and the script wiring it."""
    names = names_of(plan)
    options = "".join(f'<option value="{html.escape(sid)}">{html.escape(names.get(sid, sid))}</option>'
                      for sid in sorted(groups, key=lambda s: names.get(s, s)))
    legend = "".join(f"<div>{sw}{html.escape(text)}</div>" for sw, text in items)
    body = (f'<label>{html.escape(labels["bands_for"])}<br><select><option value="">'
            f'{html.escape(labels["no_bands"])}</option>{options}</select></label>'
            f'<div class="jd-band-legend">{legend}</div>')
    mapping = "{" + ", ".join(f"{js(sid)}: {g.get_name()}" for sid, g in groups.items()) + "}"
    fill_list = "[" + ", ".join(f.get_name() for f in fills) + "]"
    code = f"jd.bands({{map}}, {{map}}.getContainer().querySelector('.jd-bands select'), {mapping}, {fill_list});"
    return body, code
