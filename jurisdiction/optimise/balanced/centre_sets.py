"""The exact balanced (and connected) plan by enumerating centre sets, when there are few.

With few stations and centres (the US county instances of small states, e.g. ME: 120 sets),
every set of centres gets the LP bound of its fixed-centre assignment, and the sets that may
beat the best plan are solved exactly with :func:`jurisdiction.optimise.balanced.heuristics.assign`, in
increasing order of that bound: once the next bound cannot beat the best plan, it is optimal.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from math import comb

import numpy as np

from jurisdiction.optimise.balanced.heuristics import assign
from jurisdiction.optimise.balanced.problem import Districting
from jurisdiction.optimise.work import Work

#: Most centre sets :func:`by_centre_sets` enumerates.
MAX_CENTRE_SETS = 3000


def by_centre_sets(problem: Districting, work: Work, best_value: float,
                   gap: float) -> tuple[np.ndarray | None, float, bool] | None:
    """Exact balanced (and connected) plan by enumerating centre sets, when there are few.

    Every set of ``problem.k`` centres (fixed ones included) gets the LP bound of its assignment
    without contiguity; in increasing order of that bound, sets that may beat ``best_value``
    (the unit of ``problem.cost``) by more than the relative ``gap`` are solved exactly (with
    separator cut rounds when ``problem.adjacency`` is given). Once the next bound cannot beat
    the best plan, that plan is optimal. ``work`` is the work budget (LP iterations) and deadline.

    Returns
    -------
    (assignment, value, proven) or None
        None when there are more than :data:`MAX_CENTRE_SETS` sets. ``assignment`` is None when
        no set beats ``best_value``; ``proven`` is False when the work ran out first.
    """
    must = np.flatnonzero(problem.fixed & problem.allowed)
    free = np.flatnonzero(problem.allowed & ~problem.fixed)
    need = problem.k - must.size
    loose = replace(problem, adjacency=None)
    if need < 0 or comb(free.size, need) > MAX_CENTRE_SETS:
        return None
    scored = []
    for extra in combinations(free.tolist(), need):
        if work.exhausted():
            return None, best_value, False
        cs = np.array(sorted(must.tolist() + list(extra)), dtype=np.int64)
        lp = assign(loose, cs, integer=False, work=work.part())[1]
        if lp < np.inf:  # -inf: the LP stopped early, the set may beat anything
            scored.append((lp, cs))
    scored.sort(key=lambda t: t[0])
    best_plan = None
    for lp, cs in scored:
        if lp >= best_value - gap * abs(best_value) - 1e-9:
            break
        if work.exhausted():
            return best_plan, best_value, False
        plan, value, proven = assign(problem, cs, work=work.part(), gap=0.0,
                                     cutoff=best_value - gap * abs(best_value) if np.isfinite(best_value) else None)
        if not proven:
            return best_plan, best_value, False
        if plan is not None and value < best_value:
            best_plan, best_value = plan, value
    return best_plan, best_value, True
