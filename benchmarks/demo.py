"""Time the whole demo (`jurisdiction demo`) step by step.

Usage: ``python benchmarks/demo.py [--repeat N]``. Prints a table of seconds per pipeline step
and the total; the target is under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jurisdiction.cli import DEMO_SCENARIO
from jurisdiction.inputs.example import EXAMPLE_ATTRIBUTION, load_example
from jurisdiction.outputs.files import export_plan
from jurisdiction.outputs.maps import current_map, plan_map
from jurisdiction.outputs.report import write_report
from jurisdiction.pipeline import plan
from jurisdiction.scenario import read_scenario


def run_once(out: Path) -> dict[str, float]:
    marks: list[tuple[str, float]] = []

    def mark(step: str) -> None:
        marks.append((step, time.perf_counter()))

    mark("loading the example")
    scenario = read_scenario(DEMO_SCENARIO)
    example = load_example("dianjiang")
    result = plan(
        example.villages,
        example.stations,
        example.roads,
        scenario,
        example.jurisdictions,
        attribution=EXAMPLE_ATTRIBUTION,
        progress=mark,
    )
    mark("maps")
    plan_map(result, out / "plan_map.html")
    current_map(result, out / "current_map.html")
    mark("report")
    write_report(result, out / "report.html")
    mark("files")
    export_plan(result, out)
    mark("end")
    steps = {a: t1 - t0 for (a, t0), (_, t1) in zip(marks, marks[1:])}
    steps["total"] = marks[-1][1] - marks[0][1]
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs = [run_once(Path(folder)) for _ in range(args.repeat)]
    print(f"{'step':40s} " + " ".join(f"run {i + 1:>3d}" for i in range(len(runs))))
    for step in runs[0]:
        print(f"{step:40s} " + " ".join(f"{run[step]:7.2f}" for run in runs))
    print(f"\ntarget: total < 60 s on 2 cores; best total {min(r['total'] for r in runs):.1f} s")


if __name__ == "__main__":
    main()
