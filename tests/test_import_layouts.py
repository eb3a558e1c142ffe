"""`poam-xl import` into a sender's own layout (a generic workbook): the columns it adds are named
in the summary and join the sheet's Excel Table; a milestone with no Milestones sheet is said."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table

from poam_xl.importers.apply import import_into
from poam_xl.reader import read
from tests.helpers import AS_OF
from tests.test_import_parsers import write_ckl

HEADERS = ("Item Number", "Non-Compliance Description", "Status", "Risk Level", "Date Identified",
           "Milestone Date", "Comments")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def own_layout(path: Path, table: bool) -> Path:
    """A sender's POA&M: title rows, header row 3, two items, no Milestones sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "POA&M"
    ws["A1"] = "Agency X POA&M - FY26"
    ws.append([])
    ws.append(HEADERS)
    ws.append([1, "Shutdown config missing auth", "Open", "Low", dt.date(2026, 5, 9),
               dt.date(2026, 11, 5), "first"])
    ws.append([2, "Audit log not reviewed weekly", "Open", "Medium", dt.date(2026, 6, 1),
               dt.date(2026, 8, 30), "second"])
    if table:
        ws.add_table(Table(displayName="Poam", ref="A3:G5"))
    else:
        ws.auto_filter.ref = "A3:G5"
    wb.save(path)
    return path


def table_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.startswith("xl/tables/"))
        return etree.fromstring(z.read(name))


def test_added_columns_are_named_and_join_the_table(tmp_path: Path) -> None:
    """Review: import appended Milestone Date, How Identified, Source Identifier, Last Seen,
    Due Date, Days Open, Days Overdue without a word; in a workbook with an Excel Table they
    landed outside it (the table stayed A3:M10)."""
    book = own_layout(tmp_path / "own.xlsx", table=True)
    out = tmp_path / "out.xlsx"
    res = import_into([write_ckl(tmp_path / "web.ckl")], book, out, as_of=AS_OF)
    added = ["C/W/S", "Mitigation Plans & Adjustments", "How Identified", "Source Identifier",
             "Affected Assets", "Last Seen"]
    assert (f"added 6 columns H-M to POA&M (this workbook lacked them, inside table Poam): "
            f"{', '.join(added)}") in res.line()
    ws = load_workbook(out)["POA&M"]
    assert [c.value for c in ws[3]] == [*HEADERS, *added]  # no computed column added
    root = table_xml(out)
    assert root.get("ref") == "A3:M7"  # the new columns and the two new rows
    assert root.find(f"{MAIN}autoFilter").get("ref") == "A3:M7"
    cols = root.find(f"{MAIN}tableColumns")
    assert cols.get("count") == "13" == str(len(cols))
    assert [c.get("name") for c in cols] == [*HEADERS, *added]  # as the header cells read
    assert len({c.get("id") for c in cols}) == 13
    frame = read(out).items.frame
    assert list(frame["source_id"].dropna()) == ["SV-1001r1_rule (V-1001)",
                                                 "SV-1004r1_rule (V-1004)"]
    again = import_into([write_ckl(tmp_path / "web.ckl")], out, tmp_path / "again.xlsx",
                        as_of=AS_OF)
    assert again.written == [] and "lacked them" not in again.line()  # the columns are there now


def test_no_milestones_sheet_is_said_and_the_autofilter_widens(tmp_path: Path) -> None:
    """Review: the promised milestone was dropped silently when the book has no Milestones
    sheet."""
    book = own_layout(tmp_path / "own.xlsx", table=False)
    out = tmp_path / "out.xlsx"
    res = import_into([write_ckl(tmp_path / "web.ckl")], book, out, as_of=AS_OF)
    assert ("no Milestones sheet: 2 milestones not written (each new item's Milestone Date "
            "holds its date)") in res.line()
    assert "inside table" not in res.line()
    ws = load_workbook(out)["POA&M"]
    assert ws.auto_filter.ref == "A3:M7"
    frame = read(out).items.frame
    assert frame["milestone_date"].notna().all()  # the date the milestone would have held
