"""``jurisdiction sweep``: solve scenario files for every combination of centres, limits and balances.

One scenario file is one county; its layers are surveyed once and every run plans on that
survey, as tasks on a Dask cluster (``--scheduler``, ``--workers``, ``[compute]``) or one after
another. Written into ``--out``: ``sweep.csv``, each run's plan folder (as ``jurisdiction plan``
writes it, verified) and ``index.html`` (the trade-off chart); with several files, each county in
its own folder and, at the top, ``province.csv`` and an ``index.html`` linking the counties.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

from jurisdiction.cli.commands import load_layers, scenario_of, write_plan
from jurisdiction.cli.output import Progress, printable
from jurisdiction.outputs.staging import output_set

#: Where the sweep writes unless ``--out`` says otherwise.
SWEEP_OUTPUTS = Path("sweep")
#: Columns printed on the terminal (sweep.csv has them all).
SHOWN = ["county", "run", "status", "districts", "posts", "mean_minutes", "max_minutes", "officers_needed", "pareto"]


def numbers(text: str, *, flag: str, integer: bool = False) -> list[Any]:
    """Values of a flag: ``6:12`` (integers, both ends included) or ``25,30,35``; ``none`` for None.

    Raises
    ------
    ScenarioError
        Naming the flag and the value it cannot read.
    """
    from jurisdiction.errors import ScenarioError

    try:
        if ":" in text:
            low, high = (int(part) for part in text.split(":"))
            return list(range(low, high + 1))
        read = int if integer else float
        return [None if part.strip().lower() == "none" else read(part) for part in text.split(",")]
    except ValueError:
        kind = "integers" if integer else "numbers"
        raise ScenarioError(f"{flag}: expected {kind} as 6:12 or 25,30,35, got {text!r}") from None


def folder_name(name: str) -> str:
    """A county's folder: its name with anything but letters, digits, ``.``, ``-`` and ``_`` replaced."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "county"


