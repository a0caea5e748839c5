"""Build the PuLP model of an instance from numpy index arrays.

Every village-centre pair kept after pruning (``t <= limit``, allowed centre) is one entry of
the arrays ``pair_v``, ``pair_c``; ``pair_var[p]`` is the index of the PuLP variable that says
"village ``pair_v[p]`` belongs to centre ``pair_c[p]``". When villages follow their station into
a bundle, that variable is the station's ``z[s, c]``, shared by all its villages, so the model
never holds an ``x`` for them. Constraints are built from grouped index arrays, one
``LpAffineExpression`` per row, with no per-term Python arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from jurisdiction.optimise.infeasibility import balance_bounds
from jurisdiction.optimise.instance import Options, Prepared
from jurisdiction.optimise.mip.bundling import add_bundling
from jurisdiction.optimise.mip.contiguity import prune_pairs, roots_of, shortest_path_rows


@dataclass
class Built:
    """A built model and the maps from its variables back to the instance."""

    prob: pulp.LpProblem
    variables: list
    pair_v: np.ndarray
    pair_c: np.ndarray
    pair_var: np.ndarray
    y: dict
    z: dict = field(default_factory=dict)
    roots: np.ndarray | None = None
    primary: pulp.LpAffineExpression | None = None
    secondary: pulp.LpAffineExpression | None = None
    center_var: pulp.LpVariable | None = None
    formulation: str = ""
    lookup: np.ndarray | None = None  # (n, m) pair index or -1
    load_upper: np.ndarray | None = None  # (m,) largest district load, with contiguity (inf: none)


def expression(variables: list, ids: np.ndarray, coefs: np.ndarray, constant: float = 0.0) -> pulp.LpAffineExpression:
    """Sum of ``coefs[i] * variables[ids[i]]``, with repeated variables added together."""
    ids = np.asarray(ids, dtype=np.int64)
    coefs = np.asarray(coefs, dtype=float)
    if ids.size and np.unique(ids).size != ids.size:
        uniq, inv = np.unique(ids, return_inverse=True)
        coefs = np.bincount(inv, weights=coefs, minlength=uniq.size)
        ids = uniq
    keep = coefs != 0
    return pulp.LpAffineExpression(
        list(zip([variables[i] for i in ids[keep]], coefs[keep].tolist())), constant=constant
    )


def groups(keys: np.ndarray, size: int) -> list[np.ndarray]:
    """Positions of ``keys`` grouped by key value 0..size-1 (stable)."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(size + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(size)]


def add_row(prob: pulp.LpProblem, expr: pulp.LpAffineExpression, sense: int, rhs: float) -> None:
    prob.addConstraint(pulp.LpConstraint(expr, sense, rhs=rhs))


def pair_mask(p: Prepared, options: Options) -> np.ndarray:
    """(n, m) bool: the village-centre pairs that may exist (finite, allowed, within the limit).

    A pinned village (``p.pinned``) keeps its pair with its pinned station only, beyond the
    limit too when ``options.pins_over_limit``.
    """
    mask = p.allowed[None, :] & np.isfinite(p.times)
    if options.limit is not None and options.model != "max-covering":
        mask &= p.times <= options.limit + 1e-9
    if p.pinned is not None and (p.pinned >= 0).any():
        v = np.flatnonzero(p.pinned >= 0)
        s = p.pinned[v]
        keep = mask[v, s] | (options.pins_over_limit & p.allowed[s] & np.isfinite(p.times[v, s]))
        mask[v] = False
        mask[v, s] = keep
    return mask


