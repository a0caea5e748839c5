"""US county districting (Hess model, ±0.5% population), with and without contiguity.

Instances and published optima: Validi, Buchanan & Lykhovyd, "Imposing contiguity constraints in
political districting models", Operations Research 70(2) (2022); rebuilt from the DeFord dual
graphs by ``rebuild_hess.py`` in the shared folder (see its README).

Each county is a village and a candidate centre standing in itself. The Hess weights
``W[i, j] = p_i (d_ij / 1000 km)^2`` are passed as ``Instance.cost``; ``times`` are the integer
kilometres (they order the shortest-path contiguity constraints); the balance tolerance 0.005
gives ``L = ceil(0.995 P/k)`` and ``U = floor(1.005 P/k)`` on integer populations, checked
against the published L and U. Contiguity is imposed with exact separator cuts in rounds.

Usage::

    python benchmarks/districting.py [STATE ...] [--time-limit 60] [--forms none,cuts,shortest-path]
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jurisdiction.errors import InfeasibleError, NoSolutionError  # noqa: E402
from jurisdiction.optimise import Instance, Options, solve  # noqa: E402


#: The README of the instances: "CO, NH and OR are feasible without contiguity but were proven
#: infeasible with contiguity" (CO's cut row itself reads time_limit_no_incumbent).
PROVEN_INFEASIBLE_WITH_CONTIGUITY = {"CO", "NH", "OR"}


def shared_dir() -> Path:
    return Path(os.environ.get("JURISDICTION_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def adjacency(graph_json: dict, n: int) -> sp.csr_matrix:
    """County adjacency from networkx adjacency_data JSON (node ids 0..n-1)."""
    rows, cols = [], []
    for i, nbrs in enumerate(graph_json["adjacency"]):
        for e in nbrs:
            rows.append(i)
            cols.append(int(e["id"]))
    a = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    return ((a + a.T) > 0).astype(np.int8)


def instance_of(data: dict) -> Instance:
    n = len(data["pop"])
    return Instance(times=data["dist_km"], weights=data["pop"], cost=data["W"], station_village=np.arange(n),
                    adjacency=adjacency(data["graph_json"], n), village_ids=data["geoid"], station_ids=data["geoid"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("states", nargs="*")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--forms", default="none,cuts")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    root = shared_dir() / "benchmarks" / "districting-counties"
    if not root.is_dir():
        print(f"skipped: {root} is absent")
        return 0
    sys.path.insert(0, str(root))
    import rebuild_hess  # noqa: E402

    rows = list(csv.DictReader(open(root / "instances.csv")))
    published = {}
    for r in rows:
        key = (r["instance"], "no" if r["model"] == "hess" else "yes")
        if r["model"] in ("hess", "cut"):
            published[key] = r
    states = args.states or sorted({r["instance"] for r in rows if r["instance"] not in ("AK",)})
    forms = [None if f == "none" else f for f in args.forms.split(",")]
    print(f"{'state':5} {'n':>4} {'k':>3} {'contiguity':13} {'published':>12} {'ours':>12} {'status':10} "
          f"{'rounds':>6} {'s':>7}  match / reason")
    n_match = n_miss = n_open = 0
    for state in states:
        if state not in rebuild_hess.STATES:
            continue
        data = rebuild_hess.load_instance(state)
        inst = instance_of(data)
        total = float(data["pop"].sum())
        lo, hi = (1 - 0.005) * total / data["k"], (1 + 0.005) * total / data["k"]
        bounds_note = "" if (math.ceil(lo - 1e-9), math.floor(hi + 1e-9)) == (data["L"], data["U"]) else \
            f" [L,U differ: ours {math.ceil(lo)},{math.floor(hi)} vs {data['L']},{data['U']}]"
        for form in forms:
            pub = published.get((state, "yes" if form else "no"))
            pub_opt = float(pub["published_optimum"]) if pub and pub["published_optimum"] else None
            pub_status = pub["status"] if pub else "?"
            if form and state in PROVEN_INFEASIBLE_WITH_CONTIGUITY:
                pub_status = "infeasible"
            opts = Options(centres=data["k"], balance=0.005, contiguity=form, time_limit=args.time_limit,
                           gap=1e-7, threads=args.threads)
            t0 = time.perf_counter()
            try:
                sol = solve(inst, opts)
                secs = time.perf_counter() - t0
                ours = f"{sol.objective:12.2f}"
                status, rounds = sol.status, sol.rounds
                if pub_opt is not None:
                    ok = abs(sol.objective - pub_opt) <= 0.01 and sol.status == "optimal"
                    note = "match" if ok else f"MISMATCH (gap {sol.gap:.2e})"
                    n_match += ok
                    n_miss += not ok
                elif pub_status == "time_limit_no_incumbent":
                    note = "open: a plan where the published solver found none in 3600 s"
                    n_open += 1
                else:
                    note = f"MISMATCH: published {pub_status}"
                    n_miss += 1
            except InfeasibleError as err:
                secs = time.perf_counter() - t0
                ours, status, rounds = f"{'-':>12}", "infeasible", 0
                reason = err.reasons[0]
                note = ("match (" if pub_status == "infeasible" else f"published {pub_status}: ") + reason[:110] + \
                    (")" if pub_status == "infeasible" else "")
                if pub_status == "infeasible":
                    n_match += 1
                else:
                    n_miss += 1
            except NoSolutionError as err:
                secs = time.perf_counter() - t0
                ours, status, rounds = f"{'-':>12}", "no plan", 0
                if pub_status == "time_limit_no_incumbent":
                    note = "open: the published solver found no plan in 3600 s either"
                    n_open += 1
                else:
                    note = f"published {pub_status}: " + err.reasons[0][:110]
                    n_miss += 1
            pubtxt = f"{pub_opt:12.2f}" if pub_opt is not None else f"{pub_status:>12}"
            print(f"{state:5} {len(data['pop']):4d} {data['k']:3d} {str(form):13} {pubtxt} {ours} {status:10} "
                  f"{rounds:6d} {secs:7.2f}  {note}{bounds_note}", flush=True)
    print(f"\n{n_match} agree with the published result, {n_miss} do not, {n_open} open (no published result)")
    return 0 if n_miss == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
