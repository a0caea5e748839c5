"""Checks of single cells: ids, numbers, yes/no values and names, each bad row named.

Shared by :mod:`jurisdiction.inputs.layers` and :mod:`jurisdiction.inputs.road_layer`; each check
appends a :class:`~jurisdiction.errors.Problem` per bad row and puts the column in canonical form.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from jurisdiction.errors import Problem

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0", "是"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0", "否"})
BOOLEAN_DEFAULTS = {"candidate": True, "fixed": False, "excluded": False}
#: How many row names one problem lists before summarising.
ROWS_LISTED = 10
#: Largest count accepted (people, incidents per year, officers): above it a cell is a code, an
#: overflow or a unit error, not a count (the world has 8e9 people). Beyond 2**63 an int64 wraps.
MAX_COUNT = 1e12


def missing(value) -> bool:
    """Whether a cell is blank: None, NA, NaN, or only white space."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def normalise_id(value) -> str | None:
    """An id as ``str``: integral numbers lose their ".0", blanks become None.

    Parameters
    ----------
    value : object
        A cell of an id column (str, int, float, None).

    Returns
    -------
    str or None
    """
    if missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


def normalise_ids(values: pd.Series) -> pd.Series:
    """Apply :func:`normalise_id` to a column; returns a ``str`` Series with NaN for blanks."""
    return pd.Series([normalise_id(v) for v in values], index=values.index, dtype="str")


def row_labels(df: pd.DataFrame, id_column: str | None) -> list[str]:
    """Name each row by its id, or ``#n`` (1-based) when the id is missing or duplicated.

    Parameters
    ----------
    df : pandas.DataFrame
        The layer, ids already normalised.
    id_column : str or None
        The id column, if the layer has one.

    Returns
    -------
    list of str
    """
    numbers = [f"#{i + 1}" for i in range(len(df))]
    if id_column is None or id_column not in df.columns:
        return numbers
    ids = df[id_column]
    bad = ids.isna() | ids.duplicated(keep=False)
    return [n if b else str(i) for n, b, i in zip(numbers, bad, ids)]


def listed(names: Sequence[str]) -> str:
    """The first :data:`ROWS_LISTED` names, comma-separated, and how many more."""
    head = ", ".join(names[:ROWS_LISTED])
    return head + (f" and {len(names) - ROWS_LISTED} more" if len(names) > ROWS_LISTED else "")


def check_ids(df: pd.DataFrame, column: str, problems: list[Problem]) -> None:
    """Normalise an id column in place; a problem per missing or duplicated id."""
    df[column] = normalise_ids(df[column])
    ids = df[column]
    for i in np.flatnonzero(ids.isna().to_numpy()):
        problems.append(Problem(f"#{i + 1}", f"{column} is missing"))
    dup = ids.duplicated(keep=False) & ids.notna()
    groups: dict[str, list[int]] = {}
    for i in np.flatnonzero(dup.to_numpy()):
        groups.setdefault(ids.iat[i], []).append(i + 1)
    for value, rows in groups.items():
        where = listed([f"#{r}" for r in rows])
        for r in rows:
            problems.append(Problem(f"#{r}", f"duplicate {column} {value!r} (rows {where})"))


def check_numbers(df: pd.DataFrame, column: str, labels: list[str], problems: list[Problem],
                  *, integer: bool) -> None:
    """Check a count column in place: every cell a finite number in [0, :data:`MAX_COUNT`].

    Parameters
    ----------
    df : pandas.DataFrame
        The layer; ``column`` becomes int64 (``integer``) or float64, bad cells 0.
    column : str
        ``population`` (people), ``incidents`` (per year), ``officers``, ``auxiliaries`` (people).
    labels : list of str
        Row names for the problems.
    problems : list of Problem
        Where a problem per bad cell goes.
    integer : bool
        Whole numbers only.
    """
    raw = df[column]
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = np.zeros(len(df), dtype=bool)
    for i, (cell, v) in enumerate(zip(raw, numbers)):
        if missing(cell):
            problems.append(Problem(labels[i], f"{column} is missing"))
        elif np.isnan(v) or isinstance(cell, (bool, np.bool_)):
            problems.append(Problem(labels[i], f"{column} {cell!r} is not a number"))
        elif not np.isfinite(v):
            problems.append(Problem(labels[i], f"{column} {cell!r} is not finite"))
        elif v < 0:
            problems.append(Problem(labels[i], f"{column} {v:g} is negative"))
        elif v > MAX_COUNT:
            problems.append(Problem(labels[i], (
                f"{column} {v:g} is beyond {MAX_COUNT:g}: not a count (a code, an overflow or a unit error?)")))
        elif integer and not float(v).is_integer():
            problems.append(Problem(labels[i], f"{column} {v:g} is not a whole number"))
        else:
            continue
        bad[i] = True
    numbers = numbers.where(~bad, 0.0)
    df[column] = numbers.round().astype("int64") if integer else numbers.astype("float64")


def check_names(df: pd.DataFrame, id_column: str, source: str) -> None:
    """Blank names (``''``, ``'  '``, None) become the row's id, with a warning naming the rows.

    A blank name changes no number of the plan, only how maps and reports label the row; the
    id names it as well there, so the layer is not refused for it.

    Parameters
    ----------
    df : pandas.DataFrame
        The layer, ids already checked; changed in place.
    id_column : str
        ``village_id`` or ``station_id``.
    source : str
        The file's name, for the warning.
    """
    if "name" not in df.columns or id_column not in df.columns:
        return
    ids = df[id_column].tolist()
    filled = [i for i, v in enumerate(df["name"]) if missing(v) and not missing(ids[i])]
    if filled:
        names = df["name"].tolist()
        for i in filled:
            names[i] = ids[i]
        df["name"] = pd.Series(names, index=df.index)
        rows = [str(ids[i]) for i in filled]
        warnings.warn(f"{source}: {len(filled)} row(s) have a blank name, named by their {id_column} instead: "
                      f"{listed(rows)}", UserWarning, stacklevel=4)


def check_booleans(df: pd.DataFrame, labels: list[str], problems: list[Problem]) -> None:
    """``candidate``, ``fixed``, ``excluded`` as bool in place (defaults when absent or blank)."""
    for column, default in BOOLEAN_DEFAULTS.items():
        if column not in df.columns:
            df[column] = default
            continue
        out = []
        for i, cell in enumerate(df[column]):
            if missing(cell):
                out.append(default)
            elif isinstance(cell, (bool, np.bool_)):
                out.append(bool(cell))
            elif str(cell).strip().lower() in TRUE_WORDS:
                out.append(True)
            elif str(cell).strip().lower() in FALSE_WORDS:
                out.append(False)
            else:
                problems.append(Problem(labels[i], (
                    f"{column} {cell!r} is not a yes/no value (use true/false, 1/0 or yes/no)")))
                out.append(default)
        df[column] = pd.Series(out, index=df.index, dtype=bool)
    both = df["fixed"] & df["excluded"]
    for i in np.flatnonzero(both.to_numpy()):
        problems.append(Problem(labels[i], "is both fixed (must be a centre) and excluded (may not be one)"))
    fixed_not_candidate = df["fixed"] & ~df["candidate"]
    for i in np.flatnonzero(fixed_not_candidate.to_numpy()):
        problems.append(Problem(labels[i], "is fixed (must be a centre) but candidate is false"))
