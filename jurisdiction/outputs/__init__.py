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
| ``editor`` | the plan map's editor: move villages by hand, figures at once, pins download (``assets/editor/``) |
| ``adjustment`` | the editor's figures in Python for any village -> centre assignment of a plan |
| ``report`` | :func:`write_report`: the HTML report for decision-makers |
| ``headline`` | the key figures before -> after, recomputed from a plan, and the solver's verdict in words |
| ``diagnosis_tables`` | the diagnosis as the report's tables |
| ``solver_words`` | the solver's model and objective (what it measures, its unit) in words |
| ``labels`` | the words of the tables (headers, metric names, roles) in Chinese and English |
| ``numbers`` | how numbers are shown: counts, minutes, km, ratios, shares; the optimality gap |
| ``charts`` | the report's pictures (matplotlib): the plan as a map, travel times, workload |
| ``files`` | :func:`export_plan` (GeoPackage, workbook, CSV, JSON) and the atomic writes every output uses |
| ``sheets`` | the plan's tables for people (names next to ids, roles in words, rounded numbers, headers) |
| ``workbook`` | ``plan.xlsx`` (openpyxl): sheets 辖区 / 村 / 派出所 / 指标, formats, text never a formula |
| ``staging`` | :func:`output_set`: the output folder staged next to it, locked, swapped in as one set |
| ``pin_marks`` | a plan's pinned villages: the ``pinned``/``pin_breaks`` columns, their red HTML note |
| ``comparison`` | written plans side by side (``jurisdiction compare``): key figures, changed villages, maps |
| ``post_tables`` | :func:`export_posts`: a post placement's ``posts.gpkg`` and ``coverage.csv`` |
| ``post_maps`` | :func:`posts_map`: posts, catchments, covered and uncovered villages, offline |
"""

from jurisdiction.outputs.files import export_plan
from jurisdiction.outputs.maps import current_map, plan_map
from jurisdiction.outputs.post_maps import posts_map
from jurisdiction.outputs.post_tables import export_posts
from jurisdiction.outputs.report import write_report
from jurisdiction.outputs.staging import output_set

__all__ = ["plan_map", "current_map", "write_report", "export_plan", "output_set", "posts_map", "export_posts"]
