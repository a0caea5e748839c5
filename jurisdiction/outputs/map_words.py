"""The words and numbers of the HTML maps: labels in Chinese and English, values formatted per column.

Every label a map shows comes from :data:`LABELS`; every number in a popup goes through
:func:`cell` (counts without decimals, minutes with one, thousands separated).
"""

from __future__ import annotations

import math
from typing import Any

from jurisdiction.errors import ScenarioError
from jurisdiction.road_classes import CHINESE_NAMES, ROAD_CLASSES

LABELS = {
    "zh": {
        "plan": "规划辖区（调整后）", "current": "现行辖区（调整前）", "split": "被拆分的村",
        "split_before": "调整前被拆分的村",
        "villages": "村（点击查看）", "stations": "派出所", "bundles": "合并连线（警务室→中心所）",
        "isochrone": "{m:g} 分钟等时圈", "roads": "道路", "legend": "图例",
        "centre": "中心派出所", "post": "警务室（并入）", "station": "派出所（保留）",
        "district": "辖区", "symbols": "标识", "reach": "等时圈", "share": "份额",
        "village_id": "村编号", "township": "乡镇", "population": "人口", "incidents": "警情",
        "current_station": "原派出所", "centre_station": "新派出所", "minutes_before": "原时间（分钟）",
        "minutes": "新时间（分钟）", "moved": "调整", "station_id": "编号", "kind": "类型",
        "officers": "警力", "role": "角色", "reports_to": "所属中心所", "minutes_short": "分钟",
        "villages_n": "村数", "area_km2": "面积（km²）", "road_km": "道路（km）",
        "road_km_class": "{name}（km）", "max_minutes": "最长时间（分钟）",
        "mean_minutes": "平均时间（分钟）", "officers_needed": "需要警力", "posts": "警务室",
        "name": "名称", "centre_id": "中心所编号", "labels": "辖区名称",
        "beyond": "超出时限的村", "uncovered": "未覆盖的村（超出 {limit:g} 分钟）",
        "outline": "县界", "townships": "乡镇界", "main_roads": "主要道路", "minor_roads": "其他道路",
        "context": "底图（来自数据）", "no_bands": "不显示", "bands_for": "等时圈：选择派出所",
        "north": "北", "print": "打印 / Print", "title": "{name}：派出所辖区调整方案", "date": "制图日期",
        "before_pane": "调整前：{n} 个派出所辖区", "after_pane": "调整后：{n} 个辖区",
        "figures": "{stations} 所 → {centres} 所（{new} 个中心所 + {kept} 个保留所）+ {posts} 个警务室",
        "figures_all_new": "{stations} 所 → {centres} 个中心所 + {posts} 个警务室",
        "beyond_n": "超出时限的村 {n} 个", "longest": "最长 {m:.1f} 分钟", "mean": "平均 {m:.1f} 分钟",
        "osm_note": "OpenStreetMap 瓦片需通过 http(s) 打开本页（本地文件无 Referer 会被拒绝）",
        "yes": "是", "no": "否", "urban": "城区", "rural": "农村",
    },
    "en": {
        "plan": "Plan districts (after)", "current": "Current districts (before)",
        "split": "Split villages", "split_before": "Villages split before",
        "villages": "Villages (click for details)", "stations": "Stations",
        "bundles": "Bundles (post → centre)", "isochrone": "Isochrone {m:g} min",
        "roads": "Roads", "legend": "Legend", "centre": "Central station",
        "post": "Post (absorbed)", "station": "Station (kept)", "district": "Districts",
        "symbols": "Symbols", "reach": "Isochrones", "share": "share", "village_id": "village id",
        "township": "township", "population": "population", "incidents": "incidents",
        "current_station": "station before", "centre_station": "station after",
        "minutes_before": "minutes before", "minutes": "minutes after", "moved": "moved",
        "station_id": "id", "kind": "kind", "officers": "officers", "role": "role",
        "reports_to": "reports to", "minutes_short": "min", "villages_n": "villages",
        "area_km2": "area (km²)", "road_km": "roads (km)", "road_km_class": "{name} (km)",
        "max_minutes": "longest (min)", "mean_minutes": "mean (min)",
        "officers_needed": "officers needed", "posts": "posts", "name": "name",
        "centre_id": "centre id", "labels": "District names",
        "beyond": "Villages beyond the limit", "uncovered": "Uncovered villages (beyond {limit:g} min)",
        "outline": "County outline", "townships": "Township borders", "main_roads": "Main roads",
        "minor_roads": "Other roads", "context": "Context (from the data)", "no_bands": "none",
        "bands_for": "Isochrones of station", "north": "N", "print": "Print",
        "title": "{name}: police district plan", "date": "Map date",
        "before_pane": "Before: {n} station districts", "after_pane": "After: {n} districts",
        "figures": "{stations} stations → {centres} ({new} centres + {kept} kept) + {posts} posts",
        "figures_all_new": "{stations} stations → {centres} centres + {posts} posts",
        "beyond_n": "{n} villages beyond the limit", "longest": "longest {m:.1f} min",
        "mean": "mean {m:.1f} min",
        "osm_note": "OpenStreetMap tiles need this page served over http(s) (no Referer from a file)",
        "yes": "yes", "no": "no", "urban": "urban", "rural": "rural",
    },
}
#: Road classes by English name, for the district columns ``road_km_<class>``.
ROAD_NAMES = {"zh": CHINESE_NAMES, "en": {c: c for c in ROAD_CLASSES}}
#: Columns shown with one decimal (minutes, km, km²); other numbers are counts.
DECIMAL_COLUMNS = ("minutes", "minutes_before", "max_minutes", "mean_minutes", "area_km2", "road_km")


def labels_for(language: str) -> dict[str, str]:
    """The map labels of ``language`` (``"zh"`` or ``"en"``); a ScenarioError names others."""
    if language not in LABELS:
        raise ScenarioError(f"language: unknown value {language!r}; expected one of {sorted(LABELS)}")
    return {**LABELS[language], "_language": language}


def column_label(column: str, labels: dict[str, str]) -> str:
    """The label of a district or village column: ``road_km_county`` -> ``县道（km）``."""
    if column.startswith("road_km_"):
        road = column.removeprefix("road_km_")
        name = ROAD_NAMES[labels["_language"]].get(road, road)
        return labels["road_km_class"].format(name=name)
    key = {"villages": "villages_n", "centre": "centre_id"}.get(column, column)
    return labels.get(key, column)


def cell(column: str, value: Any, labels: dict[str, str]) -> str:
    """A value as the maps show it (plain text, escaped later).

    Minutes, km and km² with one decimal, shares in per cent, counts without decimals and with
    thousands separators, booleans as yes / no, a missing or infinite number as ``—`` / ``∞``.
    """
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return labels["yes"] if value else labels["no"]
    if isinstance(value, int | float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if column == "share":
            return f"{value:.0%}"
        if column in DECIMAL_COLUMNS or column.startswith("road_km"):
            return f"{value:,.1f}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if column == "kind":  # station kind: urban / rural
        return labels.get(str(value), str(value))
    return "" if value is None else str(value)
