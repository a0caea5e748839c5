"""The :class:`Scenario`: a frozen, validated configuration of one redistricting run.

Built in Python (``Scenario(centres=8, limit=30)``) or read from a TOML file
(:func:`jurisdiction.scenario.document.read_scenario`, which documents the file's layout).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from jurisdiction.errors import ScenarioError, finite_number
from jurisdiction.inputs.pins import pin_settings
from jurisdiction.inputs.sources import data_settings
from jurisdiction.optimise.instance import CONTIGUITY, MODELS, SOLVERS
from jurisdiction.scenario.values import (
    WEIGHT_COLUMNS,
    address_value,
    bundling_values,
    centres_value,
    choice,
    count_value,
    ids_value,
    minutes_value,
    sizes_value,
    speeds_value,
    tile_key,
    weight_value,
)

#: Base maps of the HTML maps; the first is the default: no tiles, the county drawn from the data
#: (works offline and on a police intranet). The tile sources: ``outputs/base_maps.TILE_SOURCES``.
TILES = ("none", "tianditu-vector", "tianditu-imagery", "amap", "openstreetmap")
LANGUAGES = ("zh", "en")


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
    bundle_stations : tuple of str or "auto"
        Station ids that take part in bundling (empty: all stations); ``"auto"``: the stations
        flagged small (小散弱) by the diagnosis or short of the viability rule alone, and every
        station whose district borders one of them. With ``"auto"``, ``centres`` (optional)
        counts every district of the plan.
    min_officers, min_population : float or None
        The viability rule (people): each bundle pools at least this many officers (to staff
        24-hour duty) and residents (those of its stations' current districts); both when both
        are set. A station in ``bundle_stations`` that meets the rule alone may keep its
        district; with a rule, ``centres`` is optional.
    follow_station : bool
        Villages follow their current station into its bundle (no village moves alone).
    disruption : float
        Penalty per unit of weight that leaves its current station's centre (when villages may
        move alone).
    fixed, excluded : tuple of str
        Stations that must stay a centre / may not become one (added to the layer's columns).
    pins : str or None
        Pins file (``village_id,station_id[,locked]``, see :mod:`jurisdiction.inputs.pins`):
        each village ends in the district of its station, which becomes a centre.
    pinned_stations : mapping of str to str, or str
        Station id -> role (``centre``, ``post``, ``kept``), or a ``station_id,role`` file.
    allow_over_limit : bool
        Keep a pinned village beyond ``limit`` (marked in the plan) instead of refusing it.
    allow_disconnected : bool
        Without ``contiguity``, keep a pinned village cut off from the rest of its district
        (marked in the plan) instead of refusing the plan.
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
    scheduler : str or None
        ``jurisdiction sweep``: the address of a Dask scheduler (``"tcp://host:8786"``) to run
        the runs on; default a local cluster (or serial when Dask is not installed).
    workers : int or None
        ``jurisdiction sweep``: worker processes of the local cluster (default: the cores).
    isochrones : tuple of float
        Isochrone thresholds in minutes drawn on the plan map.
    tiles : str
        Base map: ``"none"`` (the default: no tiles, the county outline, district borders and
        roads drawn from the data; works offline), ``"tianditu-vector"``, ``"tianditu-imagery"``
        (天地图, needs a key), ``"amap"`` (overlays shifted to GCJ-02) or ``"openstreetmap"``.
    tianditu_key : str or None
        Tianditu key (``tk``) for the tianditu base maps; else the environment variable
        ``TIANDITU_KEY``. Never shown in ``repr`` or written to ``metrics.json``.
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
    bundle_stations: tuple[str, ...] | str = ()
    min_officers: float | None = None
    min_population: float | None = None
    follow_station: bool = True
    disruption: float = 0.0
    fixed: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    pins: str | None = None
    pinned_stations: Mapping[str, str] | str = field(default_factory=dict)
    allow_over_limit: bool = False
    allow_disconnected: bool = False
    speeds: Mapping[str, float] = field(default_factory=dict)
    access_speed: float = 20.0
    max_snap_m: float = 2000.0
    solver: str = "highs"
    time_limit: float | None = None
    gap: float = 0.0
    threads: int | None = None
    log: bool = False
    scheduler: str | None = None
    workers: int | None = None
    isochrones: tuple[float, ...] = (5.0, 10.0, 15.0, 30.0)
    tiles: str = "none"
    tianditu_key: str | None = field(default=None, repr=False)
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
        choice("objective", self.objective, MODELS)
        choice("solver", self.solver, SOLVERS)
        choice("tiles", self.tiles, TILES)
        tile_key(self.tiles, self.tianditu_key)  # a tianditu base map without a key fails here, before the solve
        choice("language", self.language, LANGUAGES)
        if self.contiguity in ("none", ""):
            set_(self, "contiguity", None)
        if self.contiguity is not None:
            choice("contiguity", self.contiguity, CONTIGUITY[1:])
        set_(self, "centres", centres_value(self.centres))
        self.__dict__.update(bundling_values(self.bundle_stations, self.bundle_sizes, self.min_officers,
                                             self.min_population))
        ruled = self.bundle_sizes is not None and (self.min_officers is not None or self.min_population is not None)
        if self.centres is None and self.objective != "set-covering" and not ruled:
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
        for key in ("threads", "workers"):
            count_value(key, getattr(self, key))
        address_value("scheduler", self.scheduler)
        set_(self, "weight", weight_value(self.weight))
        choice("balance_weight", self.balance_weight, WEIGHT_COLUMNS)
        if self.bundle_sizes is not None:
            set_(self, "bundle_sizes", sizes_value(self.bundle_sizes))
        for key in ("fixed", "excluded"):
            set_(self, key, ids_value(key, getattr(self, key)))
        clash = set(self.fixed) & set(self.excluded)
        if clash:
            raise ScenarioError(f"fixed, excluded: stations both fixed and excluded: {sorted(clash)}")
        self.__dict__.update(pin_settings(self.pins, self.pinned_stations))  # [pins] villages, stations
        for key in ("follow_station", "log", "allow_over_limit", "allow_disconnected"):
            if not isinstance(getattr(self, key), bool):
                raise ScenarioError(f"{key}: expected true or false, got {getattr(self, key)!r}")
        set_(self, "speeds", speeds_value(self.speeds))
        set_(self, "isochrones", minutes_value(self.isochrones))

    def with_(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ScenarioError(f"{sorted(unknown)[0]}: unknown scenario field")
        return replace(self, **changes)

