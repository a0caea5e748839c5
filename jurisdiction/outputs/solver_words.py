"""The solver's model and objective in words a reader understands, in Chinese or English.

The optimiser describes its model in a short technical string (``Solution.formulation``, e.g.
``"p-median, bundles 2..3, K=17, contiguity cuts"``); :func:`formulation_text` translates its
known terms. :func:`objective_text` says what the objective measures, in which unit and which
way is better, for the scenario's model (:data:`jurisdiction.optimise.instance.MODELS`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from jurisdiction.outputs.numbers import number_text

#: Terms of ``Solution.formulation`` and their Chinese (patterns, applied in order).
FORMULATION_ZH: tuple[tuple[str, str], ...] = (
    (r"p-median", "p-中位模型"), (r"p-center", "p-中心模型"), (r"max-covering", "最大覆盖模型"),
    (r"set-covering", "集合覆盖模型"), (r"bundles (\d+)\.\.(\d+)", r"\1–\2 所合一"),
    (r"K=(\d+)\.\.(\d+)", r"辖区数 \1–\2"), (r"K=(\d+)", r"辖区数 \1"),
    (r"balance ±([\d.]+)", "工作量均衡"), (r"capacity", "容量约束"),
    (r"contiguity cuts", "辖区连片（割平面）"), (r"contiguity shortest-path", "辖区连片（最短路）"),
    (r"cut round", "割平面轮次"), (r"\(plan: ", "（方案来自："), (r"\(specialised: ", "（专用算法："),
    (r"proven by enumerating centre sets", "经枚举全部中心所组合证明"),
    (r"connected assignment to the balanced plan's centres", "按均衡方案的中心所连片分配"),
    (r", ", "，"), (r"\)", "）"),
)

#: Terms of ``Solution.formulation`` in plain English.
FORMULATION_EN: tuple[tuple[str, str], ...] = (
    (r"bundles (\d+)\.\.(\d+)", r"\1–\2 stations per centre"), (r"K=(\d+)\.\.(\d+)", r"\1–\2 districts"),
    (r"K=(\d+)", r"\1 districts"), (r"balance ±([\d.]+)", "balanced workload"),
    (r"contiguity cuts", "contiguous districts (cuts)"),
    (r"contiguity shortest-path", "contiguous districts (shortest paths)"),
)

#: The objective of each model: what it measures, its unit and which way is better.
OBJECTIVES = {
    "zh": {
        "p-median": ("各{v}{w} × 到派出所行车分钟之和", "{u}·分钟", "越小越好"),
        "p-center": ("最远的{v}到派出所的行车时间", "分钟", "越小越好"),
        "max-covering": ("时限内能到达的{w}", "{u}", "越大越好"),
        "set-covering": ("中心所数量", "个", "越少越好"),
    },
    "en": {
        "p-median": ("sum over villages of {w} × travel minutes to the station", "{u}·minutes", "lower is better"),
        "p-center": ("travel time to the farthest village", "minutes", "lower is better"),
        "max-covering": ("{w} within the limit", "{u}", "higher is better"),
        "set-covering": ("number of centres", "centres", "fewer is better"),
    },
}
#: The objective's weight (``Scenario.weight``) and its unit.
WEIGHTS = {
    "zh": {"population": ("人口", "人"), "incidents": ("警情", "起"), None: ("加权值", "权重")},
    "en": {"population": ("population", "people"), "incidents": ("incidents", "incidents"), None: ("weight", "weight")},
}


def formulation_text(formulation: str, language: str) -> str:
    """The solver's model string with its known terms in ``language`` (``K=17`` becomes 辖区数 17 / 17 districts)."""
    for pattern, words in FORMULATION_ZH if language == "zh" else FORMULATION_EN:
        formulation = re.sub(pattern, words, formulation)
    return formulation


def objective_text(value: Any, scenario: Any, language: str, village: str = "村", *, bare: bool = False) -> str:
    """The objective value with its unit and what it measures: ``"3,364,489 人·分钟（各村人口 × ...，越小越好）"``.

    Parameters
    ----------
    value : float or None
        The objective (or bound) in the model's unit.
    scenario : Scenario
        For the model (``objective``) and its weight (``weight``: a column or a blend).
    language : {"zh", "en"}
    village : str
        The data's word for a village.
    bare : bool
        Only the value and the unit (for the bound).
    """
    model = getattr(scenario, "objective", "p-median")
    weight = getattr(scenario, "weight", "population")
    weights = WEIGHTS[language]
    word, unit = weights.get(weight if isinstance(weight, str) else None, weights[None])
    what, units, better = OBJECTIVES[language].get(model, OBJECTIVES[language]["p-median"])
    kind = "minutes" if model == "p-center" else "count"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    shown = f"{number_text(value, kind)} {units.format(u=unit)}"
    if bare:
        return shown
    explained = what.format(v=village, w=word)
    return f"{shown}（{explained}，{better}）" if language == "zh" else f"{shown} ({explained}; {better})"
