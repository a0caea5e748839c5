"""Network: the road graph, its speeds, travel times from villages to stations, isochrones, adjacency.

| module | what it holds |
|---|---|
| ``graph`` | :func:`road_graph` from road lines, OSM files or osmnx; :func:`graph_lines` |
| ``speeds`` | per-edge speed (OSM ``maxspeed`` or the class's speed) and travel time in minutes |
| ``travel`` | snapping places to the graph and :func:`travel_time_matrix` (minutes, village x station) |
| ``sites`` | :func:`road_sites`: road junctions as candidate post sites, one per grid cell |
| ``bands`` | :func:`isochrones`: the area within given minutes of each station |
| ``adjacency`` | who borders whom: :func:`village_adjacency`, :func:`station_adjacency` |
"""

from jurisdiction.network.adjacency import station_adjacency, village_adjacency
from jurisdiction.network.bands import isochrones
from jurisdiction.network.graph import graph_from_place, graph_from_polygon, graph_lines, road_graph
from jurisdiction.network.sites import road_sites
from jurisdiction.network.travel import travel_time_matrix

__all__ = [
    "road_graph",
    "graph_lines",
    "graph_from_place",
    "graph_from_polygon",
    "travel_time_matrix",
    "isochrones",
    "road_sites",
    "village_adjacency",
    "station_adjacency",
]
