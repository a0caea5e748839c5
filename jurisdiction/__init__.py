"""jurisdiction: redraw police-station jurisdictions from villages, stations and roads.

The pipeline is load -> network -> diagnose -> optimise -> outputs, one module per step.
"""

from jurisdiction.errors import (
    InfeasibleError,
    InputError,
    JurisdictionError,
    NetworkError,
    ScenarioError,
)

__version__ = "0.1.0"

__all__ = [
    "InfeasibleError",
    "InputError",
    "JurisdictionError",
    "NetworkError",
    "ScenarioError",
    "__version__",
]
