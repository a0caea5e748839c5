"""The 0-1 knapsacks of the capacitated p-median, solved for every facility at once.

Relaxing the assignment rows ``sum_j x_ij = 1`` with multipliers (client duals) ``pi`` leaves one
0-1 knapsack per facility j: profit ``pi_i - c_ij``, weight ``d_i`` (integer demand), capacity
``Q_j`` (integer). Column generation prices with it (:func:`price`: the best cluster of every
facility) and reduced-cost fixing (:mod:`jurisdiction.optimise.pmedian.fixing`) forces clients
into it. Both run the dynamic programme of :func:`slot_tables` over integer capacities,
vectorised over facilities.

Only clients with a positive profit can be in an optimal knapsack, and a client is profitable
for few facilities (on OR-Library pmedcap1 about 13 of 100 per client): the programme adds each
facility's s-th profitable client (its "slot" s) to all facilities at once, so it takes as many
steps as the largest number of profitable clients of one facility (about 20) rather than one
step per client (100). On pmedcap1 #20 that halves the pricing time.
"""

from __future__ import annotations

import numpy as np


def slot_tables(profit: np.ndarray, weight: np.ndarray, capacity: np.ndarray, backward: bool = True):
    """Knapsack tables of every facility over its profitable clients ("slots").

    Parameters
    ----------
    profit : ndarray, shape (n_clients, n_facilities)
        Profit of each client in each facility's knapsack (only positive ones count).
    weight : ndarray of int, shape (n_clients,)
        Integer demands.
    capacity : ndarray of int, shape (n_facilities,)
        Integer capacities (at least 0).
    backward : bool
        Also build the tables over the last slots.

    Returns
    -------
    client : ndarray of int, shape (n_facilities, n_slots)
        ``client[j, s]``: the client in slot s of facility j (its s-th client, in index order,
        with a positive profit that fits ``capacity[j]``) where ``valid[j, s]``.
    valid : ndarray of bool, shape (n_facilities, n_slots)
    forward : ndarray, shape (n_slots + 1, n_facilities, max capacity + 1)
        ``forward[s][j, c]``: best profit of slots ``< s`` of facility j within weight c.
    backward : ndarray, same shape, or None
        ``backward[s][j, c]``: best profit of slots ``>= s`` within weight c.
    """
    m = profit.shape[1]
    positive = (profit > 0) & (weight[:, None] <= capacity[None, :])
    slots = int(positive.sum(axis=0).max(initial=0))
    cap_max = int(capacity.max(initial=0))
    client = np.argsort(~positive.T, axis=1, kind="stable")[:, :slots]
    valid = np.take_along_axis(positive.T, client, axis=1)
    gain = np.where(valid, np.take_along_axis(profit.T, client, axis=1), 0.0)
    w_s = np.where(valid, weight[client], 0)
    grid = np.arange(cap_max + 1)
    base = (np.arange(m) * (cap_max + 1))[:, None] + grid[None, :]

    def add(table, s, out):  # slot s into every facility's knapsack: row j shifted by its own weight
        w = w_s[:, s, None]
        short = grid[None, :] < w
        cand = np.take(table.reshape(-1), base - np.where(short, 0, w))
        cand += gain[:, s, None]
        np.copyto(cand, table, where=short)
        np.maximum(table, cand, out=out)

    forward = np.zeros((slots + 1, m, cap_max + 1))
    for s in range(slots):
        add(forward[s], s, forward[s + 1])
    back = None
    if backward:
        back = np.zeros((slots + 1, m, cap_max + 1))
        for s in range(slots - 1, -1, -1):
            add(back[s + 1], s, back[s])
    return client, valid, forward, back


def price(cost: np.ndarray, usable: np.ndarray, pi: np.ndarray, demand: np.ndarray,
          capacity: np.ndarray, forced: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best cluster of every facility under client duals ``pi``.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Assignment costs (``usable`` marks the finite, capacity-fitting, allowed pairs).
    usable : ndarray of bool, shape (n_clients, n_facilities)
    pi : ndarray, shape (n_clients,)
        Client duals (same unit as ``cost``).
    demand : ndarray, shape (n_clients,)
        Integer demands.
    capacity : ndarray, shape (n_facilities,)
        Integer capacities.
    forced : ndarray of bool, shape (n_clients, n_facilities), optional
        Pairs every cluster of that facility must contain (branching).

    Returns
    -------
    value : ndarray, shape (n_facilities,)
        ``min_S sum_{i in S} (c_ij - pi_i)`` over capacity-feasible S containing the forced
        clients (``inf`` when they do not fit; at most 0 when nothing is forced).
    members : ndarray of bool, shape (n_facilities, n_clients)
        A minimising S per facility.
    """
    n, m = cost.shape
    finite = np.where(usable | (forced if forced is not None else False), cost, 0.0)
    weight = demand.astype(np.int64)
    qi = capacity.astype(np.int64)
    constant = np.zeros(m)
    free = usable
    if forced is not None and forced.any():
        free = usable & ~forced
        qi = qi - (forced * weight[:, None]).sum(axis=0)
        constant = (forced * (finite - pi[:, None])).sum(axis=0)
    cap = np.maximum(qi, 0)
    profit = np.where(free, pi[:, None] - finite, 0.0)
    # Only facilities with a profitable client that fits need the programme (after branching, few).
    active = np.flatnonzero(((profit > 0) & (weight[:, None] <= cap[None, :])).any(axis=0))
    client, valid, forward, _ = slot_tables(profit[:, active], weight, cap[active], backward=False)
    cols, c = np.arange(active.size), cap[active]
    best = np.zeros(m)
    best[active] = forward[-1][cols, c]
    members = np.zeros((m, n), dtype=bool) if forced is None else forced.T.copy()
    for s in range(client.shape[1] - 1, -1, -1):  # back through the slots: was slot s taken?
        take = valid[:, s] & (forward[s + 1][cols, c] > forward[s][cols, c] + 1e-9)
        members[active[take], client[take, s]] = True
        c = c - np.where(take, weight[client[:, s]], 0)
    return np.where(qi >= 0, constant - best, np.inf), members
