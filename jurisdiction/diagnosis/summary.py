"""One screen of text for a :class:`jurisdiction.diagnosis.findings.Diagnosis`, in English or Chinese."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jurisdiction.diagnosis.findings import Diagnosis

#: How many villages or stations each section names before it summarises the rest.
MAX_NAMED = 12

LABELS = {
    "en": {
        "head": "Diagnosis of the current map: {v} villages, population {p}, {s} stations; limit {t} min",
        "splits": "Split villages (one village, several stations): {n}",
        "split_row": "{name} ({vid}): {shares}", "share": "{name} ({sid}) {share:.0%}",
        "points": "Split villages: not applicable (villages are points, not polygons)",
        "no_jur": "Split villages: not computed (no jurisdiction polygons)",
        "functional": "Functional splits (registration≠dispatch, recorded≠polygon): {n}",
        "func_row": "{name} ({vid}): registration {reg}, dispatch {dis}, map {poly} [{kind}]",
        "reach": "Travel time to current station: mean {m} min (population-weighted), max {x} min; "
                 "to nearest station: mean {mn} min, max {xn} min",
        "no_tt": "Travel time and coverage: not computed (no travel-time matrix)",
        "beyond": "Beyond {t} min of current station: {n} villages, {p} people",
        "beyond_row": "{name} ({vid}): {m} min to {st} (nearest {nst}, {mn} min)",
        "unreach": "Unreachable from their station by road: {n} villages",
        "nocur": "Villages with no known current station: {n}",
        "small": "Small stations (小散弱): {n}",
        "small_row": "{name} ({sid}): {v} villages, population {p}, officers {o} ({why})",
        "coverage": "Within so many minutes of a station or post (share of villages / of population):",
        "workload": "Population per station: min {mi}, mean {me}, max {ma}; officers per 10,000 people: {r}",
        "more": "... and {n} more",
        "min": "min", "sep": "; ",
    },
    "zh": {
        "head": "现状诊断：{v} 个村，人口 {p}，{s} 个派出所；时限 {t} 分钟",
        "splits": "插花村（一村分属多所）：{n} 个",
        "split_row": "{name}（{vid}）：{shares}", "share": "{name}（{sid}）{share:.0%}",
        "points": "插花村：不适用（村为点数据，无面）",
        "no_jur": "插花村：未计算（无辖区面图层）",
        "functional": "职能分割（户籍≠接处警、记录≠辖区图）：{n} 个",
        "func_row": "{name}（{vid}）：户籍 {reg}，接处警 {dis}，辖区图 {poly}［{kind}］",
        "reach": "到现辖派出所时间：人口加权平均 {m} 分钟，最长 {x} 分钟；到最近派出所：平均 {mn} 分钟，最长 {xn} 分钟",
        "no_tt": "通行时间与覆盖率：未计算（无通行时间矩阵）",
        "beyond": "距现辖派出所超过 {t} 分钟：{n} 个村，{p} 人",
        "beyond_row": "{name}（{vid}）：到 {st} {m} 分钟（最近 {nst}，{mn} 分钟）",
        "unreach": "道路不可达的村：{n} 个",
        "nocur": "现辖派出所不明的村：{n} 个",
        "small": "小散弱派出所：{n} 个",
        "small_row": "{name}（{sid}）：{v} 个村，人口 {p}，民警 {o}（{why}）",
        "coverage": "到派出所或警务室的时间在以下分钟内（村数占比 / 人口占比）：",
        "workload": "各所人口：最少 {mi}，平均 {me}，最多 {ma}；每万人警力：{r}",
        "more": "……另有 {n} 个",
        "min": "分钟", "sep": "；",
    },
}


#: Chinese for the words in ``kind`` values (the tables stay in English).
ZH_TERMS = {
    "registration≠dispatch": "户籍≠接处警",
    "recorded≠polygon": "记录≠辖区图",
}

#: Why a station is small (``small_reason``: ``"population 8,000 < q25 12,500"``), in words.
REASONS = {
    "zh": {"population": "人口", "officers": "民警", "incidents": "警情",
           "quantile": "{what} {value} 低于全县 {q}% 分位数 {cut}", "max": "{what} {value} 少于 {cut}"},
    "en": {"population": "population", "officers": "officers", "incidents": "incidents",
           "quantile": "{what} {value} below the county's {q}th percentile {cut}",
           "max": "{what} {value} below {cut}"},
}
_REASON = re.compile(r"(\w+) ([\d,.]+) < (q[\d.]+|max) ([\d,.]+)")


def reason_text(reason: str, language: str) -> str:
    """A ``small_reason`` in words: ``"人口 12,374 低于全县 25% 分位数 13,612"`` (rules joined by ；)."""
    words = REASONS[language]

    def one(match: re.Match) -> str:
        what, value, rule, cut = match.groups()
        what = words.get(what, what)
        if rule.startswith("q"):
            return words["quantile"].format(what=what, value=value, q=rule[1:], cut=cut)
        return words["max"].format(what=what, value=value, cut=cut)

    return ("；" if language == "zh" else "; ").join(_REASON.sub(one, part) for part in reason.split("; ") if part)


def _term(text: str, language: str) -> str:
    if language != "zh":
        return text
    for en, zh in ZH_TERMS.items():
        text = text.replace(en, zh)
    return text


def _num(x: float, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators; a count (digits 0) as an integer."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    return f"{int(round(x)):,}" if digits == 0 else f"{x:,.{digits}f}"


def _listed(rows: list[str], lab: dict) -> list[str]:
    out = [f"  {r}" for r in rows[:MAX_NAMED]]
    if len(rows) > MAX_NAMED:
        out.append("  " + lab["more"].format(n=len(rows) - MAX_NAMED))
    return out


def summary_text(d: Diagnosis, language: str = "en") -> str:
    """Render a diagnosis as one screen of text.

    Parameters
    ----------
    d : Diagnosis
        The diagnosis.
    language : {"en", "zh"}
        Label language; data (names, ids) is shown as given.

    Returns
    -------
    str
        Lines naming split villages (stations and area shares), functional splits, villages
        beyond the limit (minutes), small stations (why), coverage shares and workload spread.
    """
    if language not in LABELS:
        raise ValueError(f"language must be one of {sorted(LABELS)}, not {language!r}")
    lab = LABELS[language]
    w = d.workload
    station_name = w["name"].to_dict()
    names = d.names if d.names is not None else d.current.index.to_series()
    lines = [lab["head"].format(v=len(d.current), p=f"{int(w['population'].sum()):,}", s=len(w),
                                t=f"{d.limit:g}")]

    if d.geometric_splits is None:
        lines.append(lab["points"] if d.point_villages else lab["no_jur"])
    else:
        g = d.geometric_splits.sort_values(["village_id", "share"], ascending=[True, False])
        rows = []
        for vid, part in g.groupby("village_id", sort=True):
            shares = " · ".join(lab["share"].format(name=station_name.get(s, s), sid=s, share=sh)
                                for s, sh in zip(part["station_id"], part["share"], strict=True))
            rows.append(lab["split_row"].format(name=part["name"].iloc[0], vid=vid, shares=shares))
        lines.append(lab["splits"].format(n=len(rows)))
        lines += _listed(rows, lab)

    f = d.functional_splits
    lines.append(lab["functional"].format(n=len(f)))
    lines += _listed([lab["func_row"].format(name=r.name, vid=r.village_id,
                                             reg=station_name.get(r.registration_station, "-"),
                                             dis=station_name.get(r.dispatch_station, "-"),
                                             poly=station_name.get(r.polygon_station, "-"),
                                             kind=_term(r.kind, language))
                      for r in f.itertuples()], lab)

    if d.reach is None:
        lines.append(lab["no_tt"])
    else:
        s = d.reach_summary
        lines.append(lab["reach"].format(m=_num(s["mean_minutes_to_current"]), x=_num(s["max_minutes_to_current"]),
                                         mn=_num(s["mean_minutes_to_nearest"]), xn=_num(s["max_minutes_to_nearest"])))
        beyond = d.reach[d.reach["beyond_limit"]].sort_values("minutes_to_current", ascending=False)
        lines.append(lab["beyond"].format(t=f"{d.limit:g}", n=len(beyond), p=f"{s['population_beyond_limit']:,}"))
        lines += _listed([lab["beyond_row"].format(
            name=names.get(vid, vid), vid=vid, m=_num(r.minutes_to_current),
            st=f"{station_name.get(r.current_station, r.current_station)}",
            nst=f"{station_name.get(r.nearest_station, r.nearest_station)}", mn=_num(r.minutes_to_nearest))
            for vid, r in zip(beyond.index, beyond.itertuples(), strict=True)], lab)
        if s["villages_unreachable_from_current"]:
            lines.append(lab["unreach"].format(n=s["villages_unreachable_from_current"]))
    missing = int(d.current.isna().sum())
    if missing:
        lines.append(lab["nocur"].format(n=missing))

    small = w[w["small"]]
    lines.append(lab["small"].format(n=len(small)))
    lines += _listed([lab["small_row"].format(name=r.name, sid=sid, v=r.villages, p=f"{r.population:,}",
                                              o=_num(r.officers, 0), why=reason_text(r.small_reason, language))
                      for sid, r in zip(small.index, small.itertuples(), strict=True)], lab)

    if d.coverage is not None:
        lines.append(lab["coverage"] + ("" if language == "zh" else " ") + lab["sep"].join(
            f"{t:g} {lab['min']} {r.villages_share:.0%} / {r.population_share:.0%}"
            for t, r in zip(d.coverage.index, d.coverage.itertuples(), strict=True)))
    officers = w["officers"].sum(min_count=1)
    ratio = officers / w["population"].sum() * 10_000 if w["population"].sum() > 0 else float("nan")
    lines.append(lab["workload"].format(mi=f"{w['population'].min():,}", me=f"{w['population'].mean():,.0f}",
                                        ma=f"{w['population'].max():,}", r=_num(ratio, 2)))
    return "\n".join(lines)
