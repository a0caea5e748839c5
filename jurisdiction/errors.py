"""The package's error types, and :func:`finite_number`, the one check of every number setting.

Every failure the user can fix (a bad file, an impossible scenario) raises a subclass of
:class:`JurisdictionError`, with a message that names where the problem is and what it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

#: How many problems an error message lists before it summarises the rest.
MAX_LISTED = 20


class JurisdictionError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in one row of an input layer.

    Attributes
    ----------
    row : str or None
        The row's id (``village_id``, ``station_id``) or its position, ``None`` for the whole layer.
    message : str
        What is wrong, in words a GIS user can act on.
    """

    row: str | None
    message: str

    def __str__(self) -> str:
        return self.message if self.row is None else f"row {self.row}: {self.message}"


class InputError(JurisdictionError, ValueError):
    """An input layer or file failed validation.

    All problems found in one layer are reported together: the message gives their count and
    the first :data:`MAX_LISTED` of them.

    Parameters
    ----------
    source : str
        The file (or layer name, for in-memory data) the problems are in.
    problems : sequence of Problem
        Everything that is wrong with it.
    """

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = str(source)
        self.problems = list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''}"
        lines = [f"  - {p}" for p in self.problems[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"  ... and {n - MAX_LISTED} more")
        return "\n".join([head + ":", *lines])


class NetworkError(JurisdictionError):
    """The road network cannot answer the question (empty graph, unreachable places)."""


class InfeasibleError(JurisdictionError):
    """A scenario has no solution; ``reasons`` says why, with the numbers.

    Parameters
    ----------
    reasons : sequence of str
        One sentence per conflict found (villages with no centre in reach, bounds that cannot
        hold, group sizes that cannot partition the stations).
    """

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__("the scenario is infeasible:\n" + "\n".join(f"  - {r}" for r in self.reasons))


class NoSolutionError(JurisdictionError):
    """The solver found no plan within its time limit, and did not prove that none exists.

    Parameters
    ----------
    reasons : sequence of str
        What was tried, and what to relax or how much more time to allow.
    """

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__("no plan found in time:\n" + "\n".join(f"  - {r}" for r in self.reasons))


class ScenarioError(JurisdictionError, ValueError):
    """A scenario file or object has an unknown key or a bad value (the key is named)."""


class OutputError(JurisdictionError):
    """The output folder cannot be written (the message names the path).

    A file is in the way, the folder or its disk is read-only or full, or another run is writing it.
    """


class VerificationError(JurisdictionError):
    """A written plan failed :func:`jurisdiction.verify_plan`; ``verdict`` holds every check.

    Parameters
    ----------
    verdict : Verdict
        The verdict (see :mod:`jurisdiction.verification.folder`); the message names each failed
        check with what it found.
    """

    def __init__(self, verdict: Any):
        self.verdict = verdict
        failed = [f"  - {check.name}: {check.detail}" for check in verdict.checks if not check.ok]
        super().__init__("\n".join([verdict.summary(), *failed]))


def finite_number(key: str, value: Any, *, low: float | None = None, high: float | None = None,
                  positive: bool = False) -> float:
    """``value`` as a float, or ScenarioError naming ``key``: the one check of every number setting.

    Parameters
    ----------
    key : str
        The setting's name, put at the start of the message.
    value : Any
        A real number (bool, NaN and infinity are refused: every comparison with NaN is false, and
        no setting means "unlimited" by infinity; leave it out instead).
    low, high : float, optional
        Inclusive bounds, in the setting's unit.
    positive : bool
        Refuse 0 as well as negative numbers.

    Returns
    -------
    float
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ScenarioError(f"{key}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ScenarioError(f"{key}: expected a finite number, got {number!r}")
    if positive and number <= 0:
        raise ScenarioError(f"{key}: expected a positive number, got {value!r}")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ScenarioError(f"{key}: {value!r} is outside [{low}, {high if high is not None else 'inf'}]")
    return number
