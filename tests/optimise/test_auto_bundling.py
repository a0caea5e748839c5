"""Bundling chosen by the model (issue 17), against brute force on small instances.

The oracle, written apart from the engine: enumerate every partition of the stations in
``bundle_scope`` into groups; a group of two or more has an allowed size (``bundle_sizes``),
pools the rule's officers and residents (``min_officers``, ``min_population``) and has a centre
adjacent to every other member (each post borders its centre; for groups of up to three this is
a connected group with the centre in the middle); a group of one is a station meeting the rule
alone (or any station when the sizes allow 1 and there is no rule). Stations outside the scope
stay alone whatever the rule says. Villages follow their station to its group's centre, within
the limit; or, when they may move, each goes to the open centre within the limit that costs
least (weight x minutes, plus ``disruption`` x weight when it leaves its station's group), every
centre keeping the village it stands in. The engine's optimum must equal the oracle's, and the
engine must prove infeasibility when the oracle finds no plan.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise import Instance, Options, solve
from tests.support.instances import SETTINGS, random_instance

REL = 1e-6


def partitions(items: list[int]):
    """Every partition of ``items`` into non-empty groups."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in partitions(rest):
        yield [[first], *part]
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1:]]


def viable(group: list[int], opts: Options) -> bool:
    """The group pools what the rule asks (always true without a rule)."""
    rules = ((opts.station_officers, opts.min_officers), (opts.station_population, opts.min_population))
    return all(need is None or float(np.sum(np.asarray(amounts)[group])) >= need - 1e-9 for amounts, need in rules)


def group_centres(group: list[int], inst: Instance, opts: Options) -> list[int]:
    """The centres a group of scope stations may have (none when the group breaks the rules)."""
    gmin, gmax = opts.bundle_sizes
    ruled = opts.min_officers is not None or opts.min_population is not None
    if len(group) == 1:
        ok = (gmin <= 1 or ruled) and viable(group, opts)
    else:
        ok = gmin <= len(group) <= gmax and viable(group, opts)
    adj = np.asarray(inst.station_adjacency)
    return [c for c in group if all(adj[s, c] for s in group if s != c)] if ok else []


def village_plans(inst: Instance, opts: Options, joins: np.ndarray):
    """(cost, assignment) of the best village assignment given each station's centre, or None."""
    times, w = np.asarray(inst.times), np.asarray(inst.weights)
    n = times.shape[0]
    limit = np.inf if opts.limit is None else opts.limit + 1e-9
    centres = np.unique(joins)
    own = joins[inst.home]  # the centre each village's station joins
    if opts.follow_station:
        t = times[np.arange(n), own]
        return (float((w * t).sum()), own) if (t <= limit).all() else None
    assignment = np.empty(n, dtype=np.int64)
    total = 0.0
    roots = {int(inst.station_village[c]): int(c) for c in centres}
    for v in range(n):
        options = [roots[v]] if v in roots else centres.tolist()
        costs = [w[v] * times[v, c] + opts.disruption * w[v] * (c != own[v]) if times[v, c] <= limit else np.inf
                 for c in options]
        best = int(np.argmin(costs))
        if not np.isfinite(costs[best]):
            return None
        assignment[v] = options[best]
        total += costs[best]
    return total, assignment


def brute_force(inst: Instance, opts: Options) -> tuple[float, float] | None:
    """(best primary objective, best p-median cost among plans with it), or None when no plan exists."""
    m = inst.n_stations
    scope = np.flatnonzero(opts.bundle_scope)
    outside = [int(s) for s in np.flatnonzero(~np.asarray(opts.bundle_scope))]
    best = None
    for part in partitions([int(s) for s in scope]):
        choices = [group_centres(g, inst, opts) for g in part]
        k = len(part) + len(outside)
        if not all(choices) or (opts.centres is not None and not opts.centres[0] <= k <= opts.centres[1]):
            continue
        for centres in itertools.product(*choices):
            joins = np.arange(m)
            for group, c in zip(part, centres, strict=True):
                joins[group] = c
            found = village_plans(inst, opts, joins)
            if found is None:
                continue
            key = (float(k), found[0]) if opts.model == "set-covering" else (found[0], found[0])
            best = key if best is None or key < best else best
    return best


