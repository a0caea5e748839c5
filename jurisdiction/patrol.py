"""Posts and patrol points (一村一警, the urban 1/3/5-minute response): where to put k posts.

:func:`place_posts` is a peer of :func:`jurisdiction.pipeline.plan`: layers -> road graph ->
candidate sites (given points, or road junctions thinned by :mod:`jurisdiction.network.sites`)
-> travel minutes from each site to each village -> for each time t, the optimiser's
``max-covering`` model (k posts, the most weight within t) or ``set-covering`` model (the fewest
posts with every village within t) on arrays, the sites being its "stations" -> tables.

Every number in the tables is recomputed here from the travel-time matrix and the posts chosen
(a village is covered when its nearest chosen post is within t minutes); the solver's own value
is never passed on. The solver's status and gap say whether the choice is proven best.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from jurisdiction.errors import InfeasibleError, ScenarioError, finite_number
from jurisdiction.inputs.readers import read_roads, read_villages
from jurisdiction.inputs.site_layer import read_sites
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.bands import isochrones
from jurisdiction.network.graph import graph_lines, road_graph
from jurisdiction.network.sites import road_sites
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.optimise.engine import solve
from jurisdiction.optimise.instance import Instance, Options, Solution
from jurisdiction.scenario.settings import Scenario
from jurisdiction.translation import village_weights

__all__ = ["PostPlacement", "Run", "choose_posts", "place_posts"]

#: Drawing and file CRS of every layer of a :class:`PostPlacement`.
WGS84 = "EPSG:4326"
#: Minutes within which a time counts as inside t (the optimiser's own tolerance).
SLACK_MIN = 1e-9
#: Metres: the simplification of catchment outlines (roads buffered by 100 m; 5 m does not show).
CATCHMENT_SIMPLIFY_M = 5.0
#: Villages named per time in the message of an infeasible set covering.
NAMED = 10


@dataclass(frozen=True)
class PostPlacement:
    """Posts chosen for each travel time t (and each k), with the coverage recomputed.

    Attributes
    ----------
    coverage : DataFrame
        One row per run: ``run``, ``minutes`` (t), ``model``, ``k`` (posts asked; empty for set
        covering), ``posts`` (chosen), ``weight`` (the column), ``weight_covered``,
        ``weight_total``, ``share`` (0..1), ``villages``, ``villages_covered``,
        ``villages_uncovered``, ``uncovered`` (village ids, ``"; "``-separated), the solver's
        ``status`` and ``gap`` for the choice, ``seconds``.
    posts : GeoDataFrame
        One row per run and post: ``run``, ``minutes``, ``site_id``, ``name``,
        ``villages_covered`` and ``weight_covered`` (the villages for which it is the nearest
        post and within t), Point geometry (WGS84).
    demand : GeoDataFrame
        One row per run and village: ``run``, ``minutes``, ``village_id``, ``name``, ``weight``,
        ``covered``, ``post`` (nearest chosen site), ``minutes_to_post``, Point geometry at the
        place the village is reached at (WGS84).
    catchments : GeoDataFrame or None
        One row per run and post: ``run``, ``minutes``, ``site_id``, the area reachable from the
        post within t by road (WGS84); None when not asked for.
    sites : GeoDataFrame
        Every candidate site (``site_id``, ``name``), WGS84.
    times : DataFrame
        village_id x site_id travel minutes from the site (post -> village).
    roads : GeoDataFrame
        The road lines (``road_class``), WGS84, to draw as context.
    weight : str
        What ``weight_covered`` counts (a column, or a blend written ``column×factor + ...``).
    attribution : str
        Data attribution to show with the map.
    """

    coverage: pd.DataFrame
    posts: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame | None
    sites: gpd.GeoDataFrame
    times: pd.DataFrame
    roads: gpd.GeoDataFrame
    weight: str
    attribution: str = ""

    def __repr__(self) -> str:
        lines = [f"PostPlacement: {len(self.sites)} candidate sites, {len(self.coverage)} runs ({self.weight})"]
        for row in self.coverage.itertuples():
            lines.append(f"  {row.run}: {row.posts} posts cover {row.weight_covered:,.0f} of "
                         f"{row.weight_total:,.0f} ({row.share:.1%}), {row.villages_uncovered} villages beyond")
        return "\n".join(lines)

    __str__ = __repr__


def _minutes(minutes: float | Sequence[float]) -> list[float]:
    values = [minutes] if isinstance(minutes, (int, float)) else list(minutes)
    if not values:
        raise ScenarioError("minutes: give at least one travel time t in minutes")
    return sorted({finite_number("minutes", t, positive=True) for t in values})


def _counts(k: int | Sequence[int] | None, n_sites: int) -> list[int]:
    """The numbers of posts asked for, sorted; ScenarioError naming ``k`` for a bad one."""
    if k is None:
        raise ScenarioError("k: give the number of posts (one or several), or cover_all=True")
    values = [k] if isinstance(k, (int, np.integer)) else list(k)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1]
    if bad or not values:
        raise ScenarioError(f"k: expected positive whole numbers of posts, got {k!r}")
    many = sorted({int(v) for v in values if v > n_sites})
    if many:
        raise ScenarioError(f"k: {many} posts asked, but there are only {n_sites} candidate sites")
    return sorted({int(v) for v in values})


def _weight_label(weight: str | dict[str, float]) -> str:
    if isinstance(weight, str):
        return weight
    return " + ".join(f"{column}×{factor:g}" for column, factor in weight.items())


def _demand_points(villages: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The point each village is reached at: its anchor where given, else a point inside it."""
    points = villages.geometry.representative_point()
    if {"anchor_x", "anchor_y"} <= set(villages.columns):
        x = pd.to_numeric(villages["anchor_x"], errors="coerce")
        y = pd.to_numeric(villages["anchor_y"], errors="coerce")
        anchored = x.notna() & y.notna()
        points = points.where(~anchored, gpd.GeoSeries(gpd.points_from_xy(x, y), index=villages.index,
                                                       crs=villages.crs))
    return gpd.GeoSeries(points, crs=villages.crs).to_crs(WGS84)


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
    ts = _minutes(minutes)
    counts = None if k is None else _counts(k, times.shape[1])
    if counts and counts[-1] > times.shape[0]:
        raise ScenarioError(f"k: {counts[-1]} posts asked for {times.shape[0]} villages; more posts than villages "
                            f"cover nothing more (ask for at most {times.shape[0]})")
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
    (k = 1 on Futian's 40 villages and 265 sites: 86 s in HiGHS). Here a village may go only to a
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


def place_posts(  # noqa: PLR0913 (one keyword per option)
    villages: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | nx.MultiDiGraph,
    scenario: Scenario,
    *,
    minutes: float | Sequence[float],
    k: int | Sequence[int] | None = None,
    cover_all: bool = False,
    sites: str | os.PathLike | gpd.GeoDataFrame = "nodes",
    site_spacing_m: float | None = 200.0,
    weight: str | None = None,
    catchments: bool = True,
    attribution: str = "",
    progress: Callable[[str], None] | None = None,
) -> PostPlacement:
    """Choose posts among candidate sites to cover villages within t minutes by road, for each t.

    Parameters
    ----------
    villages : GeoDataFrame
        The villages (demand points; polygons or points, any CRS, optional anchors).
    roads : GeoDataFrame or networkx.MultiDiGraph
        Road lines with ``road_class`` or ``highway``, or an osmnx graph.
    scenario : Scenario
        Road speeds (km/h), access speed (km/h), ``max_snap_m`` (metres), the default weight,
        and the solver settings (solver, ``time_limit`` in seconds per run, gap).
    minutes : float or sequence of float
        The response times t, minutes (e.g. 1, 3, 5 in a city; 10, 15, 20 in a county).
    k : int or sequence of int, optional
        Maximal covering: the number(s) of posts; each (t, k) is one run.
    cover_all : bool
        Set covering instead: the fewest posts with every village within t.
    sites : "nodes", str, path-like or GeoDataFrame
        Candidate sites: ``"nodes"`` for road junctions (thinned by ``site_spacing_m``), or a
        points layer with ``site_id`` (see :func:`jurisdiction.inputs.site_layer.read_sites`).
    site_spacing_m : float or None
        With ``sites="nodes"``: at most one site per square of this side, metres (None: every
        node of the main network).
    weight : {"population", "incidents"}, optional
        What is covered; default the scenario's ``weight``.
    catchments : bool
        Compute each post's t-minute catchment (road isochrone) for the map and files.
    attribution : str
        Data attribution carried to the map.
    progress : callable, optional
        Called with a short message as each step starts.

    Returns
    -------
    PostPlacement
        Coverage table, posts, covered and uncovered villages per run (and catchments).

    Raises
    ------
    InputError
        A layer is invalid (file, rows and problems named).
    ScenarioError
        Bad minutes or k, both or neither of k and cover_all, k above the number of sites.
    InfeasibleError
        Set covering when some village has no site within t: each such t and village, with its
        nearest site and minutes.
    NoSolutionError
        The solver found no choice of posts within the time limit.
    """
    say = progress or (lambda message: None)
    ts = _minutes(minutes)
    weight_spec = scenario.weight if weight is None else weight
    villages = read_villages(villages)
    road_lines = None if isinstance(roads, nx.Graph) else read_roads(roads)
    say("building the road graph")
    graph = road_graph(roads if road_lines is None else road_lines, speeds=scenario.speeds or None)
    road_lines = graph_lines(graph) if road_lines is None else road_lines
    arrays = graph_arrays(graph)
    say("choosing candidate sites")
    candidates = road_sites(arrays, site_spacing_m=site_spacing_m) if str(sites) == "nodes" else read_sites(sites)
    if cover_all and k is not None:
        raise ScenarioError("k, cover_all: give a number of posts k or cover_all, not both")
    if not cover_all:
        _counts(k, len(candidates))
    weights = village_weights(villages, weight_spec)
    say(f"travel times from {len(candidates)} sites to {len(villages)} villages")
    times = travel_time_matrix(arrays, villages, candidates.rename(columns={"site_id": "station_id"}),
                               access_speed_kph=scenario.access_speed, max_snap_m=scenario.max_snap_m)
    times = times.reindex(index=villages["village_id"].astype(str), columns=candidates["site_id"].astype(str))
    times.columns.name = "site_id"
    matrix = times.to_numpy(dtype=float)
    village_labels = [f"{name} ({vid})" for name, vid in zip(villages["name"], villages["village_id"], strict=True)]
    site_ids = candidates["site_id"].astype(str).tolist()
    settings = Options(solver=scenario.solver, time_limit=scenario.time_limit, threads=scenario.threads,
                       gap=scenario.gap if scenario.gap > 0 else 1e-6, log=scenario.log)
    runs = choose_posts(matrix, weights, ts, k=None if cover_all else k, village_labels=village_labels,
                        site_ids=site_ids, settings=settings, progress=say)
    say("writing up the coverage")
    sites = candidates.to_crs(WGS84)[["site_id", "name", "geometry"]]
    label = _weight_label(weight_spec)
    coverage, posts, demand = _tables(runs, villages, sites, matrix, weights, label)
    if catchments:
        say("catchments of the posts")
    return PostPlacement(
        coverage=coverage, posts=posts, demand=demand,
        catchments=_catchments(graph, posts, scenario) if catchments else None,
        sites=sites, times=times, roads=road_lines.to_crs(WGS84), weight=label, attribution=attribution,
    )


def _tables(runs: list[Run], villages: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, matrix: np.ndarray,
            weights: np.ndarray, weight: str) -> tuple[pd.DataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The coverage, posts and demand tables of the runs, every number recomputed from ``matrix`` (minutes)."""
    points = _demand_points(villages)
    village_ids = villages["village_id"].astype(str).to_numpy()
    total = float(weights.sum())
    coverage, posts, demand = [], [], []
    for run in runs:
        name, t, chosen = run.name, run.minutes, run.posts
        nearest, best, covered = covered_by(matrix, chosen, t)
        if run.model == "set-covering" and not covered.all():
            raise AssertionError(f"internal error: the set covering of {name} leaves villages beyond {t:g} min")
        covered_weight = float(weights[covered].sum())
        coverage.append({
            "run": name, "minutes": t, "model": run.model, "k": run.k, "posts": int(chosen.size), "weight": weight,
            "weight_covered": covered_weight, "weight_total": total,
            "share": covered_weight / total if total > 0 else float(covered.all()),
            "villages": len(village_ids), "villages_covered": int(covered.sum()),
            "villages_uncovered": int((~covered).sum()), "uncovered": "; ".join(village_ids[~covered]),
            "status": run.solution.status, "gap": float(run.solution.gap), "seconds": run.seconds,
        })
        for s in chosen.tolist():
            mine = covered & (nearest == s)
            posts.append({"run": name, "minutes": t, "site_id": sites["site_id"].iat[s], "name": sites["name"].iat[s],
                          "villages_covered": int(mine.sum()), "weight_covered": float(weights[mine].sum()),
                          "geometry": sites.geometry.iat[s]})
        demand.append(gpd.GeoDataFrame({
            "run": name, "minutes": t, "village_id": village_ids, "name": villages["name"].astype(str).to_numpy(),
            "weight": weights, "covered": covered, "post": sites["site_id"].to_numpy()[nearest],
            "minutes_to_post": best}, geometry=points.to_numpy(), crs=WGS84))
    return (pd.DataFrame(coverage).astype({"k": "Int64"}), gpd.GeoDataFrame(posts, geometry="geometry", crs=WGS84),
            pd.concat(demand, ignore_index=True))


def _catchments(graph: nx.MultiDiGraph, posts: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """Each post's t-minute road isochrone, one row per run and post (each site's band at t computed once).

    Bands are simplified by :data:`CATCHMENT_SIMPLIFY_M` (they are roads buffered by 100 m).
    """
    bands = []
    for t, at_t in posts.groupby("minutes"):
        chosen = at_t.drop_duplicates("site_id")[["site_id", "geometry"]].rename(columns={"site_id": "station_id"})
        band = isochrones(graph, chosen, minutes=[t], access_speed_kph=scenario.access_speed,
                          max_snap_m=scenario.max_snap_m)
        bands.append(band.set_geometry(band.simplify(CATCHMENT_SIMPLIFY_M)).to_crs(WGS84))
    bands = pd.concat(bands, ignore_index=True).rename(columns={"station_id": "site_id"})
    rows = posts[["run", "minutes", "site_id"]].merge(bands, on=["site_id", "minutes"], how="left")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
