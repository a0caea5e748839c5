"""Synthetic counties with known defects, for tests and benchmarks.

:func:`generate_county` tiles an outline with village polygons (Voronoi cells), grows current
station districts from station villages, builds a hierarchical road network and plants the
defects the toolkit must find: split villages (西坦村: one village cut along its road between
2 or 3 stations), functional splits (东庄村: registration held by one station, dispatch by
another) and small, weak stations (小散弱). The planted defects are returned in
:class:`Defects`, so tests can check the diagnosis against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import Polygon

from jurisdiction.errors import InputError, Problem
from jurisdiction.synthetic.roads import build_roads
from jurisdiction.synthetic.tiles import (
    grow_districts,
    irregular_outline,
    neighbour_lists,
    neighbour_pairs,
    plant_splits,
    polygonal,
    seed_points,
    spread_seeds,
    voronoi_cells,
)

#: Default area per village, square metres (about 5 km²).
AREA_PER_VILLAGE_M2 = 5.0e6

_FIRST = "东西南北石柳河新高王李张黄白龙凤马杨桥塘松竹花金银青红双三五大小上下长安永太平"
_SECOND = "家山岭坪湾沟坝园林桥庙堰口岩垭台田庄场寺湖冲"
_TOWN = "安宁丰兴隆福昌盛和顺康泰文明德溪阳"


@dataclass(frozen=True)
class Defects:
    """The defects planted in a synthetic county.

    Attributes
    ----------
    split_villages : dict of str to tuple of str
        ``village_id`` -> the 2 or 3 ``station_id`` whose current jurisdictions share it.
    functional_splits : dict of str to (str, str)
        ``village_id`` -> (``registration_station``, ``dispatch_station``), which differ.
    small_stations : tuple of str
        ``station_id`` of the small, weak stations (few villages, people and officers).
    """

    split_villages: dict[str, tuple[str, ...]]
    functional_splits: dict[str, tuple[str, str]]
    small_stations: tuple[str, ...]


@dataclass(frozen=True)
class County:
    """A synthetic county: four layers in one projected metric CRS, and the planted defects.

    Attributes
    ----------
    villages : geopandas.GeoDataFrame
        Polygons; ``village_id, name, population, incidents, registration_station,
        dispatch_station, township``.
    stations : geopandas.GeoDataFrame
        Points; ``station_id, name, officers, auxiliaries, kind``.
    jurisdictions : geopandas.GeoDataFrame
        Current districts, one (Multi)Polygon per station; ``station_id``.
    roads : geopandas.GeoDataFrame
        LineStrings; ``road_id, road_class, oneway``.
    defects : Defects
        What was planted.
    """

    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    jurisdictions: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    defects: Defects

    def __repr__(self) -> str:
        return (f"County({len(self.villages)} villages, {len(self.stations)} stations, "
                f"{len(self.roads)} roads, {len(self.defects.split_villages)} split villages, "
                f"crs={self.villages.crs.to_string() if self.villages.crs else None})")


def _names(rng: np.random.Generator, n: int, suffix: str, first: str, second: str) -> list[str]:
    a = rng.integers(0, len(first), n)
    b = rng.integers(0, len(second), n)
    return [first[i] + second[j] + suffix for i, j in zip(a, b)]


def _check_args(n_villages, n_stations, crs, counts, outline) -> list[Problem]:
    problems = []
    if outline is not None and not (isinstance(outline, Polygon) and outline.is_valid and outline.area > 0):
        problems.append(Problem("outline", f"must be one valid polygon with an area, got {outline.geom_type}"
                                f"{'' if outline.is_valid else ' (invalid)'}"))
    if n_villages < 2:
        problems.append(Problem("n_villages", f"need at least 2 villages, got {n_villages}"))
    if not 1 <= n_stations <= max(1, n_villages // 2):
        problems.append(Problem("n_stations", f"need 1 to n_villages/2 stations, got {n_stations}"))
    if not CRS.from_user_input(crs).is_projected:
        problems.append(Problem("crs", f"{crs} is not a projected (metric) CRS"))
    for key, value in counts.items():
        if value is not None and value < 0:
            problems.append(Problem(key, f"must be >= 0, got {value}"))
    return problems


def officers_for(population: np.ndarray, small: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Plausible officers and auxiliaries per station: about 5.4 officers per 10,000 people.

    Parameters
    ----------
    population : numpy.ndarray
        Population of each station's district (people).
    small : numpy.ndarray
        Boolean, True for small, weak stations (2 to 4 officers); the others have at least 6.

    Returns
    -------
    officers, auxiliaries : numpy.ndarray
        Integer counts per station.
    """
    officers = np.maximum(6, np.rint(population * 5.4e-4 * rng.uniform(0.8, 1.2, len(population)))).astype(int)
    officers[small] = rng.integers(2, 5, int(small.sum()))
    auxiliaries = np.rint(officers * rng.uniform(0.6, 1.4, len(officers))).astype(int)
    return officers, auxiliaries


