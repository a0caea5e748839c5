"""The diagnosis of the current map as the report's tables, with headers in the reader's language.

Split villages, functional splits, villages beyond the limit, small stations (小散弱) and
coverage, each a small table with station names next to ids; a missing part of the diagnosis
(no jurisdiction polygons, no travel times) is left out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from jurisdiction.diagnosis.summary import ZH_TERMS, reason_text

#: Titles and headers of the diagnosis tables; ``{v}`` is the data's word for a village.
WORDS = {
    "zh": {
        "splits": "插花{v}（一{v}分属多个派出所）", "functional": "职能分割（户籍、接处警、辖区图不一致）",
        "beyond": "超过 {t} 分钟的{v}", "small": "小散弱派出所", "coverage": "派出所或警务室的覆盖范围",
        "none": "无", "reach": "到现辖派出所的行车时间：人口加权平均 {m} 分钟，最长 {x} 分钟；"
                               "到最近的派出所：平均 {mn} 分钟，最长 {xn} 分钟。",
        "headers": {"name": "{v}", "village_id": "代码", "stations": "所属派出所（面积占比）",
                    "registration": "户籍派出所", "dispatch": "接处警派出所", "polygon": "辖区图派出所",
                    "kind": "类型", "current": "现辖派出所", "minutes_to_current": "行车时间（分钟）",
                    "nearest": "最近的派出所", "minutes_to_nearest": "到最近所（分钟）", "station": "派出所",
                    "villages": "{v}数", "population": "人口", "officers": "民警", "why": "原因",
                    "minutes": "时间（分钟以内）", "villages_share": "{v}占比", "population_share": "人口占比"},
    },
    "en": {
        "splits": "Split villages (one village, several stations)", "functional": "Functional splits",
        "beyond": "Villages beyond {t} minutes", "small": "Small stations (小散弱)",
        "coverage": "Coverage of stations and posts", "none": "none",
        "reach": "Travel time to the current station: population-weighted mean {m} min, longest {x} min; "
                 "to the nearest station: mean {mn} min, longest {xn} min.",
        "headers": {"name": "village", "village_id": "id", "stations": "stations (area share)",
                    "registration": "registration", "dispatch": "dispatch", "polygon": "on the map",
                    "kind": "kind", "current": "current station", "minutes_to_current": "minutes",
                    "nearest": "nearest station", "minutes_to_nearest": "minutes to nearest", "station": "station",
                    "villages": "villages", "population": "population", "officers": "officers", "why": "why",
                    "minutes": "within (minutes)", "villages_share": "share of villages",
                    "population_share": "share of population"},
    },
}


def _splits(d: Any, names: dict[str, str], language: str) -> pd.DataFrame:
    pieces = d.geometric_splits.sort_values(["village_id", "share"], ascending=[True, False])
    sep = "、" if language == "zh" else ", "
    rows = [{"name": part["name"].iloc[0], "village_id": vid,
             "stations": sep.join(f"{names.get(s, s)} {share:.0%}"
                                  for s, share in zip(part["station_id"], part["share"], strict=True))}
            for vid, part in pieces.groupby("village_id", sort=True)]
    return pd.DataFrame(rows, columns=["name", "village_id", "stations"])


def _functional(d: Any, names: dict[str, str], language: str) -> pd.DataFrame:
    f = d.functional_splits
    kind = f["kind"].astype(str)
    if language == "zh":
        kind = kind.replace(ZH_TERMS)
    return pd.DataFrame({
        "name": f["name"], "village_id": f["village_id"],
        "registration": f["registration_station"].map(lambda s: names.get(s, s)),
        "dispatch": f["dispatch_station"].map(lambda s: names.get(s, s)),
        "polygon": f["polygon_station"].map(lambda s: names.get(s, s)), "kind": kind})


def _beyond(d: Any, names: dict[str, str]) -> pd.DataFrame:
    reach = d.reach[d.reach["beyond_limit"]].sort_values("minutes_to_current", ascending=False)
    village_names = d.names if getattr(d, "names", None) is not None else pd.Series(dtype=object)
    return pd.DataFrame({
        "name": [village_names.get(v, v) for v in reach.index], "village_id": list(reach.index),
        "current": [names.get(s, s) for s in reach["current_station"]],
        "minutes_to_current": reach["minutes_to_current"].to_numpy(),
        "nearest": [names.get(s, s) for s in reach["nearest_station"]],
        "minutes_to_nearest": reach["minutes_to_nearest"].to_numpy()})


def _small(d: Any, language: str) -> pd.DataFrame:
    w = d.workload[d.workload["small"]]
    return pd.DataFrame({"station": w["name"], "villages": w["villages"], "population": w["population"],
                         "officers": w["officers"] if "officers" in w else None,
                         "why": [reason_text(r, language) for r in w["small_reason"]]})


def diagnosis_sections(diagnosis: Any, language: str, village: str) -> list[tuple[str, pd.DataFrame, dict[str, str]]]:
    """The diagnosis as titled tables: ``[(title, table, {column: header}), ...]``.

    Parameters
    ----------
    diagnosis : Diagnosis
        The diagnosis of the current map (parts it lacks are left out).
    language : {"zh", "en"}
        Language of titles and headers.
    village : str
        What the data calls a village (:func:`jurisdiction.outputs.labels.village_word`).

    Returns
    -------
    list of (str, DataFrame, dict)
        Tables keep their machine column names (so numbers can be formatted by kind: minutes,
        counts, shares); the dict gives each column's header.
    """
    words = WORDS[language]
    heads = {k: v.format(v=village) for k, v in words["headers"].items()}
    workload = getattr(diagnosis, "workload", None)
    names = (workload["name"].astype(str).to_dict()
             if workload is not None and "name" in workload.columns else {})
    tables = []
    if getattr(diagnosis, "geometric_splits", None) is not None:
        tables.append((words["splits"].format(v=village), _splits(diagnosis, names, language), heads))
    if getattr(diagnosis, "functional_splits", None) is not None:
        tables.append((words["functional"], _functional(diagnosis, names, language), heads))
    if getattr(diagnosis, "reach", None) is not None and "beyond_limit" in diagnosis.reach.columns:
        title = words["beyond"].format(t=f"{diagnosis.limit:g}", v=village)
        tables.append((title, _beyond(diagnosis, names), heads))
    if workload is not None and "small" in workload.columns:
        tables.append((words["small"], _small(diagnosis, language), heads))
    if getattr(diagnosis, "coverage", None) is not None:
        coverage = diagnosis.coverage.reset_index()
        coverage["minutes"] = coverage["minutes"].map(lambda m: f"{m:g}")  # thresholds: 5, 7.5, 10
        tables.append((words["coverage"], coverage, heads))
    return tables


def reach_sentence(diagnosis: Any, language: str) -> str:
    """One sentence on travel times to the current and to the nearest station (minutes), or ``""``."""
    summary = getattr(diagnosis, "reach_summary", None)
    if not summary:
        return ""
    return WORDS[language]["reach"].format(
        m=f"{summary['mean_minutes_to_current']:.1f}", x=f"{summary['max_minutes_to_current']:.1f}",
        mn=f"{summary['mean_minutes_to_nearest']:.1f}", xn=f"{summary['max_minutes_to_nearest']:.1f}")
