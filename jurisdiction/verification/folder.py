"""Re-check a written plan from its files alone: :func:`verify_plan`.

The checker reads what :func:`jurisdiction.outputs.files.export_plan` wrote (``plan.gpkg`` and
``metrics.json``, whose ``settings`` hold the scenario with absolute data paths), reads the
input layers the scenario names with the package's loaders, rebuilds the road graph and the
travel times itself (:mod:`jurisdiction.verification.roads`, networkx) and recomputes every
property (:mod:`jurisdiction.verification.checks`). It imports nothing of the optimiser nor of
the network module that feeds it, so a bug there shows up here as a failed check.

Checks: ``villages`` (every input village exactly once, with a centre), ``stations`` (the
input stations, each reporting to a centre), ``whole`` (each village its input polygon, inside
its own district and in no other beyond 1 m² / 0.1 %), ``connected`` (each district one piece
through shared borders), ``centre_inside`` (each centre in its own district), ``centres``
(count, fixed, excluded), ``limit`` (every village within the limit by road), ``minutes`` (the
reported minutes agree with the rebuilt ones), ``balance``, ``bundles`` (sizes, villages
following their station) and ``objective`` (the reported one equals the recomputed one),
``pins`` (each village of the pins file the settings name in its station's district; a pinned
village leaves its station's bundle; with ``allow_over_limit`` it may lie beyond the limit, with
``allow_disconnected`` apart from the rest of its district).

Tolerances: travel times agree within 0.5 min or 2 %, whichever is larger (the rebuilt times
equal the package's to about 1e-12 min on the Dianjiang example; the slack covers snapping
ties and rounding at the millimetre joins); the p-median and max-covering objectives within
0.5 %; areas within 1 m² or 0.1 % of the village; points within 1 m.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from jurisdiction.errors import InputError, Problem, ScenarioError
from jurisdiction.verification.checks import (
    Check,
    Evidence,
    check_centre_inside,
    check_connected,
    check_stations,
    check_villages,
    check_whole,
    clean,
)
from jurisdiction.verification.roads import graphml_network, metric_crs, road_minutes, road_network
from jurisdiction.verification.rules import (
    check_balance,
    check_bundles,
    check_centres,
    check_limit,
    check_minutes,
    check_objective,
    check_pins,
)

__all__ = ["Check", "Verdict", "plan_files", "verify_plan"]

#: Road files that are OSM networks (XML, PBF): not rebuilt here. GraphML is read with networkx.
OSM_FILE_SUFFIXES = frozenset({".osm", ".xml", ".pbf"})
#: Layers of plan.gpkg and the columns each must have.
LAYER_COLUMNS = {
    "villages": ("village_id", "centre", "minutes"),
    "stations": ("station_id", "centre", "role"),
    "districts": ("centre",),
}
#: Every check, in the order they are printed.
CHECKS: tuple[Callable[[Evidence], Check], ...] = (
    check_villages, check_stations, check_whole, check_connected, check_centre_inside, check_centres,
    check_limit, check_minutes, check_balance, check_bundles, check_objective, check_pins,
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify_plan`.

    Attributes
    ----------
    folder : str
        The plan folder that was checked.
    checks : tuple of Check
        One per property, in a fixed order.
    """

    folder: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when every check holds."""
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the checks that fail."""
        return tuple(check.name for check in self.checks if not check.ok)

    def summary(self) -> str:
        """One line: the verdict, with the failed (or unchecked) checks named."""
        unchecked = [c.name for c in self.checks if not c.checked]
        skipped = f"; not checked: {', '.join(unchecked)}" if unchecked else ""
        if self.ok:
            return f"verified: all {len(self.checks) - len(unchecked)} checks hold{skipped} ({self.folder})"
        return (f"verification FAILED: {len(self.failed)} of {len(self.checks)} checks fail: "
                f"{', '.join(self.failed)}{skipped} ({self.folder})")

    def lines(self) -> list[str]:
        """One line per check, then the summary; control characters removed (safe to print)."""
        return [clean(line) for line in [*(check.line() for check in self.checks), self.summary()]]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: ``ok``, ``folder``, ``summary`` and ``checks`` (name, ok, checked, detail)."""
        return {"ok": self.ok, "folder": self.folder, "summary": self.summary(),
                "checks": [dataclasses.asdict(check) for check in self.checks]}


def _text(values: pd.Series) -> pd.Series:
    """Ids as text; missing values stay missing."""
    return values.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(str(path), [Problem(None, "file does not exist")])
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(str(path), [Problem(None, f"cannot read it as JSON: {error}")]) from error
    if not isinstance(document, dict):
        raise InputError(str(path), [Problem(None, "expected a JSON object")])
    return document


def _settings(document: dict[str, Any], path: Path) -> Any:
    """The Scenario from ``metrics.json``'s ``settings`` (keys the Scenario no longer has are left out)."""
    from jurisdiction.scenario.settings import Scenario

    settings = document.get("settings")
    if not isinstance(settings, dict):
        raise InputError(str(path), [Problem(None, "no 'settings' (the scenario): written by an older "
                                                    "version; run the plan again to write it")])
    known = {f.name for f in dataclasses.fields(Scenario)}
    try:
        return Scenario(**{k: v for k, v in settings.items() if k in known})
    except (ScenarioError, TypeError) as error:
        raise InputError(str(path), [Problem(None, f"settings: {error}")]) from error


