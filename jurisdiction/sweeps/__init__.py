"""Sweeps: one scenario solved for many settings, on one county or a province of them.

It sits after the pipeline: each county is surveyed once (road graph, travel times) and every
run plans on that survey (:func:`jurisdiction.pipeline.plan_from_survey`), as independent tasks,
one after another or on a Dask cluster.

| module | what it holds |
|---|---|
| ``grid`` | the grid of runs (centres x limits x balances), :func:`sweep`, :func:`sweep_counties`, :class:`Sweep` |
| ``tasks`` | one run as a task that never raises; serial and Dask execution; progress |
| ``table`` | the sweep's table (a row per run, from its plan or its failure) and the province table |
| ``pareto`` | :func:`pareto_front` on arrays: the runs no other beats on every axis |
| ``page`` | the HTML index pages: the trade-off chart (inline SVG), and the province's counties |
"""

from jurisdiction.sweeps.grid import CountyRuns, Sweep, run_scenarios, sweep, sweep_counties
from jurisdiction.sweeps.pareto import pareto_front
from jurisdiction.sweeps.table import COLUMNS, province_table

__all__ = ["COLUMNS", "CountyRuns", "Sweep", "pareto_front", "province_table", "run_scenarios", "sweep",
           "sweep_counties"]
