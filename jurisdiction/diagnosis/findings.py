"""Diagnose the current map: split villages, functional splits, reach, workload, coverage.

``diagnose(villages, stations, jurisdictions, travel_times)`` answers the questions a county
asks before a reform: which villages are cut between stations (西坦村), which have household
registration at one station and 110 dispatch at another (东庄村), which lie beyond the travel
time limit of their station, which stations are small and weak (小散弱), and how many people
live within 5/10/15/30 minutes of a station or post (一村一警).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jurisdiction.diagnosis.reach import check_travel_times, coverage_table, village_reach
from jurisdiction.diagnosis.summary import summary_text
from jurisdiction.diagnosis.workload import SmallStationRule, station_workload
from jurisdiction.errors import InputError, Problem
from jurisdiction.inputs.crs import utm_crs

__all__ = ["Diagnosis", "SmallStationRule", "diagnose"]


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with the current map.

    Attributes
    ----------
    current : Series
        ``village_id`` -> current ``station_id``: the jurisdiction holding the largest area share
        of the village (or containing the village point); else ``dispatch_station``; else
        ``registration_station``; missing when none is known.
    geometric_splits : GeoDataFrame or None
        Pieces of split villages (``village_id, name, station_id, share, area_m2, geometry``,
        villages' CRS); ``None`` when villages are points or no jurisdictions were given.
    functional_splits : DataFrame
        ``village_id, name, registration_station, dispatch_station, polygon_station, kind``;
        ``kind`` is ``"registration≠dispatch"``, or ``"recorded≠polygon"`` when the recorded
        station holds neither the village point nor any piece of its polygon above the split
        tolerances (so a split village is not reported twice).
    reach : DataFrame or None
        Per village (index ``village_id``): ``current_station, minutes_to_current,
        nearest_station, minutes_to_nearest, beyond_limit``; ``None`` without travel times.
    reach_summary : dict or None
        Population-weighted mean and plain max minutes to current and nearest station, villages
        and population beyond the limit, unreachable villages; ``None`` without travel times.
    workload : DataFrame
        Per station (index ``station_id``), see :func:`jurisdiction.diagnosis.workload.station_workload`.
    coverage : DataFrame or None
        Index ``minutes``; ``villages, villages_share, population, population_share`` within
        that many minutes of a station or post; ``None`` without travel times.
    limit : float
        Travel-time limit in minutes.
    point_villages : bool
        True when villages are points (geometric splits not applicable).
    names : Series or None
        ``village_id`` -> village name, for the summary.
    """

    current: pd.Series
    geometric_splits: gpd.GeoDataFrame | None
    functional_splits: pd.DataFrame
    reach: pd.DataFrame | None
    reach_summary: dict | None
    workload: pd.DataFrame
    coverage: pd.DataFrame | None
    limit: float
    point_villages: bool = False
    names: pd.Series | None = None

    @property
    def split_villages(self) -> list[str]:
        """Ids of geometrically split villages, sorted."""
        if self.geometric_splits is None:
            return []
        return sorted(self.geometric_splits["village_id"].unique())

    def summary(self, language: str = "en") -> str:
        """One screen of text: split villages, out-of-reach villages, small stations, numbers.

        Parameters
        ----------
        language : {"en", "zh"}
            Labels in English or Chinese.
        """
        return summary_text(self, language)


