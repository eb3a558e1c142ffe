"""`poam-xl review`: the review workbook's lists and charts, and its LibreOffice PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.review import make_pack, page_count
from poam_xl.validation import validate
from tests.helpers import AS_OF, item_ref, make_book, require_soffice, sha256


def _earlier(wb) -> None:
    """The previous quarter: items 3 and 10 had milestone dates 30 days earlier."""
    for i in (3, 10):
        c = wb["POA&M"][item_ref(i, "milestone_date")]
        c.value = c.value - dt.timedelta(days=30)


@pytest.fixture
def books(tmp_path: Path) -> tuple[Path, Path]:
    return (
        make_book(tmp_path / "poam.xlsx", sample=12),
        make_book(tmp_path / "poam-q2.xlsx", sample=12, edit=_earlier),
    )


def test_review_workbook_lists(books: tuple[Path, Path], tmp_path: Path) -> None:
    cur, prev = books
    before = (sha256(cur), sha256(prev))
    pack = make_pack(cur, tmp_path / "out", previous=prev, as_of=AS_OF, pdf=False)
    assert (sha256(cur), sha256(prev)) == before
    wb = load_workbook(pack.workbook)
    assert wb.sheetnames == [
        "Summary",
        "Overdue",
        "90+ Days Late",
        "Slipped Milestones",
        "Due Next Quarter",
        "Changes",
    ]
    report = validate(cur, as_of=AS_OF)
    derived, items = report.derived, report.items
    open_ = ~items["status"].isin(["Completed", "Closed"])
    overdue = sorted(items["item_number"][open_ & (derived["days_overdue"] > 0)].astype(int))
    late = sorted(items["item_number"][derived["flag"] == "90+ DAYS LATE"].astype(int))

    def listed(name: str) -> list[int]:
        ws = wb[name]
        return sorted(
            int(ws.cell(r, 1).value)
            for r in range(4, ws.max_row + 1)
            if isinstance(ws.cell(r, 1).value, int)
        )

    assert overdue and listed("Overdue") == overdue
    assert late and listed("90+ Days Late") == late
    assert listed("Slipped Milestones") == [3, 10]
    assert (
        wb["Slipped Milestones"]["C4"].value == 30 and wb["Slipped Milestones"]["F4"].value == "No"
    )
    due = listed("Due Next Quarter")
    target = derived["proposed_milestone"]
    expect = items["item_number"][
        open_ & (target >= str(AS_OF)) & (target <= str(AS_OF + dt.timedelta(days=90)))
    ]
    assert due == sorted(expect.astype(int))
    summary = wb["Summary"]
    assert len(summary._charts) == 3
    assert summary["B5"].value == 12 and summary["B7"].value == len(overdue)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert wb["Overdue"].print_title_rows == "$3:$3"
    assert pack.figures["slipped"] == 2


@pytest.mark.libreoffice
def test_review_pdf_pages(books: tuple[Path, Path], tmp_path: Path) -> None:
    require_soffice()
    cur, prev = books
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "review",
            str(cur),
            "--previous",
            str(prev),
            "--output",
            str(tmp_path / "pack"),
            "--as-of",
            AS_OF.isoformat(),
        ],
    )
    assert res.exit_code == 0, res.output
    pdf = tmp_path / "pack" / "poam-review.pdf"
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    assert page_count(pdf) == 6  # one landscape page per sheet at this size
    assert "(6 pages)" in res.output
    alone = make_pack(cur, tmp_path / "alone", as_of=AS_OF)
    assert alone.pdf is not None and alone.pages == 5  # no Changes sheet without --previous
    assert load_workbook(alone.workbook)["Slipped Milestones"]["A4"].value == "None."


def test_a_workbook_reviewed_under_another_profile_is_said(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=3)
    res = CliRunner().invoke(app, ["review", str(book), "-o", str(tmp_path / "out"), "--no-pdf",
                                   "--profile", "fedramp", "--as-of", AS_OF.isoformat()])
    assert res.exit_code == 0, res.output
    warned = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warned) == 1 and str(book) in warned[0]
    assert "dss workbook reviewed under the fedramp profile" in warned[0]
    res = CliRunner().invoke(app, ["review", str(book), "-o", str(tmp_path / "out2"), "--no-pdf",
                                   "--as-of", AS_OF.isoformat()])
    assert res.exit_code == 0 and "warning" not in res.stderr  # its own profile: nothing to say
