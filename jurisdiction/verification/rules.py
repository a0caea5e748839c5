"""The scenario's rules, checked on a written plan for :func:`jurisdiction.verify_plan`.

centres (count, fixed, excluded), limit and minutes (against the travel times rebuilt by
:mod:`jurisdiction.verification.roads`), balance, bundles and objective. The rules are restated
here from the scenario's settings, as :class:`jurisdiction.scenario.Scenario` documents them;
nothing of the optimiser is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jurisdiction.scenario.values import AUTO
from jurisdiction.verification.checks import (
    MINUTES_TOLERANCE,
    MINUTES_TOLERANCE_SHARE,
    Check,
    Evidence,
    agree,
    bundle_scope,
    centres_of,
    clean,
    label,
    names_of,
    neighbours,
    outcome,
    reports_to,
)

#: The reported objective agrees with the recomputed one within this share (p-median, max-covering).
OBJECTIVE_TOLERANCE_SHARE = 0.005
_NO_ROADS = "not checked: the roads are an OSM XML/PBF file, which the verifier does not read"


def centre_range(settings: Any, station_ids: Sequence[str]) -> tuple[int, int] | None:
    """(fewest, most) centres the scenario allows, counting the stations left out of bundling."""
    k = settings.centres
    if k is None:
        return None
    low, high = (k, k) if isinstance(k, int) else (int(k[0]), int(k[1]))
    if settings.bundle_sizes is not None and settings.bundle_stations and settings.bundle_stations != AUTO:
        untouched = len(set(station_ids) - set(settings.bundle_stations))
        low, high = low + untouched, high + untouched
    return low, high


def village_weights(villages: pd.DataFrame, ids: Sequence[str], weight: Any) -> np.ndarray:
    """Weight of each village id in ``ids``: one column or a blend {column: factor}; missing = 0."""
    blend = {weight: 1.0} if isinstance(weight, str) else dict(weight)
    table = villages.drop_duplicates("village_id").set_index("village_id")
    total = np.zeros(len(ids))
    for column, factor in blend.items():
        values = table[column] if column in table.columns else pd.Series(0.0, index=table.index)
        total += factor * pd.to_numeric(values, errors="coerce").reindex(ids).fillna(0).to_numpy(dtype=float)
    return total


def check_centres(ev: Evidence) -> Check:
    """The number of centres is the scenario's; fixed stations are centres, excluded ones are not."""
    names = names_of(ev.input_stations, "station_id")
    inputs = ev.input_stations.drop_duplicates("station_id").set_index("station_id")
    centres = centres_of(ev.stations) & set(inputs.index)
    problems = []
    bounds = centre_range(ev.settings, list(inputs.index))
    if bounds is not None and not bounds[0] <= len(centres) <= bounds[1]:
        wanted = str(bounds[0]) if bounds[0] == bounds[1] else f"{bounds[0]} to {bounds[1]}"
        problems.append(f"{len(centres)} centres, the scenario asks for {wanted}")

    def flag(key: str, default: bool) -> pd.Series:
        return inputs[key].astype(bool) if key in inputs.columns else pd.Series(default, index=inputs.index)

    fixed = flag("fixed", False) | inputs.index.isin(ev.settings.fixed)
    excluded = flag("excluded", False) | inputs.index.isin(ev.settings.excluded)
    allowed = (flag("candidate", True) | fixed) & ~excluded
    problems += [f"{label('station', s, names)} is fixed but not a centre"
                 for s in inputs.index[fixed.to_numpy()] if s not in centres]
    problems += [f"{label('station', s, names)} is a centre but may not be one"
                 for s in sorted(centres) if not allowed[s]]
    asked = "" if bounds is None else " as the scenario asks"
    return outcome("centres", problems,
                   f"{len(centres)} centres{asked}; fixed and excluded stations respected")


