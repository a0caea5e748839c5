"""Read and check a layer of candidate sites for police posts (警务室, patrol points).

A sites layer is points with a ``site_id`` (a stations layer serves too: its ``station_id`` is
taken as the site id) and an optional ``name``; a GeoPackage, GeoJSON or Shapefile with a CRS,
or a CSV table with ``lon``/``lat`` in WGS84. Same conventions as
:mod:`jurisdiction.inputs.layers`: every problem is collected into one
:class:`~jurisdiction.errors.InputError` naming the file and the rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from jurisdiction.errors import InputError, Problem
from jurisdiction.inputs.cells import check_ids, row_labels
from jurisdiction.inputs.layers import _check_geometry, _finish, _prepare

#: Id columns accepted, in order of preference.
ID_COLUMNS = ("site_id", "station_id")


def _read(source: str | os.PathLike | gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    if isinstance(source, gpd.GeoDataFrame):
        return source.copy(), str(source.attrs.get("source", "<sites GeoDataFrame>"))
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise InputError(name, [Problem(None, "the file does not exist")])
    try:
        if path.suffix.lower() == ".csv":
            table = pd.read_csv(path, encoding="utf-8-sig", dtype={c: str for c in ID_COLUMNS})
            missing = [c for c in ("lon", "lat") if c not in table.columns]
            if missing:
                raise InputError(name, [Problem(None, f"a CSV of sites needs columns 'lon' and 'lat' (WGS84); "
                                                      f"missing {', '.join(missing)}")])
            coords = table[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
            points = gpd.points_from_xy(coords["lon"], coords["lat"])
            return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326"), name
        return gpd.read_file(path, engine="pyogrio"), name
    except InputError:
        raise
    except Exception as exc:  # pyogrio and pandas raise many kinds
        raise InputError(name, [Problem(None, f"cannot read the file: {exc}")]) from exc


def read_sites(source: str | os.PathLike | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Read and check candidate post sites.

    Parameters
    ----------
    source : str, path-like or GeoDataFrame
        Points with ``site_id`` (or ``station_id``) and optional ``name``; a file (GeoPackage,
        GeoJSON, Shapefile; CSV with ``lon``, ``lat`` in degrees WGS84) or a GeoDataFrame.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``site_id`` (str), ``name`` (the id where blank), Point geometry, in the
        source's CRS.

    Raises
    ------
    InputError
        Naming the file and every bad row at once: no rows, no CRS, no id column, missing or
        duplicate ids, geometry missing, empty or not a point, coordinates out of range.
    """
    gdf, name = _read(source)
    if len(gdf) == 0:
        raise InputError(name, [Problem(None, "the layer has no rows")])
    problems: list[Problem] = []
    if gdf.crs is None:
        problems.append(Problem(None, "the layer has no CRS: set one in the file (e.g. a .prj for a Shapefile)"))
    id_column = next((c for c in ID_COLUMNS if c in gdf.columns), None)
    if id_column is None:
        problems.append(Problem(None, f"no column 'site_id' (the id of each site); the layer has columns: "
                                      f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}"))
    else:
        gdf = gdf.rename(columns={id_column: "site_id"})
    df, found, skip = _prepare(gdf, (), problems)
    if "site_id" in df.columns:
        check_ids(df, "site_id", found)
    labels = row_labels(df, "site_id")
    _check_geometry(df, frozenset({"Point"}), "sites", name, labels, found, skip)
    df = _finish(df, name, found)
    names = df["name"] if "name" in df.columns else pd.Series(None, index=df.index, dtype=object)
    blank = names.isna() | (names.astype(str).str.strip() == "")
    df["name"] = names.astype(object).where(~blank, df["site_id"]).astype(str)
    df.attrs["source"] = name
    return df[["site_id", "name", df.geometry.name]]
