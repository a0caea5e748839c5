"""Check a roads layer: line geometry and a known ``road_class`` or OSM ``highway`` on every row.

Part of :mod:`jurisdiction.inputs.layers` (same conventions: every problem collected into one
:class:`~jurisdiction.errors.InputError`, rows named by position).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from jurisdiction.errors import Problem
from jurisdiction.inputs.cells import listed, missing, row_labels
from jurisdiction.inputs.layers import LINES, _check_geometry, _columns_problem, _finish, _prepare
from jurisdiction.road_classes import OSM_HIGHWAYS, ROAD_CLASS_ALIASES, ROAD_CLASSES


def _road_values(cell) -> list[str]:
    """One OSM ``highway`` cell as a list (osmnx writes merged edges as "['a', 'b']"); may be empty."""
    if isinstance(cell, (list, tuple, np.ndarray)):
        return [str(v).strip().lower() for v in cell]
    text = str(cell).strip()
    if text.startswith("["):
        try:
            values = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            values = None
        if isinstance(values, list):
            return [str(v).strip().lower() for v in values if not missing(v)]
    return [text.lower()]


def _check_classes(df: pd.DataFrame, column: str, known, labels: list[str],
                   problems: list[Problem]) -> None:
    unknown: dict[str, list[str]] = {}
    blank: list[str] = []
    normalised = []
    for i, cell in enumerate(df[column]):
        if missing(cell):
            blank.append(labels[i])
            normalised.append(cell)
            continue
        values = [ROAD_CLASS_ALIASES.get(v, v) for v in _road_values(cell)]
        if not values:
            problems.append(Problem(labels[i], f"{column} {cell!r} is an empty list: no class"))
            normalised.append(cell)
            continue
        for v in values:
            if v not in known:
                unknown.setdefault(v, []).append(labels[i])
        normalised.append(values[0] if column == "road_class" else cell)
    if blank:
        problems.append(Problem(None, f"{column} is missing in {len(blank)} row(s): {listed(blank)}"))
    if unknown:
        found = "; ".join(f"{v!r} ({len(rows)} row(s): {listed(rows)})" for v, rows in unknown.items())
        expected = ", ".join(ROAD_CLASSES) if column == "road_class" else "OSM highway values"
        problems.append(Problem(None, f"unknown {column} values: {found}; expected {expected}"))
    if column == "road_class":
        df[column] = pd.Series(normalised, index=df.index, dtype="str")


def validate_roads(gdf: gpd.GeoDataFrame, source: str = "<roads GeoDataFrame>", *,
                   problems: Sequence[Problem] = ()) -> gpd.GeoDataFrame:
    """Check a roads layer.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        LineString/MultiLineString geometries with ``road_class`` (expressway, national,
        provincial, county, township, village, track; or 高速/国道/省道/县道/乡道/村道) or OSM
        ``highway``; optional ``maxspeed`` (km/h), ``oneway``, ``name``. When both class
        columns exist ``road_class`` is the one checked.
    source : str
        The file name for messages.
    problems : sequence of Problem
        Problems found earlier to report together with these.

    Returns
    -------
    geopandas.GeoDataFrame
        ``road_class`` lower case (aliases resolved) when present.

    Raises
    ------
    InputError
        With every problem found; unknown classes are listed with the rows that carry them.
    """
    df, found, skip = _prepare(gdf, (), problems)
    labels = row_labels(df, None)
    if "road_class" in df.columns:
        _check_classes(df, "road_class", frozenset(ROAD_CLASSES), labels, found)
    elif "highway" in df.columns:
        _check_classes(df, "highway", OSM_HIGHWAYS, labels, found)
    else:
        found.append(_columns_problem(df, "column 'road_class' (or OSM 'highway')"))
    _check_geometry(df, LINES, "roads", source, labels, found, skip)
    return _finish(df, source, found)
