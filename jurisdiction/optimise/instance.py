"""The optimisation problem as plain arrays: :class:`Instance`, :class:`Options`, :class:`Solution`.

The core knows nothing of geometry: an instance is a travel-time matrix (minutes, from station
to village), village weights, and optional masks, capacities and adjacency. Validation here
turns bad shapes and values into :class:`~jurisdiction.errors.ScenarioError` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from jurisdiction.errors import ScenarioError, finite_number
from jurisdiction.optimise.progress import SearchState

#: The models (the scenario's ``objective``), the contiguity forms and the solvers, stated once.
MODELS = ("p-median", "p-center", "max-covering", "set-covering")
CONTIGUITY = (None, "shortest-path", "cuts")
SOLVERS = ("highs", "cbc")

#: The float options of :class:`Options`: (name, lowest value allowed, whether 0 is refused).
NUMBER_OPTIONS: tuple[tuple[str, float | None, bool], ...] = (
    ("limit", None, True), ("time_limit", None, True),
    ("balance", 0.0, False), ("gap", 0.0, False), ("disruption", 0.0, False),
    ("min_officers", None, True), ("min_population", None, True),
)


@dataclass(frozen=True)
class Instance:
    """A districting instance on arrays.

    Attributes
    ----------
    times : ndarray, shape (n_villages, n_stations)
        Travel time in minutes from station ``s`` to village ``v``; ``np.inf`` = unreachable.
    weights : ndarray, shape (n_villages,)
        Objective weight of each village (population, incidents or a blend).
    village_ids, station_ids : sequence of str
        Names used in messages; default ``"0" .. "n-1"``.
    candidate, fixed, excluded : ndarray of bool, shape (n_stations,), optional
        May become a centre (default all), must be a centre, may not be a centre.
    balance_weights : ndarray, shape (n_villages,), optional
        The column that is balanced and limited by ``capacity`` (default ``weights``).
    capacity : ndarray, shape (n_stations,), optional
        Largest total balance weight a centre may take.
    adjacency : scipy.sparse matrix, shape (n_villages, n_villages), optional
        Symmetric village adjacency (needed for contiguity).
    station_village : ndarray of int, shape (n_stations,), optional
        Index of the village each station stands in (its district's root); -1 unknown.
        An open centre always keeps that village.
    home : ndarray of int, shape (n_villages,), optional
        Index of each village's current station; -1 unknown (needed for bundling).
    station_adjacency : ndarray of bool, shape (n_stations, n_stations), optional
        ``[s, c]`` true when station ``s`` may be bundled into centre ``c`` (default all).
    cost : ndarray, shape (n_villages, n_stations), optional
        Objective coefficient of assigning village ``v`` to centre ``c``, replacing
        ``weights * times`` in the p-median objective (e.g. Hess weights ``p_v d_vc^2``).
        ``times`` still decides the limit, the p-center value and shortest-path contiguity.
    """

    times: np.ndarray
    weights: np.ndarray
    village_ids: Sequence[str] = ()
    station_ids: Sequence[str] = ()
    candidate: np.ndarray | None = None
    fixed: np.ndarray | None = None
    excluded: np.ndarray | None = None
    balance_weights: np.ndarray | None = None
    capacity: np.ndarray | None = None
    adjacency: sp.spmatrix | None = None
    station_village: np.ndarray | None = None
    home: np.ndarray | None = None
    station_adjacency: np.ndarray | None = None
    cost: np.ndarray | None = None

    @property
    def n_villages(self) -> int:
        return int(np.shape(self.times)[0])

    @property
    def n_stations(self) -> int:
        return int(np.shape(self.times)[1])


@dataclass(frozen=True)
class Options:
    """How to solve an :class:`Instance`.

    Attributes
    ----------
    model : str
        ``"p-median"`` (min sum w t), ``"p-center"`` (min the largest assigned time, minutes),
        ``"max-covering"`` (max weight assigned within ``limit``), ``"set-covering"``
        (min centres with every village within ``limit``).
    centres : int or (int, int) or None
        Exact number of open centres or an inclusive range. Required except for set covering
        and bundling. Counts every open centre, including stations outside ``bundle_scope``.
    limit : float or None
        Travel-time limit T in minutes: pairs beyond it are never created (for max-covering,
        T is the covering radius and farther pairs remain allowed).
    balance : float or None
        Tolerance e: ``(1-e) W/K <= load <= (1+e) W/K`` on ``balance_weights`` (W total).
        With a range of K, the lower bound uses the largest K and the upper the smallest.
    contiguity : None, "shortest-path" or "cuts"
        Compact shortest-path constraints, or exact cut constraints added in rounds.
    bundle_sizes : (int, int) or None
        (gmin, gmax) stations per centre, counting the centre itself (2合1/3合1: (2, 3)).
    bundle_scope : ndarray of bool or None
        Stations taking part in bundling; the others stay their own centre with their villages.
    station_officers, station_population : ndarray of float, shape (n_stations,), or None
        Officers of each station (people) and residents of its current district (people), for
        the viability rule below.
    min_officers, min_population : float or None
        The viability rule (people): each bundle of stations in ``bundle_scope`` pools at least
        this many officers and residents (both, when both are set). A station in scope that
        meets the rule on its own may also stay alone, whatever ``bundle_sizes`` says; without
        a rule every station in scope joins a bundle of ``bundle_sizes``.
    follow_station : bool
        Villages follow their station into its bundle; if false they may be reassigned...
    disruption : float
        ...at this penalty per unit of weight that leaves its home station's centre.
    solver : "highs" or "cbc"
    time_limit : float or None
        Seconds for the whole call, model building, cut rounds and second stages included
        (each solver call still gets at least 0.5 s, so a call may overrun by that much).
    gap : float
        Relative gap tolerance.
    threads : int or None
        Worker threads of the engine's own searches (the balanced heuristics assign that many
        centre sets at once) and CBC's threads. HiGHS picks its own count (half the cores): its
        process-wide scheduler refuses a solve that sets another count than the first solve's.
    warm_start : ndarray of int or None
        Station index of each village's centre, used as a starting solution.
    pinned : ndarray of int, shape (n_villages,), or None
        Pins: -1 for a free village, else the index of the station whose district it must end
        in. That station is forced open (a fixed centre); the village may join no other centre
        (with bundling it no longer follows its own station). Every path of the engine honours
        pins through the pairs it may use (:func:`~jurisdiction.optimise.mip.model.pair_mask`).
    pins_over_limit : bool
        Keep a pinned pair beyond ``limit`` (minutes) instead of refusing it as infeasible.
    pins_disconnected : bool
        Without ``contiguity``, accept a plan whose pinned villages lie apart from the rest of
        their district (else such a plan is an InfeasibleError naming them).
    log : bool
        Print the solver's own log (banner, progress) on stdout; off by default.
    progress : callable or None
        ``progress(state)`` with a :class:`~jurisdiction.optimise.progress.SearchState` (stage,
        best objective, bound, gap) every 2 s while the solve runs, from a timer thread.

    Raises
    ------
    ScenarioError
        On construction, naming the option: a float option that is not a finite number in its
        range (NaN and infinity are refused; leave ``limit`` or ``time_limit`` as None for none),
        or ``log`` not a bool. The rest is checked when an instance is solved.
    """

    model: str = "p-median"
    centres: int | tuple[int, int] | None = None
    limit: float | None = None
    balance: float | None = None
    contiguity: str | None = None
    bundle_sizes: tuple[int, int] | None = None
    bundle_scope: np.ndarray | None = None
    station_officers: np.ndarray | None = None
    station_population: np.ndarray | None = None
    min_officers: float | None = None
    min_population: float | None = None
    follow_station: bool = True
    disruption: float = 0.0
    solver: str = "highs"
    time_limit: float | None = None
    gap: float = 1e-4
    threads: int | None = None
    warm_start: np.ndarray | None = None
    pinned: np.ndarray | None = None
    pins_over_limit: bool = False
    pins_disconnected: bool = False
    log: bool = False
    progress: Callable[[SearchState], None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for key, low, positive in NUMBER_OPTIONS:
            if (value := getattr(self, key)) is not None:
                object.__setattr__(self, key, finite_number(key, value, low=low, positive=positive))
        if self.balance is not None and self.balance >= 1:
            raise ScenarioError(f"balance: the tolerance must be below 1, got {self.balance!r}")
        for key in ("log", "pins_over_limit", "pins_disconnected"):
            if not isinstance(getattr(self, key), bool):
                raise ScenarioError(f"{key}: expected True or False, got {getattr(self, key)!r}")

    @property
    def workers(self) -> int:
        """Worker threads of the engine's own searches (``threads``, at least 1)."""
        return max(1, self.threads or 1)