def check_limit(ev: Evidence) -> Check:
    """Every village is within the limit of its centre by road (rebuilt travel times)."""
    if ev.minutes is None:
        return Check("limit", True, _NO_ROADS, checked=False)
    names = names_of(ev.input_villages, "village_id")
    ids, centre = ev.villages["village_id"].to_numpy(), ev.villages["centre"].to_numpy()
    limit = ev.settings.limit
    lost = ~np.isfinite(ev.minutes)
    problems = [f"{label('village', v, names)} has no road time from {clean(c)}"
                for v, c in zip(ids[lost], centre[lost])]
    longest = float(np.max(ev.minutes[~lost], initial=0.0))
    if limit is None:
        return outcome("limit", problems,
                       f"no limit set; every village reaches its centre (longest {longest:.1f} min)")
    slack = max(MINUTES_TOLERANCE, MINUTES_TOLERANCE_SHARE * limit)
    beyond = ~lost & (ev.minutes > limit + slack)
    if ev.settings.objective == "max-covering":
        return outcome("limit", problems, f"max-covering: {int(beyond.sum())} villages beyond the covering "
                                          f"limit of {limit:g} min (allowed, not covered)")
    if ev.settings.allow_over_limit:  # pins the user allowed beyond the limit (checked by check_pins)
        beyond &= ~np.isin(ids, list(ev.pins))
    problems += [f"{label('village', v, names)} is {m:.1f} min from {clean(c)} by road"
                 for v, c, m in zip(ids[beyond], centre[beyond], ev.minutes[beyond])]
    return outcome("limit", problems, f"every village within {limit:g} min of its centre by road "
                                      f"(longest {longest:.1f} min; tolerance {slack:.1f} min)")


def check_minutes(ev: Evidence) -> Check:
    """The minutes the plan reports per village agree with the rebuilt road times."""
    if ev.minutes is None:
        return Check("minutes", True, _NO_ROADS, checked=False)
    names = names_of(ev.input_villages, "village_id")
    reported = pd.to_numeric(ev.villages["minutes"], errors="coerce").to_numpy(dtype=float)
    problems = [f"{label('village', v, names)}: reported {said:.2f} min, rebuilt {found:.2f} min"
                for v, said, found in zip(ev.villages["village_id"], reported, ev.minutes)
                if math.isfinite(found) and not (math.isfinite(said) and agree(said, found))]
    both = np.isfinite(reported) & np.isfinite(ev.minutes)
    largest = float(np.max(np.abs(reported[both] - ev.minutes[both]), initial=0.0))
    return outcome("minutes", problems, f"reported minutes agree with the rebuilt road times (largest "
                                        f"difference {largest:.3f} min; tolerance {MINUTES_TOLERANCE:g} min "
                                        f"or {MINUTES_TOLERANCE_SHARE:.0%})")


def check_balance(ev: Evidence) -> Check:
    """Each district's balanced weight lies in ((1-e) W/Kmax, (1+e) W/Kmin), W the county's total."""
    tolerance = ev.settings.balance
    bounds = centre_range(ev.settings, list(ev.input_stations["station_id"]))
    if tolerance is None or bounds is None:
        why = "no balance tolerance" if tolerance is None else "a balance tolerance but no number of centres"
        return Check("balance", True, f"not constrained: the scenario has {why}")
    column = ev.settings.balance_weight
    plan = ev.villages.drop_duplicates("village_id")
    weights = village_weights(ev.input_villages, list(plan["village_id"]), column)
    load = pd.Series(weights, index=plan["centre"].to_numpy()).groupby(level=0).sum()
    total = float(village_weights(ev.input_villages, list(ev.input_villages["village_id"]), column).sum())
    low, high = (1 - tolerance) * total / bounds[1], (1 + tolerance) * total / bounds[0]
    slack = 1e-6 * max(total, 1.0)
    names = names_of(ev.input_stations, "station_id")
    problems = [f"the district of {label('centre', c, names)} has {w:,.0f} {column}, outside {low:,.0f} to "
                f"{high:,.0f}" for c, w in load.items() if not low - slack <= w <= high + slack]
    return outcome("balance", problems, f"every district's {column} within ±{tolerance:.0%} of the mean "
                                        f"({low:,.0f} to {high:,.0f})")


