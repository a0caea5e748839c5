"""The Dianjiang demo's plan (the shipped example and scenario), built once per test session."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def dianjiang_plan() -> Any:
    """The plan ``jurisdiction demo`` makes: 26 stations, 17 bundled 2合1 / 3合1 into 8 centres (a few seconds)."""
    from jurisdiction.cli.commands import DEMO_SCENARIO, load_layers
    from jurisdiction.pipeline import plan
    from jurisdiction.scenario.document import read_scenario

    scenario = read_scenario(DEMO_SCENARIO)
    layers, attribution = load_layers(scenario)
    return plan(layers["villages"], layers["stations"], layers["roads"], scenario, layers["jurisdictions"],
                attribution=attribution)
