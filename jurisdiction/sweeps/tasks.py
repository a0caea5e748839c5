"""The runs of a sweep as independent tasks: one after another, or on a Dask cluster.

Each task plans one scenario on its county's :class:`~jurisdiction.pipeline.Survey` (the road
graph and travel times, computed once per county) and returns its row, with its plan when asked.
A task never raises: a run that fails keeps its row (status ``infeasible``, ``no-solution`` or
``error``, and the reason), and the other runs go on. On Dask, each county's survey is sent to
every worker once (``scatter(broadcast=True)``), each worker is one process with one thread, and
HiGHS is told to use one thread there (:func:`~jurisdiction.optimise.mip.solver.pin_highs_threads`);
the serial path pins its thread alike, so both solve the same way.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jurisdiction.optimise.mip.solver import pin_highs_threads
from jurisdiction.outputs.proposal import Plan
from jurisdiction.pipeline import Survey, plan_from_survey
from jurisdiction.scenario.settings import Scenario
from jurisdiction.sweeps.table import failure_row, plan_row


@dataclass(frozen=True)
class Task:
    """One run of a sweep.

    Attributes
    ----------
    county : str
        The county (its survey's key).
    run : str
        The run's name within the county (also its plan folder's name).
    scenario : Scenario
        What to solve, with its own time limit (``time_limit``, seconds).
    attribution : str
        Data attribution carried to the plan's maps and report.
    """

    county: str
    run: str
    scenario: Scenario
    attribution: str = ""


@dataclass(frozen=True)
class Done:
    """A finished task: its row of the sweep's table, and its plan (None when it failed or was not kept)."""

    task: Task
    row: dict[str, Any]
    plan: Plan | None


def run_task(found: Survey, task: Task, *, keep_plan: bool = True) -> Done:
    """Plan one scenario on its county's survey; a failure is recorded in the row, never raised.

    Parameters
    ----------
    found : Survey
        The county's survey (travel times in minutes).
    task : Task
    keep_plan : bool
        Return the plan too (else only its row, which is all a table needs).

    Returns
    -------
    Done
        The row: the run's settings, :func:`~jurisdiction.sweeps.table.plan_row` or
        :func:`~jurisdiction.sweeps.table.failure_row`, and ``seconds`` (wall clock).
    """
    pin_highs_threads(1)
    settings = settings_row(task)
    start = time.perf_counter()
    try:
        plan = plan_from_survey(found, task.scenario, attribution=task.attribution)
    except Exception as error:  # any failure of one run is its row's, not the sweep's
        return Done(task, {**settings, **failure_row(error), "seconds": time.perf_counter() - start}, None)
    row = {**settings, **plan_row(plan), "seconds": time.perf_counter() - start}
    return Done(task, row, plan if keep_plan else None)


def settings_row(task: Task) -> dict[str, Any]:
    """The :data:`~jurisdiction.sweeps.table.SETTINGS` of a task's row."""
    scenario = task.scenario
    return {"county": task.county, "run": task.run, "centres": scenario.centres, "limit": scenario.limit,
            "balance": scenario.balance}


class Tally:
    """Tasks done / running / failed and an estimate of the time left, as one line of progress."""

    def __init__(self, total: int, say: Callable[[str], None] | None):
        self.total, self.say = total, say or (lambda message: None)
        self.done = self.failed = 0
        self.start = time.perf_counter()

    def count(self, finished: Done, running: int) -> None:
        """Count a finished task and say where the sweep stands (``running``: tasks still at work)."""
        self.done += 1
        self.failed += finished.row["status"] in ("no-solution", "error")
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.done * (self.total - self.done)
        self.say(f"runs: {self.done}/{self.total} done, {running} running, {self.failed} failed"
                 + (f", about {left:.0f} s left" if self.done < self.total else f", {elapsed:.0f} s"))


def dask_installed() -> bool:
    """Whether ``dask.distributed`` can be imported (``pip install jurisdiction[dask]``)."""
    return importlib.util.find_spec("distributed") is not None


def cores() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def compute_client(*, scheduler: str | None = None, workers: int | None = None, serial: bool = False) -> Iterator[Any]:
    """A Dask client for the sweep's tasks, or None for the serial path.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``).
    workers : int, optional
        Without ``scheduler``: worker processes of a local cluster (default :func:`cores`), one
        thread each, no dashboard; closed on leaving.
    serial : bool
        No cluster: the tasks run one after another in this process (also when Dask is not
        installed).

    Yields
    ------
    distributed.Client or None
        With every worker ready: the package imported there.
    """
    if serial or not dask_installed():
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            client.run(ready)
            yield client
        return
    with (
        LocalCluster(n_workers=workers or cores(), threads_per_worker=1, processes=True, dashboard_address=None,
                     silence_logs=logging.ERROR) as cluster,
        Client(cluster) as client,
    ):
        client.run(ready)
        yield client


def ready() -> None:
    """Run on every worker before the tasks: unpickling it imports this package there (seconds, once)."""


def execute(
    tasks: Sequence[Task],
    surveys: Mapping[str, Survey],
    *,
    client: Any = None,
    keep_plans: bool = True,
    each: Callable[[Done], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Done]:
    """Run the tasks, serially (``client`` None) or on the client's cluster; results in task order.

    Parameters
    ----------
    tasks : sequence of Task
    surveys : mapping of str to Survey
        Each task's county -> its survey.
    client : distributed.Client, optional
    keep_plans : bool
        Keep each run's plan in the results.
    each : callable, optional
        Called in this process with each finished task as it arrives, its plan included (e.g.
        to write its folder).
    progress : callable, optional
        Called with a line of progress as each task finishes.

    Returns
    -------
    list of Done
    """
    tally = Tally(len(tasks), progress)
    want = keep_plans or each is not None
    results: list[Done | None] = [None] * len(tasks)

    def finish(i: int, done: Done, running: int) -> None:
        if each is not None:
            each(done)
        results[i] = done if keep_plans else Done(done.task, done.row, None)
        tally.count(done, running)

    if client is None:
        for i, task in enumerate(tasks):
            finish(i, run_task(surveys[task.county], task, keep_plan=want), min(len(tasks) - i - 1, 1))
        return results  # type: ignore[return-value]
    from distributed import as_completed

    scattered = {county: client.scatter(surveys[county], broadcast=True, hash=False)
                 for county in dict.fromkeys(task.county for task in tasks)}
    futures = {client.submit(run_task, scattered[task.county], task, keep_plan=want, pure=False): i
               for i, task in enumerate(tasks)}
    threads = sum(client.nthreads().values()) or 1
    left = len(futures)
    for future in as_completed(futures):
        i, left = futures[future], left - 1
        if future.status == "error":  # the task itself died (a worker lost, a result that cannot travel)
            row = {**settings_row(tasks[i]), **failure_row(future.exception()), "seconds": float("nan")}
            done = Done(tasks[i], row, None)
        else:
            done = future.result()
        future.release()
        finish(i, done, min(left, threads))
    return results  # type: ignore[return-value]
