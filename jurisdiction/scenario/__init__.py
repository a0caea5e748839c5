"""Scenarios: what one run is asked to do, checked when it is made.

| module | holds |
|---|---|
| ``settings`` | :class:`Scenario` (the frozen configuration, every field with its unit), ``TILES``, ``LANGUAGES`` |
| ``document`` | :func:`read_scenario` (a TOML file; its layout is documented there), ``SECTIONS`` |
| ``values`` | the checks of single values (ids, ranges, speeds, minutes, weights), ``WEIGHT_COLUMNS`` |
"""

from jurisdiction.scenario.document import SECTIONS, read_scenario, scenario_fields
from jurisdiction.scenario.settings import LANGUAGES, TILES, Scenario
from jurisdiction.scenario.values import WEIGHT_COLUMNS

__all__ = ["LANGUAGES", "SECTIONS", "TILES", "WEIGHT_COLUMNS", "Scenario", "read_scenario", "scenario_fields"]
