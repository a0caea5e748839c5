"""Pass a MIP given as arrays straight to HiGHS (highspy) and read back values and bounds.

The p-median models here reach 10^5-10^6 nonzeros; building them as PuLP expressions costs one
Python object per term and dominates the run time, so they are built as numpy/CSC arrays and
handed to ``highspy.Highs.passModel`` in one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from jurisdiction.optimise.mip.solver import highs_objective, new_highs, satisfies


@dataclass(frozen=True)
class MipOutcome:
    """What HiGHS returned.

    Attributes
    ----------
    values : ndarray or None
        Column values of the best solution found (``None`` when there is none).
    objective : float
        Its objective (``inf`` when there is none).
    dual_bound : float
        HiGHS's proven lower bound (``mip_dual_bound``); ``inf`` when the model is proven
        infeasible (under the cutoff).
    status : str
        HiGHS's model status string.
    """

    values: np.ndarray | None
    objective: float
    dual_bound: float
    status: str


def run_highs(cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray,  # noqa: PLR0913
              matrix: sparse.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray, *,
              offset: float = 0.0, time_limit: float | None = None,
              start: np.ndarray | None = None, rel_gap: float = 0.0, abs_gap: float = 1e-6,
              options: dict | None = None) -> MipOutcome:
    """Solve ``min cost.x + offset`` s.t. ``row_lower <= matrix x <= row_upper``, bounds, integrality.

    Parameters
    ----------
    cost, lower, upper : ndarray, shape (n_cols,)
        Objective and column bounds.
    integer : ndarray of bool, shape (n_cols,)
        Integer columns.
    matrix : sparse matrix, shape (n_rows, n_cols)
        Constraint matrix.
    row_lower, row_upper : ndarray, shape (n_rows,)
        Row bounds (``±np.inf`` for none).
    offset : float
        Constant added to the objective.
    time_limit : float, optional
        Seconds. HiGHS picks its own thread count (see :func:`jurisdiction.optimise.mip.solver._run_highs`).
    start : ndarray, optional
        A feasible solution to start from (column values), e.g. the heuristic incumbent.
    options : dict, optional
        Further HiGHS options by name.
    rel_gap, abs_gap : float
        HiGHS ``mip_rel_gap`` and ``mip_abs_gap``.

    Returns
    -------
    MipOutcome
    """
    csc = sparse.csc_matrix(matrix)
    csc.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = int(cost.size)
    lp.num_row_ = int(csc.shape[0])
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(upper, dtype=np.float64)
    lp.row_lower_ = np.where(np.isinf(row_lower), -highspy.kHighsInf, row_lower).astype(np.float64)
    lp.row_upper_ = np.where(np.isinf(row_upper), highspy.kHighsInf, row_upper).astype(np.float64)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                       for f in np.asarray(integer, dtype=bool)]
    h = new_highs()
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", float(abs_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    h.passModel(lp)
    if start is not None and satisfies(h, start):
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=np.float64).tolist()
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return MipOutcome(None, np.inf, np.inf, status)
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        values = np.asarray(h.getSolution().col_value)
        objective = highs_objective(h)  # the returned columns' value, not HiGHS's account
    else:
        values, objective = None, np.inf
    bound = float(info.mip_dual_bound)
    if not np.isfinite(bound):
        bound = -np.inf
    return MipOutcome(values, objective, bound, status)


@dataclass(frozen=True)
class PMedianResult:
    """A p-median solution with its proof of quality.

    Attributes
    ----------
    open : ndarray of int
        Sorted column indices of the open facilities.
    assignment : ndarray of int, shape (n_clients,)
        Column index serving each client (its cheapest open facility in the uncapacitated case).
    objective : float
        Total weighted cost (units of ``cost`` times units of ``weights``, e.g. minutes).
    bound : float
        Proven lower bound on the optimum.
    gap : float
        ``(objective - bound) / objective`` (0 when both are 0).
    status : str
        ``"optimal"`` when the gap is closed to the requested tolerance, else ``"feasible"``.
    seconds : float
        Wall-clock seconds.
    solver : str
        The MIP solver used (``"highs"``, ``"cbc"``, or ``"none"`` when bounds alone closed it).
    formulation : str
        How it was solved.
    n_variables, n_constraints : int
        Size of the MIP passed to the solver (0 when none was needed).
    """

    open: np.ndarray
    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    solver: str
    formulation: str
    n_variables: int
    n_constraints: int


def excluded_above(target: float, integral: bool) -> float:
    """Lower bound on every solution that fixing against ``target`` excluded.

    Fixing removes only solutions costing more than ``target``; with integer costs they cost at
    least ``floor(target) + 1``.
    """
    return float(np.floor(target + 1e-9) + 1.0) if integral else float(target)