def _read_layers(path: Path) -> dict[str, gpd.GeoDataFrame]:
    if not path.is_file():
        raise InputError(str(path), [Problem(None, "file does not exist")])
    try:
        present = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as error:  # pyogrio's errors vary with the damage
        raise InputError(str(path), [Problem(None, f"cannot read it as a GeoPackage: {error}")]) from error
    problems = [Problem(None, f"missing layer {layer!r}") for layer in LAYER_COLUMNS if layer not in present]
    if problems:
        raise InputError(str(path), problems)
    layers = {}
    for layer, columns in LAYER_COLUMNS.items():
        try:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
        except Exception as error:
            raise InputError(str(path), [Problem(layer, f"cannot read the layer: {error}")]) from error
        problems += [Problem(layer, f"missing column {c!r}") for c in columns if c not in frame.columns]
        if frame.crs is None:
            problems.append(Problem(layer, "the layer has no CRS"))
        layers[layer] = frame
    if problems:
        raise InputError(str(path), problems)
    for layer, key in (("villages", "village_id"), ("villages", "centre"), ("stations", "station_id"),
                       ("stations", "centre"), ("districts", "centre")):
        layers[layer][key] = _text(layers[layer][key])
    if "current" in layers["villages"].columns:
        layers["villages"]["current"] = _text(layers["villages"]["current"])
    return layers


def _input_layers(settings: Any, source: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Any]:
    """The villages, stations and roads the scenario names.

    Roads come as a line layer, the path of a GraphML file, or None for an OSM XML/PBF file.
    """
    from jurisdiction.inputs.example import load_example
    from jurisdiction.inputs.readers import read_roads, read_stations, read_villages
    from jurisdiction.inputs.sources import reader_options

    if settings.example:
        example = load_example(settings.example)
        stations = read_stations(example.stations)
        return read_villages(example.villages, stations=stations), stations, read_roads(example.roads)
    missing = [key for key in ("villages", "stations", "roads") if not getattr(settings, key)]
    if missing:
        raise InputError(str(source), [Problem(None, f"settings name no {key} layer (the plan was made from "
                                                      f"data in memory): nothing to re-check it against")
                                       for key in missing])
    stations = read_stations(settings.stations, **reader_options(settings, "stations"))  # [data.<layer>] too
    villages = read_villages(settings.villages, stations=stations, **reader_options(settings, "villages"))
    suffix = Path(settings.roads).suffix.lower()
    if suffix in OSM_FILE_SUFFIXES or suffix == ".graphml":
        return villages, stations, None if suffix in OSM_FILE_SUFFIXES else Path(settings.roads)
    return villages, stations, read_roads(settings.roads, **reader_options(settings, "roads"))


