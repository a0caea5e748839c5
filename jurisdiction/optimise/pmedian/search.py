"""Heuristic incumbents for the p-median problem: greedy construction and swap local search.

Both work on a dense weighted cost matrix (clients x facilities, ``np.inf`` where a pair is
forbidden) and are vectorised with numpy: one swap step of the local search evaluates every
(facility in, facility out) pair at once with the Resende-Werneck decomposition
``profit(in, out) = gain(in) - loss(out) + extra(in, out)``.

Forbidden pairs are replaced by a large finite penalty so that both heuristics first minimise
the number of clients left without a reachable facility, then the cost.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse


def penalised(cost: np.ndarray) -> np.ndarray:
    """Replace forbidden (infinite) costs by a penalty larger than any feasible total.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Weighted costs, ``np.inf`` for forbidden pairs.

    Returns
    -------
    ndarray
        A finite copy; forbidden pairs cost ``1 + n_clients * max finite cost``.
    """
    finite = np.isfinite(cost)
    top = float(cost[finite].max()) if finite.any() else 1.0
    penalty = 1.0 + cost.shape[0] * max(top, 1.0)
    return np.where(finite, cost, penalty)


def assign(cost: np.ndarray, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each client's nearest open facility and its cost.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Costs (finite or not).
    open_ : ndarray of int
        Column indices of the open facilities.

    Returns
    -------
    (ndarray, ndarray)
        ``nearest`` (column index per client) and ``d1`` (its cost).
    """
    open_ = np.asarray(open_, dtype=np.int64)
    sub = cost[:, open_]
    k = np.argmin(sub, axis=1)
    return open_[k], sub[np.arange(cost.shape[0]), k]


def greedy(cost: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Greedy construction: open the facility that lowers the total cost most, p times.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Finite (penalised) weighted costs.
    p : int
        Number of facilities to open.
    fixed : ndarray of int
        Facilities opened first, whatever their cost.
    allowed : ndarray of bool, shape (n_facilities,)
        Facilities that may be opened.

    Returns
    -------
    ndarray of int
        The sorted open facilities.
    """
    n, m = cost.shape
    is_open = np.zeros(m, dtype=bool)
    is_open[fixed] = True
    if fixed.size:
        d1 = cost[:, fixed].min(axis=1)
    else:
        d1 = np.full(n, np.inf)
    for _ in range(p - int(fixed.size)):
        if np.isinf(d1).all():
            totals = cost.sum(axis=0)
        else:
            totals = np.minimum(cost, d1[:, None]).sum(axis=0)
        totals[~allowed | is_open] = np.inf
        j = int(np.argmin(totals))
        is_open[j] = True
        d1 = np.minimum(d1, cost[:, j])
    return np.flatnonzero(is_open)


def local_search(cost: np.ndarray, open_: np.ndarray, fixed: np.ndarray, allowed: np.ndarray,
                 max_moves: int = 10_000) -> np.ndarray:
    """Best-improvement swap local search (vectorised Resende-Werneck / Whitaker interchange).

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Finite (penalised) weighted costs.
    open_ : ndarray of int
        Starting open facilities (must include ``fixed``).
    fixed : ndarray of int
        Facilities that may not be closed.
    allowed : ndarray of bool, shape (n_facilities,)
        Facilities that may be opened.
    max_moves : int
        Safety cap on the number of swaps.

    Returns
    -------
    ndarray of int
        A swap-optimal set of open facilities, sorted.
    """
    n, m = cost.shape
    is_open = np.zeros(m, dtype=bool)
    is_open[open_] = True
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    p = int(is_open.sum())
    if p == m or p == int(is_fixed.sum()):
        return np.flatnonzero(is_open)
    scale = float(np.abs(cost).max()) if cost.size else 1.0
    rows = np.arange(n)
    for _ in range(max_moves):
        cols = np.flatnonzero(is_open)
        sub = cost[:, cols]
        if p >= 2:
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[rows, part[:, 0]], sub[rows, part[:, 1]]
            first = np.where(a <= b, part[:, 0], part[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            first = np.zeros(n, dtype=np.int64)
            d1 = sub[:, 0]
            d2 = np.full(n, np.inf)
        phi = cols[first]
        gain = np.maximum(d1[:, None] - cost, 0.0).sum(axis=0)
        big = np.isinf(d2)
        d2f = np.where(big, np.maximum(d1, cost.max(axis=1)) * 2 + 1, d2)
        loss = np.bincount(phi, weights=d2f - d1, minlength=m)
        extra_rows = np.maximum(d2f[:, None] - np.maximum(cost, d1[:, None]), 0.0)
        onehot = sparse.csr_matrix((np.ones(n), (phi, rows)), shape=(m, n))
        extra = np.asarray(onehot @ extra_rows)  # extra[out, in]
        profit = gain[None, :] - loss[:, None] + extra
        profit[~is_open | is_fixed, :] = -np.inf
        profit[:, is_open | ~allowed] = -np.inf
        flat = int(np.argmax(profit))
        out, into = divmod(flat, m)
        if not profit[out, into] > 1e-9 * max(scale, 1.0):
            break
        is_open[out] = False
        is_open[into] = True
    return np.flatnonzero(is_open)


def heuristic(cost: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray
              ) -> tuple[np.ndarray, float]:
    """Greedy start followed by swap local search.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Weighted costs, ``np.inf`` for forbidden pairs.
    p, fixed, allowed
        As in :func:`greedy`.

    Returns
    -------
    (ndarray, float)
        The open facilities and their true total cost (``inf`` if a client is unserved).
    """
    finite = penalised(cost)
    open_ = local_search(finite, greedy(finite, p, fixed, allowed), fixed, allowed)
    return open_, float(assign(cost, open_)[1].sum())
