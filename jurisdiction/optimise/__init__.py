"""The optimisation core: choose centres and assign whole villages, on arrays only.

>>> from jurisdiction.optimise import Instance, Options, solve
>>> sol = solve(Instance(times, weights), Options(centres=5, limit=30))  # doctest: +SKIP

See :class:`Instance` (travel times in minutes, weights, masks, adjacency), :class:`Options`
(model, constraints, solver control) and :class:`Solution`. ``Options(progress=callback)``
gets a :class:`SearchState` (stage, best objective, bound, gap) every 2 s while a solve runs.
(model, constraints, solver control) and :class:`Solution`. :func:`choose_posts` (module
``covering``) places posts: k covering the most weight within t minutes, or the fewest covering all.
"""

from jurisdiction.optimise.covering import choose_posts
from jurisdiction.optimise.engine import solve
from jurisdiction.optimise.infeasibility import explain_infeasibility
from jurisdiction.optimise.instance import Instance, Options, Solution
from jurisdiction.optimise.progress import SearchState

__all__ = ["Instance", "Options", "SearchState", "Solution", "solve", "explain_infeasibility", "choose_posts"]
