"""Pinned villages (issue 18): every pin holds, and the rest is optimal given the pins, against brute force.

The oracle is that of ``test_accounting`` (every plan of a small instance, the model's rules
spelled out on arrays), with the pins added: a pinned village goes to its station (beyond the
limit too when ``pins_over_limit``), and, with bundling, it no longer follows its station.
Without contiguity the oracle asks for no connected district, so the property test allows a
pinned village apart from its district (``pins_disconnected``); the refusal is tested alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise import Instance, Options, solve
from tests.optimise.test_accounting import broken, every_map, rules_of, value
from tests.support.instances import random_instance

#: Relative tolerance of objective comparisons (the solvers' resolution).
REL = 1e-6


def pinned_plans(inst: Instance, opts: Options) -> tuple[np.ndarray, np.ndarray | None]:
    """Every plan the model allows with ``opts.pinned``: (P, n) assignments, (P, m) station maps."""
    r = rules_of(inst, opts)
    n, m = r.n, r.m
    pins = np.asarray(opts.pinned)
    pv = np.flatnonzero(pins >= 0)
    if r.bundle_sizes is None:
        a, b = every_map(n, m), None
        a = a[(a[:, pv] == pins[pv]).all(axis=1)]
    else:  # villages follow their station, except the pinned ones
        b = every_map(m, m)
        a = b[:, r.home].copy()
        a[:, pv] = pins[pv]
    rules = broken(r, a, b)
    pairs = r.pairs.copy()
    pairs[pv] = False
    keep = r.allowed[pins[pv]] & np.isfinite(r.times[pv, pins[pv]])
    if not opts.pins_over_limit and r.limit is not None:
        keep &= r.times[pv, pins[pv]] <= r.limit + 1e-9
    pairs[pv, pins[pv]] = keep
    rules["pair (allowed centre, finite time, limit)"] = ~pairs[np.arange(n)[None, :], a].all(axis=1)
    if b is not None:
        went = np.take_along_axis(b, np.broadcast_to(r.home, a.shape), axis=1)
        free = pins < 0
        rules["villages follow their station"] = (a != went)[:, free].any(axis=1)
    ok = ~np.any(np.stack(list(rules.values())), axis=0)
    return a[ok], (b[ok] if b is not None else None)


@st.composite
def cases(draw) -> dict:
    n = draw(st.sampled_from([7, 6, 5]))
    m = draw(st.sampled_from([4, 3]))
    bundle = draw(st.sampled_from([None, None, (1, 2), (2, 3)]))
    return {
        "seed": draw(st.integers(0, 10_000)), "n": n, "m": m,
        "model": draw(st.sampled_from(["p-median", "p-median", "p-center"])),
        "centres": draw(st.sampled_from([1, 2, 3, (1, 3)] if bundle is None else [None, 2, (1, 3)])),
        "limit": draw(st.sampled_from([None, 20.0, 25.0])),
        "balance": draw(st.sampled_from([None, None, 0.6])),
        "contiguity": draw(st.sampled_from([None, None, "cuts"])),
        "bundle_sizes": bundle,
        "pins": draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), min_size=1, max_size=3)),
        "over_limit": draw(st.booleans()),
        "solver": draw(st.sampled_from(["highs", "highs", "highs", "cbc"])),
    }


def make(case: dict) -> tuple[Instance, Options]:
    inst = random_instance(case["seed"], case["n"], case["m"])
    pinned = np.full(case["n"], -1)
    for v, s in case["pins"]:
        pinned[v] = s
    opts = Options(model=case["model"], centres=case["centres"], limit=case["limit"], balance=case["balance"],
                   contiguity=case["contiguity"], bundle_sizes=case["bundle_sizes"], pinned=pinned,
                   pins_over_limit=case["over_limit"], pins_disconnected=True, solver=case["solver"],
                   gap=0.0)
    return inst, opts


@st.composite
def balanced_cases(draw) -> dict:
    """Balanced p-median, exact count: the cases of the balanced heuristics and the enumeration of centre sets."""
    n = draw(st.sampled_from([7, 6]))
    m = draw(st.sampled_from([4, 3]))
    return {
        "seed": draw(st.integers(0, 10_000)), "n": n, "m": m, "model": "p-median",
        "centres": draw(st.sampled_from([2, 3])), "limit": draw(st.sampled_from([None, 25.0])),
        "balance": draw(st.sampled_from([0.5, 0.8])), "contiguity": draw(st.sampled_from([None, "cuts"])),
        "bundle_sizes": None, "solver": "highs", "over_limit": draw(st.booleans()),
        "pins": draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), min_size=1, max_size=2)),
    }


@settings(deadline=None, derandomize=True, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_pins_hold_and_the_rest_is_optimal(case):
    check_case(case)


@settings(deadline=None, derandomize=True, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(case=balanced_cases())
def test_pins_hold_through_the_balanced_heuristics(case):
    check_case(case)


def check_case(case: dict) -> None:
    """The solver's plan keeps every pin and is optimal among the plans the oracle allows (or both find none)."""
    inst, opts = make(case)
    a, b = pinned_plans(inst, opts)
    if not len(a):
        with pytest.raises(InfeasibleError):
            solve(inst, opts)
        return
    values = value(rules_of(inst, opts), a, b)
    best = float(values.min())
    sol = solve(inst, opts)
    pins = np.asarray(opts.pinned)
    assert (sol.assignment[pins >= 0] == pins[pins >= 0]).all(), "a pinned village is not where it is pinned"
    mine = np.flatnonzero((a == sol.assignment[None, :]).all(axis=1))
    assert mine.size, f"the plan {sol.assignment} breaks a rule of the model with pins"
    assert abs(sol.objective - best) <= REL * max(1.0, abs(best)), f"objective {sol.objective}, optimum {best}"
    assert sol.status == "optimal"


