"""jurisdiction.sweep on a small generated county: the table, failures kept in their rows, serial = Dask."""

from __future__ import annotations

import math

import pytest

import jurisdiction
from jurisdiction.sweeps import COLUMNS, sweep
from jurisdiction.sweeps.table import outcome

GRID = {"centres": [2, 3, 4], "limits": [12, 40], "balances": [None, 0.3]}


@pytest.fixture(scope="module")
def serial(county, base):
    return sweep(base, county, **GRID, serial=True)


def test_one_row_per_run_with_the_settings_and_the_numbers(serial):
    table = serial.table
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 12
    assert table["run"].tolist()[:4] == ["k02_t12", "k02_t12_b0.3", "k02_t40", "k02_t40_b0.3"]
    planned = table[table["status"].isin(("optimal", "feasible"))]
    assert len(planned) >= 6
    assert (planned["districts"] == planned["centres"]).all()  # no bundling: every district a centre
    assert (planned["posts"] == 10 - planned["centres"]).all()
    assert (planned["villages_beyond"] == 0).all() and (planned["split_villages"] == 0).all()
    assert (planned["max_minutes"] <= planned["limit"] + 1e-9).all()
    for (county, run), plan in serial.plans.items():
        row = table[table["run"] == run].iloc[0]
        assert county == "gen-7" and plan.scenario.name == f"gen-7 {run}"
        assert row["mean_minutes"] == pytest.approx(plan.metrics.loc["population-weighted mean minutes", "after"])
        assert row["max_minutes"] == pytest.approx(plan.villages["minutes"].max())
    assert set(serial.plans) == {("gen-7", run) for run in planned["run"]}


def test_infeasible_runs_keep_their_row_and_reason(serial):
    failed = serial.table[~serial.table["status"].isin(("optimal", "feasible"))]
    assert len(failed) and (failed["status"] == "infeasible").all()
    assert failed["reason"].str.len().gt(0).all()
    assert failed["mean_minutes"].isna().all() and not failed["pareto"].any()


def test_the_pareto_front_is_marked(serial):
    table = serial.table
    front = table[table["pareto"]]
    assert len(front)
    for row in table[table["status"] == "optimal"].itertuples():
        better = table[(table["status"] == "optimal") & (table["centres"] <= row.centres)
                       & (table["mean_minutes"] <= row.mean_minutes) & (table["max_minutes"] <= row.max_minutes)
                       & ((table["centres"] < row.centres) | (table["mean_minutes"] < row.mean_minutes)
                          | (table["max_minutes"] < row.max_minutes))]
        assert row.pareto == better.empty, row.run


def test_travel_times_are_computed_once(county, base, monkeypatch):
    import jurisdiction.pipeline as pipeline

    calls = []
    original = pipeline.travel_time_matrix
    monkeypatch.setattr(pipeline, "travel_time_matrix", lambda *a, **k: calls.append(1) or original(*a, **k))
    result = sweep(base, county, centres=[3, 4], limits=[30, 40], serial=True, keep_plans=False)
    assert len(calls) == 1 and len(result.table) == 4 and result.plans == {}


def test_a_task_that_raises_is_reported_and_the_others_finish(county, base, monkeypatch):
    import jurisdiction.sweeps.tasks as tasks

    original = tasks.plan_from_survey

    def explode(found, scenario, **kwargs):
        if scenario.centres == 3:
            raise RuntimeError("boom in run 3")
        return original(found, scenario, **kwargs)

    monkeypatch.setattr(tasks, "plan_from_survey", explode)
    lines = []
    table = sweep(base, county, centres=[2, 3, 4], limits=[40], serial=True, progress=lines.append).table
    assert table["status"].tolist() == ["optimal", "error", "optimal"]
    assert table.loc[1, "reason"] == "RuntimeError: boom in run 3"
    assert math.isnan(table.loc[1, "mean_minutes"])
    assert "runs: 3/3 done, 0 running, 1 failed" in lines[-1]


def test_exported_from_the_package():
    assert jurisdiction.sweep is sweep and "sweep" in jurisdiction.__all__


def test_serial_and_a_local_cluster_give_the_same_table(county, base, serial, cluster):
    on_dask = sweep(base.with_(scheduler=cluster.scheduler_address), county, **GRID)
    assert outcome(on_dask.table).equals(outcome(serial.table))
    assert set(on_dask.plans) == set(serial.plans)


def test_a_failing_run_on_dask_is_reported_and_the_others_finish(county, base, cluster):
    from jurisdiction.pipeline import survey
    from jurisdiction.sweeps import CountyRuns, run_scenarios, sweep_counties

    found = survey(county.villages, county.stations, county.roads, base, county.jurisdictions)
    # A station id no station has: those runs raise inside their tasks, on the workers.
    bad = base.with_(name="bad", fixed=("no-such-station",))
    counties = [CountyRuns("bad", found, run_scenarios(bad, centres=[3, 4], limits=[40])),
                CountyRuns("good", found, run_scenarios(base, centres=[3, 4], limits=[40]))]
    lines = []
    table = sweep_counties(counties, scheduler=cluster.scheduler_address, progress=lines.append).table
    assert table["status"].tolist() == ["error", "error", "optimal", "optimal"]
    assert "no-such-station" in table.loc[0, "reason"]
    assert table.loc[2:, "pareto"].any()
    assert "runs: 4/4 done, 0 running, 2 failed" in lines[-1]


def test_the_compute_section_of_a_scenario_file(tmp_path):
    from jurisdiction.errors import ScenarioError
    from jurisdiction.scenario.document import read_scenario

    path = tmp_path / "s.toml"
    path.write_text('[model]\ncentres = 3\n[compute]\nscheduler = "tcp://10.0.0.5:8786"\nworkers = 4\n',
                    encoding="utf-8")
    scenario = read_scenario(path)
    assert (scenario.scheduler, scenario.workers) == ("tcp://10.0.0.5:8786", 4)
    for bad, key in (("workers = 0", "workers"), ("scheduler = 8786", "scheduler"), ("cores = 2", "compute.cores")):
        path.write_text(f"[model]\ncentres = 3\n[compute]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ScenarioError, match=key):
            read_scenario(path)


def test_highs_is_pinned_to_one_thread_per_task_thread():
    """HiGHS keeps a scheduler per thread: the first count holds there, another is refused."""
    import threading

    from jurisdiction.optimise.mip.solver import pin_highs_threads

    answers = []
    thread = threading.Thread(target=lambda: answers.extend([pin_highs_threads(1), pin_highs_threads(1),
                                                             pin_highs_threads(2)]))
    thread.start()
    thread.join()
    assert answers == [True, True, False]
