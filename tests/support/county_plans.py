"""Real plans of small generated counties (:func:`jurisdiction.synthetic.county.generate_county`).

Made by the whole pipeline in a fraction of a second; the travel-time limit is set afterwards
(to the median village -> centre minutes) so that random moves often break it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from jurisdiction.pipeline import plan
from jurisdiction.scenario.settings import Scenario
from jurisdiction.synthetic.county import generate_county


def county_plan(seed: int = 3, n_villages: int = 80, n_stations: int = 8, centres: int = 4):
    """A p-median plan of a generated county, with ``scenario.limit`` = the median minutes to a centre."""
    county = generate_county(seed, n_villages, n_stations)
    result = plan(county.villages, county.stations, county.roads,
                  Scenario(name=f"county {seed}", centres=centres, isochrones=()), county.jurisdictions)
    minutes = result.travel_times[list(result.districts["centre"])].to_numpy()
    limit = float(np.median(minutes[np.isfinite(minutes)]))
    return dataclasses.replace(result, scenario=result.scenario.with_(limit=round(limit, 1)))
