"""The plan map's editor: move villages between centres by hand and see the figures at once.

:func:`add_editor` puts into a folium map an "adjust" switch, a village layer of its own
(coloured by the centre each village belongs to, :func:`jurisdiction.outputs.palette.station_colours`)
and a side panel with the figures of every district (:mod:`jurisdiction.outputs.adjustment` holds
their definitions and computes the same in Python). All it needs is embedded in the page as
one JSON block: the village x centre travel minutes (float64, base64: exact, so the browser's
figures equal the report's), the village adjacency (CSR arrays), populations, incidents, the
plan's assignment, the centres' names (HTML-escaped here) and colours. The script and style
(``assets/editor/``) are inlined; nothing is fetched and nothing leaves the browser: "download
pins" writes the edits as a CSV file (UTF-8 with BOM, ``village_id,station_id,locked``, one row
per village whose centre differs from the plan's), which ``jurisdiction plan --pins`` reads.
"""

from __future__ import annotations

import base64
import html
import json
from functools import cache
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from jurisdiction.inputs.crs import utm_crs
from jurisdiction.network.adjacency import station_villages
from jurisdiction.outputs.adjustment import village_graph
from jurisdiction.outputs.districts import officers_ratio
from jurisdiction.outputs.map_layers import SIMPLIFY, draw_layer
from jurisdiction.outputs.palette import station_colours

ASSETS = Path(__file__).with_name("assets") / "editor"

#: The editor's own words (the map's other labels belong to :mod:`jurisdiction.outputs.maps`).
EDITOR_LABELS = {
    "zh": {
        "adjust": "调整", "title": "手动调整辖区", "undo": "撤销", "redo": "重做", "download": "下载调整",
        "hint": "点击村选中；Shift+点击或 Shift+拖框多选；再点新的中心派出所。Ctrl+Z 撤销，Ctrl+Y 重做。",
        "selected": "已选 {n} 个村，改归：", "none_selected": "未选村", "district": "辖区", "villages": "村数",
        "population": "人口", "incidents": "警情", "max_minutes": "最长(分)", "mean_minutes": "平均(分)",
        "officers_needed": "需警力", "beyond_limit": "超出 {limit} 分钟的村", "no_limit": "超出时限的村（未设时限）",
        "split_villages": "被拆分的村",
        "disconnected": "不连通的辖区", "moved": "已调整的村", "minutes": "分钟", "now": "现属",
        "mean_max": "平均 {mean} / 最长 {max} 分钟", "unreachable": "不可达",
    },
    "en": {
        "adjust": "Adjust", "title": "Adjust districts by hand", "undo": "Undo", "redo": "Redo",
        "download": "Download pins",
        "hint": "Click a village to select it; Shift+click or Shift+drag a box for several; then pick its "
                "new centre. Ctrl+Z undo, Ctrl+Y redo.",
        "selected": "villages selected: {n}; move to:", "none_selected": "no village selected",
        "district": "District", "villages": "villages", "population": "population", "incidents": "incidents",
        "max_minutes": "max min", "mean_minutes": "mean min", "officers_needed": "officers",
        "beyond_limit": "villages beyond {limit} min", "no_limit": "villages beyond the limit (no limit set)",
        "split_villages": "split villages",
        "disconnected": "disconnected districts", "moved": "villages moved", "minutes": "min", "now": "now",
        "mean_max": "mean {mean} / max {max} min", "unreachable": "unreachable",
    },
}


@cache
def editor_assets() -> tuple[str, str]:
    """The editor's JavaScript and CSS, read from the package."""
    return (ASSETS / "editor.js").read_text(encoding="utf-8"), (ASSETS / "editor.css").read_text(encoding="utf-8")