def diagnose(  # noqa: PLR0913
    villages: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    jurisdictions: gpd.GeoDataFrame | None = None,
    travel_times: pd.DataFrame | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    posts: gpd.GeoDataFrame | None = None,
    limit: float = 30.0,
    split_share: float = 0.05,
    split_area_m2: float = 1000.0,
    coverage_minutes: Sequence[float] = (5, 10, 15, 30),
    small_station: SmallStationRule | None = None,
) -> Diagnosis:
    """Diagnose the current jurisdiction map.

    Parameters
    ----------
    villages : GeoDataFrame
        Polygons or points with ``village_id``, ``name``, ``population``; optional
        ``incidents``, ``registration_station``, ``dispatch_station``. Any CRS with a definition.
    stations : GeoDataFrame
        ``station_id``, ``name``; optional ``officers``, ``auxiliaries``.
    jurisdictions : GeoDataFrame, optional
        Current district polygons with ``station_id`` (several rows per station allowed).
    travel_times : DataFrame, optional
        Minutes from station (columns, ``station_id``; post ids allowed when ``posts`` is given)
        to village (index, ``village_id``); NaN or inf means unreachable.
    roads : GeoDataFrame, optional
        Road lines with ``road_class`` or OSM ``highway``, for road km per district.
    posts : GeoDataFrame, optional
        Police posts (警务室) with ``post_id`` (or ``station_id``); their columns in
        ``travel_times`` count towards coverage, not reach.
    limit : float
        Travel-time limit in minutes; villages further from their current station are flagged.
    split_share : float
        A piece counts only if it holds at least this share (0..1) of its village's area.
    split_area_m2 : float
        ... and at least this many m²; both tolerances drop slivers from digitising.
    coverage_minutes : sequence of float
        Thresholds (minutes) for the coverage table.
    small_station : SmallStationRule or None
        Rule for flagging small stations (小散弱); ``None`` uses ``SmallStationRule()`` (bottom
        quarter by population); ``SmallStationRule(population_quantile=None)`` flags none.

    Returns
    -------
    Diagnosis

    Raises
    ------
    InputError
        Missing columns, duplicate ids, unknown station ids, a layer without CRS, travel-time
        columns that are neither stations nor posts, villages missing from the travel times.
    """
    _check_layers(villages, stations, jurisdictions, posts)
    if roads is not None and roads.crs is None:
        raise InputError("roads", [Problem(None, "layer has no CRS")])
    station_ids = set(stations["station_id"])
    metric = utm_crs(villages)
    v_m = villages.to_crs(metric)
    j_m = jurisdictions.to_crs(metric) if jurisdictions is not None else None
    r_m = roads.to_crs(metric) if roads is not None else None
    points = bool(len(v_m)) and bool(np.isin(shapely.get_type_id(np.asarray(v_m.geometry.array)), (0, 4)).all())
    vid = pd.Index(villages["village_id"], name="village_id")

    splits = None
    polygon_station = pd.Series(None, index=vid, dtype=object)
    holders = pd.MultiIndex.from_arrays([[], []])
    if j_m is not None and len(j_m):
        if points:
            polygon_station = _containing_station(v_m, j_m)
        else:
            pieces, pairs = _village_pieces(v_m, j_m)
            polygon_station = _largest_share(pieces, vid)
            splits = _split_pieces(pieces, pairs, villages, split_share, split_area_m2, v_m.crs)
            kept = pieces[(pieces["share"] >= split_share) & (pieces["area_m2"] >= split_area_m2)]
            holders = pd.MultiIndex.from_arrays([kept["village_id"], kept["station_id"]])
            splits = splits.to_crs(villages.crs)
    known = polygon_station.notna()
    holders = holders.append(pd.MultiIndex.from_arrays([vid[known], polygon_station[known].to_numpy()]))
    current = polygon_station.copy()
    for col in ("dispatch_station", "registration_station"):
        if col in villages.columns:
            recorded = pd.Series(villages[col].to_numpy(), index=vid)
            current = current.where(current.notna(), recorded)
    current = current.where(current.notna(), None).rename("station_id")

    districts = j_m if j_m is not None else _dissolve_districts(v_m, current, points)
    rule = small_station if small_station is not None else SmallStationRule()
    workload = station_workload(v_m, stations, current, districts, r_m, rule)
    reach = reach_summary = coverage = None
    if travel_times is not None:
        post_ids = _post_ids(posts)
        check_travel_times(travel_times, vid, current, station_ids, post_ids)
        reach, reach_summary = village_reach(travel_times, villages, current, station_ids, limit)
        coverage = coverage_table(travel_times, villages, coverage_minutes, station_ids | post_ids)
    return Diagnosis(
        current=current,
        geometric_splits=splits,
        functional_splits=_functional_splits(villages, polygon_station, holders),
        reach=reach,
        reach_summary=reach_summary,
        workload=workload,
        coverage=coverage,
        limit=float(limit),
        point_villages=points,
        names=pd.Series(villages["name"].to_numpy(), index=vid),
    )


