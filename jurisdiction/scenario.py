"""Scenarios: a frozen, validated configuration of one redistricting run.

A scenario is built in Python (``Scenario(centres=8, limit=30)``) or read from a TOML file
(:func:`read_scenario`). Every field is checked when the scenario is made; an unknown key or a
bad value raises :class:`~jurisdiction.errors.ScenarioError` naming the key.

TOML layout (every section and key optional except where the model needs it)::

    name = "dianjiang-2023"

    [data]                 # where `jurisdiction plan` reads its layers (paths relative to the file)
    example = "dianjiang"  # or: villages = "v.gpkg", stations = "...", jurisdictions = "...", roads = "..."
    # or a table per layer: [data.villages] path, layer, crs, datum, encoding, columns = { "村名" = "name" }

    [model]
    objective = "p-median" # p-median | p-center | max-covering | set-covering
    centres = 8            # exact number, or [min, max]
    limit = 30             # minutes: no village farther than this from its centre
    weight = "population"  # population | incidents | {population = 0.5, incidents = 0.5}
    balance = 0.5          # tolerance e on the balanced weight, or omit
    contiguity = "shortest-path"   # shortest-path | cuts | none

    [bundling]             # 2合1 / 3合1
    sizes = [2, 3]
    stations = ["500231101", ...]  # stations taking part; the others keep their districts
    follow_station = true
    disruption = 0.0

    [stations]
    fixed = []
    excluded = []

    [network]
    speeds = { national = 70 }
    access_speed = 20
    max_snap_m = 2000      # metres: a village or station farther from the roads is an error

    [solver]
    name = "highs"
    time_limit = 120
    gap = 0.0
    log = false            # true: print the solver's own log on stdout

    [outputs]
    folder = "maps/dianjiang"
    isochrones = [5, 10, 15, 30]
    tiles = "openstreetmap"
    language = "zh"
    officers_per_10k = 5.39
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from jurisdiction.errors import ScenarioError, finite_number
from jurisdiction.inputs.sources import LAYERS, data_settings, scenario_text, split_layer_table
from jurisdiction.optimise.instance import CONTIGUITY, MODELS, SOLVERS
from jurisdiction.road_classes import ROAD_CLASSES

TILES = ("openstreetmap", "none", "amap")
LANGUAGES = ("zh", "en")
WEIGHT_COLUMNS = ("population", "incidents")

#: TOML section -> {key in the file: Scenario field}.
SECTIONS: dict[str, dict[str, str]] = {
    "": {"name": "name"},
    "data": {
        "example": "example",
        "villages": "villages",
        "stations": "stations",
        "jurisdictions": "jurisdictions",
        "roads": "roads",
        "datum": "datum",
    },
    "model": {
        "objective": "objective",
        "centres": "centres",
        "limit": "limit",
        "weight": "weight",
        "balance": "balance",
        "balance_weight": "balance_weight",
        "contiguity": "contiguity",
    },
    "bundling": {
        "sizes": "bundle_sizes",
        "stations": "bundle_stations",
        "follow_station": "follow_station",
        "disruption": "disruption",
    },
    "stations": {"fixed": "fixed", "excluded": "excluded"},
    "network": {"speeds": "speeds", "access_speed": "access_speed", "max_snap_m": "max_snap_m"},
    "solver": {
        "name": "solver", "time_limit": "time_limit", "gap": "gap", "threads": "threads", "log": "log",
    },
    "outputs": {
        "folder": "folder",
        "isochrones": "isochrones",
        "tiles": "tiles",
        "language": "language",
        "officers_per_10k": "officers_per_10k",
    },
}


@dataclass(frozen=True)
class Scenario:
    """One redistricting run: model, limits, bundling, solver and outputs.

    Parameters
    ----------
    name : str
        Label used in titles and file names.
    objective : str
        ``"p-median"`` (population-weighted travel minutes, the default), ``"p-center"``,
        ``"max-covering"`` or ``"set-covering"``.
    centres : int or (int, int) or None
        Number of centres. With bundling, the number of centres formed from the bundled
        stations (stations outside the bundle keep their own district and are not counted).
    limit : float or None
        Travel-time limit T in minutes: no village is assigned beyond it.
    weight : str or mapping
        Objective weight per village: a column name or a blend ``{column: factor}``.
    balance : float or None
        Workload tolerance e: each district's ``balance_weight`` within (1 ± e) of the mean.
    balance_weight : str
        Column balanced (``population`` or ``incidents``).
    contiguity : str or None
        ``"shortest-path"`` (compact), ``"cuts"`` (exact) or None.
    bundle_sizes : (int, int) or None
        Stations per centre, (gmin, gmax); (2, 3) is the 2合1 / 3合1 rule.
    bundle_stations : tuple of str
        Station ids that take part in bundling (empty: all stations).
    follow_station : bool
        Villages follow their current station into its bundle (no village moves alone).
    disruption : float
        Penalty per unit of weight that leaves its current station's centre (when villages may
        move alone).
    fixed, excluded : tuple of str
        Stations that must stay a centre / may not become one (added to the layer's columns).
    speeds : mapping of str to float
        Road speeds in km/h by class, overriding the defaults.
    access_speed : float
        Speed in km/h of the straight-line leg from a village or station to the road.
    max_snap_m : float
        Metres: a village or station farther than this from the main road network is an input
        error naming it (:mod:`jurisdiction.network.snapping`). Default 2000.
    solver : str
        ``"highs"`` or ``"cbc"``.
    time_limit : float or None
        Solver time limit in seconds.
    gap : float
        Relative optimality gap at which the solver may stop.
    threads : int or None
        Worker threads of the optimiser's own searches and CBC's threads (see
        :class:`jurisdiction.optimise.Options`).
    log : bool
        Print the solver's own log (banner, progress) on stdout; off by default.
    isochrones : tuple of float
        Isochrone thresholds in minutes drawn on the plan map.
    tiles : str
        Base map: ``"openstreetmap"``, ``"none"`` or ``"amap"`` (overlays shifted to GCJ-02).
    language : str
        ``"zh"`` or ``"en"`` for the report.
    officers_per_10k : float or None
        Target ratio for "officers needed" per district (officers per 10,000 residents).
    example, villages, stations, jurisdictions, roads, datum : str or None
        Where ``jurisdiction plan`` reads its data: an embedded example, or file paths.
    layer_options : mapping
        Per layer, how to read it (``layer``, ``crs``, ``datum``, ``encoding``, ``columns``; see
        :mod:`jurisdiction.inputs.sources`): the ``[data.<layer>]`` tables.
    folder : str or None
        Where outputs are written.
    """

    name: str = "plan"
    objective: str = "p-median"
    centres: int | tuple[int, int] | None = None
    limit: float | None = None
    weight: str | Mapping[str, float] = "population"
    balance: float | None = None
    balance_weight: str = "population"
    contiguity: str | None = None
    bundle_sizes: tuple[int, int] | None = None
    bundle_stations: tuple[str, ...] = ()
    follow_station: bool = True
    disruption: float = 0.0
    fixed: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    speeds: Mapping[str, float] = field(default_factory=dict)
    access_speed: float = 20.0
    max_snap_m: float = 2000.0
    solver: str = "highs"
    time_limit: float | None = None
    gap: float = 0.0
    threads: int | None = None
    log: bool = False
    isochrones: tuple[float, ...] = (5.0, 10.0, 15.0, 30.0)
    tiles: str = "openstreetmap"
    language: str = "zh"
    officers_per_10k: float | None = None
    example: str | None = None
    villages: str | None = None
    stations: str | None = None
    jurisdictions: str | None = None
    roads: str | None = None
    datum: str | None = None
    layer_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    folder: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        self.__dict__.update(data_settings(self))  # name, [data] paths and datums, [data.<layer>] tables
        _choice("objective", self.objective, MODELS)
        _choice("solver", self.solver, SOLVERS)
        _choice("tiles", self.tiles, TILES)
        _choice("language", self.language, LANGUAGES)
        if self.contiguity in ("none", ""):
            set_(self, "contiguity", None)
        if self.contiguity is not None:
            _choice("contiguity", self.contiguity, CONTIGUITY[1:])
        set_(self, "centres", _centres(self.centres))
        if self.centres is None and self.objective != "set-covering":
            raise ScenarioError(f"centres: the {self.objective} model needs a number of centres")
        for key in ("limit", "time_limit", "officers_per_10k"):
            value = getattr(self, key)
            if value is not None:
                set_(self, key, finite_number(key, value, positive=True))
        if self.objective in ("max-covering", "set-covering") and self.limit is None:
            raise ScenarioError(f"limit: the {self.objective} model needs a travel-time limit")
        set_(self, "access_speed", finite_number("access_speed", self.access_speed, positive=True))
        set_(self, "max_snap_m", finite_number("max_snap_m", self.max_snap_m, positive=True))
        if self.balance is not None:
            set_(self, "balance", finite_number("balance", self.balance, low=0.0))
            if self.balance >= 1.0:  # (1 - e) W / K would be 0 or below: no lower bound at all
                raise ScenarioError(f"balance: expected a tolerance below 1, got {self.balance!r}")
        set_(self, "gap", finite_number("gap", self.gap, low=0.0, high=1.0))
        set_(self, "disruption", finite_number("disruption", self.disruption, low=0.0))
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int)
                                         or self.threads < 1):
            raise ScenarioError(f"threads: expected a positive integer, got {self.threads!r}")
        set_(self, "weight", _weight(self.weight))
        _choice("balance_weight", self.balance_weight, WEIGHT_COLUMNS)
        if self.bundle_sizes is not None:
            set_(self, "bundle_sizes", _sizes(self.bundle_sizes))
        for key in ("bundle_stations", "fixed", "excluded"):
            set_(self, key, _ids(key, getattr(self, key)))
        clash = set(self.fixed) & set(self.excluded)
        if clash:
            raise ScenarioError(f"fixed, excluded: stations both fixed and excluded: {sorted(clash)}")
        for key in ("follow_station", "log"):
            if not isinstance(getattr(self, key), bool):
                raise ScenarioError(f"{key}: expected true or false, got {getattr(self, key)!r}")
        set_(self, "speeds", _speeds(self.speeds))
        set_(self, "isochrones", _minutes(self.isochrones))

    def with_(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ScenarioError(f"{sorted(unknown)[0]}: unknown scenario field")
        return replace(self, **changes)


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or Path
        The TOML file. Relative data and output paths in it are resolved against its folder.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        The file cannot be parsed, has an unknown section or key, or a bad value; the message
        names the file and the key.
    """
    path = Path(path)
    try:
        document = tomllib.loads(scenario_text(path))  # UTF-8, or GB18030 with a warning
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read the scenario: {error}") from error
    try:
        values = scenario_fields(document)
        for key in ("villages", "stations", "jurisdictions", "roads", "folder"):
            if isinstance(values.get(key), str):
                values[key] = str((path.parent / values[key]).resolve())
        return Scenario(**values)
    except ScenarioError as error:
        raise ScenarioError(f"{path}: {error}") from error
    except TypeError as error:  # a value of the wrong shape reaching a field
        raise ScenarioError(f"{path}: {error}") from error


def scenario_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """Map a parsed TOML document to Scenario keyword arguments, rejecting unknown keys."""
    values: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, Mapping) and key in SECTIONS and key:
            section = SECTIONS[key]
            for inner, inner_value in value.items():
                if inner not in section:
                    known = ", ".join(sorted(section))
                    raise ScenarioError(f"{key}.{inner}: unknown key (known in [{key}]: {known})")
                if key == "data" and inner in LAYERS and isinstance(inner_value, Mapping):  # [data.<layer>]
                    inner_value, values.setdefault("layer_options", {})[inner] = split_layer_table(inner, inner_value)
                values[section[inner]] = inner_value
        elif key in SECTIONS[""]:
            values[SECTIONS[""][key]] = value
        else:
            known = ", ".join(sorted(k for k in SECTIONS if k))
            raise ScenarioError(f"{key}: unknown key (sections: {known}; top level: name)")
    for key in ("centres", "bundle_sizes", "bundle_stations", "fixed", "excluded", "isochrones"):
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    return values


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ScenarioError(f"{key}: {value!r} is not one of {', '.join(allowed)}")


