"""Outputs: what a plan becomes for its readers: district tables, maps, the report, files.

| module | what it holds |
|---|---|
| ``districts`` | the per-district table and the before/after metrics of a plan |
| ``maps`` | :func:`plan_map`, :func:`current_map`: self-contained HTML maps (folium, Leaflet inlined) |
| ``map_layers`` | the maps' layers: districts, villages, split villages, stations, bundles, isochrones, roads |
| ``map_assets`` | the maps' pieces that are not layers: inlined Leaflet (``assets/``), legend, popups |
| ``report`` | :func:`write_report`: the HTML report for decision-makers |
| ``charts`` | the report's pictures (matplotlib) |
| ``post_tables`` | :func:`export_posts`: a post placement's ``posts.gpkg`` and ``coverage.csv`` |
| ``post_maps`` | :func:`posts_map`: posts, catchments, covered and uncovered villages, offline |
| ``files`` | :func:`export_plan` (GeoPackage, CSV, JSON) and the atomic writes every output uses |
"""

from jurisdiction.outputs.files import export_plan
from jurisdiction.outputs.maps import current_map, plan_map
from jurisdiction.outputs.post_maps import posts_map
from jurisdiction.outputs.post_tables import export_posts
from jurisdiction.outputs.report import write_report

__all__ = ["plan_map", "current_map", "write_report", "export_plan", "posts_map", "export_posts"]
