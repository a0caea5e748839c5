"""A small hand-made plan, duck-typed like :class:`jurisdiction.pipeline.Plan`, for output tests.

Six square villages near Dianjiang (WGS84), three stations: 城关 becomes a centre that
absorbs 北关 as a post (2合1), 澄溪 stays its own station. One village has a hostile name
(``<img src=x onerror=alert(1)>``) to check escaping; the others are Chinese.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, box

HOSTILE = "<img src=x onerror=alert(1)>"
LON0, LAT0, STEP = 107.33, 30.30, 0.02


def _cell(i: int, j: int):
    return box(LON0 + i * STEP, LAT0 + j * STEP, LON0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP)


def make_plan(points: bool = False) -> SimpleNamespace:
    """A plan with 6 villages, 3 stations, 2 districts after (3 before); WGS84.

    Parameters
    ----------
    points : bool
        Villages as points (their centroids) instead of polygons.
    """
    rows = [
        # village_id, name, (i, j), population, incidents, current, centre, minutes_before, minutes
        ("v1", HOSTILE, (0, 0), 1200, 30, "S1", "S1", 3.0, 3.0),
        ("v2", "东庄村", (1, 0), 800, 12, "S1", "S1", 6.5, 6.5),
        ("v3", "西坦村", (2, 0), 950, 8, "S3", "S3", 7.0, 7.0),
        ("v4", "桂溪村", (0, 1), 600, 5, "S2", "S1", 4.0, 9.0),
        ("v5", "高峰村", (1, 1), 700, 6, "S2", "S1", 5.5, 11.0),
        ("v6", "沙坪村", (2, 1), 400, 2, "S3", "S3", math.inf, 12.5),
    ]
    geoms = [_cell(*r[2]) for r in rows]
    villages = gpd.GeoDataFrame(
        {
            "village_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "population": [r[3] for r in rows],
            "incidents": [r[4] for r in rows],
            "township": ["桂溪街道", "桂溪街道", "澄溪镇", "桂溪街道", "高峰镇", "澄溪镇"],
            "current": [r[5] for r in rows],
            "centre": [r[6] for r in rows],
            "minutes_before": [r[7] for r in rows],
            "minutes": [r[8] for r in rows],
            "moved": [r[5] != r[6] for r in rows],
        },
        geometry=[g.centroid for g in geoms] if points else geoms,
        crs="EPSG:4326",
    )
    polygons = gpd.GeoDataFrame(villages.drop(columns="geometry"), geometry=geoms, crs="EPSG:4326")
    stations = gpd.GeoDataFrame(
        {
            "station_id": ["S1", "S2", "S3"],
            "name": ["城关派出所", "北关派出所", "澄溪派出所 <b>&</b>"],
            "kind": ["urban", "rural", "rural"],
            "officers": [40, 8, 12],
            "role": ["centre", "post", "station"],
            "centre": ["S1", "S1", "S3"],
        },
        geometry=[_cell(0, 0).centroid, _cell(0, 1).centroid, _cell(2, 1).centroid],
        crs="EPSG:4326",
    )
    names = dict(zip(stations.station_id, stations.name))

    after = polygons.dissolve(by="centre", aggfunc={"village_id": "count", "population": "sum",
                                                     "incidents": "sum"}).reset_index()
    districts = gpd.GeoDataFrame(
        {
            "centre": after["centre"],
            "name": [names[c] for c in after["centre"]],
            "villages": after["village_id"].astype(int),
            "population": after["population"].astype(int),
            "incidents": after["incidents"].astype(int),
            "area_km2": [15.3, 7.7],
            "road_km": [22.5, 9.1],
            "road_km_county": [10.0, 4.1],
            "road_km_village": [12.5, 5.0],
            "max_minutes": [11.0, 12.5],
            "mean_minutes": [5.9, 9.0],
            "officers": [48, 12],
            "officers_needed": [18, 7],
            "posts": ["北关派出所", ""],
        },
        geometry=after.geometry.values,
        crs="EPSG:4326",
    )
    before = polygons.dissolve(by="current").reset_index()
    current_districts = gpd.GeoDataFrame(
        {"station_id": before["current"], "name": [names[s] for s in before["current"]]},
        geometry=before.geometry.values, crs="EPSG:4326",
    )
    left, right = box(LON0 + STEP, LAT0, LON0 + 1.6 * STEP, LAT0 + STEP), box(
        LON0 + 1.6 * STEP, LAT0, LON0 + 2 * STEP, LAT0 + STEP)
    split_villages = gpd.GeoDataFrame(
        {"village_id": ["v2", "v2"], "name": ["东庄村", "东庄村"], "station_id": ["S1", "S2"],
         "share": [0.6, 0.4]},
        geometry=[left, right], crs="EPSG:4326",
    )
    iso = []
    for sid, pt in zip(stations.station_id, stations.geometry):
        for minutes, radius in ((5, 0.012), (10, 0.022), (15, 0.032)):
            iso.append({"station_id": sid, "minutes": minutes, "geometry": pt.buffer(radius)})
    isochrones = gpd.GeoDataFrame(iso, crs="EPSG:4326")
    roads = gpd.GeoDataFrame(
        {"road_class": ["county", "village", "national"], "name": ["县道 X101", "村道", "G318"]},
        geometry=[LineString([(LON0, LAT0 + 0.01), (LON0 + 0.06, LAT0 + 0.01)]),
                  LineString([(LON0 + 0.01, LAT0), (LON0 + 0.01, LAT0 + 0.04)]),
                  LineString([(LON0, LAT0 + 0.035), (LON0 + 0.06, LAT0 + 0.03)])],
        crs="EPSG:4326",
    )
    metrics = pd.DataFrame(
        {"before": [1, 0, 5.2, math.inf, 1.45, 0.83], "after": [0, 0, 7.1, 12.5, 1.12, 1.0]},
        index=pd.Index(["split villages", "villages beyond limit", "population-weighted mean minutes",
                        "max minutes", "workload spread (max/mean)", "coverage within 15 min"],
                       name="metric"),
    )
    solver = {"status": "Optimal", "objective": 30_125.0, "bound": 30_125.0, "gap": 0.0,
              "seconds": 0.04, "solver": "HiGHS", "formulation": "p-median + bundling",
              "n_variables": 25, "n_constraints": 31}
    workload = pd.DataFrame({"station_id": ["S1", "S2", "S3"], "population": [2000, 1300, 1350]})
    reach = pd.DataFrame({"village_id": villages.village_id, "minutes_to_current": villages.minutes_before})
    diagnosis = SimpleNamespace(
        summary=lambda language="zh": (
            f"1 个村被拆分（东庄村）；1 个村（沙坪村）无法到达。{HOSTILE}" if language == "zh"
            else f"1 split village (东庄村); 1 unreachable village (沙坪村). {HOSTILE}"),
        workload=workload, reach=reach,
    )
    # station -> village minutes: a village's own centre as in ``minutes``, the others farther
    travel_times = pd.DataFrame(
        [[r[8] + (0.0 if r[6] == s else 4.5) for s in ("S1", "S2", "S3")] for r in rows],
        index=pd.Index([r[0] for r in rows], name="village_id"), columns=["S1", "S2", "S3"],
    )
    scenario = SimpleNamespace(name="垫江 2合1 <test>", limit=15.0, balance=0.3, balance_weight="population")
    return SimpleNamespace(
        villages=villages, stations=stations, districts=districts,
        current_districts=current_districts, split_villages=split_villages,
        isochrones=isochrones, roads=roads, metrics=metrics, solver=solver,
        diagnosis=diagnosis, scenario=scenario, travel_times=travel_times,
        attribution="村界：示例数据 <script>alert(2)</script>；道路 © OpenStreetMap contributors",
    )


#: The only ways the hostile name may appear in a file: HTML-escaped (then maybe JSON-escaped).
ESCAPED_PREFIXES = ("&lt;", "\\u0026lt;", "&amp;lt;", "\\u0026amp;lt;")


def assert_only_escaped(page: str, needle: str = "img src=x onerror=alert(1)") -> None:
    """Every occurrence of ``needle`` is preceded by an escaped ``<``; at least one occurrence."""
    starts = [m.start() for m in re.finditer(re.escape(needle), page)]
    assert starts, "the hostile name is missing from the page"
    for start in starts:
        before = page[max(0, start - 12):start]
        assert before.endswith(ESCAPED_PREFIXES), f"unescaped occurrence: ...{page[start - 20:start + 40]}..."
    assert "<img src=x" not in page and "\\u003cimg src=x" not in page.lower()