def check_bundles(ev: Evidence) -> Check:
    """Bundles of the scenario's sizes within its stations; villages follow their station."""
    sizes = ev.settings.bundle_sizes
    if sizes is None:
        return Check("bundles", True, "no bundling in the scenario")
    names = names_of(ev.input_stations, "station_id")
    owner = reports_to(ev.stations)
    scope = bundle_scope(ev.settings, list(owner))
    members: dict[str, list[str]] = {}
    problems = []
    for sid, centre in owner.items():
        if sid in scope:
            members.setdefault(centre, []).append(sid)
            if centre not in scope:
                problems.append(f"{label('station', sid, names)} joins {clean(centre)}, outside the bundling")
        elif centre != sid:
            problems.append(f"{label('station', sid, names)} is outside the bundling but joins "
                            f"{clean(centre)}")
    rules = viability_rules(ev)
    bordering = station_neighbours(ev)
    for centre, group in sorted(members.items()):
        if not sizes[0] <= len(group) <= sizes[1] and not (rules and len(group) == 1):
            listed = ", ".join(label("station", s, names) for s in sorted(group))
            problems.append(f"the bundle of {clean(centre)} has {len(group)} stations ({listed}); "
                            f"sizes {sizes[0]} to {sizes[1]}")
        for what, amounts, need in rules:
            pooled = sum(amounts.get(s, 0.0) for s in group)
            if pooled < need - 1e-9:
                problems.append(f"the {'station' if len(group) == 1 else 'bundle'} of {clean(centre)} has "
                                f"{pooled:,.0f} {what}, the rule asks for at least {need:,.0f}")
        problems += [f"{label('station', s, names)} is a post of {clean(centre)}, whose district it does not "
                     f"border" for s in sorted(group) if bordering is not None and s != centre
                     and (s, centre) not in bordering]
    if ev.settings.follow_station and "current" in ev.villages.columns:
        village_names = names_of(ev.input_villages, "village_id")
        for v, home, centre in zip(ev.villages["village_id"], ev.villages["current"], ev.villages["centre"]):
            if home in owner and owner[home] != centre and v not in ev.pins:  # a pinned village goes alone
                problems.append(f"{label('village', v, village_names)} of {clean(home)} goes to "
                                f"{clean(centre)}, not with its station to {clean(owner[home])}")
    follow = ", villages following their station" if ev.settings.follow_station else ""
    rule = "".join(f", each with at least {need:,.0f} {what}" for what, _, need in rules)
    alone = sum(len(group) == 1 for group in members.values()) if rules else 0
    kept = f" and {alone} stations alone" if rules else ""
    return outcome("bundles", problems, f"{len(members) - alone} bundles of {sizes[0]} to {sizes[1]} stations"
                                        f"{kept}, posts bordering their centre{rule}{follow}")


def viability_rules(ev: Evidence) -> list[tuple[str, dict[str, float], float]]:
    """(what, amount per station id, pooled minimum) for each rule the scenario sets (people).

    Officers from the input stations; residents of each station's current district from the
    input villages and the plan's ``current`` column.
    """
    settings, rules = ev.settings, []
    if settings.bundle_sizes is None:
        return rules
    if settings.min_officers is not None:
        table = ev.input_stations.drop_duplicates("station_id")
        officers = pd.to_numeric(table.get("officers", pd.Series(np.nan, index=table.index)), errors="coerce")
        rules.append(("officers", dict(zip(table["station_id"], officers.fillna(0.0))), settings.min_officers))
    if settings.min_population is not None and "current" in ev.villages.columns:
        plan = ev.villages.drop_duplicates("village_id")
        people = village_weights(ev.input_villages, list(plan["village_id"]), "population")
        residents = pd.Series(people).groupby(plan["current"].to_numpy()).sum()
        rules.append(("residents", residents.to_dict(), settings.min_population))
    return rules


