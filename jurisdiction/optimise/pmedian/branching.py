"""Branching rules of the capacitated p-median branch and price: neighbourhoods of facilities.

:mod:`jurisdiction.optimise.pmedian.branch_price` branches on a neighbourhood G of a fractional
facility j (the facilities most alike j, j first, whose total LP value ``y`` stays below 1):
"no facility of G opens" / "at least one of G opens". :func:`branch_on_groups` is the plain rule
(the neighbourhood whose total ``y`` is nearest 0.5); :func:`group_candidates` lists the
neighbourhoods that strong branching compares.
"""

from __future__ import annotations

import numpy as np


def facility_order(cost: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Facilities by likeness to each facility: mean |c_ij - c_ij'| over clients that reach both.

    Parameters
    ----------
    cost : ndarray, shape (n_clients, n_facilities)
        Assignment costs (any unit).
    usable : ndarray of bool, shape (n_clients, n_facilities)
        Pairs that may be used.

    Returns
    -------
    ndarray of int, shape (n_facilities, n_facilities)
        Row j: every facility, j first, then the most alike.
    """
    finite = np.where(usable, cost, np.nan)
    m = cost.shape[1]
    far = np.empty((m, m))
    for j in range(m):
        diff = np.abs(finite - finite[:, [j]])
        far[j] = np.nan_to_num(np.nanmean(diff, axis=0), nan=np.inf)
        far[j, j] = -1.0
    return np.argsort(far, axis=1, kind="stable")


def branch_on_groups(y: np.ndarray, near: np.ndarray) -> list | None:
    """Children "no facility of G opens" / "one of G opens" for the neighbourhood G of a fractional facility.

    G is the largest run of ``near[j]`` (j first) whose total y stays below 1; the fractional facility
    whose G has total y nearest 0.5 is chosen.

    Parameters
    ----------
    y : ndarray, shape (n_facilities,)
        LP value of opening each facility.
    near : ndarray of int, shape (n_facilities, n_facilities)
        :func:`facility_order`.

    Returns
    -------
    list of two decisions or None
        ``("g", -1, mask, 1)`` and ``("g", -1, mask, 0)`` (``("y", -1, j, side)`` when G is j
        alone); ``None`` when no y is fractional.
    """
    frac = np.flatnonzero((y > 1e-6) & (y < 1.0 - 1e-6))
    if frac.size == 0:
        return None
    best, score = None, np.inf
    for j in frac:
        cum = np.cumsum(y[near[j]])
        k = int(np.searchsorted(cum, 1.0 - 1e-6))  # prefix near[j][:k] has total < 1
        k = max(k, 1)
        sc = abs(cum[k - 1] - 0.5)
        if sc < score:
            score, best = sc, (j, k)
    j, k = best
    if k == 1:
        return [("y", -1, int(j), 1), ("y", -1, int(j), 0)]
    group = np.zeros(y.size, dtype=bool)
    group[near[j][:k]] = True
    return [("g", -1, group, 1), ("g", -1, group, 0)]


def group_candidates(y: np.ndarray, near: np.ndarray, limit: int) -> list[np.ndarray]:
    """Neighbourhoods G (facility masks) of fractional facilities with total y below 1, best first.

    For each fractional facility j, every prefix of ``near[j]`` that ends on a facility with
    ``y > 0`` and whose total y stays below 1 is a candidate (extended over the following
    facilities with ``y = 0``); duplicates are dropped and the ``limit`` candidates whose total y is
    nearest 0.5 are kept.

    Parameters
    ----------
    y : ndarray, shape (n_facilities,)
        LP value of opening each facility.
    near : ndarray of int, shape (n_facilities, n_facilities)
        :func:`facility_order`.
    limit : int
        Candidates at most.

    Returns
    -------
    list of ndarray of bool, shape (n_facilities,)
    """
    frac = np.flatnonzero((y > 1e-6) & (y < 1.0 - 1e-6))
    seen, found = set(), []
    for j in frac:
        order = near[j]
        cum = np.cumsum(y[order])
        stop = int(np.searchsorted(cum, 1.0 - 1e-6))  # prefixes shorter than this stay below 1
        ends = [k for k in range(1, stop + 1) if y[order[k - 1]] > 1e-6]
        for e, k in enumerate(ends):
            size = (ends[e + 1] - 1) if e + 1 < len(ends) else stop
            group = np.zeros(y.size, dtype=bool)
            group[order[:size]] = True
            key = group.tobytes()
            if key not in seen:
                seen.add(key)
                found.append((abs(cum[k - 1] - 0.5), len(found), group))
    found.sort(key=lambda t: t[:2])
    return [g for _, _, g in found[:limit]]
