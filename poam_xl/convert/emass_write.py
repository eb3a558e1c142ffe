"""Poam -> eMASS POA&M import workbook (.xlsx) in the real template's layout and sheet set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import feedback, kept, records, textcells, textstream
from ..errors import UsageError
from ..layouts import emass as L
from ..poam import Conversion, Poam
from ..write import atomic_path
from .emass_kept import dss_tags, note_long_comments, report_header, report_kept

BY_LABEL = {f.header.strip(): f for f in L.FIELDS}
VALIDATED_LAST = 1048576  # the template's validations reach the last row
NONE_CARRIED: frozenset[str] = frozenset()


def _from_tag(f: L.Field, value: str) -> Any:
    if f.kind == "lines":
        return value.splitlines()
    return records.parse({"item_id": "int", "scheduled": "date"}.get(f.key, "text"), value)


def to_items(poam: Poam, conv: Conversion) -> list[dict[str, Any]]:
    """DSS records -> eMASS items; DSS fields with no eMASS home kept as [poam-xl ...] tags."""
    by_item = records.milestones_by_item(poam)
    out = []
    for position, rec in enumerate(records.item_records(poam), start=1):
        miles = by_item.get(records.item_key(rec), [])
        user, tags = kept.split_tags(rec.get("comments"))
        rec["comments"] = user  # the records are this loop's own (item_records makes them)
        e = L.to_emass(rec, miles, position)
        others: list[kept.Tag] = []
        for tag in tags:
            f = BY_LABEL.get(tag[1]) if tag[0] == "eMASS" else None
            if f is None:
                others.append(tag)
                continue
            trial = dict(e, **{f.key: _from_tag(f, tag[2])})
            t_rec, t_miles = L.to_model(trial, position)
            if all(records.same(t_rec.get(k), rec.get(k)) for k in f.model_keys):
                e = trial
            else:
                conv.notes.append(
                    f"item {rec.get('item_number')}: kept eMASS {f.header.strip()} "
                    "no longer matches the edited DSS value; the DSS value was used"
                )
        back, back_miles = L.to_model(e, position)
        tagged = dss_tags(rec, miles, back, back_miles,
                          frozenset(t[1] for t in others if t[0] == "poam-xl") if others
                          else NONE_CARRIED)
        report_kept(conv, rec.get("item_number"), tagged)
        e["comments"] = kept.join_tags(user, others + tagged)
        note_long_comments(conv, rec.get("item_number"), e["comments"])
        out.append(e)
    return out


LAYOUTS = ("classic", "navy", "army", "usmc")


def layout_of(poam: Poam, layout: str | None) -> str:
    """The eMASS layout to write: ``layout``, else the source's (an eMASS service template read
    directly, or its "eMASS Layout" header value kept through DSS/JSON), else classic."""
    if layout is not None:
        if layout not in LAYOUTS:
            raise UsageError(f"--layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
        return layout
    kept_layout = str(poam.header.get("eMASS Layout") or "").strip().lower()
    if kept_layout in LAYOUTS:
        return kept_layout
    family, _, variant = poam.template.partition("-")
    return variant if family == "emass" and variant in LAYOUTS else "classic"


def write(poam: Poam, path: str | Path, *, layout: str | None = None, **_: Any) -> Conversion:
    """Write the Poam as an eMASS POA&M workbook (.xlsx) in the classic import template's layout
    or a service template's (``layout``: classic, navy, army, usmc; default: the source's)."""
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(
            f"eMASS output must be .xlsx (macro workbooks cannot be generated), not "
            f"{out.suffix or 'no extension'!r}"
        )
    conv = Conversion(source=poam.source or "", target=str(out))
    variant = layout_of(poam, layout)
    if variant == "classic":
        items = to_items(poam, conv)
        wb = build(poam.header, items)
    else:
        from . import emass_service_write as service

        items = service.to_items(poam, conv, variant)
        wb = service.build(poam.header, items, variant)
        conv.notes.append(f"written in the eMASS {variant} service layout (one row per milestone)")
    report_header(poam.header, conv)  # the same header block in every layout
    with atomic_path(out) as tmp:
        textstream.save(wb, tmp)
    conv.notes += textcells.cut_note(wb)  # recorded while the rows were written
    conv.altered += textcells.altered(wb)  # text cut or control characters replaced
    conv.items = len(items)
    return conv


GREEN = PatternFill("solid", fgColor="007A3D")
GREY = PatternFill("solid", fgColor=feedback.CLOSED)
WRAP = Alignment(wrap_text=True, vertical="top")
WRAPPED = textcells.CellStyle(alignment=WRAP)
WRAPPED_DATE = textcells.CellStyle(alignment=WRAP, number_format="mm/dd/yyyy")


def build(header: dict[str, Any], items: list[dict[str, Any]]) -> Workbook:
    """The workbook: POA&M, hidden Sheet1 (lists), 8500 IA Controls, Example, Instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = L.SHEET
    _layout(ws, header)
    row = L.FIRST_ROW
    stream = textstream.stream(ws)  # the item rows: sheet XML in one pass (textstream.save)
    columns = [(column_index_from_string(f.letter), f.key, f.kind) for f in L.FIELDS]
    for e in items:
        first: list[tuple[int, Any, textcells.CellStyle]] = []  # the item's own row
        below: list[list[tuple[int, Any, textcells.CellStyle]]] = []  # its lines' next rows
        for col, key, kind in columns:
            if kind == "lines":
                for k, v in enumerate(e[key]):
                    if k == 0:
                        first.append((col, v, WRAPPED))
                        continue
                    if len(below) < k:
                        below.append([])
                    below[k - 1].append((col, v, WRAPPED))
            elif (value := e.get(key)) not in (None, ""):
                dated = kind == "date" and isinstance(value, dt.date)
                first.append((col, value, WRAPPED_DATE if dated else WRAPPED))
        stream.put_many(row, first)  # the rows as put cell by cell would fill them, in order
        for k, cells in enumerate(below, start=1):
            stream.put_many(row + k, cells)
        row += max(1, len(e["milestones"]), len(e["changes"]))
    textcells.literal_text(ws)
    lookup = wb.create_sheet(L.LOOKUP_SHEET)
    for i, v in enumerate(L.LEVELS, start=2):
        lookup.cell(i, 2, v)
    for i, v in enumerate(L.STATUSES, start=2):
        lookup.cell(i, 4, v)
    for i, v in enumerate(L.RAW_SEVERITIES, start=2):
        lookup.cell(i, 6, v)
    lookup.sheet_state = "hidden"
    ia = wb.create_sheet("8500 IA Controls")
    ia["A1"] = (
        "DIACAP DoDI 8500.2 control matrix (kept for the template's sheet set; unused by RMF)"
    )
    ia.sheet_state = "hidden"
    _layout(wb.create_sheet("Example"), {})
    ins = wb.create_sheet("Instructions")
    ins["A1"] = "POA&M Template Instructions"
    ins["A2"] = (
        "Generated by poam-xl in the eMASS RMF POA&M import layout. Follow the instructions "
        "on the eMASS Help page; do not add or delete columns or sheets."
    )
    return wb


