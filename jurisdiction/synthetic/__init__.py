"""Synthetic counties with known defects, for tests, benchmarks and the example's geometry.

| module | what it holds |
|---|---|
| ``county`` | :func:`generate_county`: a county with planted split villages and functional splits |
| ``tiles`` | geometry: outline, village cells, neighbours, districts |
| ``roads`` | a plausible hierarchical road network over the villages |
| ``shipping`` | the examples' layers finished and written reproducibly (for the build scripts under ``data/``) |
"""

from jurisdiction.synthetic.county import County, Defects, generate_county

__all__ = ["County", "Defects", "generate_county"]
