"""Write a post placement (:class:`jurisdiction.patrol.PostPlacement`) to files, atomically.

``posts.gpkg`` holds the layers ``posts`` (points, one per run and post), ``coverage`` (the
coverage table, no geometry), ``villages`` (one point per run and village, covered or not, with
its nearest post and minutes), ``catchments`` (each post's t-minute area, when computed) and
``sites`` (every candidate). ``coverage.csv`` is the coverage table for a spreadsheet (UTF-8
with a byte-order mark, cells that would run as formulas neutralised).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from jurisdiction.outputs.files import CSV_ENCODING, atomic_write, atomic_write_text, csv_safe


def coverage_csv(placement: Any) -> str:
    """The coverage table as CSV text (cells a spreadsheet would run as formulas neutralised)."""
    return csv_safe(placement.coverage).to_csv(index=False)


def export_posts(placement: Any, folder: str | os.PathLike) -> dict[str, Path]:
    """Write ``posts.gpkg`` and ``coverage.csv`` into ``folder`` (created if needed).

    Parameters
    ----------
    placement : PostPlacement
        From :func:`jurisdiction.place_posts` (layers in WGS84).
    folder : str or path-like
        Destination folder.

    Returns
    -------
    dict of str to pathlib.Path
        ``{"posts": .../posts.gpkg, "coverage": .../coverage.csv}``. Each file is written to a
        temporary file first and then moved into place: a failure leaves no half-written file.
    """
    folder = Path(folder)
    layers: dict[str, pd.DataFrame] = {
        "posts": placement.posts,
        "coverage": placement.coverage.astype({"k": "float"}),
        "villages": placement.demand,
        "sites": placement.sites,
    }
    if placement.catchments is not None:
        layers["catchments"] = placement.catchments

    def write(tmp: Path) -> None:
        for name, layer in layers.items():
            pyogrio.write_dataframe(layer, tmp, layer=name, driver="GPKG", append=tmp.exists())

    return {
        "posts": atomic_write(folder / "posts.gpkg", write, suffix=".gpkg"),
        "coverage": atomic_write_text(folder / "coverage.csv", coverage_csv(placement), encoding=CSV_ENCODING),
    }
