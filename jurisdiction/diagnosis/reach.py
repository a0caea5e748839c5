"""Reach and coverage of the current map, from a travel-time matrix (minutes).

Used by :func:`jurisdiction.diagnosis.findings.diagnose`: minutes from each village to its current and
its nearest station, and the share of villages and people within t minutes of a station or
post.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from jurisdiction.errors import InputError, Problem


def check_travel_times(tt: pd.DataFrame, vid: pd.Index, current: pd.Series, station_ids: set, post_ids: set) -> None:
    """Check a travel-time matrix against the layers.

    Raises
    ------
    InputError
        Columns that are neither stations nor posts, villages without a row, current
        stations without a column (each named).
    """
    unknown = [c for c in tt.columns if c not in station_ids and c not in post_ids]
    if unknown:
        raise InputError("travel_times", [Problem(str(c), "column is not a station or post id") for c in unknown])
    missing = vid.difference(tt.index)
    if len(missing):
        raise InputError("travel_times", [Problem(str(v), "village has no row") for v in missing])
    cols = set(tt.columns)
    lacking = current[current.notna() & ~current.isin(cols)]
    if len(lacking):
        raise InputError("travel_times", [Problem(str(v), f"current station {s!r} has no column")
                                          for v, s in lacking.items()])


def village_reach(tt: pd.DataFrame, villages: pd.DataFrame, current: pd.Series, station_ids: set,
                  limit: float) -> tuple[pd.DataFrame, dict]:
    """Minutes from each village's current station and from its nearest station.

    Parameters
    ----------
    tt : DataFrame
        Minutes, index ``village_id``, columns ``station_id`` (and post ids, ignored here);
        NaN or inf = unreachable.
    villages : DataFrame
        ``village_id``, ``population`` in the order of ``current``.
    current : Series
        ``village_id`` -> current ``station_id`` (missing where unknown).
    station_ids : set
        Ids of stations (columns that count).
    limit : float
        Minutes; villages farther (or unreachable) from their current station are flagged.

    Returns
    -------
    (DataFrame, dict)
        Per village ``current_station, minutes_to_current, nearest_station,
        minutes_to_nearest, beyond_limit``; and the summary: population-weighted
        ``mean_minutes_to_current``/``_nearest`` (over reachable villages; plain mean when all
        populations are 0), ``max_minutes_to_*``, ``villages_unreachable_from_*``,
        ``villages_beyond_limit``, ``population_beyond_limit``, ``villages_without_current``,
        ``limit``.
    """
    vid = current.index
    cols = [c for c in tt.columns if c in station_ids]
    minutes = tt.loc[vid, cols].to_numpy(dtype=float)
    minutes = np.where(np.isnan(minutes), np.inf, minutes)
    col_of = {c: i for i, c in enumerate(cols)}
    ci = current.map(col_of)
    known = ci.notna().to_numpy()
    to_current = np.full(len(vid), np.nan)
    rows = np.flatnonzero(known)
    to_current[rows] = minutes[rows, ci.to_numpy()[known].astype(int)]
    if len(cols):
        nearest_i = np.argmin(minutes, axis=1)
        to_nearest = minutes[np.arange(len(vid)), nearest_i]
        nearest = np.asarray(cols, dtype=object)[nearest_i]
        nearest[~np.isfinite(to_nearest)] = None
    else:
        to_nearest, nearest = np.full(len(vid), np.inf), np.full(len(vid), None, dtype=object)
    reach = pd.DataFrame(
        {"current_station": current.to_numpy(), "minutes_to_current": to_current,
         "nearest_station": nearest, "minutes_to_nearest": to_nearest,
         "beyond_limit": known & ~(to_current <= limit)},
        index=vid,
    )
    pop = villages["population"].to_numpy(dtype=float)
    summary = {"limit": float(limit)}
    for key, values in (("current", to_current), ("nearest", to_nearest)):
        ok = np.isfinite(values)
        weights = pop[ok] if pop[ok].sum() > 0 else np.ones(ok.sum())
        summary[f"mean_minutes_to_{key}"] = float(np.average(values[ok], weights=weights)) if ok.any() else float("nan")
        summary[f"max_minutes_to_{key}"] = float(values[ok].max()) if ok.any() else float("nan")
        summary[f"villages_unreachable_from_{key}"] = int((~ok & ~np.isnan(values)).sum())
    beyond = reach["beyond_limit"].to_numpy()
    summary["villages_beyond_limit"] = int(beyond.sum())
    summary["population_beyond_limit"] = int(pop[beyond].sum())
    summary["villages_without_current"] = int((~known).sum())
    return reach, summary


def coverage_table(tt: pd.DataFrame, villages: pd.DataFrame, coverage_minutes: Sequence[float],
                   ids: set) -> pd.DataFrame:
    """Share of villages and people within t minutes of any station or post (一村一警).

    Returns
    -------
    DataFrame
        Index ``minutes``; ``villages, villages_share, population, population_share``.
    """
    vid = pd.Index(villages["village_id"])
    cols = [c for c in tt.columns if c in ids]
    minutes = tt.loc[vid, cols].to_numpy(dtype=float)
    best = np.nanmin(np.where(np.isnan(minutes), np.inf, minutes), axis=1) if cols else np.full(len(vid), np.inf)
    pop = villages["population"].to_numpy(dtype=float)
    rows = []
    for t in coverage_minutes:
        within = best <= t
        rows.append({"minutes": float(t), "villages": int(within.sum()),
                     "villages_share": float(within.mean()) if len(vid) else float("nan"),
                     "population": int(pop[within].sum()),
                     "population_share": float(pop[within].sum() / pop.sum()) if pop.sum() > 0 else float("nan")})
    return pd.DataFrame(rows).set_index("minutes")
