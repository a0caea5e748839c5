"""The balanced districting problem as the heuristics, the enumeration, the repairs and probing see it.

:class:`Districting` is the problem of :mod:`~jurisdiction.optimise.balanced.heuristics` and
:mod:`~jurisdiction.optimise.balanced.centre_sets`: a cost matrix, one count of centres, one pair
of load bounds. :class:`PairModel` is the built model's view that probing relaxes: the pairs
kept after pruning, a range of counts, per-station load bounds (balance and capacities).
"""

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


@dataclass(frozen=True)
class PairModel:
    """The pairs a built model keeps and the bounds it puts on them, for :func:`probe_centres`.

    Attributes
    ----------
    pair_v, pair_c : ndarray of int, shape (P,)
        Village and station of each allowed village-centre pair.
    cost : ndarray, shape (P,)
        Objective cost of each pair (weight x minutes).
    load : ndarray, shape (n_villages,)
        Balance weight of each village.
    k_range : (int, int)
        Least and most centres.
    lo, hi : ndarray, shape (n_stations,)
        Least and most load of each station's district (0 and inf: unbounded).
    roots : ndarray of int, shape (n_stations,)
        Village each station stands in, kept by it when open (-1: none).
    candidates : ndarray of int
        Stations that may open (the others stay closed).
    fixed : ndarray of bool, shape (n_stations,)
        Stations that must open (never probed).
    times : ndarray, shape (n_villages, n_stations)
        Travel times in minutes; pairs of centres are probed nearest first.
    """

    pair_v: np.ndarray
    pair_c: np.ndarray
    cost: np.ndarray
    load: np.ndarray
    k_range: tuple[int, int]
    lo: np.ndarray
    hi: np.ndarray
    roots: np.ndarray
    candidates: np.ndarray
    fixed: np.ndarray
    times: np.ndarray
