"""Cheap checks that explain why a scenario cannot be solved, with names and numbers."""

from __future__ import annotations

import numpy as np

from jurisdiction.optimise.instance import Instance, Options, Prepared, prepare
from jurisdiction.optimise.mip.bundling import viability_rules, viable_alone

#: How many villages a single reason lists by name before summarising.
MAX_NAMED = 10


def _fmt(x: float) -> str:
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _names(ids: list[str], idx: np.ndarray, detail) -> str:
    shown = [f"{ids[i]} ({detail(i)})" for i in idx[:MAX_NAMED]]
    more = f" and {len(idx) - MAX_NAMED} more" if len(idx) > MAX_NAMED else ""
    return ", ".join(shown) + more


def balance_bounds(total: float, k_range: tuple[int, int], tolerance: float) -> tuple[float, float]:
    """Lower and upper load of a centre for a tolerance e: ((1-e) W/Kmax, (1+e) W/Kmin)."""
    return (1 - tolerance) * total / k_range[1], (1 + tolerance) * total / k_range[0]


def bundle_group_counts(n: int, gmin: int, gmax: int) -> list[int]:
    """Numbers of groups g that can partition n stations into groups of gmin..gmax each."""
    return [g for g in range(0, n + 1) if g * gmin <= n <= g * gmax]


