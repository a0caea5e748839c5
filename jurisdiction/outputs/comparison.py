"""Written plans side by side: the key figures, the villages that changed district, small maps.

:func:`key_figures` and :func:`changed_villages` are the tables (``jurisdiction compare --json``
prints them); :func:`comparison_page` is the HTML page: the tables and one inline SVG map per
plan, districts in their centre's colour (:func:`~jurisdiction.outputs.palette.station_colours`),
the changed villages outlined. The page is self-contained (no tiles, no scripts); every name
from data is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jurisdiction.outputs.map_assets import text
from jurisdiction.outputs.palette import station_colours

#: Width of each small map, in CSS pixels.
MAP_WIDTH_PX = 360
#: Outline of a village that changed district (red is kept for warnings).
CHANGED_STROKE = "#000000"
#: The page's words, per report language (the first plan's ``[outputs] language``).
WORDS = {
    "zh": {"figures": "主要指标", "best": "★ 各方案中较优的值；“current”为现状，仅供参考。",
           "changes": "改变辖区的村（{n}）", "none": "各方案之间没有村改变辖区。", "village": "村",
           "maps": "辖区图", "maps_note": "各辖区取其中心派出所的颜色；改变辖区的村以黑框标出。",
           "centres": "中心派出所"},
    "en": {"figures": "Key figures", "best": "★ the better value among the plans; the current map for reference.",
           "changes": "Villages that changed district ({n})",
           "none": "No village changed district between these plans.",
           "village": "village", "maps": "Maps", "centres": "Centres",
           "maps_note": "Each district in its centre's colour; the villages that changed district outlined in black."},
}


@dataclass(frozen=True)
class WrittenPlan:
    """One plan folder as ``jurisdiction compare`` reads it.

    Attributes
    ----------
    label : str
        How the page names it (the folder's name).
    document : dict
        ``metrics.json``: ``metrics`` (name -> before/after), ``solver``, ``settings``.
    villages, stations : GeoDataFrame
        The ``plan.gpkg`` layers (``village_id``, ``name``, ``centre``; ``station_id``, ``name``).
    """

    label: str
    document: dict[str, Any]
    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame


def better(metric: str, model: str | None = None) -> int:
    """-1 when a lower value of ``metric`` is better, +1 when a higher one is, 0 when neither."""
    name = metric.lower()
    if name == "objective":
        return 1 if model == "max-covering" else -1
    if "min/mean" in name:
        return 1
    if any(word in name for word in ("minutes", "beyond", "unreachable", "split", "max/mean")):
        return -1
    return 0


def key_figures(plans: Sequence[WrittenPlan]) -> pd.DataFrame:
    """The metrics of each plan (``after``), the current map first, and the solver's objective.

    Returns
    -------
    DataFrame
        Indexed by metric (the names of ``metrics.json``, then ``objective`` when every plan has
        the same model, and ``villages changed`` from the first plan), a ``current`` column,
        then one column per plan's label; ``better`` (-1 lower, +1 higher, 0 neither) last.
    """
    first = plans[0].document.get("metrics", {})
    table = pd.DataFrame({"current": {m: row.get("before") for m, row in first.items()}})
    for plan in plans:
        table[plan.label] = pd.Series({m: row.get("after") for m, row in plan.document.get("metrics", {}).items()})
    models = {(p.document.get("settings") or {}).get("objective") for p in plans}
    model = models.pop() if len(models) == 1 else None
    if model is not None:
        table.loc["objective"] = [math.nan] + [p.document.get("solver", {}).get("objective") for p in plans]
    base = _centres(plans[0])
    table.loc["villages changed"] = [math.nan] + [int((_centres(p).reindex(base.index) != base).sum()) for p in plans]
    table = table.apply(pd.to_numeric, errors="coerce")
    table["better"] = [better(m, model) for m in table.index]
    table.index.name = "metric"
    return table


def _centres(plan: WrittenPlan) -> pd.Series:
    return plan.villages.drop_duplicates("village_id").set_index("village_id")["centre"]


def changed_villages(plans: Sequence[WrittenPlan]) -> pd.DataFrame:
    """The villages whose centre differs between the plans: ``village_id``, ``name``, a centre column per plan.

    Each plan's column holds the centre's station id (missing: the village is not in that plan);
    ``<label> name`` its name ("" when unknown).
    """
    centres = pd.DataFrame({p.label: _centres(p) for p in plans})
    names = pd.concat([p.villages.set_index("village_id")["name"] for p in plans])
    names = names[~names.index.duplicated()]
    stations = pd.concat([p.stations.set_index("station_id")["name"] for p in plans])
    stations = stations[~stations.index.duplicated()]
    moved = centres.nunique(axis=1, dropna=False) > 1
    out = centres[moved].copy()
    for p in plans:
        out[f"{p.label} name"] = out[p.label].map(stations).fillna("")
    out.insert(0, "name", names.reindex(out.index).fillna(""))
    out.index.name = "village_id"
    return out.reset_index()


def _cell(value: Any, best: bool) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e6:
        value = int(value)  # a count
    shown = text(value) if not (isinstance(value, float) and math.isnan(value)) else "—"
    return f'<td class="best">{shown} ★</td>' if best else f"<td>{shown}</td>"


def _figures_html(table: pd.DataFrame) -> str:
    labels = [c for c in table.columns if c not in ("current", "better")]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", "current", *labels])
    rows = []
    for metric, row in table.iterrows():
        values = row[labels].to_numpy(dtype=float)
        best = np.full(len(labels), False)
        if row["better"] and np.isfinite(values).all() and np.ptp(values) > 1e-9 * max(1.0, np.abs(values).max()):
            best = np.isclose(values, values.max() if row["better"] > 0 else values.min(), rtol=1e-9)
        cells = "".join(_cell(row[c], b) for c, b in zip(labels, best, strict=True))
        rows.append(f"<tr><th>{html.escape(str(metric))}</th>{_cell(row['current'], False)}{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _changes_html(changes: pd.DataFrame, labels: list[str], words: dict[str, str]) -> str:
    if not len(changes):
        return f"<p>{html.escape(words['none'])}</p>"
    rows = []
    for record in changes.to_dict(orient="records"):
        path = " → ".join(f"{record[f'{lab} name']} ({record[lab]})" if isinstance(record[lab], str) else "—"
                          for lab in labels)
        rows.append(f"<tr><td>{html.escape(str(record['name']))}</td><td>{html.escape(str(record['village_id']))}"
                    f"</td><td>{html.escape(path)}</td></tr>")
    head = f"<tr><th>{html.escape(words['village'])}</th><th>id</th><th>{html.escape(' → '.join(labels))}</th></tr>"
    return f'<table class="list"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _path(geometry: Any, project) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = project(np.asarray(ring.coords)[:, :2])
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def _svg(plan: WrittenPlan, colours: dict[str, str], changed: set[str], bounds: np.ndarray) -> str:
    """One small map: villages filled in their centre's colour, the changed ones outlined."""
    x0, y0, x1, y1 = bounds
    squash = math.cos(math.radians((y0 + y1) / 2))
    scale = MAP_WIDTH_PX / max((x1 - x0) * squash, 1e-12)
    height = (y1 - y0) * scale

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - x0) * squash * scale, (y1 - xy[:, 1]) * scale])

    villages = plan.villages.drop_duplicates("village_id")
    tolerance = 0.5 / scale  # half a pixel
    shapes, outlines = [], []
    for vid, name, centre, geometry in zip(villages["village_id"], villages["name"], villages["centre"],
                                           shapely.simplify(villages.geometry.to_numpy(), tolerance), strict=True):
        d = _path(geometry, project)
        tip = html.escape(f"{name} ({vid}) → {centre}")
        shapes.append(f'<path d="{d}" fill="{colours.get(str(centre), "#dddddd")}" stroke="#ffffff" '
                      f'stroke-width="0.4"><title>{tip}</title></path>')
        if vid in changed:
            outlines.append(f'<path d="{d}" fill="none" stroke="{CHANGED_STROKE}" stroke-width="2.2"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{MAP_WIDTH_PX}" height="{height:.0f}" '
            f'viewBox="0 0 {MAP_WIDTH_PX} {height:.1f}" fill-rule="evenodd">{"".join(shapes + outlines)}</svg>')


