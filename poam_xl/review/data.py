"""The review pack's content (pure): items in priority order, the overdue, late, due-next and
slipped-milestone lists, and the figures, from a validation Report and a diff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..dates import as_date
from ..derive import is_open, priority_order
from ..diff import Diff
from ..validation import Report
from ..values import plain


def rows_of(report: Report, as_of: dt.date) -> list[dict[str, Any]]:
    """Items in priority order with what the lists show (canonical values + derived columns)."""
    items, derived = report.items, report.derived
    assert items is not None and derived is not None
    out = []
    open_ = is_open(items["status"])
    for row in priority_order(items, derived):
        it, d = items.loc[row], derived.loc[row]
        target = as_date(d["proposed_milestone"])
        out.append(
            {
                "item": None if pd.isna(it["item_number"]) else int(it["item_number"]),
                "description": it["description"] or "",
                "risk": it["risk_level"],
                "status": it["status"],
                "owner": it["owner"],
                "target": target,
                "flag": d["flag"] or None,
                "overdue": None if pd.isna(d["days_overdue"]) else int(d["days_overdue"]),
                "left": (target - as_of).days if target else None,
                "open": bool(open_[row]),
            }
        )
    return out


@dataclass
class ReviewData:
    """What the review pack shows, computed from a validation Report (and a diff, if any)."""

    rows: list[dict[str, Any]]  # every item, priority order (see rows_of)
    overdue: list[dict[str, Any]]
    late: list[dict[str, Any]]
    due_next: list[dict[str, Any]]
    slipped: list[dict[str, Any]]
    figures: dict[str, Any]  # the Dashboard figures plus the list counts
    horizon: int  # days ahead "due next" looks (the Policy review interval)
    late_days: int  # the Policy late threshold


def review_data(report: Report, as_of: dt.date, changes: Diff | None) -> ReviewData:
    """The lists and figures of a review: overdue, N+ days late, due within the review interval,
    slipped milestones (with a previous version), from ``derive``'s columns."""
    rows = rows_of(report, as_of)
    pol = report.poam.policy if report.poam is not None else None
    horizon = pol.review_days if pol is not None else 90
    overdue = [r for r in rows if r["open"] and (r["overdue"] or 0) > 0]
    late = [r for r in overdue if str(r["flag"] or "").endswith("DAYS LATE")]
    due_next = [
        r for r in rows if r["open"] and r["left"] is not None and 0 <= r["left"] <= horizon
    ]
    due_next.sort(key=lambda r: (r["left"], r["item"] or 0))
    slipped = slips(changes, report) if changes is not None else []
    figures = {
        **report.dashboard,
        "overdue_list": len(overdue),
        "late": len(late),
        "slipped": len(slipped),
        "due_next": len(due_next),
    }
    return ReviewData(rows, overdue, late, due_next, slipped, figures, horizon,
                      pol.late_days if pol is not None else 90)


def slips(changes: Diff, report: Report) -> list[dict[str, Any]]:
    items = report.items
    assert items is not None
    desc: dict[Any, Any] = {  # text ids ("V-101") as they are, whole numbers as int
        plain(n): d
        for n, d in zip(items["item_number"], items["description"], strict=True)
        if not pd.isna(n)
    }
    unexplained = {c.item for c in changes.of("milestone_unexplained")}
    return [
        {
            "item": c.item,
            "description": desc.get(c.item, "") if c.item is not None else "",
            "days": c.days,
            "times": c.times,
            "message": c.moved or c.message,
            "explained": "No" if c.item in unexplained else "Yes",
        }
        for c in changes.of("milestone_slipped")
    ]
