"""The geometric checks of :func:`jurisdiction.verify_plan`, and what every check shares.

Every check takes the :class:`Evidence` (the written plan, the input layers it was made from,
the travel minutes rebuilt by :mod:`jurisdiction.verification.roads`) and returns one
:class:`Check`; a failing check lists every row at fault (the first :data:`MAX_LISTED`).
Here: villages, stations, whole, connected, centre_inside; the scenario's rules (centres,
limit, minutes, balance, bundles, objective) are in :mod:`jurisdiction.verification.rules`.
Nothing here imports the optimiser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import Delaunay

from jurisdiction.errors import MAX_LISTED
from jurisdiction.scenario.values import AUTO

#: Two travel times agree within max(MINUTES_TOLERANCE, MINUTES_TOLERANCE_SHARE x the time).
MINUTES_TOLERANCE = 0.5
MINUTES_TOLERANCE_SHARE = 0.02
#: A village lies in another district, or differs from its input polygon, beyond
#: max(AREA_TOLERANCE_M2, AREA_TOLERANCE_SHARE x its area).
AREA_TOLERANCE_M2 = 1.0
AREA_TOLERANCE_SHARE = 0.001
#: A point (station, point village) this close (metres) to a shape is on it.
DISTANCE_TOLERANCE_M = 1.0
#: Villages sharing a border at least this long (metres) are neighbours.
MIN_BORDER_M = 1.0

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Check:
    """One property of a plan and whether it holds.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"connected"``.
    ok : bool
        True when the property holds (or could not be checked, see ``checked``).
    detail : str
        What was found, with the rows at fault when it fails.
    checked : bool
        False when the folder does not carry what the check needs (then ``ok`` is True).
    """

    name: str
    ok: bool
    detail: str
    checked: bool = True

    def line(self) -> str:
        """``ok      name  detail`` (``FAIL``, ``--`` not checked): how the command line prints it."""
        state = "--" if not self.checked else "ok" if self.ok else "FAIL"
        return f"{state:4s}  {self.name:13s} {self.detail}"


@dataclass(frozen=True)
class Evidence:
    """What the checks look at; geometry in one metric CRS, ids as text.

    Attributes
    ----------
    settings : Scenario
        The scenario the plan was made with.
    villages, stations, districts : GeoDataFrame
        The plan's layers (rows as written, duplicates included).
    input_villages, input_stations : GeoDataFrame
        The layers the scenario names, as the package's loaders validate them.
    minutes : ndarray or None
        Rebuilt minutes from each plan village's centre (``inf``: unknown village or centre,
        or unreachable), in the villages' row order; None when the roads cannot be read.
    reported : dict
        The solver section of ``metrics.json`` (``objective`` in the model's unit).
    pins : dict
        Village id -> the station it is pinned to, from the pins file the settings name.
    """

    settings: Any
    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    input_villages: gpd.GeoDataFrame
    input_stations: gpd.GeoDataFrame
    minutes: np.ndarray | None
    reported: dict
    pins: dict = field(default_factory=dict)


def clean(text: Any) -> str:
    """``text`` as a string without control characters (names come from untrusted data)."""
    return _CONTROL.sub("", str(text))


def agree(a: float, b: float) -> bool:
    """Whether two travel times in minutes agree within the stated tolerance."""
    return abs(a - b) <= max(MINUTES_TOLERANCE, MINUTES_TOLERANCE_SHARE * max(abs(a), abs(b)))


def outcome(name: str, problems: Sequence[str], ok_detail: str) -> Check:
    """A passing check with ``ok_detail``, or a failing one listing ``problems``."""
    if not problems:
        return Check(name, True, ok_detail)
    shown = "; ".join(problems[:MAX_LISTED])
    more = f"; ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    return Check(name, False, f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {shown}{more}")


def names_of(layer: pd.DataFrame, key: str) -> dict[str, str]:
    """Id -> name (control characters removed) of an input layer."""
    names = layer["name"] if "name" in layer.columns else pd.Series("", index=layer.index)
    return {str(i): clean(n) for i, n in zip(layer[key], names.fillna(""))}


def label(kind: str, ident: Any, names: dict[str, str]) -> str:
    """``village 500231001001 (name)``: how rows are named in the details."""
    name = names.get(str(ident), "")
    return f"{kind} {clean(ident)}" + (f" ({name})" if name else "")


def reports_to(stations: pd.DataFrame) -> dict[str, str]:
    """station_id -> the centre it reports to, from the plan (first row of a repeated id)."""
    table = stations.drop_duplicates("station_id")
    return dict(zip(table["station_id"], table["centre"]))


def centres_of(stations: pd.DataFrame) -> set[str]:
    """The plan's centres: stations that report to themselves."""
    return {s for s, c in reports_to(stations).items() if s == c}


def area_tolerance(area: np.ndarray) -> np.ndarray:
    """Area (m²) a village of ``area`` m² may have elsewhere than it should."""
    return np.maximum(AREA_TOLERANCE_M2, AREA_TOLERANCE_SHARE * area)


def bundle_scope(settings: Any, station_ids: Sequence[str]) -> set[str]:
    """The stations that take part in bundling (all of them without a list, or with ``"auto"``)."""
    if settings.bundle_sizes is not None and settings.bundle_stations and settings.bundle_stations != AUTO:
        return set(settings.bundle_stations)
    return set(station_ids)


def ruled(settings: Any) -> bool:
    """True when the scenario bundles under a viability rule (min_officers, min_population)."""
    return settings.bundle_sizes is not None and (settings.min_officers is not None
                                                  or settings.min_population is not None)


def check_villages(ev: Evidence) -> Check:
    """Every input village appears exactly once in the plan, with a centre."""
    expected = set(ev.input_villages["village_id"])
    names = names_of(ev.input_villages, "village_id")
    counts = ev.villages["village_id"].value_counts()
    problems = [f"{label('village', v, names)} is missing" for v in sorted(expected - set(counts.index))]
    problems += [f"{label('village', v, names)} appears {n} times" for v, n in counts.items() if n > 1]
    problems += [f"village {clean(v)} is not an input village" for v in sorted(set(counts.index) - expected)]
    blank = ev.villages["centre"].isna() | (ev.villages["centre"] == "")
    problems += [f"{label('village', v, names)} has no centre" for v in ev.villages.loc[blank, "village_id"]]
    return outcome("villages", problems,
                   f"all {len(expected)} input villages, each exactly once with a centre")


def check_stations(ev: Evidence) -> Check:
    """Stations as in the input (ids, places), each reporting to a centre; villages go to centres."""
    names = names_of(ev.input_stations, "station_id")
    known = set(ev.input_stations["station_id"])
    counts = ev.stations["station_id"].value_counts()
    problems = [f"{label('station', s, names)} is missing" for s in sorted(known - set(counts.index))]
    problems += [f"{label('station', s, names)} appears {n} times" for s, n in counts.items() if n > 1]
    problems += [f"station {clean(s)} is not an input station" for s in sorted(set(counts.index) - known)]
    where = ev.input_stations.drop_duplicates("station_id").set_index("station_id").geometry
    for sid, point in zip(ev.stations["station_id"], ev.stations.geometry):
        off = shapely.distance(point, where[sid]) if sid in where.index else 0.0
        if off > DISTANCE_TOLERANCE_M:
            problems.append(f"{label('station', sid, names)} is {off:,.0f} m from where the input puts it")
    centres = centres_of(ev.stations) & known
    scope = bundle_scope(ev.settings, sorted(known))
    if ruled(ev.settings):  # a station alone under the rule keeps its district untouched
        scope &= {c for s, c in reports_to(ev.stations).items() if s != c}
    for sid, centre, role in zip(ev.stations["station_id"], ev.stations["centre"], ev.stations["role"]):
        if centre not in centres:
            problems.append(f"{label('station', sid, names)} reports to {clean(centre)}, which is no centre")
            continue
        expected = "post" if centre != sid else "centre" if sid in scope else "station"
        if role != expected:
            problems.append(f"{label('station', sid, names)} has role {clean(role)!r}, expected {expected!r}")
    wrong = ev.villages[~ev.villages["centre"].isin(centres) & ev.villages["centre"].notna()]
    village_names = names_of(ev.input_villages, "village_id")
    problems += [f"{label('village', v, village_names)} goes to {clean(c)}, which is no known centre"
                 for v, c in zip(wrong["village_id"], wrong["centre"])]
    return outcome("stations", problems, f"{len(known)} stations as in the input; {len(centres)} centres; "
                                         f"every village and post with a centre")


def check_whole(ev: Evidence) -> Check:
    """Each village is its input shape, inside its own district and in no other one (districts layer)."""
    names = names_of(ev.input_villages, "village_id")
    source = ev.input_villages.drop_duplicates("village_id").set_index("village_id").geometry
    plan = ev.villages[ev.villages["village_id"].isin(source.index)]
    ids, centre = plan["village_id"].to_numpy(), plan["centre"].to_numpy()
    shapes = np.asarray(plan.geometry.array, dtype=object)
    truth = np.asarray(source.reindex(ids).array, dtype=object)
    points = bool(len(shapes)) and bool(np.all(shapely.get_type_id(shapes) == 0))
    if points:
        changed = shapely.distance(shapes, truth) > DISTANCE_TOLERANCE_M
    else:
        difference = shapely.area(shapely.symmetric_difference(shapes, truth))
        changed = difference > area_tolerance(shapely.area(truth))
    problems = [f"{label('village', v, names)} differs from its input shape" for v in ids[changed]]
    if points:
        return outcome("whole", problems, f"{len(plan)} point villages at their input places")
    districts = ev.districts.dropna(subset=["centre"])
    polygons = np.asarray(districts.geometry.array, dtype=object)
    owners = districts["centre"].to_numpy()
    missing = sorted(set(plan["centre"].dropna()) - set(owners))
    problems += [f"centre {clean(c)} has no district polygon" for c in missing]
    rows, hits = shapely.STRtree(polygons).query(shapes, predicate="intersects")
    shared = shapely.area(shapely.intersection(shapes[rows], polygons[hits]))
    tolerance = area_tolerance(shapely.area(shapes))
    mine = owners[hits] == centre[rows]
    own = np.bincount(rows[mine], weights=shared[mine], minlength=len(shapes))
    for r, h, area in zip(rows[~mine], hits[~mine], shared[~mine]):
        if area > tolerance[r]:
            problems.append(f"{label('village', ids[r], names)} of {clean(centre[r])} has {area:,.0f} m² "
                            f"in the district of {clean(owners[h])}")
    outside = (shapely.area(shapes) - own > tolerance) & ~np.isin(centre, missing)
    problems += [f"{label('village', v, names)} is not inside the district of {clean(c)}"
                 for v, c in zip(ids[outside], centre[outside])]
    return outcome("whole", problems, f"{len(plan)} villages whole, each inside its own district only "
                                      f"(tolerance {AREA_TOLERANCE_M2:g} m² or {AREA_TOLERANCE_SHARE:.1%})")


def neighbours(shapes: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of villages sharing a border of at least MIN_BORDER_M (points: Delaunay neighbours)."""
    if len(shapes) < 2:
        return []
    if np.all(shapely.get_type_id(shapes) == 0):
        xy = shapely.get_coordinates(shapes)
        if len(xy) == 2 or np.linalg.matrix_rank(xy - xy.mean(axis=0)) < 2:
            order = np.lexsort((xy[:, 1], xy[:, 0]))  # on a line: a chain
            return list(zip(order[:-1].tolist(), order[1:].tolist()))
        triangles = Delaunay(xy).simplices
        return [(int(t[a]), int(t[b])) for t in triangles for a, b in ((0, 1), (1, 2), (2, 0))]
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(shapes)
    border = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    return list(zip(left[border >= MIN_BORDER_M].tolist(), right[border >= MIN_BORDER_M].tolist()))


def check_connected(ev: Evidence) -> Check:
    """Each district is one piece through shared village borders."""
    names = names_of(ev.input_villages, "village_id")
    station_names = names_of(ev.input_stations, "station_id")
    plan = ev.villages.drop_duplicates("village_id").dropna(subset=["centre"])
    shapes = np.asarray(plan.geometry.array, dtype=object)
    centre, ids = plan["centre"].to_numpy(), plan["village_id"].to_numpy()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(shapes)))
    graph.add_edges_from((a, b) for a, b in neighbours(shapes) if centre[a] == centre[b])
    problems = []
    # Pieces holding a pinned village the user allowed apart ([pins] allow_disconnected) do not count.
    allowed = set(ev.pins) if getattr(ev.settings, "allow_disconnected", False) else set()
    for c in sorted(set(centre)):
        members = np.flatnonzero(centre == c).tolist()
        pieces = sorted(nx.connected_components(graph.subgraph(members)), key=len)
        pieces = [piece for piece in pieces[:-1] if not allowed & {ids[i] for i in piece}] + pieces[-1:]
        if len(pieces) > 1:
            cut_off = ", ".join(label("village", ids[i], names) for i in sorted(pieces[0])[:5])
            problems.append(f"the district of {label('centre', c, station_names)} falls into {len(pieces)} "
                            f"pieces; the smallest: {cut_off}")
    return outcome("connected", problems,
                   f"{len(set(centre))} districts, each one piece through shared borders")


def check_centre_inside(ev: Evidence) -> Check:
    """Each centre's station stands in its own district (or, outside every village, nearest to it)."""
    names = names_of(ev.input_stations, "station_id")
    village_names = names_of(ev.input_villages, "village_id")
    where = ev.input_stations.drop_duplicates("station_id").set_index("station_id").geometry
    plan = ev.villages.drop_duplicates("village_id").dropna(subset=["centre"])
    shapes = np.asarray(plan.geometry.array, dtype=object)
    centre, ids = plan["centre"].to_numpy(), plan["village_id"].to_numpy()
    tree = shapely.STRtree(shapes)
    centres = sorted(centres_of(ev.stations) & set(where.index))
    problems = []
    for c in centres:
        members = centre == c
        if not members.any():
            problems.append(f"{label('centre', c, names)} has no villages")
            continue
        if shapely.distance(where[c], shapes[members]).min() <= DISTANCE_TOLERANCE_M:
            continue
        nearest = int(tree.query_nearest(where[c], all_matches=False)[0])
        inside = shapely.distance(where[c], shapes[nearest]) <= DISTANCE_TOLERANCE_M
        if not inside and centre[nearest] == c:
            continue  # outside every village: the nearest one is its district's root
        village = label("village", ids[nearest], village_names)
        problems.append(f"{label('centre', c, names)} stands {'in' if inside else 'nearest'} {village}, "
                        f"which goes to {clean(centre[nearest])}")
    return outcome("centre_inside", problems,
                   f"each of the {len(centres)} centres stands in its own district")
