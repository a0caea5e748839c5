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
``jurisdiction verify FOLDER``
    Re-check a written plan from its files alone (:func:`jurisdiction.verify_plan`): one line
    per check, then the verdict. ``plan`` and ``demo`` run it on the folder they wrote.

Exit codes
----------
0 success; 2 bad command line; 3 bad input data or scenario (the message names the file, row
or key); 4 infeasible scenario (the reasons are printed); 5 the solver found no solution in its
time limit; 6 a written plan fails verification (the failed checks are printed);
130 interrupted (Ctrl-C); 143 terminated (SIGTERM); 1 any other error.

Output
------
``--json`` prints exactly one strict JSON document on stdout for every command, on success and
on every failure, usage errors included: ``ok``, ``exit_code``, then the command's result or
``error``, and ``warnings`` (Python warnings and log records, which are not printed). Nothing
else reaches stdout meanwhile (text written there, by C libraries too, goes to stderr).
``--quiet`` prints nothing on success; errors go to stderr. The solver's own log is shown only
with ``--solver-log`` (or ``[solver] log = true``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4, 5
EXIT_VERIFY = 6  # a written plan fails jurisdiction verify
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM

#: The demo's scenario, shipped inside the package.
DEMO_SCENARIO = Path(__file__).resolve().parent / "inputs" / "examples" / "dianjiang" / "dianjiang.toml"
#: Outputs go under the current directory unless the scenario or --out says otherwise.
OUTPUTS = Path("maps")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jurisdiction`` console script; returns the exit code.

    SIGTERM unwinds the command (``finally`` blocks and temporary-file clean-ups run) and exits
    143; Ctrl-C exits 130. An unexpected exception exits 1 with its message; its traceback goes
    to stderr, except with ``--json``.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    if isinstance(args, int):
        return args
    progress = _Progress(quiet=args.quiet or args.json)
    from jurisdiction.errors import (
        InfeasibleError,
        InputError,
        JurisdictionError,
        NoSolutionError,
        ScenarioError,
        VerificationError,
    )

    try:
        with _sigterm_exits(), _guard_output(args):
            result = args.run(args, progress)
    except (InputError, ScenarioError) as error:
        return _fail(args, EXIT_INPUT, str(error))
    except InfeasibleError as error:
        return _fail(args, EXIT_INFEASIBLE, str(error))
    except NoSolutionError as error:
        return _fail(args, EXIT_NO_SOLUTION, str(error))
    except VerificationError as error:
        return _fail(args, EXIT_VERIFY, str(error))
    except JurisdictionError as error:
        return _fail(args, EXIT_ERROR, str(error))
    except KeyboardInterrupt:
        return _fail(args, EXIT_INTERRUPTED, "interrupted")
    except _Terminated:
        return _fail(args, EXIT_TERMINATED, "terminated (SIGTERM)")
    except Exception as error:  # a bug: one line to the user, the traceback for the report
        if not args.json:
            traceback.print_exc()
        return _fail(args, EXIT_ERROR, f"unexpected error: {type(error).__name__}: {error}")
    if args.json:
        document = {"ok": True, "exit_code": EXIT_OK, "command": args.command, **result}
        _emit({**document, "warnings": args.warnings})
    return EXIT_OK


def _parse(argv: list[str]) -> argparse.Namespace | int:
    """The parsed command line, or, with ``--json``, the exit code of a usage error or ``--help``.

    argparse prints a usage error to stderr (help to stdout) and raises SystemExit; with
    ``--json`` that text is caught and the JSON document is printed instead.
    """
    if not _wants_json(argv):
        return _parser().parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return _parser().parse_args(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else EXIT_OK if stop.code is None else EXIT_ERROR
    if code == EXIT_OK:
        _emit({"ok": True, "exit_code": code, "help": out.getvalue(), "warnings": []})
    else:
        lines = err.getvalue().strip().splitlines()  # usage, then "prog: error: what"
        error = lines[-1] if lines else "bad command line"
        _emit({"ok": False, "exit_code": code, "error": error, "warnings": []})
    return code


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for ``--json`` (or an abbreviation argparse accepts)."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return any(len(arg) >= 3 and "--json".startswith(arg) for arg in options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jurisdiction",
        description="Redraw police-station jurisdictions: whole villages, travel-time limits, balanced, contiguous.",
        epilog="Exit codes: 0 ok, 2 bad command line, 3 bad input or scenario, 4 infeasible, 5 no solution "
        "in the time limit, 6 plan fails verification, 130 interrupted, 143 terminated, 1 other error.",
    )
    from jurisdiction import __version__

    parser.add_argument("--version", action="version", version=f"jurisdiction {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="print nothing on success (errors go to stderr)")
    common.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document on stdout, on success or failure (implies --quiet)",
    )
    common.add_argument(
        "--solver-log", action="store_true", help="show the solver's own log (as [solver] log = true does)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", parents=[common], help="the Dianjiang example, end to end")
    demo.add_argument("--out", type=Path, default=None, help="output folder (default ./maps/dianjiang)")
    demo.add_argument("--tiles", choices=("openstreetmap", "none", "amap"), default=None, help="base map")
    demo.set_defaults(run=_run_demo)

    plan = commands.add_parser("plan", parents=[common], help="run a scenario TOML file")
    plan.add_argument("scenario", type=Path, help="scenario TOML file")
    plan.add_argument("--out", type=Path, default=None, help="output folder (default: the scenario's, else ./maps/<name>)")
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

    verify = commands.add_parser("verify", parents=[common], help="re-check a written plan from its files")
    verify.add_argument("folder", type=Path, help="plan folder (plan.gpkg, metrics.json)")
    verify.set_defaults(run=_run_verify)
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
    from jurisdiction.inputs import readers as load
    from jurisdiction.inputs.example import load_example
    from jurisdiction.pipeline import EXAMPLE_ATTRIBUTION

    if scenario.example:
        example = load_example(scenario.example)
        layers = {k: getattr(example, k) for k in ("villages", "stations", "jurisdictions", "roads")}
        return layers, EXAMPLE_ATTRIBUTION
    missing = [k for k in ("villages", "stations", "roads") if not getattr(scenario, k)]
    if missing:
        from jurisdiction.errors import ScenarioError

        raise ScenarioError(f"data: the scenario names no {', '.join(missing)} (set data.example or data.<layer> paths)")
    from jurisdiction.network.graph import NETWORK_SUFFIXES, road_graph

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
    from jurisdiction.outputs.files import export_plan
    from jurisdiction.outputs.maps import current_map, plan_map
    from jurisdiction.outputs.report import write_report
    from jurisdiction.pipeline import plan
    from jurisdiction.scenario import read_scenario

    scenario = read_scenario(args.scenario)
    if args.tiles:
        scenario = scenario.with_(tiles=args.tiles)
    if args.solver_log:
        scenario = scenario.with_(log=True)
    folder = args.out or Path(scenario.folder or OUTPUTS / scenario.name)
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
    progress("verifying the written plan")
    verdict = _verify(folder)
    progress.done()
    if not args.quiet and not args.json:
        print(result.metrics.to_string(float_format=lambda v: f"{v:,.2f}"))
        print(f"\n{result!r}")
        print("\nWritten:")
        for name, path in files.items():
            print(f"  {name:12s} {path}")
        print(f"\n{verdict.summary()}")
    return {
        "scenario": scenario.name,
        "files": {k: str(v) for k, v in files.items()},
        "solver": result.solver,
        "metrics": result.metrics.to_dict(orient="index"),
        "bundles": result.bundles.to_dict(orient="records"),
        "verification": verdict.to_dict(),
    }


def _verify(folder: Path) -> Any:
    """The verdict of :func:`jurisdiction.verify_plan` on ``folder``; VerificationError if a check fails."""
    from jurisdiction.errors import VerificationError
    from jurisdiction.verification.folder import verify_plan

    verdict = verify_plan(folder)
    if not verdict.ok:
        raise VerificationError(verdict)
    return verdict


def _run_verify(args: argparse.Namespace, progress: _Progress) -> dict[str, Any]:
    from jurisdiction.errors import VerificationError
    from jurisdiction.verification.folder import verify_plan

    progress(f"verifying {args.folder}")
    verdict = verify_plan(args.folder)
    progress.done()
    if not args.quiet and not args.json:
        print("\n".join(verdict.lines()))
    if not verdict.ok:
        raise VerificationError(verdict)
    return {"verification": verdict.to_dict()}


def _run_diagnose(args: argparse.Namespace, progress: _Progress) -> dict[str, Any]:
    import networkx as nx

    from jurisdiction.diagnosis.findings import diagnose
    from jurisdiction.network.graph import graph_lines, road_graph
    from jurisdiction.network.travel import travel_time_matrix
    from jurisdiction.scenario import read_scenario

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
        from jurisdiction.outputs.files import atomic_write_text

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
    from jurisdiction.network.bands import isochrones
    from jurisdiction.network.graph import road_graph
    from jurisdiction.outputs.files import atomic_write
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
    out = args.out or OUTPUTS / scenario.name / "isochrones.gpkg"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: bands.to_file(tmp, layer="isochrones", driver="GPKG"), suffix=".gpkg")
    progress.done()
    if not args.quiet and not args.json:
        print(f"{len(bands)} isochrone bands written to {out}")
    return {"file": str(out), "bands": len(bands)}


