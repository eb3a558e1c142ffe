"""What people see on paper: workbooks rendered by LibreOffice (PDF, then PNG pixels or text).

One soffice call renders all of them (it is slow): the feedback copy of a workbook whose rows are
closed grey / overdue orange (the flagged cells must show), the template filled by hand (its rows
must print as a table), and updated workbooks' Dashboards (counts that add up, whole-item axes,
pie labels, month labels).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import uuid
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from pypdf import PdfReader

from poam_xl import dashboard, feedback, template, validation
from poam_xl.update import annotated_copy, update_workbook
from poam_xl.xlsxcf import BORDER
from tests.helpers import AS_OF, SHARED, require_soffice

pytestmark = pytest.mark.libreoffice
DESK = SHARED / "cases" / "desk"
CASE_DAY = dt.date(2026, 11, 30)


def _rgb(hex_: str) -> tuple[int, int, int]:
    return int(hex_[0:2], 16), int(hex_[2:4], 16), int(hex_[4:6], 16)


def _hand_filled(path: Path) -> Path:
    """The empty template with three items typed in: values only, as a person enters them
    (a date typed in Excel is stored as its serial number)."""
    template.new_workbook(path, as_of=AS_OF)
    wb = openpyxl.load_workbook(path)
    ws = wb["POA&M"]
    serial = (dt.date(2026, 3, 15) - dt.date(1899, 12, 30)).days
    for i, (text, risk) in enumerate((("Audit records are not reviewed weekly by the ISSM as the "
                                       "system security plan requires", "High"),
                                      ("USB storage not disabled", "Medium"),
                                      ("Login banner missing", "Low"))):
        r = template.FIRST_ROW + i
        for letter, value in (("A", i + 1), ("B", text), ("C", "AU-6"), ("D", "Assign a reviewer"),
                              ("E", serial + 30), ("G", "Open"), ("J", risk), ("K", serial)):  # E: 2026-04-14
            ws[f"{letter}{r}"].value = value
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    require_soffice()
    d = tmp_path_factory.mktemp("render")
    masked = DESK / "b-feedback-masked.xlsx"
    books = {
        "feedback": annotated_copy(masked, d / "feedback.xlsx",
                                   validation.validate(masked, as_of=dt.date(2026, 12, 2))),
        "hand": _hand_filled(d / "hand.xlsx"),
    }
    human = DESK / "a-filled-human.xlsx"
    books["human"] = update_workbook(human, d / "human.xlsx",
                                     validation.validate(human, as_of=CASE_DAY)).path
    sample = template.new_workbook(d / "sample-src.xlsx", sample_items=12, as_of=AS_OF)
    books["sample"] = update_workbook(sample, d / "sample.xlsx",
                                      validation.validate(sample, as_of=CASE_DAY)).path
    profile = f"file:///tmp/lo-render-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(d / "pdf"), *map(str, books.values())],
                   capture_output=True, timeout=300, check=False)
    pdfs = {k: d / "pdf" / (v.stem + ".pdf") for k, v in books.items()}
    missing = [k for k, p in pdfs.items() if not p.exists()]
    assert not missing, f"LibreOffice rendered no PDF for {missing}"
    return pdfs


def _page(pdf: Path, *needles: str) -> tuple[int, str]:
    """(1-based number, text) of the first page holding every needle."""
    for i, page in enumerate(PdfReader(pdf).pages, start=1):
        text = page.extract_text()
        if all(n in text for n in needles):
            return i, text
    raise AssertionError(f"no page of {pdf.name} shows {needles}")


def _pixels(pdf: Path, page: int, dpi: int = 60) -> np.ndarray:
    """The page as an (height, width, 3) array of RGB bytes (pdftoppm's PPM)."""
    prefix = pdf.with_name(f"{pdf.stem}-p{page}-{dpi}")
    subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), str(pdf), str(prefix)],
                   check=True, timeout=120)
    data = next(prefix.parent.glob(prefix.name + "*.ppm")).read_bytes()
    magic, width, height, _max, body = data.split(maxsplit=4)
    assert magic == b"P6"
    w, h = int(width), int(height)
    return np.frombuffer(body[: w * h * 3], dtype=np.uint8).reshape(h, w, 3)


def _rows_with(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 4) -> set[int]:
    """The pixel rows (y) where a run of at least 3 pixels has colour ``rgb``."""
    near = (np.abs(img.astype(int) - np.array(rgb)).max(axis=2) <= tol)
    runs = near[:, :-2] & near[:, 1:-1] & near[:, 2:]
    return set(np.flatnonzero(runs.any(axis=1)).tolist())


