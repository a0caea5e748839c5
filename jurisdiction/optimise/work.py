"""Work budgets: how much solver work a stage of the search may do, counted in LP iterations.

The stages before the main MIP (balanced starts, connected plans, centre sets, probing) used to
get shares of the wall-clock time left, so a busy machine changed which path the search took,
not only its speed. Their budgets are now LP iterations of HiGHS, which are the same on every
machine and every load: a stage's budget is a share of the *time limit* (a number the user gave)
converted at :data:`ITERATIONS_PER_SECOND`, and every HiGHS run of the stage is stopped after
the work left (``simplex_iteration_limit`` for an LP; nodes for a MIP, see :meth:`Work.run`).
The wall clock remains only the outer stop: a run also ends at the solve's deadline, and then
the result may differ (the plan is still checked and its gap reported).
"""

from __future__ import annotations

import threading
import time

import highspy

#: HiGHS simplex iterations counted as one second of work (the engine's small assignment MIPs
#: on the generated counties ran 3,900 per second on the 2-core reference machine, with a
#: second process busy; benchmarks/districting_family.py).
ITERATIONS_PER_SECOND = 4000
#: LP iterations a branch-and-bound node is counted as, to limit a MIP by its nodes (the
#: assignment MIPs of benchmarks/districting_family.py averaged 130, the root included).
ITERATIONS_PER_NODE = 100
#: HiGHS's "no limit" for an iteration count.
NO_LIMIT = 2**31 - 1


def iterations(seconds: float) -> int:
    """The work budget (LP iterations) worth ``seconds`` on the reference machine."""
    return max(int(seconds * ITERATIONS_PER_SECOND), 1)


class Work:
    """A budget of LP iterations, with a wall-clock deadline as the outer stop.

    Parameters
    ----------
    budget : int or None
        LP iterations this stage may spend; None: no limit but the deadline.
    deadline : float or None
        ``time.perf_counter()`` value at which every run stops whatever the budget.

    parent : Work or None
        A budget this one is a part of: what is spent here is spent there too.

    Decisions of the search ask :meth:`exhausted`: the budget, and the clock only as the outer
    stop. A part given to a thread is made before the threads start, and each thread asks only
    its own part, so that the threads' timing cannot change what any of them decides.
    """

    def __init__(self, budget: int | None, deadline: float | None, parent: Work | None = None):
        self.budget = budget
        self.deadline = deadline
        self.parent = parent
        self.spent = 0
        self._lock = threading.Lock()

    def left(self) -> int | None:
        """Iterations left (at least 0), or None without a budget."""
        return None if self.budget is None else max(self.budget - self.spent, 0)

    def spent_out(self) -> bool:
        """The budget is used up (the clock is not asked)."""
        return self.budget is not None and self.spent >= self.budget

    def late(self) -> bool:
        """The outer deadline has passed."""
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def exhausted(self) -> bool:
        """Budget used up or deadline passed."""
        return self.spent_out() or self.late()

    def part(self, budget: int | None = None) -> Work:
        """A part of at most ``budget`` iterations (and of what is left here), same deadline."""
        left = self.left()
        if budget is not None:
            left = budget if left is None else min(budget, left)
        return Work(left, self.deadline, self)

    def split(self, count: int) -> list[Work]:
        """``count`` equal parts of what is left, one per thread, made before the threads start."""
        left = self.left()
        return [self.part(None if left is None else max(left // count, 1)) for _ in range(count)]

    def share(self, fraction: float, default_seconds: float) -> Work:
        """A part of ``fraction`` of what is left here; without a budget, ``default_seconds`` worth."""
        left = self.left()
        return self.part(iterations(default_seconds) if left is None else max(int(fraction * left), 1))

    def charge(self, iterations_done: int) -> None:
        """Count ``iterations_done`` against this budget and those it is part of (thread-safe)."""
        with self._lock:
            self.spent += int(iterations_done)
        if self.parent is not None:
            self.parent.charge(iterations_done)

    def seconds_left(self) -> float:
        """Seconds before the deadline (at least 0.01), or a day without one."""
        return 86400.0 if self.deadline is None else max(self.deadline - time.perf_counter(), 0.01)

    def run(self, h: highspy.Highs, *, mip: bool) -> None:
        """Run ``h`` for at most the iterations left and until the deadline; charge what it did.

        A MIP is stopped after the budget left in nodes (``mip_max_nodes``, at
        :data:`ITERATIONS_PER_NODE` iterations each; its root always runs), an LP by
        ``simplex_iteration_limit``; both then charge the LP iterations they did.
        """
        left = self.left()
        h.setOptionValue("time_limit", h.getRunTime() + self.seconds_left())
        if mip:  # HiGHS reports no LP iterations while a MIP runs: its nodes are counted instead
            h.setOptionValue("mip_max_nodes", NO_LIMIT if left is None else max(left // ITERATIONS_PER_NODE, 1))
        else:
            h.setOptionValue("simplex_iteration_limit", NO_LIMIT if left is None else max(left, 1))
        h.run()
        self.charge(int(h.getInfo().simplex_iteration_count))  # this run's iterations
