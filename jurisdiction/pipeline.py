"""The main job: inputs -> network -> diagnosis -> optimisation -> a Plan.

:func:`survey` is the front half, shared with ``jurisdiction diagnose``: the layers checked, the
road graph, the travel times and the diagnosis of the current map. :func:`plan` goes on from
there: the arrays for the optimiser (:mod:`jurisdiction.translation`), the solve, and the
:class:`~jurisdiction.outputs.proposal.Plan` (centres, bundles of stations that become police
posts 警务室, village -> centre, districts, before/after metrics, the solver's account);
:func:`plan_from_survey` is that back half alone, for many scenarios on one survey (a sweep).
:func:`compare` sets plans side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import geopandas as gpd
import networkx as nx
import pandas as pd

from jurisdiction.diagnosis.findings import Diagnosis, diagnose
from jurisdiction.inputs.crs import utm_crs
from jurisdiction.inputs.pins import Pins, check_pins, read_pins, role_settings
from jurisdiction.inputs.plausibility import check_layers_together
from jurisdiction.inputs.readers import read_jurisdictions, read_roads, read_stations, read_villages
from jurisdiction.network.graph import graph_lines, road_graph
from jurisdiction.network.travel import travel_time_matrix
from jurisdiction.optimise import solve
from jurisdiction.optimise.pins import cut_off
from jurisdiction.optimise.progress import SearchState
from jurisdiction.outputs.pin_marks import mark_pins
from jurisdiction.outputs.proposal import Plan, assemble
from jurisdiction.scenario.settings import Scenario
from jurisdiction.translation import build_instance, options_for, pinned_villages

__all__ = ["Plan", "Survey", "compare", "plan", "plan_from_survey", "survey"]

#: Minutes: the reach limit of the diagnosis when the scenario sets no travel-time limit.
DIAGNOSIS_LIMIT = 30.0


@dataclass(frozen=True)
class Survey:
    """What :func:`plan` builds before it optimises, and all that ``jurisdiction diagnose`` needs.

    Attributes
    ----------
    villages, stations : GeoDataFrame
        The checked layers (input CRS).
    jurisdictions : GeoDataFrame or None
        The checked current districts.
    road_lines : GeoDataFrame
        The road lines (those of the graph when an osmnx graph was given).
    graph : networkx.MultiDiGraph
        The road graph, ``travel_time`` in minutes on every edge.
    times : DataFrame
        village_id x station_id travel minutes, in the layers' row orders.
    diagnosis : Diagnosis
        The diagnosis of the current map.
    """

    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    jurisdictions: gpd.GeoDataFrame | None
    road_lines: gpd.GeoDataFrame
    graph: nx.MultiDiGraph
    times: pd.DataFrame
    diagnosis: Diagnosis


def survey(
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | nx.MultiDiGraph,
    scenario: Scenario,
    jurisdictions: gpd.GeoDataFrame | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    max_snap_m: float | None = None,
) -> Survey:
    """Check the layers, build the road graph and the travel times, and diagnose the current map.

    Parameters are those of :func:`plan`; the diagnosis's reach limit is the scenario's
    ``limit`` in minutes (:data:`DIAGNOSIS_LIMIT` when it sets none).

    Returns
    -------
    Survey
    """
    say = progress or (lambda message: None)
    stations = read_stations(stations)
    villages = read_villages(villages, stations=stations)
    if jurisdictions is not None:
        jurisdictions = read_jurisdictions(jurisdictions, stations=stations)
    road_lines = None if isinstance(roads, nx.Graph) else read_roads(roads)
    check_layers_together(villages, stations, roads if road_lines is None else road_lines, jurisdictions)

    say("building the road graph")
    graph = road_graph(roads if road_lines is None else road_lines, speeds=scenario.speeds or None)
    if road_lines is None:  # an osmnx graph: its edges are the road lines of the district table
        road_lines = graph_lines(graph)
    say("computing travel times")
    snap_m = scenario.max_snap_m if max_snap_m is None else max_snap_m
    times = travel_time_matrix(graph, villages, stations, access_speed_kph=scenario.access_speed, max_snap_m=snap_m)
    times = times.reindex(index=villages["village_id"], columns=stations["station_id"])
    say("diagnosing the current map")
    diagnosis = diagnose(
        villages,
        stations,
        jurisdictions,
        times,
        roads=road_lines,
        limit=scenario.limit if scenario.limit is not None else DIAGNOSIS_LIMIT,
    )
    return Survey(villages, stations, jurisdictions, road_lines, graph, times, diagnosis)


def plan(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | nx.MultiDiGraph,
    scenario: Scenario,
    jurisdictions: gpd.GeoDataFrame | None = None,
    *,
    attribution: str = "",
    progress: Callable[[str], None] | None = None,
    search_progress: Callable[[SearchState], None] | None = None,
    max_snap_m: float | None = None,
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
    search_progress : callable, optional
        Called every 2 s while the optimiser runs, with its stage, best objective, bound and gap
        (:class:`~jurisdiction.optimise.progress.SearchState`), from a timer thread.
    max_snap_m : float, optional
        Metres: villages and stations farther than this from the main road network are an
        :class:`~jurisdiction.errors.InputError` naming them; default the scenario's
        ``[network] max_snap_m`` (2000 m).

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
    if max_snap_m is not None:  # carried by the plan's scenario, so its files say what was used
        scenario = scenario.with_(max_snap_m=max_snap_m)
    found = survey(villages, stations, roads, scenario, jurisdictions, progress=progress)
    return plan_from_survey(found, scenario, attribution=attribution, progress=progress,
                            search_progress=search_progress)


def plan_from_survey(
    found: Survey,
    scenario: Scenario,
    *,
    attribution: str = "",
    progress: Callable[[str], None] | None = None,
    search_progress: Callable[[SearchState], None] | None = None,
) -> Plan:
    """The back half of :func:`plan`: optimise on a survey's travel times and write up the plan.

    Many scenarios of one county share one :func:`survey` this way (``jurisdiction sweep``):
    its road graph and travel times are used as they are, so the scenarios should agree with
    the survey's on ``speeds``, ``access_speed`` and ``max_snap_m``. When the scenario's travel-time
    limit differs from the one the survey diagnosed with, the current map is diagnosed again
    with it (no travel times are recomputed).

    Parameters
    ----------
    found : Survey
        The county's survey.
    scenario : Scenario
        Model, limits (minutes), bundling, solver settings.
    attribution : str
        Data attribution carried to maps and reports.
    progress, search_progress : callable, optional
        As :func:`plan`.

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        A pins file names unknown villages or stations, or has bad rows.
    InfeasibleError, NoSolutionError
        As :func:`plan`.
    """
    say = progress or (lambda message: None)
    diagnosis = found.diagnosis
    limit = scenario.limit if scenario.limit is not None else DIAGNOSIS_LIMIT
    if limit != diagnosis.limit:
        diagnosis = diagnose(found.villages, found.stations, found.jurisdictions, found.times,
                             roads=found.road_lines, limit=limit)
    pins = read_pins(scenario.pins, scenario.pinned_stations) if scenario.pins or scenario.pinned_stations else Pins()
    village_ids, station_ids = found.villages["village_id"].tolist(), found.stations["station_id"].tolist()
    if pins:
        check_pins(pins, village_ids, station_ids)
        scenario = scenario.with_(**role_settings(
            pins.stations, fixed=scenario.fixed, excluded=scenario.excluded, bundle_stations=scenario.bundle_stations,
            bundling=scenario.bundle_sizes is not None, station_ids=station_ids,
            village_stations=pins.villages["station_id"]))
    say("building and solving the model")
    metric = utm_crs(found.villages)
    villages_m = found.villages.to_crs(metric)
    stations_m = found.stations.to_crs(metric)
    instance = build_instance(villages_m, stations_m, found.times, diagnosis.current, scenario)
    options = options_for(scenario, station_ids, workload=diagnosis.workload,
                          station_adjacency=instance.station_adjacency)
    if len(pins.villages):
        options = replace(options, pinned=pinned_villages(pins.villages, village_ids, station_ids),
                          pins_over_limit=scenario.allow_over_limit, pins_disconnected=scenario.allow_disconnected)
    solution = solve(instance, replace(options, progress=search_progress))
    say("writing up the plan")
    result = assemble(
        scenario,
        villages_m,
        stations_m,
        found.road_lines,
        found.jurisdictions,
        found.times,
        diagnosis,
        solution,
        graph=found.graph,
        attribution=attribution,
    )
    if not len(pins.villages):
        return result
    apart = cut_off(instance.adjacency, solution.assignment, options.pinned, instance.station_village)
    marked = mark_pins(result.villages, pins.villages, limit_minutes=scenario.limit, cut_off=apart,
                       covering=scenario.objective == "max-covering", language=scenario.language)
    return replace(result, villages=marked)


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