def explain_prepared(p: Prepared, options: Options) -> list[str]:  # noqa: C901, PLR0912
    """Reasons why the prepared instance is infeasible (empty when no pre-check fails)."""
    reasons: list[str] = []
    n, m = p.times.shape
    times = p.times
    allowed = p.allowed
    sids, vids = p.station_ids, p.village_ids

    both = np.flatnonzero(p.fixed & p.excluded)
    if both.size:
        reasons.append("stations both fixed and excluded: " + ", ".join(sids[s] for s in both))
    if not allowed.any():
        reasons.append("no station may become a centre (all excluded or not candidates)")
        return reasons

    # Villages out of reach of every allowed centre.
    reach = np.where(allowed[None, :], times, np.inf)
    nearest = reach.argmin(axis=1)
    best = reach[np.arange(n), nearest]
    hard_limit = options.limit if options.model != "max-covering" else None
    if hard_limit is not None:
        bad = np.flatnonzero(best > hard_limit)
        if p.pinned is not None:  # a pinned village has one pair: optimise.pins names its problem
            bad = bad[p.pinned[bad] < 0]
        if bad.size:
            def detail(v):
                if not np.isfinite(best[v]):
                    return "unreachable from every candidate centre"
                return f"nearest candidate {sids[nearest[v]]} at {best[v]:.1f} min"
            reasons.append(
                f"{bad.size} village{'s' if bad.size > 1 else ''} have no candidate centre within "
                f"{hard_limit:g} min: {_names(vids, bad, detail)}"
            )
    else:
        bad = np.flatnonzero(~np.isfinite(best))
        if bad.size:
            reasons.append(
                f"{bad.size} villages cannot be reached from any candidate centre: "
                f"{_names(vids, bad, lambda v: 'unreachable')}"
            )

    # Counts.
    kr = p.k_range
    nfixed = int((p.fixed & ~p.excluded).sum())
    nallowed = int(allowed.sum())
    if kr is not None:
        if nfixed > kr[1]:
            reasons.append(f"{nfixed} fixed centres ({', '.join(sids[s] for s in np.flatnonzero(p.fixed))}) "
                           f"exceed the {kr[1]} centres allowed")
        if nallowed < kr[0]:
            reasons.append(f"{kr[0]} centres asked for but only {nallowed} stations may become centres")
        if kr[0] > n:
            reasons.append(f"{kr[0]} centres asked for but there are only {n} villages to share out")

    # Balance.
    bw = p.balance_weights
    total = float(bw.sum())
    if options.balance is not None and kr is not None:
        lo, hi = balance_bounds(total, kr, options.balance)
        big = np.flatnonzero(bw > hi + 1e-9)
        if big.size:
            order = big[np.argsort(-bw[big])]
            reasons.append(
                f"balance ±{options.balance:.1%} with {kr[0]} centres allows at most {_fmt(hi)} per centre "
                f"(total {_fmt(total)} / {kr[0]} x {1 + options.balance:g}), but "
                f"{_names(vids, order, lambda v: _fmt(bw[v]))} "
                f"{'is' if big.size == 1 else 'are'} larger on {'its' if big.size == 1 else 'their'} own"
            )
        if hi < lo - 1e-9:
            reasons.append(f"balance bounds cross: lower {_fmt(lo)} > upper {_fmt(hi)}")
    if p.capacity is not None:
        cap = np.where(allowed, p.capacity, 0.0)
        kmax = kr[1] if kr is not None else nallowed
        top = np.sort(cap)[::-1][:kmax]
        if top.sum() < total - 1e-9:
            reasons.append(f"capacity of the {kmax} largest allowed centres is {_fmt(top.sum())}, "
                           f"below the total weight {_fmt(total)}")
        over = np.flatnonzero(bw > cap.max() + 1e-9)
        if over.size:
            reasons.append(f"largest capacity is {_fmt(cap.max())}, but villages "
                           f"{_names(vids, over, lambda v: _fmt(bw[v]))} exceed it on their own")

    # Bundling.
    if options.bundle_sizes is not None:
        gmin, gmax = int(options.bundle_sizes[0]), int(options.bundle_sizes[1])
        scope = np.ones(m, bool) if options.bundle_scope is None else np.asarray(options.bundle_scope, bool)
        ns = int(scope.sum())
        alone = int((viable_alone(options, m) & scope).sum())  # may stay alone: a group of one each
        groups = sorted({g + k for k in range(alone + 1) for g in bundle_group_counts(ns - k, gmin, gmax)})
        outside = m - ns
        if kr is not None:
            groups = [g for g in groups if kr[0] <= g + outside <= kr[1]]
        if not groups:
            want = f" into {kr[0] - outside}..{kr[1] - outside} groups" if kr is not None else ""
            reasons.append(f"{ns} stations in the bundling scope cannot be split{want} of {gmin}..{gmax} stations each")
        for s in np.flatnonzero(~scope & ~allowed):
            reasons.append(f"station {sids[s]} is outside the bundling scope, so it must stay a centre, "
                           f"but it is excluded or not a candidate")
        for s in np.flatnonzero(scope):
            if not (allowed & scope & p.station_adjacency[s]).any() and not allowed[s]:
                reasons.append(f"station {sids[s]} has no adjacent station that may become its centre")
        reasons += short_of_the_rule(p, options, scope)
        if options.follow_station and hard_limit is not None:
            reasons += beyond_with_their_station(p, scope, hard_limit)
        if options.follow_station and (p.home < 0).all():
            reasons.append("bundling with villages following their station needs each village's home station")
    return reasons


def beyond_with_their_station(p: Prepared, scope: np.ndarray, limit: float) -> list[str]:
    """Stations whose villages, following them, reach no centre the station may join within ``limit`` (minutes)."""
    reasons = []
    for s in range(p.times.shape[1]):
        mine = np.flatnonzero(p.home == s)
        if not mine.size:
            continue
        itself = np.arange(scope.size) == s
        joins = ((p.station_adjacency[s] & scope if scope[s] else False) | itself) & p.allowed
        longest = p.times[mine].max(axis=0)
        if not (joins & (longest <= limit + 1e-9)).any():
            far = mine[np.argmax(p.times[mine, s])]
            reasons.append(f"the villages of station {p.station_ids[s]} follow it, but no centre it may join has all "
                           f"of them within {limit:g} min (its own farthest: {p.village_ids[far]} at "
                           f"{p.times[far, s]:.1f} min)")
    return reasons


