"""Check input layers (villages, stations, jurisdictions, roads) and put them in canonical form.

Each ``validate_*`` function collects every problem of a layer and raises them together as
one :class:`~jurisdiction.errors.InputError`; it returns a new GeoDataFrame only when the
layer is sound (nothing half-built). Rows are named by their id, or by ``#n`` (1-based row
number) when the id is missing or duplicated. Invalid geometries are repaired with
``shapely.make_valid`` when that keeps the geometry type, with a warning naming the rows.

Canonical form: ids are ``str`` (a numeric code 500231001 becomes "500231001", never
"500231001.0"); ``population`` is int64; ``incidents``, ``officers``, ``auxiliaries`` are
float64; ``candidate``, ``fixed``, ``excluded`` are bool; ``kind`` is "urban"/"rural";
``road_class`` is lower case; geometries are 2-D; the index is a RangeIndex.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jurisdiction.errors import InputError, Problem
from jurisdiction.inputs.cells import (
    check_booleans,
    check_ids,
    check_names,
    check_numbers,
    listed,
    missing,
    normalise_id,
    normalise_ids,
    row_labels,
)

VILLAGE_COLUMNS = ("village_id", "name", "population")
STATION_COLUMNS = ("station_id", "name")
JURISDICTION_COLUMNS = ("station_id",)
STATION_KINDS = ("urban", "rural")
#: Chinese names accepted for ``kind``: street offices (街道) are urban, towns and townships rural.
STATION_KIND_ALIASES = {"城区": "urban", "城市": "urban", "街道": "urban", "农村": "rural",
                        "乡村": "rural", "镇": "rural", "乡": "rural"}
#: Geometry type names by shapely type id (the last one, for id -1, marks a missing geometry).
GEOMETRY_TYPES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon", "GeometryCollection", "None")
POLYGONS = frozenset({"Polygon", "MultiPolygon"})
LINES = frozenset({"LineString", "MultiLineString"})


def _columns_problem(df: gpd.GeoDataFrame, missing: str) -> Problem:
    have = ", ".join(str(c) for c in df.columns if c != df.geometry.name)
    return Problem(None, f"missing required {missing}; the file has columns: {have or '(none)'}")


def _station_ids(stations) -> set[str]:
    if isinstance(stations, pd.DataFrame):
        if "station_id" not in stations.columns:
            raise InputError("<stations>", [Problem(None, "missing required column 'station_id'")])
        stations = stations["station_id"]
    return {s for s in (normalise_id(v) for v in stations) if s is not None}


def _check_references(df: pd.DataFrame, columns: Iterable[str], labels: list[str], stations,
                      problems: list[Problem], *, required: bool = False) -> None:
    known = None if stations is None else _station_ids(stations)
    for column in columns:
        if column not in df.columns:
            continue
        df[column] = normalise_ids(df[column])
        for i, value in enumerate(df[column]):
            if missing(value):
                if required:
                    problems.append(Problem(labels[i], f"{column} is missing"))
            elif known is not None and value not in known:
                sample = listed(sorted(known))
                problems.append(Problem(labels[i], (
                    f"{column} {value!r} is not the id of any station (stations are: {sample})")))


def _check_geometry(gdf: gpd.GeoDataFrame, allowed: frozenset[str], what: str, source: str,
                    labels: list[str], problems: list[Problem], skip: set[str]) -> None:
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms)
    if shapely.has_z(geoms).any():
        geoms = np.where(missing, None, shapely.force_2d(geoms))
    empty = shapely.is_empty(geoms)
    type_names = np.array(GEOMETRY_TYPES, dtype=object)[shapely.get_type_id(geoms)]
    wrong = ~missing & ~empty & ~np.isin(type_names, list(allowed))
    invalid = ~missing & ~empty & ~wrong & ~shapely.is_valid(geoms)
    repaired: list[str] = []
    for i in np.flatnonzero(missing | empty | wrong | invalid):
        g = geoms[i]
        if missing[i]:
            if labels[i] not in skip:
                problems.append(Problem(labels[i], "geometry is missing"))
            continue
        if empty[i]:
            problems.append(Problem(labels[i], "geometry is empty"))
            continue
        if wrong[i]:
            problems.append(Problem(labels[i], f"geometry is a {g.geom_type}; "
                                               f"{what} must be {' or '.join(sorted(allowed))}"))
            continue
        reason = shapely.is_valid_reason(g)
        if g.geom_type in POLYGONS:
            fixed = shapely.make_valid(g, method="structure", keep_collapsed=False)
        else:
            fixed = shapely.make_valid(g)
        if fixed.is_empty or fixed.geom_type not in allowed:
            kind = "nothing" if fixed.is_empty else f"a {fixed.geom_type}"
            problems.append(Problem(labels[i], (
                f"geometry is invalid ({reason}) and cannot be repaired: make_valid turns it into {kind}")))
            continue
        geoms[i] = fixed
        repaired.append(labels[i])
    if repaired:
        warnings.warn(f"{source}: repaired invalid geometry (shapely.make_valid) in "
                      f"{len(repaired)} row(s): {listed(repaired)}", UserWarning, stacklevel=3)
    gdf[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    if gdf.crs is not None and gdf.crs.is_geographic:
        bounds = shapely.bounds(np.asarray(gdf.geometry.array, dtype=object))
        bad = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
        for i in np.flatnonzero(bad):
            problems.append(Problem(labels[i], (
                f"coordinates ({bounds[i, 0]:.6g}, {bounds[i, 1]:.6g}) are out of range for "
                f"longitude/latitude in {gdf.crs.to_string()}: the file's CRS is probably wrong")))


def _prepare(gdf: gpd.GeoDataFrame, required: Sequence[str], problems: Sequence[Problem]):
    out = gdf.copy().reset_index(drop=True)
    found = list(problems)
    missing = [c for c in required if c not in out.columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        found.append(_columns_problem(out, f"column{plural} " + ", ".join(repr(c) for c in missing)))
    return out, found, {p.row for p in problems if p.row is not None}


def _finish(gdf: gpd.GeoDataFrame, source: str, problems: list[Problem]) -> gpd.GeoDataFrame:
    if problems:
        layer_level = [p for p in problems if p.row is None]
        raise InputError(source, layer_level + [p for p in problems if p.row is not None])
    geometry = gdf.geometry.name
    return gdf[[c for c in gdf.columns if c != geometry] + [geometry]]


def validate_villages(gdf: gpd.GeoDataFrame, source: str = "<villages GeoDataFrame>", *,
                      stations=None, problems: Sequence[Problem] = ()) -> gpd.GeoDataFrame:
    """Check a villages layer and return it in canonical form.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Columns ``village_id``, ``name``, ``population`` (people, whole numbers >= 0); optional
        ``incidents`` (per year, >= 0), ``registration_station``, ``dispatch_station``,
        ``township``; Polygon/MultiPolygon or Point geometries (not mixed).
    source : str
        The file name (or ``<villages GeoDataFrame>``) for messages.
    stations : GeoDataFrame or iterable of str, optional
        The stations layer (or its ids): station references must be among them.
    problems : sequence of Problem
        Problems found earlier (while reading) to report together with these.

    Returns
    -------
    geopandas.GeoDataFrame
        A validated copy, same CRS.

    Raises
    ------
    InputError
        With every problem found.
    """
    df, found, skip = _prepare(gdf, VILLAGE_COLUMNS, problems)
    if "village_id" in df.columns:
        check_ids(df, "village_id", found)
    labels = row_labels(df, "village_id")
    check_names(df, "village_id", source)
    if "population" in df.columns:
        check_numbers(df, "population", labels, found, integer=True)
    if "incidents" in df.columns:
        check_numbers(df, "incidents", labels, found, integer=False)
    _check_references(df, ("registration_station", "dispatch_station"), labels, stations, found)
    if "township" in df.columns:
        df["township"] = normalise_ids(df["township"])
    _check_geometry(df, POLYGONS | {"Point"}, "villages", source, labels, found, skip)
    geoms = np.asarray(df.geometry.array, dtype=object)
    present = pd.Series(shapely.get_type_id(geoms))
    present = present.map({0: "Point", 3: "Polygon", 6: "MultiPolygon"})[~shapely.is_empty(geoms)]
    n_points, n_polygons = int((present == "Point").sum()), int(present.isin(POLYGONS).sum())
    if n_points and n_polygons:
        found.append(Problem(None, (f"the layer mixes {n_points} Point and {n_polygons} polygon "
                                    "villages: give all villages as polygons or all as points")))
    return _finish(df, source, found)


def validate_stations(gdf: gpd.GeoDataFrame, source: str = "<stations GeoDataFrame>", *,
                      problems: Sequence[Problem] = ()) -> gpd.GeoDataFrame:
    """Check a stations layer and return it in canonical form.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Columns ``station_id``, ``name``; optional ``officers``, ``auxiliaries`` (people, >= 0),
        ``kind`` ("urban"/"rural", or 街道/城区 and 镇/乡/农村), ``candidate`` (default true),
        ``fixed`` (default false), ``excluded`` (default false); Point geometries.
    source : str
        The file name (or ``<stations GeoDataFrame>``) for messages.
    problems : sequence of Problem
        Problems found earlier (while reading) to report together with these.

    Returns
    -------
    geopandas.GeoDataFrame
        A validated copy with bool ``candidate``, ``fixed``, ``excluded`` always present.

    Raises
    ------
    InputError
        With every problem found.
    """
    df, found, skip = _prepare(gdf, STATION_COLUMNS, problems)
    if "station_id" in df.columns:
        check_ids(df, "station_id", found)
    labels = row_labels(df, "station_id")
    check_names(df, "station_id", source)
    for column in ("officers", "auxiliaries"):
        if column in df.columns:
            check_numbers(df, column, labels, found, integer=False)
    if "kind" in df.columns:
        kinds = []
        for i, cell in enumerate(df["kind"]):
            value = None if missing(cell) else str(cell).strip().lower()
            value = STATION_KIND_ALIASES.get(value, value)
            if value is not None and value not in STATION_KINDS:
                found.append(Problem(labels[i], f"kind {cell!r} is not 'urban' or 'rural'"))
            kinds.append(value)
        df["kind"] = pd.Series(kinds, index=df.index, dtype="str")
    check_booleans(df, labels, found)
    _check_geometry(df, frozenset({"Point"}), "stations", source, labels, found, skip)
    return _finish(df, source, found)


def validate_jurisdictions(gdf: gpd.GeoDataFrame, source: str = "<jurisdictions GeoDataFrame>", *,
                           stations=None, problems: Sequence[Problem] = ()) -> gpd.GeoDataFrame:
    """Check a current-jurisdictions layer (one or more polygons per station).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Column ``station_id``; Polygon/MultiPolygon geometries. Several rows may share a
        station (a district stored in parts).
    source : str
        The file name for messages.
    stations : GeoDataFrame or iterable of str, optional
        Every ``station_id`` must be among these.
    problems : sequence of Problem
        Problems found earlier to report together with these.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputError
        With every problem found.
    """
    df, found, skip = _prepare(gdf, JURISDICTION_COLUMNS, problems)
    labels = row_labels(df, None)
    _check_references(df, ("station_id",), labels, stations, found, required=True)
    _check_geometry(df, POLYGONS, "jurisdictions", source, labels, found, skip)
    return _finish(df, source, found)
