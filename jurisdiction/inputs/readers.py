"""Read villages, stations, jurisdictions and roads from files or GeoDataFrames.

A source is a path (GeoPackage, GeoJSON, Shapefile, anything pyogrio reads; or a CSV table
with longitude/latitude columns, or a WKT ``geometry`` column) or an in-memory
(Geo)DataFrame. Every loader validates the layer (see :mod:`jurisdiction.inputs.layers`) and either
returns a sound GeoDataFrame or raises one :class:`~jurisdiction.errors.InputError` listing
every problem, named by file and row.

CRS: layers come back in the CRS they came in, except GCJ-02 and BD-09 (declare them with
``datum=``), which are converted to WGS84 (EPSG:4326). CSV coordinates are WGS84 unless
``crs=`` says otherwise. A file without a CRS is an error unless ``crs=`` (or ``datum=``) is
given; ``crs=`` never overrides a CRS the file declares.

Text: a Shapefile's attribute encoding is found from its ``.cpg``, its language driver byte or
its text (:mod:`jurisdiction.inputs.encodings`), a CSV's is UTF-8 or else GB18030;
``encoding=`` overrides both. Columns: ``columns=`` maps the file's names to the package's,
and the usual Chinese and 10-character Shapefile names are mapped with a warning
(:mod:`jurisdiction.inputs.columns`). A layer with no rows is an :class:`EmptyLayerError`.
The file's name is kept in ``attrs["source"]`` of the layer returned, for later messages.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from jurisdiction.errors import InputError, Problem
from jurisdiction.inputs.columns import canonical_columns
from jurisdiction.inputs.crs import normalise_datum, to_wgs84
from jurisdiction.inputs.encodings import chosen_codec, dbf_encoding
from jurisdiction.inputs.layers import (
    normalise_ids,
    row_labels,
    validate_jurisdictions,
    validate_stations,
    validate_villages,
)
from jurisdiction.inputs.road_layer import validate_roads

TABLE_SUFFIXES = (".csv", ".txt", ".tsv")
#: Columns read as text from CSV so that codes keep their digits (leading zeros, no ".0").
TEXT_COLUMNS = ("village_id", "station_id", "registration_station", "dispatch_station",
                "township", "name", "code")
WKT_COLUMNS = ("geometry", "wkt", "WKT")
#: Files whose attribute text is a dBASE table of unstated encoding.
DBF_SUFFIXES = (".shp", ".dbf")


class EmptyLayerError(InputError):
    """A layer with no rows; its message is the one line ``<file>: the layer has no rows``."""

    def __init__(self, source: str):
        super().__init__(source, [Problem(None, "the layer has no rows")])

    def _message(self) -> str:
        return f"{self.source}: the layer has no rows"


def _read_table(path: Path, name: str, encoding: str | None) -> pd.DataFrame:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    dtype = dict.fromkeys(TEXT_COLUMNS, "str")
    for codec in (chosen_codec(encoding, name),) if encoding is not None else ("utf-8-sig", "gb18030"):
        try:
            table = pd.read_csv(path, sep=sep, dtype=dtype, encoding=codec)
        except UnicodeDecodeError as exc:
            if encoding is not None:
                raise InputError(name, [Problem(None, f"the table is not {encoding} text: {exc}")]) from exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(name, [Problem(None, f"cannot read the table: {exc}")]) from exc
        if codec == "gb18030":
            warnings.warn(f"{name}: the table is not UTF-8; read it as GB18030 (GBK), in which it decodes "
                          "(set `encoding` to force another)", UserWarning, stacklevel=5)
        return table
    raise InputError(name, [Problem(None, "the table is neither UTF-8 nor GB18030 text (set `encoding`)")])


def _table_to_layer(df: pd.DataFrame, name: str, *, id_column: str | None, lon: str, lat: str,
                    crs, geographic: bool, problems: list[Problem]) -> gpd.GeoDataFrame:
    """Points from lon/lat columns (or shapes from a WKT column) of a plain table."""
    df = df.reset_index(drop=True)
    if id_column is not None and id_column in df.columns:
        df[id_column] = normalise_ids(df[id_column])
    labels = row_labels(df, id_column)
    wkt = next((c for c in WKT_COLUMNS if c in df.columns), None)
    if lon in df.columns and lat in df.columns:
        coords = {}
        bad = np.zeros(len(df), dtype=bool)
        limits = {lon: 180.0, lat: 90.0}
        for column in (lon, lat):
            raw = df[column]
            values = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
            for i in np.flatnonzero(~np.isfinite(values)):
                blank = raw.isna().iat[i] or str(raw.iat[i]).strip() == ""
                text = "is missing" if blank else f"{raw.iat[i]!r} is not a number"
                problems.append(Problem(labels[i], f"{column} {text}"))
            bad |= ~np.isfinite(values)
            if geographic:
                out = np.isfinite(values) & (np.abs(values) > limits[column])
                for i in np.flatnonzero(out):
                    problems.append(Problem(labels[i], (
                        f"{column} {values[i]:g} is out of range [-{limits[column]:g}, "
                        f"{limits[column]:g}]")))
                bad |= out
            coords[column] = values
        points = shapely.points(coords[lon], coords[lat])
        geometry = np.where(bad, None, points)
        df = df.drop(columns=[lon, lat])
    elif wkt is not None:
        geometry = np.empty(len(df), dtype=object)
        for i, text in enumerate(df[wkt]):
            try:
                geometry[i] = None if pd.isna(text) else shapely.from_wkt(str(text))
            except shapely.errors.GEOSException:
                problems.append(Problem(labels[i], f"{wkt} {str(text)[:40]!r} is not valid WKT"))
        df = df.drop(columns=[wkt])
    else:
        missing = ", ".join(repr(c) for c in (lon, lat) if c not in df.columns)
        problems.append(Problem(None, (
            f"missing coordinate column(s) {missing} (name yours with lon=/lat=, or give a WKT "
            f"'geometry' column); the file has columns: {', '.join(map(str, df.columns))}")))
        geometry = np.full(len(df), None, dtype=object)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry, index=df.index), crs=crs)


def _read_file(path: Path, name: str, kind: str, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(name, [Problem(None, f"cannot open the file: {exc}")]) from exc
    if layer is None and len(layers) > 1:
        if kind not in layers:
            raise InputError(name, [Problem(None, (
                f"the file has {len(layers)} layers ({', '.join(layers)}): choose one with layer=")),
            ])
        layer = kind
    if layer is not None and layer not in layers:
        raise InputError(name, [Problem(None, (
            f"no layer {layer!r}; the file has layers: {', '.join(layers)}"))])
    if path.suffix.lower() in DBF_SUFFIXES:
        encoding = dbf_encoding(path, name, encoding)
    elif encoding is not None:  # GeoPackage and GeoJSON are UTF-8 by definition: a wrong choice fails below
        encoding = chosen_codec(encoding, name)
    text = {} if encoding is None else {"encoding": encoding}
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio", **text)
    except UnicodeDecodeError as exc:
        raise InputError(name, [Problem(None, (
            f"the attribute text is not {encoding}: {exc} (set `encoding` to the file's)"))]) from exc
    except Exception as exc:
        raise InputError(name, [Problem(None, f"cannot read the file: {exc}")]) from exc


def _read_source(source, kind: str, *, layer, datum, crs, lon, lat, id_column,  # noqa: PLR0912, PLR0913
                 encoding=None, columns=None):
    """Read any source into a GeoDataFrame with its CRS settled; return (gdf, name, problems, datum)."""
    problems: list[Problem] = []
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(path)
        if not path.exists():
            raise InputError(name, [Problem(None, "the file does not exist")])
    else:
        path = None
        name = f"<{kind} {'GeoDataFrame' if isinstance(source, gpd.GeoDataFrame) else 'DataFrame'}>"
        if isinstance(source, pd.DataFrame):
            name = str(source.attrs.get("source", name))
        else:
            raise InputError(f"<{kind}>", [Problem(None, (
                f"cannot read {type(source).__name__}: give a file path or a (Geo)DataFrame"))])
    datum = normalise_datum(datum, name)
    if crs is not None:
        try:
            crs = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError as exc:
            raise InputError(name, [Problem(None, f"crs={crs!r} is not a CRS: {exc}")]) from exc

    if path is not None and path.suffix.lower() not in TABLE_SUFFIXES:
        gdf = canonical_columns(_read_file(path, name, kind, layer, encoding), kind, name, problems,
                                columns=columns)
    elif isinstance(source, gpd.GeoDataFrame):
        gdf = canonical_columns(source.copy(), kind, name, problems, columns=columns)
    else:
        table = _read_table(path, name, encoding) if path is not None else source.copy()
        table = canonical_columns(table, kind, name, problems, columns=columns, table=(lon, lat) == ("lon", "lat"))
        table_crs = crs or pyproj.CRS.from_epsg(4326)
        if datum is not None and not table_crs.is_geographic:
            problems.append(Problem(None, (
                f"datum {datum!r} was declared with the projected crs={table_crs.to_string()}: "
                "GCJ-02/BD-09 coordinates are longitude/latitude degrees")))
        return (_table_to_layer(table, name, id_column=id_column, lon=lon, lat=lat, crs=table_crs,
                                geographic=table_crs.is_geographic, problems=problems),
                name, problems, datum)

    if gdf.crs is None:
        if crs is not None:
            gdf = gdf.set_crs(crs)
        elif datum is not None:
            gdf = gdf.set_crs("EPSG:4326")
        else:
            problems.append(Problem(None, (
                "the layer has no CRS: set one in the file (e.g. a .prj for a Shapefile) or pass "
                "crs='EPSG:4326' (WGS84), 'EPSG:4490' (CGCS2000), ... to the loader")))
    elif crs is not None and not gdf.crs.equals(crs, ignore_axis_order=True):
        problems.append(Problem(None, (
            f"the file declares CRS {gdf.crs.to_string()} but crs={crs.to_string()} was given; "
            "crs= only fills in a missing CRS (reproject the file instead)")))
    if datum is not None and gdf.crs is not None and not gdf.crs.is_geographic:
        problems.append(Problem(None, (
            f"datum {datum!r} was declared but the layer's CRS {gdf.crs.to_string()} is "
            "projected: GCJ-02/BD-09 coordinates are longitude/latitude degrees")))
    return gdf, name, problems, datum


def _load(source, kind: str, id_column: str | None, validate: Callable, *, layer, datum, crs,  # noqa: PLR0913
          lon="lon", lat="lat", encoding=None, columns=None, **options) -> gpd.GeoDataFrame:
    gdf, name, problems, datum = _read_source(source, kind, layer=layer, datum=datum, crs=crs, lon=lon, lat=lat,
                                              id_column=id_column, encoding=encoding, columns=columns)
    if len(gdf) == 0:
        raise EmptyLayerError(name)
    gdf = validate(gdf, name, problems=problems, **options)
    if datum is not None:
        gdf = to_wgs84(gdf, datum, source=name)
    gdf.attrs["source"] = name
    return gdf


def read_villages(source, *, layer: str | None = None, datum: str | None = None,  # noqa: PLR0913 (one per option)
                  lon: str = "lon", lat: str = "lat", crs=None, stations=None, encoding: str | None = None,
                  columns: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Read and validate the villages layer.

    Parameters
    ----------
    source : path or GeoDataFrame or DataFrame
        GeoPackage, GeoJSON, Shapefile, or CSV with ``lon``/``lat`` (or WKT ``geometry``).
        Columns ``village_id``, ``name``, ``population`` (people); optional ``incidents`` (per
        year), ``registration_station``, ``dispatch_station``, ``township``; others are kept.
    layer : str, optional
        Layer of a multi-layer file (default: the only one, or the one named "villages").
    datum : {"gcj02", "bd09", None}
        Declare Amap/Tencent (GCJ-02) or Baidu (BD-09) coordinates: they are converted to WGS84.
    lon, lat : str
        CSV coordinate column names (degrees, or ``crs`` units).
    crs : str or pyproj.CRS, optional
        CRS of a CSV (default EPSG:4326) or of a file that declares none.
    stations : GeoDataFrame or iterable of str, optional
        When given, ``registration_station``/``dispatch_station`` must be among its ids.
    encoding : str, optional
        The attribute text's encoding ("gbk", "utf-8"...), overriding the one found (Shapefile,
        CSV; see :mod:`jurisdiction.inputs.encodings`).
    columns : mapping of str to str, optional
        File column -> package column (``{"村名": "name", "人口": "population"}``); usual Chinese
        and Shapefile-cut names are mapped without it, with a warning.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`jurisdiction.inputs.layers.validate_villages` for the canonical columns.

    Raises
    ------
    InputError
        Every problem of the layer, naming the file and rows.
    """
    return _load(source, "villages", "village_id", validate_villages, layer=layer, datum=datum,
                 crs=crs, lon=lon, lat=lat, stations=stations, encoding=encoding, columns=columns)


