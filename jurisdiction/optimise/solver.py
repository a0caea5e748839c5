"""Run HiGHS or CBC on a PuLP model and read the result honestly.

PuLP's ``LpStatus`` says "Optimal" for a run stopped by its time limit. Here a run is
``"optimal"`` only when the solver proves it (HiGHS model status ``kOptimal``; CBC's
"Optimal solution found"), and otherwise, with an incumbent, ``"feasible"`` with the solver's
own best bound (HiGHS ``mip_dual_bound``; CBC's log) and the relative gap.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass

import highspy
import pulp


@dataclass(frozen=True)
class Run:
    """One solver run: status is optimal | feasible | infeasible | unbounded | no-solution."""

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float


class _HiGHS(pulp.HiGHS):
    """PuLP's HiGHS API, plus a MIP start taken from the variables' initial values."""

    def __init__(self, warm_start: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.warm_start = warm_start

    def callSolver(self, lp):
        if self.warm_start:
            variables = lp.variables()
            values = [0.0] * len(variables)
            any_set = False
            for var in variables:
                if var.varValue is not None:
                    values[var.index] = float(var.varValue)
                    any_set = True
            if any_set:
                sol = highspy.HighsSolution()
                sol.col_value = values
                sol.value_valid = True
                lp.solverModel.setSolution(sol)
        lp.solverModel.run()


def relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / |objective| (0 when both are 0; inf when the bound is unknown)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


def set_seconds_left(h: highspy.Highs, seconds: float) -> None:
    """Let the next ``h.run()`` take ``seconds`` more (wall-clock seconds).

    HiGHS checks ``time_limit`` against the time of every run of the object so far
    (``getRunTime``), so a re-solve given only the seconds left would stop at once.
    """
    h.setOptionValue("time_limit", h.getRunTime() + max(float(seconds), 0.0))


def run(prob: pulp.LpProblem, solver: str, *, time_limit: float | None, gap: float, threads: int | None,
        warm_start: bool = False, msg: bool = False, highs_options: dict | None = None) -> Run:
    """Solve ``prob`` in place (variables get their values) and report what the solver proved.

    Parameters
    ----------
    prob : pulp.LpProblem
    solver : "highs" or "cbc"
    time_limit : float or None
        Seconds.
    gap : float
        Relative gap tolerance.
    threads : int or None
        CBC's threads (HiGHS picks its own, see :func:`_run_highs`).
    warm_start : bool
        Pass the variables' current values as a starting solution.
    highs_options : dict or None
        Further HiGHS options by name (ignored by CBC).
    """
    if solver == "highs":
        return _run_highs(prob, time_limit, gap, warm_start, msg, highs_options or {})
    return _run_cbc(prob, time_limit, gap, threads, warm_start, msg)


def _run_highs(prob, time_limit, gap, warm_start, msg, extra) -> Run:
    # No ``threads`` for HiGHS: its process-wide scheduler takes the count of the first solve
    # and refuses any later solve that sets another ("global scheduler has already been
    # initialized"), and its tree search is serial anyway. ``threads`` serves the engine's own
    # searches (see Options.threads) and CBC.
    s = _HiGHS(warm_start=warm_start, msg=msg, timeLimit=time_limit, gapRel=gap,
               mip_improving_solution_save=True, **extra)
    t0 = time.perf_counter()
    prob.solve(s)
    seconds = time.perf_counter() - t0
    h = prob.solverModel
    status = h.getModelStatus()
    info = h.getInfo()
    ms = highspy.HighsModelStatus
    if status == ms.kInfeasible:
        return Run("infeasible", math.nan, math.nan, math.inf, seconds)
    if status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
        return Run("unbounded" if status == ms.kUnbounded else "infeasible", math.nan, math.nan, math.inf, seconds)
    has_solution = info.primal_solution_status == 2
    if not has_solution:
        bound = float(info.mip_dual_bound)
        if prob.sense == pulp.LpMaximize:
            bound = -bound
        return Run("no-solution", math.nan, bound if math.isfinite(bound) else math.nan, math.inf, seconds)
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    if prob.sense == pulp.LpMaximize:  # PuLP hands HiGHS the negated objective
        objective, bound = -objective, -bound
    if not math.isfinite(bound) and status == ms.kOptimal:
        bound = objective  # an LP (no integer columns) has no MIP bound
    g = relative_gap(objective, bound)
    return Run("optimal" if status == ms.kOptimal else "feasible", objective, bound, g, seconds)


_NUMBER = r"(-?[0-9.eE+-]+|inf|-inf|nan)"


def _run_cbc(prob, time_limit, gap, threads, warm_start, msg) -> Run:
    fd, log = tempfile.mkstemp(suffix=".log", prefix="cbc_")
    os.close(fd)
    try:
        s = pulp.PULP_CBC_CMD(msg=msg, timeLimit=time_limit, gapRel=gap, threads=threads,
                              warmStart=warm_start, logPath=log)
        t0 = time.perf_counter()
        prob.solve(s)
        seconds = time.perf_counter() - t0
        with open(log, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    finally:
        os.unlink(log)
    if prob.status == pulp.LpStatusInfeasible or "Problem proven infeasible" in text:
        return Run("infeasible", math.nan, math.nan, math.inf, seconds)
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return Run("no-solution", math.nan, math.nan, math.inf, seconds)
    objective = float(pulp.value(prob.objective) or 0.0)
    proved = "Result - Optimal solution found" in text
    if proved:
        return Run("optimal", objective, objective, 0.0, seconds)
    g = re.findall(r"^Gap:\s+" + _NUMBER, text, flags=re.M)
    rel = float(g[-1]) if g else math.inf
    if math.isfinite(rel):
        step = rel * abs(objective)
        bound = objective - step if prob.sense == pulp.LpMinimize else objective + step
    else:
        bound = math.nan
    return Run("feasible", objective, bound, relative_gap(objective, bound) if math.isfinite(rel) else math.inf, seconds)
