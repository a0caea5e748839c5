"""The balanced districting problem as the heuristics, the enumeration and the repairs see it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Districting:
    """``k`` centres, every village to one of them, every centre's load within ``[lo, hi]``.

    Attributes
    ----------
    cost : ndarray, shape (n_villages, n_stations)
        Objective cost of each village-station pair (weight x minutes), ``inf`` where the pair
        is not allowed.
    load : ndarray, shape (n_villages,)
        Balance weight of each village (people, incidents, or a blend).
    k : int
        Number of centres.
    lo, hi : float
        Least and greatest load of every centre, in the unit of ``load``.
    roots : ndarray of int, shape (n_stations,)
        Village each station stands in, kept by its centre (-1: none).
    allowed, fixed : ndarray of bool, shape (n_stations,)
        Stations that may be centres; stations that must be.
    adjacency : sparse matrix, shape (n_villages, n_villages), or None
        Village adjacency: when given, every district must be connected.
    """

    cost: np.ndarray
    load: np.ndarray
    k: int
    lo: float
    hi: float
    roots: np.ndarray
    allowed: np.ndarray
    fixed: np.ndarray
    adjacency: sp.csr_matrix | None = None
