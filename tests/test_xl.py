"""Each button's logic against the xlwings stand-in, compared with the CLI/library results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from poam_xl import dashboard, feedback, model, template, update, validation, xl
from poam_xl.reader import read_grid
from tests.fakes_xlwings import Book
from tests.helpers import AS_OF, col_letter, item_ref, make_book

ROW0 = template.FIRST_ROW


def _broken(wb):
    ws = wb[model.ITEMS.sheet]
    ws[item_ref(1, "risk_level")] = "Severe"
    ws[item_ref(2, "date_identified")] = "not a date"
    ws[item_ref(3, "description")] = None
    ws[item_ref(4, "milestone_date")] = None
    ws[item_ref(5, "milestone_date")] = None


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return make_book(tmp_path / "broken.xlsx", sample=12, edit=_broken)


def _book(path: Path) -> Book:
    return Book(openpyxl.load_workbook(path))


def test_grids_are_one_bulk_read_per_sheet(broken):
    book = _book(broken)
    grids = xl.grids(book)
    assert set(grids) == set(book.wb.sheetnames)
    g = grids[model.ITEMS.sheet]
    assert g.row0 == 1 and g.col0 == 1
    assert g.rows[template.TABLE_HEADER_ROW - 1][0] == "Item Number"


def test_validate_button_same_findings_as_library(broken):
    lib = validation.validate(broken, as_of=AS_OF)
    book = _book(broken)
    rep = xl.validate_book(book, AS_OF)
    assert len(lib.findings) >= 3
    assert [f.to_dict() for f in rep.findings] == [f.to_dict() for f in lib.findings]
    ws = book.wb[model.FINDINGS_SHEET]
    assert [c.value for c in ws[1]][:7] == [h for h, _ in feedback.FINDING_COLUMNS]
    got = [(r[0], r[1], r[2]) for r in ws.iter_rows(min_row=2, max_row=1 + len(lib.findings),
                                                     values_only=True)]
    assert got == [(f.rule, f.severity, f.where) for f in lib.findings]
    link = ws["C2"].hyperlink
    assert link is not None and link.location == f"'{lib.findings[0].sheet}'!{lib.findings[0].cell}"
    items = book.wb[model.ITEMS.sheet]
    bad = items[item_ref(1, "risk_level")]
    assert bad.fill.fgColor.rgb.endswith(feedback.ERROR)
    assert bad.comment is not None and "[risk-level.allowed]" in bad.comment.text


def test_validate_twice_clears_previous_marks(broken, tmp_path):
    book = _book(broken)
    xl.validate_book(book, AS_OF)
    items = book.wb[model.ITEMS.sheet]
    ref = item_ref(1, "risk_level")
    items[ref] = "High"  # the user fixes it
    items["A1"].comment = None
    rep = xl.validate_book(book, AS_OF)
    assert all(f.cell != ref for f in rep.findings)
    assert items[ref].fill.fill_type is None and items[ref].comment is None
    # still marked: the other findings, once each
    assert items[item_ref(2, "date_identified")].comment is not None
    assert book.wb.sheetnames.count(model.FINDINGS_SHEET) == 1


def test_validate_keeps_user_notes_and_restores_colour(broken):
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    book = _book(broken)
    items = book.wb[model.ITEMS.sheet]
    ref = item_ref(1, "risk_level")
    items[ref].comment = Comment("my own note", "me")
    items[ref].fill = PatternFill("solid", fgColor="00B0F0")
    xl.validate_book(book, AS_OF)
    assert items[ref].comment.text == "my own note"
    items[ref] = "High"
    xl.validate_book(book, AS_OF)
    assert items[ref].fill.fgColor.rgb.endswith("00B0F0")
    assert items[ref].comment.text == "my own note"


def test_update_button_same_values_as_poam_xl_update(broken, tmp_path):
    report = validation.validate(broken, as_of=AS_OF)
    out = tmp_path / "cli.xlsx"
    update.update_workbook(broken, out, report)
    cli = openpyxl.load_workbook(out)[model.ITEMS.sheet]
    book = _book(broken)
    msg = xl.update_book(book, AS_OF)
    assert "1 milestone date proposed" in msg  # item 4 is Completed: no proposal
    mine = book.wb[model.ITEMS.sheet]
    keys = ("due_date", "days_open", "days_overdue", "flag", "milestone_date")
    rows = range(ROW0, ROW0 + 12)
    compared = 0
    for key in keys:
        letter = col_letter(key)
        for r in rows:
            a, b = mine[f"{letter}{r}"].value, cli[f"{letter}{r}"].value
            a = a.date() if isinstance(a, dt.datetime) else a
            b = b.date() if isinstance(b, dt.datetime) else b
            assert a == b, (f"{letter}{r}", a, b)
            compared += a is not None
    assert compared > 40
    dash_cli = openpyxl.load_workbook(out)[model.DASHBOARD_SHEET]
    for ref in dashboard.cells(report.dashboard):
        a, b = book.wb[model.DASHBOARD_SHEET][ref].value, dash_cli[ref].value
        a = a.date() if isinstance(a, dt.datetime) else a
        b = b.date() if isinstance(b, dt.datetime) else b
        assert a == b, ref


def test_flag_button_writes_only_flags(broken):
    report = validation.validate(broken, as_of=AS_OF)
    book = _book(broken)
    ws = book.wb[model.ITEMS.sheet]
    due = col_letter("due_date")
    before = [ws[f"{due}{r}"].value for r in range(ROW0, ROW0 + 12)]
    ws[f"{col_letter('flag')}{ROW0}"] = "stale"
    xl.flag_book(book, AS_OF)
    assert [ws[f"{due}{r}"].value for r in range(ROW0, ROW0 + 12)] == before
    for row, flag in report.derived["flag"].items():
        cell = ws[f"{col_letter('flag')}{row}"]
        assert (cell.value or "") == flag
        assert (cell.fill.fill_type == "solid") is bool(flag)


def test_sort_button_priority_order_keeps_formats_and_notes(broken):
    from poam_xl import derive

    book = _book(broken)
    xl.validate_book(book, AS_OF)  # puts notes and colours on some rows
    ws = book.wb[model.ITEMS.sheet]
    desc = col_letter("description")
    report = validation.validate(broken, as_of=AS_OF)
    expected = [report.poam.items.frame.loc[r, "item_number"]
                for r in derive.priority_order(report.items, report.derived)]
    noted = {ws[f"A{r}"].value: ws[f"{col_letter('date_identified')}{r}"].comment.text
             for r in range(ROW0, ROW0 + 12) if ws[f"{col_letter('date_identified')}{r}"].comment}
    assert noted
    width = ws.max_column
    xl.sort_book(book, AS_OF)
    got = [ws[f"A{r}"].value for r in range(ROW0, ROW0 + 12)]
    assert got == list(expected) and got != sorted(got)
    for r in range(ROW0, ROW0 + 12):
        c = ws[f"{col_letter('date_identified')}{r}"]
        if ws[f"A{r}"].value in noted:
            assert c.comment is not None and c.comment.text == noted[ws[f"A{r}"].value]
        else:
            assert c.comment is None
        assert ws[f"{desc}{r}"].alignment.wrap_text  # formats moved with the row
    assert ws.max_column == width or all(ws.cell(r, width + 1).value is None for r in range(1, 40))


def test_new_item_button(broken):
    book = _book(broken)
    msg = xl.new_item_book(book, AS_OF)
    ws = book.wb[model.ITEMS.sheet]
    row = ROW0 + 12
    assert msg == f"poam-xl: added item 13 on row {row}"
    assert ws[f"A{row}"].value == 13
    assert ws[f"{col_letter('status')}{row}"].value == "Open"
    assert ws[f"{col_letter('date_identified')}{row}"].value == AS_OF
    status_ref = f"{col_letter('status')}{row}"
    assert any(status_ref in dv.sqref for dv in ws.data_validations.dataValidation
               if dv.type == "list"), "dropdown in place"
    again = validation.validate(read_grid(xl.grids(book)), as_of=AS_OF)
    assert int(again.items["item_number"].max()) == 13


def test_refresh_dashboard_button_writes_chart_ranges(broken):
    book = _book(broken)
    dash = book.wb[model.DASHBOARD_SHEET]
    for ref in ("B5", "E5", "L5", "O16"):
        dash[ref] = 999
    msg = xl.refresh_dashboard_book(book, AS_OF)
    report = validation.validate(broken, as_of=AS_OF)
    for ref, v in dashboard.cells(report.dashboard).items():
        got = dash[ref].value
        got = got.date() if isinstance(got, dt.datetime) else got
        assert got == v, ref
    assert "dashboard refreshed: 12 items" in msg


def test_entry_point_reports_errors_without_traceback(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "not a POA&M"
    book = Book(wb)
    xl.validate(book)
    (text, title), = book.app.alerts
    assert title == "poam-xl: Validate" and "could not validate" in text
    assert book.app.status_bar == text and book.app.screen_updating is True


def test_entry_point_summary_in_status_bar_and_alert(broken):
    book = _book(broken)
    xl.validate(book)
    text = book.app.status_bar
    assert text.startswith("poam-xl: ") and "errors" in text and "12 items" in text
    assert book.app.alerts[-1][0] == text


def test_entry_points_exist_for_every_vba_macro():
    import re

    from poam_xl import vba

    source = (vba.MACROS / "PoamButtons.bas").read_text()
    targets = re.findall(r'RunPython "import poam_xl\.xl; poam_xl\.xl\.(\w+)\(\)"', source)
    assert sorted(targets) == sorted(xl.ENTRY_POINTS)
    for name in targets:
        assert callable(getattr(xl, name))


def test_update_button_leaves_typed_milestone_cells_alone(tmp_path):
    """Only blank Milestone Date cells are written; a typed date keeps its number format."""
    def edit(wb):
        ws = wb[model.ITEMS.sheet]
        ws[item_ref(1, "milestone_date")].number_format = "d mmm yyyy"
        ws[item_ref(2, "milestone_date")] = "Q3 FY27 (see plan)"
        ws[item_ref(3, "milestone_date")] = None
    book = _book(make_book(tmp_path / "m.xlsx", sample=4, edit=edit))
    xl.update_book(book, AS_OF)
    ws = book.wb[model.ITEMS.sheet]
    assert ws[item_ref(1, "milestone_date")].number_format == "d mmm yyyy"
    assert ws[item_ref(2, "milestone_date")].value == "Q3 FY27 (see plan)"
    assert ws[item_ref(3, "milestone_date")].value is not None  # the blank one was proposed


def test_update_button_explains_each_due_date_and_keeps_user_notes(tmp_path):
    from openpyxl.comments import Comment

    def edit(wb):
        wb[model.ITEMS.sheet][item_ref(2, "due_date")].comment = Comment("ask K. Chen", "me")
    path = make_book(tmp_path / "n.xlsx", sample=4, edit=edit)
    report = validation.validate(path, as_of=AS_OF)
    book = _book(path)
    xl.update_book(book, AS_OF)
    xl.update_book(book, AS_OF)  # twice: our note is replaced, not stacked
    ws = book.wb[model.ITEMS.sheet]
    first = ws[item_ref(1, "due_date")].comment.text
    assert first == report.derived["explanation"].iloc[0]
    assert ws[item_ref(2, "due_date")].comment.text == "ask K. Chen"
