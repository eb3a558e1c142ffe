"""Write a Poam as a FedRAMP POA&M workbook in the real Rev5 v2.1 template layout (openpyxl).

The layout is copied into code from FedRAMP-POAM-Template.xlsx v2.1 (GSA, public domain):
four sheets, title in A1 (merged A1:E1), header block A2:D3, column headers on row 5,
31 columns A..AE, freeze panes A6, dates formatted mm-dd-yy, and the template's dropdowns
(ratings, Yes/No, Yes/No/Pending) and date rules. Items start on row 6: the blank template's
guidance rows 6-7 and example row 8 are not written (FedRAMP submissions carry data only).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import feedback, kept, records, textcells, textstream
from ..errors import UsageError
from ..layouts.fedramp import (
    ADJUSTED,
    CLOSED,
    FIELDS,
    HEAD_ONLY,
    OPEN,
    RATINGS,
    REV4_KEYS,
    SHEETS,
    YES_NO,
    YES_NO_PENDING,
)
from ..layouts.fedramp_records import pack, to_fedramp
from ..poam import Conversion
from ..write import atomic_path

TITLE = "FedRAMP Plan of Action and Milestones (POA&M) Template"
TITLE_OPEN = "FedRAMP® Plan of Action and Milestones (POA&M) Template"
FIRST_ROW = 6
MIN_ROWS = 4022  # the template's validations reach row 4022
DATE_FORMAT = "mm-dd-yy"  # the template's date format
HEAD_FILL = PatternFill("solid", fgColor=feedback.NAVY)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CELL = textcells.CellStyle(alignment=WRAP, border=BORDER)
DATE_CELL = textcells.CellStyle(alignment=WRAP, border=BORDER, number_format=DATE_FORMAT)
WIDTHS = {
    "description": 40,
    "fr_weakness_name": 30,
    "mitigation": 36,
    "fr_planned_milestones": 40,
    "milestone_changes": 36,
    "comments": 40,
    "fr_deviation_rationale": 32,
    "assets": 24,
}
# the template's Record of Changes (kept so the workbook says which template version it is)
CHANGES = (
    (
        dt.date(2023, 8, 30),
        "Updated to align with FedRAMP branding and minor editorial changes.",
        2,
        "FedRAMP PMO",
    ),
    (
        dt.date(2024, 3, 29),
        "Added Tab for Configuration Findings. Added Column in 'Open "
        "POA&M' tab for Service level information",
        2.1,
        "FedRAMP PMO",
    ),
)


REVISIONS = {"rev5": 5, "rev4": 4}  # `convert --to fedramp --layout rev4`


def write(poam: Any, path: str | Path, *, revision: int = 5, layout: str | None = None,
          **_options: Any) -> Conversion:
    """Write ``poam`` as a FedRAMP POA&M workbook at ``path`` (atomically): the Rev5 v2.1
    template, or Rev4's columns (no Service Name, no Record of Changes) with ``revision=4`` or
    ``layout="rev4"``. Raises UsageError unless ``path`` ends .xlsx (the template is a plain
    workbook: Excel refuses it as .xlsm) or for a ``layout`` other than rev5/rev4."""
    if layout is not None:
        if layout.lower() not in REVISIONS:
            raise UsageError(f"FedRAMP output: --layout must be one of {', '.join(REVISIONS)}, "
                             f"not {layout!r}")
        revision = REVISIONS[layout.lower()]
    if Path(path).suffix.lower() != ".xlsx":
        raise UsageError(f"FedRAMP output must be .xlsx (the template is a plain workbook), not "
                         f"{Path(path).suffix or 'no extension'!r}")
    wb, conv = build(poam, revision=revision)
    with atomic_path(Path(path)) as tmp:
        textstream.save(wb, tmp)
    conv.notes += textcells.cut_note(wb)  # recorded while the rows were written
    conv.altered += textcells.altered(wb)
    return conv


def build(poam: Any, *, revision: int = 5) -> tuple[Workbook, Conversion]:
    """The workbook and its conversion report (what rides in Comments)."""
    conv = Conversion(source="poam", target="fedramp")
    fields = [f for f in FIELDS if revision >= 5 or f[1] in REV4_KEYS]
    items = records.item_records(poam)
    by_item = records.milestones_by_item(poam)
    header = dict(poam.header)
    impact = header.get("Impact Level")
    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in SHEETS}
    first_extra = {  # header fields with no FedRAMP cell: kept on the first item
        label: header[key] for key, label in HEAD_ONLY.items() if kept.text_of(header.get(key))
    }
    for i, rec in enumerate(items):
        extra = first_extra if i == 0 else {}
        mine = by_item.get(records.item_key(rec), [])
        fr, sheet, labels = to_fedramp(rec, mine, extra)
        if revision < 5 and fr.get("fr_service_name"):  # Rev4 has no Service Name column
            fr["comments"] = pack(fr["comments"], {"Service Name": fr["fr_service_name"]})
            labels["Service Name"] = kept.text_of(fr["fr_service_name"])
        rows[sheet].append(fr)
        item = rec.get("item_number")
        conv.dropped.extend([{"item": item, "field": label, "value": value, "kept_in": "Comments"}
                             for label, value in labels.items()])
    if not items:
        for key, label in HEAD_ONLY.items():
            if header.get(key):
                conv.dropped.append(
                    {
                        "item": None,
                        "field": label,
                        "value": kept.text_of(header[key]),
                        "kept_in": None,
                    }
                )
    conv.items = len(items)
    conv.notes.append(
        "Due Date (Policy), Days Open, Days Overdue and Flag are computed: not "
        "written (recomputed from the dates and the FedRAMP windows)"
    )
    wb = Workbook()
    wb.remove(wb.active)
    head = (header.get("company_name"), header.get("system_name"), impact, header.get("poam_date"))
    for sheet in SHEETS:
        _poam_sheet(wb.create_sheet(sheet), sheet, fields, head, rows[sheet])
    _changes_sheet(wb.create_sheet("Record of Changes"), CHANGES if revision >= 5 else ())
    wb.active = 0
    wb.properties.creator = "poam-xl"
    wb.properties.title = TITLE
    stamp = dt.datetime.combine(head[3] or dt.date(2024, 3, 29), dt.time())
    wb.properties.created = wb.properties.modified = stamp
    return wb, conv


def _poam_sheet(
    ws: Worksheet,
    sheet: str,
    fields: list[tuple[str, str, str, str]],
    head: tuple[Any, ...],
    rows: list[dict[str, Any]],
) -> None:
    ws["A1"] = TITLE_OPEN if sheet == OPEN else TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:E1")
    for j, (label, value) in enumerate(
        zip(("CSP", "System Name", "Impact Level", "POAM Date"), head, strict=True), start=1
    ):
        ws.cell(2, j, label).font = Font(bold=True)
        cell = textcells.put(ws, 3, j, value)
        if j == 4:
            cell.number_format = DATE_FORMAT
    last_col = get_column_letter(len(fields))
    for j, (header, key, _kind, _n) in enumerate(fields, start=1):
        c = ws.cell(5, j, header)
        c.font, c.fill, c.border = Font(bold=True, color="FFFFFF"), HEAD_FILL, BORDER
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS.get(key, 18)
    ws.column_dimensions["A"].width = 20.83
    stream = textstream.stream(ws)  # the item rows: sheet XML in one pass (textstream.save)
    columns = [(j, key, DATE_CELL if kind == "date" else CELL)
               for j, (_h, key, kind, _n) in enumerate(fields, start=1)]
    for i, fr in enumerate(rows, start=FIRST_ROW):  # text stays text (issue 14)
        stream.put_many(i, [(j, value, style) for j, key, style in columns
                            if (value := fr.get(key)) is not None and value != ""])
    _validations(ws, fields, FIRST_ROW + max(MIN_ROWS, len(rows) + 1000))
    ws.row_dimensions[5].height = 45
    if sheet in (OPEN, CLOSED):
        ws.freeze_panes = "A6"
    ws.auto_filter.ref = f"A5:{last_col}{max(FIRST_ROW, FIRST_ROW + len(rows) - 1)}"


def _validations(ws: Worksheet, fields: list[tuple[str, str, str, str]], last: int) -> None:
    """The template's rules: rating and Yes/No lists, 'must be a date' rules (C3/D3 too)."""
    col = {key: get_column_letter(j) for j, (_h, key, _k, _n) in enumerate(fields, start=1)}

    def rng(*keys: str) -> str:
        return " ".join(f"{col[k]}{FIRST_ROW}:{col[k]}{last}" for k in keys if k in col)

    def listed(values: tuple[str, ...], where: str) -> None:
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        for part in where.split():
            dv.add(part)
        ws.add_data_validation(dv)

    listed(RATINGS, "C3 " + rng("fr_original_risk"))
    listed(ADJUSTED, rng("fr_adjusted_risk"))
    listed(YES_NO, rng("fr_vendor_dependency"))
    listed(
        YES_NO_PENDING, rng("fr_risk_adjustment", "fr_false_positive", "fr_operational_requirement")
    )
    for where, op, f1, f2 in (
        (rng("date_identified"), "notBetween", "29221", "29221"),
        (rng("milestone_date"), "notBetween", "1", "1"),
        (
            "D3 " + rng("fr_status_date", "fr_vendor_checkin", "fr_kev_due_date"),
            "greaterThan",
            "36526",
            None,
        ),
    ):
        dv = DataValidation(
            type="date",
            operator=op,
            formula1=f1,
            formula2=f2,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Date expected",
            error="Enter a date (mm-dd-yy)",
        )
        for part in where.split():
            dv.add(part)
        ws.add_data_validation(dv)


def _changes_sheet(ws: Worksheet, changes: tuple[tuple[dt.date, str, float, str], ...]) -> None:
    """The template's Record of Changes (which versions it went through; Rev4 had none)."""
    ws["B2"] = "Record of Changes for Template"
    ws["B2"].font = Font(bold=True, size=12)
    ws.merge_cells("B2:E2")
    for j, text in enumerate(("Date", "Description", "Version", "Author"), start=2):
        ws.cell(3, j, text).font = Font(bold=True)
    for i, (day, text, version, author) in enumerate(changes, start=4):
        ws.cell(i, 2, day).number_format = DATE_FORMAT
        ws.cell(i, 3, text).alignment = WRAP
        ws.cell(i, 4, version)
        ws.cell(i, 5, author)
    for letter, width in (("A", 3.33), ("B", 10.66), ("C", 66.66), ("D", 10.66), ("E", 13.33)):
        ws.column_dimensions[letter].width = width
