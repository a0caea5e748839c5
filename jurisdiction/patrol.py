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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from jurisdiction.errors import ScenarioError
from jurisdiction.inputs.readers import read_roads, read_villages
from jurisdiction.inputs.site_layer import read_sites
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.bands import isochrones
from jurisdiction.network.graph import graph_lines, road_graph
from jurisdiction.network.sites import road_sites
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.optimise.covering import Run, choose_posts, covered_by, post_counts, response_minutes
from jurisdiction.optimise.instance import Options
from jurisdiction.scenario.settings import Scenario
from jurisdiction.translation import village_weights

__all__ = ["PostPlacement", "place_posts"]

#: Drawing and file CRS of every layer of a :class:`PostPlacement`.
WGS84 = "EPSG:4326"
#: Metres: the simplification of catchment outlines (roads buffered by 100 m; 5 m does not show).
CATCHMENT_SIMPLIFY_M = 5.0


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
        One row per run and post: ``run``, ``minutes``, ``site_id``, ``name``, ``lon`` and
        ``lat`` (degrees, WGS84), ``villages_covered`` and ``weight_covered`` (the villages for which it is the nearest
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
    ts = response_minutes(minutes)
    if cover_all and k is not None:
        raise ScenarioError("k, cover_all: give a number of posts k or cover_all, not both")
    weight_spec = scenario.weight if weight is None else weight
    villages = read_villages(villages)
    road_lines = None if isinstance(roads, nx.Graph) else read_roads(roads)
    say("building the road graph")
    graph = road_graph(roads if road_lines is None else road_lines, speeds=scenario.speeds or None)
    road_lines = graph_lines(graph) if road_lines is None else road_lines
    arrays = graph_arrays(graph)
    say("choosing candidate sites")
    candidates = (road_sites(arrays, site_spacing_m=site_spacing_m) if isinstance(sites, str) and sites == "nodes"
                  else read_sites(sites))
    if not cover_all:
        post_counts(k, len(candidates), len(villages))
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
    site_layer = candidates.to_crs(WGS84)[["site_id", "name", "geometry"]]
    label = _weight_label(weight_spec)
    coverage, posts, demand = _tables(runs, villages, site_layer, matrix, weights, label)
    bands = None
    if catchments:
        say("catchments of the posts")
        bands = _catchments(graph, posts, scenario)
    return PostPlacement(coverage=coverage, posts=posts, demand=demand, catchments=bands, sites=site_layer,
                         times=times, roads=road_lines.to_crs(WGS84), weight=label, attribution=attribution)


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
            point = sites.geometry.iat[s]
            posts.append({"run": name, "minutes": t, "site_id": sites["site_id"].iat[s], "name": sites["name"].iat[s],
                          "lon": point.x, "lat": point.y, "villages_covered": int(mine.sum()),
                          "weight_covered": float(weights[mine].sum()), "geometry": point})
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