def station_neighbours(ev: Evidence) -> set[tuple[str, str]] | None:
    """(a, b) for stations whose current districts border (both orders), from the plan's ``current``.

    None when the plan does not say which station each village had.
    """
    if "current" not in ev.villages.columns:
        return None
    plan = ev.villages.drop_duplicates("village_id")
    home = plan["current"].to_numpy()
    pairs = {(home[a], home[b]) for a, b in neighbours(np.asarray(plan.geometry.array, dtype=object))
             if home[a] != home[b] and home[a] is not None and home[b] is not None}
    return pairs | {(b, a) for a, b in pairs}


def check_pins(ev: Evidence) -> Check:
    """Every village the pins file holds is in the district of its station."""
    if not ev.pins:
        return Check("pins", True, "no pinned villages")
    names = names_of(ev.input_villages, "village_id")
    centre = dict(zip(ev.villages["village_id"], ev.villages["centre"], strict=True))
    problems = [f"{label('village', v, names)} is pinned to {clean(s)} but goes to {clean(str(centre.get(v)))}"
                for v, s in ev.pins.items() if centre.get(v) != s]
    return outcome("pins", problems, f"{len(ev.pins)} pinned villages in the districts they are pinned to")


def recomputed_objective(ev: Evidence) -> float:
    """The plan's objective in the model's unit, from the rebuilt minutes and the input weights.

    p-median: sum of weight x minutes, plus, when villages may move alone, ``disruption`` x
    weight for each village not with its current station (bundling: its station's centre);
    p-center: the longest minutes; max-covering: the weight within the limit; set-covering:
    the number of centres.
    """
    settings = ev.settings
    if settings.objective == "set-covering":
        return float(len(centres_of(ev.stations)))
    weights = village_weights(ev.input_villages, list(ev.villages["village_id"]), settings.weight)
    minutes = ev.minutes
    if settings.objective == "p-center":
        return float(np.max(minutes, initial=0.0))
    if settings.objective == "max-covering":
        return float(weights[minutes <= settings.limit + 1e-9].sum())
    total = float(np.sum(weights * minutes))
    bundled = settings.bundle_sizes is not None
    alone = not (settings.follow_station and bundled)  # villages may leave their station's centre
    if settings.disruption > 0 and alone and "current" in ev.villages.columns:
        owner = reports_to(ev.stations)
        moved = np.array([home in owner and centre != (owner[home] if bundled else home)
                          for home, centre in zip(ev.villages["current"], ev.villages["centre"])], dtype=bool)
        total += settings.disruption * float(weights[moved].sum())
    return total


def check_objective(ev: Evidence) -> Check:
    """The objective reported in metrics.json equals the one recomputed from the plan."""
    model = ev.settings.objective
    if ev.minutes is None and model != "set-covering":
        return Check("objective", True, _NO_ROADS, checked=False)
    reported = ev.reported.get("objective")
    if isinstance(reported, bool) or not isinstance(reported, (int, float)) or not math.isfinite(reported):
        return Check("objective", False,
                     f"metrics.json reports no objective (solver.objective = {clean(repr(reported))})")
    found = recomputed_objective(ev)
    if model == "set-covering":
        same = found == round(reported)
    elif model == "p-center":
        same = math.isfinite(found) and agree(found, reported)
    else:
        slack = OBJECTIVE_TOLERANCE_SHARE * abs(reported) + 1e-9
        same = math.isfinite(found) and abs(found - reported) <= slack
    detail = f"{model} objective: reported {_amount(reported)}, recomputed {_amount(found)}"
    return Check("objective", bool(same), detail + ("" if same else " (they differ beyond the tolerance)"))


def _amount(value: float) -> str:
    return f"{value:,.1f}" if math.isfinite(value) and abs(value) >= 1000 else f"{value:.4g}"
