"""A good starting plan for the balanced p-median, found before the MIP.

The MIP with tight balance (e.g. ±0.5 %) has a weak LP bound and HiGHS is slow to find good
plans on its own; given a near-optimal incumbent, its reduced-cost fixing removes most pairs
at the root. This heuristic alternates two steps from several starting centre sets:

1. *assign*: with the centres fixed, the balanced assignment is a small MIP (n x K binaries,
   one row per village, two load rows per centre) solved by HiGHS directly;
2. *recentre*: each district takes as its centre the station (among those standing in it)
   with the least cost to its villages;

and then tries swaps of a centre with another station of its district, ranked by the LP of
the assignment (with the separator cuts found so far, under contiguity) and checked with its
MIP, which only looks for plans within :data:`NEAR` of the best. With ``workers`` > 1 that
many centre sets are assigned at once on threads (HiGHS releases the GIL while it solves).
The result is only a starting plan: the MIP proves or improves it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import highspy
import numpy as np

from jurisdiction.optimise.balanced.problem import Districting
from jurisdiction.optimise.mip.contiguity import cut_rows, pool_rows
from jurisdiction.optimise.mip.solver import highs_objective, new_highs
from jurisdiction.optimise.work import Work, iterations

#: Work limit of one fixed-centre assignment MIP (LP iterations; 2 s on the reference machine).
ASSIGN_ITERATIONS = iterations(2.0)
#: Relative gap of the heuristics' contiguity cut rounds until a connected plan appears.
LOOSE_GAP = 0.02
#: Relative margin over the best plan within which a swapped centre set's plan is still
#: sought: its recentring may then gain (on AL the optimum is reached through a set 1 % worse).
NEAR = 0.02
#: Swaps checked with the MIP per local-search pass without contiguity (with it, the LP ranks
#: the swaps poorly, so they are checked until one gains or time is up).
SWAPS_CHECKED = 4


def assign(problem: Districting, centres: np.ndarray, *, integer: bool = True,  # noqa: C901, PLR0912
           work: Work | None = None, gap: float = 1e-6, cutoff: float | None = None,
           cuts: list | None = None, loose_gap: float | None = None) -> tuple[np.ndarray | None, float, bool]:
    """Best assignment of villages to fixed ``centres`` with every load within ``[lo, hi]``.

    Parameters
    ----------
    problem : Districting
        Costs, loads, load bounds, roots and (for connected districts) the village adjacency.
    centres : ndarray of int
        The open stations.
    integer : bool
        False: the LP relaxation only (its value is a bound for these centres).
    work : Work, optional
        Work budget (LP iterations, all cut rounds together; default :data:`ASSIGN_ITERATIONS`
        and no deadline). With ``problem.adjacency`` every district must be connected:
        separator cuts ``x[v,c] <= sum_{u in sep} x[u,c]`` are added in rounds on the live model.

    gap : float
        Relative gap of the MIP.
    cutoff : float, optional
        Only plans below this value are sought (HiGHS objective bound); none: value ``inf``.
    cuts : list, optional
        Separator cuts as (village, station, separator villages). They hold for every
        connected plan, whatever the other centres: the model starts with those of
        ``centres``, and each cut found is appended (for the next centre sets and the main model).
    loose_gap : float, optional
        With ``adjacency``: the cut rounds stop at this gap until a connected plan appears,
        then go on at ``gap``; running out of work then returns that plan (not proven) instead of nothing.

    Returns
    -------
    assignment, value, proven
        Station index per village (None when no plan was found or ``integer`` is False), the
        objective (``inf`` when infeasible or nothing was found) and whether HiGHS proved it
        (optimal within ``gap``, or infeasible).
    """
    cost, load, roots, lo, hi, adjacency = (problem.cost, problem.load, problem.roots, problem.lo, problem.hi,
                                            problem.adjacency)
    n, k = cost.shape[0], centres.size
    c = cost[:, centres]
    ok = np.isfinite(c)
    nv = n * k
    lower = np.zeros(nv)
    upper = ok.ravel().astype(float)
    for slot, s in enumerate(centres.tolist()):
        if roots[s] >= 0:
            if not ok[roots[s], slot]:
                return None, np.inf
            lower[roots[s] * k + slot] = 1.0
    h = new_highs()
    # RENS and RINS sub-MIPs take half of each (small) solve and the search finds plans without them.
    h.setOptionValue("mip_heuristic_run_rens", False)
    h.setOptionValue("mip_heuristic_run_rins", False)
    work = Work(ASSIGN_ITERATIONS, None) if work is None else work
    tight = adjacency is None or not integer or loose_gap is None or gap >= loose_gap
    h.setOptionValue("mip_rel_gap", float(gap if tight else loose_gap))
    if cutoff is not None:
        h.setOptionValue("objective_bound", float(cutoff))
    h.addVars(nv, lower, upper)
    h.changeColsCost(nv, np.arange(nv, dtype=np.int32), np.where(ok, c, 0.0).ravel())
    if integer:
        h.changeColsIntegrality(nv, np.arange(nv, dtype=np.int32),
                                np.full(nv, highspy.HighsVarType.kInteger, dtype=np.uint8))
    idx = np.arange(nv, dtype=np.int32)
    h.addRows(n, np.ones(n), np.ones(n), nv, (np.arange(n) * k).astype(np.int32), idx, np.ones(nv))
    by_slot = (np.arange(n)[None, :] * k + np.arange(k)[:, None]).ravel().astype(np.int32)
    h.addRows(k, np.full(k, float(lo)), np.full(k, float(hi)), nv, (np.arange(k) * n).astype(np.int32), by_slot,
              np.tile(load.astype(float), k))
    pair = np.where(ok, np.arange(nv).reshape(n, k), -1)  # variable of (village, slot)
    if adjacency is not None and cuts:
        # Cuts found before (for other centre sets) hold for these centres' districts too.
        by_station = np.full((n, roots.size), -1)
        by_station[:, centres] = pair
        _add_cut_rows(h, pool_rows(by_station, cuts))
    connected = None  # (plan, value, False): the connected plan found at the loose gap
    while True:
        work.run(h, mip=integer)
        info = h.getInfo()
        status = h.getModelStatus()
        proven = status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible,
                            highspy.HighsModelStatus.kObjectiveBound)
        if not integer:  # the LP's value is a bound only when solved; stopped early, none is known
            if status == highspy.HighsModelStatus.kOptimal:
                return None, float(info.objective_function_value), True
            return None, np.inf if status == highspy.HighsModelStatus.kInfeasible else -np.inf, proven
        if info.primal_solution_status != 2:
            return connected if connected is not None else (None, np.inf, proven)
        value = highs_objective(h)
        slots = np.asarray(h.getSolution().col_value).reshape(n, k).argmax(axis=1)
        if adjacency is None:
            return centres[slots], value, proven
        # Separator cuts on (village, slot) variables, each for every slot it holds for.
        rows = cut_rows(adjacency, slots, roots[centres], np.arange(k), pair, load, np.full(k, float(hi)))
        if not rows and tight:
            if connected is not None and connected[1] < value:  # the tight run stopped early
                return connected
            return centres[slots], value, proven
        if work.exhausted():
            return connected if connected is not None else (None, np.inf, False)
        if not rows:
            connected = (centres[slots], value, False)
            tight = True
            h.setOptionValue("mip_rel_gap", float(gap))
            continue
        _add_cut_rows(h, rows)
        if cuts is not None:
            cuts.extend((q // k, int(centres[q % k]), seps // k) for q, seps in rows)


def _add_cut_rows(h: highspy.Highs, rows: list[tuple[int, np.ndarray]]) -> None:
    """Add separator cuts ``x[q] <= sum x[seps]`` (column indices) to the HiGHS model."""
    if not rows:
        return
    starts = np.cumsum([0] + [1 + seps.size for _, seps in rows[:-1]]).astype(np.int32)
    index = np.concatenate([np.concatenate([[q], seps]) for q, seps in rows]).astype(np.int32)
    values = np.concatenate([np.concatenate([[1.0], -np.ones(seps.size)]) for _, seps in rows])
    h.addRows(len(rows), np.full(len(rows), -highspy.kHighsInf), np.zeros(len(rows)), index.size, starts, index, values)


def recentre(problem: Districting, assignment: np.ndarray) -> np.ndarray:
    """Each district's best station among those standing in it (fixed centres stay)."""
    cost, roots, allowed, fixed = problem.cost, problem.roots, problem.allowed, problem.fixed
    out = []
    for c in np.unique(assignment).tolist():
        members = np.flatnonzero(assignment == c)
        if fixed[c]:
            out.append(c)
            continue
        inside = np.flatnonzero(allowed & ~fixed & np.isin(roots, members))
        inside = inside[np.isfinite(cost[np.ix_(members, inside)]).all(axis=0)] if inside.size else inside
        if inside.size == 0:
            out.append(c)
            continue
        totals = cost[np.ix_(members, inside)].sum(axis=0)
        best = int(inside[np.argmin(totals)])
        out.append(best if totals.min() < cost[members, c].sum() - 1e-12 else c)
    return np.array(sorted(set(out)), dtype=np.int64)


