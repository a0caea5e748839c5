"""The commands: each takes the parsed command line and a progress callback and returns its result.

A command's result is a dict of plain data; :func:`jurisdiction.cli.main` prints it as JSON with
``--json``. Errors are raised (see :mod:`jurisdiction.errors`) and become exit codes there.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Any

from jurisdiction.cli.output import Progress, printable

#: The demo's scenario, shipped inside the package.
DEMO_SCENARIO = Path(__file__).resolve().parents[1] / "inputs" / "examples" / "dianjiang" / "dianjiang.toml"
#: Outputs go under the current directory unless the scenario or --out says otherwise.
OUTPUTS = Path("maps")


def load_layers(scenario: Any) -> tuple[dict[str, Any], str]:
    """The layers a scenario's [data] section names, and their attribution.

    Roads given as an OSM XML/PBF or GraphML file come back as a road graph, line layers as
    a validated GeoDataFrame.
    """
    from jurisdiction.inputs import readers as load
    from jurisdiction.inputs.example import load_example

    if scenario.example:
        example = load_example(scenario.example)
        layers = {k: getattr(example, k) for k in ("villages", "stations", "jurisdictions", "roads")}
        return layers, example.attribution
    missing = [k for k in ("villages", "stations", "roads") if not getattr(scenario, k)]
    if missing:
        from jurisdiction.errors import ScenarioError

        raise ScenarioError(
            f"data: the scenario names no {', '.join(missing)} (set data.example or data.<layer> paths)")
    from jurisdiction.inputs.sources import reader_options
    from jurisdiction.network.graph import NETWORK_SUFFIXES, road_graph

    # each layer's [data.<layer>] table (layer, crs, datum, encoding, columns), else [data] datum
    options = {k: reader_options(scenario, k) for k in ("villages", "stations", "jurisdictions", "roads")}
    stations = load.read_stations(scenario.stations, **options["stations"])
    network_file = Path(scenario.roads).suffix.lower() in NETWORK_SUFFIXES  # OSM XML/PBF, GraphML
    if network_file and scenario.layer_options.get("roads"):
        from jurisdiction.errors import ScenarioError

        raise ScenarioError(f"data.roads: {', '.join(scenario.layer_options['roads'])} do not apply to a road "
                            f"network file ({Path(scenario.roads).name}): it is read as OSM or GraphML")
    layers = {
        "stations": stations,
        "villages": load.read_villages(scenario.villages, stations=stations, **options["villages"]),
        "roads": (
            road_graph(scenario.roads, speeds=scenario.speeds or None)
            if network_file
            else load.read_roads(scenario.roads, **options["roads"])
        ),
        "jurisdictions": (
            load.read_jurisdictions(scenario.jurisdictions, stations=stations, **options["jurisdictions"])
            if scenario.jurisdictions
            else None
        ),
    }
    for key in ("villages", "stations", "jurisdictions"):  # errors about a layer's rows name its file
        if layers[key] is not None:
            layers[key].attrs.setdefault("source", str(getattr(scenario, key)))
    return layers, ""


def scenario_of(args: argparse.Namespace) -> Any:
    """The scenario file of the command line, with ``--max-snap-m`` (metres) applied."""
    from jurisdiction.scenario.document import read_scenario

    scenario = read_scenario(args.scenario)
    if getattr(args, "max_snap_m", None) is not None:
        scenario = scenario.with_(max_snap_m=args.max_snap_m)
    return scenario


def run_demo(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    args.scenario = DEMO_SCENARIO
    return run_plan(args, progress)


def run_plan(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from jurisdiction.outputs.staging import output_set

    scenario = scenario_of(args)
    if args.tiles:
        scenario = scenario.with_(tiles=args.tiles)
    if args.solver_log:
        scenario = scenario.with_(log=True)
    if getattr(args, "pins", None) is not None:
        scenario = scenario.with_(pins=str(args.pins.resolve()))
    final = output_folder(args, scenario)
    # checked, locked before the solve; everything is written into the staging folder, verified
    # there, and only then swapped in for the previous set (see outputs/staging.py)
    with output_set(final) as folder:
        from jurisdiction.pipeline import plan  # after the check: a busy or read-only folder fails at once

        progress("loading the layers")
        layers, attribution = load_layers(scenario)
        result = plan(
            layers["villages"],
            layers["stations"],
            layers["roads"],
            scenario,
            layers["jurisdictions"],
            attribution=attribution,
            progress=progress,
            search_progress=progress.search,
        )
        if not args.quiet and not args.json:
            print(printable(result.diagnosis.summary(scenario.language)), file=sys.stderr)
        progress("writing maps, report and files")
        written = write_plan(result, folder)
        progress("verifying the written plan")
        verdict = _verify(folder, shown=final)
        files = {name: final / Path(path).relative_to(folder) for name, path in written.items()}
    progress.done()
    if not args.quiet and not args.json:
        from jurisdiction.outputs.headline import console_lines
        from jurisdiction.outputs.labels import village_word

        zh = scenario.language == "zh"
        print(printable("\n".join(console_lines(result, scenario.language,
                                                 village_word(result.villages, scenario.language)))))
        print("\n已写入：" if zh else "\nWritten:")
        for name, path in files.items():
            print(printable(f"  {name:12s} {path}"))
        print(printable(f"\n{_verdict_line(verdict, zh)}"))
    return {
        "scenario": scenario.name,
        "files": {k: str(v) for k, v in files.items()},
        "solver": result.solver,
        "metrics": result.metrics.to_dict(orient="index"),
        "bundles": result.bundles.to_dict(orient="records"),
        "verification": verdict.to_dict(),
    }


def output_folder(args: argparse.Namespace, scenario: Any) -> Path:
    """The plan's output folder: ``--out``, else the scenario's ``[outputs] folder``, else ./maps/<name>.

    The folder is replaced as a whole by the new set, so a scenario file may name only a folder
    inside its own folder; anywhere else needs ``--out`` on the command line (ScenarioError). The
    check is here and not in :mod:`jurisdiction.scenario.document`: Python callers choose their
    own paths.
    """
    if args.out:
        return args.out
    if not scenario.folder:
        return OUTPUTS / scenario.name
    folder, home = Path(scenario.folder), Path(args.scenario).resolve().parent
    if folder == home or not folder.is_relative_to(home):
        from jurisdiction.errors import ScenarioError

        raise ScenarioError(f"{args.scenario}: [outputs] folder = {folder} is not inside the scenario's folder "
                            f"{home}; to write there, pass --out {folder}")
    return folder


def write_plan(result: Any, folder: Path) -> dict[str, Path]:
    """A plan's maps, report and files in ``folder`` (base map and language of its scenario); name -> path.

    ``jurisdiction plan`` writes into its staging folder (see :mod:`jurisdiction.outputs.staging`),
    ``jurisdiction sweep`` into each run's folder.
    """
    from jurisdiction.outputs.files import export_plan
    from jurisdiction.outputs.maps import current_map, plan_map
    from jurisdiction.outputs.report import write_report

    scenario = result.scenario
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "plan_map": plan_map(result, folder / "plan_map.html", tiles=scenario.tiles, language=scenario.language),
        "current_map": current_map(result, folder / "current_map.html", tiles=scenario.tiles,
                                   language=scenario.language),
        "report": write_report(result, folder / "report.html", language=scenario.language),
        **export_plan(result, folder),
    }


def _verdict_line(verdict: Any, zh: bool) -> str:
    """The verification verdict in one line, in Chinese or English."""
    if not zh:
        return verdict.summary()
    checked = [c for c in verdict.checks if c.checked]
    unchecked = "、".join(c.name for c in verdict.checks if not c.checked)
    line = (f"核验通过：{len(checked)} 项检查全部成立" if verdict.ok
            else f"核验未通过：{len(verdict.failed)} 项不成立（{'、'.join(verdict.failed)}）")
    return line + (f"；未检查：{unchecked}" if unchecked else "") + f"（{verdict.folder}）"


def _verify(folder: Path, *, shown: Path) -> Any:
    """The verdict of :func:`jurisdiction.verify_plan` on ``folder``, naming ``shown`` (the final folder).

    Raises VerificationError if a check fails.
    """
    from jurisdiction.errors import VerificationError
    from jurisdiction.verification.folder import verify_plan

    verdict = dataclasses.replace(verify_plan(folder), folder=str(shown))
    if not verdict.ok:
        raise VerificationError(verdict)
    return verdict


def run_verify(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from jurisdiction.errors import VerificationError
    from jurisdiction.verification.folder import verify_plan

    progress(f"verifying {args.folder}")
    verdict = verify_plan(args.folder)
    progress.done()
    if not args.quiet and not args.json:
        print(printable("\n".join(verdict.lines())))
    if not verdict.ok:
        raise VerificationError(verdict)
    return {"verification": verdict.to_dict()}


def run_diagnose(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from jurisdiction.outputs.staging import output_set
    from jurisdiction.pipeline import survey

    scenario = scenario_of(args)
    with output_set(args.out) if args.out else contextlib.nullcontext() as folder:  # checked before the work
        progress("loading the layers")
        layers, _ = load_layers(scenario)
        result = survey(layers["villages"], layers["stations"], layers["roads"], scenario, layers["jurisdictions"],
                        progress=progress).diagnosis
        progress.done()
        tables = _diagnosis_tables(result)
        if folder:
            from jurisdiction.outputs.files import CSV_ENCODING, atomic_write_text, csv_safe

            for name, table in tables.items():
                atomic_write_text(folder / f"{name}.csv", csv_safe(table).to_csv(index=False), encoding=CSV_ENCODING)
    if not args.quiet and not args.json:
        print(printable(result.summary(scenario.language)))
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
    return {name: table.reset_index() if table.index.name else table
            for name, table in tables.items() if table is not None}


def run_isochrones(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    from jurisdiction.network.bands import isochrones
    from jurisdiction.network.graph import road_graph
    from jurisdiction.outputs.files import atomic_write
    from jurisdiction.outputs.staging import check_folder

    scenario = scenario_of(args)
    minutes = scenario.isochrones
    if args.minutes:
        try:
            minutes = tuple(float(m) for m in args.minutes.split(","))
        except ValueError:
            from jurisdiction.errors import ScenarioError

            raise ScenarioError(f"--minutes: expected numbers separated by commas, got {args.minutes!r}") from None
    out = args.out or OUTPUTS / scenario.name / "isochrones.gpkg"
    if out.is_dir():
        from jurisdiction.errors import OutputError

        raise OutputError(f"{out}: is a folder; --out names the GeoPackage file to write")
    check_folder(out.parent)  # before the work; the file itself is written atomically
    progress("loading the layers")
    layers, _ = load_layers(scenario)
    progress("building the road graph")
    graph = road_graph(layers["roads"], speeds=scenario.speeds or None)
    progress(f"isochrones at {', '.join(f'{m:g}' for m in minutes)} min")
    bands = isochrones(graph, layers["stations"], minutes=minutes, access_speed_kph=scenario.access_speed,
                       max_snap_m=scenario.max_snap_m)
    bands = bands.to_crs("EPSG:4326")
    atomic_write(out, lambda tmp: bands.to_file(tmp, layer="isochrones", driver="GPKG"), suffix=".gpkg")
    progress.done()
    if not args.quiet and not args.json:
        print(printable(f"{len(bands)} isochrone bands written to {out}"))
    return {"file": str(out), "bands": len(bands)}
