"""The Dianjiang example: real names, codes, seats and populations; consistent generated layers."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from jurisdiction.errors import InputError
from jurisdiction.inputs.example import Example, load_example

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data" / "dianjiang" / "source"
UTM = "EPSG:32648"


@pytest.fixture(scope="module")
def example() -> Example:
    return load_example("dianjiang")


@pytest.fixture(scope="module")
def towns() -> pd.DataFrame:
    return pd.read_csv(SOURCE / "townships_500231.csv", dtype={"code": str})


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.read_csv(SOURCE / "village_units_500231.csv", dtype={"code": str, "township_code": str})


@pytest.fixture(scope="module")
def outline() -> shapely.Geometry:
    return gpd.read_file(SOURCE / "county_500231_wgs84.geojson").to_crs(UTM).geometry.iloc[0]


def test_counts_crs_and_repr(example) -> None:
    assert len(example.stations) == 26 and len(example.villages) == 301
    assert len(example.jurisdictions) == 26
    assert all(layer.crs.to_epsg() == 4326 for layer in
               (example.villages, example.stations, example.jurisdictions, example.roads))
    text = repr(example)
    assert "301 villages" in text and "26 stations" in text and "704,458" in text and "EPSG:4326" in text
    assert str(example) == text


def test_unknown_example_names_the_available_ones() -> None:
    with pytest.raises(InputError, match="available: dianjiang"):
        load_example("atlantis")


def test_real_names_and_codes(example, towns, units) -> None:
    villages = example.villages.set_index("village_id").loc[units["code"]]
    assert list(villages["name"]) == list(units["name"])
    assert list(villages["township"]) == list(units["township_name"])
    assert all(len(v) == 12 and v.isdigit() for v in villages.index)
    stations = example.stations.set_index("station_id").loc[towns["code"]]
    assert list(stations["name"]) == [n + "派出所" for n in towns["name"]]
    assert list(stations["kind"]) == ["urban" if k == "街道" else "rural" for k in towns["kind"]]
    assert stations["officers"].sum() == 504
    assert stations.loc[stations["kind"] == "urban", "officers"].min() > stations.loc[
        stations["kind"] == "rural", "officers"].max()
    counts = example.villages.groupby("township").size()
    assert dict(counts) == dict(zip(towns["name"], towns["n_village_units"]))


def test_populations_sum_to_real_township_totals(example, towns) -> None:
    population = example.villages.groupby("township")["population"].sum()
    real = towns.set_index("name")["population_geonames"].dropna().astype(int)
    # GeoNames folds 桂阳街道 into 桂溪街道: their sum is the real figure
    assert population["桂溪街道"] + population["桂阳街道"] == real["桂溪街道"] == 188_980
    for name, total in real.drop("桂溪街道").items():
        assert population[name] == total
    assert population.sum() == 704_458
    assert (example.villages["population"] > 0).all()


def test_stations_at_real_seats(example, towns) -> None:
    known = towns.dropna(subset=["seat_lon"])
    seats = gpd.GeoSeries(gpd.points_from_xy(known["seat_lon"], known["seat_lat"]), crs=4326).to_crs(UTM)
    stations = example.stations.set_index("station_id").loc[known["code"]].to_crs(UTM)
    assert (stations.geometry.distance(seats.set_axis(stations.index)) < 1.0).all()
    guiyang = example.stations.set_index("station_id").loc["500231002"]
    assert guiyang["seat_source"] == "generated"


def test_villages_tile_the_county_inside_their_townships(example, outline) -> None:
    villages = example.villages.to_crs(UTM)
    union = shapely.union_all(villages.geometry.values)
    # reprojection to WGS84 and back moves vertices by far less than a millimetre
    assert abs(union.area - outline.area) < 1e-6 * outline.area
    assert abs(villages.area.sum() - union.area) < 1e-6 * outline.area
    assert villages.within(outline.buffer(0.5)).all()
    jur = example.jurisdictions.to_crs(UTM).set_index("station_id")
    split = split_shares(example)
    for row in villages.itertuples():
        home = jur.geometry[row.township_code]
        if row.village_id in split:
            assert row.township_code in split[row.village_id]
        else:
            assert row.geometry.buffer(-0.5).within(home)


def split_shares(example: Example) -> dict[str, dict[str, float]]:
    """Villages whose area (> 1 m² pieces) lies in 2+ current jurisdictions: station -> share."""
    villages = example.villages.to_crs(UTM)
    pieces = gpd.overlay(villages[["village_id", "geometry"]],
                         example.jurisdictions.to_crs(UTM)[["station_id", "geometry"]],
                         how="intersection", keep_geom_type=True)
    pieces = pieces[pieces.area > 1.0]
    total = villages.set_index("village_id").area
    shares: dict[str, dict[str, float]] = {}
    for row, area in zip(pieces.itertuples(), pieces.area):
        shares.setdefault(row.village_id, {})[row.station_id] = area / total[row.village_id]
    return {v: s for v, s in shares.items() if len(s) > 1}


def test_planted_defects(example) -> None:
    split = split_shares(example)
    assert len(split) == 2
    assert sorted(len(s) for s in split.values()) == [2, 3]
    assert all(min(s.values()) > 0.15 for s in split.values())
    township = example.villages.set_index("village_id")["township_code"]
    assert all(max(s, key=s.get) == township[v] for v, s in split.items())  # own station: largest piece
    villages = example.villages
    functional = villages[villages["registration_station"] != villages["dispatch_station"]]
    assert len(functional) == 3
    assert set(functional["village_id"]).isdisjoint(split)
    # registration stays with the village's own township station; dispatch goes next door
    assert (villages["registration_station"] == villages["township_code"]).all()
    jur = example.jurisdictions.to_crs(UTM).set_index("station_id").geometry
    for row in functional.to_crs(UTM).itertuples():
        assert row.geometry.intersection(jur[row.dispatch_station]).length > 1.0


def test_roads_connect_every_village(example) -> None:
    roads = example.roads
    assert set(roads["road_class"]) == {"national", "provincial", "county", "township", "village"}
    graph = nx.Graph()
    for line in roads.geometry:
        coords = list(line.coords)
        graph.add_edges_from(zip(coords[:-1], coords[1:]))
    assert nx.is_connected(graph)
    nodes = np.array(list(graph.nodes))
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(nodes[:, 0], nodes[:, 1]), crs=4326)
    hit = gpd.sjoin(example.villages[["village_id", "geometry"]], points, predicate="contains")
    assert set(hit["village_id"]) == set(example.villages["village_id"])


#: The library versions the committed GeoPackage was built with (jurisdiction/inputs/examples/dianjiang/README.md).
BUILT_WITH = {"geos": "3.14.1", "gdal": "3.12.4", "numpy": "2.4.6", "scipy": "1.17.1", "geopandas": "1.2.0"}


def _versions() -> dict[str, str]:
    import geopandas
    import numpy
    import pyogrio
    import scipy
    import shapely

    return {
        "geos": shapely.geos_version_string,
        "gdal": pyogrio.__gdal_version_string__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "geopandas": geopandas.__version__,
    }


def test_rebuild_is_byte_identical(tmp_path) -> None:
    """The committed GeoPackage is what build.py makes from data/dianjiang/source.

    Byte for byte with the library versions it was built with; with other versions (which may
    round the last digit differently) the same rows, values and geometries to 1e-9 degrees.
    """
    gpkg = ROOT / "jurisdiction" / "inputs" / "examples" / "dianjiang" / "dianjiang.gpkg"
    before = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    code = ("import sys, runpy; sys.argv=['build'];"
            f"m = runpy.run_path({str(ROOT / 'data' / 'dianjiang' / 'build.py')!r});"
            f"from pathlib import Path; m['write'](m['build'](), Path({str(tmp_path / 'd.gpkg')!r}))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    if _versions() == BUILT_WITH:
        assert hashlib.sha256((tmp_path / "d.gpkg").read_bytes()).hexdigest() == before
    for layer in ("villages", "stations", "jurisdictions", "roads"):
        committed = gpd.read_file(gpkg, layer=layer)
        rebuilt = gpd.read_file(tmp_path / "d.gpkg", layer=layer)
        pd.testing.assert_frame_equal(committed.drop(columns="geometry"), rebuilt.drop(columns="geometry"))
        assert committed.geometry.geom_equals_exact(rebuilt.geometry, tolerance=1e-9).all(), layer