@dataclass(frozen=True)
class Solution:
    """The result of :func:`~jurisdiction.optimise.solve`.

    ``status`` is ``"optimal"`` only when the solver's bound closes the gap to ``gap``;
    ``"feasible"`` is an incumbent returned at the time limit, with its ``gap``.
    ``objective`` and ``bound`` are in the model's unit (weight x minutes for p-median,
    minutes for p-center, weight for max-covering, centres for set-covering).
    """

    centres: np.ndarray
    assignment: np.ndarray
    bundle: np.ndarray
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    solver: str
    formulation: str
    n_variables: int
    n_constraints: int
    rounds: int = 1


@dataclass(frozen=True)
class Prepared:
    """An instance with every optional array filled in and checked (internal)."""

    times: np.ndarray
    weights: np.ndarray
    cost: np.ndarray
    balance_weights: np.ndarray
    village_ids: list[str]
    station_ids: list[str]
    allowed: np.ndarray  # candidate or fixed, and not excluded
    fixed: np.ndarray
    excluded: np.ndarray
    capacity: np.ndarray | None
    adjacency: sp.csr_matrix | None
    station_village: np.ndarray
    home: np.ndarray
    station_adjacency: np.ndarray
    k_range: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)
    pinned: np.ndarray | None = None  # (n,) station index each village is pinned to, -1 free


