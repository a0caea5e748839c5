"""The pinned villages' columns and their red note (issue 18)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jurisdiction.outputs.pin_marks import BREAK_COLOUR, mark_pins, pins_note


def _villages() -> pd.DataFrame:
    return pd.DataFrame({"village_id": ["a", "b", "c"], "name": ["<b>A</b>", "B", "C"], "centre": ["s1", "s2", "s2"],
                         "minutes": [12.0, 50.0, 5.0]})


def test_breaks_are_named_per_pinned_village():
    pins = pd.DataFrame({"village_id": ["a", "b"], "station_id": ["s1", "s2"]})
    marked = mark_pins(_villages(), pins, limit_minutes=40, cut_off=np.array([0]), language="en")
    assert marked["pinned"].tolist()[:2] == ["s1", "s2"] and pd.isna(marked["pinned"].iat[2])
    assert marked["pin_breaks"].tolist() == ["cut off from the rest of its district",
                                             "beyond the limit: 50.0 min > 40 min", ""]
    covering = mark_pins(_villages(), pins, limit_minutes=40, covering=True, language="zh")
    assert covering["pin_breaks"].tolist() == ["", "", ""]


def test_the_note_is_red_for_a_broken_pin_and_escapes_names():
    pins = pd.DataFrame({"village_id": ["a", "b"], "station_id": ["s1", "s2"]})
    marked = mark_pins(_villages(), pins, limit_minutes=40, language="en")
    table = marked[marked["pinned"].notna()]
    note = pins_note(table, language="en")
    assert "&lt;b&gt;A&lt;/b&gt;" in note and "<b>A</b>" not in note
    assert note.count(f"color:{BREAK_COLOUR}") == 2 and "beyond the limit" in note  # the summary and the row
    assert "1 pinned village(s) break a hard rule" in note
    assert pins_note(None) == "" and pins_note(table.iloc[:0]) == ""
