"""Workload per station under the current map: villages, people, incidents, area, road km.

Used by :func:`jurisdiction.diagnosis.findings.diagnose`. Every function here takes layers already
projected to one metric CRS (metres); areas are reported in km², road lengths in km.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jurisdiction.network.speeds import road_class_of
from jurisdiction.road_classes import ROAD_CLASSES

#: Road classes of the data model, fastest first.


@dataclass(frozen=True)
class SmallStationRule:
    """When a station counts as small and weak (小散弱); a station is flagged when any set rule holds.

    Attributes
    ----------
    population_quantile : float or None
        Flag stations whose population is below this quantile (0..1) of all stations'
        populations. Default 0.25 (the bottom quarter).
    max_officers : float or None
        Flag stations with fewer officers than this (needs an ``officers`` column).
    max_incidents : float or None
        Flag stations with fewer incidents per year than this (needs ``incidents`` on villages).
    """

    population_quantile: float | None = 0.25
    max_officers: float | None = None
    max_incidents: float | None = None


def road_classes(roads: gpd.GeoDataFrame) -> pd.Series:
    """The data-model road class of each road.

    Parameters
    ----------
    roads : GeoDataFrame
        Roads with ``road_class`` or OSM ``highway`` (mapped with
        :func:`jurisdiction.network.speeds.road_class_of`; ``*_link`` follow their road).

    Returns
    -------
    Series
        Road class per row, ``"other"`` where the value is missing or not a road class.
    """
    column = "road_class" if "road_class" in roads.columns else "highway" if "highway" in roads.columns else None
    if column is None:
        return pd.Series("other", index=roads.index, dtype=object)
    return roads[column].map(lambda h: road_class_of(h) or "other").astype(object)


def road_km_by_district(roads: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Road length inside each district, by road class.

    Parameters
    ----------
    roads : GeoDataFrame
        LineStrings in a metric CRS (metres), with ``road_class`` or ``highway``.
    districts : GeoDataFrame
        Polygons with ``station_id`` in the same CRS; several rows may share a station.

    Returns
    -------
    DataFrame
        Index ``station_id``; columns ``road_km_<class>`` for each of :data:`ROAD_CLASSES`
        and ``road_km`` (all roads, including unclassified ones), in km.
    """
    columns = [f"road_km_{c}" for c in ROAD_CLASSES] + ["road_km"]
    stations = pd.Index(districts["station_id"].unique(), name="station_id")
    if roads is None or len(roads) == 0 or len(districts) == 0:
        return pd.DataFrame(0.0, index=stations, columns=columns)
    lines = np.asarray(roads.geometry.array)
    polys = np.asarray(districts.geometry.array)
    tree = shapely.STRtree(lines)
    di, ri = tree.query(polys, predicate="intersects")
    shapely.prepare(polys)
    inside = shapely.covers(polys[di], lines[ri])
    length = shapely.length(lines[ri])
    cut = ~inside
    length[cut] = shapely.length(shapely.intersection(lines[ri[cut]], polys[di[cut]]))
    # a road along a shared border lies in both districts: share it, so no km counts twice
    total = np.bincount(ri, weights=length, minlength=len(lines))
    full = shapely.length(lines)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total > full * (1 + 1e-9), full / total, 1.0)
    length = length * scale[ri]
    cls = road_classes(roads).to_numpy()[ri]
    pieces = pd.DataFrame(
        {"station_id": districts["station_id"].to_numpy()[di], "cls": cls, "km": length / 1000.0}
    )
    table = pieces.pivot_table(index="station_id", columns="cls", values="km", aggfunc="sum")
    out = pd.DataFrame(0.0, index=stations, columns=columns)
    for c in ROAD_CLASSES:
        if c in table.columns:
            out[f"road_km_{c}"] = table[c].reindex(stations).fillna(0.0)
    out["road_km"] = table.sum(axis=1).reindex(stations).fillna(0.0)
    return out


