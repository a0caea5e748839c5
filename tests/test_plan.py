"""plan() on generated counties: the pipeline end to end, checked against its own inputs."""

from __future__ import annotations

import numpy as np
import pytest

from jurisdiction import Scenario, compare, generate_county, plan
from jurisdiction.errors import InfeasibleError, ScenarioError
from jurisdiction.network.adjacency import village_adjacency


@pytest.fixture(scope="module")
def county():
    return generate_county(seed=7, n_villages=120, n_stations=10)


@pytest.fixture(scope="module")
def balanced(county):
    scenario = Scenario(name="balanced", centres=4, limit=40, balance=0.25, contiguity="shortest-path", time_limit=60)
    return plan(county.villages, county.stations, county.roads, scenario, county.jurisdictions)


def test_every_village_assigned_once_within_limit(county, balanced):
    villages = balanced.villages
    assert sorted(villages["village_id"]) == sorted(county.villages["village_id"])
    assert villages["centre"].isin(balanced.centres).all()
    assert (villages["minutes"] <= 40).all()
    times = balanced.travel_times
    recomputed = [times.at[v, c] for v, c in zip(villages["village_id"], villages["centre"], strict=True)]
    assert np.allclose(villages["minutes"], recomputed)


def test_balance_contiguity_and_district_table(balanced):
    table = balanced.districts
    assert len(table) == 4
    mean = balanced.villages["population"].sum() / 4
    assert (table["population"] >= 0.75 * mean - 1e-6).all() and (table["population"] <= 1.25 * mean + 1e-6).all()
    assert table["villages"].sum() == len(balanced.villages)
    metric = balanced.villages.to_crs(32648)
    adjacency = village_adjacency(metric).tocsr()
    from scipy.sparse.csgraph import connected_components

    for centre in table["centre"]:
        members = np.flatnonzero(metric["centre"].to_numpy() == centre)
        n, _ = connected_components(adjacency[members][:, members], directed=False)
        assert n == 1, centre
    assert (table["area_km2"] > 0).all() and (table["road_km"] > 0).all()
    assert balanced.solver["status"] == "optimal"


def test_metrics_before_after_and_compare(county, balanced):
    metrics = balanced.metrics
    assert metrics.loc["split villages", "before"] == len(county.defects.split_villages)
    assert metrics.loc["split villages", "after"] == 0
    assert metrics.loc["stations or centres", "after"] == 4
    other = plan(
        county.villages, county.stations, county.roads, Scenario(name="six", centres=6, limit=40), county.jurisdictions
    )
    side_by_side = compare(balanced, other)
    assert list(side_by_side.columns) == ["current", "balanced", "six"]
    assert (side_by_side.loc["population-weighted mean minutes", "six"]
            <= side_by_side.loc["population-weighted mean minutes", "balanced"])


def test_roles_without_bundling(balanced):
    stations = balanced.stations
    centres = stations[stations["role"] == "centre"]
    assert sorted(centres["station_id"]) == sorted(balanced.centres)
    posts = stations[stations["role"] == "post"]
    assert posts["centre"].isin(balanced.centres).all()
    assert len(balanced.bundles) == len(posts)


def test_point_villages_plan(county):
    points = county.villages.copy()
    points["geometry"] = points.geometry.representative_point()
    result = plan(points, county.stations, county.roads, Scenario(centres=3, limit=60, contiguity="shortest-path"))
    assert result.diagnosis.geometric_splits is None
    assert len(result.districts) == 3


def test_infeasible_and_bad_scenarios_are_explained(county):
    with pytest.raises(InfeasibleError, match="no candidate centre within 1 min"):
        plan(county.villages, county.stations, county.roads, Scenario(centres=3, limit=1))
    with pytest.raises(ScenarioError, match="bundling.stations"):
        plan(
            county.villages,
            county.stations,
            county.roads,
            Scenario(centres=2, bundle_sizes=(2, 3), bundle_stations=("nope",)),
        )


def test_hostile_names_stay_text_in_real_outputs(county, tmp_path):
    from jurisdiction import current_map, plan_map, write_report
    from tests.support.plans import assert_only_escaped

    villages = county.villages.copy()
    villages.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    stations = county.stations.copy()
    stations.loc[0, "name"] = "<img src=x onerror=alert(1)> 派出所"
    result = plan(villages, stations, county.roads, Scenario(centres=3, limit=60), county.jurisdictions)
    for language in ("zh", "en"):
        assert_only_escaped(
            plan_map(result, tmp_path / f"plan_{language}.html", language=language).read_text(encoding="utf-8")
        )
        assert_only_escaped(
            current_map(result, tmp_path / f"now_{language}.html", language=language).read_text(encoding="utf-8")
        )
        assert_only_escaped(
            write_report(result, tmp_path / f"report_{language}.html", language=language).read_text(encoding="utf-8")
        )


def test_plan_from_an_osmnx_graph(county):
    from jurisdiction.network.graph import road_graph

    graph = road_graph(county.roads)
    result = plan(county.villages, county.stations, graph, Scenario(centres=3, limit=60))
    assert result.districts["road_km"].sum() > 0
    assert len(result.districts) == 3


def test_cli_plan_from_files_with_a_graphml_network(county, tmp_path):
    import json

    import osmnx as ox

    from jurisdiction.cli import main
    from jurisdiction.network.graph import road_graph

    gpkg = tmp_path / "county.gpkg"
    for layer in ("villages", "stations", "jurisdictions"):
        getattr(county, layer).to_file(gpkg, layer=layer, driver="GPKG")
    ox.save_graphml(road_graph(county.roads), tmp_path / "roads.graphml")
    scenario = tmp_path / "county.toml"
    scenario.write_text(
        '[data]\nvillages = "county.gpkg"\nstations = "county.gpkg"\njurisdictions = "county.gpkg"\n'
        'roads = "roads.graphml"\n[model]\ncentres = 3\nlimit = 60\n[outputs]\nfolder = "out"\nisochrones = [10]\n',
        encoding="utf-8",
    )
    assert main(["plan", str(scenario), "--quiet"]) == 0
    districts = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert districts["metrics"]["stations or centres"]["after"] == 3
    lines_km = county.roads.length.sum() / 1000
    import geopandas as gpd

    table = gpd.read_file(tmp_path / "out" / "plan.gpkg", layer="districts")
    assert table["road_km"].sum() == pytest.approx(lines_km, rel=0.01)  # each road counted once
    assert main(["diagnose", str(scenario), "--quiet", "--out", str(tmp_path / "diag")]) == 0
    assert (tmp_path / "diag" / "workload.csv").exists()


def test_scenario_roles_that_contradict_the_stations_layer_are_refused(county):
    """A station the scenario fixes but the layer says may not be a centre: both are named."""
    stations = county.stations.copy()
    first, second = stations["station_id"].iloc[:2]
    stations.loc[stations.index[0], "candidate"] = False
    stations.loc[stations.index[1], "fixed"] = True
    scenario = Scenario(centres=4, limit=60, fixed=(first,), excluded=(second,))
    with pytest.raises(ScenarioError) as caught:
        plan(county.villages, stations, county.roads, scenario, county.jurisdictions)
    message = str(caught.value)
    assert f"fixed: station {first} has candidate = false" in message
    assert f"excluded: station {second} has fixed = true" in message
