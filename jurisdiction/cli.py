"""The ``jurisdiction`` command line.

Commands
--------
``jurisdiction demo``
    The Dianjiang example: diagnose, then the 2023 reform (17 small rural stations bundled
    2合1 / 3合1 into 8 centres within a travel-time limit, contiguous); writes the maps, the
    report and the files under ``maps/dianjiang/``.
``jurisdiction plan SCENARIO.toml``
    Run a scenario file (its ``[data]`` section says where the layers are).
``jurisdiction diagnose [SCENARIO.toml]``
    Diagnose the current map (default: the Dianjiang example).
``jurisdiction isochrones [SCENARIO.toml] --minutes 5,10,15,30``
    Isochrone bands of every station, written to a GeoPackage.

Exit codes
----------
0 success; 2 bad command line; 3 bad input data or scenario (the message names the file, row
or key); 4 infeasible scenario (the reasons are printed); 5 the solver found no solution in its
time limit; 1 any other error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4, 5

ROOT = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = ROOT / "examples" / "dianjiang.toml"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jurisdiction`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    progress = _Progress(quiet=args.quiet or args.json)
    from jurisdiction.errors import InfeasibleError, InputError, JurisdictionError, NoSolutionError, ScenarioError

    try:
        result = args.run(args, progress)
    except (InputError, ScenarioError) as error:
        return _fail(args, EXIT_INPUT, str(error))
    except InfeasibleError as error:
        return _fail(args, EXIT_INFEASIBLE, str(error))
    except NoSolutionError as error:
        return _fail(args, EXIT_NO_SOLUTION, str(error))
    except JurisdictionError as error:
        return _fail(args, EXIT_ERROR, str(error))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=_jsonable))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jurisdiction",
        description="Redraw police-station jurisdictions: whole villages, travel-time limits, balanced, contiguous.",
        epilog="Exit codes: 0 ok, 2 bad command line, 3 bad input or scenario, 4 infeasible, 5 no solution in the time limit, 1 other error.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="print nothing but errors")
    common.add_argument("--json", action="store_true", help="print the result as JSON on stdout (implies --quiet)")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", parents=[common], help="the Dianjiang example, end to end")
    demo.add_argument("--out", type=Path, default=None, help="output folder (default maps/dianjiang)")
    demo.add_argument("--tiles", choices=("openstreetmap", "none", "amap"), default=None, help="base map")
    demo.set_defaults(run=_run_demo)

    plan = commands.add_parser("plan", parents=[common], help="run a scenario TOML file")
    plan.add_argument("scenario", type=Path, help="scenario TOML file")
    plan.add_argument("--out", type=Path, default=None, help="output folder (default: the scenario's, else maps/<name>)")
    plan.add_argument("--tiles", choices=("openstreetmap", "none", "amap"), default=None, help="base map")
    plan.set_defaults(run=_run_plan)

    diagnose = commands.add_parser("diagnose", parents=[common], help="diagnose the current map")
    diagnose.add_argument("scenario", type=Path, nargs="?", default=DEMO_SCENARIO, help="scenario TOML naming the data (default: the Dianjiang example)")
    diagnose.add_argument("--out", type=Path, default=None, help="folder for the diagnosis tables (CSV)")
    diagnose.set_defaults(run=_run_diagnose)

    bands = commands.add_parser("isochrones", parents=[common], help="isochrone bands of every station")
    bands.add_argument("scenario", type=Path, nargs="?", default=DEMO_SCENARIO, help="scenario TOML naming the data (default: the Dianjiang example)")
    bands.add_argument("--minutes", default=None, help="thresholds in minutes, comma-separated (default: the scenario's)")
    bands.add_argument("--out", type=Path, default=None, help="GeoPackage to write (default maps/<name>/isochrones.gpkg)")
    bands.set_defaults(run=_run_isochrones)
    return parser


class _Progress:
    """Step messages on stderr with the time each step took."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = time.perf_counter()
        self.step: tuple[str, float] | None = None

    def __call__(self, message: str) -> None:
        now = time.perf_counter()
        self._close(now)
        self.step = (message, now)
        if not self.quiet:
            print(f"[{now - self.start:5.1f} s] {message} ...", file=sys.stderr, flush=True)

    def done(self) -> None:
        self._close(time.perf_counter())
        self.step = None

    def _close(self, now: float) -> None:
        if self.step and not self.quiet and now - self.step[1] > 1.0:
            print(f"         {self.step[0]}: {now - self.step[1]:.1f} s", file=sys.stderr, flush=True)


def _load(scenario: Any) -> tuple[dict[str, Any], str]:
    """The layers a scenario's [data] section names, and their attribution.

    Roads given as an OSM XML/PBF or GraphML file come back as a road graph, line layers as
    a validated GeoDataFrame.
    """
    from jurisdiction import load
    from jurisdiction.example import load_example
    from jurisdiction.plan import EXAMPLE_ATTRIBUTION

    if scenario.example:
        example = load_example(scenario.example)
        layers = {k: getattr(example, k) for k in ("villages", "stations", "jurisdictions", "roads")}
        return layers, EXAMPLE_ATTRIBUTION
    missing = [k for k in ("villages", "stations", "roads") if not getattr(scenario, k)]
    if missing:
        from jurisdiction.errors import ScenarioError

        raise ScenarioError(f"data: the scenario names no {', '.join(missing)} (set data.example or data.<layer> paths)")
    from jurisdiction.roads import NETWORK_SUFFIXES, road_graph

    stations = load.read_stations(scenario.stations, datum=scenario.datum)
    network_file = Path(scenario.roads).suffix.lower() in NETWORK_SUFFIXES  # OSM XML/PBF, GraphML
    layers = {
        "stations": stations,
        "villages": load.read_villages(scenario.villages, datum=scenario.datum, stations=stations),
        "roads": (
            road_graph(scenario.roads, speeds=scenario.speeds or None)
            if network_file
            else load.read_roads(scenario.roads, datum=scenario.datum)
        ),
        "jurisdictions": (
            load.read_jurisdictions(scenario.jurisdictions, datum=scenario.datum, stations=stations)
            if scenario.jurisdictions
            else None
        ),
    }
    return layers, ""