def _beyond_case() -> tuple[Instance, Options, int, int]:
    """A village pinned to a station beyond the limit, on an instance otherwise feasible."""
    inst = random_instance(5, 7, 3)
    limit = 20.0
    far = np.argwhere(inst.times > limit)
    v, s = (int(x) for x in far[0])
    assert (inst.times.min(axis=1) <= limit).all()
    pinned = np.full(7, -1)
    pinned[v] = s
    return inst, Options(centres=3, limit=limit, pinned=pinned), v, s


def test_a_pin_beyond_the_limit_is_refused_by_name():
    inst, opts, v, s = _beyond_case()
    with pytest.raises(InfeasibleError) as error:
        solve(inst, opts)
    assert f"village v{v} is pinned to station s{s}" in str(error.value)
    assert "allow_over_limit" in str(error.value)


def test_a_pin_beyond_the_limit_is_kept_when_allowed():
    inst, opts, v, s = _beyond_case()
    sol = solve(inst, replace(opts, pins_over_limit=True))
    assert sol.assignment[v] == s
    assert inst.times[v, s] > opts.limit


def test_pins_that_close_too_many_stations_are_named():
    inst = random_instance(3, 6, 3)
    pinned = np.full(6, -1)
    pinned[inst.station_village[0]] = 1
    with pytest.raises(InfeasibleError, match="3 centres asked for, but pins leave only 2 stations"):
        solve(inst, Options(centres=3, pinned=pinned))


def test_a_pin_on_the_village_of_a_fixed_station_is_named():
    inst = random_instance(3, 6, 3)
    root = int(inst.station_village[0])
    pinned = np.full(6, -1)
    pinned[root] = 1
    fixed = np.array([True, False, False])
    with pytest.raises(InfeasibleError, match="station s0 stands in it"):
        solve(Instance(**{**inst.__dict__, "fixed": fixed}), Options(centres=2, pinned=pinned))


def test_a_pinned_village_cut_off_from_its_district_is_named_unless_allowed():
    """Without contiguity, a village pinned to a far station lies apart from that district."""
    inst = random_instance(4, 7, 3)
    d = inst.times[:, 0] - inst.times.min(axis=1)  # the village (holding no station) farthest from s0's reach
    v = int(np.argmax(np.where(np.isin(np.arange(7), inst.station_village), -np.inf, d)))
    pinned = np.full(7, -1)
    pinned[v] = 0
    opts = Options(centres=3, pinned=pinned)
    sol = solve(inst, replace(opts, pins_disconnected=True))
    district = np.flatnonzero(sol.assignment == 0)
    pieces, _ = connected_components(inst.adjacency[district][:, district], directed=False)
    assert sol.assignment[v] == 0 and pieces > 1
    with pytest.raises(InfeasibleError, match=f"village v{v} pinned to station s0 is cut off"):
        solve(inst, opts)
    assert solve(inst, replace(opts, contiguity="cuts")).assignment[v] == 0  # contiguity joins them instead


def test_pins_that_break_a_rule_only_together_are_named():
    inst = random_instance(1, 7, 3)
    pinned = np.full(7, -1)
    pinned[[1, 2, 3]] = 0
    named = r"3 pinned villages \(v1 \(to s0\), v2 \(to s0\), v3 \(to s0\)\).*fewer pins"
    with pytest.raises(InfeasibleError, match=named):
        solve(inst, Options(centres=2, balance=0.3, pinned=pinned))
