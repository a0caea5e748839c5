"""Helpers of the posts tests (no tests here)."""

from __future__ import annotations

import numpy as np


def covered_weight(times: np.ndarray, weights: np.ndarray, posts, t: float) -> float:
    """Weight of the villages some post of ``posts`` reaches within t minutes (from the matrix alone)."""
    reached = (times[:, list(posts)] <= t + 1e-9).any(axis=1)
    return float(weights[reached].sum())
