"""Helpers of the tests in tests/inputs/ (no tests here): a small county written to disk, the CLI run.

The county: six square villages in a 3 x 2 grid of 1 km cells near 107.0 E 30.0 N (shared
corners, so the polygons touch and never overlap), two stations in the west and east cells,
and a road grid through the cell centres, noded at every crossing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from shapely.geometry import LineString, Point, Polygon

from jurisdiction.cli import main

X = [107.0 + 0.01 * i for i in range(4)]
Y = [30.0 + 0.01 * j for j in range(3)]
CELLS = [(i, j) for i in range(3) for j in range(2)]
NAMES = ["平桥村", "高峰村", "垭口村", "石坝村", "新民村", "永安村"]


def cell(i: int, j: int) -> Polygon:
    return Polygon([(X[i], Y[j]), (X[i + 1], Y[j]), (X[i + 1], Y[j + 1]), (X[i], Y[j + 1])])


def centre(i: int, j: int) -> tuple[float, float]:
    return ((X[i] + X[i + 1]) / 2, (Y[j] + Y[j + 1]) / 2)


def villages(**columns: Any) -> gpd.GeoDataFrame:
    """The villages with the package's column names (``columns`` replaces or adds some)."""
    data = {
        "village_id": [f"50023100{k}" for k in range(6)],
        "name": NAMES,
        "population": [100, 200, 300, 400, 500, 600],
        "registration_station": ["S1", "S1", "S1", "S2", "S2", "S2"],
        "dispatch_station": ["S1", "S1", "S2", "S2", "S2", "S2"],
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[cell(i, j) for i, j in CELLS], crs="EPSG:4326")


def stations(**columns: Any) -> gpd.GeoDataFrame:
    data = {"station_id": ["S1", "S2"], "name": ["平桥派出所", "高峰派出所"], "officers": [5, 6]}
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[Point(centre(0, 0)), Point(centre(2, 1))], crs="EPSG:4326")


def roads(**columns: Any) -> gpd.GeoDataFrame:
    xs = [centre(i, 0)[0] for i in range(3)]
    ys = [centre(0, j)[1] for j in range(2)]
    lines = [LineString([(xs[i], y), (xs[i + 1], y)]) for y in ys for i in range(2)]
    lines += [LineString([(x, ys[0]), (x, ys[1])]) for x in xs]
    data = {"road_class": ["county"] * len(lines)}
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=lines, crs="EPSG:4326")


def shapefile(frame: gpd.GeoDataFrame, path: Path, *, encoding: str = "GBK", cpg: bool = False,
              prj: bool = True) -> Path:
    """Write a Shapefile in ``encoding`` as Chinese desktop GIS does: no .cpg (unless ``cpg``)."""
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def county(folder: Path, **layers: Any) -> dict[str, str]:
    """Write the villages, stations and roads as GeoPackages (unless given); the [data] lines."""
    files = {}
    for kind, build in (("villages", villages), ("stations", stations), ("roads", roads)):
        given = layers.get(kind)
        if isinstance(given, Path):
            files[kind] = given.name
            continue
        path = folder / f"{kind}.gpkg"
        (given if given is not None else build()).to_file(path)
        files[kind] = path.name
    return files


def scenario(folder: Path, data: str, *, name: str = '"t"') -> Path:
    """A scenario TOML in ``folder`` with the ``data`` text (its [data] tables) and a small model."""
    path = folder / "scenario.toml"
    path.write_text(f"name = {name}\n{data}\n[model]\ncentres = 1\nlimit = 30\n", encoding="utf-8")
    return path


def short_data(files: dict[str, str]) -> str:
    return "[data]\n" + "".join(f'{kind} = "{name}"\n' for kind, name in files.items())


def diagnose(path: Path, capsys) -> dict[str, Any]:
    """``jurisdiction diagnose PATH --json``: the JSON document (its exit code in ``exit_code``)."""
    capsys.readouterr()
    code = main(["diagnose", str(path), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert document["exit_code"] == code
    return document
