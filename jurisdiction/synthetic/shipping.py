"""Generated examples as package data: the four layers finished and written byte for byte reproducibly.

Used by the build scripts under ``data/`` (``data/dianjiang/build.py``, ``data/futian/build.py``):
each builds its layers, then :func:`finish_layers` puts them in WGS84, valid and sorted, and
:func:`write_layers` writes one GeoPackage whose bytes depend only on the layers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

#: The timestamp GDAL writes into every GeoPackage (fixed, so that rebuilds are byte-identical).
TIMESTAMP = "2024-01-01T00:00:00Z"
#: Each layer's sort key.
LAYER_KEYS = {"villages": "village_id", "stations": "station_id", "jurisdictions": "station_id", "roads": "road_id"}


def finish_layers(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The layers in WGS84 (EPSG:4326), polygons made valid, rows sorted by their id."""
    return {name: _valid(layer.to_crs("EPSG:4326")).sort_values(LAYER_KEYS[name]).reset_index(drop=True)
            for name, layer in layers.items()}


def _valid(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Repair polygons that reprojection to WGS84 left with tiny self-intersections."""
    polygons = layer.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if polygons.any():
        geometry = layer.geometry.values.copy()
        geometry[polygons] = shapely.make_valid(geometry[polygons], method="structure", keep_collapsed=False)
        layer = layer.set_geometry(geometry)
    return layer


def write_layers(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write the layers to one GeoPackage with fixed timestamps (reproducible bytes), atomically."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": TIMESTAMP})
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    for name, layer in layers.items():
        pyogrio.write_dataframe(layer, tmp, layer=name, driver="GPKG", append=tmp.exists())
    os.replace(tmp, path)


def copy_sources(shared: Path, names: Iterable[str], folder: Path) -> None:
    """Copy the named source files from ``shared`` into ``folder`` when ``shared`` is present."""
    if shared.is_dir():
        folder.mkdir(exist_ok=True)
        for name in names:
            shutil.copyfile(shared / name, folder / name)


def ship(build: Callable[[], dict[str, gpd.GeoDataFrame]], path: Path) -> None:
    """Build the layers, write them to ``path`` and print the row count of each (a build script's main)."""
    layers = build()
    write_layers(layers, path)
    for name, layer in layers.items():
        print(f"{name}: {len(layer)} rows")
