"""The numbers a solution reports, recomputed from its plan: the engine never passes on a solver's word.

Every path of :func:`~jurisdiction.optimise.solve` (the specialised p-median solver, the MIP,
the cut rounds and their repaired incumbents, the exact enumeration of centre sets, the
lexicographic second stage) ends in :func:`account`. It recomputes the primary objective of
the returned plan from the instance alone, keeps the solver's bound only where the plan does
not contradict it (a lower bound above a plan's cost proves nothing), and calls the solution
"optimal" only when the two meet within the requested gap.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from jurisdiction.optimise.instance import Options, Prepared, Solution
from jurisdiction.optimise.mip.solver import relative_gap

#: Relative difference below which two objective values count as equal. The solvers accept a
#: row broken by up to their feasibility tolerance (HiGHS: 1e-6, absolute), so no finer
#: improvement on an incumbent can be sought or proven; the cut rounds seek plans better by
#: at least this much (relative, and at least 1e-6 absolute).
RESOLUTION = 1e-6


def tolerance(options: Options) -> float:
    """Relative gap within which objective and bound meet: the requested gap, at least :data:`RESOLUTION`.

    (Plus 1e-12 for the rounding of ``step / value``, the gap of a plan proven by an infeasible round.)
    """
    return max(options.gap, RESOLUTION) + 1e-12


def maximises(options: Options) -> bool:
    """True for the one model that maximises (max-covering: covered weight)."""
    return options.model == "max-covering"


def plan_value(p: Prepared, options: Options, assignment: np.ndarray, centres: np.ndarray,
               bundle: np.ndarray | None) -> float:
    """The primary objective of a plan, computed from the instance alone.

    Parameters
    ----------
    p : Prepared
        The instance (times in minutes, weights, cost = weight x minutes unless given).
    options : Options
        ``model``, ``limit`` (minutes, the covering radius), ``disruption`` and bundling.
    assignment : ndarray of int, shape (n_villages,)
        Station index of each village's centre.
    centres : ndarray of int
        The open centres.
    bundle : ndarray of int, shape (n_stations,), or None
        Centre each station joins (-1: none), for the disruption penalty with bundles.

    Returns
    -------
    float
        p-median: sum of cost (weight x minutes) plus the disruption penalty (``disruption``
        x weight of each village that leaves its home station's centre); p-center: the
        longest assigned time (minutes); max-covering: the weight assigned within ``limit``;
        set-covering: the number of centres.
    """
    a = np.asarray(assignment, dtype=np.int64)
    rows = np.arange(a.size)
    if options.model == "p-center":
        return float(p.times[rows, a].max()) if a.size else 0.0
    if options.model == "max-covering":
        return float(p.weights[p.times[rows, a] <= options.limit + 1e-9].sum())
    if options.model == "set-covering":
        return float(np.unique(centres).size)
    value = float(p.cost[rows, a].sum())
    if options.disruption > 0 and not (options.follow_station and options.bundle_sizes is not None):
        home = p.home
        if options.bundle_sizes is None:
            moved = (home >= 0) & (a != home)
        else:
            joined = np.where(home >= 0, np.asarray(bundle)[np.maximum(home, 0)], -1)
            moved = (joined >= 0) & (a != joined)
        value += float(options.disruption * p.weights[moved].sum())
    return value


def account(solution: Solution, p: Prepared, options: Options) -> Solution:
    """``solution`` with its objective recomputed from its plan, a bound it does not contradict, and an honest status.

    The bound is the solver's proven bound; for a minimisation it is never above the
    objective (and never below it for max-covering). A bound that the plan itself contradicts
    by more than :data:`RESOLUTION` is dropped (NaN): it was proven for another model. The
    status is "optimal" only when objective and bound meet within ``max(options.gap,
    RESOLUTION)``; otherwise "feasible" with the relative gap (inf without a bound).
    """
    value = plan_value(p, options, solution.assignment, solution.centres, solution.bundle)
    bound = float(solution.bound)
    sign = -1.0 if maximises(options) else 1.0
    slack = RESOLUTION * max(1.0, abs(value))
    if not math.isfinite(bound) or sign * (bound - value) > slack:
        bound = math.nan
    else:
        bound = min(bound, value) if sign > 0 else max(bound, value)
    gap = relative_gap(value, bound, maximise=sign < 0)
    status = "optimal" if gap <= tolerance(options) else "feasible"
    return replace(solution, objective=value, bound=bound, gap=gap, status=status)