def comparison_page(plans: Sequence[WrittenPlan], *, figures: pd.DataFrame | None = None,
                    changes: pd.DataFrame | None = None) -> str:
    """The comparison page (HTML, self-contained): figures, changed villages, one small map per plan."""
    figures = key_figures(plans) if figures is None else figures
    changes = changed_villages(plans) if changes is None else changes
    labels = [p.label for p in plans]
    colours = station_colours(pd.concat([p.stations["station_id"] for p in plans]))
    bounds = np.array(gpd.GeoSeries(pd.concat([p.villages.geometry for p in plans]), crs=plans[0].villages.crs)
                      .total_bounds)
    changed = set(changes["village_id"])
    maps = "".join(f'<figure><figcaption>{html.escape(p.label)} · {html.escape(_solver_line(p))}</figcaption>'
                   f"{_svg(p, colours, changed, bounds)}</figure>" for p in plans)
    title = html.escape(" · ".join(labels))
    language = (plans[0].document.get("settings") or {}).get("language")
    words = WORDS.get(language, WORDS["en"])
    return f"""<!DOCTYPE html>
<html lang="{'zh' if words is WORDS['zh'] else 'en'}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Microsoft YaHei", "PingFang SC", sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
tbody th, td:first-child {{ text-align: left; }}
table.list td, table.list th {{ text-align: left; }}
h3 + p {{ max-width: 60em; line-height: 1.8; }}
td.best {{ font-weight: bold; background: #e6f2e6; }}
figure {{ display: inline-block; margin: 0 1em 1em 0; vertical-align: top; }}
figcaption {{ font-weight: bold; margin-bottom: 0.3em; }}
</style></head><body>
<h1>{title}</h1>
<h2>{html.escape(words["figures"])}</h2>
<p>{html.escape(words["best"])}</p>
{_figures_html(figures)}
<h2>{html.escape(words["changes"].format(n=len(changes)))}</h2>
{_changes_html(changes, labels, words)}
<h2>{html.escape(words["maps"])}</h2>
<p>{html.escape(words["maps_note"])}</p>
{maps}
<h3>{html.escape(words["centres"])}</h3>
<p>{_legend(plans, colours)}</p>
</body></html>
"""


def _legend(plans: Sequence[WrittenPlan], colours: dict[str, str]) -> str:
    """A swatch and the name of every centre of the plans."""
    centres = dict.fromkeys(c for p in plans for c in _centres(p).dropna())
    names = pd.concat([p.stations.set_index("station_id")["name"] for p in plans])
    names = names[~names.index.duplicated()]
    return " ".join(f'<span style="white-space:nowrap"><span style="display:inline-block;width:0.9em;height:0.9em;'
                    f'background:{colours.get(c, "#dddddd")}"></span> {html.escape(str(names.get(c, c)))}</span>'
                    for c in centres)


def _solver_line(plan: WrittenPlan) -> str:
    solver = plan.document.get("solver") or {}
    gap = solver.get("gap")
    gap_text = f", gap {gap:.2%}" if isinstance(gap, (int, float)) and math.isfinite(gap) else ""
    return f"{solver.get('status', '?')}{gap_text}"
