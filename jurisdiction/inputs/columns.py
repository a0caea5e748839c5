"""Column names: a county's own names (Chinese, or cut to 10 characters by the Shapefile format) -> the package's.

A Shapefile keeps at most 10 characters (bytes) of a column name, so ``registration_station``
arrives as ``registrati`` and ``dispatch_station`` as ``dispatch_s``; county data names its
columns in Chinese (村名, 人口, 户籍派出所...). Without a mapping those columns would be ignored and
the functional splits would silently read 0. :func:`canonical_columns` renames:

1. the user's mapping (``columns = { "村名" = "name" }`` in ``[data.<layer>]``): every source
   must be a column of the file;
2. then, for each of the package's columns still missing, a built-in alias: the column in
   another case (``NAME``), cut to 10 characters (``registrati``), or a usual Chinese name
   (:data:`ALIASES`, also cut to 10 GB bytes: ``接处警派出``). Each one applied is named in a
   warning; two aliases of one column (户籍人口 and 常住人口) are an error asking for ``columns``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from jurisdiction.errors import Problem

#: The package's columns of each layer (the targets a ``columns`` mapping may name).
CANONICAL: dict[str, tuple[str, ...]] = {
    "villages": ("village_id", "name", "population", "incidents", "registration_station", "dispatch_station",
                 "township", "lon", "lat"),
    "stations": ("station_id", "name", "officers", "auxiliaries", "kind", "candidate", "fixed", "excluded",
                 "lon", "lat"),
    "jurisdictions": ("station_id", "name"),
    "roads": ("road_class", "highway", "maxspeed", "oneway", "name"),
}
_STATION_CODES = ("派出所编号", "派出所代码", "派出所编码", "机构代码", "单位代码", "编号", "代码", "编码")
_COORDINATES = {"lon": ("经度", "longitude", "lng", "long"), "lat": ("纬度", "latitude")}
#: Usual names of each column in county data, by layer (compared without case and surrounding blanks).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "villages": {
        "village_id": ("行政区划代码", "区划代码", "统计用区划代码", "村代码", "村编码", "村编号", "行政村代码",
                       "编号", "代码", "编码"),
        "name": ("村名", "村名称", "行政村", "行政村名称", "村庄名称", "村居名称", "村委会", "名称"),
        "population": ("人口", "人口数", "总人口", "人口总数", "户籍人口", "常住人口"),
        "incidents": ("警情", "警情数", "警情量", "接警量", "接警数", "年警情"),
        "registration_station": ("户籍派出所", "户籍所", "户口派出所", "户籍管辖派出所"),
        "dispatch_station": ("接警派出所", "接处警派出所", "出警派出所", "处警派出所", "接警单位"),
        "township": ("乡镇", "乡镇街道", "所属乡镇", "乡镇名称"),
        **_COORDINATES,
    },
    "stations": {
        "station_id": _STATION_CODES,
        "name": ("派出所", "派出所名称", "单位名称", "机构名称", "名称"),
        "officers": ("民警", "民警数", "民警人数", "警力", "警力数"),
        "auxiliaries": ("辅警", "辅警数", "辅警人数"),
        "kind": ("类型", "类别", "城乡类型"),
        "candidate": ("候选",),
        "fixed": ("固定", "保留"),
        "excluded": ("排除",),
        **_COORDINATES,
    },
    "jurisdictions": {"station_id": _STATION_CODES, "name": ("派出所", "派出所名称", "名称")},
    "roads": {
        "road_class": ("道路等级", "行政等级", "公路等级", "等级", "道路类别", "类别"),
        "maxspeed": ("限速", "设计速度", "设计时速"),
        "oneway": ("单行", "单向", "单行道"),
        "name": ("名称", "道路名称", "路名"),
    },
}
#: Bytes a Shapefile (dBASE) keeps of a column name.
DBF_NAME_BYTES = 10


def _key(name) -> str:
    return str(name).strip().lower()


def _cut(column: str, name: str) -> bool:
    """Whether ``column`` is ``name`` cut to the 10 bytes a Shapefile keeps (in ASCII or GBK)."""
    column, name = _key(column), _key(name)
    if column == name or not name.startswith(column) or len(column) < 4:
        return False
    return len(column.encode("gb18030", errors="replace")) == DBF_NAME_BYTES


def _candidates(target: str, names: list[str], kind: str) -> list[str]:
    usual = (target, *ALIASES.get(kind, {}).get(target, ()))
    return [c for c in names if _key(c) in usual or any(_cut(c, u) for u in usual)]


def _user_mapping(df: pd.DataFrame, kind: str, columns: Mapping[str, str],
                  problems: list[Problem]) -> dict[str, str]:
    renames: dict[str, str] = {}
    have = ", ".join(str(c) for c in df.columns if c != getattr(df, "_geometry_column_name", None))
    for source, target in columns.items():
        if target not in CANONICAL[kind]:
            problems.append(Problem(None, (f"columns: {source!r} -> {target!r}: {target!r} is not a column of "
                                           f"{kind} (known: {', '.join(CANONICAL[kind])})")))
        elif source not in df.columns:
            problems.append(Problem(None, f"columns: the file has no column {source!r}; it has: {have}"))
        elif target in df.columns and target not in columns:
            problems.append(Problem(None, (f"columns: {source!r} -> {target!r}, but the file has a {target!r} "
                                           "column already (map or drop one of them)")))
        else:
            renames[source] = target
    return renames


def canonical_columns(df: pd.DataFrame, kind: str, source: str, problems: list[Problem], *,
                      columns: Mapping[str, str] | None = None, table: bool = False) -> pd.DataFrame:
    """``df`` with the user's and the usual column names renamed to the package's.

    Parameters
    ----------
    df : pandas.DataFrame
        The layer as read (a GeoDataFrame, or a plain table before its points are made).
    kind : {"villages", "stations", "jurisdictions", "roads"}
        Which layer it is.
    source : str
        The file's name, for the warning.
    problems : list of Problem
        Where a bad mapping or an ambiguous alias is reported (the caller raises them).
    columns : mapping of str to str, optional
        The user's mapping, file column -> package column.
    table : bool
        A plain table: ``lon``/``lat`` aliases (经度/纬度) apply too.

    Returns
    -------
    pandas.DataFrame
        A renamed copy (``df`` itself when nothing is renamed).
    """
    renames = _user_mapping(df, kind, columns or {}, problems)
    geometry = getattr(df, "_geometry_column_name", None)
    taken = set(renames) | set(renames.values())
    present = {c for c in df.columns if c not in renames} | set(renames.values())
    guessed: list[str] = []
    for target in CANONICAL[kind]:
        if target in present or (target in ("lon", "lat") and not table):
            continue
        names = [c for c in df.columns if isinstance(c, str) and c != geometry and c not in taken]
        found = _candidates(target, names, kind)
        if len(found) > 1:
            problems.append(Problem(None, (
                f"columns {', '.join(repr(c) for c in found)} could each be {target!r}: say which with "
                f"columns = {{ {found[0]!r} = {target!r} }} in [data.{kind}]")))
        elif found:
            renames[found[0]] = target
            taken |= {found[0], target}
            guessed.append(f"{found[0]!r} as {target!r}")
    if guessed:
        warnings.warn(f"{source}: read column {', '.join(guessed)} (usual names; set columns = {{ ... }} in "
                      f"[data.{kind}] to map them otherwise)", UserWarning, stacklevel=3)
    return df.rename(columns=renames) if renames else df
