"""The synthetic county generator: tiling, roads, planted defects, determinism."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from jurisdiction.errors import InputError
from jurisdiction.synthetic.county import County, generate_county

AREA_TOL = 1.0  # m²

# An L-shaped (concave) county of 400 km², in UTM 48N metres.
L_SHAPE = Polygon([(600_000, 3_340_000), (625_000, 3_340_000), (625_000, 3_350_000),
                   (610_000, 3_350_000), (610_000, 3_365_000), (600_000, 3_365_000)])


@pytest.fixture(scope="module")
def counties() -> dict[tuple[int, int, int], County]:
    sizes = [(1, 10, 3), (2, 150, 8), (3, 600, 20), (4, 2000, 60)]
    return {key: generate_county(*key) for key in sizes}


def village_station_shares(county: County) -> dict[str, dict[str, float]]:
    """village_id -> {station_id: share of the village area in that jurisdiction (> 1 m²)}."""
    pieces = gpd.overlay(county.villages[["village_id", "geometry"]],
                         county.jurisdictions[["station_id", "geometry"]], how="intersection",
                         keep_geom_type=True)
    pieces["area"] = pieces.area
    pieces = pieces[pieces["area"] > AREA_TOL]
    total = county.villages.set_index("village_id").area
    shares: dict[str, dict[str, float]] = {}
    for row in pieces.itertuples():
        shares.setdefault(row.village_id, {})[row.station_id] = row.area / total[row.village_id]
    return shares


def road_graph(roads: gpd.GeoDataFrame) -> nx.Graph:
    graph = nx.Graph()
    for line in roads.geometry:
        coords = list(line.coords)
        graph.add_edges_from(zip(coords[:-1], coords[1:]))
    return graph


def assert_tiles(parts: gpd.GeoSeries, outline_area: float | None = None) -> None:
    union = shapely.union_all(parts.values)
    assert abs(parts.area.sum() - union.area) < AREA_TOL
    if outline_area is not None:
        assert abs(union.area - outline_area) < AREA_TOL


def test_villages_and_jurisdictions_tile_a_given_outline() -> None:
    county = generate_county(7, 120, 6, outline=L_SHAPE)
    assert len(county.villages) == 120 and len(county.stations) == 6
    assert_tiles(county.villages.geometry, L_SHAPE.area)
    assert_tiles(county.jurisdictions.geometry, L_SHAPE.area)
    assert county.villages.within(L_SHAPE.buffer(0.01)).all()


@pytest.mark.parametrize("key", [(1, 10, 3), (2, 150, 8), (3, 600, 20), (4, 2000, 60)])
def test_layers_are_consistent(counties, key) -> None:
    county = counties[key]
    n_villages, n_stations = key[1], key[2]
    villages, stations, jur = county.villages, county.stations, county.jurisdictions
    assert len(villages) == n_villages and villages["village_id"].is_unique
    assert len(stations) == n_stations and stations["station_id"].is_unique
    assert set(jur["station_id"]) == set(stations["station_id"])
    assert all(layer.crs.to_epsg() == 32648 for layer in (villages, stations, jur, county.roads))
    assert (villages["population"] >= 0).all() and villages["population"].dtype.kind == "i"
    assert villages.geometry.is_valid.all() and jur.geometry.is_valid.all()
    assert_tiles(villages.geometry)
    union = shapely.union_all(villages.geometry.values)
    assert_tiles(jur.geometry, union.area)
    # each station lies inside its own current jurisdiction
    inside = stations.set_index("station_id").geometry.within(jur.set_index("station_id").geometry)
    assert inside.all()
    assert set(county.roads["road_class"]) <= {"national", "provincial", "county", "township", "village"}


@pytest.mark.parametrize("key", [(1, 10, 3), (2, 150, 8), (3, 600, 20), (4, 2000, 60)])
def test_every_village_is_reached_by_a_connected_road_network(counties, key) -> None:
    county = counties[key]
    graph = road_graph(county.roads)
    assert nx.is_connected(graph)
    nodes = np.array(list(graph.nodes))
    points = gpd.GeoSeries(gpd.points_from_xy(nodes[:, 0], nodes[:, 1]), crs=county.roads.crs)
    hit = gpd.sjoin(county.villages[["village_id", "geometry"]], gpd.GeoDataFrame(geometry=points),
                    predicate="contains")
    assert set(hit["village_id"]) == set(county.villages["village_id"])
    if key[1] >= 600:
        assert {"national", "provincial", "county", "township", "village"} <= set(county.roads["road_class"])


@pytest.mark.parametrize("key", [(1, 10, 3), (2, 150, 8), (3, 600, 20), (4, 2000, 60)])
def test_planted_defects_are_what_the_layers_show(counties, key) -> None:
    county = counties[key]
    shares = village_station_shares(county)
    found = {v: s for v, s in shares.items() if len(s) > 1}
    assert set(found) == set(county.defects.split_villages)
    for village_id, stations in county.defects.split_villages.items():
        assert len(stations) in (2, 3) and len(set(stations)) == len(stations)
        assert set(found[village_id]) == set(stations)
        assert min(found[village_id].values()) > 0.15
        # the first station is the village's own, which keeps the largest piece
        assert max(found[village_id], key=found[village_id].get) == stations[0]
    villages = county.villages.set_index("village_id")
    differ = villages[villages["registration_station"] != villages["dispatch_station"]]
    assert {v: (r.registration_station, r.dispatch_station) for v, r in differ.iterrows()} \
        == county.defects.functional_splits
    # every other village: registration = dispatch = its current station
    for village_id, row in villages.drop(index=list(differ.index)).iterrows():
        holder = max(shares[village_id], key=shares[village_id].get)
        assert row["registration_station"] == row["dispatch_station"] == holder


def test_default_defect_counts_and_small_stations(counties) -> None:
    county = counties[(4, 2000, 60)]
    assert len(county.defects.split_villages) == 10
    assert len(county.defects.functional_splits) == 20
    assert len(county.defects.small_stations) == 60 // 8
    stations = county.stations.set_index("station_id")
    counts = county.villages.groupby("registration_station").size()
    population = county.villages.groupby("registration_station")["population"].sum()
    small = list(county.defects.small_stations)
    others = stations.index.difference(small)
    assert counts.reindex(small, fill_value=0).max() < counts.reindex(others).median()
    assert population.reindex(small, fill_value=0).max() < population.reindex(others).median()
    assert stations.loc[small, "officers"].between(2, 4).all()
    assert (stations.loc[others, "officers"] >= 6).all()
    assert (stations["auxiliaries"] >= 0).all()
    assert set(stations["kind"]) == {"urban", "rural"}


def test_requested_counts_and_three_way_splits() -> None:
    county = generate_county(11, 800, 25, split_villages=12, functional_splits=3, small_stations=4)
    assert len(county.defects.split_villages) == 12
    assert len(county.defects.functional_splits) == 3
    assert len(county.defects.small_stations) == 4
    sizes = {len(s) for s in county.defects.split_villages.values()}
    assert 3 in sizes and sizes <= {2, 3}


def test_same_seed_same_county_other_seed_other_county() -> None:
    a, b, c = generate_county(5, 300, 10), generate_county(5, 300, 10), generate_county(6, 300, 10)
    for name in ("villages", "stations", "jurisdictions", "roads"):
        la, lb = getattr(a, name), getattr(b, name)
        assert la.drop(columns="geometry").equals(lb.drop(columns="geometry"))
        assert list(la.geometry.to_wkb()) == list(lb.geometry.to_wkb())
    assert a.defects == b.defects
    assert list(a.villages.geometry.to_wkb()) != list(c.villages.geometry.to_wkb())


@settings(deadline=None, max_examples=6)
@given(seed=st.integers(0, 2**32 - 1), n_villages=st.integers(10, 120), n_stations=st.integers(2, 5))
def test_invariants_hold_for_any_seed(seed, n_villages, n_stations) -> None:
    county = generate_county(seed, n_villages, n_stations)
    assert_tiles(county.villages.geometry)
    assert_tiles(county.jurisdictions.geometry, shapely.union_all(county.villages.geometry.values).area)
    assert nx.is_connected(road_graph(county.roads))
    found = {v for v, s in village_station_shares(county).items() if len(s) > 1}
    assert found == set(county.defects.split_villages)


@pytest.mark.parametrize("kwargs", [dict(n_villages=1, n_stations=1), dict(n_villages=10, n_stations=8),
                                    dict(n_villages=10, n_stations=2, crs="EPSG:4326"),
                                    dict(n_villages=50, n_stations=4, small_stations=4),
                                    dict(n_villages=50, n_stations=1, split_villages=1),
                                    dict(n_villages=50, n_stations=4, outline=shapely.MultiPolygon(
                                        [L_SHAPE, shapely.affinity.translate(L_SHAPE, 50_000, 0)])),
                                    dict(n_villages=50, n_stations=4, outline=Polygon(
                                        [(0, 0), (1000, 1000), (1000, 0), (0, 1000)]))])
def test_bad_arguments_raise_input_error(kwargs) -> None:
    with pytest.raises(InputError):
        generate_county(0, **kwargs)


def test_one_station_county_has_no_defects() -> None:
    county = generate_county(0, 30, 1)
    assert county.defects.split_villages == {} and county.defects.functional_splits == {}
    assert nx.is_connected(road_graph(county.roads))


@pytest.mark.parametrize("key", [(3, 600, 20), (4, 2000, 60)])
def test_split_villages_are_cut_along_roads(counties, key) -> None:
    county = counties[key]
    villages = county.villages.set_index("village_id").geometry
    jur = county.jurisdictions.set_index("station_id").geometry
    for village_id, stations in county.defects.split_villages.items():
        village = villages[village_id]
        near = county.roads.geometry.values[county.roads.sindex.query(village, predicate="intersects")]
        roads = shapely.union_all(near).buffer(0.01)
        borders = shapely.union_all(jur[list(stations)].boundary.values)
        cut = borders.intersection(village.buffer(-1.0))
        assert cut.length > 0.3 * np.sqrt(village.area)
        assert cut.difference(roads).length < 1e-6


def test_other_projected_crs_and_outline() -> None:
    outline = shapely.affinity.translate(L_SHAPE, -100_000, 0)  # in UTM 49N coordinates, metres
    county = generate_county(9, 60, 4, outline=outline, crs="EPSG:32649")
    assert county.villages.crs.to_epsg() == 32649 and county.roads.crs.to_epsg() == 32649
    assert_tiles(county.villages.geometry, outline.area)
