"""Generate the DSS-style POA&M workbook with openpyxl, entirely from the column model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import dashboard_sheet, derive, feedback, model, sample, textcells
from .policy import DEFAULT, Policy
from .write import atomic_path

TITLE = "Plan of Action and Milestones (POA&M)"
HEADER_TOP = 2  # header block rows 2..9, label in B, value in C:E
TABLE_HEADER_ROW = HEADER_TOP + len(model.HEADER_FIELDS) + 1
FIRST_ROW = TABLE_HEADER_ROW + 1
VALIDATED_ROWS = 2000  # dropdowns/validation reach this many rows below the header
DATE_FORMAT = "yyyy-mm-dd"
EMPTY_ROWS = 20  # empty item rows below the last item, pre-formatted and printed

NAVY = feedback.NAVY
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor=NAVY)
DERIVED_FILL = PatternFill("solid", fgColor=feedback.DERIVED)
LABEL_FILL = PatternFill("solid", fgColor=feedback.LABEL)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
RED = PatternFill("solid", fgColor=feedback.OVERDUE)
AMBER = PatternFill("solid", fgColor=feedback.DUE_SOON)
GREY = PatternFill("solid", fgColor=feedback.CLOSED)


def new_workbook(path: str | Path, *, sample_items: int = 0, as_of: dt.date | None = None,
                 seed: int = 0, pol: Policy = DEFAULT, force: bool = False,
                 profile: str = "dss") -> Path:
    """Write the DSS-style POA&M workbook (optionally with sample items) to ``path``, atomically.

    ``profile`` cmmc fills the sample with NIST SP 800-171 requirements; another framework's
    official layout is written by its converter (`poam-xl new --profile fedramp`, or
    ``convert.get("fedramp").write(read(path), out)``). Raises WriteError when ``path``
    exists (unless ``force``), UsageError for a profile without a DSS-style workbook.
    """
    from .errors import UsageError, WriteError

    if profile not in ("dss", "cmmc"):
        raise UsageError(f"the DSS-style workbook is written for profile dss or cmmc, not "
                         f"{profile!r} (its own layout is written by `poam-xl new --profile "
                         f"{profile}`)")
    out = Path(path)
    if out.exists() and not force:
        raise WriteError("already exists (use --force to overwrite)", path=out)
    as_of = as_of or dt.date.today()
    wb = build(sample_items=sample_items, as_of=as_of, seed=seed, pol=pol, profile=profile)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


def build(*, sample_items: int = 0, as_of: dt.date, seed: int = 0, pol: Policy = DEFAULT,
          profile: str = "dss") -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    rows, miles = sample.items(sample_items, as_of, seed, pol) if sample_items else ([], [])
    if profile == "cmmc":
        sample.as_cmmc(rows)
    head = sample.header(as_of) if sample_items else {}
    if rows:
        derive.fill_records(rows, pol, as_of)
    _instructions(wb.create_sheet("Instructions"))
    _lists(wb, wb.create_sheet(model.LISTS_SHEET))
    _items_sheet(wb, wb.create_sheet(model.ITEMS.sheet), head, rows)
    _milestones_sheet(wb.create_sheet(model.MILESTONES.sheet), miles)
    _policy_sheet(wb, wb.create_sheet(model.POLICY_SHEET), pol)
    dashboard_sheet.create_sheet(wb, rows, pol, as_of)
    wb.move_sheet(model.LISTS_SHEET, offset=len(wb.sheetnames))
    wb.active = wb.sheetnames.index(model.ITEMS.sheet)
    wb.properties.creator = "poam-xl"
    wb.properties.title = TITLE
    fixed = dt.datetime.combine(as_of, dt.time())
    wb.properties.created = wb.properties.modified = fixed
    return wb


def column_width(col: model.Column) -> float:
    """The column's width, wide enough that no word of its header breaks across lines (a bold
    header character is about one width unit; two more for the cell's padding)."""
    return max(col.width, max(len(word) for word in col.header.split()) + 2)


def _head_row(ws: Worksheet, row: int, columns: tuple[model.Column, ...]) -> None:
    for j, col in enumerate(columns, start=1):
        c = ws.cell(row, j, col.header)
        c.font, c.border = HEAD_FONT, BORDER
        c.fill = DERIVED_FILL if col.derived else HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = column_width(col)
    ws.row_dimensions[row].height = 45


ITEM_CELL = textcells.CellStyle(alignment=WRAP_TOP, border=BORDER)
DATE_CELL = textcells.CellStyle(alignment=WRAP_TOP, border=BORDER, number_format=DATE_FORMAT)


def _cell_format(c: Any, col: model.Column) -> None:
    """An item cell as printed: thin borders, wrapped top-aligned text, dates as yyyy-mm-dd."""
    (DATE_CELL if col.kind == "date" else ITEM_CELL).apply(c)


