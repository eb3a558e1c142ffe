"""The portfolio workbook: Dashboard (native charts), Items, Milestones, Files and Findings sheets.

Written with openpyxl's write-only mode (thousands of rows, streamed), every row through
``textcells.row`` so no text becomes a formula. The Dashboard's tables sit at fixed places
(``dashboard_ranges``), which its charts reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter, quote_sheetname

from .. import model, textcells
from ..write import atomic_path
from . import rollup
from .rollup import AGING, FILE_COLUMNS, FINDING_COLUMNS, ITEM_COLUMNS, MILESTONE_COLUMNS, Portfolio

DASHBOARD = "Dashboard"
TABLE_ROW = 5  # the Dashboard tables' heading row; their data start on the next row
HEADINGS: dict[str, str] = {
    "file": "Source File", "company": "Company Name", "cage_code": "CAGE Code",
    "system": "System / Facility Name", "profile": "Profile", "status": "Status",
    "reason": "Reason Not Read", "template": "Template", "items": "Items", "open": "Open",
    "overdue": "Overdue", "late": "90+ Days Late", "errors": "Errors", "warnings": "Warnings",
    "poam_date": "POA&M Date", "last_review": "Last Review Date", "due_date": "Due Date (Policy)",
    "scheduled": "Scheduled Completion Date", "days_open": "Days Open",
    "days_overdue": "Days Overdue", "flag": "Flag", "rule": "Rule", "severity": "Severity",
    "sheet": "Sheet", "cell": "Cell", "item": "Item Number", "column": "Column",
    "message": "Message", "hint": "Hint",
}
WIDE = {"file": 28, "description": 40, "mitigation": 30, "message": 50, "hint": 40, "reason": 40,
        "milestone": 40, "company": 24, "system": 24}


def heading(key: str, table: model.Table = model.ITEMS) -> str:
    """The column heading of a field key on the portfolio sheets."""
    if key in HEADINGS:
        return HEADINGS[key]
    try:
        return table.column(key).header
    except KeyError:
        return key.replace("_", " ").title()


def dashboard_ranges(p: Portfolio) -> dict[str, str]:
    """Where the Dashboard's charts read: 'risk' (open items by risk level, one column per
    level), 'overdue', 'groups' (their categories), 'aging' and 'aging_labels' (A1 ranges)."""
    last = TABLE_ROW + max(1, len(p.groups))
    first = TABLE_ROW + 1
    return {"groups": f"A{first}:A{last}", "risk": f"B{TABLE_ROW}:D{last}",
            "overdue": f"E{TABLE_ROW}:E{last}", "aging_labels": f"G{first}:G{TABLE_ROW + len(AGING)}",
            "aging": f"H{TABLE_ROW}:H{TABLE_ROW + len(AGING)}"}


def write(p: Portfolio, path: str | Path) -> list[str]:
    """Write the portfolio workbook of a built portfolio to ``path`` atomically; returns the
    notes to report (text over Excel's 32,767-character cell limit cut, ``textcells.cut_note``).
    Raises WriteError or OSError when the file cannot be written."""
    out = Streamer(p)
    out.append_rows(dict.fromkeys(TABLES, 0))  # every row of the built portfolio
    return out.save(path)


class Streamer:
    """The portfolio workbook written while a batch runs: ``add(index, result)`` takes batch
    results in any order and appends their rows in input order (a result waits for those before
    it), so the rows stream to disk while the workers still read; ``save`` adds the Files sheet
    and the Dashboard and saves atomically."""

    def __init__(self, p: Portfolio) -> None:
        self.p = p
        self.wb = Workbook(write_only=True)
        self.dashboard = self.wb.create_sheet(DASHBOARD)
        self.sheets = {name: (self.wb.create_sheet(name), columns, table)
                       for name, columns, table in SHEETS}
        for name in TABLES:
            _start(*self.sheets[name])
        self.pending: dict[int, dict[str, Any]] = {}
        self.next = 0

    def add(self, index: int, result: dict[str, Any]) -> None:
        """Result ``index`` (0-based input order) of the batch."""
        self.pending[index] = result
        while self.next in self.pending:
            r = self.pending.pop(self.next)
            self.next += 1
            before = {name: len(rows) for name, rows in self._tables()}
            rollup.add(self.p, r)
            self.append_rows(before)

    def _tables(self) -> tuple[tuple[str, list[dict[str, Any]]], ...]:
        return (("Items", self.p.items), ("Milestones", self.p.milestones),
                ("Findings", self.p.findings))

    def append_rows(self, before: dict[str, int]) -> None:
        """Append the Items, Milestones and Findings rows after the first ``before[sheet]``."""
        for name, rows in self._tables():
            ws, columns, _ = self.sheets[name]
            for r in rows[before[name]:]:
                ws.append(textcells.row(ws, [r.get(k) for k in columns]))

    def save(self, path: str | Path) -> list[str]:
        p = self.p
        ws, columns, table = self.sheets["Files"]
        _start(ws, columns, table)
        for f in p.files:
            ws.append(textcells.row(ws, [f.get(k) for k in columns]))
        for name, rows in (("Items", p.items), ("Milestones", p.milestones), ("Files", p.files),
                           ("Findings", p.findings)):
            ws, columns, _ = self.sheets[name]
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
        _dashboard(self.dashboard, p)
        self.wb.properties.creator = "poam-xl"
        self.wb.properties.title = "POA&M portfolio"
        with atomic_path(Path(path)) as tmp:
            self.wb.save(tmp)
        return textcells.cut_note(self.wb)


TABLES = ("Items", "Milestones", "Findings")  # streamed while the batch runs
SHEETS = (("Items", ITEM_COLUMNS, model.ITEMS), ("Milestones", MILESTONE_COLUMNS, model.MILESTONES),
          ("Files", FILE_COLUMNS, model.ITEMS), ("Findings", FINDING_COLUMNS, model.ITEMS))


def _start(ws: Any, columns: tuple[str, ...], table: model.Table) -> None:
    """Column widths, frozen heading row, the heading row (before any other row)."""
    for i, key in enumerate(columns, start=1):
        width = WIDE.get(key, max(10, len(heading(key, table)) + 2))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(textcells.row(ws, [heading(k, table) for k in columns]))


def _dashboard(ws: Any, p: Portfolio) -> None:
    total_open = sum(sum(v.values()) for v in p.open_by_risk.values())
    for col, width in zip("ABCDEFGH", (34, 9, 9, 9, 9, 3, 16, 11), strict=True):
        ws.column_dimensions[col].width = width
    ws.page_setup.orientation = "landscape"  # one page wide: the tables and charts side by side
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.append(textcells.row(ws, [f"POA&M portfolio as of {p.as_of.isoformat()}"]))
    ws.append(textcells.row(ws, ["Files", len(p.files), "Not read", len(p.unreadable)]))
    ws.append(textcells.row(ws, ["Items", len(p.items), "Open", total_open, "Overdue",
                                 sum(p.overdue.values())]))
    ws.append([])
    ws.append(textcells.row(ws, ["Company / System", *model.RISK_LEVELS, "Overdue", None,
                                 "Age of open items", "Open items"]))
    aging = list(p.aging.items())
    groups = p.groups or ["(no items)"]
    for i in range(max(len(groups), len(aging))):
        row: list[Any] = [None] * 8
        if i < len(groups):
            g = groups[i]
            counts = p.open_by_risk.get(g, {})
            row[:5] = [g, *(counts.get(r, 0) for r in model.RISK_LEVELS), p.overdue.get(g, 0)]
        if i < len(aging):
            row[6:8] = list(aging[i])
        ws.append(textcells.row(ws, row))
    _charts(ws, p, len(groups))


def _charts(ws: Any, p: Portfolio, groups: int) -> None:
    ranges = dashboard_ranges(p)

    def ref(key: str) -> Reference:
        return Reference(range_string=f"{quote_sheetname(ws.title)}!{ranges[key]}")

    top = TABLE_ROW + max(groups, len(AGING)) + 2
    tall = max(7.5, 0.6 * groups + 3)  # cm: one bar's room per company/system
    risk = _bar("Open items by risk level", ref("risk"), ref("groups"), tall, 18)
    risk.grouping, risk.overlap = "stacked", 100
    ws.add_chart(risk, f"A{top}")
    over = _bar("Overdue items", ref("overdue"), ref("groups"), tall, 12)
    over.legend = None
    ws.add_chart(over, f"G{top}")
    age = _bar("Open items by age", ref("aging"), ref("aging_labels"), 7.5, 12)
    age.type, age.legend = "col", None
    age.x_axis.scaling.orientation = "minMax"
    ws.add_chart(age, f"N{top}")  # one row of charts: the page stays one chart high


def _bar(title: str, data: Reference, categories: Reference, height: float, width: float) -> BarChart:
    chart = BarChart()
    chart.type, chart.title = "bar", title
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.height, chart.width = height, width
    chart.y_axis.scaling.min, chart.y_axis.number_format = 0, "0"
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # the first company at the top
    chart.y_axis.delete = chart.x_axis.delete = False
    return chart
