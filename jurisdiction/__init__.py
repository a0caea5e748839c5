"""jurisdiction: redraw police-station jurisdictions from villages, stations and roads.

The pipeline is load -> network -> diagnose -> optimise -> outputs, one module per step. Most
names below are imported on first use. ``diagnose``, ``isochrones`` and ``plan`` are both
modules and functions; they are imported here so that ``jurisdiction.pipeline`` is the function.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

from jurisdiction.errors import (
    InfeasibleError,
    InputError,
    JurisdictionError,
    NetworkError,
    NoSolutionError,
    ScenarioError,
    VerificationError,
)

try:
    __version__ = importlib.metadata.version("jurisdiction")
except importlib.metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

#: Public name -> module that defines it.
_EXPORTS = {
    "load_example": "jurisdiction.inputs.example",
    "example_scenario": "jurisdiction.inputs.example",
    "read_villages": "jurisdiction.inputs.readers",
    "read_stations": "jurisdiction.inputs.readers",
    "read_jurisdictions": "jurisdiction.inputs.readers",
    "read_roads": "jurisdiction.inputs.readers",
    "generate_county": "jurisdiction.synthetic.county",
    "road_graph": "jurisdiction.network.graph",
    "travel_time_matrix": "jurisdiction.network.travel",
    "Scenario": "jurisdiction.scenario",
    "read_scenario": "jurisdiction.scenario",
    "compare": "jurisdiction.pipeline",
    "Plan": "jurisdiction.pipeline",
    "plan_map": "jurisdiction.outputs.maps",
    "current_map": "jurisdiction.outputs.maps",
    "write_report": "jurisdiction.outputs.report",
    "export_plan": "jurisdiction.outputs.files",
    "verify_plan": "jurisdiction.verification.folder",
    "Verdict": "jurisdiction.verification.folder",
}

# Functions that share their module's name: bound now, after their modules load, so that
# the package attribute is the function and later imports of the module do not rebind it.
from jurisdiction.diagnosis.findings import diagnose  # noqa: E402
from jurisdiction.network.bands import isochrones  # noqa: E402
from jurisdiction.pipeline import plan  # noqa: E402

__all__ = [
    "diagnose",
    "isochrones",
    "plan",
    "InfeasibleError",
    "InputError",
    "JurisdictionError",
    "NetworkError",
    "NoSolutionError",
    "ScenarioError",
    "VerificationError",
    "__version__",
    *_EXPORTS,
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'jurisdiction' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
