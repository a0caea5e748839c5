"""A province's sweep: generated counties x 6 scenarios, serial against a local Dask cluster.

Usage::

    python benchmarks/province.py                      # 40 counties, 300-600 villages, 20-30 stations
    python benchmarks/province.py --counties 8         # a reduced run
    python benchmarks/province.py --quick              # small counties (120-200 villages, 10-14 stations)
    python benchmarks/province.py --workers 4

Each county (seeds fixed) is surveyed once (road graph and travel times, in this process); its
6 runs are p-median plans with centres in {stations/4, stations/3, stations/2} and a travel-time
limit of 35 or 50 minutes, with their centres' 10 and 30-minute isochrones, and no solver time
limit, so that every run is solved to the end and the two executions must agree. The same runs
go once through the serial path and once through a ``LocalCluster`` (``--workers`` processes,
one thread each; its start-up, with one tiny plan on each worker to warm it as the serial
process is warmed, is timed apart). Prints the province table, the seconds of each part and
the CPU seconds they got (on a busy machine a process gets less than a core), the ratio
serial / Dask, and whether the two tables are identical (every column but ``seconds``).
Needs ``pip install jurisdiction[dask]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from jurisdiction import Scenario, generate_county
from jurisdiction.pipeline import survey
from jurisdiction.sweeps import CountyRuns, run_scenarios, sweep_counties
from jurisdiction.sweeps.table import outcome
from jurisdiction.sweeps.tasks import compute_client, cores

#: Seed of the county sizes; county i is generated with seed SEED + i.
SEED = 2026
#: Minutes: the isochrones of each plan's centres (part of every plan a sweep writes; about
#: half of a run's time here, as the p-median solves themselves take a fraction of a second).
ISOCHRONES = (10.0, 30.0)


def counties(count: int, *, quick: bool) -> list[CountyRuns]:
    """The province: ``count`` generated counties, each surveyed, with its 6 runs."""
    sizes = np.random.default_rng(SEED)
    result = []
    for i in range(count):
        villages = int(sizes.integers(120, 201) if quick else sizes.integers(300, 601))
        stations = int(sizes.integers(10, 15) if quick else sizes.integers(20, 31))
        county = generate_county(seed=SEED + i, n_villages=villages, n_stations=stations)
        base = Scenario(name=f"county-{i:02d}", centres=stations // 3, limit=35, isochrones=ISOCHRONES)
        found = survey(county.villages, county.stations, county.roads, base, county.jurisdictions)
        runs = run_scenarios(base, centres=[stations // 4, stations // 3, stations // 2], limits=[35, 50])
        result.append(CountyRuns(base.name, found, runs))
    return result


def warm_up() -> None:
    """One tiny plan: the lazy imports, pyproj's database and HiGHS loaded, as a long-lived process has them.

    Run in this process before the serial sweep and on every worker before the Dask sweep (timed
    with the cluster's start), so that neither pays it inside the timed sweep.
    """
    from jurisdiction.sweeps.tasks import Task, run_task

    county = generate_county(seed=1, n_villages=30, n_stations=4)
    scenario = Scenario(name="warm-up", centres=2, limit=60, isochrones=())
    run_task(survey(county.villages, county.stations, county.roads, scenario, county.jurisdictions),
             Task("warm-up", "k02", scenario), keep_plan=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=40, help="generated counties (default 40)")
    parser.add_argument("--quick", action="store_true", help="small counties (120-200 villages, 10-14 stations)")
    parser.add_argument("--workers", type=int, default=2, help="local cluster's worker processes (default 2)")
    args = parser.parse_args()

    load = os.getloadavg()
    start = time.perf_counter()
    province = counties(args.counties, quick=args.quick)
    surveyed = time.perf_counter() - start
    runs = sum(len(county.runs) for county in province)

    warm_up()
    start, cpu = time.perf_counter(), time.process_time()
    serial = sweep_counties(province, serial=True, keep_plans=False).table
    serial_s, serial_cpu = time.perf_counter() - start, time.process_time() - cpu

    start = time.perf_counter()
    with compute_client(workers=args.workers) as client:  # as `jurisdiction sweep` starts it
        client.run(warm_up)
        started = time.perf_counter() - start
        cpu = client.run(time.process_time)
        start = time.perf_counter()
        on_dask = sweep_counties(province, scheduler=client.scheduler.address, keep_plans=False).table
        dask_s = time.perf_counter() - start
        dask_cpu = sum(client.run(time.process_time).values()) - sum(cpu.values())

    pd.set_option("display.width", 160)
    print(f"{len(province)} counties, {runs} runs")
    print(pd.DataFrame(province_rows(serial)).to_string(index=False))
    statuses = serial["status"].value_counts().to_dict()
    print(f"\nstatuses: {statuses}")
    print(f"load average at the start:    {load[0]:7.1f} ({cores()} cores)")
    print(f"surveys (once, this process): {surveyed:7.1f} s")
    print(f"serial sweep:                 {serial_s:7.1f} s   CPU {serial_cpu:6.1f} s "
          f"({serial_cpu / serial_s:.2f} cores)")
    print(f"LocalCluster start ({args.workers} workers): {started:5.1f} s (not in the ratio)")
    print(f"Dask sweep ({args.workers} workers):       {dask_s:7.1f} s   CPU {dask_cpu:6.1f} s in the workers "
          f"({dask_cpu / dask_s:.2f} cores)")
    print(f"ratio serial / Dask:          {serial_s / dask_s:7.2f}")
    print(f"ratio with the cluster start: {serial_s / (dask_s + started):7.2f}")
    # Not a measurement: what the ratio would be if each process had a core of its own.
    print(f"estimate on {args.workers} free cores:      {serial_cpu / (dask_cpu / args.workers):7.2f} "
          "(serial CPU s / (workers' CPU s / workers))")
    print(f"identical tables:             {outcome(serial).equals(outcome(on_dask))}")


def province_rows(table: pd.DataFrame) -> list[dict]:
    """The province table with the sweep's own seconds per county."""
    from jurisdiction.sweeps.table import province_table

    counties = province_table(table)
    seconds = table.groupby("county", sort=False)["seconds"].sum()
    return [{**row, "solve_s": round(float(seconds[row["county"]]), 2)} for row in counties.to_dict("records")]


if __name__ == "__main__":
    main()
