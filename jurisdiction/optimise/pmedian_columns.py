"""Column generation bound for the single-sourcing capacitated p-median.

The set-partitioning master LP has one column per (facility j, client set S) with
``sum_{i in S} d_i <= Q_j`` and cost ``sum_{i in S} c_ij``::

    min sum_k c_k lambda_k   s.t.  sum_{k covers i} lambda_k = 1    (every client, dual pi_i)
                                   sum_{k of j} lambda_k <= 1       (every facility, dual sigma_j)
                                   sum_k lambda_k <= p              (dual mu)

Pricing for facility j is a 0-1 knapsack (profit ``pi_i - c_ij``, weight ``d_i``, capacity
``Q_j``), solved exactly for all facilities at once by a dynamic programme over integer
capacities, vectorised over facilities. Any client duals ``pi`` give the Lagrangian bound
``sum pi + (sum of the p smallest min(0, min_S c_j(S) - pi(S)))``, so the bound is valid at every
iteration (and at the LP optimum it equals the LP value). Duals are smoothed (Wentges) between
the best Lagrangian point and the current LP duals, which cuts the tailing-off of plain column
generation. The master is re-solved warm by HiGHS's simplex as columns are added.

No column is forced to contain "its own" client: clients and facilities are distinct index sets
here, so the bound is valid for the general model (``x_ij <= y_j``, any cost matrix).

What it is worth: by Lagrangian duality the master LP optimum equals the best bound of the
knapsack Lagrangian in :mod:`jurisdiction.optimise.pmedian_capacitated` (same subproblems), so
column generation is a faster, exactly converged way to the same number, not a stronger bound.
On OR-Library pmedcap1 it is within 0-1.3% of the optimum except instance 8 (771.67 vs 820).
(Forcing each median's own client into its cluster, the Osman-Christofides CCP variant, which is
not valid for this model, gave the same bounds there.) The solver therefore keeps the subgradient;
this module serves the benchmark's bound column and :func:`master_heuristic`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np


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
    """

    bound: float
    duals: np.ndarray
    lp_value: float
    converged: bool
    iterations: int
    n_columns: int
    facility: np.ndarray
    members: np.ndarray


