"""Run HiGHS or CBC on a PuLP model and read the result honestly.

PuLP's ``LpStatus`` says "Optimal" for a run stopped by its time limit. Here a run is
``"optimal"`` only when the solver proves it (HiGHS model status ``kOptimal``; CBC's
"Optimal solution found"), and otherwise, with an incumbent, ``"feasible"`` with the solver's
own best bound (HiGHS ``mip_dual_bound``; CBC's log) and the relative gap.

The objective of a run is computed from the values of the columns the solver returns, never
taken from the solver's account of it: HiGHS 1.16, handed a start that breaks a row by less
than its feasibility tolerance, can return that start's columns with the objective of another
plan. A start is handed over only when it satisfies every bound and row.

Every HiGHS object is made by :func:`new_highs` (or, for PuLP models, :class:`_HiGHS`), so
that nothing reaches stdout unless the user asks for the solver's log: HiGHS prints its
banner when the first object of the process is made, before any option can switch it off.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass

import highspy
import numpy as np
import pulp
import pulp.apis.coin_api
import scipy.sparse as sp

import jurisdiction.optimise.progress as progress


@dataclass(frozen=True)
class Run:
    """One solver run: status is optimal | feasible | infeasible | unbounded | no-solution."""

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float


_banner_lock = threading.Lock()
_banner_done = False


def _swallow_banner() -> None:
    """Make the process's first HiGHS object with stdout (file descriptor 1) sent to /dev/null."""
    global _banner_done
    with _banner_lock:
        if _banner_done:
            return
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            highspy.Highs()
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None).fflush(None)  # C stdio buffers the banner when stdout is a pipe
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _banner_done = True


def new_highs(*, log: bool = False) -> highspy.Highs:
    """A HiGHS object that prints nothing (its banner and log only with ``log=True``)."""
    if not log:
        _swallow_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(log))
    return h


def pin_highs_threads(count: int) -> bool:
    """Make the HiGHS solves started from this thread use ``count`` threads (a sweep's task: 1).

    HiGHS keeps a task scheduler per thread, made with the thread count of the first solve
    started from that thread (default: half the cores); later solves that set no count use it.
    This runs an empty solve with ``count`` threads, so it must come before the thread's first
    solve. Threads the engine starts itself (probing) keep HiGHS's default.

    Returns
    -------
    bool
        False when this thread's scheduler already has another count (nothing changed).
    """
    h = new_highs()
    h.setOptionValue("threads", int(count))
    h.addVar(0.0, 1.0)
    return h.run() == highspy.HighsStatus.kOk


def highs_objective(h: highspy.Highs) -> float:
    """Objective of the columns ``h`` returns (``c . x`` + offset, in the model's own sense)."""
    lp = h.getLp()
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return float(np.dot(np.asarray(lp.col_cost_, dtype=float), x) + lp.offset_)


def satisfies(h: highspy.Highs, values: np.ndarray, *, tolerance: float = 1e-9) -> bool:
    """True when ``values`` (one per column) keep every column bound, integrality and row of ``h``.

    ``tolerance`` is relative to each row's bound (absolute below 1).
    """
    lp = h.getLp()
    x = np.asarray(values, dtype=float)
    if x.size != lp.num_col_:
        return False
    lo, hi = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    if (x < lo - tolerance).any() or (x > hi + tolerance).any():
        return False
    integer = np.asarray([t == highspy.HighsVarType.kInteger for t in lp.integrality_], dtype=bool)
    if integer.size and (np.abs(x[integer] - np.round(x[integer])) > tolerance).any():
        return False
    a = lp.a_matrix_
    parts = (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_))
    if a.format_ == highspy.MatrixFormat.kRowwise:
        matrix = sp.csr_matrix(parts, shape=(lp.num_row_, lp.num_col_))
    else:
        matrix = sp.csc_matrix(parts, shape=(lp.num_row_, lp.num_col_))
    activity = matrix @ x
    rlo, rhi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    slack = tolerance * np.maximum(1.0, np.abs(np.where(np.isfinite(rhi), rhi, rlo)))
    return bool(((activity >= rlo - slack) & (activity <= rhi + slack)).all())


