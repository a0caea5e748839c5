"""Inputs: read the four layers (villages, stations, jurisdictions, roads), check them, put them in canonical form.

| module | what it holds |
|---|---|
| ``readers`` | :func:`read_villages`, :func:`read_stations`, :func:`read_jurisdictions`, :func:`read_roads`: \
files or GeoDataFrames in, checked layers out |
| ``pins`` | :func:`read_pins`, :func:`check_pins`: villages pinned to a station, stations pinned in a role |
| ``layers`` | the checks of the village, station and jurisdiction layers (every bad row named at once) |
| ``cells`` | the checks of single cells shared by the layers: ids, counts, yes/no values, blank names |
| ``road_layer`` | the checks of a roads layer (line geometry, a known road class) |
| ``site_layer`` | :func:`read_sites`: candidate sites of police posts (points with ``site_id``) |
| ``encodings`` | a Shapefile's text encoding: .cpg, DBF language driver, else UTF-8 or GB18030 |
| ``columns`` | a county's column names (Chinese, cut to 10 characters) -> the package's |
| ``sources`` | the ``[data.<layer>]`` tables of a scenario: path, layer, crs, datum, encoding, columns |
| ``plausibility`` | the layers together: disjoint extents, jurisdictions covering no village, overlapping villages |
| ``crs`` | China's offset datums (GCJ-02, BD-09) and the local metric CRS |
| ``example`` | the Dianjiang example shipped in ``examples/`` (:func:`load_example`, :func:`example_scenario`) |
"""

from jurisdiction.inputs.crs import to_wgs84, utm_crs
from jurisdiction.inputs.example import Example, available_examples, example_scenario, load_example
from jurisdiction.inputs.readers import read_jurisdictions, read_roads, read_stations, read_villages
from jurisdiction.inputs.site_layer import read_sites

__all__ = [
    "read_villages",
    "read_stations",
    "read_jurisdictions",
    "read_roads",
    "read_sites",
    "Example",
    "load_example",
    "example_scenario",
    "available_examples",
    "to_wgs84",
    "utm_crs",
]
