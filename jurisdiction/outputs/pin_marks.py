"""Pinned villages in a plan: the ``pinned`` and ``pin_breaks`` columns, and their red note for maps and the report.

:func:`mark_pins` adds to a plan's villages the station each is pinned to and, for a pin the
user allowed to break a hard rule (``[pins] allow_over_limit``), what it breaks; the columns
travel into ``plan.gpkg`` and ``villages.csv``. :func:`pins_note` is the HTML the report and
the plan map show for them (red when a pin breaks a rule): a self-contained ``<div>`` that the
report and the map may place where they list warnings.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

#: Colour of a pin that breaks a hard rule (red is kept for warnings: :mod:`jurisdiction.outputs.palette`).
BREAK_COLOUR = "#c00000"
#: What a broken pin is called, per report language.
WORDS = {
    "zh": {"title": "人工指定的村（pins）", "beyond": "超出时限：{minutes:.1f} 分钟 > {limit:g} 分钟",
           "apart": "与辖区其余部分不相连", "broken": "{n} 个人工指定违反硬性规则（方案设置允许）",
           "none": "全部满足硬性规则", "village": "村", "station": "指定派出所", "minutes": "分钟", "breaks": "违反"},
    "en": {"title": "Villages pinned by hand", "beyond": "beyond the limit: {minutes:.1f} min > {limit:g} min",
           "apart": "cut off from the rest of its district",
           "broken": "{n} pinned village(s) break a hard rule, as the scenario allows",
           "none": "every pin keeps the hard rules", "village": "Village", "station": "Pinned to",
           "minutes": "Minutes", "breaks": "Breaks"},
}


def mark_pins(villages: pd.DataFrame, pins: pd.DataFrame, *, limit_minutes: float | None,
              cut_off: np.ndarray | None = None, covering: bool = False, language: str = "en") -> pd.DataFrame:
    """``villages`` with ``pinned`` (station id or None) and ``pin_breaks`` ("" when none).

    Parameters
    ----------
    villages : DataFrame
        A plan's villages (``village_id``, ``minutes`` from the centre).
    pins : DataFrame
        ``village_id``, ``station_id``.
    limit_minutes : float or None
        The scenario's travel-time limit; a pinned village beyond it breaks it.
    cut_off : ndarray of int, optional
        Row positions of the pinned villages apart from the rest of their district
        (:func:`jurisdiction.optimise.pins.cut_off`).
    covering : bool
        Max-covering: the limit is a covering radius, not a rule, and breaks nothing.
    language : str
        "zh" or "en", for the wording of ``pin_breaks``.
    """
    words = WORDS.get(language, WORDS["en"])
    station = dict(zip(pins["village_id"], pins["station_id"], strict=True))
    out = villages.copy()
    out["pinned"] = [station.get(v) for v in out["village_id"]]
    minutes = out["minutes"].to_numpy(dtype=float)
    beyond = out["pinned"].notna().to_numpy() & (limit_minutes is not None and not covering)
    if limit_minutes is not None:
        beyond &= minutes > limit_minutes + 1e-9
    apart = np.zeros(len(out), bool)
    if cut_off is not None:
        apart[np.asarray(cut_off, dtype=np.int64)] = True
    out["pin_breaks"] = ["; ".join(([words["beyond"].format(minutes=m, limit=limit_minutes)] if b else [])
                                   + ([words["apart"]] if a else []))
                         for m, b, a in zip(minutes, beyond, apart, strict=True)]
    return out


def pins_note(pins: pd.DataFrame | None, *, language: str = "zh") -> str:
    """An HTML ``<div>`` listing the pinned villages, those that break a rule in red; "" without pins.

    Parameters
    ----------
    pins : DataFrame or None
        ``Plan.pins``: ``village_id``, ``name``, ``pinned``, ``minutes``, ``pin_breaks``.
    language : str
        "zh" or "en".

    Where to hook it: the report's warnings section and the plan map's side panel (the map as
    a Leaflet control or a folium ``Element``); names are escaped here.
    """
    if pins is None or not len(pins):
        return ""
    words = WORDS.get(language, WORDS["en"])
    rows = []
    for record in pins.to_dict(orient="records"):
        broken = bool(record.get("pin_breaks"))
        style = f' style="color:{BREAK_COLOUR};font-weight:bold"' if broken else ""
        minutes = float(record.get("minutes", math.nan))
        cells = [record.get("name", record["village_id"]), record["pinned"],
                 f"{minutes:.1f}" if np.isfinite(minutes) else "", record.get("pin_breaks") or ""]
        rows.append(f"<tr{style}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{html.escape(words[k])}</th>" for k in ("village", "station", "minutes", "breaks"))
    broken = int(pins["pin_breaks"].astype(bool).sum())
    summary = (f'<p style="color:{BREAK_COLOUR}">{html.escape(words["broken"].format(n=broken))}</p>' if broken
               else f"<p>{html.escape(words['none'])}</p>")
    return (f'<div class="pins"><h3>{html.escape(words["title"])}</h3>{summary}'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
