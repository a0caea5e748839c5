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
from jurisdiction.scenario.values import AUTO

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
    bundling_rule : str or None
        The bundling rule that decided the plan, in the scenario's language (None without bundling).
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
    bundling_rule: str | None = None

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
        from jurisdiction.outputs.numbers import gap_text

        roles = self.stations["role"].value_counts()
        kept = f", {int(roles.get('station', 0))} kept" if roles.get("station", 0) else ""
        return (
            f"Plan({self.scenario.name!r}: {len(self.districts)} districts ({int(roles.get('centre', 0))} centres"
            f"{kept}), {int(roles.get('post', 0))} posts, {len(self.villages)} villages, "
            f"solver {self.solver.get('status')} gap {gap_text(self.solver.get('gap'))})"
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
        if scenario.bundle_sizes is not None and scenario.bundle_stations and scenario.bundle_stations != AUTO
        else np.ones(len(stations), dtype=bool)
    )
    is_centre = stations["centre"].to_numpy() == station_ids
    if scenario.bundle_sizes is not None and (scenario.min_officers or scenario.min_population):
        in_scope &= np.isin(station_ids, stations["centre"][~is_centre])  # alone under the rule: untouched
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
        bundling_rule=bundling_rule(scenario),
    )


#: The words of :func:`bundling_rule`, by language.
RULE_WORDS = {
    "zh": {"officers": "民警不少于 {n:,.0f} 人", "residents": "人口不少于 {n:,.0f} 人", "pooled": "每个中心所合并后",
           "and": "，且", "size": "{k}合1", "bundles": "{sizes}，警务室与中心所辖区相邻", "limit": "{t:g} 分钟内到达",
           "auto": "候选：小散弱派出所及其相邻派出所", "listed": "候选：指定的 {k} 个派出所",
           "all": "候选：全部派出所", "fewest": "目标：中心所（辖区）最少", "sep": "；", "alone": "单独达标的所可保留"},
    "en": {"officers": "at least {n:,.0f} officers", "residents": "at least {n:,.0f} residents",
           "pooled": "each centre pools ", "and": " and ", "size": "{k}-in-1",
           "bundles": "{sizes} bundles, each post bordering its centre",
           "limit": "every village within {t:g} min",
           "auto": "candidates: small stations (小散弱) and their neighbours",
           "listed": "candidates: the {k} stations listed", "all": "candidates: every station",
           "fewest": "objective: fewest centres (districts)", "sep": "; ",
           "alone": "a station meeting the rule alone may stay"},
}


def bundling_rule(scenario: Scenario) -> str | None:
    """The scenario's bundling rule as one line in its language (``每个中心所合并后民警不少于 16 人；...``)."""
    if scenario.bundle_sizes is None:
        return None
    words = RULE_WORDS[scenario.language]
    parts = []
    needs = [words[key].format(n=need) for key, need in (("officers", scenario.min_officers),
                                                          ("residents", scenario.min_population)) if need is not None]
    if needs:
        parts += [words["pooled"] + words["and"].join(needs), words["alone"]]
    low, high = scenario.bundle_sizes
    sizes = " / ".join(words["size"].format(k=k) for k in range(max(low, 2), high + 1))
    parts.append(words["bundles"].format(sizes=sizes))
    if scenario.limit is not None:
        parts.append(words["limit"].format(t=scenario.limit))
    stations = scenario.bundle_stations
    parts.append(words["auto"] if stations == AUTO else words["listed"].format(k=len(stations)) if stations
                 else words["all"])
    if scenario.objective == "set-covering":
        parts.append(words["fewest"])
    return words["sep"].join(parts)


def solver_stats(solution: Solution) -> dict[str, Any]:
    """The solver's statistics as a plain dict (for JSON and reports)."""
    keys = ("status", "objective", "bound", "gap", "seconds", "solver", "formulation", "n_variables", "n_constraints",
            "rounds")
    return {key: getattr(solution, key) for key in keys if hasattr(solution, key)}
