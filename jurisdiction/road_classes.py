"""The road vocabulary every stage uses: classes, default speeds, OSM and Chinese names, main roads.

The data model knows seven road classes, fastest first: the Chinese administrative classes
(高速公路 expressway, 国道 national, 省道 provincial, 县道 county, 乡道 township, 村道 village)
and track (机耕道). OSM ``highway`` values and the Chinese names are mapped onto them here and
nowhere else: loading checks a layer's classes against these tables, the network turns them
into speeds, the diagnosis counts road km by class, the maps draw the main roads.
"""

from __future__ import annotations

#: Default speeds by road class, km/h (docs/design.md "Travel times"); its keys, in this order, are
#: the classes.
DEFAULT_SPEEDS_KPH: dict[str, float] = {
    "expressway": 100.0,
    "national": 70.0,
    "provincial": 60.0,
    "county": 50.0,
    "township": 40.0,
    "village": 30.0,
    "track": 15.0,
}

#: The road classes of the data model, fastest first.
ROAD_CLASSES: tuple[str, ...] = tuple(DEFAULT_SPEEDS_KPH)

#: Chinese name of each class (reports, and accepted for ``road_class`` when loading).
CHINESE_NAMES: dict[str, str] = {
    "expressway": "高速公路", "national": "国道", "provincial": "省道", "county": "县道",
    "township": "乡道", "village": "村道", "track": "机耕道",
}

#: Chinese names accepted for ``road_class``, mapped to the classes (高速 is short for 高速公路).
ROAD_CLASS_ALIASES: dict[str, str] = {**{zh: c for c, zh in CHINESE_NAMES.items()}, "高速": "expressway"}

#: OSM ``highway`` values that are roads, mapped to the classes. ``*_link`` ways take their
#: parent's class.
HIGHWAY_CLASS: dict[str, str] = {
    "motorway": "expressway",
    "trunk": "national",
    "primary": "provincial",
    "secondary": "county",
    "tertiary": "township",
    "unclassified": "village",
    "residential": "village",
    "living_street": "village",
    "service": "village",
    "road": "village",
    "track": "track",
}

#: Classes given to non-road ways the caller asks for with ``include`` (footways and such).
EXTRA_HIGHWAY_CLASS: dict[str, str] = {
    "path": "track",
    "footway": "track",
    "cycleway": "track",
    "bridleway": "track",
    "pedestrian": "track",
    "steps": "track",
    "busway": "village",
}

#: OSM ``highway`` values accepted in a roads layer (drivable ones and the others an OSM
#: extract carries; the network decides which are driven on).
OSM_HIGHWAYS: frozenset[str] = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
    "living_street", "service", "road", "track", "busway", "bus_guideway", "escape", "raceway",
    "pedestrian", "footway", "path", "cycleway", "bridleway", "steps", "corridor", "platform",
    "construction", "proposed", "services", "rest_area", "elevator", "via_ferrata",
})

#: The main roads (expressway to county) drawn on the maps, as classes and as OSM values.
MAJOR_CLASSES: tuple[str, ...] = ("expressway", "national", "provincial", "county")
MAJOR_ROADS: frozenset[str] = frozenset(MAJOR_CLASSES) | {h for h, c in HIGHWAY_CLASS.items() if c in MAJOR_CLASSES}

#: Classes of the roads the synthetic county generator draws, most important first.
SYNTHETIC_CLASSES: tuple[str, ...] = ("national", "provincial", "county", "township", "village")
