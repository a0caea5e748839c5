"""Probing centres on the LP relaxation: the centres, and pairs of centres, that no plan below a cutoff opens.

With an incumbent, a proof only has to rule out plans below it. Opening one centre (or two)
in the LP relaxation of the balanced p-median (one centre per village, ``x <= y``, the count,
the load bounds, each centre keeping its own village) and re-solving from the basis before
bounds every plan that opens it: when that bound passes the cutoff, the centre is *closed*
(``y = 0``) or the pair *conflicts* (``y_a + y_b <= 1``). HiGHS's dual simplex stops as soon
as its dual objective passes the cutoff (``objective_bound``), so most probes that conclude are short.

The proof's branch and bound learns the same facts only node by node. On the Alabama county
instance (Hess objective, ±0.5 %, 7 districts, contiguity) with the optimum as cutoff, 20 of
67 centres close, and 267 of the 466 pairs probed (each centre with its 14 nearest) conflict,
in 3.6 s on two threads; the proof round then takes about 25 s instead of 36-40 s. The
separator rows of contiguity are left out: with them each probe takes twice as long, and all
1,081 pairs give 523 conflicts instead of 516.

Each centre is paired with its nearest others (by travel time from its village), as two
centres close together are the pairs most often ruled out: on AL, 77 % of the pairs within
100 km conflict, against 48 % of all pairs.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from jurisdiction.optimise.balanced.problem import PairModel
from jurisdiction.optimise.mip.solver import new_highs
from jurisdiction.optimise.work import Work

#: Nearest other centres whose pairing with a centre is probed.
NEAR_PAIRS = 14
#: Relative margin by which an LP bound must pass the cutoff to close a centre or a pair.
MARGIN = 1e-9

_CONCLUSIVE = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kObjectiveBound)


@dataclass(frozen=True)
class Probed:
    """What probing proved about plans below the cutoff."""

    closed: np.ndarray  # stations that no such plan opens
    conflicts: list[tuple[int, int]]  # station pairs (a < b) that no such plan opens together
    lps: int  # LP re-solves
    seconds: float


@dataclass(frozen=True)
class _Relaxation:
    """The LP relaxation as HiGHS arrays (columns: one per pair, then one per candidate centre)."""

    costs: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    y_col: dict

    def highs(self, cutoff: float) -> highspy.Highs:
        h = new_highs()
        h.setOptionValue("presolve", "off")
        h.setOptionValue("objective_bound", float(cutoff))
        ncol = self.costs.size
        h.addVars(ncol, self.lower, self.upper)
        h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), self.costs)
        m = self.matrix
        h.addRows(m.shape[0], self.row_lower, self.row_upper, m.nnz, m.indptr[:-1].astype(np.int32),
                  m.indices.astype(np.int32), m.data)
        return h


def _relaxation(model: PairModel) -> _Relaxation:
    pair_v, pair_c, cost, load, lo, hi, roots = (model.pair_v, model.pair_c, model.cost, model.load, model.lo,
                                                 model.hi, model.roots)
    k_range, candidates, fixed = model.k_range, model.candidates, model.fixed
    n_pairs = pair_v.size
    y_col = {int(c): n_pairs + i for i, c in enumerate(candidates.tolist())}
    yc = np.array([y_col.get(int(c), -1) for c in pair_c.tolist()], dtype=np.int64)
    ncol = n_pairs + candidates.size
    lower = np.zeros(ncol)
    upper = np.ones(ncol)
    upper[:n_pairs][yc < 0] = 0.0
    for c in candidates.tolist():
        if fixed[c]:
            lower[y_col[c]] = 1.0
    rows, cols, vals, rlo, rup = [], [], [], [], []

    def add(r_cols: np.ndarray, r_vals: np.ndarray, low: float, up: float) -> None:
        rows.append(np.full(r_cols.size, len(rlo)))
        cols.append(r_cols)
        vals.append(r_vals)
        rlo.append(low)
        rup.append(up)

    order = np.argsort(pair_v, kind="stable")
    for qs in np.split(order, np.flatnonzero(np.diff(pair_v[order])) + 1):
        add(qs, np.ones(qs.size), 1.0, 1.0)  # each village once
    ok = np.flatnonzero(yc >= 0)
    for q in ok.tolist():  # x <= y
        add(np.array([q, yc[q]]), np.array([1.0, -1.0]), -np.inf, 0.0)
    ys = np.array(sorted(y_col.values()), dtype=np.int64)
    add(ys, np.ones(ys.size), float(k_range[0]), float(k_range[1]))
    order = np.argsort(pair_c, kind="stable")
    for qs in np.split(order, np.flatnonzero(np.diff(pair_c[order])) + 1):
        c = int(pair_c[qs[0]])
        if c not in y_col:
            continue
        w = load[pair_v[qs]].astype(float)
        if lo[c] > 0:
            add(np.append(qs, y_col[c]), np.append(w, -lo[c]), 0.0, np.inf)
        if np.isfinite(hi[c]):
            add(np.append(qs, y_col[c]), np.append(w, -hi[c]), -np.inf, 0.0)
        own = qs[pair_v[qs] == roots[c]] if roots[c] >= 0 else qs[:0]
        if own.size:  # a centre keeps its own village
            add(np.array([own[0], y_col[c]]), np.array([1.0, -1.0]), 0.0, 0.0)
        elif roots[c] >= 0:
            upper[y_col[c]] = 0.0
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(len(rlo), ncol))
    costs = np.concatenate([np.where(yc >= 0, cost, 0.0), np.zeros(candidates.size)])
    return _Relaxation(costs, upper, lower, matrix, np.array(rlo), np.array(rup), y_col)


def _passes(h: highspy.Highs, cutoff: float) -> bool:
    """True when the last solve proved the LP bound above ``cutoff``."""
    status = h.getModelStatus()
    if status in _CONCLUSIVE:
        return True
    return status == highspy.HighsModelStatus.kOptimal and h.getInfo().objective_function_value > cutoff


def probe_centres(model: PairModel, cutoff: float, work: Work, *, workers: int = 1,  # noqa: C901
                  near: int | None = None) -> Probed:
    """The centres, and pairs of centres, that no balanced plan of cost at most ``cutoff`` opens.

    Parameters
    ----------
    model : PairModel
        The built model's pairs, costs, loads, counts and load bounds.
    cutoff : float
        Only plans of cost at most this value count (the unit of ``model.cost``).
    work : Work
        Work budget (LP iterations) and deadline; probing stops there with what it has proved.
        Each thread gets an equal part before it starts, so the threads' timing changes nothing.
    workers : int
        Threads, each with its own copy of the LP (HiGHS releases the GIL while it solves).
    near : int, optional
        Nearest other centres paired with each centre (default :data:`NEAR_PAIRS`).

    Returns
    -------
    Probed
        Closed stations, conflicting pairs, the number of LP solves and the time taken.
    """
    t0 = time.perf_counter()
    near = NEAR_PAIRS if near is None else near
    limit = float(cutoff) + MARGIN * max(1.0, abs(cutoff))
    candidates, fixed, roots, times = model.candidates, model.fixed, model.roots, model.times
    lp = _relaxation(model)
    root = lp.highs(limit)
    work.run(root, mip=False)
    if root.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        closed = candidates[~fixed[candidates]] if _passes(root, limit) else np.array([], dtype=np.int64)
        return Probed(np.asarray(closed, dtype=np.int64), [], 1, time.perf_counter() - t0)
    basis = root.getBasis()
    lps = [1]
    free = [int(c) for c in candidates.tolist() if not fixed[c]]

    def open_and_solve(h: highspy.Highs, cols: list[int], part: Work) -> bool:
        for j in cols:
            h.changeColBounds(j, 1.0, 1.0)
        part.run(h, mip=False)
        lps[0] += 1
        out = _passes(h, limit)
        for j in cols:
            h.changeColBounds(j, 0.0, 1.0)
        return out

    def worker_lp(closed: set) -> highspy.Highs:
        h = lp.highs(limit)
        for c in closed:
            h.changeColBounds(lp.y_col[c], 0.0, 0.0)
        h.setBasis(basis)
        return h

    def singles(job: tuple[list[int], Work]) -> list[int]:
        centres, part = job
        h = worker_lp(set())
        return [c for c in centres if not part.exhausted() and open_and_solve(h, [lp.y_col[c]], part)]

    def pairs(job: tuple[list[tuple[int, list[int]]], Work], closed: set) -> list[tuple[int, int]]:
        groups, part = job
        h = worker_lp(closed)
        out = []
        for a, others in groups:
            h.changeColBounds(lp.y_col[a], 1.0, 1.0)
            for b in others:
                if part.exhausted():
                    return out
                if open_and_solve(h, [lp.y_col[b]], part):
                    out.append((min(a, b), max(a, b)))
            h.changeColBounds(lp.y_col[a], 0.0, 1.0)
        return out

    workers = max(1, int(workers))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = zip([free[i::workers] for i in range(workers)], work.split(workers))
        closed = set(c for found in pool.map(singles, jobs) for c in found)
        alive = [c for c in free if c not in closed]
        chosen: dict[int, list[int]] = {}
        seen: set = set()
        alive_arr = np.array(alive, dtype=np.int64)
        for a in alive:
            far = times[roots[a], alive_arr] if roots[a] >= 0 else np.zeros(alive_arr.size)
            for b in alive_arr[np.argsort(far, kind="stable")][:near + 1].tolist():
                key = (min(a, b), max(a, b))
                if b != a and key not in seen:
                    seen.add(key)
                    chosen.setdefault(a, []).append(b)
        groups = sorted(chosen.items())
        parts = [groups[i::workers] for i in range(workers)]
        jobs = zip(parts, work.split(workers))
        conflicts = sorted(set(pair for found in pool.map(lambda job: pairs(job, closed), jobs) for pair in found))
    return Probed(np.array(sorted(closed), dtype=np.int64), conflicts, lps[0], time.perf_counter() - t0)
