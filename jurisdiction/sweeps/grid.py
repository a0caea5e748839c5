"""The grid of a sweep (centres x limits x balances) and :func:`sweep`, which solves every run of it.

A county's road graph and travel times are computed once (:func:`jurisdiction.pipeline.survey`)
and every run plans on them (:func:`jurisdiction.pipeline.plan_from_survey`). Several counties
(a province) are swept at once by :func:`sweep_counties`, all their runs one pool of tasks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from jurisdiction.errors import ScenarioError
from jurisdiction.outputs.proposal import Plan
from jurisdiction.pipeline import Survey, survey
from jurisdiction.scenario.settings import Scenario
from jurisdiction.sweeps.table import province_table, sweep_table
from jurisdiction.sweeps.tasks import Done, Task, compute_client, dask_installed, execute


def run_name(centres: int, limit: float | None, balance: float | None) -> str:
    """A run's name from its settings, also its plan folder's: ``k08_t30``, ``k08_t30_b0.2``."""
    name = f"k{centres:02d}_t{'none' if limit is None else f'{limit:g}'}"
    return name if balance is None else f"{name}_b{balance:g}"


def run_scenarios(
    base: Scenario,
    *,
    centres: Iterable[int],
    limits: Iterable[float | None],
    balances: Iterable[float | None] = (None,),
) -> list[tuple[str, Scenario]]:
    """Every combination of the settings, as (run name, scenario) pairs.

    Parameters
    ----------
    base : Scenario
        What every run shares (model, bundling, contiguity, solver and its time limit per run).
    centres : iterable of int
        Numbers of centres (with bundling: centres formed from the bundled stations).
    limits : iterable of float or None
        Travel-time limits, minutes (None: no limit).
    balances : iterable of float or None
        Workload tolerances (None: no balance).

    Returns
    -------
    list of (str, Scenario)
        In the order centres, then limits, then balances; each scenario named
        ``"<base name> <run name>"``.

    Raises
    ------
    ScenarioError
        A value the scenario refuses (named), or an empty grid.
    """
    runs = {}
    for k, limit, balance in itertools.product(centres, limits, balances):
        name = run_name(k, limit, balance)
        runs[name] = base.with_(centres=k, limit=limit, balance=balance, name=f"{base.name} {name}")
    if not runs:
        raise ScenarioError("sweep: no runs (give at least one number of centres, limit and balance)")
    return list(runs.items())


@dataclass(frozen=True)
class CountyRuns:
    """One county of a sweep: its survey and its runs.

    Attributes
    ----------
    name : str
        The county (the table's ``county``), unique within a sweep.
    survey : Survey
        Its road graph and travel times, computed once.
    runs : list of (str, Scenario)
        See :func:`run_scenarios`.
    attribution : str
        Data attribution carried to its plans' maps and reports.
    """

    name: str
    survey: Survey
    runs: list[tuple[str, Scenario]]
    attribution: str = ""


@dataclass(frozen=True)
class Sweep:
    """What a sweep gives.

    Attributes
    ----------
    table : DataFrame
        One row per run (:data:`jurisdiction.sweeps.table.COLUMNS`): settings, status and the
        reason of a failure, gap, districts, posts, mean and max minutes, villages beyond the
        limit, officers needed, split villages, seconds, and whether it is on the Pareto front.
    plans : dict of (str, str) to Plan
        (county, run) -> the plan of every run that gave one (empty when plans were not kept).
    """

    table: pd.DataFrame
    plans: dict[tuple[str, str], Plan] = field(default_factory=dict)

    def province(self) -> pd.DataFrame:
        """One row per county (see :func:`jurisdiction.sweeps.table.province_table`)."""
        return province_table(self.table)


def sweep_counties(
    counties: Sequence[CountyRuns],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    serial: bool = False,
    keep_plans: bool = True,
    each: Callable[[Done], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Sweep:
    """Solve every run of every county as one pool of independent tasks.

    Parameters
    ----------
    counties : sequence of CountyRuns
    scheduler : str, optional
        A Dask scheduler's address; default a local cluster of ``workers`` processes.
    workers : int, optional
        Local cluster's worker processes (default: the cores), one thread each.
    serial : bool
        Run the tasks one after another in this process (as when Dask is not installed).
    keep_plans : bool
        Keep every run's plan in :attr:`Sweep.plans`.
    each : callable, optional
        Called in this process with each finished run (:class:`~jurisdiction.sweeps.tasks.Done`,
        its plan included) as it arrives.
    progress : callable, optional
        Called with a line of progress (runs done, running, failed, time left).

    Returns
    -------
    Sweep
        The table in the order of the counties and their runs.
    """
    names = [county.name for county in counties]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ScenarioError(f"name: several counties of the sweep are named {twice}; name each scenario differently")
    tasks = [Task(county.name, run, scenario, county.attribution)
             for county in counties for run, scenario in county.runs]
    say = progress or (lambda message: None)
    if not serial and dask_installed():
        say(f"connecting to the Dask scheduler {scheduler}" if scheduler else "starting a local Dask cluster")
    with compute_client(scheduler=scheduler, workers=workers, serial=serial) as client:
        where = "in this process" if client is None else f"on {len(client.nthreads())} Dask workers"
        say(f"{len(tasks)} runs of {len(counties)} count{'y' if len(counties) == 1 else 'ies'} {where}")
        done = execute(tasks, {county.name: county.survey for county in counties}, client=client,
                       keep_plans=keep_plans, each=each, progress=progress)
    plans = {(d.task.county, d.task.run): d.plan for d in done if d.plan is not None}
    return Sweep(sweep_table([d.row for d in done]), plans)


def sweep(
    scenario: Scenario,
    layers: Any,
    *,
    centres: Iterable[int] = range(6, 11),
    limits: Iterable[float | None] = (30.0, 35.0),
    balances: Iterable[float | None] = (None,),
    serial: bool = False,
    keep_plans: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Sweep:
    """Solve a scenario for every combination of centres, limits and balances, on one survey.

    The road graph and travel times are computed once; each run is a task (see
    :func:`sweep_counties`) with the scenario's own ``time_limit`` (seconds), on the Dask
    cluster of the scenario's ``[compute]`` section (``scheduler``, ``workers``; default a local
    cluster, or one run after another without Dask). A run that fails keeps its row, with status
    ``infeasible`` (and the reasons), ``no-solution`` or ``error``.

    Parameters
    ----------
    scenario : Scenario
        What every run shares.
    layers : Example, County or mapping
        ``villages``, ``stations``, ``roads`` and optional ``jurisdictions`` (as for
        :func:`jurisdiction.plan`) as attributes or keys, e.g. :func:`jurisdiction.load_example`
        or :func:`jurisdiction.generate_county`; an ``attribution`` goes to maps and reports.
    centres : iterable of int
        Numbers of centres.
    limits : iterable of float or None
        Travel-time limits, minutes.
    balances : iterable of float or None
        Workload tolerances (fractions of the mean).
    serial, keep_plans, progress :
        See :func:`sweep_counties`.

    Returns
    -------
    Sweep
        ``table`` (one row per run) and ``plans``.

    Raises
    ------
    InputError
        A layer is invalid (before any run).
    ScenarioError
        A swept value the scenario refuses.
    """
    def layer(key: str) -> Any:
        return layers.get(key) if isinstance(layers, Mapping) else getattr(layers, key, None)

    found = survey(layer("villages"), layer("stations"), layer("roads"), scenario, layer("jurisdictions"),
                   progress=progress)
    runs = run_scenarios(scenario, centres=centres, limits=limits, balances=balances)
    county = CountyRuns(scenario.name, found, runs, layer("attribution") or "")
    return sweep_counties([county], scheduler=scenario.scheduler, workers=scenario.workers, serial=serial,
                          keep_plans=keep_plans, progress=progress)
