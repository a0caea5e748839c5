"""The :class:`Plan`: a solver's solution turned into tables, polygons and metrics (:func:`assemble`).

Maps, the report and the files are written from a Plan by :mod:`jurisdiction.outputs.maps`,
:mod:`jurisdiction.outputs.report` and :mod:`jurisdiction.outputs.files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from jurisdiction.diagnosis.findings import Diagnosis
from jurisdiction.network.bands import isochrones
from jurisdiction.optimise import Solution
from jurisdiction.outputs import districts
from jurisdiction.scenario.settings import Scenario

WGS84 = "EPSG:4326"


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

    @property
    def pins(self) -> pd.DataFrame | None:
        """The pinned villages, or None for a plan without pins (:mod:`jurisdiction.outputs.pin_marks`).

        Columns ``village_id``, ``name``, ``pinned`` (its station), ``centre``, ``minutes`` and
        ``pin_breaks`` (the hard rule a pin the user allowed breaks; "" for none).
        """
        if "pinned" not in self.villages.columns:
            return None
        pinned = self.villages[self.villages["pinned"].notna()]
        return pd.DataFrame(pinned[[c for c in ("village_id", "name", "pinned", "centre", "minutes", "pin_breaks")
                                    if c in pinned.columns]]).reset_index(drop=True)

    def __repr__(self) -> str:
        from jurisdiction.outputs.report import gap_text  # the report's map and chart imports, only when shown

        return (
            f"Plan({self.scenario.name!r}: {len(self.districts)} centres, "
            f"{int((self.stations['role'] == 'post').sum())} "
            f"posts, {len(self.villages)} villages, solver {self.solver.get('status')} "
            f"gap {gap_text(self.solver.get('gap'))})"
        )


def assemble(  # noqa: PLR0913
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
        else villages.dissolve(by="current", as_index=False)[["current", "geometry"]].rename(
            columns={"current": "station_id"}
        )
    )
    current = current.merge(stations[["station_id", "name"]], on="station_id", how="left")[
        ["station_id", "name", "geometry"]
    ]
    bands = None
    if graph is not None and scenario.isochrones:
        centres = stations[stations["role"] != "post"]
        bands = isochrones(graph, centres, minutes=scenario.isochrones, access_speed_kph=scenario.access_speed)
    splits = diagnosis.geometric_splits
    if splits is None:
        splits = gpd.GeoDataFrame(
            {"village_id": [], "name": [], "station_id": [], "share": []}, geometry=[], crs=villages.crs
        )
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
    keys = ("status", "objective", "bound", "gap", "seconds", "solver", "formulation", "n_variables", "n_constraints",
            "rounds")
    return {key: getattr(solution, key) for key in keys if hasattr(solution, key)}
