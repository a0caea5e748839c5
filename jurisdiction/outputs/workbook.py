"""``plan.xlsx``: the plan's tables as an Excel workbook (openpyxl), ready to print or filter.

Sheets 辖区 / 村 / 派出所 / 指标 (districts, villages, stations, metrics; English names with
``language="en"``), from :func:`jurisdiction.outputs.sheets.plan_tables`. Each sheet has a
bold, frozen header row and an autofilter, column widths fitted to their text (a CJK character
counts double), and a number format per kind (``#,##0`` counts, ``0.0`` minutes, ``0.00``
ratios, ``0.0%`` shares). Text from data is written as text, never as a formula: a village
named ``=HYPERLINK(...)`` stays a string (its cell is typed ``s`` and quote-prefixed).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

from jurisdiction.outputs.numbers import KINDS
from jurisdiction.outputs.sheets import FORMULA_START, Table, plan_tables

#: Sheet names by table and language.
SHEETS = {
    "zh": {"districts": "辖区", "villages": "村", "stations": "派出所", "metrics": "指标"},
    "en": {"districts": "districts", "villages": "villages", "stations": "stations", "metrics": "metrics"},
}
#: Widest column, in characters.
MAX_WIDTH = 40
HEADER_FILL = PatternFill("solid", fgColor="F3F3F3")


def _width(value: Any) -> int:
    """Display width of a value in a cell: East Asian wide characters count 2."""
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(value: Any) -> Any:
    """A cell value: numpy scalars unwrapped, missing values empty, infinity as the text ∞, no control characters."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: an xlsx cannot hold them
    return value


def _fill(sheet: Any, table: Table) -> None:
    header = table.header_row()
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    columns = [str(c) for c in table.frame.columns]
    widths = [_width(h) for h in header]
    for r, row in enumerate(table.frame.itertuples(index=False), start=2):
        for c, (column, raw) in enumerate(zip(columns, row, strict=True), start=1):
            value = _value(raw)
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store a string starting with "=" as a formula
                if value.startswith(FORMULA_START):
                    cell.quotePrefix = True  # Excel keeps it text when the cell is edited too
            else:
                kind = table.row_kinds[r - 2] if table.row_kinds else table.kinds.get(column)
                if kind is not None and value is not None:
                    cell.number_format = KINDS[kind][1]
            widths[c - 1] = max(widths[c - 1], _width(value if value is not None else ""))
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def plan_workbook(plan: Any, language: str) -> Workbook:
    """The plan's workbook in ``language`` (see the module docstring); ``export_plan`` saves it as ``plan.xlsx``."""
    book = Workbook()
    book.remove(book.active)
    for key, table in plan_tables(plan, language).items():
        _fill(book.create_sheet(SHEETS[language][key]), table)
    return book

