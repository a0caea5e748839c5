"""A small generated county and a local Dask cluster of 2 workers, shared by the sweep tests."""

from __future__ import annotations

import logging

import pytest

from jurisdiction import Scenario, generate_county


@pytest.fixture(scope="session")
def county():
    """120 villages, 10 stations: every run of the sweeps below solves in well under a second."""
    return generate_county(seed=7, n_villages=120, n_stations=10)


@pytest.fixture(scope="session")
def base():
    """No time limit: every run is solved to the end, so serial and Dask must agree exactly."""
    return Scenario(name="gen-7", centres=4, limit=40, isochrones=(), tiles="none")


@pytest.fixture(scope="session")
def cluster():
    """A LocalCluster of 2 worker processes, one thread each, no dashboard (skipped without Dask)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as local:
        yield local
