"""How numbers are shown to a reader: counts without ``.0``, thousands separators, minutes to 0.1.

One place for the report, the workbook, the CSV tables and the console, so the same number
reads the same everywhere. Each column or metric has a *kind* (:data:`KINDS`):

| kind | shown as | Excel format |
|---|---|---|
| ``count`` | ``12,374`` (people, villages, officers, incidents) | ``#,##0`` |
| ``minutes`` | ``23.7`` | ``0.0`` |
| ``km`` | ``1,234.5`` (km, km²) | ``#,##0.0`` |
| ``ratio`` | ``2.63`` | ``0.00`` |
| ``share`` | ``97.0 %`` (a fraction 0..1) | ``0.0%`` |
"""

from __future__ import annotations

import math
import re
from typing import Any

#: Digits after the decimal point and the Excel number format of each kind.
KINDS: dict[str, tuple[int, str]] = {
    "count": (0, "#,##0"),
    "minutes": (1, "0.0"),
    "km": (1, "#,##0.0"),
    "ratio": (2, "0.00"),
    "share": (1, "0.0%"),
}

#: The kind of each column of the plan's tables (``road_km_<class>`` columns are ``km``).
COLUMN_KINDS: dict[str, str] = {
    "villages": "count", "population": "count", "incidents": "count", "officers": "count",
    "officers_needed": "count", "auxiliaries": "count", "area_km2": "km", "road_km": "km",
    "max_minutes": "minutes", "mean_minutes": "minutes", "minutes": "minutes", "minutes_before": "minutes",
    "minutes_to_current": "minutes", "minutes_to_nearest": "minutes", "share": "share",
    "villages_share": "share", "population_share": "share", "officers_per_10k": "ratio",
}


def column_kind(column: str) -> str | None:
    """The kind of a table column (see :data:`COLUMN_KINDS`), or None for text and ids."""
    if column.startswith("road_km_"):
        return "km"
    return COLUMN_KINDS.get(column)


def metric_kind(name: str) -> str:
    """The kind of a before/after metric, from its name (``"villages beyond 35 min"`` is a count)."""
    if "spread" in name:
        return "ratio"
    if name.startswith("coverage"):
        return "share"
    if "minutes" in name:
        return "minutes"
    return "count"


def missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing values (infinity is a value: unreachable)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)


def number_text(value: Any, kind: str | None = None) -> str:
    """A number as a reader sees it: ``"12,374"``, ``"23.7"``, ``"97.0 %"``, ``"∞"``, ``"—"``.

    Parameters
    ----------
    value : number or None
        The value (numpy scalars too); text is returned as it is.
    kind : str, optional
        One of :data:`KINDS`. Without one, a whole number shows as a count and any other
        number with up to two decimals (trailing zeros dropped).
    """
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if missing(value):
        return "—"
    if not isinstance(value, (int, float)):
        return str(value)
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if kind == "share":
        return f"{100 * value:.1f} %"
    if kind is None:
        if float(value).is_integer():
            return f"{int(value):,}"
        return re.sub(r"\.?0+$", "", f"{value:,.2f}")
    digits = KINDS[kind][0]
    shown = f"{value:,.{digits}f}"
    return "0" if digits == 0 and shown == "-0" else shown


def rounded(value: Any, kind: str | None) -> Any:
    """``value`` rounded to its kind's digits for a file (counts become int); other values as they are."""
    if kind is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return value
    if kind == "share":
        return round(float(value), 4)
    digits = KINDS[kind][0]
    return int(round(value)) if digits == 0 else round(float(value), digits)


def gap_text(gap: float | None) -> str:
    """A relative optimality gap as a percentage with two significant figures.

    Digits are added where two figures would hide the truth: a gap that is not 0 never shows as
    0 %, and a gap below 1 never as 100 % (0.9995 is "99.95 %").

    Parameters
    ----------
    gap : float or None
        The gap as a fraction (0.0032 = 0.32 %); NaN, infinity or None when unknown.

    Returns
    -------
    str
        ``"0.32 %"``, ``"0 %"`` for 0, ``"—"`` when unknown.
    """
    if gap is None or not math.isfinite(gap):
        return "—"
    if gap == 0:
        return "0 %"
    percent = 100.0 * float(gap)
    rounded_ = float(f"{percent:.2g}")
    digits = max(0, 1 - math.floor(math.log10(abs(rounded_))))
    shown = f"{rounded_:.{digits}f}"
    while float(shown) == 0 or (abs(gap) < 1 and abs(float(shown)) >= 100):
        digits += 1
        shown = f"{percent:.{digits}f}"
    return f"{shown} %"
