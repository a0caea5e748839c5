"""The exact p-median library: uncapacitated and single-sourcing capacitated, proven optimal.

| module | what it holds |
|---|---|
| ``exact`` | :func:`solve_pmedian` (heuristic, Lagrangian bound and fixing, radius MIP) and the textbook MIP |
| ``capacitated`` | :func:`solve_capacitated_pmedian` |
| ``search`` | greedy construction and swap local search |
| ``bounds`` | Lagrangian lower bounds and fixing |
| ``tree`` | depth-first Lagrangian branch and bound |
| ``columns`` | column generation bound of the capacitated problem |
| ``branch_price`` | branch and price of the capacitated problem |
| ``branching`` | its branching rules |
| ``knapsack`` | the 0-1 knapsacks of every facility at once |
| ``fixing`` | reduced-cost fixing of the capacitated problem |
| ``highs_arrays`` | a MIP given as arrays, handed straight to HiGHS; the result types |
"""

from jurisdiction.optimise.pmedian.capacitated import solve_capacitated_pmedian
from jurisdiction.optimise.pmedian.exact import solve_pmedian, textbook_pmedian
from jurisdiction.optimise.pmedian.highs_arrays import PMedianResult

__all__ = ["solve_pmedian", "textbook_pmedian", "solve_capacitated_pmedian", "PMedianResult"]
