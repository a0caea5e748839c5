"""From layers and a scenario to the optimiser's arrays: :func:`build_instance` and :func:`options_for`.

The one place where geometry meets the optimisation core, which takes arrays only: village
adjacency from shared borders, each station's own village, travel minutes, weights, and the
scenario's settings as :class:`~jurisdiction.optimise.Options`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from jurisdiction.errors import ScenarioError
from jurisdiction.network import adjacency
from jurisdiction.optimise import Instance, Options
from jurisdiction.scenario.settings import Scenario
from jurisdiction.scenario.values import AUTO


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
    _check_roles(stations, scenario)
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


def _check_roles(stations: gpd.GeoDataFrame, scenario: Scenario) -> None:
    """ScenarioError when the scenario's ``fixed`` / ``excluded`` contradict the stations layer.

    A station the scenario fixes must be a candidate and not excluded in the layer; a station
    it excludes must not be fixed in the layer. Every contradiction is named at once.
    """
    layer = stations.set_index("station_id")
    clashes = []
    for sid in scenario.fixed:
        if sid in layer.index and not bool(layer.at[sid, "candidate"]):
            clashes.append(f"fixed: station {sid} has candidate = false in the stations layer")
        if sid in layer.index and bool(layer.at[sid, "excluded"]):
            clashes.append(f"fixed: station {sid} has excluded = true in the stations layer")
    for sid in scenario.excluded:
        if sid in layer.index and bool(layer.at[sid, "fixed"]):
            clashes.append(f"excluded: station {sid} has fixed = true in the stations layer")
    if clashes:
        raise ScenarioError("; ".join(clashes))


def _labels(layer: pd.DataFrame, key: str) -> list[str]:
    """``name (id)`` for each row: how villages and stations are named in explanations."""
    return [f"{name} ({ident})" for name, ident in zip(layer["name"], layer[key], strict=True)]


def options_for(scenario: Scenario, station_ids: list[str], *, workload: pd.DataFrame | None = None,
                station_adjacency: np.ndarray | None = None) -> Options:
    """Solver options for a scenario (the count of centres includes untouched stations).

    Parameters
    ----------
    scenario : Scenario
    station_ids : list of str
        Station ids in the order of the instance's columns.
    workload : DataFrame, optional
        The diagnosis's workload per station (index ``station_id``; ``officers``,
        ``population``, ``small``): needed by a bundling viability rule and by
        ``bundling.stations = "auto"``.
    station_adjacency : ndarray of bool, shape (n_stations, n_stations), optional
        The instance's station adjacency: needed by ``bundling.stations = "auto"``.
    """
    for key in ("fixed", "excluded"):
        unknown = sorted(set(getattr(scenario, key)) - set(station_ids))
        if unknown:
            raise ScenarioError(f"{key}: no station has the id(s) {unknown}")
    scope = None
    centres = scenario.centres
    viability = viability_options(scenario, station_ids, workload)
    if scenario.bundle_stations == AUTO:
        scope = auto_scope(scenario, viability, workload, station_adjacency)
    elif scenario.bundle_sizes is not None and scenario.bundle_stations:
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
        **viability,
        follow_station=scenario.follow_station,
        disruption=scenario.disruption,
        solver=scenario.solver,
        time_limit=scenario.time_limit,
        gap=scenario.gap if scenario.gap > 0 else 1e-6,
        threads=scenario.threads,
        log=scenario.log,
    )


def viability_options(scenario: Scenario, station_ids: list[str], workload: pd.DataFrame | None) -> dict:
    """The Options fields of the bundling viability rule: thresholds and per-station amounts (people).

    Officers come from the stations layer, residents from each station's current district (the
    diagnosis's workload). Every station without a number of officers is named at once.
    """
    rules = {"min_officers": "officers", "min_population": "population"}
    wanted = {key: column for key, column in rules.items() if getattr(scenario, key) is not None}
    if scenario.bundle_sizes is None or not wanted:
        return {}
    if workload is None:
        raise ScenarioError(f"bundling.{next(iter(wanted))}: needs the stations' workload (the diagnosis)")
    fields = {}
    for key, column in wanted.items():
        values = workload[column].reindex(station_ids).to_numpy(dtype=float)
        missing = [sid for sid, value in zip(station_ids, values, strict=True) if not np.isfinite(value)]
        if missing:
            raise ScenarioError(f"bundling.{key}: no {column} for station(s) {missing}")
        fields[key] = getattr(scenario, key)
        fields[f"station_{column}"] = values
    return fields


def auto_scope(scenario: Scenario, viability: dict, workload: pd.DataFrame | None,
               station_adjacency: np.ndarray | None) -> np.ndarray:
    """(n_stations,) bool: the stations that may be bundled under ``bundling.stations = "auto"``.

    The small stations (小散弱: flagged by the diagnosis's rule, or short of the scenario's
    viability rule on their own) and every station whose current district borders one of them.
    """
    if workload is None or station_adjacency is None or not viability:
        raise ScenarioError('bundling.stations = "auto": needs the diagnosis and the station adjacency')
    small = workload["small"].to_numpy(dtype=bool).copy()
    for column in ("officers", "population"):
        if f"min_{column}" in viability:
            small |= viability[f"station_{column}"] < viability[f"min_{column}"]
    return small | np.asarray(station_adjacency, dtype=bool)[small].any(axis=0)


def village_weights(villages: pd.DataFrame, weight: str | dict[str, float]) -> np.ndarray:
    """Per-village weight: one column, or a blend ``{column: factor}``."""
    blend = {weight: 1.0} if isinstance(weight, str) else weight
    total = np.zeros(len(villages))
    for column, factor in blend.items():
        if column not in villages.columns:
            raise ScenarioError(f"weight: the villages have no {column!r} column")
        total += factor * villages[column].fillna(0).to_numpy(dtype=float)
    return total


def pinned_villages(pins: pd.DataFrame, village_ids: list[str], station_ids: list[str]) -> np.ndarray:
    """``Options.pinned``: the station index each village is pinned to, -1 for a free village.

    Parameters
    ----------
    pins : DataFrame
        ``village_id``, ``station_id`` (checked against the layers: :func:`jurisdiction.inputs.pins.check_pins`).
    village_ids, station_ids : list of str
        The ids in the order of the instance's rows and columns.
    """
    station = {sid: j for j, sid in enumerate(station_ids)}
    pinned = dict(zip(pins["village_id"], pins["station_id"].map(station), strict=True))
    return np.array([pinned.get(v, -1) for v in village_ids], dtype=np.int64)
