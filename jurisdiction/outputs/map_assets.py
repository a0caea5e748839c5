"""Pieces of the HTML maps that are not layers: inlined Leaflet, legend, attribution, popups.

Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default. The maps of
this package use none of the latter three (no folium ``Popup``/``Icon``; popups are bound
from GeoJSON properties), and Leaflet itself (1.9.4, BSD-2-Clause) ships with the package in
``jurisdiction/outputs/assets/leaflet`` and is inlined, so a map opens without a network; only the
base tiles are fetched from their server.
"""

from __future__ import annotations

import base64
import html
import math
from functools import cache
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

ASSETS = Path(__file__).with_name("assets") / "leaflet"


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (images inlined as data URIs), read from the package."""
    js = (ASSETS / "leaflet.js").read_text(encoding="utf-8")
    css = (ASSETS / "leaflet.css").read_text(encoding="utf-8")
    for image in ("layers.png", "layers-2x.png"):
        data = base64.b64encode((ASSETS / "images" / image).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{image})", f"url(data:image/png;base64,{data})")
    return js, css


def inline_leaflet(m: folium.Map) -> None:
    """Replace folium's CDN links by an inlined copy of Leaflet (and nothing else)."""
    m.default_js = []
    m.default_css = []
    js, css = leaflet_assets()
    header = m.get_root().header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline")


def text(value: Any) -> str:
    """A value from data as HTML text: escaped, numbers rounded, infinity and NaN spelled out."""
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value == int(value) and abs(value) < 1e15:
            return f"{value:,.1f}"
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}" if abs(value) < 1e6 else f"{value:,.0f}"
    if hasattr(value, "item"):  # numpy scalar
        return text(value.item())
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def table(title: str, rows: list[tuple[str, Any]]) -> str:
    """A small two-column HTML table (label, value) with an escaped title; values escaped."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{text(v)}</td></tr>" for k, v in rows)
    return (f'<div class="jd-popup"><b>{html.escape(title)}</b>'
            f'<table class="jd-table">{body}</table></div>')


class BindPopup(MacroElement):
    """Bind an (already escaped) HTML popup and a plain-text tooltip to the parent layer."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {% if this.popup %}{{ this._parent.get_name() }}.bindPopup({{ this.popup|tojson }});{% endif %}
        {% if this.tooltip %}{{ this._parent.get_name() }}.bindTooltip({{ this.tooltip|tojson }});{% endif %}
        {% endmacro %}
    """)

    def __init__(self, popup: str | None, tooltip: str | None = None):
        super().__init__()
        self._name = "BindPopup"
        self.popup = popup
        self.tooltip = html.escape(tooltip) if tooltip else None


#: Binds ``_popup`` (HTML, escaped in Python) and ``_tooltip`` (escaped text) of each feature.
ON_EACH_FEATURE = folium.JsCode("""
    function(feature, layer) {
        var p = feature.properties || {};
        if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 420}); }
        if (p._tooltip) { layer.bindTooltip(p._tooltip, {sticky: true}); }
    }
""")


class Attribution(MacroElement):
    """Add an (escaped) data attribution to the map's attribution control."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
    """)

    def __init__(self, attribution: str):
        super().__init__()
        self._name = "Attribution"
        self.text = html.escape(attribution)


class Legend(MacroElement):
    """A fixed legend box (HTML built and escaped by :func:`legend_html`), bottom left."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
          .jd-legend { position: fixed; bottom: 56px; left: 10px; z-index: 1000;
            background: rgba(255,255,255,0.92); padding: 8px 10px; border-radius: 6px;
            box-shadow: 0 1px 5px rgba(0,0,0,0.4); font: 12px/1.4 "Noto Sans CJK SC",
            "Microsoft YaHei", "PingFang SC", sans-serif; max-height: 45vh; overflow-y: auto;
            max-width: 260px; }
          .jd-legend h4 { margin: 4px 0; font-size: 13px; }
          .jd-legend .sw { display: inline-block; width: 14px; height: 10px; margin-right: 5px;
            border: 1px solid #555; vertical-align: middle; }
          .jd-popup { font: 12px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
          .jd-table { border-collapse: collapse; margin-top: 4px; }
          .jd-table th { text-align: left; padding: 1px 8px 1px 0; font-weight: normal; color: #555; }
          .jd-table td { text-align: right; padding: 1px 0; }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="jd-legend" id="jd-legend">{{ this.body }}</div>
        {% endmacro %}
    """)

    def __init__(self, body: str):
        super().__init__()
        self._name = "Legend"
        self.body = body


def legend_html(title: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """Legend HTML: ``sections`` is ``[(heading, [(swatch_html, label), ...]), ...]``.

    Headings and labels are escaped here; swatches are trusted HTML built by this package.
    """
    parts = [f"<h4>{html.escape(title)}</h4>"]
    for heading, items in sections:
        if not items:
            continue
        parts.append(f"<div><b>{html.escape(heading)}</b></div>")
        parts.extend(f"<div>{swatch}{html.escape(label)}</div>" for swatch, label in items)
    return "".join(parts)


def swatch(fill: str, edge: str = "#555", dashed: bool = False, opacity: float = 0.6) -> str:
    """A small coloured box for the legend (colours are ``#rrggbb`` from this package)."""
    border = f"2px {'dashed' if dashed else 'solid'} {edge}"
    return f'<span class="sw" style="background:{fill};opacity:{opacity};border:{border}"></span>'


def symbol(char: str, colour: str, size: int = 14) -> str:
    """A text symbol (★, ●, ■) for the legend and for ``DivIcon`` markers."""
    return (f'<span style="color:{colour};font-size:{size}px;line-height:1;'
            f'text-shadow:0 0 2px #fff,0 0 2px #fff;margin-right:4px">{char}</span>')
