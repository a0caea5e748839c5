"""Posts on arrays: for each time t, k posts covering the most weight, or the fewest covering all.

The sites where a post may stand are the optimiser's "stations": :func:`choose_posts` builds an
:class:`~jurisdiction.optimise.instance.Instance` per time t and solves it with the engine's
``max-covering`` or ``set-covering`` model. Minutes and weights in, site indices out; no
geometry (the layers, sites and tables are :mod:`jurisdiction.patrol`'s).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from jurisdiction.errors import InfeasibleError, ScenarioError, finite_number
from jurisdiction.optimise.engine import solve
from jurisdiction.optimise.instance import Instance, Options, Solution

#: Minutes within which a time counts as inside t (the optimiser's own tolerance).
SLACK_MIN = 1e-9
#: Villages named per time in the message of an infeasible set covering.
NAMED = 10


def response_minutes(minutes: float | Sequence[float]) -> list[float]:
    """The times t in minutes, sorted and without repeats; ScenarioError naming ``minutes`` for a bad one."""
    values = [minutes] if isinstance(minutes, (int, float)) else list(minutes)
    if not values:
        raise ScenarioError("minutes: give at least one travel time t in minutes")
    return sorted({finite_number("minutes", t, positive=True) for t in values})


def post_counts(k: int | Sequence[int] | None, n_sites: int, n_villages: int) -> list[int]:
    """The numbers of posts asked for, sorted; ScenarioError naming ``k`` for a bad one.

    At most one post per site, and no more posts than villages (more would cover nothing more).
    """
    if k is None:
        raise ScenarioError("k: give the number of posts (one or several), or cover_all=True")
    values = [k] if isinstance(k, (int, np.integer)) else list(k)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1]
    if bad or not values:
        raise ScenarioError(f"k: expected positive whole numbers of posts, got {k!r}")
    many = sorted({int(v) for v in values if v > n_sites})
    if many:
        raise ScenarioError(f"k: {many} posts asked, but there are only {n_sites} candidate sites")
    if max(values) > n_villages:
        raise ScenarioError(f"k: {max(values)} posts asked for {n_villages} villages; more posts than villages "
                            f"cover nothing more (ask for at most {n_villages})")
    return sorted({int(v) for v in values})


def unreached_reasons(times: np.ndarray, minutes: Sequence[float], village_labels: Sequence[str],
                      site_ids: Sequence[str]) -> list[str]:
    """One sentence per time t that some village has no site within: the villages, their nearest site."""
    nearest = times.argmin(axis=1)
    best = times[np.arange(times.shape[0]), nearest]
    reasons = []
    for t in minutes:
        bad = np.flatnonzero(best > t + SLACK_MIN)
        if bad.size:
            named = ", ".join(f"{village_labels[v]} (nearest site {site_ids[nearest[v]]} at {best[v]:.2f} min)"
                              for v in bad[:NAMED])
            more = f" and {bad.size - NAMED} more" if bad.size > NAMED else ""
            reasons.append(f"{t:g} min: {bad.size} village(s) have no candidate site within {t:g} minutes, so no "
                           f"set of posts covers every village: {named}{more}")
    return reasons


def covered_by(times: np.ndarray, posts: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each village: index of its nearest post, minutes to it, and whether that is within t."""
    sub = times[:, posts]
    j = sub.argmin(axis=1)
    best = sub[np.arange(times.shape[0]), j]
    return posts[j], best, best <= t + SLACK_MIN


@dataclass(frozen=True)
class Run:
    """One choice of posts: for a time t, k posts (max covering) or the fewest (set covering).

    ``posts`` are site indices (columns of the times matrix); ``solution`` is the optimiser's
    account (its status and gap say whether the choice is proven best); ``seconds`` the wall time.
    """

    name: str
    minutes: float
    k: int | None
    model: str
    posts: np.ndarray
    solution: Solution
    seconds: float


