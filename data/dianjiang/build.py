"""Build ``dianjiang.gpkg``: the real administrative skeleton of Dianjiang County with generated geometry.

Real: county outline, 26 townships (codes, names, kinds, seats, populations), 301 village
units (codes, names, townships). Generated (fixed seed): township and village polygons,
village populations and incidents, roads, station staffing, 桂阳街道's seat and population,
and the planted defects (split villages, functional splits). See README.md.

Run from anywhere: ``/work/venv/bin/python data/dianjiang/build.py``. When ``../shared`` (or
``$JURISDICTION_SHARED``) is present the three source files are first copied into ``source/``;
the build itself reads only ``source/``. The output is byte-for-byte reproducible.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jurisdiction.synthetic.county import district_shapes
from jurisdiction.synthetic.roads import build_roads
from jurisdiction.synthetic.shipping import copy_sources as ship_sources
from jurisdiction.synthetic.shipping import finish_layers, ship
from jurisdiction.synthetic.shipping import write_layers as write
from jurisdiction.synthetic.tiles import (
    grow_districts,
    neighbour_lists,
    neighbour_pairs,
    plant_splits,
    polygonal,
    seed_points,
    spread_seeds,
    voronoi_cells,
)

#: What a rebuild needs: the layers, and the writer that makes their bytes reproducible.
__all__ = ["build", "write"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: Where the package ships the example (package data, with its README and demo scenario).
OUTPUT = REPO / "jurisdiction" / "inputs" / "examples" / "dianjiang" / "dianjiang.gpkg"

SEED = 231  # from the county code 500231
UTM = "EPSG:32648"
WGS84 = "EPSG:4326"
SOURCES = ("README.md", "county_500231_wgs84.geojson", "townships_500231.csv", "village_units_500231.csv")
MICRO_CELLS = 6000  # building blocks of township and village polygons (~0.25 km² each)
OFFICERS = 504
SPLITS, FUNCTIONAL = 2, 3
GUIXI, GUIYANG = "500231001", "500231002"


def copy_sources() -> None:
    """Copy the shared source files into ``source/`` when the shared folder is present."""
    shared = Path(os.environ.get("JURISDICTION_SHARED", REPO.parent / "shared")) / "data" / "dianjiang"
    ship_sources(shared, SOURCES, HERE / "source")


def read_sources() -> tuple[shapely.Geometry, pd.DataFrame, pd.DataFrame]:
    """County outline (UTM 48N), townships and village units (codes as str)."""
    src = HERE / "source"
    outline = gpd.read_file(src / "county_500231_wgs84.geojson").to_crs(UTM).geometry.iloc[0]
    towns = pd.read_csv(src / "townships_500231.csv", dtype={"code": str, "geonameid": "Int64"})
    units = pd.read_csv(src / "village_units_500231.csv", dtype={"code": str, "township_code": str})
    return polygonal(outline), towns, units


def fill_guiyang(rng: np.random.Generator, towns: pd.DataFrame, outline) -> pd.DataFrame:
    """Generate 桂阳街道's seat (near the county seat) and split 188,980 people by unit count."""
    towns = towns.copy()
    towns["seat_source"] = np.where(towns["seat_lon"].notna(), "GeoNames", "generated")
    towns["population_source"] = np.where(towns["population_geonames"].notna(), "GeoNames", "generated")
    gx, gy = (towns["code"] == GUIXI).to_numpy(), (towns["code"] == GUIYANG).to_numpy()
    seat = gpd.GeoSeries(gpd.points_from_xy(towns.loc[gx, "seat_lon"], towns.loc[gx, "seat_lat"]), crs=WGS84)
    x0, y0 = seat.to_crs(UTM).iloc[0].coords[0]
    angle = rng.uniform(-np.pi / 3, np.pi / 6)  # east of the old town, along the valley
    point = gpd.GeoSeries(gpd.points_from_xy([x0 + 2600 * np.cos(angle)], [y0 + 2600 * np.sin(angle)]), crs=UTM)
    assert point.within(outline).all()
    lonlat = point.to_crs(WGS84).iloc[0]
    towns.loc[gy, ["seat_lon", "seat_lat"]] = [round(lonlat.x, 5), round(lonlat.y, 5)]
    total = int(towns.loc[gx, "population_geonames"].iloc[0])
    n_guixi, n_guiyang = int(towns.loc[gx, "n_village_units"].iloc[0]), int(towns.loc[gy, "n_village_units"].iloc[0])
    guixi = round(total * n_guixi / (n_guixi + n_guiyang))
    towns.loc[gx, "population"] = guixi
    towns.loc[gy, "population"] = total - guixi
    towns.loc[gx, "population_source"] = "GeoNames, shared with 桂阳街道 by village-unit count"
    towns.loc[gy, "population_source"] = "generated: GeoNames 桂溪街道 total shared by village-unit count"
    rest = ~(gx | gy)
    towns.loc[rest, "population"] = towns.loc[rest, "population_geonames"]
    towns["population"] = towns["population"].astype(np.int64)
    return towns


