"""Issue 15, snapping on real extracts: where villages join the roads, anchors, car roads first, unreachable places.

Before: a polygon joined the roads from an arbitrary interior point (a village whose interior
point was > 2 km from a road was refused although a road crossed it), the refusal exited 1
without naming the file, nothing exposed ``max_snap_m``, and a place next to a footway or track
junction took the 15 km/h way out whatever the car road beside it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from jurisdiction.cli import main
from jurisdiction.errors import InputError, NetworkError
from jurisdiction.network.arrays import graph_arrays
from jurisdiction.network.graph import road_graph
from jurisdiction.network.snapping import UnreachableError, join_places
from jurisdiction.network.travel import snap, travel_time_matrix
from jurisdiction.pipeline import plan
from jurisdiction.scenario import Scenario, read_scenario
from jurisdiction.synthetic.county import generate_county

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 3_300_000.0


def lines(rows):
    return gpd.GeoDataFrame({"road_class": [c for c, _ in rows]},
                            geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in xy]) for _, xy in rows], crs=CRS)


def places(id_column, shapes, **columns):
    return gpd.GeoDataFrame({id_column: [f"{id_column[0]}{i}" for i in range(len(shapes))], **columns},
                            geometry=list(shapes), crs=CRS)


def test_a_big_village_a_road_crosses_joins_where_the_road_enters():
    # a 6 km square village: its interior point is 3 km from the county road that clips its corner
    roads = lines([("county", [(0, 0), (10_000, 0)]), ("county", [(10_000, 0), (10_000, 10_000)])])
    village = shapely.box(X0 + 4000, Y0 - 500, X0 + 10_000 + 500, Y0 + 6000)  # the road enters at x=4000
    villages = places("village_id", [village])
    stations = places("station_id", [shapely.Point(X0, Y0)])
    minutes = travel_time_matrix(road_graph(roads), villages, stations)
    assert minutes.iloc[0, 0] == pytest.approx(4.0 / 50 * 60)  # 4 km of county road at 50 km/h, no access leg
    joined = snap(road_graph(roads), villages, id_column="village_id")
    assert joined["snap_m"].iloc[0] == 0 and joined["joined"].iloc[0] == "entry"


def test_a_village_no_road_enters_joins_at_the_road_nearest_its_polygon():
    roads = lines([("county", [(0, 0), (3000, 0)])])
    village = shapely.box(X0 + 2500, Y0 + 300, X0 + 6500, Y0 + 4300)  # interior point ~2.5 km away
    joined = snap(road_graph(roads), places("village_id", [village]), id_column="village_id")
    assert joined["snap_m"].iloc[0] == pytest.approx(300.0)
    assert joined["joined"].iloc[0] == "nearest"


def test_a_car_road_beats_the_track_junction_next_door():
    """The village is 20 m from a track junction whose track winds 3.8 km to the county road, and 150 m from it."""
    roads = lines([
        ("county", [(0, 0), (5000, 0)]), ("county", [(5000, 0), (6000, 0)]), ("county", [(6000, 0), (10_000, 0)]),
        ("track", [(5000, 170), (5000, 1500), (6000, 1500), (6000, 0)]),
    ])
    graph = road_graph(roads)
    village = places("village_id", [shapely.Point(X0 + 5000, Y0 + 150)])
    station = places("station_id", [shapely.Point(X0, Y0)])
    minutes = travel_time_matrix(graph, village, station).iloc[0, 0]
    # by the county road: 5 km at 50 km/h + 150 m at 20 km/h; the old nearest-node join took the
    # track: 6 km at 50 + 3.83 km at 15 + 20 m at 20 = 22.6 min
    assert minutes == pytest.approx(5.0 / 50 * 60 + 150 / 1000 / 20 * 60)
    joined = snap(graph, village, id_column="village_id")
    assert tuple(graph_arrays(graph).xy[joined["node_index"].iloc[0]]) == (X0 + 5000, Y0)  # the car road's node


def test_anchors_give_the_point_a_place_is_reached_at():
    roads = lines([("county", [(0, 0), (5000, 0)]), ("county", [(5000, 0), (10_000, 0)]),
                   ("county", [(10_000, 0), (10_000, 5000)]), ("county", [(10_000, 5000), (5000, 5000)]),
                   ("county", [(5000, 5000), (0, 5000)])])
    square = shapely.box(X0 + 4000, Y0 + 1000, X0 + 6000, Y0 + 4000)  # between the two roads, touching neither
    villages = places("village_id", [square, square], anchor_x=[X0 + 5000, None], anchor_y=[Y0 + 4800, None])
    joined = snap(road_graph(roads), villages, id_column="village_id")
    assert list(joined["joined"]) == ["anchor", "nearest"]
    # the anchor 200 m from the node (5000, 5000); the polygon itself 1000 m from the node (5000, 0)
    assert joined["snap_m"].tolist() == pytest.approx([200.0, 1000.0])


def test_bad_anchors_are_named_all_at_once():
    roads = lines([("county", [(0, 0), (10_000, 0)])])
    pts = [shapely.Point(X0 + 100 * i, Y0 + 10) for i in range(4)]
    bad = places("station_id", pts, anchor_x=[X0, "east", None, 107.3], anchor_y=[None, Y0, Y0, 30.3])
    with pytest.raises(InputError) as error:
        snap(road_graph(roads), bad, id_column="station_id")
    text = str(error.value)
    assert "row s0: anchor_y is empty" in text and "row s1: anchor_x 'east' is not a number" in text
    assert "row s2: anchor_x is empty" in text
    far = places("station_id", pts[:1], anchor_x=[107.3], anchor_y=[30.3])  # degrees in a UTM layer
    with pytest.raises(InputError, match=r"row s0: the anchor \(anchor_x, anchor_y\) is .* m from the row's geometry"):
        snap(road_graph(roads), far, id_column="station_id")


def test_unreachable_places_name_the_layer_row_distance_and_component():
    roads = lines([("county", [(0, 0), (3000, 0)]), ("village", [(20_000, 0), (20_400, 0)])])
    villages = places("village_id", [shapely.Point(X0 + 100, Y0 + 50), shapely.Point(X0 + 20_200, Y0 + 30)],
                      name=["near", "islet"])
    villages.attrs["source"] = "villages.gpkg"
    stations = places("station_id", [shapely.Point(X0, Y0)])
    with pytest.raises(UnreachableError) as error:
        travel_time_matrix(road_graph(roads), villages, stations)
    assert isinstance(error.value, InputError) and isinstance(error.value, NetworkError)
    text = str(error.value)
    assert text.startswith("villages.gpkg: ")
    assert "raise max_snap_m" in text
    assert ("row v1: village v1 (islet) is 17,200 m from the main road network of 2 nodes (max_snap_m 2,000 m); "
            "its nearest road (202 m) is on a small component of 2 node(s) cut off") in text
    relaxed = travel_time_matrix(road_graph(roads), villages, stations, max_snap_m=20_000)
    assert np.isfinite(relaxed.to_numpy()).all()


def test_join_tables_list_every_way_in_and_out():
    roads = lines([("county", [(0, 0), (2000, 0)])])
    square = shapely.box(X0 + 500, Y0 - 100, X0 + 700, Y0 + 100)
    joins = join_places(graph_arrays(road_graph(roads)), places("village_id", [square]), id_column="village_id",
                        access_speed_kph=20.0, max_snap_m=2000.0)
    # two directed edges cross it: arrive after 500 m (either way round: 500 m from x=0, 1300 m from x=2000)
    assert sorted(np.round(joins.arrive[2] * 50 / 60 * 1000)) == [500, 1300]
    assert sorted(np.round(joins.leave[2] * 50 / 60 * 1000)) == [500, 1300]


@pytest.fixture(scope="module")
def county_files(tmp_path_factory):
    """A generated county on disk, plus a village 6 km outside it."""
    folder = tmp_path_factory.mktemp("county")
    county = generate_county(5, 40, 4)
    far = county.villages.iloc[[0]].copy()
    far["village_id"], far["name"] = "FAR", "far away"
    far["geometry"] = far.geometry.translate(xoff=county.villages.total_bounds[2] - far.total_bounds[0] + 6000)
    villages = gpd.GeoDataFrame(np.r_[county.villages.to_numpy(), far.to_numpy()].tolist(),
                                columns=county.villages.columns, geometry="geometry", crs=county.villages.crs)
    villages.to_file(folder / "villages.gpkg", driver="GPKG")
    county.stations.to_file(folder / "stations.gpkg", driver="GPKG")
    county.roads.to_file(folder / "roads.gpkg", driver="GPKG")
    (folder / "s.toml").write_text(
        '[data]\nvillages = "villages.gpkg"\nstations = "stations.gpkg"\nroads = "roads.gpkg"\n'
        '[model]\ncentres = 2\nlimit = 120\n[outputs]\nfolder = "out"\nisochrones = [10]\n', encoding="utf-8")
    return folder


def test_cli_exit_3_names_the_file_and_max_snap_m_lets_it_through(county_files, capsys):
    scenario = county_files / "s.toml"
    assert main(["diagnose", str(scenario), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "villages.gpkg" in err and "row FAR: village FAR (far away) is" in err and "raise max_snap_m" in err
    assert main(["diagnose", str(scenario), "--quiet", "--max-snap-m", "20000"]) == 0
    assert main(["diagnose", str(scenario), "--quiet", "--max-snap-m", "-5"]) == 3
    relaxed = county_files / "relaxed.toml"
    relaxed.write_text(scenario.read_text(encoding="utf-8") + "[network]\nmax_snap_m = 20000\n", encoding="utf-8")
    assert read_scenario(relaxed).max_snap_m == 20_000
    assert main(["diagnose", str(relaxed), "--quiet"]) == 0


def test_plan_takes_max_snap_m_and_its_scenario_records_it(county_files):
    layers = {k: gpd.read_file(county_files / f"{k}.gpkg") for k in ("villages", "stations", "roads")}
    with pytest.raises(InputError, match="FAR"):
        plan(layers["villages"], layers["stations"], layers["roads"], Scenario(centres=2, limit=120))
    result = plan(layers["villages"], layers["stations"], layers["roads"], Scenario(centres=2, limit=120),
                  max_snap_m=20_000)
    assert result.scenario.max_snap_m == 20_000
