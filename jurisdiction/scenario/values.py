"""Checks of single scenario values.

Each returns the value in its canonical form or raises
:class:`~jurisdiction.errors.ScenarioError` naming the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jurisdiction.errors import ScenarioError, finite_number
from jurisdiction.road_classes import ROAD_CLASSES

#: Weight columns a village layer carries (objective blends and balance).
WEIGHT_COLUMNS = ("population", "incidents")


def choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ScenarioError(f"{key}: {value!r} is not one of {', '.join(allowed)}")


#: The environment variable that holds the Tianditu key when the scenario has none.
TIANDITU_ENV = "TIANDITU_KEY"


def tile_key(tiles: str, key: str | None) -> str | None:
    """The key a base map needs: ``key`` or ``$TIANDITU_KEY`` for the tianditu maps, else None.

    Raises
    ------
    ScenarioError
        A tianditu base map without a key (naming ``outputs.tianditu_key`` and the variable),
        or a key that is not a plain token.
    """
    if not tiles.startswith("tianditu"):
        return None
    key = key or os.environ.get(TIANDITU_ENV, "")
    if not key:
        raise ScenarioError(f"outputs.tianditu_key: the {tiles} base map needs a Tianditu key (tk): set "
                            f"[outputs] tianditu_key or the environment variable {TIANDITU_ENV}")
    if not isinstance(key, str) or not re.fullmatch(r"[0-9A-Za-z]+", key):
        raise ScenarioError("outputs.tianditu_key: expected the key's letters and digits only")
    return key


def int_range(value: Any) -> tuple[int, int] | None:
    """``(low, high)`` from a two-integer list with 1 <= low <= high, else None."""
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    ):
        return (int(value[0]), int(value[1]))
    return None


def centres_value(value: Any) -> int | tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if (bounds := int_range(value)) is not None:
        return bounds
    raise ScenarioError(f"centres: expected a positive integer or [min, max], got {value!r}")


def count_value(key: str, value: Any) -> int | None:
    """A positive integer (threads, workers), or None."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ScenarioError(f"{key}: expected a positive integer, got {value!r}")
    return value


def address_value(key: str, value: Any) -> str | None:
    """A scheduler's address (``tcp://host:8786``), or None."""
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise ScenarioError(f"{key}: expected an address such as \"tcp://host:8786\", got {value!r}")
    return value


def sizes_value(value: Any) -> tuple[int, int]:
    if (bounds := int_range(value)) is not None:
        return bounds
    raise ScenarioError(f"bundling.sizes: expected [gmin, gmax] with 1 <= gmin <= gmax, got {value!r}")


#: ``[bundling] stations = "auto"``: the small stations (小散弱) and their neighbours may be bundled.
AUTO = "auto"


def bundling_values(stations: Any, sizes: Any, min_officers: Any, min_population: Any) -> dict[str, Any]:
    """``[bundling] stations`` (a list of station ids, or :data:`AUTO`) and the viability rule (people).

    Returns the Scenario fields ``bundle_stations``, ``min_officers``, ``min_population``;
    ``"auto"`` needs ``sizes`` and a rule.
    """
    rule = {key: None if value is None else finite_number(f"bundling.{key}", value, positive=True)
            for key, value in (("min_officers", min_officers), ("min_population", min_population))}
    if stations == AUTO and (sizes is None or rule == {"min_officers": None, "min_population": None}):
        raise ScenarioError('bundling.stations = "auto" needs bundling.sizes and min_officers or min_population')
    return {"bundle_stations": AUTO if stations == AUTO else ids_value("bundle_stations", stations), **rule}


def ids_value(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise ScenarioError(f"{key}: expected a list of station ids, got {value!r}")
    return tuple(str(v) for v in value)


def speeds_value(value: Any) -> dict[str, float]:
    """``[network] speeds``: km/h by road class (a class of :data:`~jurisdiction.road_classes.ROAD_CLASSES`)."""
    if not isinstance(value, Mapping):
        raise ScenarioError(f"speeds: expected a table of road class = km/h, got {value!r}")
    unknown = sorted(set(value) - set(ROAD_CLASSES))
    if unknown:
        raise ScenarioError(f"speeds: unknown road class(es) {unknown}; expected some of {list(ROAD_CLASSES)}")
    return {road_class: finite_number(f"speeds.{road_class}", speed, positive=True)
            for road_class, speed in value.items()}


def minutes_value(value: Any) -> tuple[float, ...]:
    """``[outputs] isochrones``: thresholds in minutes, sorted."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ScenarioError(f"isochrones: expected a list of minutes, got {value!r}")
    return tuple(sorted(finite_number("isochrones", t, positive=True) for t in value))


def weight_value(value: Any) -> str | dict[str, float]:
    if isinstance(value, str):
        choice("weight", value, WEIGHT_COLUMNS)
        return value
    if isinstance(value, Mapping) and value:
        blend = {}
        for column, factor in value.items():
            choice("weight", column, WEIGHT_COLUMNS)
            blend[column] = finite_number(f"weight.{column}", factor, low=0.0)
        return blend
    raise ScenarioError(f"weight: expected a column name or a blend table, got {value!r}")