def _run_demo(args: argparse.Namespace, progress: _Progress) -> dict[str, Any]:
    args.scenario = DEMO_SCENARIO
    return _run_plan(args, progress)


def _run_plan(args: argparse.Namespace, progress: _Progress) -> dict[str, Any]:
    from jurisdiction.export import export_plan
    from jurisdiction.maps import current_map, plan_map
    from jurisdiction.plan import plan
    from jurisdiction.report import write_report
    from jurisdiction.scenario import read_scenario

    scenario = read_scenario(args.scenario)
    if args.tiles:
        scenario = scenario.with_(tiles=args.tiles)
    folder = args.out or Path(scenario.folder or ROOT / "maps" / scenario.name)
    progress("loading the layers")
    layers, attribution = _load(scenario)
    result = plan(
        layers["villages"],
        layers["stations"],
        layers["roads"],
        scenario,
        layers["jurisdictions"],
        attribution=attribution,
        progress=progress,
    )
    if not args.quiet and not args.json:
        print(result.diagnosis.summary(scenario.language), file=sys.stderr)
    progress("writing maps, report and files")
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "plan_map": plan_map(result, folder / "plan_map.html", tiles=scenario.tiles, language=scenario.language),
        "current_map": current_map(result, folder / "current_map.html", tiles=scenario.tiles, language=scenario.language),
        "report": write_report(result, folder / "report.html", language=scenario.language),
        **export_plan(result, folder),
    }
    progress.done()
    if not args.quiet and not args.json:
        print(result.metrics.to_string(float_format=lambda v: f"{v:,.2f}"))
        print(f"\n{result!r}")
        print("\nWritten:")
        for name, path in files.items():
            print(f"  {name:12s} {path}")
    return {
        "scenario": scenario.name,
        "files": {k: str(v) for k, v in files.items()},
        "solver": result.solver,
        "metrics": result.metrics.to_dict(orient="index"),
        "bundles": result.bundles.to_dict(orient="records"),
    }


def _run_diagnose(args: argparse.Namespace, progress: _Progress) -> dict[str, Any]:
    import networkx as nx

    from jurisdiction.diagnose import diagnose
    from jurisdiction.roads import graph_lines, road_graph
    from jurisdiction.scenario import read_scenario
    from jurisdiction.travel import travel_time_matrix

    scenario = read_scenario(args.scenario)
    progress("loading the layers")
    layers, _ = _load(scenario)
    progress("building the road graph")
    graph = road_graph(layers["roads"], speeds=scenario.speeds or None)
    progress("computing travel times")
    times = travel_time_matrix(graph, layers["villages"], layers["stations"], access_speed_kph=scenario.access_speed)
    progress("diagnosing")
    result = diagnose(
        layers["villages"],
        layers["stations"],
        layers["jurisdictions"],
        times,
        roads=graph_lines(graph) if isinstance(layers["roads"], nx.Graph) else layers["roads"],
        limit=scenario.limit or 30.0,
    )
    progress.done()
    tables = _diagnosis_tables(result)
    if args.out:
        from jurisdiction.export import atomic_write_text

        args.out.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            atomic_write_text(args.out / f"{name}.csv", table.to_csv(index=False), encoding="utf-8-sig")
    if not args.quiet and not args.json:
        print(result.summary(scenario.language))
    return {"summary": result.summary(scenario.language), **{k: v.to_dict(orient="records") for k, v in tables.items()}}


def _diagnosis_tables(result: Any) -> dict[str, Any]:
    tables = {
        "functional_splits": result.functional_splits,
        "reach": result.reach,
        "workload": result.workload,
        "coverage": result.coverage,
    }
    if result.geometric_splits is not None:
        tables["geometric_splits"] = result.geometric_splits.drop(columns="geometry")
    return {name: table.reset_index() if table.index.name else table for name, table in tables.items() if table is not None}


def _run_isochrones(args: argparse.Namespace, progress: _Progress) -> dict[str, Any]:
    from jurisdiction.export import atomic_write
    from jurisdiction.isochrones import isochrones
    from jurisdiction.roads import road_graph
    from jurisdiction.scenario import read_scenario

    scenario = read_scenario(args.scenario)
    minutes = scenario.isochrones
    if args.minutes:
        try:
            minutes = tuple(float(m) for m in args.minutes.split(","))
        except ValueError:
            from jurisdiction.errors import ScenarioError

            raise ScenarioError(f"--minutes: expected numbers separated by commas, got {args.minutes!r}") from None
    progress("loading the layers")
    layers, _ = _load(scenario)
    progress("building the road graph")
    graph = road_graph(layers["roads"], speeds=scenario.speeds or None)
    progress(f"isochrones at {', '.join(f'{m:g}' for m in minutes)} min")
    bands = isochrones(graph, layers["stations"], minutes=minutes, access_speed_kph=scenario.access_speed).to_crs("EPSG:4326")
    out = args.out or ROOT / "maps" / scenario.name / "isochrones.gpkg"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: bands.to_file(tmp, layer="isochrones", driver="GPKG"), suffix=".gpkg")
    progress.done()
    if not args.quiet and not args.json:
        print(f"{len(bands)} isochrone bands written to {out}")
    return {"file": str(out), "bands": len(bands)}


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    if args.json:
        print(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    print(f"jurisdiction: {message}", file=sys.stderr)
    return code


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
