"""Road speeds: classes, OSM ``maxspeed`` and per-edge travel times.

Edge travel time = length / speed (docs/design.md "Travel times"). The speed is the edge's valid
OSM ``maxspeed`` when present, otherwise the speed of its road class: the Chinese classes
(expressway ... track) with OSM ``highway`` values mapped onto them
(:mod:`jurisdiction.road_classes`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from jurisdiction.errors import InputError, Problem
from jurisdiction.road_classes import DEFAULT_SPEEDS_KPH, EXTRA_HIGHWAY_CLASS, HIGHWAY_CLASS

_MPH = 1.609344
#: Plausible posted speeds, km/h: a ``maxspeed`` outside is ignored with a warning (``"999999"``, ``"1"``).
MAXSPEED_RANGE_KPH = (5.0, 150.0)
_SPEED_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


def add_travel_times(graph: nx.MultiDiGraph, speeds: Mapping[str, float] | None = None) -> nx.MultiDiGraph:
    """Set ``road_class``, ``speed_kph`` (km/h) and ``travel_time`` (minutes) on every edge, in place.

    The speed is the edge's valid OSM ``maxspeed`` (minimum of a list), else the speed of its
    class. A ``maxspeed`` (or one of a list) outside :data:`MAXSPEED_RANGE_KPH` (5-150 km/h) is ignored, and one
    warning lists such edges (by ``source_row``, OSM ``osmid`` or nodes). Edges need
    ``length`` in metres and ``road_class`` or ``highway``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Road graph with edge ``length`` (m).
    speeds : mapping of str to float, optional
        Speeds in km/h by road class, overriding :data:`DEFAULT_SPEEDS_KPH`.

    Returns
    -------
    networkx.MultiDiGraph
        The same graph.
    """
    class_speeds = check_speeds(speeds)
    implausible: dict[str, list[str]] = {}
    low, high = MAXSPEED_RANGE_KPH
    for u, v, data in graph.edges(data=True):
        road_class = data.get("road_class")
        if road_class is None or road_class not in class_speeds:
            road_class = road_class_of(data.get("highway")) or "village"
        posted = data.get("maxspeed")
        values = [parse_maxspeed(p) for p in (posted if isinstance(posted, (list, tuple)) else
                                              re.split(r"[;|]", posted) if isinstance(posted, str) else [posted])]
        plausible = [speed for speed in values if speed is not None and low <= speed <= high]
        if len(plausible) < sum(speed is not None for speed in values):
            if not data.get("maxspeed_ignored"):  # said once, not again when the graph is rebuilt
                implausible.setdefault(str(posted), []).append(_edge_label(u, v, data))
            data["maxspeed_ignored"] = True
        speed = min(plausible) if plausible else None
        if speed is None:
            speed = class_speeds[road_class]
        data["road_class"] = road_class
        data["speed_kph"] = float(speed)
        data["travel_time"] = float(data["length"]) / 1000.0 / speed * 60.0
    if implausible:
        warnings.warn(_implausible_message(implausible), stacklevel=2)
    return graph


def _edge_label(u: Any, v: Any, data: Mapping[str, Any]) -> str:
    """How a warning names an edge: its source row, else its OSM id, else its nodes."""
    if data.get("source_row") is not None:
        return f"row {data['source_row']}"
    if data.get("osmid") is not None:
        return f"way {data['osmid']}"
    return f"edge {u} -> {v}"


def _implausible_message(implausible: Mapping[str, list[str]]) -> str:
    """One warning for every implausible maxspeed, grouped by value, naming up to 5 edges per value."""
    low, high = MAXSPEED_RANGE_KPH
    edges = sum(len(labels) for labels in implausible.values())
    roads = sum(len(set(labels)) for labels in implausible.values())
    parts = []
    for value, labels in implausible.items():
        named = list(dict.fromkeys(labels))  # a two-way road is two edges of one row
        more = f" and {len(named) - 5} more" if len(named) > 5 else ""
        parts.append(f"maxspeed {value!r} on {', '.join(named[:5])}{more}")
    return (f"{roads} road(s) ({edges} directed edge(s)) have a maxspeed outside {low:g}-{high:g} km/h, "
            f"ignored (the road class's speed is used): " + "; ".join(parts))


def road_class_of(highway: Any) -> str | None:
    """The road class of an OSM ``highway`` value (or list of values), or None if not a road.

    Parameters
    ----------
    highway : str or list of str
        OSM ``highway`` tag, e.g. ``"primary"``, ``"motorway_link"``, or an already Chinese class.

    Returns
    -------
    str or None
        One of the keys of :data:`DEFAULT_SPEEDS_KPH`; for a list, the class of its first road
        (paths and footways, see :data:`EXTRA_HIGHWAY_CLASS`, only when no road is listed).
    """
    values = highway if isinstance(highway, (list, tuple)) else [highway]
    bases = [v.strip().lower() for v in values if isinstance(v, str)]
    bases = [b[:-5] if b.endswith("_link") else b for b in bases]
    for table in (dict(zip(DEFAULT_SPEEDS_KPH, DEFAULT_SPEEDS_KPH)), HIGHWAY_CLASS, EXTRA_HIGHWAY_CLASS):
        for base in bases:
            if base in table:
                return table[base]
    return None


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h; None when absent or not a number.

    Parameters
    ----------
    value : str, number or list
        ``"50"``, ``"50 mph"``, ``"50;70"`` (the minimum is taken), ``["50", "60"]``. Symbolic
        values (``"RU:urban"``, ``"none"``, ``"walk"``) and values <= 0 give None.

    Returns
    -------
    float or None
        Speed in km/h.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parsed = [parse_maxspeed(v) for v in value]
        valid = [p for p in parsed if p is not None]
        return min(valid) if valid else None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        speed = float(value)
        return speed if math.isfinite(speed) and speed > 0 else None
    if not isinstance(value, str):
        return None
    if ";" in value or "|" in value:
        return parse_maxspeed(re.split(r"[;|]", value))
    match = _SPEED_RE.match(value)
    if match is None:
        return None
    speed = float(match.group(1))
    unit = (match.group(2) or "").lower()
    if unit == "mph":
        speed *= _MPH
    elif unit == "knots":
        speed *= 1.852
    return speed if speed > 0 else None


def check_speeds(speeds: Mapping[str, float] | None) -> dict[str, float]:
    """Default speeds updated with the caller's, each checked (km/h, > 0; bad ones named)."""
    merged = dict(DEFAULT_SPEEDS_KPH)
    problems = []
    for road_class, speed in (speeds or {}).items():
        try:
            value = float(speed)
        except (TypeError, ValueError):
            problems.append(Problem(str(road_class), f"speed {speed!r} for road class {road_class!r} is not a number"))
            continue
        if not math.isfinite(value) or value <= 0:
            problems.append(Problem(str(road_class), f"speed {speed!r} km/h for road class {road_class!r} must be > 0"))
            continue
        key = road_class_of(road_class) or str(road_class)
        merged[key] = value
    if problems:
        raise InputError("speeds", problems)
    return merged
