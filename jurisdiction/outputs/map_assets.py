"""Pieces of the HTML maps that are not layers: inlined Leaflet and scripts, controls, popups.

Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default. The maps of
this package use none of the latter three (no folium ``Popup``/``Icon``; popups are bound
from GeoJSON properties), and Leaflet itself (1.9.4, BSD-2-Clause) ships with the package in
``jurisdiction/outputs/assets/leaflet`` and is inlined, with the maps' own stylesheet and
script (``assets/map.css``, ``assets/map.js``: labels, synchronised panes, isochrone picker,
print view), so a map opens without a network; only base tiles, if chosen, come from a server.
"""

from __future__ import annotations

import base64
import html
import json
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
    own = ASSETS.parent
    header.add_child(Element(f"<style>{(own / 'map.css').read_text(encoding='utf-8')}</style>"), name="jd_css")
    header.add_child(Element(f"<script>{(own / 'map.js').read_text(encoding='utf-8')}</script>"), name="jd_js")


def js(value: Any) -> str:
    """A value as a JavaScript literal that is safe inside ``<script>`` (no ``<``, ``>``, ``&``)."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


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
            return f"{value:,.0f}"  # a count: no ".0"
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


class Control(MacroElement):
    """A box in a corner of the parent map (``jd.control``): legend, north arrow, picker.

    ``body`` is HTML built and escaped by this package.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        jd.control({{ this._parent.get_name() }}, {{ this.position|tojson }}, {{ this.css|tojson }},
                   {{ this.body|tojson }});
        {% endmacro %}
    """)

    def __init__(self, body: str, *, position: str = "topleft", css: str = "jd-legend"):
        super().__init__()
        self._name = "Control"
        self.body, self.position, self.css = body, position, css


class Script(MacroElement):
    """JavaScript run after the parent map's layers exist; ``{map}`` names the parent map.

    The code is built by this package; values from data enter it only through :func:`js`.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.code.replace("{map}", this._parent.get_name()) }}
        {% endmacro %}
    """)

    def __init__(self, code: str):
        super().__init__()
        self._name = "Script"
        self.code = code


def legend_html(title: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """Legend HTML: ``sections`` is ``[(heading, [(swatch_html, label), ...]), ...]``.

    Headings and labels are escaped here; swatches are trusted HTML built by this package.
    """
    parts = [f"<details open><summary>{html.escape(title)}</summary>"]
    for heading, items in sections:
        if not items:
            continue
        parts.append(f"<h4>{html.escape(heading)}</h4>")
        parts.extend(f"<div>{swatch}{html.escape(label)}</div>" for swatch, label in items)
    return "".join(parts) + "</details>"


def swatch(fill: str, edge: str = "#555", dashed: bool = False, opacity: float = 0.6) -> str:
    """A small coloured box for the legend (colours are ``#rrggbb`` from this package)."""
    border = f"2px {'dashed' if dashed else 'solid'} {edge}"
    return f'<span class="sw" style="background:{fill};opacity:{opacity};border:{border}"></span>'


def symbol(char: str, colour: str, size: int = 14) -> str:
    """A text symbol (★, ●, ■) for the legend and for ``DivIcon`` markers."""
    return (f'<span style="color:{colour};font-size:{size}px;line-height:1;'
            f'text-shadow:0 0 2px #fff,0 0 2px #fff;margin-right:4px">{char}</span>')
