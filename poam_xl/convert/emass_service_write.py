"""Poam -> an eMASS service POA&M workbook (Navy, Marine Corps, Army): one row per milestone.

The layout is ``layouts.emass_service`` (NSWC-Crane/C-PAT's column maps): sheet POA&M, banner
and header block as the classic template, header row 7 from column B, data from row 8, the
POA&M-level columns repeated on every milestone row (as C-PAT exports them), dates as dates.
Values the source kept as ``[eMASS <header>]`` tags go back into their columns; column-model
fields the layout has no column for (and the milestones of a Risk Accepted item, which eMASS
does not take) stay in Comments as ``[poam-xl ...]`` tags, reported as the classic layout's are
(``emass_kept``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .. import feedback, kept, records, textcells, textstream
from ..layouts import emass as L
from ..layouts import emass_service as S
from ..poam import Conversion, Poam
from .emass_kept import dss_tags, note_long_comments, report_kept

_MILESTONE_TAG = re.compile(r"^Milestone (\d{1,3}) (.+)$")
WRAP = Alignment(wrap_text=True, vertical="top")
WRAPPED = textcells.CellStyle(alignment=WRAP)
WRAPPED_DATE = textcells.CellStyle(alignment=WRAP, number_format="mm/dd/yyyy")


def _value(key: str, text: str) -> Any:
    if key in S.DATE_KEYS:
        day = records.parse("date", text)
        return day if isinstance(day, dt.date) else text
    return records.parse("text", text)


def to_items(poam: Poam, conv: Conversion, variant: str) -> list[dict[str, Any]]:
    """DSS records -> service items (eMASS keys, ``rows`` = milestone rows)."""
    names = S.headers(variant)
    by_label = {h: k for k, h in names.items()}
    by_item = records.milestones_by_item(poam)
    out = []
    for position, rec in enumerate(records.item_records(poam), start=1):
        miles = by_item.get(records.item_key(rec), [])
        user, tags = kept.split_tags(rec.get("comments"))
        rec = dict(rec, comments=user)
        e = S.to_service(rec, miles, position)
        others: list[kept.Tag] = []
        for side, label, text in tags:
            m = _MILESTONE_TAG.match(label) if side == "eMASS" else None
            key = by_label.get(label) if side == "eMASS" else None
            if key is not None and key not in S.MILESTONE_KEYS:
                e[key] = _value(key, text)
            elif m and by_label.get(m.group(2)) in S.MILESTONE_KEYS and int(m.group(1)) <= len(e["rows"]):
                e["rows"][int(m.group(1)) - 1][by_label[m.group(2)]] = _value(by_label[m.group(2)], text)
            else:
                others.append((side, label, text))
        back, back_miles = S.to_model(e, position)
        # as the classic layout: milestones too
        tagged = dss_tags(rec, miles, back, back_miles,
                          frozenset(t[1] for t in others if t[0] == "poam-xl"))
        report_kept(conv, rec.get("item_number"), tagged)
        e["comments"] = kept.join_tags(user, others + tagged)
        note_long_comments(conv, rec.get("item_number"), e["comments"])
        out.append(e)
    return out


def build(header: dict[str, Any], items: list[dict[str, Any]], variant: str) -> Workbook:
    """The workbook: sheet POA&M in the ``variant`` layout."""
    names = S.headers(variant)
    wb = Workbook()
    ws = wb.active
    ws.title = L.SHEET
    ws["A1"] = L.BANNER
    ws["A1"].font = Font(bold=True)
    for key, label, lcell, vcell in L.HEADER:
        ws[lcell] = label
        ws[lcell].font = Font(bold=True)
        if header.get(key) not in (None, ""):
            textcells.put(ws, ws[vcell].row, ws[vcell].column, header[key])
    columns = list(names)  # eMASS keys in column order, from B
    for j, key in enumerate(columns, start=2):
        cell = ws.cell(L.HEADER_ROW, j, names[key])
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[cell.column_letter].width = 24
    ws.row_dimensions[L.HEADER_ROW].height = 60
    row = L.FIRST_ROW
    put = textstream.stream(ws).put  # the rows: sheet XML in one pass (textstream.save)
    for e in items:
        for ms in e["rows"] or [{}]:  # the POA&M-level columns repeated on every row (C-PAT)
            for j, key in enumerate(columns, start=2):
                value = ms.get(key) if key in S.MILESTONE_KEYS else e.get(key)
                if value in (None, ""):
                    continue
                put(row, j, value, WRAPPED_DATE if isinstance(value, dt.date) else WRAPPED)
            row += 1
    textcells.literal_text(ws)
    ws.freeze_panes = f"A{L.FIRST_ROW}"
    ws.sheet_properties.tabColor = feedback.NAVY
    return wb
