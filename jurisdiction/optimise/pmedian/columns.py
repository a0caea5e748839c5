"""Column generation bound for the single-sourcing capacitated p-median.

The set-partitioning master LP has one column per (facility j, client set S) with
``sum_{i in S} d_i <= Q_j`` and cost ``sum_{i in S} c_ij``::

    min sum_k c_k lambda_k   s.t.  sum_{k covers i} lambda_k = 1    (every client, dual pi_i)
                                   sum_{k of j} lambda_k <= 1       (every facility, dual sigma_j)
                                   sum_k lambda_k <= p              (dual mu)

Pricing for facility j is a 0-1 knapsack (profit ``pi_i - c_ij``, weight ``d_i``, capacity
``Q_j``), solved exactly for all facilities at once by the dynamic programme of
:mod:`jurisdiction.optimise.pmedian.knapsack` (:func:`price`, re-exported here). Any client
duals ``pi`` give the Lagrangian bound
``sum pi + (sum of the p smallest min(0, min_S c_j(S) - pi(S)))``, so the bound is valid at every
iteration (and at the LP optimum it equals the LP value). Duals are smoothed (Wentges) between
the best Lagrangian point and the current LP duals, which cuts the tailing-off of plain column
generation. The master is re-solved warm by HiGHS's simplex as columns are added.

Branching rows: :func:`set_groups` adds rows ``sum of the columns of facilities in G >= 1``
(dual ``tau_G >= 0``); pricing then credits ``tau_G`` to G's facilities, the Lagrangian bound
adds ``sum tau_G``, and an empty column (a facility opened with no client) may price out.

No column is forced to contain "its own" client: clients and facilities are distinct index sets
here, so the bound is valid for the general model (``x_ij <= y_j``, any cost matrix).

What it is worth: by Lagrangian duality the master LP optimum equals the best bound of the
knapsack Lagrangian in :mod:`jurisdiction.optimise.pmedian.capacitated` (same subproblems), so
column generation is an exactly converged way to the same number, not a stronger root bound.
On OR-Library pmedcap1 it is within 0-1.3% of the optimum except instance 8 (771.67 vs 820) and
instance 20 (973.65 vs 1005). (Forcing each median's own client into its cluster, the
Osman-Christofides CCP variant, which is not valid for this model, gave the same bounds there.)
Its value is as the node relaxation of :mod:`jurisdiction.optimise.pmedian.branch_price`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from jurisdiction.optimise.mip.solver import new_highs
from jurisdiction.optimise.pmedian.highs_arrays import run_highs
from jurisdiction.optimise.pmedian.knapsack import price


@dataclass(frozen=True)
class ColumnBound:
    """Outcome of column generation.

    Attributes
    ----------
    bound : float
        Best Lagrangian (valid lower) bound found, in units of ``cost``.
    duals : ndarray, shape (n_clients,)
        Client duals ``pi`` that give ``bound`` (usable for reduced-cost fixing).
    lp_value : float
        Last master LP value (an upper bound on the LP optimum; equal to ``bound`` when
        ``converged``).
    converged : bool
        Pricing found no improving column, so ``bound`` is the master LP optimum.
    iterations : int
        Pricing rounds.
    n_columns : int
        Columns in the master at the end.
    facility : ndarray of int, shape (n_columns,)
        Facility of each generated column (artificial columns excluded).
    members : ndarray of bool, shape (n_columns, n_clients)
        Clients of each generated column.
    weight : ndarray, shape (n_columns,)
        Column values in the last master LP solution.
    """

    bound: float
    duals: np.ndarray
    lp_value: float
    converged: bool
    iterations: int
    n_columns: int
    facility: np.ndarray
    members: np.ndarray
    weight: np.ndarray


def lagrangian_value(pi: np.ndarray, value: np.ndarray, p: int, must: np.ndarray | None = None) -> float:
    """``sum pi`` plus the values of the facilities that must open and the smallest others (at most 0)."""
    if must is None or not must.any():
        return float(pi.sum() + np.sort(np.minimum(value, 0.0))[:p].sum())
    k = int(must.sum())
    if k > p:
        return np.inf
    rest = np.sort(np.minimum(value[~must], 0.0))[: p - k]
    return float(pi.sum() + value[must].sum() + rest.sum())


@dataclass
class Master:
    """Mutable set-partitioning master: the HiGHS model and its column pool (private state)."""

    h: highspy.Highs
    n: int
    m: int
    p: int
    facility: np.ndarray
    members: np.ndarray
    seen: set
    groups: list  # facility masks of the rows "at least one of these facilities opens" (after the p row)
    packed: np.ndarray  # members as bits (np.packbits per column), for fast node restrictions
    enabled: np.ndarray  # bool per column: upper bound currently infinite (not switched off by a node)


def new_master(cost: np.ndarray, p: int, incumbent: np.ndarray | None) -> Master:
    """The master LP with artificial columns (cost above any assignment) and the incumbent's clusters."""
    n, m = cost.shape
    # Above any plan's cost plus any one client's: an artificial column, which also covers the
    # group rows of :func:`set_groups`, is then never cheaper than a real LP solution.
    big = 2.0 * float(np.where(np.isfinite(cost), cost, 0.0).max(axis=1).sum() + 1.0)
    h = new_highs()
    h.setOptionValue("simplex_strategy", 4)  # primal simplex: new columns keep the basis primal feasible
    h.setOptionValue("presolve", "off")  # warm re-solves; also better first duals (fewer pricing rounds)
    inf = highspy.kHighsInf
    h.addRows(n + m + 1, np.r_[np.ones(n), np.full(m + 1, -inf)], np.r_[np.ones(n), np.ones(m), float(p)],
              0, np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([], dtype=np.float64))
    master = Master(h, n, m, p, np.zeros(0, dtype=np.int64), np.zeros((0, n), dtype=bool), set(), [],
                    np.zeros((0, (n + 7) // 8), dtype=np.uint8), np.zeros(0, dtype=bool))
    _add_columns(master, np.full(n, big), [np.array([i]) for i in range(n)], None)
    if incumbent is not None:
        opened = np.unique(incumbent)
        _extend(master, cost, opened, np.array([incumbent == j for j in opened]))
    return master


def _extend(master, cost, facilities, members):
    """Add the (facility, members) columns not yet in the pool; return how many were added."""
    added_f, added_s, added_rows = [], [], []
    bits = np.packbits(members, axis=1)
    for j, row, b in zip(facilities, members, bits):
        key = int(j).to_bytes(4, "little") + b.tobytes()
        if key not in master.seen:
            master.seen.add(key)
            added_f.append(int(j))
            added_s.append(np.flatnonzero(row))
            added_rows.append(row)
    if added_f:
        rows = np.array(added_rows, dtype=bool)
        master.facility = np.r_[master.facility, added_f]
        master.members = np.concatenate([master.members, rows])
        master.packed = np.concatenate([master.packed, np.packbits(rows, axis=1)])
        master.enabled = np.r_[master.enabled, np.ones(len(added_f), dtype=bool)]
        _add_columns(master, np.array([cost[s, j].sum() for j, s in zip(added_f, added_s)]), added_s,
                     np.array(added_f))
    return len(added_f)


def generate(master: Master, cost: np.ndarray, usable: np.ndarray, demand: np.ndarray, capacity: np.ndarray,  # noqa: PLR0913
             *, forced: np.ndarray | None = None, must: np.ndarray | None = None, stop_at: float = np.inf,
             deadline: float | None = None, max_iterations: int = 500, alpha: float = 0.5,
             max_new_columns: int = 15):
    """Column generation on ``master`` under node restrictions (columns must already respect them).

    Each pricing round adds at most ``max_new_columns`` columns, the most negative reduced costs
    first (on OR-Library pmedcap1 #8, #12 and #14, 15 rather than one per facility cuts the
    branch-and-price time by a quarter to a third).

    Returns ``(bound, duals, lp_value, converged, iterations, column_values)``.
    """
    n, m, p = master.n, master.m, master.p
    h = master.h
    finite = np.where(np.isfinite(cost), cost, 0.0)
    best_l, best_pi = -np.inf, np.zeros(n)
    lp_value, converged, it = np.inf, False, 0
    for it in range(1, max_iterations + 1):
        # Dual simplex after the node's bound changes, primal once columns are being added.
        h.setOptionValue("simplex_strategy", 1 if it == 1 else 4)
        h.run()
        lp_value = float(h.getInfo().objective_function_value)
        dual = np.asarray(h.getSolution().row_dual)
        pi_lp, sigma, mu = dual[:n], dual[n:n + m], min(dual[n + m], 0.0)
        sigma = np.where(must, sigma, np.minimum(sigma, 0.0)) if must is not None else np.minimum(sigma, 0.0)
        tau = np.maximum(dual[n + m + 1:], 0.0)  # group rows (>= 1): any tau >= 0 keeps the bound valid
        tau_f = (np.array(master.groups).T @ tau) if master.groups else np.zeros(m)
        a = alpha if np.isfinite(best_l) else 0.0
        added = 0
        while True:
            pi = a * best_pi + (1.0 - a) * pi_lp
            value, members = price(cost, usable, pi, demand, capacity, forced)
            bound = lagrangian_value(pi, value - tau_f, p, must) + float(tau.sum())
            if bound > best_l:
                best_l, best_pi = bound, pi
            rc = (members * (finite.T - pi_lp[None, :])).sum(axis=1) - sigma - mu - tau_f
            # Empty columns too: with a "must open" or group row, opening j with no client can price out.
            good = np.flatnonzero(np.isfinite(value) & (rc < -1e-7))
            if good.size > max_new_columns:  # the most negative only: smaller LPs, fewer pivots
                good = good[np.argsort(rc[good], kind="stable")[:max_new_columns]]
            if good.size:
                added = _extend(master, cost, good, members[good])
            if added or a == 0.0:
                break
            a = 0.0  # mispricing: price at the LP duals themselves
        if not added:
            converged = True
            best_l = max(best_l, lp_value)
            break
        if best_l > stop_at or (deadline is not None and time.perf_counter() > deadline):
            break
    values = np.asarray(h.getSolution().col_value)
    return best_l, best_pi, lp_value, converged, it, values


def column_generation(cost: np.ndarray, usable: np.ndarray, demand: np.ndarray, capacity: np.ndarray,  # noqa: PLR0913
                      p: int, incumbent: np.ndarray | None, *, stop_at: float = np.inf,
                      deadline: float | None = None, max_iterations: int = 500,
                      alpha: float = 0.5) -> ColumnBound:
    """Column generation on the set-partitioning master LP (root node).

    Parameters
    ----------
    cost, usable, demand, capacity
        As in :func:`price` (integer demands and capacities).
    p : int
        Number of facilities.
    incumbent : ndarray of int, shape (n_clients,), optional
        A feasible assignment (facility per client) whose clusters seed the master.
    stop_at : float
        Stop as soon as the Lagrangian bound exceeds this (e.g. incumbent minus one).
    deadline : float, optional
        ``time.perf_counter()`` value to stop at.
    max_iterations : int
        Pricing rounds at most.
    alpha : float
        Dual smoothing weight on the best Lagrangian point (0 = plain column generation).

    Returns
    -------
    ColumnBound
    """
    n = cost.shape[0]
    master = new_master(np.where(usable, cost, np.inf), p, incumbent)
    bound, pi, lp_value, converged, it, values = generate(
        master, cost, usable, demand, capacity, stop_at=stop_at, deadline=deadline,
        max_iterations=max_iterations, alpha=alpha)
    return ColumnBound(bound, pi, lp_value, converged, it, master.h.getNumCol(),
                       master.facility.copy(), master.members.copy(), values[n:])


def _add_columns(master, costs, clusters, facilities):
    """Append columns: each covers its clients, its facility row, the p row and its group rows."""
    h, n, m = master.h, master.n, master.m
    starts, index = [], []
    for k, s in enumerate(clusters):
        starts.append(len(index))
        index.extend(int(i) for i in s)
        if facilities is not None:
            f = int(facilities[k])
            index.extend((n + f, n + m))
            index.extend(n + m + 1 + g for g, mask in enumerate(master.groups) if mask[f])
    k = len(clusters)
    h.addCols(k, np.asarray(costs, dtype=np.float64), np.zeros(k), np.full(k, highspy.kHighsInf), len(index),
              np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32), np.ones(len(index)))


def set_groups(master: Master, groups: list) -> None:
    """Make the master's group rows ``sum of the columns of facilities in G >= 1`` exactly ``groups``.

    Parameters
    ----------
    master : Master
    groups : list of ndarray of bool, shape (n_facilities,)
        One facility mask per row (branching decisions "at least one of G opens").
    """
    n, m, h = master.n, master.m, master.h
    groups = [np.asarray(g, dtype=bool) for g in groups]
    # Keep the rows both lists start with: deleting a row can cost the warm basis (a cold re-solve).
    same = 0
    while same < min(len(groups), len(master.groups)) and np.array_equal(groups[same], master.groups[same]):
        same += 1
    extra = h.getNumRow() - (n + m + 1 + same)
    if extra:
        h.deleteRows(extra, np.arange(n + m + 1 + same, n + m + 1 + same + extra, dtype=np.int32))
    master.groups = groups
    for mask in groups[same:]:
        # The artificial columns cover the row too, so that the LP stays feasible (at a high cost).
        cols = np.r_[np.arange(n), n + np.flatnonzero(mask[master.facility])].astype(np.int32)
        h.addRow(1.0, highspy.kHighsInf, cols.size, cols, np.ones(cols.size))


def master_heuristic(cost: np.ndarray, facility: np.ndarray, members: np.ndarray, p: int, *,
                     time_limit: float | None = None) -> np.ndarray | None:
    """Best integer combination of generated columns (restricted master IP, HiGHS).

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
    facility : ndarray of int, shape (n_columns,)
        Facility of each column.
    members : ndarray of bool, shape (n_columns, n_clients)
        Clients of each column (each column must fit its facility's capacity).
    p : int
    time_limit : float, optional
        Seconds.

    Returns
    -------
    ndarray of int, shape (n_clients,), or None
        Facility of each client, or ``None`` when no partition was found.
    """
    k, n = members.shape
    m = cost.shape[1]
    if k == 0:
        return None
    kk, ii = np.nonzero(members)
    col_cost = np.bincount(kk, weights=cost[ii, facility[kk]], minlength=k)
    rows = np.r_[ii, n + facility, np.full(k, n + m)]
    cols = np.r_[kk, np.arange(k), np.arange(k)]
    matrix = sparse.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n + m + 1, k))
    out = run_highs(col_cost, np.zeros(k), np.ones(k), np.ones(k, dtype=bool), matrix,
                    np.r_[np.ones(n), np.full(m + 1, -np.inf)], np.r_[np.ones(n), np.ones(m), p],
                    time_limit=time_limit, abs_gap=1.0 - 1e-6)
    if out.values is None:
        return None
    assignment = np.full(n, -1, dtype=np.int64)
    for c in np.flatnonzero(out.values > 0.5):
        assignment[members[c]] = facility[c]
    return assignment if (assignment >= 0).all() else None