def read_stations(source, *, layer: str | None = None, datum: str | None = None,  # noqa: PLR0913 (one per option)
                  lon: str = "lon", lat: str = "lat", crs=None, encoding: str | None = None,
                  columns: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Read and validate the stations layer (points).

    Parameters
    ----------
    source : path or GeoDataFrame or DataFrame
        Columns ``station_id``, ``name``; optional ``officers``, ``auxiliaries`` (people),
        ``kind`` (urban/rural), ``candidate``/``fixed``/``excluded`` (true/false, 1/0, yes/no).
    layer, datum, lon, lat, crs, encoding, columns
        As for :func:`read_villages`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidate`` (default True), ``fixed`` and ``excluded`` (default False) as bool.

    Raises
    ------
    InputError
        Every problem of the layer, naming the file and rows.
    """
    return _load(source, "stations", "station_id", validate_stations, layer=layer, datum=datum,
                 crs=crs, lon=lon, lat=lat, encoding=encoding, columns=columns)


def read_jurisdictions(source, *, layer: str | None = None, datum: str | None = None,  # noqa: PLR0913
                       crs=None, stations=None, encoding: str | None = None,
                       columns: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Read and validate the current jurisdictions (polygons carrying ``station_id``).

    Parameters
    ----------
    source : path or GeoDataFrame or DataFrame
        Polygon/MultiPolygon rows with ``station_id`` (a station may have several rows).
    layer, datum, crs, encoding, columns
        As for :func:`read_villages`.
    stations : GeoDataFrame or iterable of str, optional
        When given, every ``station_id`` must be among its ids.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputError
        Every problem of the layer, naming the file and rows.
    """
    return _load(source, "jurisdictions", None, validate_jurisdictions, layer=layer, datum=datum,
                 crs=crs, stations=stations, encoding=encoding, columns=columns)


def read_roads(source, *, layer: str | None = None, datum: str | None = None, crs=None,
               encoding: str | None = None, columns: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Read and validate a roads layer (lines with ``road_class`` or OSM ``highway``).

    Parameters
    ----------
    source : path or GeoDataFrame or DataFrame
        LineString/MultiLineString rows; ``road_class`` in expressway, national, provincial,
        county, township, village, track (or Chinese names), or OSM ``highway``; optional
        ``maxspeed`` (km/h), ``oneway``, ``name``.
    layer, datum, crs, encoding, columns
        As for :func:`read_villages`.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputError
        Every problem of the layer; unknown classes are listed with their rows.
    """
    return _load(source, "roads", None, validate_roads, layer=layer, datum=datum, crs=crs,
                 encoding=encoding, columns=columns)
