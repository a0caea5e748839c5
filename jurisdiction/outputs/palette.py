"""Colours: one per station, the same on every map, in the report and in the charts.

A district takes the colour of its centre station, before and after, so a leader finds the same
station in the same colour everywhere. Red is kept for warnings (split villages, villages beyond
the limit) and is not in the district palette.
"""

from __future__ import annotations

from collections.abc import Iterable

#: 30 fills that stay apart on a light base map (hue first, then lightness); no pure red.
DISTRICT_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5",
    "#dbdb8d", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#5254a3", "#8ca252",
    "#bd9e39", "#ad494a", "#a55194", "#6b6ecf", "#b5cf6b", "#e7ba52",
)


def station_colours(station_ids: Iterable[str]) -> dict[str, str]:
    """A fill colour per station id, stable for a given station layer.

    Parameters
    ----------
    station_ids : iterable of str
        Every station of the county, in the order of the station layer (not only the centres),
        so that the colour of a station does not depend on which stations a plan keeps.

    Returns
    -------
    dict of str to str
        Station id -> ``#rrggbb``. Beyond 30 stations the palette repeats.
    """
    ids = dict.fromkeys(map(str, station_ids))  # first occurrence, in order
    return {sid: DISTRICT_PALETTE[i % len(DISTRICT_PALETTE)] for i, sid in enumerate(ids)}