@st.composite
def cases(draw):
    m = draw(st.integers(3, 6))
    n = draw(st.integers(m, m + 3))
    inst = random_instance(draw(st.integers(0, 10_000)), n, m)
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    adj = rng.random((m, m)) < draw(st.sampled_from([0.4, 0.7, 1.0]))
    adj = adj | adj.T | (np.eye(m, dtype=bool) & draw(st.booleans()))  # the diagonal is implied
    inst = replace(inst, station_adjacency=adj)
    officers = rng.integers(2, 13, m).astype(float)
    people = rng.integers(100, 1000, m).astype(float)
    rule = draw(st.sampled_from(["officers", "population", "both", "none"]))
    model = draw(st.sampled_from(["p-median", "set-covering"]))
    follow = draw(st.booleans())
    scope = rng.random(m) < 0.8
    opts = Options(
        model=model,
        centres=draw(st.sampled_from([None, None, (1, m), (2, 3)])),
        limit=draw(st.sampled_from([25.0, 35.0] + [None] * (model == "p-median"))),
        bundle_sizes=draw(st.sampled_from([(2, 3), (2, 2), (1, 2), (3, 3)])),
        bundle_scope=scope,
        station_officers=officers,
        station_population=people,
        min_officers=float(draw(st.integers(6, 14))) if rule in ("officers", "both") else None,
        min_population=float(draw(st.integers(400, 1200))) if rule in ("population", "both") else None,
        follow_station=follow,
        disruption=0.0 if follow else draw(st.sampled_from([0.0, 3.0])),
        gap=0.0,
    )
    return inst, opts


@settings(SETTINGS, max_examples=100)
@given(cases())
def test_engine_optimum_equals_brute_force(case):
    inst, opts = case
    best = brute_force(inst, opts)
    if best is None:
        with pytest.raises(InfeasibleError):
            solve(inst, opts)
        return
    sol = solve(inst, opts)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best[0], rel=REL, abs=1e-6)
    if opts.model == "set-covering":  # the second stage: the cheapest plan with that many centres
        w, t = np.asarray(inst.weights), np.asarray(inst.times)
        cost = float((w * t[np.arange(inst.n_villages), sol.assignment]).sum())
        joins = sol.bundle[inst.home]
        cost += opts.disruption * float(w[sol.assignment != joins].sum())
        assert cost == pytest.approx(best[1], rel=REL, abs=1e-6)
    # The plan itself keeps the rules the oracle states.
    groups = {int(c): [s for s in range(inst.n_stations) if sol.bundle[s] == c] for c in np.unique(sol.bundle)}
    for c, group in groups.items():
        if set(group) <= set(np.flatnonzero(opts.bundle_scope)):
            assert c in group_centres(group, inst, opts)
        else:
            assert group == [c]


def test_a_station_meeting_the_rule_alone_stays_and_the_small_ones_are_bundled():
    """Three stations in a row (a - b - c): b has officers enough; a and c must join b."""
    times = np.array([[1.0, 5.0, 9.0], [5.0, 1.0, 5.0], [9.0, 5.0, 1.0]])
    inst = Instance(times=times, weights=np.ones(3), station_village=np.arange(3), home=np.arange(3),
                    station_adjacency=np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=bool))
    base = Options(bundle_sizes=(2, 3), bundle_scope=np.ones(3, bool), station_officers=np.array([5.0, 20.0, 5.0]),
                   min_officers=16.0, gap=0.0)
    assert solve(inst, base).bundle.tolist() == [1, 1, 1]  # 5 + 20 + 5, one centre in the middle
    alone = solve(inst, replace(base, min_officers=10.0))
    assert alone.bundle.tolist() == [1, 1, 1]  # a and c are short alone and border only b
    rich = solve(inst, replace(base, station_officers=np.array([16.0, 20.0, 16.0])))
    assert rich.bundle.tolist() == [0, 1, 2]  # everyone meets the rule alone: nothing moves