def _check_layers(villages, stations, jurisdictions, posts) -> None:
    layers = [("villages", villages, "village_id", ("name", "population")),
              ("stations", stations, "station_id", ("name",))]
    for source, gdf, key, extra in layers:
        problems = [Problem(None, f"missing column {c!r}") for c in (key, *extra) if c not in gdf.columns]
        if gdf.crs is None:
            problems.append(Problem(None, "layer has no CRS"))
        if key in gdf.columns:
            dup = gdf[key][gdf[key].duplicated()]
            problems += [Problem(str(k), f"duplicate {key} {k!r}") for k in dup]
        if problems:
            raise InputError(source, problems)
    pop = pd.to_numeric(villages["population"], errors="coerce")
    bad = villages["village_id"][~(pop >= 0)]
    if len(bad):
        raise InputError("villages", [Problem(str(k), "population must be a number >= 0") for k in bad])
    known = set(stations["station_id"])
    for col in ("registration_station", "dispatch_station"):
        if col in villages.columns:
            v = villages[villages[col].notna() & ~villages[col].isin(known)]
            if len(v):
                raise InputError("villages", [Problem(str(r.village_id), f"{col} {getattr(r, col)!r} is not a station")
                                              for r in v.itertuples()])
    if jurisdictions is not None:
        if "station_id" not in jurisdictions.columns or jurisdictions.crs is None:
            raise InputError("jurisdictions", [Problem(None, "needs a 'station_id' column and a CRS")])
        bad = jurisdictions[~jurisdictions["station_id"].isin(known)]
        if len(bad):
            raise InputError("jurisdictions", [Problem(str(i), f"station_id {s!r} is not a station")
                                               for i, s in bad["station_id"].items()])
    if posts is not None and not ({"post_id", "station_id"} & set(posts.columns)):
        raise InputError("posts", [Problem(None, "needs a 'post_id' (or 'station_id') column")])


def _post_ids(posts) -> set:
    if posts is None:
        return set()
    return set(posts["post_id" if "post_id" in posts.columns else "station_id"])


def _valid(geoms: np.ndarray) -> np.ndarray:
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms


