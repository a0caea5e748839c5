"""A sweep's table: one row per run (its settings and what its plan gives), and the province table.

A run's numbers are read from its :class:`~jurisdiction.outputs.proposal.Plan` (whose metrics
the accounting recomputed from the plan itself); a run without a plan keeps its settings, its
status (``infeasible``, ``no-solution`` or ``error``) and the reason, and no numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from jurisdiction.errors import InfeasibleError, NoSolutionError
from jurisdiction.outputs.proposal import Plan
from jurisdiction.sweeps.pareto import pareto_front

#: What identifies a run: its county (the scenario's name), its name, and the settings swept.
SETTINGS = ("county", "run", "centres", "limit", "balance")
#: What a run gives. ``districts`` counts every district of the plan (the centres asked for,
#: plus stations outside the bundling that keep their own); minutes are population-weighted
#: (mean) and plain (max); ``villages_beyond`` the villages farther than ``limit``.
RESULTS = ("status", "reason", "gap", "districts", "posts", "mean_minutes", "max_minutes", "villages_beyond",
           "officers_needed", "split_villages")
#: Wall-clock columns: they differ from one execution to the next, the rest must not.
TIMING = ("seconds",)
#: The table's columns, in order; ``pareto``: not dominated in (centres, mean, max minutes)
#: by another feasible run of the same county.
COLUMNS = (*SETTINGS, *RESULTS, *TIMING, "pareto")
#: The statuses of a run that has a plan.
PLANNED = ("optimal", "feasible")
#: The columns the Pareto front minimises.
PARETO_AXES = ("centres", "mean_minutes", "max_minutes")


def plan_row(plan: Plan) -> dict[str, Any]:
    """What a plan gives, as the :data:`RESULTS` of its row.

    Parameters
    ----------
    plan : Plan

    Returns
    -------
    dict
        ``status`` and ``gap`` from the solver; ``mean_minutes``, ``max_minutes`` (minutes),
        ``villages_beyond``, ``split_villages`` from the plan's metrics; ``districts``,
        ``posts`` and ``officers_needed`` (the districts' sum; NaN when unknown) from its tables.
    """
    after = plan.metrics["after"]
    minutes = plan.villages["minutes"].to_numpy(dtype=float)
    limit = plan.scenario.limit
    needed = plan.districts["officers_needed"]
    return {
        "status": str(plan.solver.get("status")),
        "reason": "",
        "gap": float(plan.solver.get("gap", math.nan)),
        "districts": len(plan.districts),
        "posts": int((plan.stations["role"] == "post").sum()),
        "mean_minutes": float(after["population-weighted mean minutes"]),
        "max_minutes": float(after["max minutes"]),
        "villages_beyond": int((minutes > limit).sum()) if limit is not None else 0,
        "officers_needed": float(needed.sum()) if needed.notna().any() else math.nan,
        "split_villages": int(after["split villages"]),
    }


def failure_row(error: BaseException) -> dict[str, Any]:
    """The :data:`RESULTS` of a run that gave no plan: its status and the reason, no numbers.

    ``infeasible`` with the reasons of :mod:`jurisdiction.optimise.infeasibility` (names and
    numbers), ``no-solution`` when the time limit ran out first, ``error`` for anything else
    (the message, with the error's type when it is not one of the package's).
    """
    if isinstance(error, InfeasibleError | NoSolutionError):
        status = "infeasible" if isinstance(error, InfeasibleError) else "no-solution"
        reason = "; ".join(error.reasons)
    else:
        status = "error"
        reason = str(error) if type(error).__module__.startswith("jurisdiction") else f"{type(error).__name__}: {error}"
    row: dict[str, Any] = {key: math.nan for key in RESULTS}
    return {**row, "status": status, "reason": reason}


def sweep_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a table of :data:`COLUMNS`, with each county's Pareto front marked.

    Parameters
    ----------
    rows : list of dict
        One per run: the :data:`SETTINGS`, :data:`RESULTS` and :data:`TIMING` keys.

    Returns
    -------
    DataFrame
        In the order of ``rows``; ``pareto`` is False for a run without a plan.
    """
    table = pd.DataFrame(rows, columns=list(COLUMNS[:-1]))
    for column in ("centres", "districts", "posts", "villages_beyond", "split_villages"):
        table[column] = table[column].astype("Int64")  # counts, missing for a run without a plan
    pareto = np.zeros(len(table), dtype=bool)
    planned = table["status"].isin(PLANNED).to_numpy()
    for county in table["county"].unique():
        at = np.flatnonzero((table["county"] == county).to_numpy() & planned)
        pareto[at] = pareto_front(table.iloc[at][list(PARETO_AXES)].to_numpy(dtype=float))
    table["pareto"] = pareto
    return table


def outcome(table: pd.DataFrame) -> pd.DataFrame:
    """The table without its :data:`TIMING` columns: what two executions of a sweep must agree on."""
    return table.drop(columns=[c for c in TIMING if c in table.columns]).reset_index(drop=True)


def province_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per county of a sweep's table: runs, how many gave a plan, and its best trade-offs.

    Returns
    -------
    DataFrame
        ``county, runs, planned, infeasible, failed`` (no-solution or error), ``pareto`` (runs
        on the front), ``fewest_centres`` (the fewest centres of a run with a plan) with that
        run's ``mean_minutes_at_fewest``, ``best_mean_minutes``, ``best_max_minutes``; NaN
        where no run gave a plan.
    """
    records = []
    for county, runs in table.groupby("county", sort=False):
        planned = runs[runs["status"].isin(PLANNED)]
        fewest = planned.sort_values(["centres", "mean_minutes"]).head(1)
        records.append({
            "county": county,
            "runs": len(runs),
            "planned": len(planned),
            "infeasible": int((runs["status"] == "infeasible").sum()),
            "failed": int(runs["status"].isin(("no-solution", "error")).sum()),
            "pareto": int(runs["pareto"].sum()),
            "fewest_centres": fewest["centres"].iloc[0] if len(fewest) else pd.NA,
            "mean_minutes_at_fewest": float(fewest["mean_minutes"].iloc[0]) if len(fewest) else math.nan,
            "best_mean_minutes": float(planned["mean_minutes"].min()) if len(planned) else math.nan,
            "best_max_minutes": float(planned["max_minutes"].min()) if len(planned) else math.nan,
        })
    return pd.DataFrame.from_records(records)