def test_a_rule_no_group_can_meet_is_infeasible_and_says_why():
    times = np.ones((2, 2))
    inst = Instance(times=times, weights=np.ones(2), station_village=np.arange(2), home=np.arange(2))
    with pytest.raises(InfeasibleError):
        solve(inst, Options(bundle_sizes=(2, 3), bundle_scope=np.ones(2, bool),
                            station_officers=np.array([3.0, 4.0]), min_officers=10.0))


def test_engine_bug_highs_start_in_the_second_stage():
    """HiGHS 1.16 returned the second stage's start (1712.1) with another plan's objective (373.5).

    The set-covering second stage must find the cheapest plan with the fewest centres (460.9).
    """
    times = np.array([[23.9, 0.0, 29.8, 31.3], [7.2, 31.1, 1.8, 9.6], [6.3, 29.8, 0.0, 10.8],
                      [10.5, 31.3, 10.8, 0.0], [0.0, 23.9, 6.3, 10.5], [11.8, 34.3, 10.0, 3.8]])
    adj = np.ones((4, 4), dtype=bool)
    adj[1, 2] = adj[2, 1] = False
    inst = Instance(times=times, weights=np.array([46.0, 23.0, 33.0, 48.0, 28.0, 23.0]),
                    station_village=np.array([4, 0, 2, 3]), home=np.array([1, 2, 2, 3, 0, 3]), station_adjacency=adj)
    opts = Options(model="set-covering", limit=35.0, bundle_sizes=(2, 2), bundle_scope=np.array([1, 0, 1, 1], bool),
                   station_officers=np.array([3.0, 2.0, 9.0, 6.0]),
                   station_population=np.array([642.0, 797.0, 310.0, 452.0]), min_population=453.0,
                   follow_station=False, gap=0.0)
    sol = solve(inst, opts)
    assert sol.objective == 3
    assert float((inst.weights * times[np.arange(6), sol.assignment]).sum()) == pytest.approx(460.9)
    assert brute_force(inst, opts) == pytest.approx((3.0, 460.9))


def test_a_station_no_bundle_can_lift_is_named():
    """Stations a - b - c in a row, 3 + 4 + 5 officers: no bundle reaches 16; each is named with its best pool."""
    inst = Instance(times=np.ones((3, 3)), weights=np.ones(3), station_village=np.arange(3), home=np.arange(3),
                    station_ids=["a", "b", "c"],
                    station_adjacency=np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=bool))
    with pytest.raises(InfeasibleError) as error:
        solve(inst, Options(bundle_sizes=(2, 3), bundle_scope=np.ones(3, bool),
                            station_officers=np.array([3.0, 4.0, 5.0]), min_officers=16.0))
    text = str(error.value)
    assert "station a has 3; no bundle of up to 3 adjacent stations in scope pools more than 12" in text
    assert "below min_officers = 16" in text


def test_villages_following_their_station_beyond_the_limit_are_named():
    """Station a stays (outside the scope) with a village 30 min away: its villages follow it beyond 20 min."""
    times = np.array([[0.0, 9.0], [30.0, 5.0], [9.0, 0.0]])
    inst = Instance(times=times, weights=np.ones(3), station_village=np.array([0, 2]), home=np.array([0, 0, 1]),
                    village_ids=["v0", "v1", "v2"], station_ids=["a", "b"])
    with pytest.raises(InfeasibleError, match=r"the villages of station a follow it, but no centre it may join "
                                              r"has all of them within 20 min \(its own farthest: v1 at 30.0 min\)"):
        solve(inst, Options(limit=20.0, bundle_sizes=(1, 2), bundle_scope=np.array([False, True])))
