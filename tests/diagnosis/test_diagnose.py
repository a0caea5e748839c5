"""Tests for jurisdiction.diagnosis.findings: splits, functional splits, reach, workload, coverage."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from jurisdiction.diagnosis.findings import SmallStationRule, diagnose
from jurisdiction.errors import InputError
from jurisdiction.inputs.example import load_example
from jurisdiction.synthetic.county import generate_county

UTM = "EPSG:32648"
X0, Y0 = 500_000.0, 3_350_000.0


def _row_of_villages(n: int = 4) -> gpd.GeoDataFrame:
    """N 1-km squares side by side along x, ids v0..v{n-1}."""
    return gpd.GeoDataFrame(
        {
            "village_id": [f"v{i}" for i in range(n)],
            "name": [f"村{i}" for i in range(n)],
            "population": [1000 * (i + 1) for i in range(n)],
            "incidents": [10.0 * (i + 1) for i in range(n)],
        },
        geometry=[box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000) for i in range(n)],
        crs=UTM,
    )


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"station_id": ["s1", "s2"], "name": ["城里", "北关"], "officers": [20.0, 4.0]},
        geometry=[Point(X0 + 500, Y0 + 500), Point(X0 + 3500, Y0 + 500)],
        crs=UTM,
    )


def _jurisdictions(cut: float = 1500.0) -> gpd.GeoDataFrame:
    """s1 holds x < X0+cut, s2 the rest (villages v0..v3 span 4 km)."""
    return gpd.GeoDataFrame(
        {"station_id": ["s1", "s2"]},
        geometry=[box(X0, Y0, X0 + cut, Y0 + 1000), box(X0 + cut, Y0, X0 + 4000, Y0 + 1000)],
        crs=UTM,
    )


def _travel_times() -> pd.DataFrame:
    return pd.DataFrame(
        {"s1": [2.0, 8.0, 16.0, 40.0], "s2": [35.0, 12.0, 6.0, 3.0]},
        index=pd.Index(["v0", "v1", "v2", "v3"], name="village_id"),
    )


def test_hand_made_split_found_and_sliver_ignored():
    # cut at 1500 m splits v1 half/half; a 2 m strip into v2 (0.2 % share, 2,000 m²) is a sliver
    jur = gpd.GeoDataFrame(
        {"station_id": ["s1", "s1", "s2"]},
        geometry=[box(X0, Y0, X0 + 1500, Y0 + 1000), box(X0 + 2000, Y0, X0 + 2002, Y0 + 1000),
                  box(X0 + 1500, Y0, X0 + 4000, Y0 + 1000).difference(box(X0 + 2000, Y0, X0 + 2002, Y0 + 1000))],
        crs=UTM,
    )
    d = diagnose(_row_of_villages(), _stations(), jur)
    assert d.split_villages == ["v1"]
    pieces = d.geometric_splits.set_index("station_id")
    assert pieces.loc["s1", "share"] == pytest.approx(0.5)
    assert pieces.loc["s2", "area_m2"] == pytest.approx(500_000.0)
    assert d.current.to_dict() == {"v0": "s1", "v1": "s1", "v2": "s2", "v3": "s2"}
    text = d.summary()
    assert "村1 (v1)" in text and "城里 (s1) 50%" in text and "北关 (s2) 50%" in text
    assert "村2" not in text.split("Functional")[0].split("Split villages")[1]
    # a split village recorded with a station holding one of its pieces is not also a functional split
    villages = _row_of_villages()
    villages["registration_station"] = villages["dispatch_station"] = ["s1", "s2", "s2", "s2"]
    assert diagnose(villages, _stations(), jur).functional_splits.empty
    villages["registration_station"] = villages["dispatch_station"] = ["s1", "s1", "s1", "s2"]
    f = diagnose(villages, _stations(), jur).functional_splits  # v2: s1 holds only a sliver
    assert f["village_id"].tolist() == ["v2"] and f["kind"].tolist() == ["recorded≠polygon"]


def test_split_thresholds_both_apply():
    villages = _row_of_villages()
    # cut at 1040: v1 piece in s1 is 4 % (40,000 m²) -> dropped by share 5 %, kept by share 3 %
    jur = _jurisdictions(cut=1040.0)
    assert diagnose(villages, _stations(), jur).split_villages == []
    assert diagnose(villages, _stations(), jur, split_share=0.03).split_villages == ["v1"]
    assert diagnose(villages, _stations(), jur, split_share=0.03, split_area_m2=50_000).split_villages == []


def test_functional_splits_kinds():
    villages = _row_of_villages()
    villages["registration_station"] = ["s1", "s1", "s2", "s1"]
    villages["dispatch_station"] = ["s1", "s2", "s2", "s1"]
    d = diagnose(villages, _stations(), _jurisdictions(cut=1000.0))
    f = d.functional_splits.set_index("village_id")
    assert f.loc["v1", "kind"] == "registration≠dispatch"
    assert f.loc["v3", "kind"] == "recorded≠polygon"
    assert f.loc["v3", "polygon_station"] == "s2"
    assert sorted(f.index) == ["v1", "v3"]
    assert "户籍 城里，接处警 北关" in d.summary("zh") and "［户籍≠接处警］" in d.summary("zh")


def test_current_falls_back_to_dispatch_then_registration():
    villages = _row_of_villages()
    villages["registration_station"] = ["s1", "s2", None, "s2"]
    villages["dispatch_station"] = ["s2", None, None, None]
    d = diagnose(villages, _stations())
    assert d.current.to_dict() == {"v0": "s2", "v1": "s2", "v2": None, "v3": "s2"}
    assert d.geometric_splits is None
    assert "not computed (no jurisdiction polygons)" in d.summary()


def test_reach_and_coverage_recomputed():
    villages = _row_of_villages()
    tt = _travel_times()
    d = diagnose(villages, _stations(), _jurisdictions(cut=2000.0), tt, limit=10.0)
    r = d.reach
    assert r["current_station"].tolist() == ["s1", "s1", "s2", "s2"]
    assert r["minutes_to_current"].tolist() == [2.0, 8.0, 6.0, 3.0]
    assert r["nearest_station"].tolist() == ["s1", "s1", "s2", "s2"]
    assert not r["beyond_limit"].any()
    pop = villages["population"].to_numpy(float)
    assert d.reach_summary["mean_minutes_to_current"] == pytest.approx(np.average([2, 8, 6, 3], weights=pop))
    # move v1 to s2: 12 min > 10 min limit
    d = diagnose(villages, _stations(), _jurisdictions(cut=1000.0), tt, limit=10.0)
    assert d.reach["beyond_limit"].tolist() == [False, True, False, False]
    assert d.reach_summary["population_beyond_limit"] == 2000
    assert "村1 (v1): 12.0 min to 北关" in d.summary()
    cov = d.coverage
    assert cov.loc[5.0, "villages_share"] == pytest.approx(0.5)  # v0 (2), v3 (3)
    assert cov.loc[5.0, "population_share"] == pytest.approx(5000 / 10000)
    assert cov.loc[10.0, "villages"] == 4


def test_posts_count_for_coverage_not_reach():
    villages = _row_of_villages()
    tt = _travel_times()
    tt["p1"] = [50.0, 1.0, 50.0, 50.0]
    posts = gpd.GeoDataFrame({"post_id": ["p1"]}, geometry=[Point(X0 + 1500, Y0 + 500)], crs=UTM)
    d = diagnose(villages, _stations(), _jurisdictions(cut=2000.0), tt, posts=posts)
    assert d.coverage.loc[5.0, "villages"] == 3
    assert "p1" not in set(d.reach["nearest_station"])
    with pytest.raises(InputError, match="p1"):
        diagnose(villages, _stations(), _jurisdictions(), tt)


def test_bad_inputs_raise_input_error():
    villages = _row_of_villages()
    tt = _travel_times().drop(index="v2")
    with pytest.raises(InputError, match="v2"):
        diagnose(villages, _stations(), _jurisdictions(), tt)
    jur = _jurisdictions()
    jur.loc[1, "station_id"] = "s9"
    with pytest.raises(InputError, match="s9"):
        diagnose(villages, _stations(), jur)
    dup = pd.concat([villages, villages.iloc[[0]]])
    with pytest.raises(InputError, match="duplicate village_id"):
        diagnose(dup, _stations(), _jurisdictions())
    roads = gpd.GeoDataFrame({"road_class": ["county"]}, geometry=[LineString([(X0, Y0), (X0 + 1, Y0)])])
    with pytest.raises(InputError, match="roads"):
        diagnose(villages, _stations(), _jurisdictions(), roads=roads)
    villages.loc[0, "population"] = -5
    with pytest.raises(InputError, match="population"):
        diagnose(villages, _stations(), _jurisdictions())


def test_workload_area_roads_and_small_stations():
    villages = _row_of_villages()
    roads = gpd.GeoDataFrame(
        {"road_class": ["national", "village", "county"]},
        geometry=[LineString([(X0, Y0 + 500), (X0 + 4000, Y0 + 500)]),
                  LineString([(X0 + 3500, Y0), (X0 + 3500, Y0 + 1000)]),
                  LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)])],  # on the s1/s2 border
        crs=UTM,
    )
    d = diagnose(villages, _stations(), _jurisdictions(cut=1000.0), roads=roads,
                 small_station=SmallStationRule(population_quantile=None, max_officers=5))
    w = d.workload
    assert w.loc["s1", "area_km2"] == pytest.approx(1.0)
    assert w.loc["s2", "area_km2"] == pytest.approx(3.0)
    assert w.loc["s1", "road_km_national"] == pytest.approx(1.0)
    assert w.loc["s2", "road_km_national"] == pytest.approx(3.0)
    assert w.loc["s2", "road_km_village"] == pytest.approx(1.0)
    assert w.loc["s1", "road_km_county"] == pytest.approx(0.5)  # the border road is shared
    assert w.loc["s2", "road_km"] == pytest.approx(4.5)
    assert w.loc["s2", "population"] == 9000
    assert w.loc["s1", "officers_per_10k"] == pytest.approx(20 / 1000 * 10_000)
    assert w.loc["s2", "road_km_per_officer"] == pytest.approx(4.5 / 4)
    assert w["small"].tolist() == [False, True]
    assert "officers 4 < max 5" in w.loc["s2", "small_reason"]
    assert "北关 (s2)" in d.summary().split("Small stations")[1]


def test_point_villages_work_without_splits():
    villages = _row_of_villages()
    villages["geometry"] = villages.geometry.centroid
    d = diagnose(villages, _stations(), _jurisdictions(cut=1400.0), _travel_times(), limit=10.0)
    assert d.geometric_splits is None and d.point_villages
    assert d.current.tolist() == ["s1", "s2", "s2", "s2"]
    assert d.workload.loc["s1", "area_km2"] == pytest.approx(1.4)
    assert d.reach["beyond_limit"].tolist() == [False, True, False, False]
    assert "not applicable (villages are points" in d.summary()
    assert "不适用" in d.summary("zh")


@settings(deadline=None, max_examples=40)
@given(cut=st.floats(min_value=0.01, max_value=3.99), n_extra=st.integers(0, 3))
def test_split_iff_both_sides_above_tolerance(cut, n_extra):
    villages = _row_of_villages(4)
    jur = _jurisdictions(cut=cut * 1000.0)
    d = diagnose(villages, _stations(), jur, _travel_times(), coverage_minutes=(1, 5, 10, 20, 50)[: 2 + n_extra])
    i, frac = int(cut), cut - int(cut)
    expected = [f"v{i}"] if 0.05 <= frac <= 0.95 else []
    assert d.split_villages == expected
    if expected:
        shares = d.geometric_splits.set_index("station_id")["share"]
        assert shares.sum() == pytest.approx(1.0)
        assert shares["s1"] == pytest.approx(frac)
    # the village holding the cut goes to the side with the larger share (ties: lower station id)
    assert d.current[f"v{i}"] == ("s1" if frac >= 0.5 - 1e-9 else "s2")
    cov = d.coverage
    assert (np.diff(cov["villages_share"]) >= 0).all() and (np.diff(cov["population_share"]) >= 0).all()


def _county(seed: int, n_villages: int = 200, n_stations: int = 16):
    return generate_county(seed, n_villages, n_stations)


#: Small stations in generated counties have 2 to 4 officers, the others at least 6.
FEWER_THAN_5_OFFICERS = SmallStationRule(population_quantile=None, max_officers=5)


@pytest.mark.parametrize("seed", range(10))
def test_planted_defects_found_exactly(seed):
    c = _county(seed)
    d = diagnose(c.villages, c.stations, c.jurisdictions, roads=c.roads, small_station=FEWER_THAN_5_OFFICERS)
    planted = c.defects
    assert d.split_villages == sorted(planted.split_villages)
    found = d.geometric_splits.groupby("village_id")["station_id"].agg(frozenset).to_dict()
    assert found == {v: frozenset(s) for v, s in planted.split_villages.items()}
    f = d.functional_splits
    assert set(f["kind"]) <= {"registration≠dispatch"}
    assert dict(zip(f["village_id"], zip(f["registration_station"], f["dispatch_station"], strict=True),
                    strict=True)) == planted.functional_splits
    assert tuple(d.workload.index[d.workload["small"]]) == tuple(sorted(planted.small_stations))
    # every village is in exactly one current station, and workload adds up
    assert d.current.notna().all()
    assert d.workload["villages"].sum() == len(c.villages)
    assert d.workload["population"].sum() == c.villages["population"].sum()
    # districts tile the county: areas add up, and each road km is counted once (border roads shared)
    county = c.jurisdictions.union_all()
    assert d.workload["area_km2"].sum() == pytest.approx(county.area / 1e6)
    assert d.workload["road_km"].sum() == pytest.approx(c.roads.intersection(county).length.sum() / 1000)
    text = d.summary()
    for v in planted.split_villages:
        assert v in text
    for s in planted.small_stations:
        assert f"({s})" in text.split("Small stations")[1]


@pytest.mark.parametrize("seed", range(3))
def test_slivers_from_perturbed_boundaries_are_not_splits(seed):
    c = _county(seed)
    jur = c.jurisdictions.copy()
    # every boundary moved outwards by 4 m: each district overlaps its neighbours in thin strips
    jur["geometry"] = jur.buffer(4.0)
    pieces_before = diagnose(c.villages, c.stations, c.jurisdictions)
    d = diagnose(c.villages, c.stations, jur)
    assert d.split_villages == sorted(c.defects.split_villages)
    assert (d.current == pieces_before.current).all()
    # the strips are there (a plain overlay sees them) but each holds under 1 % of its village
    overlay = gpd.overlay(c.villages, jur, how="intersection", keep_geom_type=True)
    whole = c.villages.set_index("village_id").area
    share = overlay.area.to_numpy() / whole[overlay["village_id"]].to_numpy()
    foreign = overlay["station_id"].to_numpy() != d.current[overlay["village_id"]].to_numpy()
    unplanted = ~overlay["village_id"].isin(list(c.defects.split_villages)).to_numpy()
    assert (foreign & unplanted).sum() > 10
    assert share[foreign & unplanted].max() < 0.01
    # the tolerances matter: with none, every border village counts as split
    loose = diagnose(c.villages, c.stations, jur, split_share=0.0, split_area_m2=0.0)
    assert len(loose.split_villages) > 10 * len(c.defects.split_villages)


def test_generated_shares_match_direct_shapely_intersection():
    c = _county(0)
    d = diagnose(c.villages, c.stations, c.jurisdictions)
    villages = c.villages.set_index("village_id")
    jur = c.jurisdictions.set_index("station_id")
    for row in d.geometric_splits.itertuples():
        poly = villages.geometry[row.village_id]
        area = poly.intersection(jur.geometry[row.station_id]).area
        assert row.area_m2 == pytest.approx(area, rel=1e-9)
        assert row.share == pytest.approx(area / poly.area, rel=1e-9)


def test_osm_highway_roads_are_classed():
    from jurisdiction.diagnosis.workload import road_classes

    roads = gpd.GeoDataFrame({"highway": ["motorway_link", ["trunk", "primary"], "footway", None, "residential"]},
                             geometry=[LineString([(0, 0), (1, 0)])] * 5, crs=UTM)
    assert road_classes(roads).tolist() == ["expressway", "national", "track", "other", "village"]


def test_default_small_rule_is_bottom_quarter_and_can_be_switched_off():
    c = _county(1)
    d = diagnose(c.villages, c.stations, c.jurisdictions)
    pop = d.workload["population"].to_numpy(float)
    expected = d.workload.index[pop < np.quantile(pop, 0.25)]
    assert list(d.workload.index[d.workload["small"]]) == list(expected)
    assert set(c.defects.small_stations) <= set(expected)
    off = diagnose(c.villages, c.stations, c.jurisdictions, small_station=SmallStationRule(population_quantile=None))
    assert not off.workload["small"].any()


def test_reach_on_generated_county_recomputed_independently():
    c = _county(2)
    from jurisdiction.network.graph import road_graph
    from jurisdiction.network.travel import travel_time_matrix

    tt = travel_time_matrix(road_graph(c.roads), c.villages, c.stations, max_snap_m=None)
    limit = float(np.quantile(tt.min(axis=1), 0.95))  # a tight limit, so some villages lie beyond it
    d = diagnose(c.villages, c.stations, c.jurisdictions, tt, limit=limit)
    reg = c.villages.set_index("village_id")["registration_station"]
    pop = c.villages["population"].to_numpy(float)
    func = set(c.defects.functional_splits)
    # current = registration station except where dispatch differs (dispatch wins only without polygons)
    assert all(d.current[v] == reg[v] for v in reg.index if v not in func)
    cur = np.array([tt.at[v, d.current[v]] for v in reg.index])
    assert d.reach["minutes_to_current"].to_numpy() == pytest.approx(cur)
    assert d.reach_summary["mean_minutes_to_current"] == pytest.approx(np.average(cur, weights=pop))
    assert d.reach_summary["max_minutes_to_nearest"] == pytest.approx(tt.min(axis=1).max())
    beyond = sorted(reg.index[cur > limit])
    assert sorted(d.reach.index[d.reach["beyond_limit"]]) == beyond and beyond
    assert d.reach_summary["population_beyond_limit"] == int(pop[cur > limit].sum())
    text = d.summary()
    worst = np.argsort(-cur)[: min(5, len(beyond))]  # the summary lists the slowest first
    for i in worst:
        assert f"({reg.index[i]}): {cur[i]:.1f} min" in text


@pytest.fixture(scope="module")
def dianjiang():
    from jurisdiction.network.graph import road_graph
    from jurisdiction.network.travel import travel_time_matrix

    ex = load_example("dianjiang")
    tt = travel_time_matrix(road_graph(ex.roads), ex.villages, ex.stations)
    return ex, tt


def test_dianjiang_summary_names_defects_with_recomputed_numbers(dianjiang):
    ex, tt = dianjiang
    limit = 15.0  # every Dianjiang village is within 30 min of its station; 15 min leaves some out
    d = diagnose(ex.villages, ex.stations, ex.jurisdictions, tt, roads=ex.roads, limit=limit)
    text = d.summary()
    names = ex.stations.set_index("station_id")["name"]
    # split villages: direct shapely intersections in EPSG:32648
    villages = ex.villages.to_crs("EPSG:32648").set_index("village_id")
    jur = ex.jurisdictions.to_crs("EPSG:32648")
    expected_split, largest = {}, {}
    for vid, poly in villages.geometry.items():
        areas = {}
        for sid, geom in zip(jur["station_id"], jur.geometry, strict=True):
            a = poly.intersection(geom).area
            if a > 0:
                areas[sid] = areas.get(sid, 0.0) + a
        largest[vid] = min(areas, key=lambda s: (-areas[s], s))
        kept = {s: a / poly.area for s, a in areas.items() if a / poly.area >= 0.05 and a >= 1000.0}
        if len(kept) >= 2:
            expected_split[vid] = kept
    assert expected_split, "the example is meant to contain split villages"
    assert d.split_villages == sorted(expected_split)
    for vid, kept in list(expected_split.items())[:12]:
        line = next(ln for ln in text.splitlines() if f"({vid}):" in ln)
        assert villages.at[vid, "name"] in line
        for sid, share in kept.items():
            assert f"{names[sid]} ({sid}) {share:.0%}" in line
    # reach: minutes to the largest-share station, population-weighted with numpy
    pop = villages["population"].to_numpy(float)
    minutes = np.array([tt.at[v, largest[v]] for v in villages.index])
    mean = np.average(minutes, weights=pop)
    assert d.reach_summary["mean_minutes_to_current"] == pytest.approx(mean)
    assert f"mean {mean:,.1f} min" in text
    beyond = villages.index[minutes > limit]
    assert d.reach_summary["villages_beyond_limit"] == len(beyond) > 0
    assert (f"Beyond 15 min of current station: {len(beyond)} villages, {int(pop[minutes > limit].sum()):,} people"
            in text)
    for i in np.argsort(-minutes)[: min(len(beyond), 12)]:
        assert f"{villages['name'].iloc[i]} ({villages.index[i]}): {minutes[i]:.1f} min" in text
    # small stations: bottom quarter by population of whole villages
    load = pd.Series(pop, index=[largest[v] for v in villages.index]).groupby(level=0).sum()
    load = load.reindex(ex.stations["station_id"], fill_value=0.0)
    small = load.index[load.to_numpy() < np.quantile(load.to_numpy(), 0.25)]
    assert len(small) and set(d.workload.index[d.workload["small"]]) == set(small)
    small_part = text.split("Small stations")[1]
    for sid in small:
        assert f"{names[sid]} ({sid})" in small_part
    raw = ex.villages[ex.villages["registration_station"] != ex.villages["dispatch_station"]]
    f = d.functional_splits
    assert sorted(f["village_id"]) == sorted(raw["village_id"]) and set(f["kind"]) == {"registration≠dispatch"}
    for row in raw.itertuples():
        assert f"{row.name} ({row.village_id}): registration {names[row.registration_station]}" in text
    assert "村" in d.summary("zh") and "插花村" in d.summary("zh")


def test_point_villages_on_generated_county():
    c = _county(4)
    points = c.villages.copy()
    points["geometry"] = points.representative_point()
    d = diagnose(points, c.stations, c.jurisdictions, roads=c.roads)
    poly = diagnose(c.villages, c.stations, c.jurisdictions, roads=c.roads)
    assert d.point_villages and d.geometric_splits is None
    whole = ~d.current.index.isin(list(c.defects.split_villages))
    assert (d.current[whole] == poly.current[whole]).all()
    assert d.workload["area_km2"].to_numpy() == pytest.approx(poly.workload["area_km2"].to_numpy())
    assert d.workload["road_km"].to_numpy() == pytest.approx(poly.workload["road_km"].to_numpy())
    assert len(d.functional_splits) >= len(c.defects.functional_splits)
    assert "not applicable" in d.summary()