# ---------------------------------------------------------------- 5: flagged cells visible
def test_flagged_cells_show_their_highlight_on_closed_and_overdue_rows(rendered):
    """b-feedback-masked: F12 (a Completed row: closed grey) and E13 (an overdue row: orange)
    are flagged; rendered, each shows the error fill and the dark-red box on its own row."""
    page, text = _page(rendered["feedback"], "Company Name", "Item")
    img = _pixels(rendered["feedback"], page)
    error, grey, orange = (_rows_with(img, _rgb(c)) for c in (feedback.ERROR, feedback.CLOSED,
                                                               feedback.OVERDUE))
    assert grey and orange, "the sheet's own row colours are rendered"
    assert error & grey, "the flagged cell of the closed (grey) row shows the highlight"
    assert error & orange, "the flagged cell of the overdue (orange) row shows the highlight"
    assert _rows_with(img, _rgb(BORDER), tol=40), "the highlight's border is drawn"


# ---------------------------------------------------------------- 6: rows that print
def _long_lines(img: np.ndarray, share: float = 0.45) -> int:
    """Horizontal rules across at least ``share`` of the page: groups of pixel rows whose dark,
    neutral pixels form one long run (table grid lines; text never does)."""
    px = img.astype(int)
    ink = (px.max(axis=2) < 225) & (px.max(axis=2) - px.min(axis=2) < 24)
    longest = []
    for row in ink:
        edges = np.diff(np.concatenate(([0], row.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest.append(int((ends - starts).max()) if len(starts) else 0)
    lines = np.flatnonzero(np.array(longest) >= share * img.shape[1])
    return int(len(lines) and 1 + np.count_nonzero(np.diff(lines) > 1))


def test_a_template_filled_by_hand_prints_as_a_table(rendered):
    page, text = _page(rendered["hand"], "Company Name", "Item")
    assert "(Low/Medium/High)" in text, "the Risk Level header breaks mid-word"
    assert text.count("2026-04-14") == 3, "typed dates (serials) print as dates"
    assert "by the \nISSM as the system" in text, "long text wraps inside its cell"
    img = _pixels(rendered["hand"], page, dpi=100)
    # the header row, the three items and EMPTY_ROWS empty rows each close with a grid line
    assert _long_lines(img) >= 3 + template.EMPTY_ROWS, _long_lines(img)


# ---------------------------------------------------------------- 7: the Dashboard
def _dashboard(pdf: Path) -> str:
    return _page(pdf, "POA&M dashboard", "Items by status")[1]


def test_dashboard_status_counts_add_up_and_axes_count_whole_items(rendered):
    text = _dashboard(rendered["human"])  # a-filled-human, updated: 7 items, one with no Status
    lines = text.splitlines()
    assert any(re.search(r"\bItems 7\b", line) for line in lines)
    counts = {}
    for status in dashboard.STATUS_ROWS:
        m = re.search(rf"(?:^|\s){re.escape(status)} (\d+)(?:\s|$)", text)
        assert m, status
        counts[status] = int(m.group(1))
    assert sum(counts.values()) == 7 and counts[dashboard.BLANK] == 1
    decimals = re.findall(r"(?<![\d-])\d+\.\d+(?![\d-])", text)
    assert not decimals, f"axis labels step by parts of an item: {decimals}"


def _months(day: dt.date) -> list[str]:
    """The Dashboard's twelve months ending with ``day``'s ('2025-12' ... '2026-11')."""
    n = day.year * 12 + day.month - 1
    return [f"{(n - k) // 12}-{(n - k) % 12 + 1:02d}" for k in range(dashboard.MONTHS - 1, -1, -1)]


def test_dashboard_pie_has_labels_and_every_month_label_reads(rendered):
    text = _dashboard(rendered["sample"])  # the 12-item sample, updated
    lines, tokens, months = text.splitlines(), text.split(), _months(CASE_DAY)
    assert all(tokens.count(m) >= 2 for m in months), "each month in the table and on the axis"
    # the pie's labels: the counts of the non-empty statuses, drawn before the chart's title
    title = lines.index("Items by status")
    table_end = max(i for i, line in enumerate(lines[:title]) if line.startswith(months[-1]))
    labels = sorted(int(x) for x in lines[table_end + 1:title])
    status = {s: int(m.group(1)) for s in dashboard.STATUS_ROWS
              if (m := re.search(rf"(?:^|\s){re.escape(s)} (\d+)(?:\s|$)", text))}
    assert len(status) == len(dashboard.STATUS_ROWS) and sum(status.values()) == 12
    assert labels == sorted(v for v in status.values() if v), (labels, status)
    decimals = re.findall(r"(?<![\d-])\d+\.\d+(?![\d-])", text)
    assert not decimals, f"axis labels step by parts of an item: {decimals}"
