"""The Dashboard sheet: counts by status and risk, overdue, aging, closed per month, and charts.

The numbers are values written by poam-xl (template, `update`, the Refresh button), laid out
in fixed blocks so the native Excel charts always point at the same ranges.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook import Workbook

from . import derive, feedback, model
from .policy import Policy

AGING = (("0-30 days", 0, 30), ("31-90 days", 31, 90), ("91-180 days", 91, 180), ("180+ days", 181, None))
MONTHS = 12


def summary(items: pd.DataFrame, derived: pd.DataFrame, as_of: dt.date, pol: Policy) -> dict[str, Any]:
    """All dashboard figures from canonical items and their derived columns."""
    status = items["status"]
    is_open = derive.is_open(status)
    flag = derived["flag"].fillna("")
    overdue = is_open & (derived["days_overdue"].fillna(0) > 0)
    days_open = derived["days_open"].where(is_open)
    aging = {}
    for label, lo, hi in AGING:
        sel = days_open.notna() & (days_open >= lo)
        if hi is not None:
            sel &= days_open <= hi
        aging[label] = int(sel.sum())
    months = []
    first = dt.date(as_of.year, as_of.month, 1)
    done = items["completion_date"].where(~is_open)
    for k in range(MONTHS - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - k, 12)
        start = pd.Timestamp(y, m + 1, 1)
        end = start + pd.offsets.MonthBegin(1)
        months.append((start.strftime("%Y-%m"), int(((done >= start) & (done < end)).sum())))
    return {
        "as_of": as_of,
        "items": len(items),
        "open": int(is_open.sum()),
        "overdue": int(overdue.sum()),
        "due_soon": int((flag == "DUE SOON").sum()),
        "late": int(flag.str.endswith("DAYS LATE").sum()),
        "by_status": {s: int((status == s).sum()) for s in model.STATUSES},
        "by_risk": {r: int((items["risk_level"] == r).sum()) for r in model.RISK_LEVELS},
        "open_by_risk": {r: int(((items["risk_level"] == r) & is_open).sum()) for r in model.RISK_LEVELS},
        "aging": aging,
        "closed_per_month": months,
    }


def cells(s: dict[str, Any]) -> dict[str, Any]:
    """Dashboard cell -> value (the one layout; the sheet builder and `update` both use it)."""
    out: dict[str, Any] = {"B3": s["as_of"], "B5": s["items"], "B6": s["open"], "B7": s["overdue"],
                           "B8": s["due_soon"], "B9": s["late"]}
    for i, (k, v) in enumerate(s["by_status"].items()):
        out[f"D{5 + i}"], out[f"E{5 + i}"] = k, v
    for i, r in enumerate(model.RISK_LEVELS):
        out[f"G{5 + i}"], out[f"H{5 + i}"], out[f"I{5 + i}"] = r, s["by_risk"][r], s["open_by_risk"][r]
    for i, (k, v) in enumerate(s["aging"].items()):
        out[f"K{5 + i}"], out[f"L{5 + i}"] = k, v
    for i, (k, v) in enumerate(s["closed_per_month"]):
        out[f"N{5 + i}"], out[f"O{5 + i}"] = k, v
    if "sprs_score" in s:  # CMMC profile (32 CFR 170.24 scoring): shown under the counts
        out["A11"], out["B11"] = "SPRS score (CMMC)", s["sprs_score"]
        out["A12"], out["B12"] = "Conditional status eligible", (
            "Yes" if s.get("cmmc_conditional_eligible") else "No")
    return out


LABELS = {"A3": "As of", "A5": "Items", "A6": "Open", "A7": "Overdue", "A8": "Due soon",
          "A9": "Late (past threshold)", "D4": "Status", "E4": "Items", "G4": "Risk", "H4": "All",
          "I4": "Open", "K4": "Open items by age", "L4": "Items", "N4": "Month", "O4": "Closed"}


def create_sheet(wb: Workbook, records: list[dict[str, Any]], pol: Policy, as_of: dt.date) -> None:
    from .coerce import frame_from_records
    from .derive import derive

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
        ws[ref] = value
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
