"""A province's sweep: generated counties x 6 scenarios, serial against a local Dask cluster.

Usage::

    python benchmarks/province.py                      # 40 counties, 300-600 villages, 20-30 stations
    python benchmarks/province.py --counties 8         # a reduced run
    python benchmarks/province.py --quick              # small counties (120-200 villages, 10-14 stations)
    python benchmarks/province.py --workers 4

Each county (seeds fixed) is surveyed once (road graph and travel times, in this process); its
6 runs are p-median plans with centres in {stations/4, stations/3, stations/2} and a travel-time
limit of 35 or 50 minutes, no solver time limit, so that every run is solved to the end and the
two executions must agree. The same runs go once through the serial path and once through a
``LocalCluster`` (``--workers`` processes, one thread each; its start-up, the package's import on
each worker included, is timed apart). Prints
the province table, the seconds of each part, the ratio serial / Dask, and whether the two
tables are identical (every column but ``seconds``). Needs ``pip install jurisdiction[dask]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from jurisdiction import Scenario, generate_county
from jurisdiction.pipeline import survey
from jurisdiction.sweeps import CountyRuns, run_scenarios, sweep_counties
from jurisdiction.sweeps.table import outcome
from jurisdiction.sweeps.tasks import compute_client

#: Seed of the county sizes; county i is generated with seed SEED + i.
SEED = 2026


def counties(count: int, *, quick: bool) -> list[CountyRuns]:
    """The province: ``count`` generated counties, each surveyed, with its 6 runs."""
    sizes = np.random.default_rng(SEED)
    result = []
    for i in range(count):
        villages = int(sizes.integers(120, 201) if quick else sizes.integers(300, 601))
        stations = int(sizes.integers(10, 15) if quick else sizes.integers(20, 31))
        county = generate_county(seed=SEED + i, n_villages=villages, n_stations=stations)
        base = Scenario(name=f"county-{i:02d}", centres=stations // 3, limit=35, isochrones=())
        found = survey(county.villages, county.stations, county.roads, base, county.jurisdictions)
        runs = run_scenarios(base, centres=[stations // 4, stations // 3, stations // 2], limits=[35, 50])
        result.append(CountyRuns(base.name, found, runs))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=40, help="generated counties (default 40)")
    parser.add_argument("--quick", action="store_true", help="small counties (120-200 villages, 10-14 stations)")
    parser.add_argument("--workers", type=int, default=2, help="local cluster's worker processes (default 2)")
    args = parser.parse_args()

    start = time.perf_counter()
    province = counties(args.counties, quick=args.quick)
    surveyed = time.perf_counter() - start
    runs = sum(len(county.runs) for county in province)

    start = time.perf_counter()
    serial = sweep_counties(province, serial=True, keep_plans=False).table
    serial_s = time.perf_counter() - start

    start = time.perf_counter()
    with compute_client(workers=args.workers) as client:  # as `jurisdiction sweep` starts it
        started = time.perf_counter() - start
        start = time.perf_counter()
        on_dask = sweep_counties(province, scheduler=client.scheduler.address, keep_plans=False).table
        dask_s = time.perf_counter() - start

    pd.set_option("display.width", 160)
    print(f"{len(province)} counties, {runs} runs")
    print(pd.DataFrame(province_rows(serial)).to_string(index=False))
    statuses = serial["status"].value_counts().to_dict()
    print(f"\nstatuses: {statuses}")
    print(f"surveys (once, this process): {surveyed:7.1f} s")
    print(f"serial sweep:                 {serial_s:7.1f} s")
    print(f"LocalCluster start ({args.workers} workers): {started:5.1f} s (not in the ratio)")
    print(f"Dask sweep ({args.workers} workers):       {dask_s:7.1f} s")
    print(f"ratio serial / Dask:          {serial_s / dask_s:7.2f}")
    print(f"ratio with the cluster start: {serial_s / (dask_s + started):7.2f}")
    print(f"identical tables:             {outcome(serial).equals(outcome(on_dask))}")


def province_rows(table: pd.DataFrame) -> list[dict]:
    """The province table with the sweep's own seconds per county."""
    from jurisdiction.sweeps.table import province_table

    counties = province_table(table)
    seconds = table.groupby("county", sort=False)["seconds"].sum()
    return [{**row, "solve_s": round(float(seconds[row["county"]]), 2)} for row in counties.to_dict("records")]


if __name__ == "__main__":
    main()
