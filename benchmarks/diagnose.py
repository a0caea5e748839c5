"""Benchmark jurisdiction.diagnosis.findings on the Dianjiang example and on generated counties.

Run from the repository root::

    /work/venv/bin/python benchmarks/diagnose.py                 # example + 200, 2,000, 20,000 villages
    /work/venv/bin/python benchmarks/diagnose.py --sizes 200 2000 --no-example

For each case the travel-time matrix (road graph + Dijkstra) is built first and timed on its
own; the diagnose time excludes it. Targets: Dianjiang < 2 s, 20,000 villages < 60 s.
"""

from __future__ import annotations

import argparse
import time

from jurisdiction.diagnosis.findings import diagnose
from jurisdiction.network.graph import road_graph
from jurisdiction.network.travel import travel_time_matrix


def _run(label: str, villages, stations, jurisdictions, roads, limit: float) -> None:
    t0 = time.perf_counter()
    times = travel_time_matrix(road_graph(roads), villages, stations, max_snap_m=None)
    t1 = time.perf_counter()
    result = diagnose(villages, stations, jurisdictions, times, roads=roads, limit=limit)
    t2 = time.perf_counter()
    splits = len(result.split_villages)
    beyond = result.reach_summary["villages_beyond_limit"]
    small = int(result.workload["small"].sum())
    print(f"{label:<32} villages {len(villages):>6}  stations {len(stations):>4}  roads {len(roads):>6}  "
          f"matrix {t1 - t0:7.2f} s  diagnose {t2 - t1:6.2f} s  "
          f"(split {splits}, functional {len(result.functional_splits)}, beyond {beyond}, small {small})",
          flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 2000, 20000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-example", action="store_true")
    args = parser.parse_args(argv)
    if not args.no_example:
        try:
            from jurisdiction.inputs.example import load_example
        except ImportError as exc:
            print(f"Dianjiang example unavailable: {exc}")
        else:
            ex = load_example("dianjiang")
            _run("Dianjiang example", ex.villages, ex.stations, ex.jurisdictions, ex.roads, 30.0)
    from jurisdiction.synthetic.county import generate_county

    for n in args.sizes:
        county = generate_county(args.seed, n, max(4, n // 12))
        _run(f"generated seed {args.seed}", county.villages, county.stations, county.jurisdictions,
             county.roads, 30.0)


if __name__ == "__main__":
    main()