def build(p: Prepared, options: Options) -> Built:  # noqa: C901, PLR0912
    """Build the PuLP model for ``options.model`` with every constraint the options ask for."""
    n, m = p.times.shape
    prob = pulp.LpProblem("jurisdiction", pulp.LpMinimize)
    variables: list = []
    mask = pair_mask(p, options)
    parts = [options.model]
    kr = p.k_range
    roots = roots_of(p, mask, options.contiguity is not None)
    upper = None
    if options.contiguity is not None:
        upper = np.full(m, np.inf)
        if options.balance is not None and kr is not None:
            upper[:] = balance_bounds(float(p.balance_weights.sum()), kr, options.balance)[1]
        if p.capacity is not None:
            upper = np.minimum(upper, p.capacity)
        mask = prune_pairs(p, mask, roots, upper)

    # A centre forced open gets a row, not a lower bound: PuLP resets a binary's bounds to 0..1,
    # and a centre later closed by an upper bound would have crossed bounds, which CBC cannot read.
    y = {}
    for c in np.flatnonzero(p.allowed):
        y[int(c)] = pulp.LpVariable(f"y_{c}", cat=pulp.LpBinary)
        if p.fixed[c]:
            prob.addConstraint(y[int(c)] >= 1)

    # Bundling decides z[s, c] and, when villages follow, their pairs.
    bundling = add_bundling(prob, p, options, mask, y, variables) if options.bundle_sizes is not None else None
    if bundling is not None:
        parts.append(f"bundles {options.bundle_sizes[0]}..{options.bundle_sizes[1]}")
        followed = bundling.followed
    else:
        followed = np.zeros(n, dtype=bool)

    free_v, free_c = np.nonzero(mask & ~followed[:, None])
    start = len(variables)
    variables.extend(pulp.LpVariable(f"x_{v}_{c}", cat=pulp.LpBinary) for v, c in zip(free_v.tolist(), free_c.tolist()))
    free_var = np.arange(start, len(variables))
    if bundling is not None and bundling.pair_v.size:
        pair_v = np.concatenate([free_v, bundling.pair_v])
        pair_c = np.concatenate([free_c, bundling.pair_c])
        pair_var = np.concatenate([free_var, bundling.pair_var])
    else:
        pair_v, pair_c, pair_var = free_v, free_c, free_var
    lookup = np.full((n, m), -1, dtype=np.int64)
    lookup[pair_v, pair_c] = np.arange(pair_v.size)

    # Each free village exactly once; x <= y.
    for v, rows in enumerate(groups(pair_v, n)):
        if followed[v]:
            continue
        add_row(prob, expression(variables, pair_var[rows], np.ones(rows.size)), pulp.LpConstraintEQ, 1)
    for i in range(free_v.size):
        prob.addConstraint(variables[free_var[i]] - y[int(free_c[i])] <= 0)

    # Number of centres.
    if kr is not None:
        total = pulp.lpSum(y.values())
        if kr[0] == kr[1]:
            prob.addConstraint(total == kr[0])
        else:
            prob.addConstraint(total >= kr[0])
            prob.addConstraint(total <= kr[1])
        parts.append(f"K={kr[0]}" if kr[0] == kr[1] else f"K={kr[0]}..{kr[1]}")

    # A centre keeps the village it stands in (the district's root).
    for c, var in y.items():
        r = roots[c]
        if r < 0:
            continue
        q = lookup[r, c]
        if q < 0:
            var.upBound = 0
        elif variables[pair_var[q]] is not var:
            prob.addConstraint(variables[pair_var[q]] - var == 0)

    by_centre = groups(pair_c, m)
    bw = p.balance_weights
    if options.balance is not None and kr is not None:
        lo, hi = balance_bounds(float(bw.sum()), kr, options.balance)
        for c, var in y.items():
            rows = by_centre[c]
            load = expression(variables, pair_var[rows], bw[pair_v[rows]])
            prob.addConstraint(load - lo * var >= 0)
            prob.addConstraint(load - hi * var <= 0)
        parts.append(f"balance ±{options.balance:g}")
    if p.capacity is not None:
        for c, var in y.items():
            rows = by_centre[c]
            prob.addConstraint(expression(variables, pair_var[rows], bw[pair_v[rows]])
                               - float(p.capacity[c]) * var <= 0)
        parts.append("capacity")

    if options.contiguity is not None:
        # Shortest-path rows; for cuts, the separator cuts of single villages (x[v,c] <= sum of
        # its neighbours' x[u,c]), valid for every connected district, start the rounds.
        lhs, rhs_ptr, rhs = shortest_path_rows(p, pair_v, pair_c, lookup, roots,
                                               closer_only=options.contiguity == "shortest-path")
        if lhs is not None:
            for i, q in enumerate(lhs.tolist()):
                others = rhs[rhs_ptr[i]:rhs_ptr[i + 1]]
                ids = np.concatenate([[pair_var[q]], pair_var[others]])
                coefs = np.concatenate([[1.0], -np.ones(others.size)])
                add_row(prob, expression(variables, ids, coefs), pulp.LpConstraintLE, 0)
        parts.append(f"contiguity {options.contiguity}")

    built = Built(prob=prob, variables=variables, pair_v=pair_v, pair_c=pair_c, pair_var=pair_var, y=y,
                  z=bundling.z if bundling is not None else {}, roots=roots, lookup=lookup, load_upper=upper)

    # Objectives: primary for the model, secondary (p-median cost) for lexicographic stage two.
    cost = p.cost[pair_v, pair_c]
    median = expression(variables, pair_var, cost)
    penalty = disruption_term(p, options, built, bundling)
    built.secondary = median + penalty if penalty is not None else median
    if options.model == "p-median":
        built.primary = built.secondary
        prob.sense = pulp.LpMinimize
    elif options.model == "p-center":
        d = pulp.LpVariable("longest", lowBound=0)
        built.center_var = d
        for v, rows in enumerate(groups(pair_v, n)):
            e = expression(variables, pair_var[rows], p.times[v, pair_c[rows]])
            prob.addConstraint(e - d <= 0)
        built.primary = pulp.LpAffineExpression([(d, 1.0)])
        prob.sense = pulp.LpMinimize
    elif options.model == "max-covering":
        inside = p.times[pair_v, pair_c] <= options.limit + 1e-9
        built.primary = expression(variables, pair_var[inside], p.weights[pair_v[inside]])
        prob.sense = pulp.LpMaximize
    else:  # set-covering
        built.primary = pulp.lpSum(y.values())
        prob.sense = pulp.LpMinimize
    prob.setObjective(built.primary)
    built.formulation = ", ".join(parts)
    return built


