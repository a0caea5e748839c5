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
        [--baseline-states AL,LA,OK,WV] [--baseline-cap 120] [--threads 2]

The textbook baseline (the Hess MIP over every pair, solved by HiGHS with no pruning, start or
bound; with contiguity, re-solved with boundary separator cuts until connected) runs in the same
process for ``--baseline-states``; "ratio" is its time over ours (">" and the time it ran when it did not finish).
"""

from __future__ import annotations

import argparse
import csv
import math
import time

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.optimise import Instance, Options, solve
from jurisdiction.optimise.mip.solver import new_highs

#: The README of the instances: "CO, NH and OR are feasible without contiguity but were proven
#: infeasible with contiguity" (CO's cut row itself reads time_limit_no_incumbent).
PROVEN_INFEASIBLE_WITH_CONTIGUITY = {"CO", "NH", "OR"}


def adjacency(graph_json: dict, n: int) -> sp.csr_matrix:
    """County adjacency from networkx adjacency_data JSON (node ids 0..n-1)."""
    rows, cols = [], []
    for i, nbrs in enumerate(graph_json["adjacency"]):
        for e in nbrs:
            rows.append(i)
            cols.append(int(e["id"]))
    a = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    return ((a + a.T) > 0).astype(np.int8)


def textbook(data: dict, adj: sp.csr_matrix, contiguous: bool, cap: float) -> tuple[str, float, float]:  # noqa: C901
    """The textbook Hess MIP in HiGHS: every pair, ``x_ij <= x_jj``, no pruning, start or bound.

    With contiguity, the textbook loop: solve to optimality, add the boundary separator cut
    ``x_vj <= sum_{u in N(S)} x_uj`` for every village v of every piece S cut off from its
    centre j, and solve again until every district is connected.

    Returns
    -------
    status, objective, seconds
        status is "optimal", "infeasible" or "cap" (not finished within ``cap`` seconds).
    """
    pop, W, k, lo, hi = data["pop"], data["W"], data["k"], data["L"], data["U"]
    n = pop.size
    col = np.arange(n * n).reshape(n, n)  # x_ij at col[i, j]
    h = new_highs()
    h.setOptionValue("mip_rel_gap", 1e-7)
    inf = highspy.kHighsInf
    h.addVars(n * n, np.zeros(n * n), np.ones(n * n))
    h.changeColsCost(n * n, col.ravel().astype(np.int32), W.ravel())
    h.changeColsIntegrality(n * n, col.ravel().astype(np.int32), np.full(n * n, highspy.HighsVarType.kInteger))
    rows = []  # (lower, upper, index, value)
    for i in range(n):
        rows.append((1, 1, col[i], np.ones(n)))
    rows.append((k, k, col[np.arange(n), np.arange(n)], np.ones(n)))
    for j in range(n):
        low, high = pop.astype(float), pop.astype(float)
        low[j] -= lo
        high[j] -= hi
        rows.append((0, inf, col[:, j], low))  # L x_jj <= load of j
        rows.append((-inf, 0, col[:, j], high))  # load of j <= U x_jj
        for i in range(n):
            if i != j:
                rows.append((-inf, 0, np.array([col[i, j], col[j, j]]), np.array([1.0, -1.0])))

    def add(batch):
        """Append rows (lower, upper, column indices, values) to the live model."""
        starts = np.cumsum([0] + [len(r[2]) for r in batch[:-1]]).astype(np.int32)
        status = h.addRows(len(batch), np.array([r[0] for r in batch], float), np.array([r[1] for r in batch], float),
                  int(sum(len(r[2]) for r in batch)), starts, np.concatenate([r[2] for r in batch]).astype(np.int32),
                  np.concatenate([r[3] for r in batch]).astype(float))
        if status != highspy.HighsStatus.kOk:
            raise RuntimeError(f"HiGHS refused the textbook rows ({status})")

    t0 = time.perf_counter()
    add(rows)
    while True:
        left = cap - (time.perf_counter() - t0)
        if left <= 0:
            return "cap", math.nan, time.perf_counter() - t0
        h.setOptionValue("time_limit", h.getRunTime() + left)  # HiGHS counts the object's earlier runs
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", math.nan, time.perf_counter() - t0
        if status != highspy.HighsModelStatus.kOptimal:
            return "cap", math.nan, time.perf_counter() - t0
        x = np.asarray(h.getSolution().col_value).reshape(n, n) > 0.5
        value = float(h.getInfo().objective_function_value)
        cuts = []
        if contiguous:
            for j in np.flatnonzero(x[np.arange(n), np.arange(n)]):
                members = np.flatnonzero(x[:, j])
                count, label = connected_components(adj[members][:, members], directed=False)
                for comp in range(count):
                    piece = members[label == comp]
                    if j in piece:
                        continue
                    sep = np.setdiff1d(adj[piece].indices, piece)
                    for v in piece:
                        cuts.append((-inf, 0, np.r_[col[v, j], col[sep, j]], np.r_[1.0, -np.ones(sep.size)]))
        if not cuts:
            return "optimal", value, time.perf_counter() - t0
        add(cuts)


def instance_of(data: dict) -> Instance:
    n = len(data["pop"])
    return Instance(times=data["dist_km"], weights=data["pop"], cost=data["W"], station_village=np.arange(n),
                    adjacency=adjacency(data["graph_json"], n), village_ids=data["geoid"], station_ids=data["geoid"])


def main(argv=None) -> int:  # noqa: C901, PLR0912
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("states", nargs="*")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--forms", default="none,cuts")
    ap.add_argument("--threads", type=int, default=2,
                    help="worker threads of the engine's searches (this machine: 2 cores)")
    ap.add_argument("--baseline-states", default="AL,LA,OK,WV",
                    help="states also solved by the textbook Hess MIP (comma-separated; 'none' for none)")
    ap.add_argument("--baseline-cap", type=float, default=120.0, help="seconds per textbook solve")
    args = ap.parse_args(argv)
    # shared_data is imported here, as in orlib_pmed.py: the module stays loadable by its path
    # without benchmarks/ on sys.path.
    from shared_data import import_shared, require_shared
    root = require_shared("benchmarks", "districting-counties")
    rebuild_hess = import_shared("benchmarks", "districting-counties", "rebuild_hess.py")
    rows = list(csv.DictReader(open(root / "instances.csv")))
    published = {}
    for r in rows:
        key = (r["instance"], "no" if r["model"] == "hess" else "yes")
        if r["model"] in ("hess", "cut"):
            published[key] = r
    states = args.states or sorted({r["instance"] for r in rows if r["instance"] not in ("AK",)})
    forms = [None if f == "none" else f for f in args.forms.split(",")]
    baseline_states = set() if args.baseline_states == "none" else set(args.baseline_states.split(","))
    print(f"{'state':5} {'n':>4} {'k':>3} {'contiguity':13} {'published':>12} {'ours':>12} {'status':10} "
          f"{'rounds':>6} {'s':>7} {'textbook':>9} {'ratio':>6}  match / reason")
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
            base = f"{'-':>9} {'-':>6}"
            if state in baseline_states:
                b_status, b_value, b_secs = textbook(data, inst.adjacency, form is not None, args.baseline_cap)
                # Unfinished: the time it ran (its last round may overrun the cap).
                b_text = f">{b_secs:.0f}" if b_status == "cap" else f"{b_secs:.2f}"
                ratio = (">" if b_status == "cap" else "") + f"{b_secs / secs:.1f}x"
                base = f"{b_text:>9} {ratio:>6}"
                if b_status == "optimal" and pub_opt is not None and abs(b_value - pub_opt) > 0.01:
                    note += f" (textbook {b_value:.2f}?)"
            print(f"{state:5} {len(data['pop']):4d} {data['k']:3d} {str(form):13} {pubtxt} {ours} {status:10} "
                  f"{rounds:6d} {secs:7.2f} {base}  {note}{bounds_note}", flush=True)
    print(f"\n{n_match} agree with the published result, {n_miss} do not, {n_open} open (no published result)")
    return 0 if n_miss == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