def generate_county(seed: int, n_villages: int, n_stations: int, *, outline: Polygon | None = None,
                    crs="EPSG:32648", split_villages: int | None = None, functional_splits: int | None = None,
                    small_stations: int | None = None) -> County:
    """Generate a synthetic county with planted defects, deterministic for ``seed``.

    Parameters
    ----------
    seed : int
        Seed of the numpy random generator; the same arguments give the same county.
    n_villages : int
        Number of villages (10 to 20,000 is the tested range).
    n_stations : int
        Number of police stations (1 to ``n_villages / 2``).
    outline : shapely Polygon, optional
        County outline in ``crs`` coordinates (metres), one valid polygon. Default: an irregular polygon of about
        5 km² per village, centred near Dianjiang (UTM 48N).
    crs : str or pyproj.CRS
        Projected metric CRS of all layers, default ``EPSG:32648``.
    split_villages : int, optional
        Number of villages split between 2 or 3 current jurisdictions (a third of them
        3-way where the districts allow it; the village's own station keeps the largest
        piece); default ``n_villages // 200`` (at least 1 when there are 2 or more stations).
    functional_splits : int, optional
        Number of villages whose registration and dispatch stations differ; default
        ``n_villages // 100`` (at least 1 when there are 2 or more stations).
    small_stations : int, optional
        Number of small, weak stations; default ``n_stations // 8``.

    Returns
    -------
    County
        The four layers (in ``crs``) and the planted :class:`Defects`.

    Raises
    ------
    InputError
        If an argument is out of range, or the requested defects cannot be planted.
    """
    counts = {"split_villages": split_villages, "functional_splits": functional_splits,
              "small_stations": small_stations}
    problems = _check_args(n_villages, n_stations, crs, counts, outline)
    if problems:
        raise InputError("generate_county", problems)
    multi = n_stations >= 2
    n_split = split_villages if split_villages is not None else (max(1, n_villages // 200) if multi else 0)
    n_func = functional_splits if functional_splits is not None else (max(1, n_villages // 100) if multi else 0)
    n_small = small_stations if small_stations is not None else n_stations // 8
    if not multi and (n_split or n_func):
        raise InputError("generate_county", [Problem(None, "split villages need at least 2 stations")])
    if n_small > n_stations - 1:
        raise InputError("generate_county", [Problem("small_stations", f"{n_small} of {n_stations} stations")])

    rng = np.random.default_rng(seed)
    if outline is None:
        outline = irregular_outline(rng, AREA_PER_VILLAGE_M2 * n_villages)
    xy = seed_points(rng, outline, n_villages)
    cells = voronoi_cells(outline, xy)
    pairs = neighbour_pairs(cells)
    nbrs = neighbour_lists(n_villages, pairs)

    centre = np.asarray(outline.centroid.coords[0])
    first = int(np.argmin(np.hypot(*(xy - centre).T)))
    station_village = spread_seeds(rng, xy, n_stations, first)
    small = np.zeros(n_stations, dtype=bool)
    small[1 + rng.choice(n_stations - 1, size=n_small, replace=False)] = True
    caps = np.where(small, rng.integers(2, 5, n_stations), -1)
    pace = rng.uniform(0.8, 1.25, n_stations)
    district, parent = grow_districts(xy, nbrs, station_village, caps, pace)

    try:
        splits = plant_splits(rng, cells, xy, nbrs, district, n_split, set(station_village.tolist()),
                              three_way=n_split // 3)
    except ValueError as exc:
        raise InputError("generate_county", [Problem("split_villages", str(exc))]) from exc

    width = len(str(n_villages))
    village_ids = np.array([f"V{i:0{width}d}" for i in range(n_villages)], dtype=object)
    station_ids = np.array([f"S{i:0{len(str(n_stations))}d}" for i in range(n_stations)], dtype=object)

    population = np.rint(rng.lognormal(np.log(1500.0), 0.55, n_villages)).astype(np.int64)
    population[station_village] *= 3
    population[small[district]] = np.rint(population[small[district]] * 0.4).astype(np.int64)
    incidents = rng.poisson(population * rng.uniform(0.004, 0.012, n_villages))

    split_of = {s.village: s for s in splits}
    holder = district.copy()  # station holding (the largest piece of) each village
    for s in splits:
        areas = [p.area for p in s.pieces]
        holder[s.village] = s.districts[int(np.argmax(areas))]
    try:
        registration, dispatch, planted = plant_functional_splits(
            rng, district, nbrs, holder, set(split_of) | set(station_village.tolist()), n_func)
    except ValueError as exc:
        raise InputError("generate_county", [Problem("functional_splits", str(exc))]) from exc
    functional = {str(village_ids[v]): (str(station_ids[registration[v]]), str(station_ids[dispatch[v]]))
                  for v in planted}

    kind_urban = np.zeros(n_stations, dtype=bool)
    kind_urban[0] = n_stations >= 3
    town_names = _names(rng, n_stations, "", _TOWN, _SECOND)
    townships = [name + ("街道" if urban else "镇") for name, urban in zip(town_names, kind_urban)]
    villages = gpd.GeoDataFrame({
        "village_id": village_ids,
        "name": _names(rng, n_villages, "村", _FIRST, _SECOND),
        "population": population,
        "incidents": incidents.astype(np.int64),
        "registration_station": station_ids[registration],
        "dispatch_station": station_ids[dispatch],
        "township": np.array(townships, dtype=object)[holder],
    }, geometry=list(cells), crs=crs)

    station_pop = np.bincount(holder, weights=population, minlength=n_stations)
    officers, auxiliaries = officers_for(station_pop, small, rng)
    stations = gpd.GeoDataFrame({
        "station_id": station_ids,
        "name": [t + "派出所" for t in townships],
        "officers": officers,
        "auxiliaries": auxiliaries,
        "kind": np.where(kind_urban, "urban", "rural"),
    }, geometry=gpd.points_from_xy(xy[station_village, 0], xy[station_village, 1]), crs=crs)

    jurisdictions = gpd.GeoDataFrame({"station_id": station_ids},
                                     geometry=district_shapes(cells, district, splits, n_stations), crs=crs)
    roads = build_roads(rng, xy, pairs, parent, station_village, station_pop, 0,
                        [line for s in splits for line in s.cut_roads])
    roads = roads.set_crs(crs)
    defects = Defects(
        split_villages={str(village_ids[s.village]): tuple(str(station_ids[d]) for d in s.districts)
                        for s in sorted(splits, key=lambda s: s.village)},
        functional_splits=functional,
        small_stations=tuple(str(i) for i in station_ids[small]),
    )
    return County(villages, stations, jurisdictions, roads, defects)


def plant_functional_splits(rng: np.random.Generator, district: np.ndarray, nbrs: list[list[int]],
                            holder: np.ndarray, excluded: set[int], k: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Give ``k`` border villages a registration station different from their dispatch station.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    district : numpy.ndarray
        Current district (station index) of each village.
    nbrs : list of list of int
        Village neighbour lists.
    holder : numpy.ndarray
        Station that holds each village (for split villages, the largest piece's).
    excluded : set of int
        Villages that may not be chosen (split villages, station villages).
    k : int
        Number of functional splits.

    Returns
    -------
    registration, dispatch : numpy.ndarray
        Station index per village; equal to ``holder`` except on the chosen villages, where
        one of the two (at random) is a neighbouring district's station.
    planted : list of int
        The chosen villages, sorted.

    Raises
    ------
    ValueError
        If fewer than ``k`` border villages are available.
    """
    registration, dispatch = holder.copy(), holder.copy()
    border = [v for v in range(len(district)) if v not in excluded
              and any(district[u] != district[v] for u in nbrs[v])]
    if len(border) < k:
        raise ValueError(f"only {len(border)} border villages for {k} functional splits")
    planted = sorted(rng.choice(border, size=k, replace=False).tolist()) if k else []
    for v in planted:
        other = sorted({int(district[u]) for u in nbrs[v]} - {int(district[v])})
        alien = other[int(rng.integers(len(other)))]
        if rng.random() < 0.5:
            dispatch[v] = alien
        else:
            registration[v] = alien
    return registration, dispatch, planted


def district_shapes(cells: np.ndarray, district: np.ndarray, splits, k: int) -> list:
    """Union of each district's village cells and split pieces.

    Parameters
    ----------
    cells : numpy.ndarray
        Village polygons, metres.
    district : numpy.ndarray
        District index of each village (before splitting).
    splits : list of SplitVillage
        Planted splits; their pieces replace the whole village.
    k : int
        Number of districts.

    Returns
    -------
    list of shapely geometry
        One polygon (or multipolygon) per district.
    """
    parts: list[list] = [[] for _ in range(k)]
    split_of = {s.village for s in splits}
    for v, d in enumerate(district.tolist()):
        if v not in split_of:
            parts[d].append(cells[v])
    for s in splits:
        for d, piece in zip(s.districts, s.pieces):
            parts[d].append(piece)
    return [polygonal(shapely.union_all(p)) for p in parts]


__all__ = ["County", "Defects", "district_shapes", "generate_county", "officers_for", "plant_functional_splits"]
