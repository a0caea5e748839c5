"""Bundling small stations (2合1 / 3合1): z[s, c] = station s joins centre c.

sum_c z[s, c] = 1 for every station in scope; z[c, c] = y[c] (the centre's own variable is
used); gmin y[c] <= sum_s z[s, c] <= gmax y[c]; z[s, c] exists only where s and c are adjacent
(``station_adjacency``) and, when villages follow their station, only where every village of
``s`` is within the limit of ``c``. Stations outside ``bundle_scope`` stay open with their
villages.

The viability rule (``min_officers``, ``min_population``): each bundle pools enough,
``sum_s officers[s] z[s, c] >= min_officers y[c]`` (and the same for residents), and a station
that meets the rule alone may form a bundle of one (a binary ``alone[c]`` lifts the size rows
when ``gmin > 2``; with ``gmin <= 2`` its lower size row is simply 1). Each post is adjacent to
its centre, so a bundle of up to three stations is any connected group whose centre borders
every other member.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from jurisdiction.optimise.instance import Options, Prepared


@dataclass
class Bundling:
    """The z variables and the pairs of the villages that follow their station."""

    z: dict            # (s, c) -> LpVariable (z[c, c] is y[c])
    followed: np.ndarray  # (n,) bool: village's pairs are its station's z
    pair_v: np.ndarray
    pair_c: np.ndarray
    pair_var: np.ndarray


def scope_of(options: Options, m: int) -> np.ndarray:
    """(m,) bool: stations that take part in bundling."""
    return np.ones(m, bool) if options.bundle_scope is None else np.asarray(options.bundle_scope, bool)


def viable_alone(options: Options, m: int) -> np.ndarray:
    """(m,) bool: stations that meet the viability rule on their own (none without a rule)."""
    rules = viability_rules(options)
    ok = np.full(m, bool(rules))
    for _, amounts, need in rules:
        ok &= amounts >= need - 1e-9
    return ok


def viability_rules(options: Options) -> list[tuple[str, np.ndarray, float]]:
    """(option name, per-station amounts, pooled minimum) for each rule set: officers, residents (people)."""
    rules = (("min_officers", options.station_officers, options.min_officers),
             ("min_population", options.station_population, options.min_population))
    return [(key, np.asarray(amounts, dtype=float), float(need)) for key, amounts, need in rules if need is not None]


def add_bundling(prob: pulp.LpProblem, p: Prepared, options: Options, mask: np.ndarray, y: dict,  # noqa: C901, PLR0912
                 variables: list) -> Bundling:
    """Add z variables and bundling rows to ``prob``; append the variables to ``variables``."""
    n, m = p.times.shape
    gmin, gmax = int(options.bundle_sizes[0]), int(options.bundle_sizes[1])
    scope = scope_of(options, m)
    follow = options.follow_station
    home = p.home
    free = p.pinned < 0 if p.pinned is not None else np.ones(n, bool)
    followed = (home >= 0) & follow & free  # a pinned village goes where it is pinned, alone
    # Which centres each station's (unpinned) villages can all reach.
    reach = np.ones((m, m), dtype=bool)
    if follow:
        for s in range(m):
            mine = (home == s) & free
            if mine.any():
                reach[s] = mask[mine].all(axis=0)
    reach &= np.array([c in y for c in range(m)])[None, :]

    z: dict = {}
    for s in range(m):
        if s in y:
            z[(s, s)] = y[s]
        if not scope[s]:
            if s in y:
                prob.addConstraint(y[s] >= 1)  # open (a row, not a bound: see model.build)
            continue
        for c in np.flatnonzero(scope & p.station_adjacency[s] & reach[s]).tolist():
            if c != s:
                z[(s, c)] = pulp.LpVariable(f"z_{s}_{c}", cat=pulp.LpBinary)
    for s in range(m):
        if s in y and not reach[s, s]:
            y[s].upBound = 0  # its own villages cannot all reach it (infeasible if it must stay open)
    index = {}
    for key, var in z.items():
        index[key] = len(variables)
        variables.append(var)

    by_station: dict[int, list[int]] = {}
    by_centre: dict[int, list[int]] = {}
    for s, c in z:
        by_station.setdefault(s, []).append(c)
        by_centre.setdefault(c, []).append(s)
    for s in np.flatnonzero(scope).tolist():
        cs = by_station.get(s, [])
        prob.addConstraint(pulp.lpSum(z[(s, c)] for c in cs) == 1)
        for c in cs:
            if c != s:
                prob.addConstraint(z[(s, c)] - y[c] <= 0)
    alone = viable_alone(options, m)
    rules = viability_rules(options)
    for c in by_centre:
        if not scope[c]:
            continue
        members = pulp.lpSum(z[(s, c)] for s in by_centre[c])
        if alone[c] and gmin > 2:  # one station alone, or gmin..gmax
            single = pulp.LpVariable(f"alone_{c}", cat=pulp.LpBinary)
            prob.addConstraint(members - gmin * y[c] + (gmin - 1) * single >= 0)
            prob.addConstraint(members - gmax * y[c] + (gmax - 1) * single <= 0)
            prob.addConstraint(single - y[c] <= 0)
        else:
            prob.addConstraint(members - (1 if alone[c] else gmin) * y[c] >= 0)
            prob.addConstraint(members - gmax * y[c] <= 0)
        for _, amounts, need in rules:
            prob.addConstraint(pulp.lpSum(float(amounts[s]) * z[(s, c)] for s in by_centre[c]) - need * y[c] >= 0)

    has_centre = np.array([bool(by_station.get(s)) for s in range(m)])
    followed &= has_centre[np.maximum(home, 0)]
    pv, pc, pvar = [], [], []
    for v in np.flatnonzero(followed).tolist():
        h = int(home[v])
        for c in by_station.get(h, []):
            if scope[h] or c == h:
                pv.append(v)
                pc.append(c)
                pvar.append(index[(h, c)])
    return Bundling(z=z, followed=followed, pair_v=np.array(pv, dtype=np.int64),
                    pair_c=np.array(pc, dtype=np.int64), pair_var=np.array(pvar, dtype=np.int64))


def bundle_by_villages(station_village: np.ndarray, assignment: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(m,) centre each station joins without bundling rules: the centre its own village goes to.

    Parameters
    ----------
    station_village : ndarray of int, shape (m,)
        Village each station stands in (-1: none; such a station joins no centre unless it is one).
    assignment : ndarray of int, shape (n,)
        Station index of each village's centre.
    centres : ndarray of int
        The open centres (each joins itself).
    """
    bundle = np.full(station_village.size, -1, dtype=np.int64)
    own = station_village >= 0
    bundle[own] = assignment[station_village[own]]
    bundle[centres] = centres
    return bundle


def bundle_of(z: dict, m: int) -> np.ndarray:
    """(m,) index of the centre each station joins, from solved z values (-1 if none)."""
    out = np.full(m, -1, dtype=np.int64)
    for (s, c), var in z.items():
        if (var.varValue or 0) > 0.5:
            out[s] = c
    return out
