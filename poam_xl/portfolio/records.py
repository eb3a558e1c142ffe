"""One validated workbook as plain records: its header, items (with the computed columns) and
milestones, picklable and cheap to send from a batch worker (``batch.BatchOptions(records=True)``).

Every value is a plain Python value: text, int, ``datetime.date`` or None (never NaN/NaT).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .. import model

# the canonical item fields (the column model's keys, computed columns apart)
ITEM_FIELDS = tuple(c.key for c in model.ITEM_COLUMNS if not c.derived)
MILESTONE_FIELDS = tuple(c.key for c in model.MILESTONE_COLUMNS)
# computed per item (derive.py): the policy Due Date, the scheduled completion date (Milestone
# Date, else the policy Due Date, for open items), days open, days overdue, flag
COMPUTED = ("due_date", "scheduled", "days_open", "days_overdue", "flag")
HEADER_FIELDS = tuple(f.key for f in model.HEADER_FIELDS)


def file_records(report: Any) -> dict[str, Any] | None:
    """{header, items, milestones} of a ``validation.Report``; None when the workbook was not
    read as a POA&M (``report.poam`` None: not a recognised template).

    ``items``: one dict per item, ITEM_FIELDS + COMPUTED + ``row`` (the Excel row);
    ``milestones``: one dict per Milestones-sheet row, MILESTONE_FIELDS + ``row``.
    """
    from .. import structure

    poam = report.poam
    if poam is None or report.items is None:
        return None
    header = {k: plain(poam.header.get(k)) for k in HEADER_FIELDS}
    items, derived = report.items, report.derived
    columns: dict[str, list[Any]] = {}
    for key in ITEM_FIELDS:
        columns[key] = _column(items[key]) if key in items else [None] * len(items)
    for key, source in zip(COMPUTED, ("due_date", "proposed_milestone", "days_open", "days_overdue",
                                      "flag"), strict=True):
        columns[key] = _column(derived[source]) if derived is not None else [None] * len(items)
    columns["flag"] = [f or None for f in columns["flag"]]
    rows = [_row(i) for i in items.index]
    out_items = [dict(zip(columns, values, strict=True), row=r)
                 for values, r in zip(zip(*columns.values(), strict=True), rows, strict=True)]
    out_miles: list[dict[str, Any]] = []
    if poam.milestones is not None:
        frame, _ = structure.canonical(poam.milestones, model.MILESTONES)
        mcols = {k: _column(frame[k]) if k in frame else [None] * len(frame)
                 for k in MILESTONE_FIELDS}
        mrows = [_row(i) for i in frame.index]
        out_miles = [dict(zip(mcols, values, strict=True), row=r)
                     for values, r in zip(zip(*mcols.values(), strict=True), mrows, strict=True)]
    return {"header": header, "items": out_items, "milestones": out_miles}


def _row(index: Any) -> int | None:
    # Excel's last row is 1,048,576; larger indexes are multi-sheet (FedRAMP) keys
    return int(index) if isinstance(index, int) and index <= 1_048_576 else None


def _column(series: pd.Series) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.date() for v in series]
    return [plain(v) for v in series]


def plain(value: Any) -> Any:
    """A cell value as a plain Python value (NaN, NaT, pd.NA -> None; numpy -> Python)."""
    if value is None:
        return None
    if isinstance(value, str | bool):
        return value
    if isinstance(value, dt.datetime):  # pd.Timestamp and pd.NaT are datetimes too
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | float) else str(value)


def is_open(status: Any) -> bool:
    """Open = any Status but Completed/Closed, a blank one included (as ``derive.is_open``)."""
    return status not in model.CLOSED_STATUSES


def milestone_open(m: dict[str, Any]) -> bool:
    """A milestone still to do: not Completed and no Completed Date."""
    return m.get("status") != "Completed" and m.get("completed_date") is None
