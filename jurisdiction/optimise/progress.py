"""The search's live state, reported every few seconds while :func:`~jurisdiction.optimise.solve` runs.

A caller gives ``Options(progress=callback)``; while the solve runs, a timer thread calls
``callback(state)`` every ``PERIOD_S`` seconds (the first call after ``PERIOD_S``, so a short
solve reports nothing) with a :class:`SearchState`: the stage, the best plan's objective, the
bound and the gap. The engine's stages tell the reporter what they found
(:func:`stage`, :func:`plan_found`, :func:`bound_found`); HiGHS runs tell it through a callback
(:func:`solver_hook`), but only in stages where the solver's plans and bounds are the problem's
(see ``stage(..., solver_plans=..., solver_bound=...)``).

The state is the search's own account, shown to keep a user informed. The numbers a
:class:`~jurisdiction.optimise.instance.Solution` finally reports are recomputed from the plan
(:mod:`jurisdiction.optimise.accounting`); these are not.

The reporter of the running solve is held in a context variable, so the nested solves of the
engine (the shortest-path form's plan) report into the outer one, and solves in other threads
(sweeps) into their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: Seconds between two reports.
PERIOD_S = 2.0


@dataclass(frozen=True)
class SearchState:
    """What the search has at one moment.

    Attributes
    ----------
    stage : str
        What the engine is doing (e.g. "balanced start", "cut round 3").
    seconds : float
        Seconds since the solve began.
    objective : float
        The best plan's primary objective (the model's unit: weighted minutes for p-median,
        minutes for p-center, covered weight for max-covering, centres for set covering);
        NaN before any plan.
    bound : float
        The best proven bound on the optimum, in the same unit; NaN before any.
    gap : float
        ``|objective - bound| / |objective|``; inf when either is unknown.
    maximise : bool
        True when larger objectives are better (max-covering).
    """

    stage: str
    seconds: float
    objective: float
    bound: float
    gap: float
    maximise: bool = False


class _Reporter:
    """Holds the state of one solve and calls back from a timer thread."""

    def __init__(self, callback: Callable[[SearchState], None], maximise: bool, period_s: float):
        self.callback, self.maximise, self.period_s = callback, maximise, period_s
        self.t0 = time.perf_counter()
        self.stage = "starting"
        self.objective = math.nan
        self.bound = math.nan
        self.solver_plans = self.solver_bound = False
        self.restricted = 0  # inside solves of a stricter model, whose bounds do not hold here
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._tick, name="solve-progress", daemon=True)

    def better(self, a: float, b: float) -> bool:
        """True when objective ``a`` is better than ``b`` (NaN is worst)."""
        if math.isnan(a):
            return False
        return math.isnan(b) or (a > b if self.maximise else a < b)

    def state(self) -> SearchState:
        objective, bound = self.objective, self.bound
        if math.isfinite(objective) and math.isfinite(bound):  # no bound is beyond a plan in hand
            bound = min(bound, objective) if not self.maximise else max(bound, objective)
        gap = math.inf
        if math.isfinite(objective) and math.isfinite(bound):
            gap = max(bound - objective if self.maximise else objective - bound, 0.0) / max(abs(objective), 1e-10)
        return SearchState(self.stage, time.perf_counter() - self.t0, objective, bound, gap, self.maximise)

    def _tick(self) -> None:
        while not self.done.wait(self.period_s):
            with contextlib.suppress(Exception):  # a failing callback must not stop the solve
                self.callback(self.state())


_current: contextvars.ContextVar[_Reporter | None] = contextvars.ContextVar("solve_progress", default=None)


@contextlib.contextmanager
def reporting(callback: Callable[[SearchState], None] | None, *, maximise: bool,
              period_s: float = PERIOD_S) -> Iterator[None]:
    """Report the search's state to ``callback`` every ``period_s`` seconds while the block runs.

    Inside a solve that already reports (the engine's nested solves), or without a callback,
    nothing is added.
    """
    if callback is None or _current.get() is not None:
        yield
        return
    reporter = _Reporter(callback, maximise, period_s)
    token = _current.set(reporter)
    reporter.thread.start()
    try:
        yield
    finally:
        reporter.done.set()
        _current.reset(token)
        reporter.thread.join()


def stage(name: str, *, solver_plans: bool = False, solver_bound: bool = False) -> None:
    """The engine starts stage ``name``.

    ``solver_plans``: the solver's incumbents in this stage are plans of the problem (no cut
    rounds still to come); ``solver_bound``: its dual bound bounds the problem (a relaxation).
    """
    if (r := _current.get()) is not None:
        r.stage, r.solver_plans, r.solver_bound = name, solver_plans, solver_bound


def plan_found(objective: float) -> None:
    """A plan of the problem with this primary objective was found."""
    if (r := _current.get()) is not None and r.better(float(objective), r.objective):
        r.objective = float(objective)


def bound_found(bound: float) -> None:
    """The optimum is proven no better than ``bound``."""
    if (r := _current.get()) is not None and not r.restricted and math.isfinite(bound):
        tighter = math.isnan(r.bound) or (bound < r.bound if r.maximise else bound > r.bound)
        if tighter:
            r.bound = float(bound)


@contextlib.contextmanager
def restricted() -> Iterator[None]:
    """A block that solves a stricter model: its plans are plans of the problem, its bounds are not."""
    r = _current.get()
    if r is None:
        yield
        return
    saved = r.stage, r.solver_plans, r.solver_bound
    r.restricted += 1
    try:
        yield
    finally:
        r.restricted -= 1
        r.stage, r.solver_plans, r.solver_bound = saved


def solver_hook(maximise_sign: bool) -> Callable[[float, float], None] | None:
    """``update(primal, dual)`` for a solver's callback, bound to the running solve, or None.

    ``maximise_sign``: the solver minimises the negated objective (PuLP with a maximisation),
    so both values are negated back. The hook holds the reporter itself, so it works from
    whatever thread the solver calls it.
    """
    r = _current.get()
    if r is None:
        return None
    sign = -1.0 if maximise_sign else 1.0

    def update(primal: float, dual: float) -> None:
        primal, dual = sign * primal, sign * dual
        if r.solver_plans and math.isfinite(primal) and r.better(primal, r.objective):
            r.objective = primal
        if r.solver_bound and not r.restricted and math.isfinite(dual):
            if math.isnan(r.bound) or (dual < r.bound if r.maximise else dual > r.bound):
                r.bound = dual

    return update