def _mask(value, n: int, name: str, default: bool) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=bool)
    arr = np.asarray(value)
    if arr.shape != (n,):
        raise ScenarioError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr.astype(bool)


def _index(value, n: int, name: str, upper: int) -> np.ndarray:
    if value is None:
        return np.full(n, -1, dtype=np.int64)
    arr = np.asarray(value)
    if arr.shape != (n,):
        raise ScenarioError(f"{name} must have shape ({n},), got {arr.shape}")
    arr = arr.astype(np.int64)
    bad = (arr < -1) | (arr >= upper)
    if bad.any():
        raise ScenarioError(f"{name}[{int(np.flatnonzero(bad)[0])}] = {arr[bad][0]} is out of range -1..{upper - 1}")
    return arr


def _check_viability(options: Options, m: int) -> None:
    """ScenarioError for a viability rule without its per-station amounts, or bad amounts."""
    for key, amounts in (("min_officers", "station_officers"), ("min_population", "station_population")):
        values = getattr(options, amounts)
        if getattr(options, key) is not None and values is None:
            raise ScenarioError(f"{key} needs {amounts} (one number per station)")
        if values is not None:
            values = np.asarray(values, dtype=float)
            if values.shape != (m,) or not np.isfinite(values).all() or (values < 0).any():
                raise ScenarioError(f"{amounts} must be {m} finite non-negative numbers")


def k_range(options: Options) -> tuple[int, int] | None:
    """The (min, max) number of centres asked for, or None."""
    k = options.centres
    if k is None:
        return None
    if isinstance(k, (tuple, list)):
        if len(k) != 2 or int(k[0]) > int(k[1]) or int(k[0]) < 0:
            raise ScenarioError(f"centres range must be (min, max) with 0 <= min <= max, got {k}")
        return int(k[0]), int(k[1])
    if int(k) < 1:
        raise ScenarioError(f"centres must be at least 1, got {k}")
    return int(k), int(k)


def check_options(options: Options, n_stations: int) -> None:
    """Raise ScenarioError for an unknown model, contiguity form, solver or a bad value."""
    if options.model not in MODELS:
        raise ScenarioError(f"model {options.model!r} is not one of {', '.join(MODELS)}")
    if options.contiguity not in CONTIGUITY:
        raise ScenarioError(f"contiguity {options.contiguity!r} is not one of None, 'shortest-path', 'cuts'")
    if options.solver not in SOLVERS:
        raise ScenarioError(f"solver {options.solver!r} is not one of {', '.join(SOLVERS)}")
    k_range(options)
    if options.model in ("set-covering", "max-covering") and options.limit is None:
        raise ScenarioError(f"model {options.model!r} needs a limit (minutes)")
    if options.centres is None and options.model != "set-covering" and options.bundle_sizes is None:
        raise ScenarioError(f"model {options.model!r} needs centres (a number or a (min, max) range)")
    if options.bundle_sizes is not None:
        g = options.bundle_sizes
        if len(g) != 2 or not 1 <= int(g[0]) <= int(g[1]):
            raise ScenarioError(f"bundle_sizes must be (gmin, gmax) with 1 <= gmin <= gmax, got {g}")
    if options.warm_start is not None and np.asarray(options.warm_start).ndim != 1:
        raise ScenarioError("warm_start must be one station index per village")


