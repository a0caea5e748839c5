"""Write a plan to files: a GeoPackage, an Excel workbook, CSV tables and JSON metrics, all written atomically.

Every file is first written to a temporary file in the destination folder and then moved
into place with :func:`os.replace`, so a reader never sees a half-written file and a failed
run leaves nothing behind but the files that were already there.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from jurisdiction.outputs.sheets import FORMULA_START, plan_tables

#: Encoding of the CSV tables: UTF-8 with a byte-order mark, so Excel shows Chinese names.
CSV_ENCODING = "utf-8-sig"

#: Columns of ``plan.villages`` written to ``villages.csv`` and the GeoPackage (when present).
VILLAGE_COLUMNS = [
    "village_id", "name", "township", "population", "incidents", "registration_station",
    "dispatch_station", "current", "centre",
    "minutes_before", "minutes", "moved",
    "pinned", "pin_breaks",  # only in a plan with pins (outputs/pin_marks.py)
]
#: Columns of ``plan.stations`` written to the GeoPackage (when present).
STATION_COLUMNS = ["station_id", "name", "kind", "officers", "role", "centre"]


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells a spreadsheet would run as a formula are quoted.

    Names come from the data and are untrusted: a cell such as ``=HYPERLINK(...)`` gets a
    leading apostrophe, which Excel and LibreOffice show as text. Numbers are left as they are.
    """
    def neutral(value: Any) -> Any:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value

    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = pd.Series([neutral(v) for v in safe[column]], index=safe.index,
                                     dtype=safe[column].dtype)  # map() would turn 1 into 1.0 beside 5.2
    safe.index = safe.index.map(neutral)
    return safe


#: Files SQLite (GDAL's GeoPackage driver) creates next to a database while it writes.
SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


@contextmanager
def _staged(path: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; remove it (and SQLite's files beside it) if the block fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
    except BaseException:
        for leftover in (tmp_path, *(tmp_path.with_name(tmp_path.name + s) for s in SQLITE_SIDECARS)):
            leftover.unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], *, suffix: str = "") -> Path:
    """Write a file atomically: ``write(tmp)`` fills a temporary file, which then replaces ``path``.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace; its folder is created if needed.
    write : callable
        Called with the temporary path (same folder, so the final move is atomic).
    suffix : str
        Extension given to the temporary file (some writers choose their format by it).

    Returns
    -------
    pathlib.Path
        ``path``. If ``write`` raises, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    with _staged(path, suffix) as tmp:
        tmp.unlink(missing_ok=True)  # writers such as GDAL want to create the file themselves
        write(tmp)
        os.replace(tmp, path)
    return path


def atomic_write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder, then ``os.replace``).

    Parameters
    ----------
    path : str or path-like
        Destination file; its folder is created if needed.
    text : str
        The whole content.
    encoding : str
        Text encoding, UTF-8 by default (``"utf-8-sig"`` adds a byte-order mark).

    Returns
    -------
    pathlib.Path
        The written path.
    """
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding, newline=""))


def _present(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    return [c for c in columns if c in frame.columns]


def village_table(plan: Any) -> gpd.GeoDataFrame:
    """The villages with their assignment (``current`` before, ``centre`` after), WGS84."""
    villages = plan.villages
    return villages[_present(villages, VILLAGE_COLUMNS) + [villages.geometry.name]]


def station_table(plan: Any) -> gpd.GeoDataFrame:
    """The stations with their ``role`` (centre, post or station) and the centre they report to."""
    stations = plan.stations
    return stations[_present(stations, STATION_COLUMNS) + [stations.geometry.name]]


def _json_value(value: Any) -> Any:
    """A JSON-safe copy of ``value``: numpy scalars unwrapped, NaN and infinity as ``None``."""
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


#: Scenario fields holding data paths, written absolute so the plan can be re-checked from anywhere.
DATA_PATH_FIELDS = ("villages", "stations", "jurisdictions", "roads", "pins", "pinned_stations")


def scenario_settings(scenario: Any) -> dict[str, Any] | None:
    """The scenario as resolved, field by field, with its data paths made absolute.

    Parameters
    ----------
    scenario : Scenario
        The plan's scenario (any other object, such as a test double, gives ``None``).

    Returns
    -------
    dict or None
        Every :class:`~jurisdiction.scenario.Scenario` field (limit in minutes, speeds in
        km/h...), enough for :func:`jurisdiction.verify_plan` to read the same layers again.
    """
    if not dataclasses.is_dataclass(scenario) or isinstance(scenario, type):
        return None
    settings = {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario) if f.repr}  # no key
    for key in DATA_PATH_FIELDS:
        if isinstance(settings.get(key), str):
            settings[key] = str(Path(settings[key]).resolve())
    return settings


