"""plan.xlsx: sheets, Chinese headers, number formats, and names that look like formulas stay text."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from jurisdiction.outputs.files import export_plan
from tests.support.dianjiang import dianjiang_plan
from tests.support.plans import make_plan

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = export_plan(dianjiang_plan(), tmp_path_factory.mktemp("demo"))["xlsx"]
    return openpyxl.load_workbook(path)


def _headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def test_workbook_has_the_sheets_and_chinese_headers(demo_book):
    assert demo_book.sheetnames == ["辖区", "村", "派出所", "指标"]
    assert _headers(demo_book["辖区"])[:4] == ["辖区（中心所）", "中心所编号", "村/社区数", "人口"]
    villages = _headers(demo_book["村"])
    for header in ("村/社区代码", "村/社区名称", "原派出所编号", "原派出所", "中心所编号", "新派出所（中心所）",
                   "原行车时间（分钟）", "新行车时间（分钟）"):
        assert header in villages
    stations = _headers(demo_book["派出所"])
    assert stations[:2] == ["派出所编号", "派出所名称"] and "调整后角色" in stations
    assert _headers(demo_book["指标"]) == ["指标", "调整前", "调整后"]
    for sheet in demo_book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_workbook_rows_agree_with_the_plan(demo_book):
    plan = dianjiang_plan()
    sheet = demo_book["村"]
    assert sheet.max_row == len(plan.villages) + 1
    roles = [row[0] for row in demo_book["派出所"].iter_rows(min_row=2, min_col=6, max_col=6, values_only=True)]
    assert sorted(set(roles)) == sorted({"中心所", "警务室", "保留"})
    assert roles.count("中心所") == 8 and roles.count("警务室") == 9 and roles.count("保留") == 9
    headers = _headers(sheet)
    minutes = [row[headers.index("新行车时间（分钟）")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(m == round(m, 1) for m in minutes)  # no 16-digit floats
    population = sheet.cell(row=2, column=headers.index("人口") + 1)
    assert isinstance(population.value, int) and population.number_format == "#,##0"
    assert sheet.cell(row=2, column=headers.index("新行车时间（分钟）") + 1).number_format == "0.0"
    metrics = {row[0]: row[1:] for row in demo_book["指标"].iter_rows(min_row=2, values_only=True)}
    assert metrics["派出所（辖区）数"] == (26, 17)


def test_a_name_that_looks_like_a_formula_stays_text(tmp_path):
    plan = make_plan()
    plan.villages.loc[plan.villages.index[0], "name"] = FORMULA
    plan.stations.loc[plan.stations.index[2], "name"] = "+1-1"
    plan.stations.loc[plan.stations.index[1], "name"] = "北关\x1b[31m派出所"  # an xlsx cannot hold control bytes
    paths = export_plan(plan, tmp_path)
    assert f"'{FORMULA}" in paths["villages"].read_text(encoding="utf-8-sig").replace('""', '"')  # CSV: quoted
    path = paths["xlsx"]
    book = openpyxl.load_workbook(path)
    sheet = book["村"]
    cell = sheet.cell(row=2, column=_headers(sheet).index("村（社区）名称") + 1)
    assert cell.value == FORMULA and cell.data_type == "s"
    with zipfile.ZipFile(path) as archive:  # no cell anywhere holds a formula
        sheets = [archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in xml or "<f " in xml for xml in sheets)
    names = [c.value for c in book["派出所"]["B"]]
    assert "+1-1" in names and "北关[31m派出所" in names


def test_english_workbook(tmp_path):
    book = openpyxl.load_workbook(export_plan(make_plan(), tmp_path, language="en")["xlsx"])
    assert book.sheetnames == ["districts", "villages", "stations", "metrics"]
    assert _headers(book["villages"])[:2] == ["village id", "village"]