def prepare(instance: Instance, options: Options) -> Prepared:  # noqa: C901, PLR0912
    """Check shapes and fill defaults; raises ScenarioError naming the bad field."""
    times = np.asarray(instance.times, dtype=float)
    if times.ndim != 2 or times.shape[0] == 0 or times.shape[1] == 0:
        raise ScenarioError(f"times must be a non-empty (n_villages, n_stations) matrix, got shape {times.shape}")
    n, m = times.shape
    if np.isnan(times).any() or (times < 0).any():
        raise ScenarioError("times must be non-negative minutes or inf (found NaN or a negative value)")
    check_options(options, m)
    weights = np.asarray(instance.weights, dtype=float)
    if weights.shape != (n,) or (weights < 0).any() or not np.isfinite(weights).all():
        raise ScenarioError(f"weights must be {n} finite non-negative numbers")
    bw = weights if instance.balance_weights is None else np.asarray(instance.balance_weights, dtype=float)
    if bw.shape != (n,) or (bw < 0).any() or not np.isfinite(bw).all():
        raise ScenarioError(f"balance_weights must be {n} finite non-negative numbers")
    if instance.cost is None:
        cost = weights[:, None] * np.where(np.isfinite(times), times, 0.0)
    else:
        cost = np.asarray(instance.cost, dtype=float)
        if cost.shape != (n, m):
            raise ScenarioError(f"cost must have shape {(n, m)}, got {cost.shape}")
        if not np.isfinite(cost[np.isfinite(times)]).all():
            raise ScenarioError("cost must be finite wherever times is (found NaN or infinity)")
    vids = [str(v) for v in instance.village_ids] or [str(i) for i in range(n)]
    sids = [str(s) for s in instance.station_ids] or [str(i) for i in range(m)]
    if len(vids) != n or len(sids) != m:
        raise ScenarioError(f"village_ids/station_ids must have {n}/{m} entries, got {len(vids)}/{len(sids)}")
    candidate = _mask(instance.candidate, m, "candidate", True)
    fixed = _mask(instance.fixed, m, "fixed", False)
    excluded = _mask(instance.excluded, m, "excluded", False)
    capacity = None
    if instance.capacity is not None:
        capacity = np.asarray(instance.capacity, dtype=float)
        if capacity.shape != (m,):
            raise ScenarioError(f"capacity must have shape ({m},), got {capacity.shape}")
        if (capacity < 0).any() or not np.isfinite(capacity).all():
            raise ScenarioError(f"capacity must be {m} finite non-negative numbers")
    adjacency = None
    if instance.adjacency is not None:
        adjacency = sp.csr_matrix(instance.adjacency)
        if adjacency.shape != (n, n):
            raise ScenarioError(f"adjacency must be ({n}, {n}), got {adjacency.shape}")
        adjacency = ((adjacency + adjacency.T) != 0).astype(np.int8).tocsr()
        adjacency.setdiag(0)
        adjacency.eliminate_zeros()
    elif options.contiguity is not None:
        raise ScenarioError("contiguity needs the village adjacency matrix (Instance.adjacency)")
    station_village = _index(instance.station_village, m, "station_village", n)
    home = _index(instance.home, n, "home", m)
    if instance.station_adjacency is None:
        sadj = np.ones((m, m), dtype=bool)
    else:
        sadj = np.asarray(instance.station_adjacency, dtype=bool)
        if sadj.shape != (m, m):
            raise ScenarioError(f"station_adjacency must be ({m}, {m}), got {sadj.shape}")
    if options.bundle_scope is not None and np.asarray(options.bundle_scope).shape != (m,):
        raise ScenarioError(f"bundle_scope must have shape ({m},)")
    _check_viability(options, m)
    if options.warm_start is not None and np.asarray(options.warm_start).shape != (n,):
        raise ScenarioError(f"warm_start must have shape ({n},)")
    pinned = _index(options.pinned, n, "pinned", m)
    fixed = fixed.copy()
    fixed[pinned[pinned >= 0]] = True  # a pinned village's station is a centre
    allowed = (candidate | fixed) & ~excluded
    return Prepared(
        times=times, weights=weights, cost=cost, balance_weights=bw, village_ids=vids, station_ids=sids,
        allowed=allowed, fixed=fixed, excluded=excluded, capacity=capacity, adjacency=adjacency,
        station_village=station_village, home=home, station_adjacency=sadj, k_range=k_range(options),
        pinned=pinned,
    )