def metrics_document(plan: Any) -> dict[str, Any]:
    """The content of ``metrics.json``: scenario, metrics before/after and solver statistics.

    ``settings`` holds the scenario as resolved (see :func:`scenario_settings`; ``null`` when
    the plan's scenario is not a Scenario). Infinite or missing numbers (an unreachable
    village's travel time) become ``null``.
    """
    metrics = plan.metrics
    return _json_value({
        "scenario": getattr(plan.scenario, "name", None),
        "limit_minutes": getattr(plan.scenario, "limit", None),
        "metrics": {str(name): dict(row) for name, row in metrics.iterrows()},
        "solver": dict(plan.solver or {}),
        "settings": scenario_settings(plan.scenario),
    })


def _write_gpkg(plan: Any, tmp: Path) -> None:
    layers = {
        "villages": village_table(plan),
        "districts": plan.districts,
        "stations": station_table(plan),
    }
    for layer, frame in layers.items():
        frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio", mode="a" if tmp.exists() else "w")


def _csv(table: Any) -> pd.DataFrame:
    """A :class:`~jurisdiction.outputs.sheets.Table` for a CSV file: human headers, formula-safe cells."""
    frame = table.frame.copy()
    frame.columns = table.header_row()
    return csv_safe(frame)


def export_plan(plan: Any, folder: str | os.PathLike, *, language: str | None = None) -> dict[str, Path]:
    """Write a plan's files into ``folder`` (created if needed), all or nothing.

    Files: ``plan.gpkg`` (layers ``villages`` with ``current``/``centre``, ``districts``,
    ``stations`` with ``role``; machine column names, WGS84, EPSG:4326), ``plan.xlsx`` (sheets
    辖区 / 村 / 派出所 / 指标, see :mod:`jurisdiction.outputs.workbook`), ``districts.csv``,
    ``villages.csv`` (old and new station ids and names), ``stations.csv`` (role in words),
    ``metrics.csv`` (UTF-8 with BOM, so Excel shows Chinese names; headers in ``language``;
    travel times in minutes to 0.1, areas in km², road lengths in km, counts as integers; a
    cell starting with = + - @ is quoted, see :func:`csv_safe`) and ``metrics.json`` (machine
    keys: metrics plus solver statistics and the scenario's settings with absolute data paths;
    infinite values as ``null``). ``jurisdiction verify`` reads ``plan.gpkg`` and ``metrics.json``.

    Every file is first written to a temporary file in ``folder``; only when all are written
    are they moved into place with :func:`os.replace`. If any write fails, the temporary
    files are removed and the folder is left as it was.

    Parameters
    ----------
    plan : Plan
        The plan (see :mod:`jurisdiction.pipeline`).
    folder : str or path-like
        Destination folder.
    language : {"zh", "en"}, optional
        Language of the CSV headers and the workbook; default the scenario's (else ``"zh"``).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"gpkg", "xlsx", "districts", "villages", "stations", "metrics_csv", "metrics_json"}``
        to the written files.
    """
    from jurisdiction.outputs.workbook import plan_workbook  # openpyxl, only when writing

    language = language or getattr(plan.scenario, "language", None) or "zh"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {key: _csv(table) for key, table in plan_tables(plan, language).items()}
    book = plan_workbook(plan, language)
    document = json.dumps(metrics_document(plan), ensure_ascii=False, indent=2, allow_nan=False)

    def csv_writer(key: str) -> Callable[[Path], None]:
        return lambda tmp: tables[key].to_csv(tmp, index=False, encoding=CSV_ENCODING)

    writers: dict[str, tuple[str, Callable[[Path], None], str]] = {
        "gpkg": ("plan.gpkg", lambda tmp: _write_gpkg(plan, tmp), ".gpkg"),
        "xlsx": ("plan.xlsx", lambda tmp: book.save(tmp), ".xlsx"),
        "districts": ("districts.csv", csv_writer("districts"), ""),
        "villages": ("villages.csv", csv_writer("villages"), ""),
        "stations": ("stations.csv", csv_writer("stations"), ""),
        "metrics_csv": ("metrics.csv", csv_writer("metrics"), ""),
        "metrics_json": ("metrics.json", lambda tmp: tmp.write_text(document + "\n", encoding="utf-8"), ""),
    }
    staged: dict[str, tuple[Path, Path]] = {}
    try:
        for key, (name, write, suffix) in writers.items():
            with _staged(folder / name, suffix) as tmp:
                tmp.unlink(missing_ok=True)
                staged[key] = (tmp, folder / name)
                write(tmp)
    except BaseException:
        for tmp, _ in staged.values():
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in staged.values():
        os.replace(tmp, final)
    return {key: final for key, (_, final) in staged.items()}
