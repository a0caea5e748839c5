"""The ``jurisdiction`` command line.

Commands
--------
``jurisdiction demo``
    The Dianjiang example: diagnose, then the 2023 reform (17 small rural stations bundled
    2合1 / 3合1 into 8 centres within a travel-time limit, contiguous); writes the maps, the
    report and the files under ``maps/dianjiang/``.
``jurisdiction plan SCENARIO.toml [--pins PINS.csv]``
    Run a scenario file (its ``[data]`` section says where the layers are); ``--pins`` holds
    villages in the districts a pins file names (as ``[pins] villages`` does).
``jurisdiction diagnose [SCENARIO.toml]``
    Diagnose the current map (default: the Dianjiang example).
``jurisdiction isochrones [SCENARIO.toml] --minutes 5,10,15,30``
    Isochrone bands of every station, written to a GeoPackage.
``jurisdiction compare A/ B/ [C/ ...] [--out DIR]``
    Written plans side by side in one HTML page (``compare.html``): the key figures with the
    better value marked, the villages that changed district, small maps.
``jurisdiction posts SCENARIO.toml --minutes 1,3,5 (--k 10 | --cover-all)``
    Posts and patrol points: the k posts covering the most weight within each t, or the fewest
    covering every village (:func:`jurisdiction.place_posts`); writes ``posts.gpkg``,
    ``coverage.csv`` and ``posts_map.html``.
``jurisdiction sweep SCENARIO.toml [...] --centres 6:12 --limit 25,30,35 [--balance 0.1,0.2]``
    Solve every combination (on Dask when installed); writes ``sweep.csv``, each run's plan
    folder and ``index.html``, the trade-off chart with its Pareto front (several files: one
    folder per county, ``province.csv`` and an index linking them).
``jurisdiction verify FOLDER``
    Re-check a written plan from its files alone (:func:`jurisdiction.verify_plan`): one line
    per check, then the verdict. ``plan`` and ``demo`` run it on the folder they wrote.

Exit codes
----------
0 success; 2 bad command line; 3 bad input data or scenario (the message names the file, row
or key); 4 infeasible scenario (the reasons are printed); 5 the solver found no solution in its
time limit; 6 a written plan fails verification (the failed checks are printed); 7 the output
folder cannot be written (a file in the way, read-only, disk full, another run writing it);
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
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from jurisdiction.cli import commands, posts, sweep
from jurisdiction.cli.commands import DEMO_SCENARIO
from jurisdiction.cli.output import (
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    EXIT_USAGE,
    EXIT_VERIFY,
    Progress,
    Terminated,
    emit,
    fail,
    guard_output,
    printable,
    sigterm_exits,
)
from jurisdiction.scenario.settings import TILES

__all__ = ["main", "DEMO_SCENARIO", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_INPUT", "EXIT_INFEASIBLE",
           "EXIT_NO_SOLUTION", "EXIT_VERIFY", "EXIT_OUTPUT", "EXIT_INTERRUPTED", "EXIT_TERMINATED"]


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
    progress = Progress(quiet=args.quiet or args.json)
    from jurisdiction.errors import (
        InfeasibleError,
        InputError,
        JurisdictionError,
        NoSolutionError,
        OutputError,
        ScenarioError,
        VerificationError,
    )

    try:
        with sigterm_exits(), guard_output(args):
            result = args.run(args, progress)
    except (InputError, ScenarioError) as error:
        return fail(args, EXIT_INPUT, str(error))
    except InfeasibleError as error:
        return fail(args, EXIT_INFEASIBLE, str(error))
    except NoSolutionError as error:
        return fail(args, EXIT_NO_SOLUTION, str(error))
    except VerificationError as error:
        return fail(args, EXIT_VERIFY, str(error))
    except OutputError as error:
        return fail(args, EXIT_OUTPUT, str(error))
    except JurisdictionError as error:
        return fail(args, EXIT_ERROR, str(error))
    except KeyboardInterrupt:
        return fail(args, EXIT_INTERRUPTED, "interrupted")
    except Terminated:
        return fail(args, EXIT_TERMINATED, "terminated (SIGTERM)")
    except Exception as error:  # a bug: one line to the user, the traceback for the report
        if not args.json:
            print(printable(traceback.format_exc()), file=sys.stderr, end="")  # names from data in messages
        return fail(args, EXIT_ERROR, f"unexpected error: {type(error).__name__}: {error}")
    if args.json:
        document = {"ok": True, "exit_code": EXIT_OK, "command": args.command, **result}
        emit({**document, "warnings": args.warnings})
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
        emit({"ok": True, "exit_code": code, "help": out.getvalue(), "warnings": []})
    else:
        lines = err.getvalue().strip().splitlines()  # usage, then "prog: error: what"
        error = lines[-1] if lines else "bad command line"
        emit({"ok": False, "exit_code": code, "error": error, "warnings": []})
    return code


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for ``--json`` (or an abbreviation argparse accepts)."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return any(len(arg) >= 3 and "--json".startswith(arg) for arg in options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jurisdiction",
        description="Redraw police-station jurisdictions: whole villages, travel-time limits, balanced, "
        "contiguous.",
        epilog="Exit codes: 0 ok, 2 bad command line, 3 bad input or scenario, 4 infeasible, 5 no solution "
        "in the time limit, 6 plan fails verification, 7 output folder cannot be written, 130 interrupted, "
        "143 terminated, 1 other error.",
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
    snapping = argparse.ArgumentParser(add_help=False)
    snapping.add_argument("--max-snap-m", type=float, default=None, metavar="METRES",
                          help="villages and stations farther than this from the road network are an "
                               "input error (default: the scenario's [network] max_snap_m, 2000)")
    sub = parser.add_subparsers(dest="command", required=True)
    example = "scenario TOML naming the data (default: the Dianjiang example)"

    demo = sub.add_parser("demo", parents=[common, snapping], help="the Dianjiang example, end to end")
    demo.add_argument("--out", type=Path, default=None, help="output folder (default ./maps/dianjiang)")
    demo.add_argument("--tiles", choices=TILES, default=None, help="base map")
    demo.set_defaults(run=commands.run_demo)

    plan = sub.add_parser("plan", parents=[common, snapping], help="run a scenario TOML file")
    plan.add_argument("scenario", type=Path, help="scenario TOML file")
    plan.add_argument("--out", type=Path, default=None,
                      help="output folder (default: the scenario's, else ./maps/<name>)")
    plan.add_argument("--tiles", choices=TILES, default=None, help="base map")
    plan.add_argument("--pins", type=Path, default=None, metavar="FILE",
                      help="pins file (village_id,station_id[,locked]; CSV or GeoPackage) overriding the "
                           "scenario's [pins] villages")
    plan.set_defaults(run=commands.run_plan)

    diagnose = sub.add_parser("diagnose", parents=[common, snapping], help="diagnose the current map")
    diagnose.add_argument("scenario", type=Path, nargs="?", default=DEMO_SCENARIO, help=example)
    diagnose.add_argument("--out", type=Path, default=None, help="folder for the diagnosis tables (CSV)")
    diagnose.set_defaults(run=commands.run_diagnose)

    bands = sub.add_parser("isochrones", parents=[common, snapping], help="isochrone bands of every station")
    bands.add_argument("scenario", type=Path, nargs="?", default=DEMO_SCENARIO, help=example)
    bands.add_argument("--minutes", default=None,
                       help="thresholds in minutes, comma-separated (default: the scenario's)")
    bands.add_argument("--out", type=Path, default=None,
                       help="GeoPackage to write (default ./maps/<name>/isochrones.gpkg)")
    bands.set_defaults(run=commands.run_isochrones)

    from jurisdiction.cli.comparison import run_compare

    compare = sub.add_parser("compare", parents=[common], help="written plans side by side, in one HTML page")
    compare.add_argument("folders", type=Path, nargs="+", metavar="FOLDER", help="plan folders (plan.gpkg, "
                         "metrics.json), the first one the reference")
    compare.add_argument("--out", type=Path, default=None,
                         help="folder for compare.html, or the page's .html path (default: the current folder)")
    compare.set_defaults(run=run_compare)
    posts.add_parser(sub, [common, snapping])
    sweeping = sub.add_parser("sweep", parents=[common, snapping],
                              help="every combination of centres, limits and balances, and its Pareto front")
    sweeping.add_argument("scenario", type=Path, nargs="+", help="scenario TOML files (one per county)")
    sweeping.add_argument("--centres", default=None,
                          help="numbers of centres: 6:12 or 6,8,10 (default: the scenario's)")
    sweeping.add_argument("--limit", default=None,
                          help="travel-time limits in minutes: 25,30,35 (none: no limit; default: the scenario's)")
    sweeping.add_argument("--balance", default=None,
                          help="workload tolerances: 0.1,0.2 (none: no balance; default: the scenario's)")
    sweeping.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                          help="solver time limit of each run (default: the scenario's [solver] time_limit)")
    sweeping.add_argument("--out", type=Path, default=None, help="output folder (default ./sweep)")
    sweeping.add_argument("--scheduler", default=None, metavar="ADDRESS",
                          help="a Dask scheduler, tcp://host:8786 (default: [compute] scheduler, else a local cluster)")
    sweeping.add_argument("--workers", type=int, default=None, metavar="N",
                          help="local cluster's worker processes (default: [compute] workers, else the cores)")
    sweeping.add_argument("--serial", action="store_true", help="no cluster: one run after another in this process")
    sweeping.set_defaults(run=sweep.run_sweep)

    verify = sub.add_parser("verify", parents=[common], help="re-check a written plan from its files")
    verify.add_argument("folder", type=Path, help="plan folder (plan.gpkg, metrics.json)")
    verify.set_defaults(run=commands.run_verify)
    return parser
