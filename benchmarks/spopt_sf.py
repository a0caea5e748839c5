"""spopt's San Francisco instance (205 census tracts x 16 candidate stores), four models.

Data: pysal/spopt ``spopt/tests/test_locate/data`` (BSD-3-Clause; Feng et al., JOSS 2022), in the
shared folder. The cost matrix is built as spopt's tests build it (pivot of the long table,
rows = tracts sorted by NAME, columns = stores in string order), weights = POP2000; "times"
here are street-network metres.

Compared with:
- p-median, p=4: spopt's test value ``mean_dist * sum(POP2000)`` = 2 848 268 129.71;
- maximal covering, p=4, radius 5000: spopt's tests expect 21 uncovered tracts (89.756% covered);
- set covering, radius 5000: spopt asserts only optimality; radius 20 must be infeasible;
- p-center, p=4: spopt asserts only optimality.
Every model is also checked against enumeration of all site sets (C(16, p) <= 1820).
The pickles in that folder are expected assignments for spopt's *synthetic* lattice instance
(random weights without a seed), not for SF, so they cannot be compared with.

Usage: ``python benchmarks/spopt_sf.py [--solver highs|cbc]``
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np

from jurisdiction.errors import InfeasibleError
from jurisdiction.optimise import Instance, Options, solve

PMEDIAN_P4 = 2982.1268579890657 * 955113  # spopt test: mean_dist * total population


def load(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    dist = pd.read_csv(folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    cost = dist.pivot_table(values="distance", index="DestinationName", columns="name").to_numpy()
    demand = pd.read_csv(folder / "SF_demand_205_centroid_uniform_weight.csv").sort_values(by=["NAME"])
    return cost, demand["POP2000"].to_numpy(dtype=float)


def enumerate_sets(cost: np.ndarray, p: int):
    for sites in itertools.combinations(range(cost.shape[1]), p):
        yield list(sites), cost[:, list(sites)].min(axis=1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--solver", default="highs")
    args = ap.parse_args(argv)
    # shared_data is imported here, as in orlib_pmed.py: the module stays loadable by its path
    # without benchmarks/ on sys.path.
    from shared_data import require_shared
    folder = require_shared("benchmarks", "spopt-sf")
    cost, w = load(folder)
    inst = Instance(times=cost, weights=w)
    p, radius = 4, 5000.0
    rows = []

    def run(name, opts, reference, how, count=None):
        t0 = time.perf_counter()
        try:
            sol = solve(inst, opts)
        except InfeasibleError as err:
            rows.append((name, "infeasible", reference, how, "match" if reference == "infeasible" else "MISMATCH",
                         time.perf_counter() - t0, err.reasons[0][:90]))
            return None
        ok = (reference is not None and np.isclose(sol.objective, reference, rtol=1e-7, atol=1e-6)
              and sol.status == "optimal")
        extra = "" if count is None else count(sol)
        rows.append((name, f"{sol.objective:,.2f}", f"{reference:,.2f}", how, "match" if ok else "MISMATCH",
                     time.perf_counter() - t0, f"{sol.status}, centres {sol.centres.tolist()} {extra}"))
        return sol

    brute_median = min((w * d).sum() for _, d in enumerate_sets(cost, p))
    run("p-median p=4", Options(centres=p, gap=0.0, solver=args.solver), PMEDIAN_P4, "spopt test value")
    rows.append(("  (enumeration)", f"{brute_median:,.2f}", f"{PMEDIAN_P4:,.2f}", "all 1820 sets",
                 "match" if np.isclose(brute_median, PMEDIAN_P4) else "MISMATCH", 0.0, ""))
    brute_center = min(d.max() for _, d in enumerate_sets(cost, p))
    run("p-center p=4", Options(model="p-center", centres=p, gap=0.0, solver=args.solver), brute_center, "enumeration")
    brute_cover = max((w * (d <= radius)).sum() for _, d in enumerate_sets(cost, p))

    def uncovered(sol):
        d = cost[np.arange(len(w)), sol.assignment]
        n_out = int((d > radius).sum())
        return f"uncovered {n_out} (spopt: 21), covered {100 * (1 - n_out / len(w)):.3f}% (spopt: 89.756%)"

    run("max-covering p=4 r=5000", Options(model="max-covering", centres=p, limit=radius, gap=0.0, solver=args.solver),
        brute_cover, "enumeration", uncovered)
    brute_sets = next(k for k in range(1, 17) if any((d <= radius).all() for _, d in enumerate_sets(cost, k)))
    run("set-covering r=5000", Options(model="set-covering", limit=radius, gap=0.0, solver=args.solver),
        float(brute_sets), "enumeration")
    run("set-covering r=20", Options(model="set-covering", limit=20.0, solver=args.solver), "infeasible", "spopt test")

    print(f"spopt San Francisco instance: {cost.shape[0]} tracts x {cost.shape[1]} stores, solver {args.solver}")
    print(f"{'model':26} {'ours':>18} {'reference':>18} {'reference from':18} {'':8} {'s':>6}  detail")
    bad = 0
    for name, ours, ref, how, verdict, secs, detail in rows:
        bad += verdict != "match"
        print(f"{name:26} {ours:>18} {ref:>18} {how:18} {verdict:8} {secs:6.2f}  {detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