def _rebuilt_minutes(settings: Any, villages: gpd.GeoDataFrame, stations: gpd.GeoDataFrame,
                     roads: gpd.GeoDataFrame | Path, plan: pd.DataFrame) -> np.ndarray:
    """Minutes by road from each plan row's centre to its village (inf when either is unknown)."""
    known = set(stations["station_id"])
    centres = sorted({c for c in plan["centre"].dropna() if c in known})
    if isinstance(roads, Path):
        network = graphml_network(roads, speeds_kph=settings.speeds)
    else:
        network = road_network(roads, speeds_kph=settings.speeds)
    times = road_minutes(network, villages, stations, access_speed_kph=settings.access_speed,
                         station_ids=centres, max_snap_m=getattr(settings, "max_snap_m", 2000.0))
    rows = times.index.get_indexer(plan["village_id"])
    columns = times.columns.get_indexer(plan["centre"].fillna(""))
    found = (rows >= 0) & (columns >= 0)
    minutes = np.full(len(plan), np.inf)
    minutes[found] = times.to_numpy()[rows[found], columns[found]]
    return minutes


def _pins(settings: Any) -> dict[str, str]:
    """Village id -> pinned station, from the pins file the settings name (empty without one)."""
    from jurisdiction.inputs.pins import village_pins

    if not getattr(settings, "pins", None):
        return {}
    table = village_pins(settings.pins)
    return dict(zip(table["village_id"], table["station_id"], strict=True))


def plan_files(folder: str | os.PathLike) -> tuple[dict[str, Any], dict[str, gpd.GeoDataFrame]]:
    """A written plan's ``metrics.json`` and the layers of its ``plan.gpkg`` (villages, stations, districts).

    Ids are text; the layers are in the file's CRS (WGS84 as written).

    Raises
    ------
    InputError
        The folder, or one of the files, is missing or unreadable (the message names it).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), [Problem(None, "no such plan folder")])
    return _read_json(folder / "metrics.json"), _read_layers(folder / "plan.gpkg")


def verify_plan(folder: str | os.PathLike) -> Verdict:
    """Re-check a plan written by ``jurisdiction plan`` / :func:`jurisdiction.outputs.files.export_plan`.

    Parameters
    ----------
    folder : str or path-like
        The plan folder: ``plan.gpkg`` (layers villages, stations, districts) and
        ``metrics.json`` (with ``settings``, the scenario, and ``solver.objective``).

    Returns
    -------
    Verdict
        One :class:`Check` per property (see the module docstring); ``verdict.ok`` is True when
        all hold. Travel times are rebuilt from the roads the scenario names (a line layer or
        a GraphML network), in minutes; an OSM XML/PBF file is not read, and the checks that
        need the times (``limit``, ``minutes``, ``objective``) are then reported as not checked.

    Raises
    ------
    InputError
        The folder or one of its files is missing or unreadable, or the input layers the
        scenario names are (the message names the file).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), [Problem(None, "no such plan folder")])
    document = _read_json(folder / "metrics.json")
    settings = _settings(document, folder / "metrics.json")
    layers = _read_layers(folder / "plan.gpkg")
    villages, stations, roads = _input_layers(settings, folder / "metrics.json")
    villages = villages.assign(village_id=villages["village_id"].astype(str))
    stations = stations.assign(station_id=stations["station_id"].astype(str))
    plan = layers["villages"]
    minutes = None if roads is None else _rebuilt_minutes(settings, villages, stations, roads, plan)
    crs = metric_crs(villages)
    solver = document.get("solver")
    evidence = Evidence(
        settings=settings,
        villages=plan.to_crs(crs),
        stations=layers["stations"].to_crs(crs),
        districts=layers["districts"].to_crs(crs),
        input_villages=villages.to_crs(crs),
        input_stations=stations.to_crs(crs),
        minutes=minutes,
        reported=solver if isinstance(solver, dict) else {},
        pins=_pins(settings),
    )
    return Verdict(folder=str(folder), checks=tuple(check(evidence) for check in CHECKS))
