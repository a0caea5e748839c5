"""Districts of a plan: the per-district table and the before/after metrics.

Works on villages that already carry their ``current`` and new ``centre`` station and their
travel ``minutes``; everything here is bookkeeping in a metric CRS, no optimisation.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from jurisdiction.diagnosis.findings import Diagnosis
from jurisdiction.diagnosis.workload import road_km_by_district
from jurisdiction.road_classes import ROAD_CLASSES


def district_table(
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    *,
    officers_per_10k: float | None = None,
) -> gpd.GeoDataFrame:
    """One row per new district, with its dissolved polygon.

    Parameters
    ----------
    villages : GeoDataFrame
        Projected CRS; columns ``centre`` (station id), ``minutes``, ``population``, optional
        ``incidents``.
    stations : GeoDataFrame
        With ``station_id``, ``name``, ``centre`` (the centre each reports to), optional
        ``officers``.
    roads : GeoDataFrame or None
        For road km by class.
    officers_per_10k : float, optional
        Target ratio for ``officers_needed``; default the county's current ratio (total officers
        per 10,000 residents) when officers are known.

    Returns
    -------
    GeoDataFrame
        ``centre, name, villages, population, incidents, area_km2, road_km, road_km_<class>,
        max_minutes, mean_minutes`` (population-weighted), ``officers, officers_needed,
        posts`` (names joined by 、) and the district polygon; CRS of ``villages``.
    """
    frame = villages.assign(
        incidents=villages["incidents"] if "incidents" in villages.columns else 0,
        weighted=villages["minutes"] * villages["population"],
    )
    shapes = frame[["centre", "geometry"]].dissolve(by="centre")
    grouped = frame.groupby("centre")
    table = pd.DataFrame(
        {
            "villages": grouped.size(),
            "population": grouped["population"].sum(),
            "incidents": grouped["incidents"].sum(),
            "max_minutes": grouped["minutes"].max(),
            "weighted": grouped["weighted"].sum(),
            "mean_unweighted": grouped["minutes"].mean(),
        }
    )
    table["mean_minutes"] = np.where(
        table["population"] > 0,
        table["weighted"] / table["population"].where(table["population"] > 0, 1),
        table["mean_unweighted"],
    )
    table = table.drop(columns=["weighted", "mean_unweighted"])
    table.index.name = "centre"
    names = stations.set_index("station_id")["name"]
    table.insert(0, "name", names.reindex(table.index).to_numpy())

    district = gpd.GeoDataFrame(table.join(shapes), geometry="geometry", crs=villages.crs).reset_index()
    district["area_km2"] = district.geometry.area / 1e6
    areas = district[["centre", "geometry"]].rename(columns={"centre": "station_id"})
    lines = None if roads is None else roads.to_crs(villages.crs)
    roads_km = road_km_by_district(lines, areas)
    district = district.merge(roads_km, left_on="centre", right_index=True, how="left")

    members = stations.groupby("centre")
    if "officers" in stations.columns:
        district["officers"] = members["officers"].sum().reindex(district["centre"]).fillna(0).to_numpy()
    else:
        district["officers"] = np.nan
    officers_per_10k = officers_ratio(villages, stations, officers_per_10k=officers_per_10k)
    district["officers_needed"] = (
        np.ceil(district["population"] / 1e4 * officers_per_10k) if officers_per_10k else np.nan
    )
    posts = stations[stations["centre"] != stations["station_id"]]
    district["posts"] = posts.groupby("centre")["name"].agg("、".join).reindex(district["centre"]).fillna("").to_numpy()
    order = ["centre", "name", "villages", "population", "incidents", "area_km2", "road_km"]
    order += [f"road_km_{c}" for c in ROAD_CLASSES]
    order += ["max_minutes", "mean_minutes", "officers", "officers_needed", "posts", "geometry"]
    return district[order]


def officers_ratio(
    villages: pd.DataFrame, stations: pd.DataFrame, *, officers_per_10k: float | None = None
) -> float | None:
    """The ratio behind ``officers_needed``: officers per 10,000 residents.

    Parameters
    ----------
    villages : DataFrame
        With ``population``.
    stations : DataFrame
        Optional ``officers``.
    officers_per_10k : float, optional
        The scenario's target; when None, the county's current ratio (total officers per
        10,000 residents) if officers are known.

    Returns
    -------
    float or None
        Officers per 10,000 residents; None when neither is known. A district needs
        ``ceil(population / 1e4 * ratio)`` officers.
    """
    if officers_per_10k is None and "officers" in stations.columns:
        population = villages["population"].sum()
        return float(stations["officers"].sum() / population * 1e4) if population else None
    return officers_per_10k


def before_after(
    villages: pd.DataFrame,
    district: pd.DataFrame,
    diagnosis: Diagnosis,
    *,
    limit: float | None,
) -> pd.DataFrame:
    """Global metrics of the current map and of the plan, side by side.

    Parameters
    ----------
    villages : DataFrame
        With ``current``, ``centre``, ``minutes_before``, ``minutes``, ``population``.
    district : DataFrame
        The plan's district table.
    diagnosis : Diagnosis
        Diagnosis of the current map (split villages, current workload).
    limit : float or None
        Travel-time limit in minutes.

    Returns
    -------
    DataFrame
        Index: metric names; columns ``before`` and ``after``.
    """
    population = villages["population"].to_numpy(dtype=float)
    split_before = 0 if diagnosis.geometric_splits is None else diagnosis.geometric_splits["village_id"].nunique()
    # After a plan every village has exactly one centre for every service: count any village
    # that appears under two centres (none can, by construction; this checks it).
    split_after = int((villages.groupby("village_id")["centre"].nunique() > 1).sum())
    load_before = villages.groupby("current")["population"].sum()
    load_after = district["population"]
    rows = {
        "stations or centres": (villages["current"].nunique(), len(district)),
        "split villages": (split_before, split_after),
        "functional splits": (len(diagnosis.functional_splits), 0),
    }
    before = _reach(villages["minutes_before"].to_numpy(dtype=float), population, limit)
    after = _reach(villages["minutes"].to_numpy(dtype=float), population, limit)
    rows.update({key: (before[key], after[key]) for key in before})
    rows["workload spread (max/mean population)"] = (
        float(load_before.max() / load_before.mean()),
        float(load_after.max() / load_after.mean()),
    )
    rows["workload spread (min/mean population)"] = (
        float(load_before.min() / load_before.mean()),
        float(load_after.min() / load_after.mean()),
    )
    return pd.DataFrame.from_dict(rows, orient="index", columns=["before", "after"])


def _reach(minutes: np.ndarray, population: np.ndarray, limit: float | None) -> dict[str, float]:
    """Population-weighted mean, max, unreachable and beyond-limit counts of travel minutes."""
    finite = np.isfinite(minutes)
    weight = population[finite].sum()
    reach = {
        "population-weighted mean minutes": (
            float((minutes[finite] * population[finite]).sum() / weight) if weight else float("nan")
        ),
        "max minutes": float(minutes[finite].max()) if finite.any() else float("nan"),
        "unreachable villages": int((~finite).sum()),
    }
    if limit is not None:
        beyond = minutes > limit
        reach[f"villages beyond {limit:g} min"] = int(beyond.sum())
        reach[f"population beyond {limit:g} min"] = int(population[beyond].sum())
    return reach
