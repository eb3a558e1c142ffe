"""The review workbook (openpyxl): a Summary sheet with figures and native charts, then one sheet
per list (overdue, N+ days late, slipped milestones, due next quarter, all changes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from .. import feedback, model, textcells
from ..diff import Diff
from ..validation import Report
from .data import review_data

NAVY = feedback.NAVY
HEAD_FILL = PatternFill("solid", fgColor=NAVY)
HEAD_FONT = Font(bold=True, color="FFFFFF")
LABEL_FILL = PatternFill("solid", fgColor=feedback.LABEL)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE = "yyyy-mm-dd"
HEAD_ROW = 3  # list sheets: title in row 1, subtitle in row 2, table header in row 3
# list sheets: (header, width, field of the row dict)
ITEM_COLUMNS = (
    ("Item", 7, "item"),
    ("Non-Compliance Description", 62, "description"),
    ("Risk", 9, "risk"),
    ("Status", 12, "status"),
    ("Responsible Owner", 22, "owner"),
    ("Milestone / Due", 13, "target"),
    ("Days Overdue", 10, "overdue"),
    ("Flag", 15, "flag"),
)
DUE_COLUMNS = (*ITEM_COLUMNS[:5], ("Milestone / Due", 13, "target"), ("Days Left", 9, "left"))
SLIP_COLUMNS = (
    ("Item", 7, "item"),
    ("Non-Compliance Description", 55, "description"),
    ("Slipped (days)", 10, "days"),
    ("Times", 7, "times"),
    ("What changed", 45, "message"),
    ("Explained", 10, "explained"),
)
CHANGE_COLUMNS = (
    ("Change", 20, "kind"),
    ("Severity", 9, "severity"),
    ("Item", 7, "item"),
    ("Details", 90, "message"),
)


def build(
    report: Report, as_of: dt.date, changes: Diff | None, name: str, previous: str | None = None
) -> tuple[Workbook, dict[str, Any]]:
    """The review workbook (Summary with charts, then one sheet per list) and its figures."""
    data = review_data(report, as_of, changes)
    overdue, late, due_next, slipped = data.overdue, data.late, data.due_next, data.slipped
    figures, horizon = data.figures, data.horizon
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    _summary(summary, report, as_of, figures, name, previous, horizon)
    late_word = data.late_days
    _list(
        wb,
        "Overdue",
        f"Overdue open items ({len(overdue)})",
        "Open items past their Milestone Date (or policy due date), highest risk first.",
        ITEM_COLUMNS,
        overdue,
    )
    _list(
        wb,
        f"{late_word}+ Days Late",
        f"Items more than {late_word} days late ({len(late)})",
        "The brief singles these out: explain each one at the review.",
        ITEM_COLUMNS,
        late,
    )
    if changes is None:
        note = "No previous version given (--previous): slips cannot be computed."
    else:
        note = (
            f"Milestone dates moved later since {previous}; Times = entries in Milestone Changes."
        )
    _list(
        wb,
        "Slipped Milestones",
        f"Slipped milestones ({len(slipped)})",
        note,
        SLIP_COLUMNS,
        slipped,
    )
    _list(
        wb,
        "Due Next Quarter",
        f"Due in the next {horizon} days ({len(due_next)})",
        f"Open items whose Milestone Date (or policy due date) falls {as_of.isoformat()} to "
        f"{(as_of + dt.timedelta(days=horizon)).isoformat()}.",
        DUE_COLUMNS,
        due_next,
    )
    if changes is not None:
        _list(
            wb,
            "Changes",
            f"All changes since {previous} ({len(changes.changes)})",
            "From `poam-xl diff`; deleted items are errors.",
            CHANGE_COLUMNS,
            [c.to_dict() for c in changes.changes],
        )
    wb.properties.creator = "poam-xl"
    wb.properties.title = f"POA&M review {as_of.isoformat()}"
    fixed = dt.datetime.combine(as_of, dt.time())
    wb.properties.created = wb.properties.modified = fixed
    return wb, figures


def _print_setup(ws: Worksheet, title_rows: str | None, fit_height: int = 0) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, fit_height
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = "poam-xl review"


def _list(
    wb: Workbook,
    title: str,
    heading: str,
    note: str,
    columns: Sequence[tuple[str, float, str]],
    rows: list[dict[str, Any]],
) -> None:
    ws = wb.create_sheet(title[:31])
    ws["A1"] = heading
    ws["A1"].font = Font(bold=True, size=14, color=NAVY)
    ws["A2"] = note
    ws["A2"].font = Font(italic=True, color=feedback.DERIVED)
    for j, (head, width, _key) in enumerate(columns, start=1):
        c = ws.cell(HEAD_ROW, j, head)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BORDER
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[c.column_letter].width = width
    ws.row_dimensions[HEAD_ROW].height = 30
    for i, r in enumerate(rows, start=HEAD_ROW + 1):
        for j, (_head, _width, key) in enumerate(columns, start=1):
            value = r.get(key)
            c = textcells.put(ws, i, j, value if value not in ("",) else None)
            c.alignment, c.border = WRAP, BORDER
            if isinstance(value, dt.date):
                c.number_format = DATE
        text = str(r.get("description") or r.get("message") or "")
        width = next((w for _h, w, k in columns if k in ("description", "message")), 60)
        lines = sum(max(1, -(-len(part) // int(width * 1.2))) for part in text.split("\n"))
        ws.row_dimensions[i].height = max(15, min(lines, 8) * 13)
    if not rows:
        ws.cell(HEAD_ROW + 1, 1, "None.").font = Font(italic=True)
    ws.freeze_panes = f"A{HEAD_ROW + 1}"
    _print_setup(ws, f"{HEAD_ROW}:{HEAD_ROW}")


def _summary(
    ws: Worksheet,
    report: Report,
    as_of: dt.date,
    f: dict[str, Any],
    name: str,
    previous: str | None,
    horizon: int,
) -> None:
    head = report.poam.header if report.poam is not None else {}
    ws["A1"] = "POA&M quarterly review"
    ws["A1"].font = Font(bold=True, size=16, color=NAVY)
    who = " / ".join(str(v) for v in (head.get("company_name"), head.get("system_name")) if v)
    textcells.put(ws, 2, 1, f"{who + ' — ' if who else ''}{name}, as of {as_of.isoformat()}" + (
        f", compared with {previous}" if previous else ""
    ))
    ws["A2"].font = Font(italic=True, color=feedback.DERIVED)
    figures = (
        ("Items", f["items"]),
        ("Open", f["open"]),
        ("Overdue", f["overdue"]),
        ("90+ days late", f["late"]),
        ("Due soon", f["due_soon"]),
        (f"Due in next {horizon} days", f["due_next"]),
        ("Slipped milestones", f["slipped"] if previous else "n/a"),
        ("Validation errors", report.errors),
        ("Validation warnings", report.warnings),
    )
    _block(ws, 4, 1, ("Figure", "Value"), figures)
    _block(ws, 4, 4, ("Status", "Items"), list(f["by_status"].items()))
    _block(
        ws,
        4,
        7,
        ("Risk", "All", "Open"),
        [(r, f["by_risk"][r], f["open_by_risk"][r]) for r in model.RISK_LEVELS],
    )
    _block(ws, 10, 7, ("Open items by age", "Items"), list(f["aging"].items()))
    for letter, width in zip("ABCDEFGHI", (24, 9, 3, 13, 8, 3, 18, 8, 10), strict=True):
        ws.column_dimensions[letter].width = width
    n_status = len(f["by_status"])
    pie = PieChart()
    pie.title = "Items by status"
    pie.add_data(Reference(ws, min_col=5, min_row=4, max_row=4 + n_status), titles_from_data=True)
    pie.set_categories(Reference(ws, min_col=4, min_row=5, max_row=4 + n_status))
    risk = BarChart()
    risk.type, risk.title = "col", "Items by risk level"
    risk.add_data(Reference(ws, min_col=8, max_col=9, min_row=4, max_row=7), titles_from_data=True)
    risk.set_categories(Reference(ws, min_col=7, min_row=5, max_row=7))
    age = BarChart()
    age.type, age.title, age.legend = "col", "Open items by age", None
    age.add_data(
        Reference(ws, min_col=8, min_row=10, max_row=10 + len(f["aging"])), titles_from_data=True
    )
    age.set_categories(Reference(ws, min_col=7, min_row=11, max_row=10 + len(f["aging"])))
    for chart, anchor in ((risk, "A16"), (pie, "E16"), (age, "J16")):  # ~48 characters apart
        chart.height, chart.width = 7.5, 8.5
        ws.add_chart(chart, anchor)
    _print_setup(ws, None, fit_height=1)


def _block(
    ws: Worksheet, row: int, col: int, heads: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    for j, h in enumerate(heads):
        c = ws.cell(row, col + j, h)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BORDER
    for i, values in enumerate(rows, start=row + 1):
        for j, v in enumerate(values):
            c = textcells.put(ws, i, col + j, v)
            c.border = BORDER
            if j == 0:
                c.font, c.fill = Font(bold=True), LABEL_FILL
