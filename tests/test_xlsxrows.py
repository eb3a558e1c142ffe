"""Rows appended to a sheet land inside its autoFilter and its Excel Tables (totals row kept last)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo

from poam_xl import xlsxrows
from poam_xl.cli import app
from poam_xl.xlsxpatch import Workbook
from tests.helpers import AS_OF, SHARED

CASES = SHARED / "cases" / "layouts"


def _table_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return next(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/tables/"))


def test_case_import_then_update_extends_the_table(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    run = CliRunner().invoke
    out = tmp_path / "out.xlsx"
    r = run(app, ["import", str(CASES / "05-ckl-multi-stig.ckl"), "--into",
                  str(CASES / "13-excel-table.xlsx"), "-o", str(out), "--as-of", AS_OF.isoformat()])
    assert r.exit_code == 0, r.output
    xml = _table_xml(out)
    assert 'ref="A11:AB18"' in xml and '<autoFilter ref="A11:AB18"' in xml
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert ws.tables["PoamItems"].ref == "A11:AB18"
    assert [ws.cell(r, 1).value for r in range(16, 19)] == [5, 6, 7]  # new items inside the table
    updated = tmp_path / "u.xlsx"
    r = run(app, ["update", str(out), "-o", str(updated), "--as-of", AS_OF.isoformat()])
    assert r.exit_code == 0, r.output
    xml = _table_xml(updated)
    assert 'ref="A11:AB18"' in xml and '<autoFilter ref="A11:AB18"' in xml


def _with_totals(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "POA&M"
    ws.append(["Item Number", "Weakness", "Points"])
    ws.append([1, "first", 1])
    ws.append([2, "second", 3])
    ws.append(["Total", None, "=SUBTOTAL(109,Items[Points])"])
    t = Table(displayName="Items", ref="A1:C4", totalsRowCount=1,
              autoFilter=AutoFilter(ref="A1:C3"))
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2")
    ws.add_table(t)
    wb.save(path)
    return path


def test_totals_row_moves_below_the_new_rows(tmp_path: Path) -> None:
    src = _with_totals(tmp_path / "t.xlsx")
    out = tmp_path / "t2.xlsx"
    letters = {"item_number": "A", "description": "B"}
    with Workbook(src) as wb:
        sheet = wb.sheet("POA&M")
        rows = xlsxrows.append(sheet, 1, 4, letters, [{"item_number": 3, "description": "third"},
                                                      {"item_number": 4, "description": "fourth"}])
        wb.save(out)
    assert list(rows) == [4, 5]
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert [ws.cell(r, 1).value for r in range(2, 7)] == [1, 2, 3, 4, "Total"]
    assert ws["C6"].value == "=SUBTOTAL(109,Items[Points])"
    assert ws.tables["Items"].ref == "A1:C6"
    assert ws.tables["Items"].autoFilter.ref == "A1:C5"


def test_a_table_elsewhere_is_left_alone(tmp_path: Path) -> None:
    src = _with_totals(tmp_path / "t.xlsx")
    out = tmp_path / "t3.xlsx"
    with Workbook(src) as wb:
        xlsxrows.append(wb.sheet("POA&M"), 1, 20, {"item_number": "A"}, [{"item_number": 9}])
        wb.save(out)
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert ws.tables["Items"].ref == "A1:C4" and ws["A20"].value == 9
