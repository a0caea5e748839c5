"""Checks of the layers together, once each is sound on its own: do they describe one place.

Each layer can pass its own checks and still be wrong next to the others: roads of another
county, stations in a projected CRS declared as degrees, a jurisdictions layer shifted off the
villages, two village polygons drawn over each other. :func:`check_layers_together` looks for
these; :func:`jurisdiction.pipeline.survey` calls it after reading the layers.

- villages and roads, villages and stations, whose extents (in WGS84 degrees) do not overlap
  at all: an :class:`~jurisdiction.errors.InputError` naming both layers and their extents;
- a jurisdictions layer that covers no village: an error; one that covers fewer than half: a
  warning;
- village polygons that overlap by more than :data:`OVERLAP_M2` square metres (measured in the
  local UTM zone): a warning naming the pairs and the area (a village counted twice).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely

from jurisdiction.errors import InputError, Problem
from jurisdiction.inputs.cells import listed
from jurisdiction.inputs.crs import utm_crs

#: Square metres: smaller overlaps of two village polygons are digitising noise, not a warning.
OVERLAP_M2 = 1.0
#: Share of villages a jurisdictions layer may miss before it is warned about.
COVERED_SHARE = 0.5

Extent = tuple[float, float, float, float]


def _name(layer, kind: str) -> str:
    return str(getattr(layer, "attrs", {}).get("source", f"<{kind}>"))


def _degrees(bounds, crs) -> Extent | None:
    """A (minx, miny, maxx, maxy) box in WGS84 longitude/latitude, or None when unknown."""
    if crs is None or not np.all(np.isfinite(bounds)):
        return None
    crs = pyproj.CRS.from_user_input(crs)
    if crs.is_geographic and crs.equals("EPSG:4326", ignore_axis_order=True):
        return tuple(float(b) for b in bounds)
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return tuple(float(b) for b in transformer.transform_bounds(*bounds))


def _extent(layer) -> Extent | None:
    if isinstance(layer, nx.Graph):  # an osmnx-style graph: nodes with x, y in graph["crs"]
        xy = np.array([(d["x"], d["y"]) for _, d in layer.nodes(data=True) if "x" in d and "y" in d], dtype=float)
        if not len(xy):
            return None
        return _degrees((*xy.min(axis=0), *xy.max(axis=0)), layer.graph.get("crs"))
    return _degrees(layer.total_bounds, layer.crs)


def _span(box: Extent) -> str:
    return f"lon {box[0]:.4f} to {box[2]:.4f}, lat {box[1]:.4f} to {box[3]:.4f}"


def _disjoint(a: Extent, b: Extent) -> bool:
    return a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]


def _check_extents(villages: gpd.GeoDataFrame, others: dict[str, object]) -> None:
    home = _extent(villages)
    if home is None:
        return
    for kind, layer in others.items():
        box = _extent(layer)
        if box is not None and _disjoint(home, box):
            raise InputError(f"{_name(villages, 'villages')} and {_name(layer, kind)}", [Problem(None, (
                f"the villages and the {kind} do not overlap at all: the villages span {_span(home)}, the "
                f"{kind} {_span(box)} (WGS84 degrees). A wrong CRS or datum on one of them, or the layers of "
                "two different places?"))])


def _check_coverage(villages: gpd.GeoDataFrame, jurisdictions: gpd.GeoDataFrame) -> None:
    points = villages.geometry.representative_point()
    areas = jurisdictions.to_crs(villages.crs).geometry
    hits = shapely.STRtree(np.asarray(areas.array, dtype=object)).query(
        np.asarray(points.array, dtype=object), predicate="intersects")
    covered = len(np.unique(hits[0]))
    name, n = _name(jurisdictions, "jurisdictions"), len(villages)
    spans = (f"the jurisdictions span {_span(_extent(jurisdictions))}, the villages "
             f"{_span(_extent(villages))}")
    if covered == 0:
        raise InputError(name, [Problem(None, (
            f"the jurisdictions cover none of the {n} villages of {_name(villages, 'villages')}: {spans}. "
            "A wrong CRS or datum, or a shifted layer?"))])
    if covered < COVERED_SHARE * n:
        warnings.warn(f"{name}: the jurisdictions cover only {covered} of the {n} villages: {spans}; the "
                      "others have no current district from it", UserWarning, stacklevel=3)


def _check_overlaps(villages: gpd.GeoDataFrame) -> None:
    geoms = np.asarray(villages.to_crs(utm_crs(villages)).geometry.array, dtype=object)
    polygons = shapely.get_type_id(geoms) != 0
    if not polygons.any():
        return
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = (left < right) & polygons[left] & polygons[right]
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    big = np.flatnonzero(areas > OVERLAP_M2)
    if not len(big):
        return
    ids = villages["village_id"].astype(str).to_numpy() if "village_id" in villages else \
        np.array([f"#{i + 1}" for i in range(len(villages))])
    order = big[np.argsort(-areas[big])]
    pairs = [f"{ids[left[k]]} and {ids[right[k]]} ({areas[k]:,.0f} m²)" for k in order]
    warnings.warn(f"{_name(villages, 'villages')}: {len(pairs)} pair(s) of village polygons overlap (a place "
                  f"counted in two villages): {listed(pairs)}", UserWarning, stacklevel=3)


def check_layers_together(villages: gpd.GeoDataFrame, stations: gpd.GeoDataFrame,
                          roads: gpd.GeoDataFrame | nx.Graph | None = None,
                          jurisdictions: gpd.GeoDataFrame | None = None) -> None:
    """Check that checked layers describe one place (see the module's docstring).

    Parameters
    ----------
    villages, stations : geopandas.GeoDataFrame
        The checked layers, in any CRS (their ``attrs["source"]`` names them in messages).
    roads : GeoDataFrame or networkx graph, optional
        Road lines, or a road graph whose nodes carry ``x``, ``y`` in ``graph["crs"]``.
    jurisdictions : geopandas.GeoDataFrame, optional
        The current districts.

    Raises
    ------
    InputError
        Villages and roads or stations that do not overlap at all; jurisdictions covering no
        village. Overlapping villages and poorly covering jurisdictions are warnings.
    """
    others = {"stations": stations, **({"roads": roads} if roads is not None else {})}
    _check_extents(villages, others)
    if jurisdictions is not None and len(jurisdictions):
        _check_coverage(villages, jurisdictions)
    _check_overlaps(villages)
