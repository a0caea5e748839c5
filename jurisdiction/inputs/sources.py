"""Where a layer comes from and how to read it: the ``[data.<layer>]`` tables of a scenario.

A scenario names each layer's file either in short, ``villages = "v.shp"`` in ``[data]``, or as a
table that also says how to read it::

    [data.villages]
    path = "村界.shp"
    layer = "村"                 # of a multi-layer file
    crs = "EPSG:4490"            # for a file without one (a Shapefile without .prj)
    datum = "gcj02"              # this layer's offset datum (else [data] datum)
    encoding = "gbk"             # the attribute text's encoding (else found: see inputs.encodings)
    columns = { "村名" = "name", "人口" = "population" }

:func:`data_settings` checks the ``[data]`` part of a scenario (a
:class:`~jurisdiction.errors.ScenarioError` names ``data.<layer>.<key>``); :func:`reader_options`
turns it into the keyword arguments of :func:`~jurisdiction.inputs.readers.read_villages` and
friends; :func:`scenario_text` reads a scenario file saved as UTF-8 or GB18030.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyproj

from jurisdiction.errors import InputError, ScenarioError
from jurisdiction.inputs.columns import CANONICAL
from jurisdiction.inputs.crs import normalise_datum
from jurisdiction.inputs.encodings import codec_name

#: The layers a scenario's [data] names.
LAYERS = ("villages", "stations", "jurisdictions", "roads")
#: Keys of a ``[data.<layer>]`` table besides ``path``.
OPTIONS = ("layer", "crs", "datum", "encoding", "columns")


def split_layer_table(layer: str, table: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A ``[data.<layer>]`` table as (its path, its other keys).

    Parameters
    ----------
    layer : str
        The layer's name (``villages``...), for messages.
    table : mapping
        The table as parsed.

    Returns
    -------
    (str, dict)
        The path (not yet checked) and the options (checked by :func:`layer_options`).
    """
    if "path" not in table:
        raise ScenarioError(f"data.{layer}.path: missing (the file of the {layer} layer)")
    return table["path"], {k: v for k, v in table.items() if k != "path"}


def _checked(layer: str, options: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        name = f"data.{layer}.{key}"
        if key not in OPTIONS:
            raise ScenarioError(f"{name}: unknown key (known in [data.{layer}]: path, {', '.join(OPTIONS)})")
        if key == "columns":
            out[key] = _columns(name, layer, value)
            continue
        if isinstance(value, bool) or not isinstance(value, str | int) or (key != "crs" and not isinstance(value, str)):
            raise ScenarioError(f"{name}: expected a string, got {value!r}")
        if key == "crs":
            try:
                pyproj.CRS.from_user_input(value)
            except pyproj.exceptions.CRSError as error:
                raise ScenarioError(f"{name}: {value!r} is not a CRS ({error})") from None
        elif key == "datum":
            datum_option(name, value)
        elif key == "encoding" and codec_name(value) is None:
            raise ScenarioError(f"{name}: {value!r} is not a known text encoding (e.g. \"gbk\", \"utf-8\")")
        out[key] = value
    return out


def _columns(name: str, layer: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{name}: expected a table of file column = package column, got {value!r}")
    for source, target in value.items():
        if target not in CANONICAL[layer]:
            raise ScenarioError(f"{name}: {source!r} = {target!r}: not a column of {layer} "
                                f"(known: {', '.join(CANONICAL[layer])})")
    targets = list(value.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise ScenarioError(f"{name}: several columns are mapped to {', '.join(map(repr, twice))}")
    return dict(value)


def datum_option(key: str, value: Any) -> str | None:
    """A datum setting checked (:func:`~jurisdiction.inputs.crs.normalise_datum`), ScenarioError naming ``key``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ScenarioError(f"{key}: expected a string, got {value!r}")
    try:
        return normalise_datum(value)
    except InputError as error:
        raise ScenarioError(f"{key}: {error.problems[0].message}") from None


def layer_options(value: Any) -> dict[str, dict[str, Any]]:
    """The per-layer reading options of a scenario, checked.

    Parameters
    ----------
    value : mapping
        ``{layer: {layer, crs, datum, encoding, columns}}`` for some of :data:`LAYERS`.

    Returns
    -------
    dict
        The same as plain dicts.

    Raises
    ------
    ScenarioError
        An unknown layer or key, or a bad value, naming ``data.<layer>.<key>``.
    """
    if not isinstance(value, Mapping):
        raise ScenarioError(f"layer_options: expected a table per layer, got {value!r}")
    out = {}
    for layer, options in value.items():
        if layer not in LAYERS:
            raise ScenarioError(f"data.{layer}: unknown layer (known: {', '.join(LAYERS)})")
        if not isinstance(options, Mapping):
            raise ScenarioError(f"data.{layer}: expected a table, got {options!r}")
        out[layer] = _checked(layer, options)
    return out


def reader_options(settings: Any, layer: str) -> dict[str, Any]:
    """Keyword arguments of the reader of ``layer`` from a scenario's ``[data]`` settings.

    Parameters
    ----------
    settings : Scenario
        Its ``datum`` (the default for every layer) and ``layer_options``.
    layer : str
        One of :data:`LAYERS`.

    Returns
    -------
    dict
        ``datum``, and the ``layer``, ``crs``, ``encoding``, ``columns`` the layer's table sets.
    """
    options = dict(getattr(settings, "layer_options", {}).get(layer, {}))
    options.setdefault("datum", settings.datum)
    return options


def data_settings(settings: Any) -> dict[str, Any]:
    """The ``[data]`` fields of a scenario (and its name), checked: each path a string, the datums known...

    Parameters
    ----------
    settings : Scenario
        Its ``name`` (a non-empty string: it names the output folder), ``example``,
        ``villages``, ``stations``, ``jurisdictions``, ``roads``, ``datum`` and ``layer_options``.

    Returns
    -------
    dict
        The same fields, paths as ``str`` (a ``pathlib.Path`` is accepted) and options as plain dicts.

    Raises
    ------
    ScenarioError
        Naming the key: ``data.villages: expected a file path, got 5``.
    """
    if not isinstance(settings.name, str) or not settings.name.strip():
        raise ScenarioError(f"name: expected a non-empty string, got {settings.name!r}")
    out: dict[str, Any] = {}
    for key in ("example", *LAYERS):
        value = getattr(settings, key)
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ScenarioError(f"data.{key}: expected a {'name' if key == 'example' else 'file path'}, got {value!r}")
        out[key] = value
    datum_option("data.datum", settings.datum)
    out["layer_options"] = layer_options(settings.layer_options)
    return out


def scenario_text(path: Path) -> str:
    """The text of a scenario file: UTF-8 (with or without a BOM), else GB18030 with a warning.

    Parameters
    ----------
    path : Path
        The TOML file.

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        The file cannot be read, or is neither UTF-8 nor GB18030 text.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the scenario: {error}") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        where = f"byte {error.start}"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: the scenario is neither UTF-8 nor GB18030 text ({where}): save it as "
                            "UTF-8") from None
    warnings.warn(f"{path}: the scenario is not UTF-8 ({where}); read it as GB18030 (GBK). TOML files "
                  "should be UTF-8: save it so", UserWarning, stacklevel=3)
    return text