def _layout(ws: Worksheet, header: dict[str, Any]) -> None:
    ws["A1"] = L.BANNER
    ws["A1"].font = Font(bold=True, color="FFFFFF")
    ws["A1"].fill = GREEN
    ws["A1"].alignment = Alignment(horizontal="center")
    for key, label, lcell, vcell in L.HEADER:
        ws[lcell] = label
        ws[lcell].font = Font(bold=True)
        value = header.get(key)
        if value not in (None, ""):
            c = ws[vcell]
            textcells.put(ws, c.row, c.column, value)
            if isinstance(value, dt.date):
                ws[vcell].number_format = "m/d/yyyy"
    for rng in L.MERGES:
        ws.merge_cells(rng)
    ws.cell(L.HEADER_ROW, 1, L.STRAY_A7)
    for f in L.FIELDS:
        ws[f"{f.letter}{L.HEADER_ROW}"] = f.header
    for j in range(1, 23):
        cell = ws.cell(L.HEADER_ROW, j)
        cell.font, cell.fill = Font(bold=True), GREY
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[L.HEADER_ROW].height = 81
    for letter, width in L.WIDTHS.items():
        ws.column_dimensions[letter].width = width
    first, last = L.FIRST_ROW, VALIDATED_LAST
    levels = DataValidation(type="list", formula1=f"{L.LOOKUP_SHEET}!$B$1:$B$6", allow_blank=True)
    levels.add(f"P{first}:S{last}")
    levels.add(f"U{first}:U{last}")
    raw = DataValidation(type="list", formula1=f"{L.LOOKUP_SHEET}!$F$1:$F$4", allow_blank=True)
    raw.add(f"N{first}:N{last}")
    day = DataValidation(
        type="date",
        operator="greaterThanOrEqual",
        formula1="1890",
        allow_blank=True,
        showErrorMessage=True,
        error="Enter a date MM/DD/YYYY",
    )
    day.add(f"H{first}:H{last}")
    for dv in (levels, raw, day):
        ws.add_data_validation(dv)
