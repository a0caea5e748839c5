"""The words of the plan's tables, in Chinese and English: column headers, metric names, roles.

Stated once for the report, the workbook and the CSV tables. ``{v}`` in a label stands for what
the data calls a village (:func:`village_word`: 村/社区 when the layer has communities).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from jurisdiction.road_classes import CHINESE_NAMES

#: Column headers of the district, village and station tables (and the diagnosis tables).
HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "centre": "中心所编号", "name": "名称", "villages": "{v}数", "population": "人口", "incidents": "警情",
        "area_km2": "面积（km²）", "road_km": "道路（km）", "max_minutes": "最长时间（分钟）",
        "mean_minutes": "平均时间（分钟）", "officers": "现有民警", "officers_needed": "需要民警",
        "posts": "警务室", "village_id": "{v}代码", "township": "乡镇（街道）",
        "registration_station": "户籍派出所编号", "dispatch_station": "接处警派出所编号",
        "current": "原派出所编号", "current_name": "原派出所", "centre_name": "新派出所（中心所）",
        "minutes_before": "原行车时间（分钟）", "minutes": "新行车时间（分钟）", "moved": "是否调整",
        "station_id": "派出所编号", "kind": "类型", "role": "调整后角色", "auxiliaries": "辅警",
        "district_name": "辖区（中心所）", "village_name": "{v}名称", "station_name": "派出所名称",
        "metric": "指标", "before": "调整前", "after": "调整后", "change": "变化",
        **{f"road_km_{c}": f"{zh}（km）" for c, zh in CHINESE_NAMES.items()},
    },
    "en": {
        "centre": "centre id", "name": "name", "villages": "villages", "population": "population",
        "incidents": "incidents", "area_km2": "area (km²)", "road_km": "roads (km)",
        "max_minutes": "longest (min)", "mean_minutes": "mean (min)", "officers": "officers",
        "officers_needed": "officers needed", "posts": "posts", "village_id": "village id",
        "township": "township", "registration_station": "registration station id",
        "dispatch_station": "dispatch station id", "current": "station id before", "current_name": "station before",
        "centre_name": "station after (centre)", "minutes_before": "minutes before", "minutes": "minutes after",
        "moved": "moved", "station_id": "station id", "kind": "kind", "role": "role after",
        "auxiliaries": "auxiliaries", "district_name": "district (centre)", "village_name": "village",
        "station_name": "station", "metric": "metric",
        "before": "before", "after": "after", "change": "change",
    },
}

#: A station's role after the plan (``plan.stations["role"]``), in words.
ROLES = {
    "zh": {"centre": "中心所", "post": "警务室", "station": "保留"},
    "en": {"centre": "centre", "post": "post (警务室)", "station": "kept"},
}

#: Yes / no (``moved``).
YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}

#: Names of the before/after metrics (``plan.metrics`` index); ``{n}`` is a number of minutes.
METRIC_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "stations or centres": "派出所（辖区）数", "functional splits": "职能分割的{v}",
        "unreachable villages": "道路不可达的{v}",
        "workload spread (max/mean population)": "人口最多辖区 / 平均",
        "workload spread (min/mean population)": "人口最少辖区 / 平均",
        "villages beyond {n} min": "超过 {n} 分钟的{v}", "population beyond {n} min": "超过 {n} 分钟的人口",
        "coverage within {n} min": "{n} 分钟覆盖率", "split villages": "插花{v}",
        "villages beyond limit": "超出时限的{v}", "population-weighted mean minutes": "平均行车时间（人口加权，分钟）",
        "max minutes": "最长行车时间（分钟）", "workload spread (max/mean)": "工作量最多 / 平均",
    },
    "en": {
        "stations or centres": "stations (districts)", "population-weighted mean minutes":
        "mean travel time (min, population-weighted)", "max minutes": "longest travel time (min)",
        "workload spread (max/mean population)": "largest district / mean (population)",
        "workload spread (min/mean population)": "smallest district / mean (population)",
    },
}


def village_word(villages: pd.DataFrame, language: str) -> str:
    """What the data calls a village: 村/社区 when the layer marks communities, else 村（社区）.

    A ``unit_kind`` column with ``community`` values (or names ending in 社区/居委会) means the
    layer holds both villages and urban communities.
    """
    if language != "zh":
        return "village"
    if "unit_kind" in villages.columns:
        kinds = set(villages["unit_kind"].dropna().astype(str).str.lower())
        return "村/社区" if "community" in kinds or "社区" in kinds else "村"
    return "村（社区）"


def header(column: str, language: str, village: str) -> str:
    """The header of a column in ``language`` (the column's own name when there is none)."""
    return HEADERS[language].get(column, column).format(v=village)


def headers(columns: Any, language: str, village: str) -> dict[str, str]:
    """``{column: header}`` for the given columns."""
    return {str(c): header(str(c), language, village) for c in columns}


def metric_label(name: str, names: dict[str, str], village: str = "村") -> str:
    """A metric's label: ``names[name]``, or a pattern such as ``"villages beyond {n} min"``."""
    if name in names:
        return names[name].format(v=village)
    number = re.search(r"\d+(?:\.\d+)?", name)
    if number and (pattern := name.replace(number.group(), "{n}", 1)) in names:
        return names[pattern].format(n=number.group(), v=village)
    return name
