"""The Dashboard sheet of the generated workbook (openpyxl): the figures' labels and values, and
native charts pointing at them (``dashboard.cells`` fills the same cells on write-back)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Font, PatternFill

from . import feedback, model, textcells
from .coerce import frame_from_records
from .dashboard import AGING, LABELS, MONTHS, cells, summary
from .derive import derive
from .policy import Policy


def create_sheet(wb: Workbook, records: list[dict[str, Any]], pol: Policy, as_of: dt.date) -> None:
    """The Dashboard sheet for item ``records`` (model keys) under ``pol`` as of ``as_of``."""
    ws = wb.create_sheet(model.DASHBOARD_SHEET)
    items = frame_from_records(model.ITEMS, records)
    s = summary(items, derive(items, pol, as_of), as_of, pol)
    ws["A1"] = "POA&M dashboard"
    ws["A1"].font = Font(bold=True, size=16, color=feedback.NAVY)
    ws["D1"] = "Refreshed by poam-xl (`poam-xl update` or the Refresh Dashboard button)"
    for ref, text in LABELS.items():
        ws[ref] = text
        ws[ref].font = Font(bold=True)
        if ref[0] != "A":
            ws[ref].fill = PatternFill("solid", fgColor=feedback.LABEL)
    for ref, value in cells(s).items():
        c = ws[ref]
        textcells.put(ws, c.row, c.column, value)
    ws["B3"].number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJKLMNO", (22, 12, 3, 14, 8, 3, 10, 8, 8, 3, 18, 8, 3, 10, 8),
                             strict=True):
        ws.column_dimensions[letter].width = width
    _charts(ws)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _charts(ws: Any) -> None:
    n_status = len(model.STATUSES)
    pie = PieChart()
    pie.title = "Items by status"
    pie.add_data(Reference(ws, min_col=5, min_row=4, max_row=4 + n_status), titles_from_data=True)
    pie.set_categories(Reference(ws, min_col=4, min_row=5, max_row=4 + n_status))
    pie.height, pie.width = 7, 9
    ws.add_chart(pie, "A19")
    risk = BarChart()
    risk.title, risk.type = "Items by risk level", "col"
    risk.add_data(Reference(ws, min_col=8, max_col=9, min_row=4, max_row=7), titles_from_data=True)
    risk.set_categories(Reference(ws, min_col=7, min_row=5, max_row=7))
    risk.height, risk.width = 7, 9
    ws.add_chart(risk, "F19")
    age = BarChart()
    age.title, age.type = "Open items by age", "col"
    age.add_data(Reference(ws, min_col=12, min_row=4, max_row=4 + len(AGING)), titles_from_data=True)
    age.set_categories(Reference(ws, min_col=11, min_row=5, max_row=4 + len(AGING)))
    age.height, age.width, age.legend = 7, 9, None
    ws.add_chart(age, "A34")
    closed = BarChart()
    closed.title, closed.type = "Items closed per month", "col"
    closed.add_data(Reference(ws, min_col=15, min_row=4, max_row=4 + MONTHS), titles_from_data=True)
    closed.set_categories(Reference(ws, min_col=14, min_row=5, max_row=4 + MONTHS))
    closed.height, closed.width, closed.legend = 7, 9, None
    ws.add_chart(closed, "F34")
