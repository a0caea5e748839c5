"""jurisdiction: redraw police-station jurisdictions from villages, stations and roads.

The package follows its pipeline, one room per stage:

| room | what it does |
|---|---|
| ``inputs`` | read and check the layers (villages, stations, jurisdictions, roads); the Dianjiang example |
| ``network`` | road graph, speeds, travel-time matrices, isochrones, adjacency |
| ``diagnosis`` | what is wrong today: split villages, functional splits, reach, workload, small stations |
| ``optimise`` | the optimisation core, on arrays only: centres, bundles, whole villages, contiguity |
| ``outputs`` | the Plan, district tables, maps, the report, files |
| ``verification`` | re-check a written plan from its files, sharing nothing with the optimiser |
| ``synthetic`` | generated counties with known defects |
| ``sweeps`` | after the pipeline: one scenario for many settings (or counties), its table and Pareto front, on Dask |

At the top: :mod:`~jurisdiction.pipeline` (:func:`plan`, :func:`survey`, :func:`compare`),
:mod:`~jurisdiction.patrol` (:func:`place_posts`: posts and patrol points covering villages within t minutes),
:mod:`~jurisdiction.translation` (layers and scenario -> the optimiser's arrays),
:mod:`~jurisdiction.scenario`, :mod:`~jurisdiction.road_classes` (the road vocabulary),
:mod:`~jurisdiction.errors`, and the command line :mod:`~jurisdiction.cli`.
"""

from __future__ import annotations

import importlib.metadata

from jurisdiction.diagnosis import Diagnosis, diagnose
from jurisdiction.errors import (
    InfeasibleError,
    InputError,
    JurisdictionError,
    NetworkError,
    NoSolutionError,
    ScenarioError,
    VerificationError,
)
from jurisdiction.inputs import (
    example_scenario,
    load_example,
    read_jurisdictions,
    read_roads,
    read_sites,
    read_stations,
    read_villages,
)
from jurisdiction.network import isochrones, road_graph, road_sites, travel_time_matrix
from jurisdiction.outputs import current_map, export_plan, export_posts, plan_map, posts_map, write_report
from jurisdiction.patrol import PostPlacement, place_posts
from jurisdiction.pipeline import Plan, Survey, compare, plan, survey
from jurisdiction.scenario.document import read_scenario
from jurisdiction.scenario.settings import Scenario
from jurisdiction.sweeps import Sweep, sweep
from jurisdiction.synthetic import generate_county
from jurisdiction.verification import Verdict, verify_plan

try:
    __version__ = importlib.metadata.version("jurisdiction")
except importlib.metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Diagnosis",
    "InfeasibleError",
    "InputError",
    "JurisdictionError",
    "NetworkError",
    "NoSolutionError",
    "Plan",
    "PostPlacement",
    "Scenario",
    "ScenarioError",
    "Survey",
    "Sweep",
    "Verdict",
    "VerificationError",
    "__version__",
    "compare",
    "current_map",
    "diagnose",
    "example_scenario",
    "export_plan",
    "export_posts",
    "generate_county",
    "isochrones",
    "load_example",
    "place_posts",
    "plan",
    "plan_map",
    "posts_map",
    "read_jurisdictions",
    "read_roads",
    "read_scenario",
    "read_sites",
    "read_stations",
    "read_villages",
    "road_graph",
    "road_sites",
    "survey",
    "sweep",
    "travel_time_matrix",
    "verify_plan",
    "write_report",
]
