"""Pins: villages held in a station's district, and stations held in a role, read and checked.

A pins file (CSV, UTF-8 with or without BOM; or a GeoPackage layer ``pins``, or any table
pyogrio reads) has one row per pinned village: ``village_id``, ``station_id`` (the station
whose district the village must end in; it becomes a centre) and optionally ``locked``
(true/false, 1/0, yes/no, 是/否; default true: a row with ``locked`` false is read, checked
and then ignored). Station roles come as a table ``{station_id: role}`` (the scenario's
``[pins] stations``) or a CSV with ``station_id,role``; the roles are :data:`ROLES`.

:func:`read_pins` reads both, :func:`check_pins` checks them against the layers; each names
every bad row at once (:class:`~jurisdiction.errors.InputError`, file and row).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyogrio

from jurisdiction.errors import InputError, Problem, ScenarioError
from jurisdiction.inputs.cells import FALSE_WORDS, TRUE_WORDS, missing, normalise_id

#: Station roles a pin may hold: a centre; a post (警务室, never a centre: it joins one); kept
#: (outside the bundling, its own centre with its villages; without bundling, a centre).
ROLES = ("centre", "post", "kept")
#: Columns of a pins file (``locked`` optional) and of a station-roles file.
VILLAGE_COLUMNS = ("village_id", "station_id")
ROLE_COLUMNS = ("station_id", "role")
#: The layer a GeoPackage of pins holds them in (when it holds several).
PINS_LAYER = "pins"


@dataclass(frozen=True)
class Pins:
    """The pins of a run.

    Attributes
    ----------
    villages : DataFrame
        ``village_id``, ``station_id``, ``row`` (the row's label in its file, ``#1`` first), one
        row per locked pin.
    stations : dict of str to str
        Station id -> role (:data:`ROLES`).
    sources : tuple of str
        The files (or ``[pins] stations``) they were read from, for messages.
    """

    villages: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["village_id", "station_id", "row"]))
    stations: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(len(self.villages) or self.stations)


def _table(path: Path) -> pd.DataFrame:
    """The rows of a CSV (UTF-8, BOM or not, every cell text) or of a layer pyogrio reads."""
    source = str(path)
    if not path.is_file():
        raise InputError(source, [Problem(None, "file does not exist")])
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        layers = [name for name, _ in pyogrio.list_layers(path)]
        layer = PINS_LAYER if PINS_LAYER in layers else layers[0]
        return pd.DataFrame(pyogrio.read_dataframe(path, layer=layer, read_geometry=False))
    except (OSError, ValueError, UnicodeDecodeError, pyogrio.errors.DataSourceError) as error:
        raise InputError(source, [Problem(None, f"cannot read it as a pins table: {error}")]) from error


def _columns(frame: pd.DataFrame, wanted: Iterable[str], source: str) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip().lstrip("\ufeff").lower())
    problems = [Problem(None, f"missing column {c!r} (found: {', '.join(map(str, frame.columns)) or 'none'})")
                for c in wanted if c not in frame.columns]
    if problems:
        raise InputError(source, problems)
    return frame


def _locked(cell: object) -> bool | None:
    """``locked`` as a bool (blank: true), None when it is no yes/no value."""
    if missing(cell):
        return True
    if isinstance(cell, bool):
        return cell
    word = str(cell).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def village_pins(path: str | os.PathLike) -> pd.DataFrame:
    """The locked pins of a pins file: ``village_id``, ``station_id``, ``row``.

    Raises
    ------
    InputError
        Naming the file and every bad row at once: a missing id, a ``locked`` that is no
        yes/no value, a village pinned twice.
    """
    source = str(path)
    frame = _columns(_table(Path(path)), VILLAGE_COLUMNS, source)
    problems: list[Problem] = []
    rows, first = [], {}
    for i, record in enumerate(frame.to_dict(orient="records")):
        label = f"#{i + 1}"
        village, station = normalise_id(record["village_id"]), normalise_id(record["station_id"])
        locked = _locked(record.get("locked"))
        if village is None:
            problems.append(Problem(label, "village_id is missing"))
        if station is None:
            problems.append(Problem(label, "station_id is missing"))
        if locked is None:
            problems.append(Problem(label, f"locked {record['locked']!r} is not a yes/no value (true/false, 1/0)"))
        if village is not None and village in first:
            problems.append(Problem(label, f"village {village} is pinned twice (rows {first[village]} and {label})"))
        elif village is not None:
            first[village] = label
        if village is not None and station is not None and locked:
            rows.append((village, station, label))
    if problems:
        raise InputError(source, problems)
    return pd.DataFrame(rows, columns=["village_id", "station_id", "row"])


def station_roles(value: Mapping[str, str] | str | os.PathLike) -> tuple[dict[str, str], str]:
    """Station id -> role from the scenario's ``[pins] stations`` table or a ``station_id,role`` file.

    Returns
    -------
    roles, source
        The roles and where they came from (for messages).

    Raises
    ------
    InputError
        Naming every bad row (a missing id, a role not in :data:`ROLES`, a station given twice).
    """
    if isinstance(value, Mapping):
        source = "[pins] stations"
        records = [{"station_id": k, "role": v} for k, v in value.items()]
    else:
        source = str(value)
        records = _columns(_table(Path(value)), ROLE_COLUMNS, source).to_dict(orient="records")
    problems, roles = [], {}
    for i, record in enumerate(records):
        label = f"#{i + 1}"
        station = normalise_id(record["station_id"])
        role = "" if missing(record["role"]) else str(record["role"]).strip().lower()
        if station is None:
            problems.append(Problem(label, "station_id is missing"))
        if role not in ROLES:
            problems.append(Problem(label, f"role {record['role']!r} is not one of {', '.join(ROLES)}"))
        if station is not None and station in roles:
            problems.append(Problem(label, f"station {station} is given a role twice"))
        elif station is not None:
            roles[station] = role
    if problems:
        raise InputError(source, problems)
    return roles, source


def read_pins(villages: str | os.PathLike | None = None,
              stations: Mapping[str, str] | str | os.PathLike | None = None) -> Pins:
    """Read a pins file and station roles (either may be None); see the module docstring."""
    table, sources = Pins().villages, []
    if villages is not None:
        table = village_pins(villages)
        sources.append(str(villages))
    roles: dict[str, str] = {}
    if stations:
        roles, source = station_roles(stations)
        sources.append(source)
    return Pins(villages=table, stations=roles, sources=tuple(sources))


def check_pins(pins: Pins, village_ids: Iterable[str], station_ids: Iterable[str]) -> None:
    """InputError naming every pin of an unknown village or station, or to a station pinned as a post.

    Parameters
    ----------
    pins : Pins
    village_ids, station_ids : iterable of str
        The ids of the villages and stations layers.
    """
    villages, stations = set(map(str, village_ids)), set(map(str, station_ids))
    problems = []
    for village, station, row in pins.villages[["village_id", "station_id", "row"]].itertuples(index=False):
        if village not in villages:
            problems.append(Problem(row, f"village {village} is not in the villages layer"))
        if station not in stations:
            problems.append(Problem(row, f"station {station} is not in the stations layer"))
        elif pins.stations.get(station) == "post":
            problems.append(Problem(row, f"village {village} is pinned to station {station}, which is pinned "
                                         f"as a post (never a centre)"))
    for station in pins.stations:
        if station not in stations:
            problems.append(Problem(f"station {station}", "not in the stations layer"))
    if problems:
        raise InputError(" and ".join(pins.sources) or "pins", problems)


def pin_settings(villages: object, stations: object) -> dict[str, object]:
    """The scenario's ``pins`` and ``pinned_stations``, checked (ScenarioError naming the ``[pins]`` key).

    ``pins`` is a file path or None; ``pinned_stations`` a table station id -> role, or a file path.
    """
    if villages is not None and not isinstance(villages, (str, os.PathLike)):
        raise ScenarioError(f"pins.villages: expected the path of a pins file, got {villages!r}")
    out = {"pins": None if villages is None else str(villages)}
    if isinstance(stations, (str, os.PathLike)):
        return {**out, "pinned_stations": str(stations)}
    if not isinstance(stations, Mapping):
        raise ScenarioError(f"pins.stations: expected a table {{station_id = role}} or a file, got {stations!r}")
    roles = {}
    for station, given in stations.items():
        role = given.strip().lower() if isinstance(given, str) else given
        if role not in ROLES:
            raise ScenarioError(f"pins.stations: station {station}: role {given!r} is not one of {', '.join(ROLES)}")
        roles[str(station)] = role
    return {**out, "pinned_stations": roles}


def role_settings(roles: Mapping[str, str], *, fixed: Iterable[str], excluded: Iterable[str],
                  bundle_stations: Iterable[str], bundling: bool, station_ids: Iterable[str],
                  village_stations: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """The scenario's ``fixed``, ``excluded`` and ``bundle_stations`` with the pinned roles folded in.

    A centre (and a station a village is pinned to) is fixed; a post is excluded; a kept
    station is fixed and, with bundling, leaves the bundling scope (every station but the kept
    ones when the scope was all stations). A role against the scenario (a post it fixes, a
    centre it excludes) is a ScenarioError naming the station.
    """
    fixed, excluded = list(fixed), list(excluded)
    wanted = {s for s, r in roles.items() if r in ("centre", "kept")} | set(village_stations)
    posts = {s for s, r in roles.items() if r == "post"}
    clash = sorted(wanted & set(excluded)) + sorted(posts & set(fixed))
    if clash:
        raise ScenarioError(f"pins: station(s) {clash} are pinned against the scenario's fixed / excluded stations")
    out = {"fixed": tuple(dict.fromkeys([*fixed, *sorted(wanted)])),
           "excluded": tuple(dict.fromkeys([*excluded, *sorted(posts)]))}
    kept = {s for s, r in roles.items() if r == "kept"}
    if bundling and kept:
        scope = list(bundle_stations) or [str(s) for s in station_ids]
        out["bundle_stations"] = tuple(s for s in scope if s not in kept)
    return out
