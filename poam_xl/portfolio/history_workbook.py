"""A POA&M's history as a workbook: Periods, Burn-down (a native line chart of open items by
risk level), Closures (with median days to close and % closed by the due date) and Slips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname

from .. import model, textcells
from ..write import atomic_path
from .history import History

BOLD = Font(bold=True)
SHEETS = ("Burn-down", "Periods", "Closures", "Slips", "Versions")


def burn_down_ranges(h: History) -> dict[str, str]:
    """The chart's ranges on the Burn-down sheet: 'dates' (categories) and 'open' (one
    column per risk level, titles in row 1)."""
    last = 1 + len(h.burn_down)
    return {"dates": f"A2:A{last}", "open": f"B1:{get_column_letter(1 + len(model.RISK_LEVELS))}{last}"}


def write(h: History, path: str | Path) -> list[str]:
    """Write the history workbook to ``path`` atomically; returns notes to report."""
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet(SHEETS[0])
    _rows(ws, ["Version date", *model.RISK_LEVELS, "Total open", "File"],
          [[b["date"], *(b[r] for r in model.RISK_LEVELS), b["total"], b["path"]]
           for b in h.burn_down])
    _chart(ws, h)
    _rows(wb.create_sheet(SHEETS[1]), ["From", "To", "Opened", "Closed", "Reopened", "Open at end",
                                       "Overdue at end", "Version"],
          [[p["from"], p["to"], p["opened"], p["closed"], p["reopened"], p["open"], p["overdue"],
            p["version"]] for p in h.periods])
    c = h.closing
    ws = wb.create_sheet(SHEETS[2])
    summary = [["Risk level", "Median days to close"],
               *([r, c["median_days_to_close"][r]] for r in model.RISK_LEVELS),
               ["Closed", c["closed"]], ["Closed by the policy due date", c["closed_by_due_date"]],
               ["With a due date", c["with_due_date"]],
               ["% closed by the due date", c["pct_closed_by_due_date"]], []]
    _rows(ws, ["Item Number", "Risk Level", "Date Identified", "Completion Date",
               "Due Date (Policy)", "Days to close", "By the due date", "Version"],
          [[x["item"], x["risk"], x["identified"], x["completed"], x["due"], x["days_to_close"],
            None if x["by_due_date"] is None else ("Yes" if x["by_due_date"] else "No"),
            x["version"]] for x in h.closures], top=summary)
    _rows(wb.create_sheet(SHEETS[3]), ["From", "To", "Item Number", "Milestone Date moved",
                                       "Days later", "Responsible Owner"],
          [[s["from"], s["to"], s["item"], s["moved"], s["days"], s["owner"]] for s in h.slips])
    _rows(wb.create_sheet(SHEETS[4]), ["Order", "Date", "Dated by", "File"],
          [[i, v.date, v.source, v.path] for i, v in enumerate(h.versions, start=1)])
    wb.properties.creator = "poam-xl"
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return textcells.cut_note(wb)


def _rows(ws: Any, head: list[str], rows: list[list[Any]], top: list[list[Any]] | None = None) -> None:
    r = 1
    for line in top or []:
        for j, v in enumerate(line, start=1):
            textcells.put(ws, r, j, v)
        r += 1
    for j, v in enumerate(head, start=1):
        textcells.put(ws, r, j, v).font = BOLD
        ws.column_dimensions[get_column_letter(j)].width = max(12, len(v) + 2)
    for line in rows:
        r += 1
        for j, v in enumerate(line, start=1):
            cell = textcells.put(ws, r, j, v)
            if hasattr(v, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = ws.cell(len(top or []) + 2, 1)


def _chart(ws: Any, h: History) -> None:
    ranges = burn_down_ranges(h)
    chart = LineChart()
    chart.title = "Open items by risk level (burn-down)"
    chart.add_data(Reference(range_string=f"{quote_sheetname(ws.title)}!{ranges['open']}"),
                   titles_from_data=True)
    chart.set_categories(Reference(range_string=f"{quote_sheetname(ws.title)}!{ranges['dates']}"))
    chart.y_axis.scaling.min, chart.y_axis.number_format = 0, "0"
    chart.x_axis.number_format = "yyyy-mm-dd"
    chart.y_axis.delete = chart.x_axis.delete = False
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, "H2")
