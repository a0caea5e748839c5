"""Diagnosis: what is wrong with today's map, from the layers and the travel times.

| module | what it holds |
|---|---|
| ``findings`` | :func:`diagnose` and :class:`Diagnosis`: split villages (西坦村), functional splits (东庄村), \
reach, workload, coverage, small stations (小散弱) |
| ``reach`` | minutes from each village to its current station, villages out of reach, coverage |
| ``workload`` | workload per station (villages, people, incidents, area, road km) and the small-station rule |
| ``summary`` | one screen of text of a diagnosis, in Chinese or English |
"""

from jurisdiction.diagnosis.findings import Diagnosis, diagnose
from jurisdiction.diagnosis.workload import SmallStationRule

__all__ = ["Diagnosis", "diagnose", "SmallStationRule"]