def run_sweep(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Sweep every scenario file of the command line; see the module's docstring."""
    from jurisdiction.errors import ScenarioError
    from jurisdiction.pipeline import survey
    from jurisdiction.scenario.values import count_value
    from jurisdiction.sweeps.grid import CountyRuns, run_scenarios, sweep_counties

    out = args.out or SWEEP_OUTPUTS
    count_value("--workers", args.workers)
    # the whole folder written as one set, checked and locked before any survey (outputs/staging.py)
    with output_set(out) as staging:
        def staged(folder: Path) -> Path:
            return staging / folder.relative_to(out)

        counties, folders = [], {}
        for path in args.scenario:
            args_of_file = argparse.Namespace(**{**vars(args), "scenario": path})
            scenario = scenario_of(args_of_file)
            changes = {"log": True} if args.solver_log else {}
            if args.time_limit is not None:
                changes["time_limit"] = args.time_limit
            scenario = scenario.with_(**changes)
            progress(f"{scenario.name}: loading the layers")
            layers, attribution = load_layers(scenario)
            found = survey(layers["villages"], layers["stations"], layers["roads"], scenario, layers["jurisdictions"],
                           progress=lambda message, name=scenario.name: progress(f"{name}: {message}"))
            runs = run_scenarios(
                scenario,
                centres=numbers(args.centres, flag="--centres", integer=True) if args.centres else [_count(scenario)],
                limits=numbers(args.limit, flag="--limit") if args.limit else [scenario.limit],
                balances=numbers(args.balance, flag="--balance") if args.balance else [scenario.balance],
            )
            counties.append(CountyRuns(scenario.name, found, runs, attribution))
            folders[scenario.name] = out if len(args.scenario) == 1 else out / folder_name(scenario.name)
        if len(set(folders.values())) < len(folders):
            raise ScenarioError(f"name: two scenario files give the same folder under {out}; name them differently")
        first = counties[0].runs[0][1]
        written: set[tuple[str, str]] = set()  # (county, run) of every plan folder written
        checks: dict[tuple[str, str], str] = {}

        def write(done: Any) -> None:  # in this process, as each run arrives
            if done.plan is not None:
                from jurisdiction.verification.folder import verify_plan

                write_plan(done.plan, staged(folders[done.task.county]) / done.task.run)
                verdict = verify_plan(staged(folders[done.task.county]) / done.task.run)
                written.add((done.task.county, done.task.run))
                if not verdict.ok:
                    checks[(done.task.county, done.task.run)] = "; ".join(
                        f"{c.name}: {c.detail}" for c in verdict.checks if not c.ok)

        result = sweep_counties(counties, scheduler=args.scheduler or first.scheduler,
                                workers=args.workers or first.workers, serial=args.serial, keep_plans=False,
                                each=write, progress=_lines(progress))
        table = _verified(result.table, checks)
        pages = _write_pages(table, {k: staged(v) for k, v in folders.items()}, written,
                             staging if len(args.scenario) > 1 else None)
    files = {name: out / Path(path).relative_to(staging) for name, path in pages.items()}
    progress.done()
    if not args.quiet and not args.json:
        shown = table[SHOWN].round(1).astype(object).where(table[SHOWN].notna(), "—")
        print(printable(shown.to_string(index=False)))
        print("\nWritten:")
        for name, path in files.items():
            print(f"  {name:12s} {path}")
    document: dict[str, Any] = {"files": {k: str(v) for k, v in files.items()}, "table": table.to_dict("records")}
    if len(args.scenario) > 1:
        from jurisdiction.sweeps.table import province_table

        document["province"] = province_table(table).to_dict("records")
    return document


def _count(scenario: Any) -> int:
    """The scenario's own number of centres, when no ``--centres`` is given."""
    from jurisdiction.errors import ScenarioError

    if isinstance(scenario.centres, int):
        return scenario.centres
    raise ScenarioError(f"--centres: the scenario {scenario.name} gives no single number of centres; give --centres")


def _lines(progress: Progress) -> Any:
    """Progress lines of the sweep (runs done, running, failed, time left) on stderr, with the elapsed time."""
    def say(message: str) -> None:
        progress.done()
        if not progress.quiet:
            print(f"[{time.perf_counter() - progress.start:5.1f} s] {printable(message)}", file=sys.stderr, flush=True)

    return say


def _verified(table: Any, checks: dict[tuple[str, str], str]) -> Any:
    """The table with each run whose written plan failed verification turned into an error (front redrawn)."""
    if not checks:
        return table
    from jurisdiction.sweeps.table import sweep_table

    rows = table.drop(columns="pareto").to_dict("records")
    for row in rows:
        failed = checks.get((row["county"], row["run"]))
        if failed:
            row.update(status="error", reason=f"the written plan fails verification: {failed}")
    return sweep_table(rows)


def _write_pages(table: Any, folders: dict[str, Path], written: set[tuple[str, str]],
                 province: Path | None) -> dict[str, Path]:
    """Each county's sweep.csv and index.html; with ``province`` (a folder), province.csv and its index."""
    from jurisdiction.outputs.files import CSV_ENCODING, atomic_write_text, csv_safe
    from jurisdiction.sweeps.page import province_page, sweep_page
    from jurisdiction.sweeps.table import province_table

    files: dict[str, Path] = {}
    for county, folder in folders.items():
        rows = table[table["county"] == county].reset_index(drop=True)
        runs = {run: run for (c, run) in written if c == county}  # run -> its folder, relative to the page
        rows.insert(len(rows.columns), "plan", rows["run"].map(lambda run, runs=runs: f"{run}/" if run in runs else ""))
        prefix = "" if province is None else f"{county} "
        files[f"{prefix}table"] = atomic_write_text(folder / "sweep.csv", csv_safe(rows).to_csv(index=False),
                                                    encoding=CSV_ENCODING)
        files[f"{prefix}index"] = atomic_write_text(folder / "index.html", sweep_page(rows, runs, title=county))
    if province is not None:
        counties = province_table(table)
        files["province"] = atomic_write_text(province / "province.csv", csv_safe(counties).to_csv(index=False),
                                              encoding=CSV_ENCODING)
        pages = {county: f"{folder.relative_to(province).as_posix()}/index.html" for county, folder in folders.items()}
        files["index"] = atomic_write_text(province / "index.html", province_page(counties, pages))
    return files