def write_rows(ws: Worksheet, first: int, columns: tuple[model.Column, ...],
               records: list[dict[str, Any]]) -> None:
    """Records (model keys) as rows from row ``first``; every cell of a row is formatted,
    blank ones too, so the printed table has no gaps in its grid."""
    for i, rec in enumerate(records):
        lines = max((len(str(rec.get(c.key) or "")) // max(int(c.width), 1) + 1 for c in columns),
                    default=1)
        ws.row_dimensions[first + i].height = 15 * min(lines, 8)  # wrapped text stays readable
        for j, col in enumerate(columns, start=1):
            value = rec.get(col.key)
            c = ws.cell(first + i, j)
            _cell_format(c, col)
            if value is None or value == "":
                continue
            textcells.put(ws, first + i, j, value)  # text stays text, never a formula (issue 14)


def print_rows(ws: Worksheet, items: int) -> None:
    """The POA&M sheet's print area (the DSS columns A-J, the items and EMPTY_ROWS more), its
    empty rows pre-formatted like item rows so a workbook filled by hand prints as a table."""
    cols = model.ITEM_COLUMNS
    last = FIRST_ROW + items + EMPTY_ROWS - 1
    for r in range(FIRST_ROW + items, last + 1):
        for j, col in enumerate(cols, start=1):
            _cell_format(ws.cell(r, j), col)
    dss_last = get_column_letter(model.ITEMS.keys.index("risk_level") + 1)
    ws.print_area = f"A1:{dss_last}{last}"


def _validations(ws: Worksheet, first: int, columns: tuple[model.Column, ...]) -> None:
    last = first + VALIDATED_ROWS - 1
    for j, col in enumerate(columns, start=1):
        if col.derived:
            continue
        rng = f"{get_column_letter(j)}{first}:{get_column_letter(j)}{last}"
        if col.kind == "choice":
            dv = DataValidation(type="list", formula1=model.list_name(col.allowed),
                                allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                errorTitle=col.header[:32],
                                error=f"Choose one of: {', '.join(col.allowed)}"[:255])
        elif col.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1",
                                allow_blank=True, showErrorMessage=True, errorTitle="Date expected",
                                error="Enter a date, e.g. 2026-03-31")
        elif col.kind == "int":
            dv = DataValidation(type="whole", operator="greaterThan", formula1="0",
                                allow_blank=True, showErrorMessage=True,
                                errorTitle="Whole number expected", error="Enter a positive whole number")
        else:
            continue
        dv.promptTitle, dv.prompt = col.header[:32], col.help[:255]
        dv.showInputMessage = True
        dv.add(rng)
        ws.add_data_validation(dv)


def _items_sheet(wb: Workbook, ws: Worksheet, head: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    cols = model.ITEM_COLUMNS
    last_letter = get_column_letter(len(cols))
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=16, color=NAVY)
    ws.merge_cells(f"A1:{get_column_letter(8)}1")
    ws.row_dimensions[1].height = 26
    for i, f in enumerate(model.HEADER_FIELDS):
        r = HEADER_TOP + i
        label = ws.cell(r, 2, f.label)
        label.font, label.fill, label.border = Font(bold=True), LABEL_FILL, BORDER
        value = ws.cell(r, 3, head.get(f.key))
        value.border = BORDER
        if f.kind == "date":
            value.number_format = DATE_FORMAT
            dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                                showErrorMessage=True, error="Enter a date, e.g. 2026-03-31")
            dv.add(value.coordinate)
            ws.add_data_validation(dv)
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=5)
    _head_row(ws, TABLE_HEADER_ROW, cols)
    write_rows(ws, FIRST_ROW, cols, rows)
    _validations(ws, FIRST_ROW, cols)
    ws.freeze_panes = f"C{FIRST_ROW}"
    ws.auto_filter.ref = f"A{TABLE_HEADER_ROW}:{last_letter}{max(FIRST_ROW, FIRST_ROW + len(rows) - 1)}"
    _conditional_formats(ws, cols)
    _print_setup(ws, f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}")
    # the printed form is the DSS columns (A-J); the brief's other columns stay on screen
    print_rows(ws, len(rows))
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.sheet_properties.tabColor = NAVY


def _conditional_formats(ws: Worksheet, cols: tuple[model.Column, ...]) -> None:
    """Closed grey, overdue red, due soon amber: live in Excel, from the Policy sheet's window."""
    letter = {c.key: get_column_letter(i) for i, c in enumerate(cols, start=1)}
    r = FIRST_ROW
    st, ms, due = f"${letter['status']}{r}", f"${letter['milestone_date']}{r}", f"${letter['due_date']}{r}"
    target = f'IF({ms}<>"",{ms},{due})'
    closed = f'OR({st}="Completed",{st}="Closed")'
    rng = f"A{r}:{get_column_letter(len(cols))}{r + VALIDATED_ROWS - 1}"
    ws.conditional_formatting.add(rng, FormulaRule(formula=[closed], fill=GREY, stopIfTrue=True))
    ws.conditional_formatting.add(rng, FormulaRule(
        formula=[f'AND(NOT({closed}),{target}<>"",{target}<TODAY())'], fill=RED, stopIfTrue=True))
    ws.conditional_formatting.add(rng, FormulaRule(
        formula=[f'AND(NOT({closed}),{target}<>"",{target}-TODAY()<=policy_due_soon_days)'],
        fill=AMBER))


