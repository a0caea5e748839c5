"""The plan's tables as people read them in a spreadsheet: names next to ids, roles in words, numbers rounded.

One source for ``districts.csv``, ``villages.csv``, ``stations.csv``, ``metrics.csv`` and the
sheets of ``plan.xlsx``. Columns keep their machine names here (so each can be formatted by its
kind, :mod:`jurisdiction.outputs.numbers`); :func:`header_row` gives the headers in the reader's
language. The GeoPackage and ``metrics.json`` keep the machine names (``jurisdiction verify``
reads those).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from jurisdiction.outputs.labels import METRIC_NAMES, ROLES, YES_NO, header, metric_label, village_word
from jurisdiction.outputs.numbers import column_kind, metric_kind, rounded

#: First characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Columns of the village table, in order (those the plan has).
VILLAGE_COLUMNS = [
    "village_id", "name", "township", "population", "incidents", "current", "current_name", "centre",
    "centre_name", "minutes_before", "minutes", "moved", "registration_station", "dispatch_station",
]
#: Columns of the station table, in order (those the plan has).
STATION_COLUMNS = ["station_id", "name", "kind", "officers", "auxiliaries", "role", "centre", "centre_name"]


@dataclass(frozen=True)
class Table:
    """One table of the plan: rows with machine column names, and each column's number kind.

    Attributes
    ----------
    key : str
        ``districts``, ``villages``, ``stations`` or ``metrics`` (the file and sheet it becomes).
    frame : DataFrame
        The rows; numbers rounded to their kind (counts as integers, minutes to 0.1).
    kinds : dict
        Column -> number kind (None: text).
    headers : dict
        Column -> header in the reader's language.
    row_kinds : list of str or None
        The number kind of each row, for tables whose rows mix kinds (metrics).
    """

    key: str
    frame: pd.DataFrame
    kinds: dict[str, str | None]
    headers: dict[str, str]
    row_kinds: list[str] | None = None

    def header_row(self) -> list[str]:
        """The headers of the columns, in order."""
        return [self.headers[str(c)] for c in self.frame.columns]


def _present(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    return [c for c in columns if c in frame.columns]


#: The header of each table's ``name`` column.
NAME_HEADERS = {"districts": "district_name", "villages": "village_name", "stations": "station_name"}


def _table(key: str, frame: pd.DataFrame, language: str, village: str, row_kinds: list[str] | None = None) -> Table:
    kinds = {str(c): None if row_kinds else column_kind(str(c)) for c in frame.columns}
    frame = frame.copy()
    for column, kind in kinds.items():
        if kind is not None:
            frame[column] = [rounded(v, kind) for v in frame[column]]
    headers = {str(c): header(str(c), language, village) for c in frame.columns}
    if "name" in headers and key in NAME_HEADERS:
        headers["name"] = header(NAME_HEADERS[key], language, village)
    return Table(key, frame.reset_index(drop=True), kinds, headers, row_kinds)


def plan_tables(plan: Any, language: str) -> dict[str, Table]:
    """The plan's four tables in ``language``: districts, villages, stations, metrics.

    Parameters
    ----------
    plan : Plan
        The plan.
    language : {"zh", "en"}
        Language of the headers, roles and metric names.

    Returns
    -------
    dict of str to Table
        ``districts`` (one row per district: population, incidents, area km², road km, longest
        and mean minutes, officers, posts), ``villages`` (old and new station ids and names,
        minutes before and after), ``stations`` (role in words: 中心所 / 警务室 / 保留, the centre
        each reports to), ``metrics`` (before, after).
    """
    village = village_word(plan.villages, language)
    stations = plan.stations
    names = pd.Series(stations["name"].to_numpy(), index=stations["station_id"].astype(str))

    districts = pd.DataFrame(plan.districts.drop(columns=plan.districts.geometry.name))
    district_order = ["name", "centre"] + [c for c in districts.columns if c not in ("name", "centre")]

    villages = pd.DataFrame(plan.villages.drop(columns=plan.villages.geometry.name))
    villages["current_name"] = names.reindex(villages["current"].astype(str)).to_numpy()
    villages["centre_name"] = names.reindex(villages["centre"].astype(str)).to_numpy()
    if "moved" in villages.columns:
        yes, no = YES_NO[language]
        villages["moved"] = villages["moved"].map(lambda moved: yes if moved else no)

    table = pd.DataFrame(stations.drop(columns=stations.geometry.name))
    table["role"] = table["role"].map(lambda role: ROLES[language].get(str(role), role))
    table["centre_name"] = names.reindex(table["centre"].astype(str)).to_numpy()

    metrics = plan.metrics
    row_kinds = [metric_kind(str(m)) for m in metrics.index]
    metric_table = pd.DataFrame({
        "metric": [metric_label(str(m), METRIC_NAMES[language], village) for m in metrics.index],
        **{column: pd.Series([rounded(v, kind) for v, kind in zip(metrics[column], row_kinds, strict=True)],
                             dtype=object)  # counts stay integers next to minutes
           for column in ("before", "after")},
    })
    return {
        "districts": _table("districts", districts[district_order], language, village),
        "villages": _table("villages", villages[_present(villages, VILLAGE_COLUMNS)], language, village),
        "stations": _table("stations", table[_present(table, STATION_COLUMNS)], language, village),
        "metrics": _table("metrics", metric_table, language, village, row_kinds),
    }

