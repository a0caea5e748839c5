"""Lagrangian lower bounds and variable fixing for the uncapacitated p-median problem.

Relaxing the assignment constraints ``sum_j x_ij = 1`` with multipliers ``u_i`` leaves, for each
facility j, ``rho_j = sum_i min(0, c_ij - u_i)``; the relaxed problem opens the fixed facilities
and the ``p - |fixed|`` free ones with the smallest ``rho``, and its value
``L(u) = sum_i u_i + sum_{open} rho_j`` is a lower bound. The multipliers are improved by
subgradient steps (Polyak step towards the incumbent's cost, step factor halved on stalls).

With the best multipliers, forcing a variable to 1 in the relaxation gives a bound on every
solution that uses it: a facility or a client-facility pair whose forced bound exceeds the
target (the incumbent's cost less the smallest improvement sought) can be dropped, and a facility
whose closure exceeds it must be open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from jurisdiction.optimise.pmedian.search import local_search, penalised


@dataclass(frozen=True)
class Lagrangian:
    """The best Lagrangian bound found and the incumbent improved on the way.

    Attributes
    ----------
    bound : float
        ``L(u)`` at the best multipliers (same units as the weighted costs).
    multipliers : ndarray, shape (n_clients,)
        The best ``u``.
    open : ndarray of int
        The best incumbent's open facilities.
    objective : float
        The incumbent's cost.
    iterations : int
        Subgradient iterations run.
    """

    bound: float
    multipliers: np.ndarray
    open: np.ndarray
    objective: float
    iterations: int


def relax(cost: np.ndarray, u: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray):
    """Solve the Lagrangian relaxation at multipliers ``u``.

    Returns
    -------
    (float, ndarray, ndarray of bool, float, float)
        The bound ``L(u)``, each facility's ``rho``, the facilities the relaxation opens, the
        largest ``rho`` among the free ones opened and the smallest among the free ones not
        opened.
    """
    rho = np.minimum(cost - u[:, None], 0.0).sum(axis=0)
    m = rho.size
    chosen = np.zeros(m, dtype=bool)
    chosen[fixed] = True
    free = allowed & ~chosen
    k = p - int(fixed.size)
    free_idx = np.flatnonzero(free)
    last = -np.inf
    after = np.inf
    if k > 0:
        order = free_idx[np.argsort(rho[free_idx], kind="stable")]
        chosen[order[:k]] = True
        last = rho[order[k - 1]]
        if order.size > k:
            after = rho[order[k]]
    elif free_idx.size:
        after = rho[free_idx].min()
    return float(u.sum() + rho[chosen].sum()), rho, chosen, last, after


def subgradient(cost: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray,  # noqa: PLR0913
                open_: np.ndarray, objective: float, *, improvement: float,
                max_iterations: int = 3000, time_limit: float = 60.0, start: np.ndarray | None = None,
                step: float = 2.0, search_every: int = 200) -> Lagrangian:
    """Maximise the Lagrangian bound by subgradient optimisation, improving the incumbent too.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Weighted costs, ``np.inf`` for forbidden pairs.
    p : int
        Number of facilities to open.
    fixed : ndarray of int
        Facilities that must be open.
    allowed : ndarray of bool
        Facilities that may be open (candidates).
    open_ : ndarray of int
        The starting incumbent's open facilities; ``objective`` is its cost.
    improvement : float
        The smallest improvement worth seeking (1 for integer costs): the loop stops as soon as
        the bound exceeds ``incumbent - improvement``, which proves the incumbent.
    max_iterations : int
        Cap on subgradient iterations.
    time_limit : float
        Cap on seconds.
    start : ndarray, optional
        Starting multipliers (default: each client's cost in the incumbent).
    step : float
        Initial Polyak step factor (halved after 30 iterations without improvement).
    search_every : int
        Run the swap local search from the relaxed solution every this many iterations
        (0 = never).

    Returns
    -------
    Lagrangian
    """
    began = time.perf_counter()
    finite = penalised(cost)
    best_open, best_obj = np.asarray(open_), float(objective)
    d1 = finite[:, best_open].min(axis=1)
    u = d1.copy() if start is None else np.asarray(start, dtype=np.float64).copy()
    best_u, best_l = u.copy(), -np.inf
    stall = 0
    tried: set[bytes] = set()
    it = 0
    for it in range(1, max_iterations + 1):
        value, rho, chosen, _, _ = relax(cost, u, p, fixed, allowed)
        if value > best_l + 1e-9 * max(1.0, abs(value)):
            best_l, best_u, stall = value, u.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                step, stall = step / 2.0, 0
        if search_every and it % search_every == 1:
            key = chosen.tobytes()
            if key not in tried:
                tried.add(key)
                cand = local_search(finite, np.flatnonzero(chosen), fixed, allowed)
                obj = float(cost[:, cand].min(axis=1).sum())
                if obj < best_obj:
                    best_open, best_obj = cand, obj
        if best_l > best_obj - improvement or step < 1e-4 or time.perf_counter() - began > time_limit:
            break
        covered = (cost[:, chosen] < u[:, None]).sum(axis=1)
        g = 1.0 - covered
        norm = float(g @ g)
        if norm == 0.0:
            best_l, best_u = value, u.copy()
            break
        u = u + step * (best_obj - value) / norm * g
        u = np.minimum(u, finite.max(axis=1))
    return Lagrangian(best_l, best_u, np.sort(best_open), best_obj, it)


def fixing(cost: np.ndarray, u: np.ndarray, p: int, fixed: np.ndarray, allowed: np.ndarray,
           target: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lagrangian variable fixing against a target cost.

    Any solution that costs at most ``target`` uses no dropped facility, no dropped pair and
    opens every forced facility.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Weighted costs, ``np.inf`` for forbidden pairs.
    u : ndarray, shape (n_clients,)
        Lagrangian multipliers.
    p, fixed, allowed
        As in :func:`subgradient`.
    target : float
        The largest cost still of interest.

    Returns
    -------
    (ndarray of bool, ndarray of bool, ndarray of bool)
        ``facility_ok`` (n_facilities,), ``forced_open`` (n_facilities,) and ``pair_ok``
        (n_clients, n_facilities): the facilities, forced facilities and pairs that survive.
    """
    value, rho, chosen, last, after = relax(cost, u, p, fixed, allowed)
    tol = 1e-9 * max(1.0, abs(target))
    k = p - int(fixed.size)
    is_fixed = np.zeros(rho.size, dtype=bool)
    is_fixed[fixed] = True
    # Opening a facility the relaxation left closed replaces the largest free choice.
    extra_open = np.where(chosen, 0.0, rho - last) if k > 0 else np.where(chosen, 0.0, np.inf)
    facility_ok = allowed & (value + extra_open <= target + tol)
    facility_ok[fixed] = True
    forced = np.zeros(rho.size, dtype=bool)
    forced[fixed] = True
    free_chosen = chosen & ~is_fixed
    forced |= free_chosen & (value - rho + after > target + tol)
    pair_bound = value + np.maximum(cost - u[:, None], 0.0) + np.maximum(extra_open, 0.0)[None, :]
    pair_ok = np.isfinite(cost) & facility_ok[None, :] & (pair_bound <= target + tol)
    return facility_ok, forced, pair_ok