def choose_posts(  # noqa: PLR0913 (one keyword per option)
    times: np.ndarray,
    weights: np.ndarray,
    minutes: float | Sequence[float],
    *,
    k: int | Sequence[int] | None = None,
    village_labels: Sequence[str] = (),
    site_ids: Sequence[str] = (),
    settings: Options = Options(),
    progress: Callable[[str], None] | None = None,
) -> list[Run]:
    """Choose posts on arrays, for each time t (and each k), with the optimiser's covering models.

    Parameters
    ----------
    times : ndarray, shape (n_villages, n_sites)
        Minutes from each site to each village; ``inf`` = unreachable.
    weights : ndarray, shape (n_villages,)
        What is covered (population, incidents).
    minutes : float or sequence of float
        The times t, minutes.
    k : int or sequence of int, optional
        Max covering with that many posts (each k one run); None: set covering (the fewest
        posts with every village within t).
    village_labels, site_ids : sequence of str
        Names used in messages (default the indices).
    settings : Options
        Solver settings (``solver``, ``time_limit`` in seconds per run, ``gap``, ``threads``,
        ``log``); ``model``, ``centres`` and ``limit`` are set per run.
    progress : callable, optional
        Called with the name of each run as it starts.

    Returns
    -------
    list of Run
        Ordered by t, then k.

    Raises
    ------
    ScenarioError
        Bad minutes or k, or k above the number of sites or of villages.
    InfeasibleError
        Set covering when some village has no site within t: one reason per such t, naming the
        villages with their nearest site and its minutes.
    """
    say = progress or (lambda message: None)
    times = np.asarray(times, dtype=float)
    ts = response_minutes(minutes)
    counts = None if k is None else post_counts(k, times.shape[1], times.shape[0])
    labels = list(village_labels) or [str(v) for v in range(times.shape[0])]
    sites = list(site_ids) or [str(s) for s in range(times.shape[1])]
    if counts is None:
        reasons = unreached_reasons(times, ts, labels, sites)
        if reasons:
            raise InfeasibleError(reasons)
    runs = []
    for t in ts:
        instance = _covering_instance(times, weights, t, labels, sites, beyond=counts is not None)
        for count in counts or [None]:
            name = f"{t:g} min, {'cover all' if count is None else f'k={count}'}"
            say(f"solving {name}")
            options = replace(settings, model="set-covering" if count is None else "max-covering",
                              centres=None if count is None else count + 1, limit=t)
            started = time.perf_counter()
            solution = solve(instance, options)
            posts = np.unique(np.asarray(solution.centres, dtype=np.int64))
            runs.append(Run(name, t, count, options.model, posts[posts < times.shape[1]], solution,
                            time.perf_counter() - started))
    return runs


def _covering_instance(times: np.ndarray, weights: np.ndarray, t: float, labels: list[str], sites: list[str],
                       *, beyond: bool) -> Instance:
    """The optimiser's instance for time t: only the pairs within t; with ``beyond``, a place for the rest.

    Max covering assigns every village to an open post. Given every pair, that is a weak model
    (Futian's 40 villages and 265 sites, k = 1 at 1 minute: 34.5 s against 0.1 s here, with the
    same optimum; ``benchmarks/posts.py``). Here a village may go only to a
    site within t, or to one extra column, "beyond t", fixed open (so ``centres`` is k + 1), at a
    time past t: the classic strong form of maximal covering (x <= y per pair). An extra village
    of weight 0 that only that column reaches keeps k + 1 centres within the villages' count.
    """
    within = np.where(times <= t + SLACK_MIN, times, np.inf)
    if not beyond:
        return Instance(times=within, weights=weights, village_ids=labels, station_ids=sites)
    n, m = times.shape
    grid = np.full((n + 1, m + 1), np.inf)
    grid[:n, :m] = within
    grid[:n, m] = 2 * t + 1
    grid[n, m] = 0.0
    return Instance(times=grid, weights=np.r_[weights, 0.0], village_ids=[*labels, "(no village)"],
                    station_ids=[*sites, f"(beyond {t:g} min)"], fixed=np.r_[np.zeros(m, dtype=bool), True])