def _print_setup(ws: Worksheet, title_rows: str | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LEGAL if ws.max_column > 12 else ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Generated by poam-xl"
    ws.page_margins.left = ws.page_margins.right = 0.4


def _milestones_sheet(ws: Worksheet, miles: list[dict[str, Any]]) -> None:
    cols = model.MILESTONE_COLUMNS
    _head_row(ws, 1, cols)
    write_rows(ws, 2, cols, miles)
    _validations(ws, 2, cols)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(2, len(miles) + 1)}"
    _print_setup(ws, "1:1")


def _policy_sheet(wb: Workbook, ws: Worksheet, pol: Policy) -> None:
    ws["A1"] = "Due-date policy"
    ws["A1"].font = Font(bold=True, size=14, color=NAVY)
    ws["A2"] = ("Edit the values in column B. poam-xl and the Update button read this sheet; "
                "defaults are poam-xl's, not regulation.")
    for j, text in enumerate(("Setting", "Value", "Notes"), start=1):
        c = ws.cell(3, j, text)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BORDER
    values = pol.to_settings()
    for i, s in enumerate(model.POLICY_SETTINGS, start=4):
        ws.cell(i, 1, s.label).font = Font(bold=True)
        v = ws.cell(i, 2, values[s.key])
        v.fill, v.border = LABEL_FILL, BORDER
        ws.cell(i, 3, s.help)
        name = f"policy_{s.key}"
        wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(ws.title)}!$B${i}")
        if s.key == "day_count":
            dv = DataValidation(type="list", formula1=model.list_name(model.DAY_COUNTS))
        else:
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="36500",
                                showErrorMessage=True, error="Enter a whole number of days")
        dv.add(f"B{i}")
        ws.add_data_validation(dv)
    h = ws.cell(3, 5, model.HOLIDAYS_LABEL)
    h.font, h.fill, h.border = HEAD_FONT, HEAD_FILL, BORDER
    ws.cell(3, 6, "List non-working days below (business-day counting skips them)")
    for k, day in enumerate(pol.holidays, start=4):
        ws.cell(k, 5, day).number_format = DATE_FORMAT
    dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    dv.add("E4:E400")
    ws.add_data_validation(dv)
    # the whole policy (settings and holidays) for the worksheet functions: =POAM_DUE_DATE(.., policy_table)
    wb.defined_names["policy_table"] = DefinedName("policy_table",
                                                   attr_text=f"{quote_sheetname(ws.title)}!$A$3:$E$400")
    for letter, width in (("A", 28), ("B", 12), ("C", 48), ("E", 14)):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, None)
    ws.print_area = "A1:I30"  # the settings and the first holidays on one page


def _lists(wb: Workbook, ws: Worksheet) -> None:
    for j, (name, values) in enumerate(model.LISTS.items(), start=1):
        ws.cell(1, j, name).font = Font(bold=True)
        for i, v in enumerate(values, start=2):
            ws.cell(i, j, v)
        letter = get_column_letter(j)
        ref = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(values) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        ws.column_dimensions[letter].width = 20
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _instructions(ws: Worksheet) -> None:
    ws["A1"] = TITLE + ": how to use this workbook"
    ws["A1"].font = Font(bold=True, size=14, color=NAVY)
    steps = (
        "1. Fill the header block at the top of the POA&M sheet (company, CAGE code, DSS UID, ISSM).",
        "2. Add one row per weakness on the POA&M sheet; use the dropdowns for Status and Risk Level.",
        "3. Break each corrective action into dated milestones on the Milestones sheet.",
        "4. Leave Milestone Date blank to have the due date proposed from the Policy sheet.",
        "5. Grey columns are computed by poam-xl (Update button or `poam-xl update`): do not type there.",
        "6. Validate with the Validate button or `poam-xl validate FILE`; fix every finding listed.",
        "7. Review the POA&M at least quarterly and update the Last Review Date.",
    )
    for i, s in enumerate(steps, start=3):
        ws.cell(i, 1, s)
    top = len(steps) + 5
    ws.cell(top - 1, 1, "Columns of the POA&M sheet").font = Font(bold=True, size=12)
    for j, text in enumerate(("Column", "What to enter", "Allowed values", "Required"), start=1):
        c = ws.cell(top, j, text)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
    for i, col in enumerate(model.ITEM_COLUMNS, start=top + 1):
        ws.cell(i, 1, col.header).font = Font(bold=True)
        ws.cell(i, 2, col.help + (" (computed)" if col.derived else "")).alignment = WRAP_TOP
        ws.cell(i, 3, ", ".join(col.allowed) or {"date": "date", "int": "whole number"}.get(col.kind, "text"))
        ws.cell(i, 4, "yes" if col.required else "")
    for letter, width in (("A", 34), ("B", 70), ("C", 50), ("D", 10)):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, None)
    ws.page_setup.orientation = "portrait"
