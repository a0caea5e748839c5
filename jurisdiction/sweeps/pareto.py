"""The Pareto front of a sweep, on arrays: the runs no other run beats on every count.

A sweep trades centres (fewer stations to staff) against travel minutes (mean and max); a run
is on the front when no other run is at least as good on every axis and better on one.
"""

from __future__ import annotations

import numpy as np

#: Rows compared at once (bounds the memory of the pairwise comparison to BLOCK x n x axes).
BLOCK = 256


def pareto_front(points: np.ndarray) -> np.ndarray:
    """Which points are not dominated, every axis minimised.

    Point ``a`` dominates ``b`` when ``a <= b`` on every axis and ``a < b`` on at least one.
    Equal points do not dominate each other (both stay on the front). A point with a NaN is
    never on the front and dominates nothing.

    Parameters
    ----------
    points : ndarray, shape (n, axes)
        One row per run, e.g. (centres, mean minutes, max minutes).

    Returns
    -------
    ndarray of bool, shape (n,)
        True for the points on the front.
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2:
        raise ValueError(f"points must be a 2-d array (runs x axes), got shape {points.shape}")
    valid = ~np.isnan(points).any(axis=1)
    others = points[valid]
    front = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), BLOCK):
        block = points[start:start + BLOCK, None, :]  # (b, 1, axes) against (1, m, axes)
        no_worse = (others[None, :, :] <= block).all(axis=2)
        better = (others[None, :, :] < block).any(axis=2)
        front[start:start + BLOCK] = ~(no_worse & better).any(axis=1)
    return front & valid