class _Terminated(SystemExit):
    """Raised by the SIGTERM handler: unwinds the stack like Ctrl-C, then exits 143."""


def _terminate(signum: int, frame: Any) -> None:
    raise _Terminated(EXIT_TERMINATED)


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """Make SIGTERM raise :class:`_Terminated` while the command runs; restore the old handler."""
    if threading.current_thread() is not threading.main_thread():  # signal.signal would refuse
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


@contextlib.contextmanager
def _guard_output(args: argparse.Namespace) -> Iterator[None]:
    """Keep the terminal clean with ``--json`` and ``--quiet`` while a command runs.

    Python warnings and log records (WARNING and above) are collected in ``args.warnings``
    instead of being printed: the JSON document carries them, ``--quiet`` drops them. With
    ``--json``, anything written to stdout meanwhile goes to stderr (see :func:`_stdout_to_stderr`).
    Without either flag, nothing changes.
    """
    args.warnings = []
    if not (args.json or args.quiet):
        yield
        return
    with (
        warnings.catch_warnings(),
        _log_records(args.warnings),
        _stdout_to_stderr() if args.json else contextlib.nullcontext(),
    ):
        warnings.showwarning = lambda text, kind, *_: _note(args.warnings, f"{kind.__name__}: {text}")
        yield