def township_cells(rng, outline, towns, xy, cells, nbrs) -> np.ndarray:
    """Township index of every micro-cell: capacity-limited growth from the seats."""
    seats = gpd.GeoSeries(gpd.points_from_xy(towns["seat_lon"], towns["seat_lat"]), crs=WGS84).to_crs(UTM)
    tree = shapely.STRtree(cells)
    seed_cells = np.array([tree.query(p, predicate="intersects")[0] for p in seats], dtype=np.int64)
    assert len(set(seed_cells.tolist())) == len(towns), "two seats in one micro-cell"
    share = towns["n_village_units"].to_numpy() / towns["n_village_units"].sum()
    caps = np.floor(share * len(cells) * 1.02).astype(np.int64)
    district, _ = grow_districts(xy, nbrs, seed_cells, caps, rng.uniform(0.9, 1.1, len(towns)))
    return district, seed_cells, np.array([p.coords[0] for p in seats])


def village_polygons(rng, towns, units, xy, cells, nbrs, town_of_cell, seed_cells, seat_xy):  # noqa: PLR0913
    """Village polygons (unions of micro-cells) inside each township, and a node per village."""
    geoms, nodes, order = [], [], []
    for t, town in enumerate(towns.itertuples()):
        mine = np.flatnonzero(town_of_cell == t)
        local = {int(c): i for i, c in enumerate(mine)}
        sub_nbrs = [[local[u] for u in nbrs[c] if u in local] for c in mine]
        members = units.index[units["township_code"] == town.code].to_numpy()
        seeds = spread_seeds(rng, xy[mine], len(members), local[int(seed_cells[t])])
        # communities (社区) take the seeds nearest the seat, villages (村) the rest
        rest = seeds[1:][np.argsort(np.hypot(*(xy[mine][seeds[1:]] - seat_xy[t]).T), kind="stable")]
        seeds = np.r_[seeds[:1], rest]
        hint = units.loc[members, "urban_rural_hint"].to_numpy()
        ranked = members[np.argsort(hint != "community", kind="stable")]
        owner, _ = grow_districts(xy[mine], sub_nbrs, seeds, -np.ones(len(seeds), np.int64),
                                  rng.uniform(0.8, 1.25, len(seeds)))
        for s, unit in enumerate(ranked):
            geoms.append(polygonal(shapely.union_all(cells[mine[owner == s]])))
            nodes.append(seat_xy[t] if s == 0 else xy[mine[seeds[s]]])
            order.append(unit)
    frame = pd.DataFrame({"unit": order, "geometry": geoms, "x": [n[0] for n in nodes], "y": [n[1] for n in nodes]})
    return frame.set_index("unit").loc[units.index]


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def build() -> dict[str, gpd.GeoDataFrame]:
    """All four layers, in WGS84, rows sorted by id."""
    rng = np.random.default_rng(SEED)
    outline, towns, units = read_sources()
    towns = fill_guiyang(rng, towns, outline)
    xy = seed_points(rng, outline, MICRO_CELLS)
    micro = voronoi_cells(outline, xy)
    micro_nbrs = neighbour_lists(len(micro), neighbour_pairs(micro))
    town_of_cell, seed_cells, seat_xy = township_cells(rng, outline, towns, xy, micro, micro_nbrs)
    vill = village_polygons(rng, towns, units, xy, micro, micro_nbrs, town_of_cell, seed_cells, seat_xy)

    cells = np.array(list(vill["geometry"]), dtype=object)
    vxy = vill[["x", "y"]].to_numpy()
    pairs = neighbour_pairs(cells)
    nbrs = neighbour_lists(len(cells), pairs)
    code_index = {c: i for i, c in enumerate(towns["code"])}
    town = units["township_code"].map(code_index).to_numpy()
    station_village = np.array([int(np.flatnonzero(town == t)[0]) for t in range(len(towns))])
    parent = np.full(len(cells), -1, dtype=np.int64)
    for t in range(len(towns)):
        mine = np.flatnonzero(town == t)
        local = {int(v): i for i, v in enumerate(mine)}
        _, par = grow_districts(vxy[mine], [[local[u] for u in nbrs[v] if u in local] for v in mine],
                                np.array([0]), np.array([-1]), np.ones(1))
        parent[mine] = np.where(par >= 0, mine[np.maximum(par, 0)], -1)

    splits = plant_splits(rng, cells, vxy, nbrs, town, SPLITS, set(station_village.tolist()), three_way=1)
    assert sorted(len(s.districts) for s in splits) == [2, 3], "want one 2-way and one 3-way split"
    split_of = {s.village: s for s in splits}

    # populations: township totals shared among units (communities and the seat unit denser)
    weight = rng.lognormal(0.0, 0.45, len(units)) * np.where(units["urban_rural_hint"] == "community", 2.0, 1.0)
    weight[station_village] *= 1.5
    population = np.zeros(len(units), dtype=np.int64)
    for t, total in enumerate(towns["population"]):
        mine = np.flatnonzero(town == t)
        population[mine] = rng.multinomial(int(total), weight[mine] / weight[mine].sum())
    urban = (towns["kind"] == "街道").to_numpy()
    incidents = rng.poisson(population * np.where(urban[town], 0.014, 0.007))

    station_ids = towns["code"].to_numpy(dtype=object)
    registration, dispatch = town.copy(), town.copy()  # split villages: their own township's station
    border = [v for v in range(len(units)) if v not in split_of and v not in set(station_village.tolist())
              and any(town[u] != town[v] for u in nbrs[v])]
    for v in sorted(rng.choice(border, size=FUNCTIONAL, replace=False).tolist()):
        other = sorted({int(town[u]) for u in nbrs[v]} - {int(town[v])})
        dispatch[v] = other[int(rng.integers(len(other)))]

    villages = gpd.GeoDataFrame({
        "village_id": units["code"], "name": units["name"], "population": population,
        "incidents": incidents.astype(np.int64),
        "registration_station": station_ids[registration], "dispatch_station": station_ids[dispatch],
        "township": towns["name"].to_numpy()[town], "township_code": units["township_code"],
        "unit_kind": units["urban_rural_hint"],
    }, geometry=list(cells), crs=UTM)

    pop_town = towns["population"].to_numpy()
    officers = allocate(OFFICERS, pop_town ** 0.8 * np.where(urban, 1.6, 1.0))
    stations = gpd.GeoDataFrame({
        "station_id": station_ids, "name": towns["name"] + "派出所", "officers": officers,
        "auxiliaries": np.rint(officers * rng.uniform(0.7, 1.2, len(towns))).astype(np.int64),
        "kind": np.where(urban, "urban", "rural"), "township": towns["name"],
        "township_population": pop_town, "seat_source": towns["seat_source"],
        "population_source": towns["population_source"],
    }, geometry=gpd.points_from_xy(towns["seat_lon"], towns["seat_lat"]), crs=WGS84)

    jurisdictions = gpd.GeoDataFrame({"station_id": station_ids, "name": towns["name"] + "派出所"},
                                     geometry=district_shapes(cells, town, splits, len(towns)), crs=UTM)
    hub = code_index[GUIXI]
    roads = build_roads(rng, vxy, pairs, parent, station_village, pop_town, hub,
                        [line for s in splits for line in s.cut_roads]).set_crs(UTM)
    layers = {"villages": villages, "stations": stations, "jurisdictions": jurisdictions, "roads": roads}
    return finish_layers(layers)


def main() -> None:
    """Copy sources (if shared data is present), build and write ``dianjiang.gpkg``."""
    copy_sources()
    ship(build, OUTPUT)


if __name__ == "__main__":
    main()
