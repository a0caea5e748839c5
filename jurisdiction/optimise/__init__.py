"""The optimisation core: choose centres and assign whole villages, on arrays only.

>>> from jurisdiction.optimise import Instance, Options, solve
>>> sol = solve(Instance(times, weights), Options(centres=5, limit=30))  # doctest: +SKIP

See :class:`Instance` (travel times in minutes, weights, masks, adjacency), :class:`Options`
(model, constraints, solver control) and :class:`Solution`. ``Options(progress=callback)``
gets a :class:`SearchState` (stage, best objective, bound, gap) every 2 s while a solve runs.
"""

from jurisdiction.optimise.engine import solve
from jurisdiction.optimise.infeasibility import explain_infeasibility
from jurisdiction.optimise.instance import Instance, Options, Solution
from jurisdiction.optimise.progress import SearchState

__all__ = ["Instance", "Options", "SearchState", "Solution", "solve", "explain_infeasibility"]