def _note(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)


class _Collect(logging.Handler):
    """A logging handler that notes each record's message in a list."""

    def __init__(self, notes: list[str]):
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a library's log call
            message = str(record.msg)
        _note(self.notes, f"{record.levelname} ({record.name}): {message}")


@contextlib.contextmanager
def _log_records(notes: list[str]) -> Iterator[None]:
    """Note log records in ``notes`` instead of printing them (root handler and last resort)."""
    handler, root = _Collect(notes), logging.getLogger()
    root.addHandler(handler)
    last_resort, logging.lastResort = logging.lastResort, handler
    try:
        yield
    finally:
        root.removeHandler(handler)
        logging.lastResort = last_resort


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send stdout to stderr, at the file-descriptor level too (C libraries, child processes).

    A solver's banner or the log asked for with ``--solver-log`` then cannot corrupt the JSON
    document, which is printed after this context has restored stdout.
    """
    sys.stdout.flush()
    try:
        saved: int | None = os.dup(1)
    except OSError:  # no file descriptor 1 (e.g. a GUI launcher): Python-level only
        saved = None
    try:
        if saved is not None:
            os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _flush_c_stdio() -> None:
    """Flush the C library's stdio buffers, which may hold text a C extension printed."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to load (Windows)
        pass


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    """Report a failure, as the JSON document with ``--json``, else on stderr; returns ``code``."""
    if args.json:
        document = {"ok": False, "exit_code": code, "command": args.command, "error": message}
        _emit({**document, "warnings": args.warnings})
    else:
        print(f"jurisdiction: {_printable(message)}", file=sys.stderr)
    return code


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls but tab and newline


def _printable(text: str) -> str:
    """``text`` without control characters (data-derived names could move the cursor or recolour)."""
    return _CONTROL.sub("", text)


def _emit(document: dict[str, Any]) -> None:
    """Print ``document`` on stdout as strict JSON (NaN and infinities become null).

    UTF-8 as is; \\u escapes where stdout cannot encode it (a C or cp1252 locale).
    """
    data = _jsonable(document)
    try:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    except UnicodeEncodeError:  # the stream encodes the whole text first: nothing was written
        sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON data.

    numpy and pandas values are unwrapped; NaN, infinities and missing values become ``None``;
    dates become ISO strings, anything else its ``str``.
    """
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(_jsonable(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas.NA, pandas.NaT
        return None
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _jsonable(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
