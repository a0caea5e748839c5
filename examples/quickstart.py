"""Quickstart on the Python API: the Dianjiang example, diagnosed and replanned.

Run from anywhere: ``python examples/quickstart.py [output folder]`` (default ./maps/quickstart).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jurisdiction as jd

out = Path(sys.argv[1] if len(sys.argv) > 1 else "maps/quickstart")

example = jd.load_example("dianjiang")
print(example)

# A scenario built in Python: 2合1 / 3合1 bundling of the 17 smallest rural stations.
toml = jd.read_scenario(jd.example_scenario("dianjiang"))
scenario = jd.Scenario(
    name="quickstart",
    centres=8,
    limit=35,
    contiguity="cuts",
    bundle_sizes=(2, 3),
    bundle_stations=toml.bundle_stations,
    time_limit=60,
    language="en",
)
plan = jd.plan(example.villages, example.stations, example.roads, scenario, example.jurisdictions)

print(plan.diagnosis.summary("en"))
print(plan.metrics)
print(plan.bundles)
print(plan.districts.drop(columns="geometry").to_string())

out.mkdir(parents=True, exist_ok=True)
jd.plan_map(plan, out / "plan_map.html")
jd.write_report(plan, out / "report.html", language="en")
files = jd.export_plan(plan, out)
print("written:", ", ".join(str(p) for p in files.values()))
