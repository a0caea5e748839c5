"""A plan adjusted by hand: the figures of any village -> centre assignment of a plan's villages.

The plan map's editor (:mod:`jurisdiction.outputs.editor`) shows these figures in the browser
as the user moves villages; this module computes the same ones in Python, from the same
definitions as the report (:func:`jurisdiction.outputs.districts.district_table`), so that a
test can hold the browser to them. Contiguity is judged on the engine's village adjacency
(:func:`jurisdiction.network.adjacency.village_adjacency`: a shared border of positive length).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from jurisdiction.inputs.crs import utm_crs
from jurisdiction.network.adjacency import village_adjacency
from jurisdiction.outputs.districts import district_table

#: The per-district figures of the editor's panel, in its column order.
DISTRICT_FIGURES = ("villages", "population", "incidents", "max_minutes", "mean_minutes", "officers_needed")


def village_graph(plan: Any) -> sp.csr_matrix:
    """The plan's village adjacency (shared borders; Delaunay neighbours for point villages).

    Parameters
    ----------
    plan : Plan
        Its ``villages`` in any CRS (projected to the local UTM zone to measure borders in metres).

    Returns
    -------
    scipy.sparse.csr_matrix
        (n_villages, n_villages) boolean, symmetric, in the row order of ``plan.villages``.
    """
    return village_adjacency(plan.villages.to_crs(utm_crs(plan.villages)))


def adjusted_figures(
    plan: Any, assignment: Mapping[str, str], *, adjacency: sp.csr_matrix | None = None
) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """The editor's figures for the plan's villages assigned to centres as given.

    Parameters
    ----------
    plan : Plan
        The plan (``villages``, ``stations``, ``travel_times`` in minutes, ``scenario.limit``
        and ``scenario.officers_per_10k``).
    assignment : mapping of str to str
        village_id -> centre station id, for the villages that leave the plan's assignment
        (villages not named keep their plan centre). Every centre must be one of the plan's.
    adjacency : scipy.sparse matrix, optional
        The village adjacency (default :func:`village_graph` of the plan).

    Returns
    -------
    districts : DataFrame
        Indexed by centre station id, every centre of the plan in plan order: ``villages``,
        ``population``, ``incidents``, ``max_minutes`` and ``mean_minutes`` (population-weighted,
        minutes; NaN for a district left without villages), ``officers_needed`` (NaN when no
        ratio is known), ``connected`` (bool; an empty district counts as connected).
    overall : dict
        ``beyond_limit`` (villages farther than the scenario's limit in minutes; None without a
        limit), ``split_villages`` (0: every village has one centre), ``disconnected`` (districts
        in more than one piece).

    Raises
    ------
    KeyError
        A village or centre of ``assignment`` is not in the plan.
    """
    villages = plan.villages
    centres = [str(c) for c in plan.districts["centre"]]
    unknown = sorted({str(c) for c in assignment.values()} - set(centres))
    if unknown:
        raise KeyError(f"not a centre of the plan: {', '.join(unknown)}")
    centre = villages["centre"].astype(str).to_numpy(dtype=object).copy()
    rows = pd.Index(villages["village_id"].astype(str)).get_indexer(list(assignment))
    if (rows < 0).any():
        raise KeyError(f"not a village of the plan: {', '.join(k for k, r in zip(assignment, rows) if r < 0)}")
    centre[rows] = [str(c) for c in assignment.values()]
    times = plan.travel_times
    columns = pd.Index(times.columns.astype(str)).get_indexer(centre)
    minutes = times.to_numpy(dtype=float)[np.arange(len(villages)), columns]

    adjusted = villages.assign(centre=centre, minutes=minutes)
    table = district_table(adjusted.to_crs(utm_crs(adjusted)), plan.stations, None,
                           officers_per_10k=getattr(plan.scenario, "officers_per_10k", None))
    table = table.set_index("centre").reindex(centres)[list(DISTRICT_FIGURES)]
    table[["villages", "population", "incidents"]] = table[["villages", "population", "incidents"]].fillna(0)

    graph = village_graph(plan) if adjacency is None else sp.csr_matrix(adjacency)
    connected = []
    for c in centres:
        members = np.flatnonzero(centre == c)
        pieces = connected_components(graph[members][:, members], directed=False)[0] if len(members) else 0
        connected.append(pieces <= 1)
    table["connected"] = connected
    limit = getattr(plan.scenario, "limit", None)
    overall = {
        "beyond_limit": None if limit is None else int((minutes > limit).sum()),
        "split_villages": 0,
        "disconnected": int((~table["connected"]).sum()),
    }
    return table, overall
