"""The plan's key figures before and after, recomputed from its villages and stations, in words.

What a leader reads first (the report's first screen, the console): how many stations become
how many districts (centres, kept stations, posts), split villages, villages beyond the limit,
the longest and the mean travel time, and the officers needed at the target ratio. Nothing is
copied from the solver: every figure is counted again here from ``plan.villages`` and
``plan.stations``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from jurisdiction.outputs.numbers import gap_text, number_text


@dataclass(frozen=True)
class KeyFigures:
    """Key figures of a plan; pairs are (before, after).

    Attributes
    ----------
    stations : int
        Stations in the station layer (before).
    districts : int
        Districts after (one per centre or kept station).
    centres, kept, posts : int
        Stations that become centres / keep their district / become posts (警务室).
    split : (int, int)
        Villages split between several stations.
    beyond : (int, int) or None
        Villages beyond the limit (or unreachable); None without a limit.
    limit : float or None
        Travel-time limit, minutes.
    longest : (float, float)
        Longest travel time, minutes (finite times only).
    mean : (float, float)
        Population-weighted mean travel time, minutes.
    officers : float or None
        Officers today (sum of the station layer's ``officers``).
    ratio : float or None
        Officers per 10,000 residents used for ``needed``.
    needed : (float, float) or None
        Officers needed at ``ratio``: each district rounded up, summed; None without a ratio.
    """

    stations: int
    districts: int
    centres: int
    kept: int
    posts: int
    split: tuple[int, int]
    beyond: tuple[int, int] | None
    limit: float | None
    longest: tuple[float, float]
    mean: tuple[float, float]
    officers: float | None
    ratio: float | None
    needed: tuple[float, float] | None

    @property
    def bundled(self) -> int:
        """Stations that took part in bundling: the centres and their posts."""
        return self.centres + self.posts


def _longest(minutes: np.ndarray) -> float:
    finite = minutes[np.isfinite(minutes)]
    return float(finite.max()) if len(finite) else math.nan


def _mean(minutes: np.ndarray, population: np.ndarray) -> float:
    finite = np.isfinite(minutes)
    weight = population[finite].sum()
    return float((minutes[finite] * population[finite]).sum() / weight) if weight > 0 else math.nan


def _needed(population: Any, by: Any, ratio: float) -> float:
    loads = population.groupby(by.astype(str)).sum()
    return float(np.ceil(loads.to_numpy(float) / 1e4 * ratio).sum())


def key_figures(plan: Any) -> KeyFigures:
    """The key figures of ``plan``, recomputed from its villages and stations.

    Parameters
    ----------
    plan : Plan
        With ``villages`` (``current``, ``centre``, ``minutes_before``, ``minutes``,
        ``population``), ``stations`` (``role``, optional ``officers``) and ``scenario``
        (``limit`` in minutes, optional ``officers_per_10k``).
    """
    villages, stations = plan.villages, plan.stations
    population = villages["population"].astype(float)
    before = villages["minutes_before"].to_numpy(float)
    after = villages["minutes"].to_numpy(float)
    roles = stations["role"].astype(str)
    limit = getattr(plan.scenario, "limit", None)
    splits = getattr(plan, "split_villages", None)  # the pieces of villages split today
    split_before = 0 if splits is None or len(splits) == 0 else int(splits["village_id"].nunique())
    split_after = int((villages.groupby("village_id")["centre"].nunique() > 1).sum())
    officers = float(stations["officers"].sum()) if "officers" in stations.columns else None
    ratio = getattr(plan.scenario, "officers_per_10k", None)
    if ratio is None and officers and population.sum() > 0:
        ratio = officers / population.sum() * 1e4
    return KeyFigures(
        stations=len(stations),
        districts=int(villages["centre"].nunique()),
        centres=int((roles == "centre").sum()),
        kept=int((roles == "station").sum()),
        posts=int((roles == "post").sum()),
        split=(split_before, split_after),
        beyond=None if limit is None else (int((~(before <= limit)).sum()), int((~(after <= limit)).sum())),
        limit=None if limit is None else float(limit),
        longest=(_longest(before), _longest(after)),
        mean=(_mean(before, population.to_numpy()), _mean(after, population.to_numpy())),
        officers=officers,
        ratio=None if ratio is None else float(ratio),
        needed=None if not ratio else (_needed(population, villages["current"], ratio),
                                       _needed(population, villages["centre"], ratio)),
    )


#: A relative gap below this counts as proven optimal: the tolerance solvers themselves call optimal
#: (HiGHS's default ``mip_rel_gap``), so 0.0001 % is not shown as "within 0.0001 % of optimal".
PROVEN_GAP = 1e-4

WORDS = {
    "zh": {
        "stations": "{a} 所 → {b} 所", "posts": "（{n} 所改警务室）",
        "composition": "{c} 个中心所（由 {bundled} 个参与合并的派出所组成）+ {k} 个保留派出所 = {d} 个辖区",
        "composition_plain": "{d} 个辖区，各设一个派出所；{p} 所改为警务室",
        "optimal": "已证明最优", "within": "最优解的 {gap} 以内（求解时间 {s} 秒）",
        "best": "找到的最好解，距最优至多 {gap}（求解时间 {s} 秒，达到时间上限）",
        "unknown": "求解状态：{status}",
        "split": "插花{v}", "beyond": "超过 {t} 分钟的{v}", "longest": "最长行车时间",
        "mean": "平均行车时间（人口加权）", "needed": "所需民警（每万人 {r} 名）", "minutes": "分钟", "people": "人",
        "now": "现有 {n} 人", "solver": "求解情况", "colon": "：",
    },
    "en": {
        "stations": "{a} → {b}", "posts": " ({n} become posts)",
        "composition": "{c} centres (formed from {bundled} bundled stations) + {k} kept stations = {d} districts",
        "composition_plain": "{d} districts, one station each; {p} stations become posts",
        "optimal": "proven optimal", "within": "within {gap} of optimal (solved in {s} s)",
        "best": "best found, at most {gap} from optimal (time limit reached after {s} s)",
        "unknown": "solver status: {status}",
        "split": "Split villages", "beyond": "Villages beyond {t} min", "longest": "Longest travel time",
        "mean": "Mean travel time (population-weighted)", "needed": "Officers needed ({r} per 10,000)",
        "minutes": "min", "people": "", "now": "{n} today", "solver": "Solver", "colon": ": ",
    },
}


@dataclass(frozen=True)
class Row:
    """One key figure before -> after: its label, the pair, how to show the numbers, unit and a note."""

    label: str
    pair: tuple[float, float]
    kind: str
    unit: str
    note: str = ""


def figure_rows(figures: KeyFigures, language: str, village: str) -> list[Row]:
    """The key figures after the station count, labelled in ``language`` (``village``: the data's word)."""
    words = WORDS[language]
    rows = [Row(words["split"].format(v=village), figures.split, "count", "")]
    if figures.beyond is not None:
        rows.append(Row(words["beyond"].format(t=f"{figures.limit:g}", v=village), figures.beyond, "count", ""))
    rows += [Row(words["longest"], figures.longest, "minutes", words["minutes"]),
             Row(words["mean"], figures.mean, "minutes", words["minutes"])]
    if figures.needed is not None:
        note = words["now"].format(n=number_text(figures.officers, "count")) if figures.officers is not None else ""
        rows.append(Row(words["needed"].format(r=number_text(figures.ratio)), figures.needed, "count",
                        words["people"], note))
    return rows


def console_lines(plan: Any, language: str, village: str) -> list[str]:
    """The plan in a few lines for the terminal, one language: stations, composition, key figures, solver."""
    words = WORDS[language]
    figures = key_figures(plan)
    head, posts = stations_text(figures, language)
    lines = [f"{getattr(plan.scenario, 'name', '')}{words['colon']}{head}{posts}",
             f"  {composition_text(figures, language)}"]
    for row in figure_rows(figures, language, village):
        before, after = (number_text(v, row.kind) for v in row.pair)
        note = f"（{row.note}）" if row.note and language == "zh" else f" ({row.note})" if row.note else ""
        lines.append(f"  {row.label}{words['colon']}{before} → {after}{' ' + row.unit if row.unit else ''}{note}")
    rule = getattr(plan, "bundling_rule", None)
    if rule:
        lines.append(f"  {rule}")
    lines.append(f"  {words['solver']}{words['colon']}{solver_text(plan.solver or {}, language)}")
    return lines


def composition_text(figures: KeyFigures, language: str) -> str:
    """How the districts are made: ``"8 个中心所（由 17 个参与合并的派出所组成）+ 9 个保留派出所 = 17 个辖区"``."""
    words = WORDS[language]
    if figures.kept == 0:
        return words["composition_plain"].format(d=figures.districts, p=figures.posts)
    return words["composition"].format(c=figures.centres, bundled=figures.bundled, k=figures.kept,
                                       d=figures.districts)


def stations_text(figures: KeyFigures, language: str) -> str:
    """``"26 所 → 17 所"`` and, when stations become posts, ``"（9 所改警务室）"``; both as a pair."""
    words = WORDS[language]
    return words["stations"].format(a=figures.stations, b=figures.districts), (
        words["posts"].format(n=figures.posts) if figures.posts else "")


def solver_text(solver: dict[str, Any], language: str) -> str:
    """The solver's verdict in words: proven optimal, or how far from optimal at most, and the time."""
    words = WORDS[language]
    status = str(solver.get("status", "")).lower()
    gap = solver.get("gap")
    seconds = number_text(solver.get("seconds"), "minutes")
    finite = gap is not None and math.isfinite(gap)
    if status == "optimal" and finite and gap < PROVEN_GAP:
        return words["optimal"]
    if status == "optimal" and finite:
        return words["within"].format(gap=gap_text(gap), s=seconds)
    if status == "feasible":
        return words["best"].format(gap=gap_text(gap), s=seconds)
    return words["unknown"].format(status=solver.get("status"))