def _village_pieces(v_m: gpd.GeoDataFrame, j_m: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intersections of villages with jurisdictions (metric CRS).

    Returns the pieces summed per (village row, station) with ``area_m2`` and ``share``, and
    the per-(village, jurisdiction row) intersections with their geometry.
    """
    vg = _valid(np.asarray(v_m.geometry.array))
    jg = _valid(np.asarray(j_m.geometry.array))
    vi, ji = shapely.STRtree(jg).query(vg, predicate="intersects")
    shapely.prepare(jg)
    inside = shapely.covers(jg[ji], vg[vi])
    geom = vg[vi].copy()
    cut = ~inside
    geom[cut] = shapely.intersection(vg[vi[cut]], jg[ji[cut]])
    area = shapely.area(geom)
    village_area = shapely.area(vg)
    frame = pd.DataFrame({"row": vi, "station_id": j_m["station_id"].to_numpy()[ji], "area_m2": area,
                          "geometry": geom})
    frame = frame[frame["area_m2"] > 0]
    pieces = frame.groupby(["row", "station_id"], sort=True).agg(
        area_m2=("area_m2", "sum"), n=("area_m2", "size")).reset_index()
    pieces["village_id"] = v_m["village_id"].to_numpy()[pieces["row"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        pieces["share"] = pieces["area_m2"].to_numpy() / village_area[pieces["row"]]
    return pieces, frame


def _largest_share(pieces: pd.DataFrame, vid: pd.Index) -> pd.Series:
    best = pieces.sort_values(["row", "area_m2", "station_id"], ascending=[True, False, True])
    best = best.drop_duplicates("row")
    return pd.Series(best["station_id"].to_numpy(), index=best["village_id"].to_numpy(),
                     dtype=object).reindex(vid)


def _split_pieces(pieces, pairs, villages, split_share, split_area_m2, crs) -> gpd.GeoDataFrame:
    """Pieces kept by both tolerances, of villages where >= 2 stations keep a piece (metric CRS)."""
    kept = pieces[(pieces["share"] >= split_share) & (pieces["area_m2"] >= split_area_m2)]
    counts = kept.groupby("row")["station_id"].transform("size")
    kept = kept[counts >= 2]
    wanted = pairs.merge(kept[["row", "station_id"]], on=["row", "station_id"])
    geoms = wanted.groupby(["row", "station_id"], sort=True)["geometry"].agg(
        lambda g: g.iloc[0] if len(g) == 1 else shapely.union_all(g.to_numpy()))
    kept = kept.set_index(["row", "station_id"]).sort_index()
    out = gpd.GeoDataFrame(
        {
            "village_id": kept["village_id"].to_numpy(),
            "name": villages["name"].to_numpy()[kept.index.get_level_values("row")],
            "station_id": kept.index.get_level_values("station_id").to_numpy(),
            "share": kept["share"].to_numpy(),
            "area_m2": kept["area_m2"].to_numpy(),
        },
        geometry=geoms.reindex(kept.index).to_numpy() if len(kept) else [],
        crs=crs,
    )
    return out


def _containing_station(v_m: gpd.GeoDataFrame, j_m: gpd.GeoDataFrame) -> pd.Series:
    """Station whose jurisdiction contains each village point (first by station id on borders)."""
    jg = np.asarray(j_m.geometry.array)
    vi, ji = shapely.STRtree(jg).query(np.asarray(v_m.geometry.array), predicate="intersects")
    hits = pd.DataFrame({"row": vi, "station_id": j_m["station_id"].to_numpy()[ji]})
    hits = hits.sort_values(["row", "station_id"]).drop_duplicates("row")
    out = pd.Series(None, index=pd.Index(v_m["village_id"], name="village_id"), dtype=object)
    out.iloc[hits["row"].to_numpy()] = hits["station_id"].to_numpy()
    return out


def _dissolve_districts(v_m, current, points) -> gpd.GeoDataFrame | None:
    """Districts as villages dissolved by current station (polygon villages only)."""
    if points or current.notna().sum() == 0:
        return None
    frame = gpd.GeoDataFrame({"station_id": current.to_numpy()}, geometry=v_m.geometry.to_numpy(), crs=v_m.crs)
    return frame[frame["station_id"].notna()].dissolve("station_id").reset_index()


def _functional_splits(villages: gpd.GeoDataFrame, polygon_station: pd.Series, holders: pd.MultiIndex) -> pd.DataFrame:
    """Villages whose recorded stations disagree with each other or with the map.

    ``holders`` lists (village_id, station_id) pairs where the station's jurisdiction holds the
    village point or a piece of its polygon above the split tolerances: a recorded station among
    them is the geometric split, reported there, not a second time here.
    """
    vid = pd.Index(villages["village_id"], name="village_id")
    frame = pd.DataFrame({"village_id": vid, "name": villages["name"].to_numpy()})
    for col in ("registration_station", "dispatch_station"):
        frame[col] = villages[col].to_numpy() if col in villages.columns else None
    frame["polygon_station"] = polygon_station.reindex(vid).to_numpy()
    reg, dis, poly = frame["registration_station"], frame["dispatch_station"], frame["polygon_station"]
    two = reg.notna() & dis.notna() & (reg != dis)
    off_map = pd.Series(False, index=frame.index)
    for recorded in (reg, dis):
        held = pd.MultiIndex.from_arrays([frame["village_id"], recorded]).isin(holders)
        off_map |= recorded.notna() & poly.notna() & ~held
    off_map &= ~two
    frame["kind"] = np.where(two, "registration≠dispatch", "recorded≠polygon")
    return frame[two | off_map].reset_index(drop=True)
