"""Outputs: what a plan becomes for its readers: district tables, maps, the report, files.

| module | what it holds |
|---|---|
| ``districts`` | the per-district table and the before/after metrics of a plan |
| ``maps`` | :func:`plan_map`, :func:`current_map` (before/after, two synchronised panes): self-contained HTML maps |
| ``map_layers`` | the maps' layers: districts and names, villages, flags, stations, bundles, isochrones |
| ``map_words`` | the maps' labels (zh, en) and number formats |
| ``base_maps`` | tile sources with their credits; the offline context drawn from the data (outline, borders, roads) |
| ``map_frame`` | title bar with the key figures, north arrow, scale bar, the A3 print view |
| ``map_assets`` | the maps' other pieces: inlined Leaflet and ``assets/map.js``, ``map.css``, controls, popups |
| ``report`` | :func:`write_report`: the HTML report for decision-makers |
| ``charts`` | the report's pictures (matplotlib) |
| ``files`` | :func:`export_plan` (GeoPackage, CSV, JSON) and the atomic writes every output uses |
"""

from jurisdiction.outputs.files import export_plan
from jurisdiction.outputs.maps import current_map, plan_map
from jurisdiction.outputs.report import write_report

__all__ = ["plan_map", "current_map", "write_report", "export_plan"]
