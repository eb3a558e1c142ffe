"""The annotated feedback copy: finding cells highlighted with notes, a linked Findings sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.comments import Comment

from poam_xl.errors import UsageError
from poam_xl.feedback import SEVERITY_FILLS as FILLS
from poam_xl.update import annotated_copy
from poam_xl.validation import validate
from tests.helpers import AS_OF, header_ref, item_ref, sha256
from tests.test_update import make_xlsm
from tests.test_xlsxpatch import changed_members, lo_convert


def broken(wb: Any) -> None:
    ws = wb["POA&M"]
    ws[item_ref(1, "risk_level")] = "Extreme"
    ws[item_ref(1, "risk_level")].comment = Comment("chosen by Bob", "Bob")
    ws[item_ref(2, "date_identified")] = "not a date"
    ws[item_ref(3, "status")] = "Maybe"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_xlsm(tmp_path / "submitted.xlsm", edit=broken)


def test_notes_and_fills_sit_on_the_finding_cells(book: Path, tmp_path: Path) -> None:
    before = sha256(book)
    report = validate(book, as_of=AS_OF)
    cells = {f.cell for f in report.findings if f.sheet == "POA&M" and f.cell}
    broken_cells = {item_ref(1, "risk_level"), item_ref(2, "date_identified"),
                    item_ref(3, "status")}
    assert broken_cells <= cells
    out = annotated_copy(book, tmp_path / "feedback.xlsm", report)
    assert sha256(book) == before
    wb = openpyxl.load_workbook(out, keep_vba=True)
    ws = wb["POA&M"]
    for f in report.findings:
        if f.sheet != "POA&M" or not f.cell:
            continue
        note = ws[f.cell].comment
        assert note is not None and f.message in note.text and f.rule in note.text, f.cell
        assert ws[f.cell].fill.fgColor.rgb == "FF" + FILLS[f.severity]
    assert "chosen by Bob" in ws[item_ref(1, "risk_level")].comment.text  # user note kept
    assert ws[item_ref(4, "risk_level")].comment is None  # clean cells untouched
    assert ws[item_ref(4, "risk_level")].fill.fgColor.rgb != "FF" + FILLS["error"]
    with_vba = changed_members(book, out)
    assert "xl/vbaProject.bin" not in with_vba


def test_findings_sheet_links_to_every_cell(book: Path, tmp_path: Path) -> None:
    report = validate(book, as_of=AS_OF)
    out = annotated_copy(book, tmp_path / "feedback.xlsm", report)
    ws = openpyxl.load_workbook(out)["Findings"]
    header = [c.value for c in ws[1]]
    assert header == ["Rule", "Severity", "Cell", "Item", "Column", "Message", "Hint"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(report.findings)
    for i, f in enumerate(report.findings, start=2):
        assert ws[f"A{i}"].value == f.rule and ws[f"F{i}"].value == f.message
        if f.cell:
            assert ws[f"C{i}"].hyperlink.location == f"'{f.sheet}'!{f.cell}"


def test_clean_workbook_gets_an_empty_findings_sheet(tmp_path: Path) -> None:
    src = make_xlsm(tmp_path / "clean.xlsm")
    report = validate(src, as_of=AS_OF)
    assert report.findings == []
    ws = openpyxl.load_workbook(annotated_copy(src, tmp_path / "fb.xlsm", report))["Findings"]
    assert ws["A2"].value.startswith("No findings")


def test_refuses_to_overwrite_the_input(book: Path) -> None:
    with pytest.raises(UsageError):
        annotated_copy(book, book, validate(book, as_of=AS_OF))


def test_header_finding_cell(tmp_path: Path) -> None:
    src = make_xlsm(tmp_path / "h.xlsm", edit=lambda wb: wb["POA&M"].__setitem__(
        header_ref("company_name"), None))
    report = validate(src, as_of=AS_OF)
    out = annotated_copy(src, tmp_path / "fb.xlsm", report)
    note = openpyxl.load_workbook(out)["POA&M"][header_ref("company_name")].comment
    assert note is not None and "Company Name" in note.text


@pytest.mark.libreoffice
def test_libreoffice_opens_the_annotated_copy(book: Path, tmp_path: Path) -> None:
    report = validate(book, as_of=AS_OF)
    out = annotated_copy(book, tmp_path / "feedback.xlsm", report)
    wb = openpyxl.load_workbook(lo_convert(out, tmp_path / "lo"))
    assert wb["Findings"]["A2"].value == report.findings[0].rule
    note = wb["POA&M"][item_ref(2, "date_identified")].comment
    assert note is not None and "date" in note.text.lower()
