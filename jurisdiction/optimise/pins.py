"""Pinned villages (``Options.pinned``): the hard rules a pin breaks, named before the solve.

The engine honours pins through the pairs it may use (:func:`~jurisdiction.optimise.mip.model.pair_mask`
keeps only a pinned village's pair with its station; :func:`~jurisdiction.optimise.instance.prepare`
forces that station open), so every path (the specialised p-median solver, the balanced
heuristics, the MIP and its cut rounds) sees the same restriction. :func:`pin_conflicts`
explains, village by village, why pins cannot hold; :func:`pins_kept` checks a plan keeps them;
:func:`cut_off` finds the pinned villages a plan without contiguity leaves apart from their district.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from jurisdiction.optimise.infeasibility import MAX_NAMED, balance_bounds
from jurisdiction.optimise.instance import Options, Prepared
from jurisdiction.optimise.mip.bundling import scope_of
from jurisdiction.optimise.mip.contiguity import prune_pairs, roots_of
from jurisdiction.optimise.mip.model import pair_mask


def _open_always(p: Prepared, options: Options) -> np.ndarray:
    """(m,) bool: stations that must be centres (fixed, pinned, or outside the bundling scope)."""
    must = p.fixed & ~p.excluded
    if options.bundle_sizes is not None:
        must = must | ~scope_of(options, must.size)
    return must


def pin_conflicts(p: Prepared, options: Options) -> list[str]:  # noqa: C901
    """Reasons, naming each village and station, why the pins cannot all hold (empty: none found).

    Parameters
    ----------
    p : Prepared
        The instance, with ``pinned`` (station index per village, -1 free).
    options : Options
        ``limit`` (minutes) and ``pins_over_limit``, balance, capacity and contiguity settings.

    Returns
    -------
    list of str
        A pin to an excluded station, to a station that cannot reach the village, beyond the
        limit (unless ``pins_over_limit``), on the village a station that must stay a centre
        stands in, pins that overfill a district (balance or capacity) on their own, and, with
        contiguity, a pinned village no connected district of its station can reach.
    """
    pinned = p.pinned
    if pinned is None or not (pinned >= 0).any():
        return []
    vids, sids = p.village_ids, p.station_ids
    reasons: list[str] = []
    rows = np.flatnonzero(pinned >= 0)
    limit = options.limit if options.model != "max-covering" else None
    for v in rows.tolist():
        s = int(pinned[v])
        t = float(p.times[v, s])
        if p.excluded[s]:
            reasons.append(f"village {vids[v]} is pinned to station {sids[s]}, which is excluded from the centres")
        elif not np.isfinite(t):
            reasons.append(f"village {vids[v]} is pinned to station {sids[s]}, which cannot reach it by road")
        elif limit is not None and t > limit + 1e-9 and not options.pins_over_limit:
            reasons.append(f"village {vids[v]} is pinned to station {sids[s]} at {t:.1f} min, beyond the "
                           f"{limit:g} min limit (allow it with [pins] allow_over_limit = true)")
    must = _open_always(p, options)
    for h in np.flatnonzero(must & (p.station_village >= 0)).tolist():
        r = int(p.station_village[h])
        if pinned[r] >= 0 and pinned[r] != h:
            reasons.append(f"village {vids[r]} is pinned to station {sids[pinned[r]]}, but station {sids[h]} "
                           f"stands in it and must stay a centre (fixed, pinned or outside the bundling)")
    closed = [h for h in np.flatnonzero(p.allowed & (p.station_village >= 0)).tolist()
              if pinned[p.station_village[h]] >= 0 and pinned[p.station_village[h]] != h]
    if p.k_range is not None and int(p.allowed.sum()) - len(closed) < p.k_range[0]:
        named = ", ".join(f"{sids[h]} (its village {vids[p.station_village[h]]} is pinned to "
                          f"{sids[pinned[p.station_village[h]]]})" for h in closed[:MAX_NAMED])
        reasons.append(f"{p.k_range[0]} centres asked for, but pins leave only {int(p.allowed.sum()) - len(closed)} "
                       f"stations that may become one: a station whose own village is pinned elsewhere cannot: {named}")
    upper = np.full(p.times.shape[1], np.inf)
    if options.balance is not None and p.k_range is not None:
        upper[:] = balance_bounds(float(p.balance_weights.sum()), p.k_range, options.balance)[1]
    if p.capacity is not None:
        upper = np.minimum(upper, p.capacity)
    load = np.bincount(pinned[rows], weights=p.balance_weights[rows], minlength=upper.size)
    for s in np.flatnonzero(load > upper + 1e-9).tolist():
        mine = rows[pinned[rows] == s]
        names = ", ".join(vids[v] for v in mine[:MAX_NAMED]) + (" ..." if mine.size > MAX_NAMED else "")
        reasons.append(f"the villages pinned to station {sids[s]} ({names}) weigh {load[s]:,.6g} together, "
                       f"above the {upper[s]:,.6g} its district may hold (balance or capacity)")
    if options.contiguity is not None and p.adjacency is not None and not reasons:
        mask = pair_mask(p, options)
        pruned = prune_pairs(p, mask, roots_of(p, mask, True), upper)
        for v in rows[~pruned[rows, pinned[rows]]].tolist():
            reasons.append(f"village {vids[v]} is pinned to station {sids[pinned[v]]}, but no connected district "
                           f"of {sids[pinned[v]]} can hold it (the villages between them are pinned elsewhere, "
                           f"beyond the limit, or too heavy for its balance)")
    return reasons


def pins_kept(p: Prepared, assignment: np.ndarray) -> list[str]:
    """The pinned villages a plan (station index per village) puts elsewhere, named; empty when all hold."""
    if p.pinned is None:
        return []
    wrong = np.flatnonzero((p.pinned >= 0) & (np.asarray(assignment) != p.pinned))
    return [f"village {p.village_ids[v]} is pinned to {p.station_ids[p.pinned[v]]} but the plan puts it in "
            f"{p.station_ids[assignment[v]]}" for v in wrong.tolist()]


def cut_off(adjacency: sp.spmatrix, assignment: np.ndarray, pinned: np.ndarray,
            station_village: np.ndarray) -> np.ndarray:
    """Indices of the pinned villages outside the main piece of their district.

    Parameters
    ----------
    adjacency : sparse matrix, shape (n_villages, n_villages)
        Village adjacency (shared borders).
    assignment : ndarray of int, shape (n_villages,)
        Station index of each village's centre.
    pinned : ndarray of int, shape (n_villages,)
        Pinned station per village, -1 free.
    station_village : ndarray of int, shape (n_stations,)
        Village each station stands in (-1 unknown); the main piece holds it, else it is the largest.
    """
    adjacency = sp.csr_matrix(adjacency)
    assignment = np.asarray(assignment)
    out = []
    for c in np.unique(assignment[pinned >= 0]).tolist():
        members = np.flatnonzero(assignment == c)
        k, label = connected_components(adjacency[members][:, members], directed=False)
        if k == 1:
            continue
        root = np.flatnonzero(members == station_village[c])
        main = label[root[0]] if root.size else np.bincount(label).argmax()
        out.extend(members[(label != main) & (pinned[members] >= 0)].tolist())
    return np.array(sorted(out), dtype=np.int64)


def pins_cut_off(p: Prepared, options: Options, assignment: np.ndarray) -> list[str]:
    """Reasons naming the pinned villages a plan leaves cut off from their district, unless allowed.

    Only without a contiguity rule (with one, :func:`pin_conflicts` and the model keep districts
    whole) and when ``options.pins_disconnected`` is false.
    """
    if p.pinned is None or p.adjacency is None or options.contiguity is not None or options.pins_disconnected:
        return []
    return [f"village {p.village_ids[v]} pinned to station {p.station_ids[p.pinned[v]]} is cut off from the rest of "
            f"its district (set contiguity = \"cuts\" to join them, or allow it with [pins] allow_disconnected = true)"
            for v in cut_off(p.adjacency, assignment, p.pinned, p.station_village).tolist()]