def editor_data(plan: Any, *, tiles: str = "openstreetmap", language: str = "zh") -> dict[str, Any]:
    """Everything the editor needs in the browser, as a JSON-ready dict.

    Parameters
    ----------
    plan : Plan
        The plan (``villages``, ``stations``, ``districts``, ``travel_times`` in minutes, ``scenario``).
    tiles : {"openstreetmap", "amap", "none"}
        Base tiles of the map (Amap: village polygons shifted to GCJ-02, as the other overlays).
    language : {"zh", "en"}
        Language of the editor's words.

    Returns
    -------
    dict
        ``villages`` (ids as given, names HTML-escaped, ``population``, ``incidents``,
        ``geometry``: GeoJSON geometries rounded to 1e-6 degrees), ``centres`` (ids, escaped
        names, colours, ``village``: the row of the village each centre stands in), ``assignment``
        (centre index per village), ``minutes`` (base64 of little-endian float64, village-major,
        n_villages x n_centres), ``adjacency`` (CSR ``indptr``, ``indices``), ``limit`` (minutes or
        None), ``officers_per_10k`` (the ratio behind officers needed, or None), ``labels``.
    """
    villages, stations = plan.villages, plan.stations
    centres = [str(c) for c in plan.districts["centre"]]
    ids = villages["village_id"].astype(str)
    times = plan.travel_times
    rows = pd.Index(times.index.astype(str)).get_indexer(ids)
    columns = pd.Index(times.columns.astype(str)).get_indexer(centres)
    minutes = np.ascontiguousarray(times.to_numpy(dtype="<f8")[np.ix_(rows, columns)])
    graph = village_graph(plan)
    metric = utm_crs(villages)
    home = station_villages(stations.to_crs(metric), villages.to_crs(metric))
    station_row = {str(s): i for i, s in enumerate(stations["station_id"])}
    colours = station_colours(stations["station_id"])
    names = stations.set_index(stations["station_id"].astype(str))["name"]
    drawn = draw_layer(villages, tiles).geometry.simplify(SIMPLIFY, preserve_topology=True).values
    drawn = shapely.transform(drawn, lambda xy: np.round(xy, 6))
    incidents = villages["incidents"] if "incidents" in villages.columns else pd.Series(0, index=villages.index)
    scenario = plan.scenario
    return {
        "villages": {
            "ids": ids.tolist(),
            "names": [html.escape(str(n)) for n in villages.get("name", ids)],
            "population": villages["population"].astype(float).tolist(),
            "incidents": incidents.astype(float).tolist(),
            "geometry": [None if g is None or g.is_empty else shapely.geometry.mapping(g) for g in drawn],
        },
        "centres": {
            "ids": centres,
            "names": [html.escape(str(names.get(c, c))) for c in centres],
            "colours": [colours[c] for c in centres],
            "village": [int(home[station_row[c]]) for c in centres],
        },
        "assignment": pd.Index(centres).get_indexer(villages["centre"].astype(str)).tolist(),
        "minutes": base64.b64encode(minutes.tobytes()).decode("ascii"),
        "adjacency": {"indptr": graph.indptr.tolist(), "indices": graph.indices.tolist()},
        "limit": getattr(scenario, "limit", None),
        "officers_per_10k": officers_ratio(villages, stations,
                                           officers_per_10k=getattr(scenario, "officers_per_10k", None)),
        "labels": EDITOR_LABELS[language],
    }


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` as JSON unicode escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class EditorElement(MacroElement):
    """The editor's script, style, data block and start call, in a folium map."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        <script>{{ this.js }}</script>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <script type="application/json" id="jd-editor-data">{{ this.data }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.jurisdictionEditor.init({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("jd-editor-data").textContent));
        {% endmacro %}
    """)

    def __init__(self, data: dict[str, Any]):
        super().__init__()
        self._name = "Editor"
        self.js, self.css = editor_assets()
        self.data = script_json(data)


def add_editor(m: folium.Map, plan: Any, *, tiles: str = "openstreetmap", language: str = "zh") -> None:
    """Add the editor to a plan map (nothing when the plan carries no travel times).

    Parameters
    ----------
    m : folium.Map
        The plan map.
    plan : Plan
        The plan it draws.
    tiles : {"openstreetmap", "amap", "none"}
        The map's base tiles.
    language : {"zh", "en"}
        Language of the editor's words.
    """
    if getattr(plan, "travel_times", None) is None or getattr(plan, "districts", None) is None:
        return
    m.add_child(EditorElement(editor_data(plan, tiles=tiles, language=language)))