def station_workload(
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    current: pd.Series,
    districts: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    rule: SmallStationRule | None,
) -> pd.DataFrame:
    """Workload of each station under the current assignment.

    Parameters
    ----------
    villages : GeoDataFrame
        Villages (metric CRS) with ``village_id``, ``population``, optional ``incidents``.
    stations : GeoDataFrame
        Stations with ``station_id``, optional ``officers``, ``auxiliaries``.
    current : Series
        ``village_id`` -> current ``station_id`` (missing where unknown).
    districts : GeoDataFrame or None
        Current district polygons with ``station_id`` (metric CRS); ``None`` when unknown, in
        which case area and road km are NaN.
    roads : GeoDataFrame or None
        Roads in the same metric CRS; ``None`` gives NaN road km.
    rule : SmallStationRule or None
        How to flag small stations; ``None`` flags none.

    Returns
    -------
    DataFrame
        Index ``station_id`` (every station); columns ``name, villages, population,
        incidents, area_km2, road_km_<class>..., road_km, officers, auxiliaries,
        officers_per_10k, incidents_per_officer, road_km_per_officer, small, small_reason``.
    """
    ids = pd.Index(stations["station_id"], name="station_id")
    frame = pd.DataFrame(
        {
            "station_id": current.reindex(villages["village_id"]).to_numpy(),
            "population": villages["population"].to_numpy(dtype=float),
            "incidents": (
                villages["incidents"].to_numpy(dtype=float)
                if "incidents" in villages.columns
                else np.full(len(villages), np.nan)
            ),
        }
    )
    grouped = frame.groupby("station_id")
    out = pd.DataFrame(index=ids)
    out["name"] = stations["name"].to_numpy()
    out["villages"] = grouped.size().reindex(ids).fillna(0).astype(int)
    out["population"] = grouped["population"].sum().reindex(ids).fillna(0.0).astype(int)
    if "incidents" in villages.columns:
        out["incidents"] = grouped["incidents"].sum().reindex(ids).fillna(0.0)
    else:
        out["incidents"] = np.nan
    road_columns = [f"road_km_{c}" for c in ROAD_CLASSES] + ["road_km"]
    if districts is not None and len(districts):
        area = pd.Series(shapely.area(np.asarray(districts.geometry.array)) / 1e6)
        out["area_km2"] = area.groupby(districts["station_id"].to_numpy()).sum().reindex(ids).fillna(0.0)
    else:
        out["area_km2"] = np.nan
    if districts is not None and roads is not None:
        out[road_columns] = road_km_by_district(roads, districts).reindex(ids).fillna(0.0)
    else:
        out[road_columns] = np.nan
    for col in ("officers", "auxiliaries"):
        out[col] = stations[col].to_numpy(dtype=float) if col in stations.columns else np.nan
    officers = out["officers"].where(out["officers"] > 0)
    population = out["population"].where(out["population"] > 0)
    out["officers_per_10k"] = out["officers"] / population * 10_000
    out["incidents_per_officer"] = out["incidents"] / officers
    out["road_km_per_officer"] = out["road_km"] / officers
    out["small"], out["small_reason"] = small_stations(out, rule)
    return out


def small_stations(workload: pd.DataFrame, rule: SmallStationRule | None) -> tuple[pd.Series, pd.Series]:
    """Flag small, weak stations (小散弱).

    Parameters
    ----------
    workload : DataFrame
        Per-station ``population``, ``officers`` and ``incidents`` (NaN where unknown).
    rule : SmallStationRule or None
        The thresholds; a rule whose column is all NaN flags nothing.

    Returns
    -------
    (Series of bool, Series of str)
        Whether each station is small and why (e.g. ``"population 8,000 < q25 12,500"``),
        ``""`` for stations not flagged.
    """
    reasons = pd.Series([[] for _ in range(len(workload))], index=workload.index, dtype=object)
    if rule is not None:
        tests = []
        if rule.population_quantile is not None and len(workload):
            cut = float(np.quantile(workload["population"].to_numpy(dtype=float), rule.population_quantile))
            tests.append(("population", cut, f"q{rule.population_quantile * 100:g}"))
        if rule.max_officers is not None:
            tests.append(("officers", float(rule.max_officers), "max"))
        if rule.max_incidents is not None:
            tests.append(("incidents", float(rule.max_incidents), "max"))
        for col, cut, label in tests:
            values = workload[col].to_numpy(dtype=float)
            hit = values < cut  # NaN compares False: unknown values flag nothing
            for key, value in zip(workload.index[hit], values[hit], strict=True):
                reasons[key].append(f"{col} {value:,.0f} < {label} {cut:,.0f}")
    small = reasons.map(bool).astype(bool)
    return small, reasons.map("; ".join)