class _HiGHS(pulp.HiGHS):
    """PuLP's HiGHS API, silent, plus a MIP start taken from the variables' values when it is feasible."""

    def __init__(self, warm_start: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.warm_start = warm_start

    def createAndConfigureSolver(self, lp):
        if not self.msg:
            _swallow_banner()
        super().createAndConfigureSolver(lp)

    def buildSolverModel(self, lp):
        super().buildSolverModel(lp)
        # PuLP leaves out the objective's constant: without it HiGHS's objective and bound miss it.
        constant = float(lp.objective.constant) if lp.objective is not None else 0.0
        if constant:
            lp.solverModel.changeObjectiveOffset(-constant if lp.sense == pulp.LpMaximize else constant)

    def callSolver(self, lp):
        if self.warm_start:
            variables = lp.variables()
            values = np.zeros(len(variables))
            any_set = False
            for var in variables:
                if var.varValue is not None:
                    values[var.index] = float(var.varValue)
                    any_set = True
            if any_set and satisfies(lp.solverModel, values):
                sol = highspy.HighsSolution()
                sol.col_value = values.tolist()
                sol.value_valid = True
                lp.solverModel.setSolution(sol)
        update = progress.solver_hook(lp.sense == pulp.LpMaximize)  # PuLP hands HiGHS -objective
        if update is not None:
            lp.solverModel.setCallback(lambda _kind, _text, out, _in, _data: update(out.mip_primal_bound,
                                                                                   out.mip_dual_bound), None)
            lp.solverModel.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
        lp.solverModel.run()


def relative_gap(objective: float, bound: float, *, maximise: bool = False) -> float:
    """How far the bound leaves the objective open, relative to the objective.

    ``(objective - bound) / |objective|`` for a minimisation (``bound - objective`` when
    maximising); 0 when the bound reaches the objective (within 1e-9, or beyond it); inf when
    either is unknown (NaN or infinite).
    """
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    diff = (bound - objective) if maximise else (objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


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
    objective = float(pulp.value(prob.objective) or 0.0)  # the returned columns' own value
    bound = float(info.mip_dual_bound)
    if prob.sense == pulp.LpMaximize:  # PuLP hands HiGHS the negated objective
        bound = -bound
    if not math.isfinite(bound) and status == ms.kOptimal:
        bound = objective  # an LP (no integer columns) has no MIP bound
    claimed = float(info.objective_function_value) * (-1.0 if prob.sense == pulp.LpMaximize else 1.0)
    proved = status == ms.kOptimal
    if warm_start and proved and abs(claimed - objective) > 1e-6 * max(1.0, abs(objective)):
        # HiGHS 1.16 may return the start's columns with its own (better) plan's objective: solve
        # again without the start (a set-covering second stage with bundles, test_auto_bundling).
        left = None if time_limit is None else max(time_limit - seconds, 0.5)
        return _run_highs(prob, left, gap, False, msg, extra)
    if abs(claimed - objective) > 1e-6 * max(1.0, abs(objective)):
        # HiGHS's account is of another plan than the columns it returned: keep only a bound
        # that the returned plan does not contradict, and prove nothing.
        proved = False
        bound = min(bound, objective) if prob.sense == pulp.LpMinimize else max(bound, objective)
    g = relative_gap(objective, bound, maximise=prob.sense == pulp.LpMaximize)
    return Run("optimal" if proved else "feasible", objective, bound, g, seconds)


_NUMBER = r"(-?[0-9.eE+-]+|inf|-inf|nan)"


_children_lock = threading.Lock()


@contextlib.contextmanager
def _reaped_cbc():
    """A fresh temporary folder for one CBC run; its child process and files never outlive the run.

    PuLP starts CBC with ``subprocess.Popen`` and waits for it; an interrupt (SIGINT, or SIGTERM
    turned into ``SystemExit`` by the command line) while it waits would leave CBC running,
    re-parented, until its own limit, and its files behind. PuLP's CBC module sees, for the
    run, a ``subprocess`` whose ``Popen`` records the child, so that it can be ended here.

    Yields
    ------
    str
        The run's temporary folder (removed afterwards).
    """
    folder = tempfile.mkdtemp(prefix="jurisdiction_cbc_")
    started: list[subprocess.Popen] = []

    class _Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    shim = types.SimpleNamespace(**{k: getattr(subprocess, k) for k in dir(subprocess) if not k.startswith("__")})
    shim.Popen = _Recorded
    with _children_lock:
        pulp.apis.coin_api.subprocess = shim
    try:
        yield folder
    finally:
        with _children_lock:
            pulp.apis.coin_api.subprocess = subprocess
        for child in started:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        shutil.rmtree(folder, ignore_errors=True)


def cbc_solve(prob: pulp.LpProblem, **cbc_options) -> str:
    """Solve ``prob`` in place with PuLP's bundled CBC, silently unless ``msg=True``; return CBC's log.

    ``cbc_options`` are :class:`pulp.PULP_CBC_CMD` keywords (``timeLimit``, ``gapRel``, ``threads``,
    ``warmStart``, ``msg``). The child process and its files are cleaned up even when the run is
    interrupted (see :func:`_reaped_cbc`).
    """
    with _reaped_cbc() as folder:
        log = os.path.join(folder, "cbc.log")
        solver = pulp.PULP_CBC_CMD(logPath=log, **cbc_options)
        solver.tmpDir = folder
        prob.solve(solver)
        with open(log, encoding="utf-8", errors="replace") as fh:
            return fh.read()


def breaks_model(prob: pulp.LpProblem, *, tolerance: float = 1e-6) -> bool:
    """True when the variables' values break a bound, an integrality or a row of ``prob``.

    ``tolerance`` is relative to each row's right-hand side (absolute below 1).
    """
    for var in prob.variables():
        value = var.varValue
        if value is None:
            return True
        if (var.lowBound is not None and value < var.lowBound - tolerance) or (
                var.upBound is not None and value > var.upBound + tolerance):
            return True
        if var.cat == pulp.LpInteger and abs(value - round(value)) > tolerance:
            return True
    for row in prob.constraints.values():
        activity = sum(var.varValue * coef for var, coef in row.items()) + row.constant  # lhs - rhs
        slack = tolerance * max(1.0, abs(row.constant))
        if (row.sense == pulp.LpConstraintLE and activity > slack) or (
                row.sense == pulp.LpConstraintGE and activity < -slack) or (
                row.sense == pulp.LpConstraintEQ and abs(activity) > slack):
            return True
    return False


def _cbc_bound(text: str, prob: pulp.LpProblem, objective: float) -> float:
    """CBC's best bound in the model's own terms, from its log (NaN when it gives none).

    CBC reports the objective and its bound without the objective's constant, and for a
    maximisation of the negated objective (the MPS file minimises); both are undone here, the
    sign read off the reported objective against the columns' value.
    """
    reported = re.findall(r"^Objective value:\s+" + _NUMBER, text, flags=re.M)
    lower = re.findall(r"^Lower bound:\s+" + _NUMBER, text, flags=re.M)
    if not (reported and lower):
        return math.nan
    constant = float(prob.objective.constant)
    sign = (1.0 if abs(float(reported[-1]) + constant - objective) <= abs(-float(reported[-1]) + constant - objective)
            else -1.0)
    return sign * float(lower[-1]) + constant


def _run_cbc(prob, time_limit, gap, threads, warm_start, msg) -> Run:
    t0 = time.perf_counter()
    text = cbc_solve(prob, msg=msg, timeLimit=time_limit, gapRel=gap, threads=threads, warmStart=warm_start)
    found = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if found and breaks_model(prob):
        # CBC can return, after postprocessing ("possible tolerance issue"), a plan that breaks
        # the model it was given: solve again without its preprocessing, once.
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 0.5)
        text = cbc_solve(prob, msg=msg, timeLimit=left, gapRel=gap, threads=threads, options=["preprocess off"])
        found = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) and not breaks_model(prob)
    seconds = time.perf_counter() - t0
    if prob.status == pulp.LpStatusInfeasible or "Problem proven infeasible" in text:
        return Run("infeasible", math.nan, math.nan, math.inf, seconds)
    if not found:
        return Run("no-solution", math.nan, math.nan, math.inf, seconds)
    objective = float(pulp.value(prob.objective) or 0.0)
    bound = _cbc_bound(text, prob, objective)
    exact = "Result - Optimal solution found" in text and "within gap tolerance" not in text
    if exact and math.isnan(bound):
        bound = objective
    g = relative_gap(objective, bound, maximise=prob.sense == pulp.LpMaximize)
    proved = "Result - Optimal solution found" in text and g <= max(gap, 1e-9)
    return Run("optimal" if proved else "feasible", objective, bound, g, seconds)
