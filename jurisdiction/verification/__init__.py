"""Verification: re-check a written plan from its files alone, sharing nothing with the optimiser.

| module | what it holds |
|---|---|
| ``folder`` | :func:`verify_plan` and :class:`Verdict`: reads the plan folder and the inputs its scenario names |
| ``checks`` | the geometric checks (villages once and whole, districts connected, centres inside) |
| ``rules`` | the scenario's rules (centres, limit, minutes, balance, bundles, objective, pins) |
| ``roads`` | road travel times rebuilt with networkx alone |
"""

from jurisdiction.verification.checks import Check
from jurisdiction.verification.folder import Verdict, verify_plan

__all__ = ["Verdict", "verify_plan", "Check"]
