"""Interactive HTML maps of a plan (folium/Leaflet): the plan map and the before/after view.

Each map is one self-contained HTML file: Leaflet and the maps' own script are inlined (see
:mod:`jurisdiction.outputs.map_assets`). The default base map (``tiles="none"``) fetches
nothing: the county outline, township borders and roads come from the data
(:mod:`jurisdiction.outputs.base_maps`). Every district carries its centre's name on the map
and its station's colour (:mod:`jurisdiction.outputs.palette`); a title bar states the key
figures and prints the page on A3 (:mod:`jurisdiction.outputs.map_frame`). Every name from
data is HTML-escaped.

- :func:`plan_map`: the plan (``plan_map.html``).
- :func:`current_map`: before and after side by side, two synchronised panes, the "before"
  as outlines with its own labels (``current_map.html``).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import folium

from jurisdiction.errors import ScenarioError
from jurisdiction.inputs.example import CHINESE_ATTRIBUTIONS
from jurisdiction.outputs.base_maps import BORDERS, MAIN_ROAD, MINOR_ROAD, OUTLINE, add_tiles, context_layers
from jurisdiction.outputs.editor import add_editor
from jurisdiction.outputs.files import atomic_write_text
from jurisdiction.outputs.map_assets import Attribution, Control, Script, inline_leaflet, legend_html, swatch, symbol
from jurisdiction.outputs.map_frame import add_frame
from jurisdiction.outputs.map_layers import (
    BEYOND,
    ROLE_SYMBOL,
    SPLIT,
    band_groups,
    band_picker,
    beyond_layer,
    bundle_layer,
    districts_layer,
    draw_layer,
    label_layer,
    split_layer,
    station_layer,
    village_layer,
)
from jurisdiction.outputs.map_words import LABELS, labels_for
from jurisdiction.scenario.settings import TILES

__all__ = ["LABELS", "current_map", "plan_map"]


def _check(tiles: str) -> None:
    if tiles not in TILES:
        raise ScenarioError(f"tiles: unknown value {tiles!r}; expected one of {', '.join(TILES)}")


def _base_map(plan: Any, tiles: str, key: str | None, labels: dict[str, str], *, credit: bool = True
              ) -> tuple[folium.Map, list[list[float]]]:
    """A map fitted to the villages with its tiles (or none), credits and the data's context.

    ``credit``: show the data's attribution (once per page: the before/after view shows it in
    its right pane only).
    """
    w, s, e, n = (float(v) for v in draw_layer(plan.villages, tiles).total_bounds)
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], tiles=None, zoom_start=11, control_scale=False,
                   zoom_snap=0.25)
    inline_leaflet(m)
    add_tiles(m, tiles, key, labels)
    if credit and getattr(plan, "attribution", None):
        credit_text = str(plan.attribution)
        if labels["_language"] == "zh":  # the shipped examples' credit has a Chinese version
            credit_text = CHINESE_ATTRIBUTIONS.get(credit_text, credit_text)
        m.add_child(Attribution(credit_text))
    for group in context_layers(plan, tiles, labels):
        group.add_to(m)
    # The first view jumps to the data: an animated zoom from the start view (4 levels for a city
    # district) can leave the vector layers drawn for the old view, clipped (seen in Chromium).
    bounds = [[s, w], [n, e]]
    fit = folium.FitBounds(bounds)
    fit.options["animate"] = False
    m.add_child(fit)
    return m, bounds


def _legend(labels: dict[str, str], districts: list[tuple[str, str]], roles: list[str],
            extra: list[tuple[str, str]], *, tiles: str, open_: bool = True) -> Control:
    marks = [(symbol(*ROLE_SYMBOL[role]), labels[role]) for role in roles] + extra
    context = [(swatch("#ffffff", OUTLINE["color"], opacity=1), labels["outline"])]
    if tiles == "none":
        context += [(swatch("#ffffff", BORDERS["color"], dashed=True, opacity=1), labels["townships"]),
                    (swatch(MAIN_ROAD["color"], MAIN_ROAD["color"], opacity=1), labels["main_roads"]),
                    (swatch(MINOR_ROAD["color"], MINOR_ROAD["color"], opacity=0.6), labels["minor_roads"])]
    body = legend_html(labels["legend"], [(labels["district"], districts), (labels["symbols"], marks),
                                          (labels["context"], context)])
    return Control(body if open_ else body.replace("<details open>", "<details>", 1))


def _flag_items(plan: Any, labels: dict[str, str], beyond: folium.GeoJson | None) -> list[tuple[str, str]]:
    """Legend items of the red flags on the plan: villages split before, villages beyond the limit."""
    items = []
    if plan.split_villages is not None and len(plan.split_villages):
        items.append((swatch("#ffffff", SPLIT, dashed=True, opacity=1), labels["split_before"]))
    if beyond is not None:
        items.append((swatch(BEYOND, BEYOND), html.unescape(beyond.layer_name)))
    return items


def _after(plan: Any, m: folium.Map, tiles: str, labels: dict[str, str], *, full: bool) -> None:
    """The plan's layers on ``m``: districts (filled, named), flags, stations, bundles, isochrones.

    ``full`` adds the villages, the current districts as a hidden overlay and the legend open.
    """
    districts = draw_layer(plan.districts, tiles)
    if full:
        before, _ = districts_layer(plan, draw_layer(plan.current_districts, tiles), labels["current"],
                                    labels, station="station_id", outline=True, show=False)
        before.add_to(m)
    after, items = districts_layer(plan, districts, labels["plan"], labels, station="centre")
    after.add_to(m)
    groups, bands = band_groups(plan, tiles, labels)
    for group in groups.values():
        group.add_to(m)
    villages = draw_layer(plan.villages, tiles)
    beyond = beyond_layer(plan, villages, labels)
    for layer in (split_layer(plan, tiles, labels, before=False), beyond):
        if layer is not None:
            layer.add_to(m)
    if full:
        village_layer(plan, villages, labels).add_to(m)
    stations = draw_layer(plan.stations, tiles)
    bundle_layer(plan, stations, labels).add_to(m)
    station_layer(plan, stations, labels, with_roles=True).add_to(m)
    label_layer(districts, labels["labels"]).add_to(m)
    extra = [('<span style="color:#b30000;margin-right:4px">- - -</span>', labels["bundles"])]
    m.add_child(_legend(labels, items, ["centre", "post", "station"], extra + _flag_items(plan, labels, beyond),
                        tiles=tiles, open_=full))
    if groups:
        body, code = band_picker(plan, groups, bands, [after], labels)
        m.add_child(Control(body, position="topright", css="jd-bands"))
        m.add_child(Script(code))


def plan_map(plan: Any, path: str | os.PathLike, *, tiles: str = "none", language: str = "zh",
             tianditu_key: str | None = None) -> Path:
    """Write the plan's interactive map to one self-contained HTML file.

    On the map: the plan districts filled in their centre's colour with the centre's name
    written inside (names hide where they would overlap), split villages and villages beyond
    the limit (uncovered, for covering models) in red, stations (★ centre, ● post, ■ kept
    station), dashed bundle lines from each post to its centre; hidden overlays: the current
    districts as outlines, the villages (popups). Isochrones: one station's bands at a time,
    chosen top right. Legend top left (folds); title bar with the key figures and a print
    button (A3 landscape); scale bar and north arrow bottom left; credits bottom right.

    Parameters
    ----------
    plan : Plan
        The plan; layers in WGS84 (EPSG:4326) or any CRS (reprojected for drawing).
    path : str or path-like
        The HTML file to write (atomically).
    tiles : str
        Base map, one of ``scenario.settings.TILES``: ``"none"`` (no tiles: context from the
        data; nothing is fetched), ``"tianditu-vector"``, ``"tianditu-imagery"``, ``"amap"``
        (every overlay shifted to GCJ-02) or ``"openstreetmap"``.
    language : {"zh", "en"}
        Language of the map's labels.
    tianditu_key : str, optional
        Tianditu key; default ``plan.scenario.tianditu_key``, else ``$TIANDITU_KEY``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    _check(tiles)
    labels = labels_for(language)
    key = tianditu_key or getattr(plan.scenario, "tianditu_key", None)
    m, bounds = _base_map(plan, tiles, key, labels)
    _after(plan, m, tiles, labels, full=True)
    folium.LayerControl(collapsed=False).add_to(m)
    add_editor(m, plan, tiles=tiles, language=language)
    add_frame(m.get_root(), plan, labels, [(m, bounds)])
    return _write(m.get_root(), path, language)