def _range(value: Any) -> tuple[int, int] | None:
    """``(low, high)`` from a two-integer list with 1 <= low <= high, else None."""
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    ):
        return (int(value[0]), int(value[1]))
    return None


def _centres(value: Any) -> int | tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if (bounds := _range(value)) is not None:
        return bounds
    raise ScenarioError(f"centres: expected a positive integer or [min, max], got {value!r}")


def _sizes(value: Any) -> tuple[int, int]:
    if (bounds := _range(value)) is not None:
        return bounds
    raise ScenarioError(f"bundling.sizes: expected [gmin, gmax] with 1 <= gmin <= gmax, got {value!r}")


def _ids(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise ScenarioError(f"{key}: expected a list of station ids, got {value!r}")
    return tuple(str(v) for v in value)


def _speeds(value: Any) -> dict[str, float]:
    """``[network] speeds``: km/h by road class (a class of :data:`~jurisdiction.road_classes.ROAD_CLASSES`)."""
    if not isinstance(value, Mapping):
        raise ScenarioError(f"speeds: expected a table of road class = km/h, got {value!r}")
    unknown = sorted(set(value) - set(ROAD_CLASSES))
    if unknown:
        raise ScenarioError(f"speeds: unknown road class(es) {unknown}; expected some of {list(ROAD_CLASSES)}")
    return {road_class: finite_number(f"speeds.{road_class}", speed, positive=True)
            for road_class, speed in value.items()}


def _minutes(value: Any) -> tuple[float, ...]:
    """``[outputs] isochrones``: thresholds in minutes, sorted."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ScenarioError(f"isochrones: expected a list of minutes, got {value!r}")
    return tuple(sorted(finite_number("isochrones", t, positive=True) for t in value))


def _weight(value: Any) -> str | dict[str, float]:
    if isinstance(value, str):
        _choice("weight", value, WEIGHT_COLUMNS)
        return value
    if isinstance(value, Mapping) and value:
        blend = {}
        for column, factor in value.items():
            _choice("weight", column, WEIGHT_COLUMNS)
            blend[column] = finite_number(f"weight.{column}", factor, low=0.0)
        return blend
    raise ScenarioError(f"weight: expected a column name or a blend table, got {value!r}")
