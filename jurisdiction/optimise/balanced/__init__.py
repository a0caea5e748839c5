"""Plans found before (or instead of) the main MIP for balanced, contiguous districting.

| module | what it holds |
|---|---|
| ``problem`` | the frozen problems taken here: :class:`Districting` and :class:`PairModel` (for probing) |
| ``heuristics`` | :func:`balanced_start`: assign, recentre and swap for a balanced p-median plan |
| ``boundary`` | :func:`settle`: a connected plan within the load bounds by moving border villages (no solver) |
| ``probing`` | :func:`probe_centres`: centres and pairs of centres no plan below a cutoff opens |
| ``centre_sets`` | the exact plan by enumerating centre sets, when there are few |
| ``starts`` | the engine's starting plans, connected repairs and incumbents, built on the above |
"""

from jurisdiction.optimise.balanced.boundary import settle
from jurisdiction.optimise.balanced.centre_sets import by_centre_sets
from jurisdiction.optimise.balanced.heuristics import balanced_start
from jurisdiction.optimise.balanced.probing import probe_centres
from jurisdiction.optimise.balanced.problem import Districting, PairModel

__all__ = ["Districting", "PairModel", "balanced_start", "probe_centres", "by_centre_sets", "settle"]