def current_map(plan: Any, path: str | os.PathLike, *, tiles: str = "none", language: str = "zh",
                tianditu_key: str | None = None) -> Path:
    """Write the before/after view to one self-contained HTML file: two synchronised panes.

    Left, before: the current districts as outlines in their station's colour, named, the
    split villages, the stations (■). Right, after: the plan as on :func:`plan_map`. Panning
    or zooming one pane moves the other (``jd.sync``). Title bar, print view, scale, north
    arrow and credits as on :func:`plan_map`.

    Parameters
    ----------
    plan : Plan
        The plan (its ``current_districts``, ``split_villages``, ``districts``, ...).
    path : str or path-like
        The HTML file to write (atomically).
    tiles, language, tianditu_key
        As in :func:`plan_map`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    _check(tiles)
    labels = labels_for(language)
    key = tianditu_key or getattr(plan.scenario, "tianditu_key", None)
    left, bounds = _base_map(plan, tiles, key, labels, credit=False)
    right, _ = _base_map(plan, tiles, key, labels)
    root = left.get_root()
    root.add_child(right)
    current = draw_layer(plan.current_districts, tiles)
    left.add_child(Control(html.escape(labels["before_pane"].format(n=len(current))), position="topright",
                           css="jd-pane-title"))
    before, items = districts_layer(plan, current, labels["current"], labels, station="station_id", outline=True)
    before.add_to(left)
    split = split_layer(plan, tiles, labels, before=True)
    if split is not None:
        split.add_to(left)
    station_layer(plan, draw_layer(plan.stations, tiles), labels, with_roles=False).add_to(left)
    label_layer(current, labels["labels"], css="jd-before").add_to(left)
    split_item = [(swatch("#ffffff", SPLIT, dashed=True, opacity=1), labels["split"])] if split is not None else []
    left.add_child(_legend(labels, items, ["station"], split_item, tiles=tiles, open_=False))
    right.add_child(Control(html.escape(labels["after_pane"].format(n=len(plan.districts))), position="topright",
                            css="jd-pane-title"))
    _after(plan, right, tiles, labels, full=False)
    for m in (left, right):
        folium.LayerControl(collapsed=True).add_to(m)
    right.add_child(Script(f"jd.sync({left.get_name()}, {{map}});"))
    add_frame(root, plan, labels, [(left, bounds), (right, bounds)])
    return _write(root, path, language)


def _write(root: Any, path: str | os.PathLike, language: str) -> Path:
    page = root.render()
    page = page.replace("<html>", f'<html lang="{"zh-CN" if language == "zh" else "en"}">', 1)
    return atomic_write_text(path, page)