def short_of_the_rule(p: Prepared, options: Options, scope: np.ndarray) -> list[str]:
    """Stations in scope that no bundle of adjacent stations can lift to the viability rule.

    The largest pool a station can reach: its own amount, an adjacent centre's, and the largest
    amounts of the centre's other neighbours in scope, up to ``gmax`` stations (officers or
    residents, people).
    """
    m = p.times.shape[1]
    gmax = int(options.bundle_sizes[1])
    adjacent = (p.station_adjacency | np.eye(m, dtype=bool)) & scope[None, :] & scope[:, None]
    reasons = []
    for what, amounts, need in viability_rules(options):
        for s in np.flatnonzero(scope & (amounts < need - 1e-9)):
            best = amounts[s]
            for c in np.flatnonzero(adjacent[s] & p.allowed):
                others = np.sort(amounts[adjacent[c] & (np.arange(m) != s) & (np.arange(m) != c)])[::-1]
                pool = amounts[s] + (amounts[c] if c != s else 0.0) + others[:gmax - 1 - (c != s)].sum()
                best = max(best, pool)
            if best < need - 1e-9:
                reasons.append(f"station {p.station_ids[s]} has {_fmt(amounts[s])}; no bundle of up to {gmax} adjacent "
                               f"stations in scope pools more than {_fmt(best)}, below {what} = {_fmt(need)}")
    return reasons


def explain_infeasibility(instance: Instance, options: Options = Options()) -> list[str]:
    """Explain, cheaply, why a scenario cannot be solved.

    Parameters
    ----------
    instance : Instance
    options : Options

    Returns
    -------
    list of str
        One sentence per conflict found (villages with no candidate centre within the limit,
        named with their nearest candidate and its time in minutes; balance bounds a single
        village breaks; group sizes that cannot partition the stations; fixed centres beyond
        the count; capacity below total weight). Empty when none of these checks fails, which
        does not prove the scenario feasible.
    """
    return explain_prepared(prepare(instance, options), options)


def describe_combination(p: Prepared, options: Options) -> str:
    """A short account of the constraints combined, and the relaxations to try, for a solver's 'infeasible'."""
    parts, relax = [], []
    kr = p.k_range
    if kr is not None:
        parts.append(f"{kr[0]} centres" if kr[0] == kr[1] else f"{kr[0]}..{kr[1]} centres")
        relax.append("a different number of centres")
    if options.limit is not None and options.model != "max-covering":
        parts.append(f"limit {options.limit:g} min")
        relax.append("a longer limit")
    if options.balance is not None:
        parts.append(f"balance ±{options.balance:.1%}")
        relax.append("a wider balance tolerance")
    if p.capacity is not None:
        parts.append("capacities")
        relax.append("larger capacities")
    if options.contiguity is not None:
        parts.append(f"contiguity ({options.contiguity})")
        relax.append("no contiguity" + (" or contiguity='cuts'" if options.contiguity == "shortest-path" else ""))
    if options.bundle_sizes is not None:
        parts.append(f"bundles of {options.bundle_sizes[0]}..{options.bundle_sizes[1]} adjacent stations")
        relax.append("wider group sizes or more station adjacency")
        for what, _, need in viability_rules(options):
            parts.append(f"{what} {_fmt(need)} per bundle")
            relax.append(f"a lower {what}")
    if int(p.fixed.sum()):
        parts.append(f"{int(p.fixed.sum())} fixed centres")
    if p.pinned is not None and (pins := int((p.pinned >= 0).sum())):
        held = np.flatnonzero(p.pinned >= 0)
        parts.append(f"{pins} pinned village{'s' if pins > 1 else ''} "
                     f"({_names(p.village_ids, held, lambda v: 'to ' + p.station_ids[p.pinned[v]])})")
        relax.append("fewer pins")
    combo = " + ".join(parts) if parts else "the model"
    return (f"the solver proved that {combo} cannot hold together, although each simple pre-check passed; "
            f"try {', or '.join(relax) if relax else 'relaxing a constraint'}")