def price(cost: np.ndarray, usable: np.ndarray, pi: np.ndarray, demand: np.ndarray,
          capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best cluster of every facility under client duals ``pi``.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Assignment costs (``usable`` marks the finite, capacity-fitting pairs).
    usable : ndarray of bool, shape (n_clients, n_facilities)
    pi : ndarray, shape (n_clients,)
        Client duals (same unit as ``cost``).
    demand : ndarray, shape (n_clients,)
        Integer demands.
    capacity : ndarray, shape (n_facilities,)
        Integer capacities.

    Returns
    -------
    value : ndarray, shape (n_facilities,)
        ``min_S sum_{i in S} (c_ij - pi_i)`` over capacity-feasible S (<= 0: S may be empty).
    members : ndarray of bool, shape (n_facilities, n_clients)
        A minimising S per facility.
    """
    n, m = cost.shape
    profit = np.where(usable, pi[:, None] - np.where(usable, cost, 0.0), 0.0)
    np.maximum(profit, 0.0, out=profit)
    qi = capacity.astype(np.int64)
    cap_max = int(qi.max())
    weight = demand.astype(np.int64)
    table = np.zeros((n + 1, m, cap_max + 1))
    for i in range(n):
        prev, cur = table[i], table[i + 1]
        cur[:] = prev
        w = weight[i]
        if w > cap_max:
            continue
        if w == 0:
            cur += profit[i][:, None]
        else:
            np.maximum(prev[:, w:], prev[:, :-w] + profit[i][:, None], out=cur[:, w:])
    cols = np.arange(m)
    value = -table[n][cols, qi]
    members = np.zeros((m, n), dtype=bool)
    cap = qi.copy()
    for i in range(n - 1, -1, -1):
        take = (table[i + 1][cols, cap] > table[i][cols, cap] + 1e-9) & (profit[i] > 0)
        members[:, i] = take
        cap = cap - np.where(take, weight[i], 0)
    return value, members


def lagrangian_value(pi: np.ndarray, value: np.ndarray, p: int) -> float:
    """``sum pi`` plus the ``p`` smallest facility values (each at most 0)."""
    return float(pi.sum() + np.sort(np.minimum(value, 0.0))[:p].sum())


def column_generation(cost: np.ndarray, usable: np.ndarray, demand: np.ndarray, capacity: np.ndarray,
                      p: int, incumbent: np.ndarray | None, *, stop_at: float = np.inf,
                      deadline: float | None = None, max_iterations: int = 500,
                      alpha: float = 0.5) -> ColumnBound:
    """Column generation on the set-partitioning master LP.

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
    n, m = cost.shape
    finite = np.where(usable, cost, 0.0)
    big = float(finite.max(axis=1).sum() + 1.0) if n else 1.0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    lower = np.r_[np.ones(n), np.full(m + 1, -inf)]
    upper = np.r_[np.ones(n), np.ones(m), float(p)]
    h.addRows(n + m + 1, lower, upper, 0, np.array([], dtype=np.int32), np.array([], dtype=np.int32),
              np.array([], dtype=np.float64))
    # Artificial columns keep the master feasible whatever the seed.
    _add_columns(h, np.full(n, big), [np.array([i]) for i in range(n)], n, None)
    seen: set[bytes] = set()
    pool: list[tuple[int, np.ndarray]] = []
    if incumbent is not None:
        clusters = [np.flatnonzero(incumbent == j) for j in np.unique(incumbent)]
        new = _fresh(seen, np.unique(incumbent), clusters, n)
        pool.extend(new)
        _add_columns(h, np.array([cost[s, j].sum() for j, s in new]), [s for _, s in new], n,
                     np.array([j for j, _ in new]))
    best_l, best_pi = -np.inf, np.zeros(n)
    lp_value, converged, it = np.inf, False, 0
    for it in range(1, max_iterations + 1):
        h.run()
        sol = h.getSolution()
        lp_value = float(h.getInfo().objective_function_value)
        dual = np.asarray(sol.row_dual)
        pi_lp, sigma, mu = dual[:n], np.minimum(dual[n:n + m], 0.0), min(dual[n + m], 0.0)
        a = alpha if np.isfinite(best_l) else 0.0
        added = False
        while True:
            pi = a * best_pi + (1.0 - a) * pi_lp
            value, members = price(cost, usable, pi, demand, capacity)
            bound = lagrangian_value(pi, value, p)
            if bound > best_l:
                best_l, best_pi = bound, pi
            # Reduced cost of each priced column at the LP duals.
            rc = (members * (finite.T - pi_lp[None, :])).sum(axis=1) - sigma - mu
            good = np.flatnonzero(members.any(axis=1) & (rc < -1e-7))
            if good.size:
                new = _fresh(seen, good, [np.flatnonzero(members[j]) for j in good], n)
                if new:
                    pool.extend(new)
                    _add_columns(h, np.array([cost[s, j].sum() for j, s in new]), [s for _, s in new], n,
                                 np.array([j for j, _ in new]))
                    added = True
            if added or a == 0.0:
                break
            a = 0.0  # mispricing: price at the LP duals themselves
        if not added:
            converged = True
            best_l = max(best_l, lp_value) if a == 0.0 else best_l
            break
        if best_l > stop_at or (deadline is not None and time.perf_counter() > deadline):
            break
    facility = np.array([j for j, _ in pool], dtype=np.int64)
    members = np.zeros((len(pool), n), dtype=bool)
    for k, (_, s) in enumerate(pool):
        members[k, s] = True
    return ColumnBound(best_l, best_pi, lp_value, converged, it, h.getNumCol(), facility, members)


def _fresh(seen, facilities, clusters, n):
    """(facility, clients) pairs not yet in the master."""
    out = []
    for j, s in zip(facilities, clusters):
        key = int(j).to_bytes(4, "little") + np.packbits(np.isin(np.arange(n), s)).tobytes()
        if key not in seen:
            seen.add(key)
            out.append((int(j), np.asarray(s, dtype=np.int64)))
    return out


def _add_columns(h, costs, clusters, n, facilities):
    """Append columns: each covers its clients, its facility row and the p row."""
    p_row = h.getNumRow() - 1
    starts, index = [], []
    for k, s in enumerate(clusters):
        starts.append(len(index))
        index.extend(int(i) for i in s)
        if facilities is not None:
            index.extend((n + int(facilities[k]), p_row))
    k = len(clusters)
    h.addCols(k, np.asarray(costs, dtype=np.float64), np.zeros(k), np.full(k, highspy.kHighsInf), len(index),
              np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32), np.ones(len(index)))


def master_heuristic(cost: np.ndarray, columns: ColumnBound, p: int, *,
                     time_limit: float | None = None) -> np.ndarray | None:
    """Best integer combination of the generated columns (restricted master IP, HiGHS).

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
    columns : ColumnBound
        The columns found by :func:`column_generation`.
    p : int
    time_limit : float, optional
        Seconds.

    Returns
    -------
    ndarray of int, shape (n_clients,), or None
        Facility of each client, or ``None`` when no partition was found.
    """
    from scipy import sparse

    from jurisdiction.optimise.pmedian_mip import run_highs

    k, n = columns.members.shape
    m = cost.shape[1]
    if k == 0:
        return None
    col_cost = np.array([cost[columns.members[c], columns.facility[c]].sum() for c in range(k)])
    kk, ii = np.nonzero(columns.members)
    rows = np.r_[ii, n + columns.facility, np.full(k, n + m)]
    cols = np.r_[kk, np.arange(k), np.arange(k)]
    matrix = sparse.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n + m + 1, k))
    out = run_highs(col_cost, np.zeros(k), np.ones(k), np.ones(k, dtype=bool), matrix,
                    np.r_[np.ones(n), np.full(m + 1, -np.inf)], np.r_[np.ones(n), np.ones(m), p],
                    time_limit=time_limit, abs_gap=1.0 - 1e-6)
    if out.values is None:
        return None
    assignment = np.full(n, -1, dtype=np.int64)
    for c in np.flatnonzero(out.values > 0.5):
        assignment[columns.members[c]] = columns.facility[c]
    return assignment if (assignment >= 0).all() else None
