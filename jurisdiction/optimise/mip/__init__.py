"""The mixed-integer model: building it from index arrays and running HiGHS or CBC on it.

| module | what it holds |
|---|---|
| ``model`` | :func:`build`: the PuLP model of an instance (pairs, counts, balance, capacity, objectives) |
| ``bundling`` | bundling rows (2合1 / 3合1): which station joins which centre |
| ``contiguity`` | contiguity: shortest-path rows, separator cuts, connected checks |
| ``solver`` | running HiGHS or CBC honestly (status, bound, gap from the solver's proof); silent HiGHS objects |
"""

from jurisdiction.optimise.mip.model import Built, build
from jurisdiction.optimise.mip.solver import Run, new_highs, relative_gap, run

__all__ = ["Built", "build", "Run", "run", "new_highs", "relative_gap"]
