"""Knapsack Lagrangian of the capacitated p-median and reduced-cost fixing of pairs and facilities.

Relaxing ``sum_j x_ij = 1`` with multipliers ``u`` leaves one 0-1 knapsack per facility
(profit ``u_i - c_ij``, weight ``d_i``, capacity ``Q_j``) and the choice of the ``p`` facilities
with the most negative values ``rho_j``. Forcing ``x_ij = 1`` (item i in facility j's knapsack,
from forward and backward DP tables,
:func:`jurisdiction.optimise.pmedian.knapsack.slot_tables`) or ``y_j = 1 / 0`` bounds every
solution that uses the pair or the facility; those whose bound exceeds a target cost are
dropped.
"""

from __future__ import annotations

import numpy as np

from jurisdiction.optimise.pmedian.knapsack import slot_tables


def relax(cost: np.ndarray, usable: np.ndarray, u: np.ndarray, d: np.ndarray, q: np.ndarray, p: int):
    """Knapsack Lagrangian at multipliers ``u``.

    Returns
    -------
    value, rho, order, tables
        The Lagrangian bound, each facility's knapsack value ``rho_j`` (at most 0), the
        facilities by increasing ``rho``, and :func:`slot_tables` of the profits.
    """
    m = cost.shape[1]
    profit = np.maximum(np.where(usable, u[:, None] - np.where(usable, cost, 0.0), 0.0), 0.0)
    tables = slot_tables(profit, d.astype(np.int64), q.astype(np.int64))
    rho = -tables[2][-1][np.arange(m), q.astype(np.int64)]
    order = np.argsort(rho, kind="stable")
    return float(u.sum() + rho[order[:p]].sum()), rho, order, tables


def fix(cost: np.ndarray, usable: np.ndarray, u: np.ndarray, d: np.ndarray, q: np.ndarray, p: int,
        target: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Pairs and facilities that a solution costing at most ``target`` may use.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Assignment costs.
    usable : ndarray of bool, shape (n_clients, n_facilities)
        Pairs allowed so far.
    u : ndarray, shape (n_clients,)
        Lagrangian multipliers of the assignment rows (e.g. column-generation duals).
    d, q : ndarray
        Integer demands (n_clients,) and capacities (n_facilities,).
    p : int
        Number of facilities.
    target : float
        Cost that a kept solution may reach (e.g. the incumbent minus the smallest improvement).

    Returns
    -------
    pair_ok : ndarray of bool, shape (n_clients, n_facilities)
    facility_ok : ndarray of bool, shape (n_facilities,)
    excluded : float
        A lower bound on the cost of every solution that uses a dropped pair or facility
        (``inf`` when nothing was dropped); it exceeds ``target``.

    Notes
    -----
    The knapsack tables run over each facility's clients with a positive profit only (a client
    is profitable for few facilities): forcing such a client in joins the tables before and
    after its slot; forcing in any other client leaves the rest the full knapsack at the
    capacity minus its demand.
    """
    m = cost.shape[1]
    qi = q.astype(np.int64)
    weight = d.astype(np.int64)
    value, rho, order, (client, valid, forward, backward) = relax(cost, usable, u, d, q, p)
    full = forward[-1]
    cols = np.arange(m)
    chosen = np.zeros(m, dtype=bool)
    chosen[order[:p]] = True
    last = rho[order[p - 1]]
    tol = 1e-9 * max(1.0, abs(target))
    open_bound = np.where(chosen, value, value - last + rho)
    facility_ok = open_bound <= target + tol
    excluded = float(open_bound[~facility_ok].min(initial=np.inf))
    # Best profit of the other clients once client i is in facility j's knapsack.
    rest = qi[None, :] - weight[:, None]
    best_rest = np.where(rest >= 0, full[cols[None, :], np.maximum(rest, 0)], -np.inf)
    grid = np.arange(full.shape[1])
    for s in range(client.shape[1]):
        j = np.flatnonzero(valid[:, s])
        left = rest[client[j, s], j]
        back = left[:, None] - grid[None, :]
        joined = forward[s][j] + np.take_along_axis(backward[s + 1][j], np.maximum(back, 0), axis=1)
        best_rest[client[j, s], j] = np.where(back >= 0, joined, -np.inf).max(axis=1)
    forced = cost - u[:, None] - best_rest
    base = np.where(chosen, value - rho, value - last)
    bound = base[None, :] + np.where(np.isfinite(forced), forced, np.inf)
    pair_ok = usable & facility_ok[None, :]
    drop = pair_ok & (bound > target + tol)
    excluded = min(excluded, float(bound[drop].min(initial=np.inf)))
    return pair_ok & ~drop, facility_ok, excluded
