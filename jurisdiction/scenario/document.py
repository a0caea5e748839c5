"""Scenario files: TOML in, a validated :class:`~jurisdiction.scenario.settings.Scenario` out.

An unknown section or key, or a bad value, raises :class:`~jurisdiction.errors.ScenarioError` naming the
file and the key.

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
    # or: stations = "auto"  (the small stations 小散弱 and their neighbours), with a rule:
    min_officers = 19      # people: officers each bundle pools (a station meeting it alone may stay)
    min_population = 30000 # people: residents each bundle pools (both must hold when both are set)
    follow_station = true
    disruption = 0.0

    [stations]
    fixed = []
    excluded = []

    [pins]                 # villages and stations held by hand (docs/scenario.md, "Pins")
    villages = "pins.csv"  # village_id,station_id[,locked]; `jurisdiction plan --pins` overrides it
    stations = { "500231101" = "centre", "500231105" = "post" }   # or a station_id,role file
    allow_over_limit = false   # true: keep a pinned village beyond the limit, marked in red
    allow_disconnected = false # true (no contiguity): keep a pinned village apart from its district

    [network]
    speeds = { national = 70 }
    access_speed = 20
    max_snap_m = 2000      # metres: a village or station farther from the roads is an error

    [solver]
    name = "highs"
    time_limit = 120
    gap = 0.0
    log = false            # true: print the solver's own log on stdout

    [compute]              # jurisdiction sweep: where the runs go (default a local Dask cluster)
    scheduler = "tcp://10.0.0.5:8786"  # a Dask scheduler; omit for a local cluster
    workers = 4            # local cluster's worker processes (default: the cores)

    [outputs]
    folder = "maps/dianjiang"
    isochrones = [5, 10, 15, 30]
    tiles = "none"         # none (offline) | tianditu-vector | tianditu-imagery | amap | openstreetmap
    tianditu_key = "..."   # for the tianditu maps; or the environment variable TIANDITU_KEY
    language = "zh"
    officers_per_10k = 5.39
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jurisdiction.errors import ScenarioError
from jurisdiction.inputs.sources import LAYERS, scenario_text, split_layer_table
from jurisdiction.scenario.settings import Scenario

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
        "min_officers": "min_officers",
        "min_population": "min_population",
        "follow_station": "follow_station",
        "disruption": "disruption",
    },
    "stations": {"fixed": "fixed", "excluded": "excluded"},
    "pins": {"villages": "pins", "stations": "pinned_stations", "allow_over_limit": "allow_over_limit",
             "allow_disconnected": "allow_disconnected"},
    "network": {"speeds": "speeds", "access_speed": "access_speed", "max_snap_m": "max_snap_m"},
    "solver": {
        "name": "solver", "time_limit": "time_limit", "gap": "gap", "threads": "threads", "log": "log",
    },
    "compute": {"scheduler": "scheduler", "workers": "workers"},
    "outputs": {
        "folder": "folder",
        "isochrones": "isochrones",
        "tiles": "tiles",
        "tianditu_key": "tianditu_key",
        "language": "language",
        "officers_per_10k": "officers_per_10k",
    },
}



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
        for key in ("villages", "stations", "jurisdictions", "roads", "folder", "pins", "pinned_stations"):
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

