"""Benchmark: OR-Library pmed1..pmed40 against Beasley's optima, with a textbook-model baseline.

Usage::

    python benchmarks/orlib_pmed.py                       # all 40, baseline on pmed1..5 and pmed16
    python benchmarks/orlib_pmed.py --only pmed16,pmed36
    python benchmarks/orlib_pmed.py --baseline-instances pmed1,pmed16 --baseline-cap 60

Instances are read from ``../shared/benchmarks/orlib-pmed`` (or ``$JURISDICTION_SHARED``). The
cost matrix is the all-pairs shortest-path matrix of the undirected graph (duplicate edges: the
last occurrence wins, Beasley's rule), computed with ``scipy.sparse.csgraph``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from jurisdiction.optimise.pmedian.exact import solve_pmedian, textbook_pmedian


def read_pmed(path: Path) -> tuple[np.ndarray, int]:
    """Read an OR-Library pmed file into (shortest-path cost matrix, p)."""
    tokens = path.read_text().split()
    n, m, p = (int(t) for t in tokens[:3])
    edges = np.array(tokens[3:3 + 3 * m], dtype=np.int64).reshape(m, 3)
    lengths: dict[tuple[int, int], int] = {}
    for a, b, c in edges:
        lengths[(min(a, b) - 1, max(a, b) - 1)] = int(c)  # a later duplicate overrides
    ends = np.array(list(lengths), dtype=np.int64).reshape(-1, 2)
    graph = csr_matrix((np.array(list(lengths.values()), dtype=float), (ends[:, 0], ends[:, 1])), shape=(n, n))
    return shortest_path(graph, directed=False), p


def optima(folder: Path) -> dict[str, int]:
    """Beasley's optimal values from ``optima.csv``."""
    with open(folder / "optima.csv", newline="") as f:
        return {row["instance"]: int(row["optimum"]) for row in csv.DictReader(f)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated instances, e.g. pmed16,pmed36")
    parser.add_argument("--baseline-instances", default="pmed1,pmed2,pmed3,pmed4,pmed5,pmed16",
                        help="instances that also get the textbook baseline ('all' or 'none')")
    parser.add_argument("--baseline-cap", type=float, default=60.0, help="seconds per baseline solve")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per instance for our solver")
    args = parser.parse_args(argv)
    # shared_data is imported here, not at the top: tests load this file by its path, without
    # benchmarks/ on sys.path, to use its readers.
    from shared_data import require_shared
    folder = require_shared("benchmarks", "orlib-pmed")
    known = optima(folder)
    names = args.only.split(",") if args.only else [f"pmed{i}" for i in range(1, 41)]
    if args.baseline_instances == "all":
        baseline = set(names)
    elif args.baseline_instances == "none":
        baseline = set()
    else:
        baseline = set(args.baseline_instances.split(","))
    print(f"{'instance':9} {'n':>4} {'p':>4} {'ours':>7} {'optimum':>7} {'match':>5} {'gap':>7} "
          f"{'ours_s':>7} {'textbook_s':>10}  method")
    total, matches, base_total = 0.0, 0, 0.0
    for name in names:
        cost, p = read_pmed(folder / f"{name}.txt")
        result = solve_pmedian(cost, p, time_limit=args.time_limit)
        total += result.seconds
        ok = round(result.objective) == known[name] and result.status == "optimal"
        matches += ok
        base = ""
        if name in baseline:
            b = textbook_pmedian(cost, p, solver="highs", time_limit=args.baseline_cap)
            base_total += b.seconds
            base = f"{b.seconds:.1f}" if b.status == "optimal" else f"> {args.baseline_cap:.0f}"
        print(f"{name:9} {cost.shape[0]:>4} {p:>4} {result.objective:>7.0f} {known[name]:>7} "
              f"{'yes' if ok else 'NO':>5} {result.gap:>7.1e} {result.seconds:>7.2f} {base:>10}  "
              f"{result.formulation}", flush=True)
    print(f"total: {matches}/{len(names)} proven optimal and equal to the known optimum; "
          f"ours {total:.1f} s; textbook baseline {base_total:.1f} s on {len(baseline & set(names))} instances "
          f"(times include no file reading or shortest paths)")
    return 0 if matches == len(names) else 1


if __name__ == "__main__":
    raise SystemExit(main())
