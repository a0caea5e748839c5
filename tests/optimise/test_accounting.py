"""Every number a Solution reports is true (issue 13), against a brute-force oracle.

The oracle here enumerates every plan of a small instance (n <= 7 villages, m <= 4 stations in
the property test) and keeps those the exact model allows, written out independently of the
engine (it calls neither ``model.py`` nor ``accounting.plan_value``):

* a village goes to an allowed centre (candidate or fixed, not excluded) at a finite time
  within ``limit`` (for max-covering ``limit`` is the covering radius: farther pairs stay);
* an open centre keeps the village it stands in (its root), so the open centres are exactly
  the stations that villages go to; fixed stations are open, their count is within ``centres``;
* balance on ``balance_weights``: ``(1-e) W/Kmax <= load <= (1+e) W/Kmin`` for every open
  centre, only when a centre count is given (the model has no K to divide by otherwise);
* capacity: load (balance weights) <= capacity of the centre;
* contiguity "cuts": every district is connected in the village adjacency; "shortest-path":
  every village but the root has a neighbour in its district that is closer to the centre
  (travel time, ties broken by hop count from the root);
* bundling: each station joins one open centre (stations outside ``bundle_scope`` are their
  own centre; a station in scope joins itself or an adjacent open centre in scope); a centre
  in scope has ``gmin..gmax`` stations, itself included; with ``follow_station`` every village
  goes where its home station goes, otherwise anywhere, at ``disruption`` per unit of weight
  that leaves its home station's centre (also without bundling, its home station).

As in the model, balance needs a centre count (set covering and bundling may go without one;
the balance option is then dropped, not refused).

Primary objectives: p-median sum w t (or ``Instance.cost``; + disruption penalty), p-center
the longest assigned time, max-covering the weight assigned within ``limit`` (maximised),
set-covering the number of open centres.

The tests named ``test_engine_bug_*`` are minimal reproducers of engine bugs the oracle found:
regression tests once fixed (fixed centres, the scope's villages beyond the limit, crossed bounds,
HiGHS without the objective's constant: e894057); the two CBC ones fail until fixed.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from jurisdiction.errors import InfeasibleError, ScenarioError
from jurisdiction.optimise import Instance, Options, solve
from jurisdiction.optimise.balanced import centre_sets as centre_sets_module
from tests.support.instances import (
    assignments,
    balanced,
    connected,
    n_open,
    pmedian_cost,
    random_instance,
    shortest_path_ok,
)

#: Relative tolerance of the bound and optimum comparisons (the solvers' resolution).
REL = 1e-6
#: Tolerance of load comparisons (weights are integers, bounds are far from them unless equal).
LOAD_TOL = 1e-6


# --------------------------------------------------------------------------------------------
# The oracle: the model's rules, spelled out on arrays of plans.
# --------------------------------------------------------------------------------------------


@dataclass
class Rules:
    """An instance and its options, every optional array filled in."""

    model: str
    times: np.ndarray          # (n, m) minutes
    weights: np.ndarray        # (n,)
    cost: np.ndarray           # (n, m) p-median cost of each pair (default weight x minutes)
    bw: np.ndarray             # (n,) balance weights
    allowed: np.ndarray        # (m,) may be a centre
    fixed: np.ndarray          # (m,) must be a centre
    roots: np.ndarray          # (m,) village each station stands in
    home: np.ndarray           # (n,) home station of each village
    adjacency: np.ndarray      # (n, n) bool, symmetric, no diagonal
    k_range: tuple[int, int] | None
    limit: float | None
    balance: float | None
    capacity: np.ndarray | None
    contiguity: str | None
    bundle_sizes: tuple[int, int] | None
    scope: np.ndarray          # (m,) stations taking part in bundling
    station_adjacency: np.ndarray  # (m, m) bool: [s, c] s may join centre c
    follow: bool
    disruption: float

    @property
    def n(self) -> int:
        return self.times.shape[0]

    @property
    def m(self) -> int:
        return self.times.shape[1]

    @property
    def pairs(self) -> np.ndarray:
        """(n, m) bool: village v may go to station c."""
        ok = self.allowed[None, :] & np.isfinite(self.times)
        if self.limit is not None and self.model != "max-covering":
            ok &= self.times <= self.limit + 1e-9
        return ok


def rules_of(inst: Instance, opts: Options) -> Rules:
    times = np.asarray(inst.times, dtype=float)
    m = times.shape[1]

    def mask(a, default: bool) -> np.ndarray:
        return np.full(m, default) if a is None else np.asarray(a, bool)

    candidate, fixed, excluded = mask(inst.candidate, True), mask(inst.fixed, False), mask(inst.excluded, False)
    roots = np.asarray(inst.station_village, dtype=np.int64)
    assert (roots >= 0).all(), "the oracle needs every station's village"
    home = np.asarray(inst.home, dtype=np.int64)
    assert (home >= 0).all(), "the oracle needs every village's home station"
    adj = np.asarray(inst.adjacency.todense()) != 0
    adj = adj | adj.T
    np.fill_diagonal(adj, False)
    k = opts.centres
    k_range = None if k is None else (int(k[0]), int(k[1])) if isinstance(k, tuple) else (int(k), int(k))
    w = np.asarray(inst.weights, dtype=float)
    return Rules(
        model=opts.model, times=times, weights=w,
        cost=w[:, None] * times if inst.cost is None else np.asarray(inst.cost, dtype=float),
        bw=w if inst.balance_weights is None else np.asarray(inst.balance_weights, dtype=float),
        allowed=(candidate | fixed) & ~excluded, fixed=fixed, roots=roots, home=home, adjacency=adj,
        k_range=k_range, limit=opts.limit, balance=opts.balance,
        capacity=None if inst.capacity is None else np.asarray(inst.capacity, dtype=float),
        contiguity=opts.contiguity,
        bundle_sizes=None if opts.bundle_sizes is None else (int(opts.bundle_sizes[0]), int(opts.bundle_sizes[1])),
        scope=np.ones(m, bool) if opts.bundle_scope is None else np.asarray(opts.bundle_scope, bool),
        station_adjacency=np.ones((m, m), bool) if inst.station_adjacency is None
        else np.asarray(inst.station_adjacency, bool),
        follow=opts.follow_station, disruption=float(opts.disruption),
    )


def every_map(n: int, m: int) -> np.ndarray:
    """All m**n maps of n items to 0..m-1, one per row."""
    codes = np.arange(m ** n, dtype=np.int64)
    return (codes[:, None] // m ** np.arange(n, dtype=np.int64)[None, :]) % m


def _bfs(adj: np.ndarray, start: int, inside: np.ndarray) -> np.ndarray:
    """Hop count from ``start`` inside the villages ``inside`` (inf outside its reach)."""
    hops = np.full(adj.shape[0], np.inf)
    hops[start] = 0
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for v in np.flatnonzero(adj[u] & inside).tolist():
            if not np.isfinite(hops[v]):
                hops[v] = hops[u] + 1
                queue.append(v)
    return hops


def connected_sets(adj: np.ndarray) -> np.ndarray:
    """(2**n,) bool: the village set with that bit mask is connected (the empty set counts)."""
    n = adj.shape[0]
    out = np.zeros(2 ** n, bool)
    out[0] = True
    for bits in range(1, 2 ** n):
        inside = np.array([(bits >> v) & 1 for v in range(n)], bool)
        out[bits] = np.isfinite(_bfs(adj, int(np.flatnonzero(inside)[0]), inside)[inside]).all()
    return out


def closer_neighbours(r: Rules) -> np.ndarray:
    """(n, m) bit masks: neighbours u of v closer to c than v (time, then hops from c's root)."""
    everything = np.ones(r.n, bool)
    hops = np.stack([_bfs(r.adjacency, int(r.roots[c]), everything) for c in range(r.m)], axis=1)
    out = np.zeros((r.n, r.m), dtype=np.int64)
    t = r.times
    for v in range(r.n):
        for c in range(r.m):
            for u in np.flatnonzero(r.adjacency[v]).tolist():
                if t[u, c] < t[v, c] or (t[u, c] == t[v, c] and hops[u, c] < hops[v, c]):
                    out[v, c] |= 1 << u
    return out


def broken(r: Rules, a: np.ndarray, b: np.ndarray | None = None, centres: np.ndarray | None = None) -> dict:
    """Rule name -> (P,) bool, the plans that break it.

    Parameters
    ----------
    a : (P, n) int
        Station of each village's centre, one plan per row.
    b : (P, m) int, optional
        Centre each station joins (bundling only).
    centres : (P, m) bool, optional
        Open centres as reported; default: the stations villages go to.
    """
    a = np.atleast_2d(np.asarray(a, dtype=np.int64))
    n, m, P = r.n, r.m, a.shape[0]
    rows = np.arange(n)
    out = {}
    out["pair (allowed centre, finite time, limit)"] = ~r.pairs[rows[None, :], a].all(axis=1)
    used = np.stack([(a == c).any(axis=1) for c in range(m)], axis=1)
    is_open = used if centres is None else np.atleast_2d(centres)
    out["open centres are the stations villages go to"] = (is_open != used).any(axis=1)
    out["open centre keeps its own village"] = (is_open & (a[:, r.roots] != np.arange(m)[None, :])).any(axis=1)
    out["open centre allowed"] = (is_open & ~r.allowed[None, :]).any(axis=1)
    out["fixed open"] = (r.fixed[None, :] & ~is_open).any(axis=1)
    count = is_open.sum(axis=1)
    if r.k_range is not None:
        out["count"] = (count < r.k_range[0]) | (count > r.k_range[1])
    load = np.stack([((a == c) * r.bw[None, :]).sum(axis=1) for c in range(m)], axis=1)
    if r.balance is not None and r.k_range is not None:
        total = r.bw.sum()
        lo, hi = (1 - r.balance) * total / r.k_range[1], (1 + r.balance) * total / r.k_range[0]
        out["balance"] = (is_open & ((load < lo - LOAD_TOL) | (load > hi + LOAD_TOL))).any(axis=1)
    if r.capacity is not None:
        out["capacity"] = (is_open & (load > r.capacity[None, :] + LOAD_TOL)).any(axis=1)
    if r.contiguity is not None:
        bits = np.stack([((a == c) * (1 << rows)[None, :]).sum(axis=1) for c in range(m)], axis=1)
        out["connected districts"] = ~connected_sets(r.adjacency)[bits].all(axis=1)
        if r.contiguity == "shortest-path":
            closer = closer_neighbours(r)
            bad = np.zeros(P, bool)
            for v in range(n):
                c = a[:, v]
                mine = bits[np.arange(P), c]
                bad |= (r.roots[c] != v) & ((mine & closer[v, c]) == 0)
            out["shortest-path"] = bad
    if r.bundle_sizes is not None:
        assert b is not None, "bundling needs the station map"
        b = np.atleast_2d(np.asarray(b, dtype=np.int64))
        own = b == np.arange(m)[None, :]
        out["bundle centres are the open centres"] = (own != is_open).any(axis=1)
        out["station joins an open centre"] = ~np.take_along_axis(own, b, axis=1).all(axis=1)
        out["outside the scope: its own centre"] = (~r.scope[None, :] & ~own).any(axis=1)
        out["joins a centre in scope"] = (~own & ~r.scope[b]).any(axis=1)
        out["station adjacency"] = (~own & ~r.station_adjacency[np.arange(m)[None, :], b]).any(axis=1)
        size = np.stack([(b == c).sum(axis=1) for c in range(m)], axis=1)
        gmin, gmax = r.bundle_sizes
        out["bundle sizes"] = (own & r.scope[None, :] & ((size < gmin) | (size > gmax))).any(axis=1)
        if r.follow:
            went = np.take_along_axis(b, np.broadcast_to(r.home, a.shape), axis=1)  # home station's centre
            out["villages follow their station"] = (a != went).any(axis=1)
    return out


def feasible(r: Rules, a, b=None, centres=None) -> np.ndarray:
    return ~np.any(np.stack(list(broken(r, a, b, centres).values())), axis=0)


def value(r: Rules, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """(P,) primary objective of each plan."""
    a = np.atleast_2d(np.asarray(a, dtype=np.int64))
    t = r.times[np.arange(r.n)[None, :], a]
    if r.model == "p-center":
        return t.max(axis=1)
    if r.model == "max-covering":
        return ((t <= r.limit + 1e-9) * r.weights[None, :]).sum(axis=1)
    if r.model == "set-covering":
        return np.stack([(a == c).any(axis=1) for c in range(r.m)], axis=1).sum(axis=1).astype(float)
    cost = r.cost[np.arange(r.n)[None, :], a].sum(axis=1)
    if r.disruption > 0 and not (r.follow and r.bundle_sizes is not None):
        if r.bundle_sizes is None:
            moved = a != r.home[None, :]
        else:
            b = np.atleast_2d(np.asarray(b, dtype=np.int64))
            moved = a != b[:, r.home]
        cost = cost + r.disruption * (moved * r.weights[None, :]).sum(axis=1)
    return cost


def plans(r: Rules) -> tuple[np.ndarray, np.ndarray | None]:
    """Every feasible plan: (P, n) assignments and, with bundling, (P, m) station maps."""
    n, m = r.n, r.m
    grid = every_map(n, m)
    grid = grid[r.pairs[np.arange(n)[None, :], grid].all(axis=1)]
    if r.bundle_sizes is None:
        a, b = grid, None
    else:
        maps = every_map(m, m)
        if r.follow:
            a, b = maps[:, r.home], maps
        else:
            # Villages go anywhere: pair each map with the assignments that open its centres.
            bit = 1 << np.arange(m)
            grid_open = (np.stack([(grid == c).any(axis=1) for c in range(m)], axis=1) * bit).sum(axis=1)
            maps_open = ((maps == np.arange(m)[None, :]) * bit).sum(axis=1)
            parts_a, parts_b = [], []
            for i in range(len(maps)):
                idx = np.flatnonzero(grid_open == maps_open[i])
                parts_a.append(grid[idx])
                parts_b.append(np.repeat(maps[i:i + 1], idx.size, axis=0))
            a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    ok = feasible(r, a, b)
    return a[ok], (b[ok] if b is not None else None)


def optimum(r: Rules) -> float | None:
    """The best primary objective over every feasible plan (None: no plan)."""
    a, b = plans(r)
    if not len(a):
        return None
    v = value(r, a, b)
    return float(v.max() if r.model == "max-covering" else v.min())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_oracle_agrees_with_the_brute_force_helpers(seed):
    """The oracle's plans are those of the helpers in tests/support/instances.py, where both apply."""
    n, m = 6, 3
    inst = random_instance(seed, n, m)
    for k, e, form in [(2, None, None), (2, 0.3, None), (2, 0.6, "cuts"), (3, 0.6, "shortest-path")]:
        grid = assignments(inst, None)
        grid = grid[n_open(grid, m) == k]
        if e is not None:
            grid = grid[balanced(grid, inst.weights, m, k, e)]
        check = {"cuts": lambda a: connected(inst.adjacency, a), "shortest-path": lambda a: shortest_path_ok(inst, a)}
        if form is not None and len(grid):
            grid = grid[[check[form](a) for a in grid]]
        r = rules_of(inst, Options(centres=k, balance=e, contiguity=form))
        a, _ = plans(r)
        assert {tuple(p) for p in a.tolist()} == {tuple(p) for p in grid.tolist()}
        if len(grid):
            assert optimum(r) == pytest.approx(pmedian_cost(inst, grid).min(), rel=1e-12)


# --------------------------------------------------------------------------------------------
# Checking a Solution against the oracle.
# --------------------------------------------------------------------------------------------


def close(x: float, y: float, rel: float) -> bool:
    return abs(x - y) <= rel * max(1.0, abs(x), abs(y))


def check_solution(inst: Instance, opts: Options, sol, best: float) -> None:
    """The reported plan is feasible, its objective is its value, and bound / optimum / objective are in order."""
    r = rules_of(inst, opts)
    m = r.m
    a = np.asarray(sol.assignment, dtype=np.int64)
    assert a.shape == (r.n,) and ((a >= 0) & (a < m)).all(), f"assignment out of range: {a}"
    centres = np.zeros(m, bool)
    centres[np.asarray(sol.centres, dtype=np.int64)] = True
    b = np.asarray(sol.bundle, dtype=np.int64) if r.bundle_sizes is not None else None
    if b is not None:
        assert b.shape == (m,) and ((b >= 0) & (b < m)).all(), f"bundle out of range: {b}"
    bad = [rule for rule, hit in broken(r, a, b, centres).items() if hit[0]]
    assert not bad, f"the returned plan breaks {bad}: assignment {a}, centres {sol.centres}, bundle {sol.bundle}"

    true = float(value(r, a, b)[0])
    assert close(sol.objective, true, 1e-9), f"objective {sol.objective!r} but the returned plan is worth {true!r}"
    sign = -1.0 if opts.model == "max-covering" else 1.0  # minimise sign * value
    tol = REL * max(1.0, abs(best))
    assert sign * (sol.objective - best) >= -tol, f"objective {sol.objective} beats the optimum {best}"
    if math.isfinite(sol.bound):
        assert sign * (best - sol.bound) >= -tol, f"bound {sol.bound} is past the optimum {best}"
        assert sign * (sol.objective - sol.bound) >= -tol, f"bound {sol.bound} is past the objective {sol.objective}"
    else:
        assert sol.status != "optimal", f"status optimal without a bound ({sol.bound})"
    if sol.status == "optimal":
        within = max(opts.gap, REL)
        assert abs(sol.objective - best) <= within * max(abs(sol.objective), 1e-10) + 1e-9, (
            f"status optimal, objective {sol.objective}, but the optimum is {best} (gap {opts.gap})")


def solve_and_check(inst: Instance, opts: Options, best: float | None):
    if best is None:
        with pytest.raises(InfeasibleError):
            solve(inst, opts)
        return None
    sol = solve(inst, opts)
    check_solution(inst, opts, sol, best)
    return sol


# --------------------------------------------------------------------------------------------
# The property test: every model x every combination of constraints.
# --------------------------------------------------------------------------------------------

MODEL_NAMES = ("p-median", "p-center", "max-covering", "set-covering")
OPTION_KEYS = ("model", "centres", "limit", "balance", "contiguity", "bundle_sizes", "bundle_scope",
               "follow_station", "disruption", "solver", "gap", "warm_start", "capacity", "adjacency",
               "station_adjacency", "fixed", "excluded", "candidate")


@st.composite
def cases(draw) -> dict:
    """The parameters of one case, as plain values (rebuilt by :func:`make`, quoted on failure)."""
    n = draw(st.sampled_from([7, 6, 5]))
    m = draw(st.sampled_from([4, 3]))
    model = draw(st.sampled_from(MODEL_NAMES))
    bundle = draw(st.sampled_from([None, None, (1, 2), (2, 3)]))
    if model == "max-covering":
        limit = draw(st.sampled_from([6.0, 10.0]))
    elif model == "set-covering":
        limit = draw(st.sampled_from([20.0, 25.0, 30.0]))
    else:
        limit = draw(st.sampled_from([None, None, 25.0]))
    choices = [1, 2, 3, (1, 3), (2, 3)]
    if model == "set-covering" or bundle is not None:
        choices = [None, None] + choices
    centres = draw(st.sampled_from(choices))
    station = st.sampled_from([None, None, None] + list(range(m)))
    return {
        "seed": draw(st.integers(0, 10_000)), "n": n, "m": m, "model": model, "centres": centres, "limit": limit,
        "balance": draw(st.sampled_from([None, 0.3, 0.6])),
        "own_balance_weights": draw(st.booleans()),
        "hess_cost": draw(st.booleans()) if model == "p-median" else False,  # cost w t^2 / 10 instead of w t
        "moved_homes": draw(st.booleans()),  # some villages' home is not their nearest station
        "capacity": draw(st.sampled_from([None, None, 0.6, 0.9])),  # share of the total balance weight
        "contiguity": draw(st.sampled_from([None, "cuts", "shortest-path"])),
        "bundle_sizes": bundle,
        "outside": draw(st.sampled_from([None, None, 0, m - 1])) if bundle is not None else None,
        "station_adjacency": draw(st.booleans()) if bundle is not None else False,
        "follow_station": draw(st.booleans()) if bundle is not None else True,
        "disruption": draw(st.sampled_from([0.0, 0.0, 3.0])),
        "fixed": draw(station), "excluded": draw(station), "not_candidate": draw(station),
        "solver": draw(st.sampled_from(["highs", "highs", "highs", "highs", "cbc"])),
        "gap": draw(st.sampled_from([0.0, 0.0, 1e-4, 0.05])),
    }


def make(case: dict) -> tuple[Instance, Options]:
    """The instance and options of a case (deterministic in its parameters)."""
    n, m = case["n"], case["m"]
    inst = random_instance(case["seed"], n, m)
    rng = np.random.default_rng(case["seed"] + 7)
    extra = {}
    bw = inst.weights
    if case["own_balance_weights"]:
        bw = rng.integers(1, 30, n).astype(float)
        extra["balance_weights"] = bw
    if case["moved_homes"]:
        home = np.where(rng.random(n) < 0.3, rng.integers(0, m, n), inst.home)
        home[inst.station_village] = np.arange(m)
        extra["home"] = home
    if case["hess_cost"]:
        extra["cost"] = inst.weights[:, None] * inst.times ** 2 / 10
    if case["capacity"] is not None:
        extra["capacity"] = np.round(bw.sum() * case["capacity"] * rng.uniform(0.8, 1.3, m))
    if case["station_adjacency"]:
        sadj = rng.random((m, m)) < 0.6
        extra["station_adjacency"] = sadj | sadj.T
    for key in ("fixed", "excluded"):
        if case[key] is not None:
            extra[key] = np.arange(m) == case[key]
    if case["not_candidate"] is not None:
        extra["candidate"] = np.arange(m) != case["not_candidate"]
    inst = Instance(**{**inst.__dict__, **extra})
    scope = None if case["outside"] is None else np.arange(m) != case["outside"]
    opts = Options(model=case["model"], centres=case["centres"], limit=case["limit"], balance=case["balance"],
                   contiguity=case["contiguity"], bundle_sizes=case["bundle_sizes"], bundle_scope=scope,
                   follow_station=case["follow_station"], disruption=case["disruption"], solver=case["solver"],
                   gap=case["gap"])
    return inst, opts


@settings(deadline=None, derandomize=True, max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_every_reported_number_is_true(case):
    inst, opts = make(case)
    best = optimum(rules_of(inst, opts))
    event(f"{case['n']}x{case['m']} {case['model']}, {case['solver']}")
    event(f"bundles {case['bundle_sizes']}, follow {case['follow_station']}, disruption {case['disruption']}"
          if case["bundle_sizes"] else f"no bundles, disruption {case['disruption']}")
    event(f"contiguity {case['contiguity']}, balance {case['balance']}, capacity {case['capacity'] is not None}")
    try:
        sol = solve_and_check(inst, opts, best)
        event("infeasible (raised)" if sol is None else f"status {sol.status}")
    except ScenarioError as err:
        # Only a combination the engine refuses by design, and the message says which key.
        assert any(key in str(err) for key in OPTION_KEYS), f"ScenarioError names no key: {err}"
        assume(False)


# --------------------------------------------------------------------------------------------
# Targeted cases, each failing on the bug it guards.
# --------------------------------------------------------------------------------------------


def test_cut_rounds_report_the_true_optimum_not_a_false_one(monkeypatch):
    """The seed that reported a false optimum: the cut rounds alone (no centre-set enumeration)."""
    inst = random_instance(45, 8, 5)
    opts = Options(centres=3, balance=0.2, contiguity="cuts", gap=0.0)
    best = optimum(rules_of(inst, opts))
    assert best == pytest.approx(287.2, abs=1e-9)
    monkeypatch.setattr(centre_sets_module, "MAX_CENTRE_SETS", 0)
    sol = solve(inst, opts)
    check_solution(inst, opts, sol, best)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(287.2, rel=1e-9)


#: Per model, a case where the station outside the bundling scope gives up villages when they
#: are free to move (balance 0.3), so its centre keeps a minority of its own villages. With
#: villages following their station, balance 0.3 has no plan; 0.9 has.
BUNDLED = {
    "p-center": (26, {"centres": 2}),
    "max-covering": (26, {"centres": 2, "limit": 8.0}),
    "set-covering": (39, {"centres": (1, 3), "limit": 25.0}),
}


@pytest.mark.parametrize("follow", [True, False], ids=["follow", "free"])
@pytest.mark.parametrize("model", sorted(BUNDLED))
def test_lexicographic_models_with_bundles_and_a_station_outside_the_scope(model, follow):
    """p-center, max-covering, set-covering with bundles and one station outside the scope, against brute force.

    The second stage (p-median cost at the primary optimum) starts from the first stage's plan;
    the station outside the scope has ``y`` fixed to 1, and a start giving it 0 crashed with
    "initial value 0 is smaller than lowBound 1". With ``follow_station=False`` it still did
    before e894057 (engine.py ``_set_start`` set z[s, s] = y[s] to 0 when most of s's villages
    go elsewhere, and y[s] had lowBound 1).
    """
    seed, extra = BUNDLED[model]
    inst = random_instance(seed, 6, 3)
    opts = Options(model=model, bundle_sizes=(1, 2), bundle_scope=np.array([True, True, False]),
                   follow_station=follow, balance=0.9 if follow else 0.3, gap=0.0, **extra)
    best = optimum(rules_of(inst, opts))
    assert best is not None
    sol = solve_and_check(inst, opts, best)
    assert sol.status == "optimal" and 2 in sol.centres and sol.bundle[2] == 2


def _unbalanced_start(inst: Instance, k: int) -> np.ndarray:
    """The p-median optimum without balance (a plan the balanced model forbids)."""
    return solve(inst, Options(centres=k, gap=0.0)).assignment


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("broken_rule", ["balance", "count", "root", "contiguity"])
def test_a_warm_start_that_breaks_a_constraint_still_gives_the_true_optimum(solver, broken_rule):
    """A warm start that breaks a row is no plan: the solve still returns the true optimum, honestly accounted."""
    inst = random_instance(11, 7, 4)
    n, _m = inst.times.shape
    opts = Options(centres=2, balance=0.2, gap=0.0, solver=solver,
                   contiguity="cuts" if broken_rule == "contiguity" else None)
    r = rules_of(inst, opts)
    if broken_rule == "balance":
        start = _unbalanced_start(inst, 2)
    elif broken_rule == "count":
        start = np.asarray(inst.home)  # every station open
    elif broken_rule == "root":
        start = np.zeros(n, dtype=np.int64)
        start[-1] = 1  # station 1 open without its own village
    else:
        a, _ = plans(rules_of(inst, replace(opts, contiguity=None)))
        start = next(p for p in a if not feasible(r, p[None, :])[0])  # balanced, disconnected
    assert not feasible(r, start[None, :])[0], "the start must break a rule"
    best = optimum(r)
    sol = solve_and_check(inst, replace(opts, warm_start=start), best)
    assert sol.status == "optimal" and sol.objective == pytest.approx(best, rel=1e-9)


# --------------------------------------------------------------------------------------------
# Engine bugs found by the oracle: minimal reproducers (each failed on the engine before its fix).
# --------------------------------------------------------------------------------------------


#: (seed, fixed station, options): the MIP's plan leaves the fixed station closed.
FIXED = {
    "p-center": (0, 1, {"model": "p-center", "centres": 1}),          # reports 27.3 min, optimum 31.4
    "max-covering": (0, 2, {"model": "max-covering", "centres": 1, "limit": 8.0}),  # reports 48, optimum 42
    "set-covering": (1, 0, {"model": "set-covering", "limit": 25.0}),  # reports 1 centre, optimum 2
}


@pytest.mark.parametrize("model", sorted(FIXED))
def test_engine_bug_fixed_centre_is_open_in_the_mip(model):
    """ENGINE BUG (model.py ``build``): a fixed station is not forced open in the MIP.

    ``pulp.LpVariable(..., cat=pulp.LpBinary, lowBound=1)`` resets the bounds to 0..1 (PuLP
    sets them for binaries), so ``y[c] >= 1`` never reaches the solver and ``Instance.fixed`` is
    ignored. The plan returned leaves the fixed station closed and its objective, recomputed
    from that plan, beats the true optimum (``random_instance(seed, 6, 3)``, gap 0, HiGHS).
    """
    seed, station, extra = FIXED[model]
    inst = random_instance(seed, 6, 3)
    inst = Instance(**{**inst.__dict__, "fixed": np.arange(3) == station})
    opts = Options(gap=0.0, **extra)
    best = optimum(rules_of(inst, opts))
    sol = solve(inst, opts)
    assert station in sol.centres, (
        f"fixed station {station} is closed: centres {sol.centres}, objective {sol.objective}, optimum {best}")
    check_solution(inst, opts, sol, best)


@pytest.mark.parametrize("model", ["p-median", "p-center", "set-covering"])
def test_engine_bug_villages_of_a_station_outside_the_scope_ignore_the_limit(model):
    """ENGINE BUG (bundling.py ``add_bundling``): a station outside the scope takes its villages beyond ``limit``.

    With ``follow_station`` a village follows its home station through ``z[s, c]``; for a station
    outside the scope that is ``y[s]`` (forced to 1), and its villages' pairs are created without
    looking at the pair mask, so a village 35.5 min from its home station is assigned to it
    under a 25 min limit. Every plan breaks the limit here (village 2 must follow station 2),
    so the truth is InfeasibleError; the engine returns a plan reported "optimal"
    (p-median 861.7, p-center 35.5 min, set-covering 2 centres).
    """
    inst = random_instance(0, 6, 3)
    inst = Instance(**{**inst.__dict__, "home": np.array([0, 2, 2, 0, 1, 0])})  # village 2: 35.5 min from station 2
    opts = Options(model=model, limit=25.0, bundle_sizes=(1, 2), bundle_scope=np.array([True, True, False]), gap=0.0)
    assert optimum(rules_of(inst, opts)) is None
    solve_and_check(inst, opts, None)


@pytest.mark.parametrize("model", ["p-median", "p-center", "set-covering"])
def test_engine_bug_crossed_bounds_crash_cbc_instead_of_infeasible(model):
    """ENGINE BUG (model.py ``build``): a centre forced open and closed gets bounds 1..0, which CBC cannot read.

    Station 2 is outside the bundling scope (``y >= 1``); with free villages its root village 1
    (weight 42) is an ordinary pair, which contiguity pruning drops as it exceeds the capacity 41
    of station 2, so the root rule sets ``upBound = 0``. The MPS file then holds ``LO 1`` and
    ``UP 0`` for ``y_2``, CBC stops with "Bad image" and PuLP raises PulpSolverError. The truth
    (brute force, and HiGHS) is InfeasibleError. The same bounds arise for a fixed station
    whose root pair is pruned, once fixed stations get ``lowBound = 1``.
    """
    inst = random_instance(0, 6, 3)
    inst = Instance(**{**inst.__dict__, "capacity": np.array([1000.0, 1000.0, 41.0])})
    opts = Options(model=model, limit=30.0 if model == "set-covering" else None, bundle_sizes=(1, 2),
                   bundle_scope=np.array([True, True, False]), follow_station=False, contiguity="cuts",
                   solver="cbc", gap=0.0)
    assert optimum(rules_of(inst, opts)) is None
    solve_and_check(inst, opts, None)


@pytest.mark.parametrize("seed", [0, 1])
def test_engine_bug_disruption_penalty_bound_misses_its_constant(seed):
    """ENGINE BUG (solver.py ``_run_highs``): with a disruption penalty (no bundles) HiGHS never proves optimality.

    The penalty ``d w_v (1 - x[v, home])`` puts the constant ``d sum w`` in the objective; HiGHS
    is handed the objective without it, so ``mip_dual_bound`` and ``objective_function_value``
    lack it: the run's claim differs from the columns' value, the status becomes "feasible" and
    the bound is the true bound minus ``d sum w`` (seed 0: objective 979.4 = the optimum, bound
    568.4, gap 42 %), with no time limit and gap 0. CBC reports the same plan as optimal.
    """
    inst = random_instance(seed, 6, 3)
    opts = Options(centres=2, disruption=3.0, gap=0.0)
    best = optimum(rules_of(inst, opts))
    sol = solve_and_check(inst, opts, best)
    assert sol.objective == pytest.approx(best, rel=1e-9)
    assert sol.status == "optimal" and sol.bound == pytest.approx(best, rel=1e-6), (
        f"status {sol.status}, bound {sol.bound}, objective {sol.objective}, optimum {best}")


@pytest.mark.parametrize("options, key", [
    ({"model": "max-covering", "centres": 2}, "limit"),
    ({"model": "set-covering"}, "limit"),
    ({"model": "p-center"}, "centres"),
    ({"centres": (3, 2)}, "centres"),
    ({"centres": 2, "bundle_sizes": (0, 2)}, "bundle_sizes"),
    ({"centres": 2, "bundle_sizes": (1, 2), "bundle_scope": np.ones(2, bool)}, "bundle_scope"),
    ({"centres": 2, "warm_start": np.zeros(3, dtype=np.int64)}, "warm_start"),
])
def test_refused_combinations_name_their_key(options, key):
    """The combinations the property test never draws are refused by design, naming the key."""
    inst = random_instance(0, 6, 3)
    with pytest.raises(ScenarioError, match=key):
        solve(inst, Options(**options))


def test_engine_bug_cbc_plan_that_breaks_a_row_is_reported_optimal():
    """ENGINE BUG (solver.py ``_run_cbc`` / accounting): CBC's columns are trusted without checking the rows.

    CBC 2.10.3 logs "Postprocessed model is infeasible - possible tolerance issue" and then
    "Result - Optimal solution found" with columns that break a row: here three stations in one
    bundle of at most 2. The engine recomputes the objective of that plan (1 centre) and calls
    it optimal; the truth is 2 centres. (The second stage, sum y <= 1, is infeasible and leaves
    the first stage's plan.) ``random_instance(6139, 7, 3)`` with village 6 at home in station 1.
    """
    inst = random_instance(6139, 7, 3)
    home = np.array(inst.home)
    home[6] = 1
    inst = Instance(**{**inst.__dict__, "home": home})
    opts = Options(model="set-covering", limit=30.0, bundle_sizes=(1, 2), contiguity="shortest-path",
                   solver="cbc", gap=0.0)
    best = optimum(rules_of(inst, opts))
    assert best == 2.0
    solve_and_check(inst, opts, best)


def test_engine_bug_cbc_within_gap_tolerance_is_no_proof():
    """ENGINE BUG (solver.py ``_run_cbc``): "Optimal solution found (within gap tolerance)" becomes bound = objective.

    CBC stops at the requested gap (5 %) with an absolute gap of 72.6; ``_run_cbc`` matches
    "Result - Optimal solution found" and reports the objective as the bound, gap 0. Here the
    plan is not the optimum: objective and bound 2948.8, true optimum 2894.3, so the bound is
    false. (Its "Gap:" line is also relative to the objective without the disruption constant.)
    """
    inst = random_instance(337, 7, 4)
    inst = Instance(**{**inst.__dict__, "candidate": np.array([True, True, False, True])})
    opts = Options(centres=(2, 3), balance=0.6, contiguity="shortest-path", disruption=3.0, solver="cbc", gap=0.05)
    best = optimum(rules_of(inst, opts))
    assert best == pytest.approx(2894.3, abs=1e-9)
    solve_and_check(inst, opts, best)