def greedy_centres(problem: Districting, rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """Greedy p-median centre sets (ignoring balance), the first deterministic, then randomised."""
    cost, k, allowed, fixed = problem.cost, problem.k, problem.allowed, problem.fixed
    finite = np.where(np.isfinite(cost), cost, cost[np.isfinite(cost)].max(initial=0.0) * 10 + 1)
    out = []
    for attempt in range(count):
        chosen = list(np.flatnonzero(fixed).tolist())
        best = finite[:, chosen].min(axis=1) if chosen else np.full(cost.shape[0], np.inf)
        while len(chosen) < k:
            totals = np.minimum(best[:, None], finite).sum(axis=0)
            totals[~allowed] = np.inf
            totals[chosen] = np.inf
            if attempt == 0:
                j = int(np.argmin(totals))
            else:
                cand = np.argsort(totals)[:3]
                cand = cand[np.isfinite(totals[cand])]
                j = int(rng.choice(cand))
            chosen.append(j)
            best = np.minimum(best, finite[:, j])
        out.append(np.array(sorted(chosen), dtype=np.int64))
    return out


def improve(problem: Districting, centres: np.ndarray, work: Work, *, cutoff: float | None = None,
            seen: dict | None = None, cuts: list | None = None,
            first_iterations: int | None = None) -> tuple[np.ndarray | None, float]:
    """Assign to ``centres``, then move each centre to its district's best station, while it gains.

    Parameters are those of :func:`assign` and :func:`recentre`; ``seen`` caches the
    assignment of each centre set already tried (shared between calls), ``cutoff`` keeps only
    plans below it, ``cuts`` collects the separator cuts found. Each assignment gets
    :data:`ASSIGN_ITERATIONS` (three times that with contiguity), the first one
    ``first_iterations`` when given, all within ``work``.

    Returns
    -------
    assignment, value
        The best plan found (None, inf when none).
    """
    seen = {} if seen is None else seen
    k = np.unique(centres).size

    def evaluate(cs: np.ndarray, limit: int = ASSIGN_ITERATIONS * (1 if problem.adjacency is None else 3)):
        key = tuple(cs.tolist())
        if key not in seen:
            seen[key] = assign(problem, cs, cutoff=cutoff, cuts=cuts, loose_gap=LOOSE_GAP, work=work.part(limit))
        return seen[key][:2]

    first = np.asarray(sorted(set(centres.tolist())), dtype=np.int64)
    a, v = evaluate(first) if first_iterations is None else evaluate(first, first_iterations)
    while a is not None and not work.exhausted():
        nxt = recentre(problem, a)
        if nxt.size != k:
            break
        a2, v2 = evaluate(nxt)
        if a2 is None or v2 >= v - 1e-9:
            break
        a, v = a2, v2
    return a, v


def balanced_start(problem: Districting, work: Work, *, guide: np.ndarray | None = None,  # noqa: C901
                   cuts: list | None = None, workers: int = 1) -> tuple[np.ndarray | None, float]:
    """A balanced plan with ``k`` centres: alternate assign/recentre from several starts, then swap centres.

    Parameters
    ----------
    problem : Districting
        The problem; with ``problem.adjacency`` every district of the plan is connected.
    work : Work
        Work budget (LP iterations) and deadline.
    guide : ndarray, shape (n,), optional
        A plan (station index per village) whose centres are the first start, e.g. the
        balanced plan without contiguity. When no start has a plan, the swaps start from it.
    cuts : list, optional
        Collects the separator cuts found on the way (see :func:`assign`).
    workers : int
        Centre sets assigned at once (threads; HiGHS releases the GIL while it solves).

    Returns
    -------
    assignment, value
        Station per village and its cost, or (None, inf) when nothing balanced was found.
    """
    allowed, fixed, roots, k = problem.allowed, problem.fixed, problem.roots, problem.k
    rng = np.random.default_rng(0)
    best = [None, np.inf]
    seen: dict[tuple, tuple] = {}
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None

    def descend(cs: np.ndarray, swapped: bool, near: float | None, part: Work) -> tuple[np.ndarray | None, float]:
        a, v = improve(problem, cs, part, seen=seen, cuts=cuts, cutoff=near,
                       first_iterations=None if swapped else ASSIGN_ITERATIONS)
        return a, v

    def descend_all(sets: list[np.ndarray], swapped: bool = True) -> list[tuple[np.ndarray | None, float]]:
        # A swapped set is only sought near the best before the batch (recentring may then
        # gain): HiGHS prunes against it, so sets that cannot come near end fast (and stay
        # failed in ``seen``). A start gets the plain time of one assignment: starts far from
        # any good plan are the ones whose cut rounds run long.
        # Each set's work is allotted before the threads start, and the best plan is taken in
        # the order of the sets, so that the threads' timing changes nothing.
        near = best[1] * (1 + NEAR) if swapped and np.isfinite(best[1]) else None
        if pool is not None:
            parts = [work.part() for _ in sets]
            found = list(pool.map(lambda job: descend(job[0], swapped, near, job[1]), zip(sets, parts)))
        else:
            found = [descend(cs, swapped, near, work.part()) for cs in sets if not work.exhausted()]
        for a, v in found:
            if a is not None and v < best[1] - 1e-9:
                best[:] = a, v
        return found

    def ranked_swaps(plan: np.ndarray, value: float) -> list[np.ndarray] | None:
        """Sets with a centre swapped for another station of its district, best LP first (None: time is up)."""
        cs = np.unique(plan)
        trials = []
        for c in cs.tolist():
            if fixed[c]:
                continue
            for s in np.flatnonzero(allowed & ~np.isin(np.arange(allowed.size), cs)).tolist():
                new = np.array(sorted(set(cs.tolist()) - {c} | {s}), dtype=np.int64)
                if (roots[s] < 0 or plan[roots[s]] == c) and tuple(new.tolist()) not in seen:
                    trials.append(new)
        scored = []
        for new in trials:
            if work.exhausted():
                return None
            lp = assign(problem, new, integer=False, cuts=cuts, work=work.part())[1]
            if lp < value - 1e-9:
                scored.append((lp, new))
        scored.sort(key=lambda t: t[0])
        # Without contiguity the LP ranks swaps well: check the best few; with it, until one gains.
        return [new for _, new in (scored[:SWAPS_CHECKED] if problem.adjacency is None else scored)]

    def swaps(plan: np.ndarray, value: float) -> None:
        """Move to the best plan of the first batch of swapped sets that gains, while one does.

        The first time no swap gains, the search backs up to the plan before and goes on with
        its remaining swaps (which must come near the best plan so far), so that two workers,
        which commit to the better of two gaining sets, still reach the basin one worker would
        have gone on to (AL). Only once: each set tried adds its separator cuts to the pool
        that the main model starts with, and a full depth-first search grew it enough to
        double the generated county's proof.
        """
        before = None  # (value, plan, swaps not yet tried) of the plan before the last move
        backed_up = False
        ranked = ranked_swaps(plan, value)
        while ranked is not None and not work.exhausted():
            for at in range(0, len(ranked), workers):
                if work.exhausted():
                    return
                found = [(v, i, a) for i, (a, v) in enumerate(descend_all(ranked[at:at + workers]))
                         if a is not None and v < value - 1e-9]
                if found:
                    before = (value, plan, ranked[at + workers:])
                    value, _, plan = min(found, key=lambda t: t[:2])
                    ranked = ranked_swaps(plan, value)
                    break
            else:
                if before is None or backed_up:
                    return
                value, plan, ranked = before
                backed_up = True

    try:
        starts = ([np.unique(guide)] if guide is not None else []) + greedy_centres(problem, rng, 4)
        descend_all([cs for cs in starts if cs.size == k], swapped=False)
        if best[0] is not None:
            swaps(best[0], best[1])
        elif guide is not None and np.unique(guide).size == k:
            swaps(guide, np.inf)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return best[0], best[1]