def disruption_term(p: Prepared, options: Options, built: Built, bundling) -> pulp.LpAffineExpression | None:
    """Penalty ``disruption * w[v]`` for each village that leaves its home station's centre."""
    if options.follow_station and bundling is not None or options.disruption <= 0:
        return None
    home = p.home
    w = p.weights * options.disruption
    if bundling is None:
        q = built.lookup[np.arange(home.size), np.maximum(home, 0)]
        ok = (home >= 0) & (q >= 0)
        # w (1 - x[v, home]) = w - w x[v, home]
        return expression(built.variables, built.pair_var[q[ok]], -w[ok], constant=float(w[home >= 0].sum()))
    moved_terms = []
    by_station: dict[int, list] = {}
    for (s, c), var in built.z.items():
        by_station.setdefault(s, []).append((c, var))
    for v in np.flatnonzero(home >= 0):
        h = int(home[v])
        zs = by_station.get(h, [])
        if not zs or w[v] == 0:
            continue
        mv = pulp.LpVariable(f"moved_{v}", lowBound=0)
        for c, zvar in zs:
            q = built.lookup[v, c]
            rhs = zvar - built.variables[built.pair_var[q]] if q >= 0 else zvar
            built.prob.addConstraint(mv - rhs >= 0)
        moved_terms.append((mv, float(w[v])))
    return pulp.LpAffineExpression(moved_terms)
