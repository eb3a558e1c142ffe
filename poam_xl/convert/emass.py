"""eMASS POA&M import workbook <-> Poam: read the real template's layout, write it back exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import model
from ..errors import TemplateError, UsageError
from ..package import Limits, inspect
from .. import dates
from ..read import HEADER_SCAN_ROWS, Grid, Invalid, Poam, load_grids
from ..write import atomic_path
from . import Conversion, Format
from . import common as c
from . import emass_layout as L

SIGNATURE = {model.normalise_header(h) for h in ("POA&M Item ID", "Raw Severity",
                                                   "Control Vulnerability Description")}
HEADER_FIELDS = tuple(model.HeaderField(k, label.rstrip(":"), "date" if k == "poam_date" else "text")
                      for k, label, _c, _v in L.HEADER)
BY_LABEL = {f.header.strip(): f for f in L.FIELDS}
ITEM_BY_HEADER = {col.header: col for col in model.ITEM_COLUMNS}
MS_BY_HEADER = {col.header: col for col in model.MILESTONE_COLUMNS}
EXPECTED = ("an eMASS POA&M import workbook (sheet POA&M, header row with POA&M Item ID, Control "
            "Vulnerability Description, Status, Raw Severity)")
VALIDATED_LAST = 1048576  # the template's validations reach the last row


# ---------------------------------------------------------------- detect / find
def _signature_row(grid: Grid) -> int | None:
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        names = {model.normalise_header(v) for v in row if isinstance(v, str)}
        if SIGNATURE <= names:
            return grid.row0 + i
    return None


def find(grids: dict[str, Grid], source: str | None = None) -> tuple[str, int]:
    """(sheet, header row) of the eMASS table: POA&M sheet preferred, the Example sheet last."""
    found = [(name, row) for name, g in grids.items() if (row := _signature_row(g)) is not None]
    if not found:
        raise TemplateError(f"not {EXPECTED}", path=source)
    found.sort(key=lambda f: (f[0] != L.SHEET, f[0].lower() == "example"))
    return found[0]


def detect(path: Path) -> bool:
    """Cheap content sniff: an .xlsx/.xlsm whose sheets carry the eMASS header row."""
    try:
        info = inspect(path)
        find(load_grids(info))
        return True
    except Exception:
        return False


# ---------------------------------------------------------------- read
def _positions(grid: Grid, header_row: int) -> dict[str, int]:
    """eMASS field key -> column index; of duplicate headers (the stray A7) the one with data wins."""
    hdr = grid.rows[header_row - grid.row0]
    body = grid.rows[header_row - grid.row0 + 1:]
    names = {model.normalise_header(f.header): f.key for f in L.FIELDS}
    best: dict[str, tuple[bool, int]] = {}
    for j, v in enumerate(hdr):
        key = names.get(model.normalise_header(v)) if isinstance(v, str) else None
        if key is None:
            continue
        has_data = any(j < len(r) and c.py(r[j]) is not None for r in body)
        if key not in best or (has_data, j) >= best[key]:
            best[key] = (has_data, j)
    return {k: j for k, (_d, j) in best.items()}


def _items(grid: Grid, header_row: int, pos: dict[str, int]) -> list[tuple[int, dict[str, Any], list[int]]]:
    """Group rows into items: continuation rows carry only milestone / milestone-change cells."""
    out: list[tuple[int, dict[str, Any], list[int]]] = []
    lines = {k for k, f in L.BY_KEY.items() if f.kind == "lines"}
    for i, row in enumerate(grid.rows[header_row - grid.row0 + 1:]):
        excel_row = header_row + 1 + i
        vals = {k: c.py(row[j]) if j < len(row) else None for k, j in pos.items()}
        if all(v is None for v in vals.values()):
            continue
        if out and all(vals[k] is None for k in vals if k not in lines):
            _first, e, rows = out[-1]
        else:
            e = {k: v for k, v in vals.items() if k not in lines}
            e.update({k: [] for k in lines})
            rows = []
            out.append((excel_row, e, rows))
        for k in lines:
            if k in vals and vals[k] is not None:
                e[k].append(vals[k])
                if k == "milestones":
                    rows.append(excel_row)
    return out


def header_block(grid: Grid, header_row: int, date1904: bool, sheet: str,
                 invalid: list[Invalid]) -> tuple[dict[str, Any], dict[str, str]]:
    """Labels in rows 2-6 with their value in the next filled cell to the right (merged cells);
    an empty value stops at the next label."""
    index = {n: f for f in HEADER_FIELDS for n in f.names()}
    header: dict[str, Any] = {f.key: None for f in HEADER_FIELDS}
    cells: dict[str, str] = {}
    for i, row in enumerate(grid.rows[: header_row - grid.row0]):
        for j, v in enumerate(row):
            f = index.get(model.normalise_header(v)) if isinstance(v, str) else None
            if f is None or f.key in cells:
                continue
            value, vj = None, j + 1
            for k in range(j + 1, min(len(row), j + 7)):
                if isinstance(row[k], str) and model.normalise_header(row[k]) in index:
                    break
                if c.py(row[k]) is not None:
                    value, vj = row[k], k
                    break
            cell = f"{get_column_letter(grid.col0 + vj)}{grid.row0 + i}"
            if value is None:  # point at the template's value cell, not the merged label
                cell = next((vc for k, _l, lc, vc in L.HEADER if k == f.key and lc ==
                             f"{get_column_letter(grid.col0 + j)}{grid.row0 + i}"), cell)
            cells[f.key] = cell
            if f.kind == "date" and value is not None:
                day = dates.to_date(value, date1904)
                if day is dates.BAD:
                    invalid.append(Invalid("header", f.key, sheet, cell, value, "a date"))
                value = day if isinstance(day, dt.date) else None
            header[f.key] = c.parse("text", c.text(value)) if f.kind != "date" else value
    return header, cells


def _restore(rec: dict[str, Any], miles: list[dict[str, Any]], label: str, value: str) -> bool:
    """Put a [poam-xl Label] value back into its DSS column; False when the label is unknown."""
    col = ITEM_BY_HEADER.get(label)
    if col is not None:
        rec[col.key] = c.parse(col.kind, value)
        return True
    head, _, rest = label.partition(" ")
    num, _, field = rest.partition(" ")
    if head == "Milestone" and num.isdigit() and field in MS_BY_HEADER and int(num) <= len(miles):
        mcol = MS_BY_HEADER[field]
        miles[int(num) - 1][mcol.key] = c.parse(mcol.kind, value)
        return True
    return False


def _same_field(f: L.Field, a: Any, b: Any) -> bool:
    if f.kind == "lines":
        la, lb = [x for x in a or [] if c.py(x) is not None], [x for x in b or [] if c.py(x) is not None]
        return len(la) == len(lb) and all(
            all(c.same(p, q) for p, q in zip(L.split_dated(x), L.split_dated(y), strict=True))
            for x, y in zip(la, lb, strict=True))
    if f.key == "status" and L.status_word(a)[0] is not None:
        return L.status_word(a) == L.status_word(b)
    return c.same(a, b)


def _tag_value(f: L.Field, value: Any) -> str:
    if f.kind == "lines":
        return "\n".join(c.text(v) for v in value or [])
    return c.text(value)


def from_items(found: list[tuple[int, dict[str, Any], list[int]]], conv: Conversion
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """eMASS items -> DSS records and milestones; fields with no home kept as [eMASS ...] tags."""
    items, miles_all, ms_rows = [], [], []
    for position, (row, e, rows) in enumerate(found, start=1):
        rec, miles = L.to_model(e, position)
        plain, tags = c.split_tags(rec.get("comments"))
        others = [t for t in tags if not (t[0] == "poam-xl" and _restore(rec, miles, t[1], t[2]))]
        rec["comments"] = plain
        back = L.to_emass(rec, miles, position)
        kept: list[c.Tag] = []
        for f in L.FIELDS:
            if f.key != "comments" and not _same_field(f, e.get(f.key), back.get(f.key)):
                kept.append(("eMASS", f.header.strip(), _tag_value(f, e.get(f.key))))
                conv.dropped.append({"item": rec["item_number"], "field": f.header.strip(),
                                     "value": _tag_value(f, e.get(f.key)), "kept_in": "Comments"})
        rec["comments"] = c.join_tags(plain, others + kept)
        items.append((row, rec))
        for k, m in enumerate(miles):
            miles_all.append(m)
            ms_rows.append(rows[k] if k < len(rows) else row)
    return [r for _row, r in items], miles_all, [r for r, _rec in items] + ms_rows


def read(path: str | Path, *, limits: Limits = Limits(), **_: Any) -> tuple[Poam, Conversion]:
    """Read an eMASS POA&M import workbook into the DSS column model (with a Conversion report)."""
    info = inspect(path, limits)
    source = str(path)
    grids = load_grids(info, limits)
    sheet, header_row = find(grids, source)
    grid = grids[sheet]
    pos = _positions(grid, header_row)
    invalid: list[Invalid] = []
    header, cells = header_block(grid, header_row, info.date1904, sheet, invalid)
    conv = Conversion(source=source, target="dss")
    found = _items(grid, header_row, pos)
    items, miles, rows = from_items(found, conv)
    for key, value in header.items():
        if key.startswith("eMASS ") and value is not None:
            conv.dropped.append({"item": None, "field": key[6:], "value": c.text(value),
                                 "kept_in": "header block (extra label)"})
    letters = {k: get_column_letter(grid.col0 + pos[f.key]) for f in L.FIELDS if f.key in pos
               for k in f.model_keys}
    ms_letter = get_column_letter(grid.col0 + pos["milestones"]) if "milestones" in pos else "I"
    poam = c.make_poam(items, miles, header, source=source, sheet=sheet, header_row=header_row,
                       item_index=rows[:len(items)], milestone_index=rows[len(items):],
                       letters=letters, milestone_letters={"milestone": ms_letter,
                                                           "planned_date": ms_letter},
                       layout=model.Layout("emass", extra={"emass": view_of(found, grid, pos)}))
    poam.header_cells, poam.invalid, poam.date1904 = cells, invalid, info.date1904
    poam.sheet_states = {n: g.state for n, g in grids.items()}
    conv.items = len(items)
    if any(c.py(e.get("item_id")) is None for _r, e, _rows in found):
        conv.notes.append("POA&M Item ID blank (new items): numbered by position; written blank "
                          "again so eMASS assigns IDs (template instruction 3)")
    return poam, conv


def view_of(found: list[tuple[int, dict[str, Any], list[int]]], grid: Grid,
            pos: dict[str, int]) -> dict[str, Any]:
    """The eMASS values as read, for the eMASS profile's rules: {row: record}, column letters."""
    return {"rows": {row: e for row, e, _rows in found},
            "milestone_rows": {row: rows for row, _e, rows in found},
            "letters": {k: get_column_letter(grid.col0 + j) for k, j in pos.items()}}


def read_poam(path: str | Path, **options: Any) -> Poam:
    """The eMASS profile's reader: just the Poam."""
    return read(path, **options)[0]


# ---------------------------------------------------------------- write
def _from_tag(f: L.Field, value: str) -> Any:
    if f.kind == "lines":
        return value.splitlines()
    return c.parse({"item_id": "int", "scheduled": "date"}.get(f.key, "text"), value)


def to_items(poam: Poam, conv: Conversion) -> list[dict[str, Any]]:
    """DSS records -> eMASS items; DSS fields with no eMASS home kept as [poam-xl ...] tags."""
    by_item = c.milestones_by_item(poam)
    out = []
    for position, rec in enumerate(c.item_records(poam), start=1):
        miles = by_item.get(rec.get("item_number"), [])
        plain, tags = c.split_tags(rec.get("comments"))
        rec = dict(rec, comments=plain)
        e = L.to_emass(rec, miles, position)
        others: list[c.Tag] = []
        for tag in tags:
            f = BY_LABEL.get(tag[1]) if tag[0] == "eMASS" else None
            if f is None:
                others.append(tag)
                continue
            trial = dict(e, **{f.key: _from_tag(f, tag[2])})
            t_rec, t_miles = L.to_model(trial, position)
            if all(c.same(t_rec.get(k), rec.get(k)) for k in f.model_keys):
                e = trial
            else:
                conv.notes.append(f"item {rec.get('item_number')}: kept eMASS {f.header.strip()} "
                                  "no longer matches the edited DSS value; the DSS value was used")
        back, back_miles = L.to_model(e, position)
        kept: list[c.Tag] = []
        for key in c.data_keys():
            if key != "comments" and not c.same(back.get(key), rec.get(key)):
                kept.append(("poam-xl", model.ITEMS.column(key).header, c.text(rec.get(key))))
        for k, m in enumerate(miles, start=1):
            got = back_miles[k - 1] if k <= len(back_miles) else {}
            for col in model.MILESTONE_COLUMNS[1:]:
                if not c.same(got.get(col.key), m.get(col.key)):
                    kept.append(("poam-xl", f"Milestone {k} {col.header}", c.text(m.get(col.key))))
        for tag in kept:
            if tag[2]:
                conv.dropped.append({"item": rec.get("item_number"), "field": tag[1],
                                     "value": tag[2], "kept_in": "Comments"})
        e["comments"] = c.join_tags(plain, others + kept)
        out.append(e)
    return out


def write(poam: Poam, path: str | Path, **_: Any) -> Conversion:
    """Write the Poam as an eMASS POA&M import workbook (.xlsx) in the template's layout."""
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"eMASS output must be .xlsx (macro workbooks cannot be generated), not "
                         f"{out.suffix or 'no extension'!r}")
    conv = Conversion(source=poam.source or "", target=str(out))
    items = to_items(poam, conv)
    for h in model.HEADER_FIELDS:
        if h.key not in L.HEADER_MODEL_KEYS and poam.header.get(h.key) not in (None, ""):
            conv.dropped.append({"item": None, "field": h.label, "value": c.text(poam.header[h.key]),
                                 "kept_in": None})
    wb = build(poam.header, items)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    conv.items = len(items)
    return conv


GREEN = PatternFill("solid", fgColor="007A3D")
GREY = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")


def build(header: dict[str, Any], items: list[dict[str, Any]]) -> Workbook:
    """The eMASS import workbook: POA&M, hidden lookup Sheet1, 8500 IA Controls, Example, Instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = L.SHEET
    _layout(ws, header)
    row = L.FIRST_ROW
    for e in items:
        n = max(1, len(e["milestones"]), len(e["changes"]))
        for f in L.FIELDS:
            col = column_index_from_string(f.letter)
            if f.kind == "lines":
                for k, v in enumerate(e[f.key]):
                    ws.cell(row + k, col, v).alignment = WRAP
            elif e.get(f.key) not in (None, ""):
                cell = ws.cell(row, col, e[f.key])
                cell.alignment = WRAP
                if f.kind == "date" and isinstance(e[f.key], dt.date):
                    cell.number_format = "mm/dd/yyyy"
        row += n
    c.literal_text(ws)
    lookup = wb.create_sheet(L.LOOKUP_SHEET)
    for i, v in enumerate(L.LEVELS, start=2):
        lookup.cell(i, 2, v)
    for i, v in enumerate(L.STATUSES, start=2):
        lookup.cell(i, 4, v)
    for i, v in enumerate(L.RAW_SEVERITIES, start=2):
        lookup.cell(i, 6, v)
    lookup.sheet_state = "hidden"
    ia = wb.create_sheet("8500 IA Controls")
    ia["A1"] = "DIACAP DoDI 8500.2 control matrix (kept for the template's sheet set; unused by RMF)"
    ia.sheet_state = "hidden"
    _layout(wb.create_sheet("Example"), {})
    ins = wb.create_sheet("Instructions")
    ins["A1"] = "POA&M Template Instructions"
    ins["A2"] = ("Generated by poam-xl in the eMASS RMF POA&M import layout. Follow the instructions "
                 "on the eMASS Help page; do not add or delete columns or sheets.")
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
            ws[vcell] = value
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
    day = DataValidation(type="date", operator="greaterThanOrEqual", formula1="1890",
                         allow_blank=True, showErrorMessage=True, error="Enter a date MM/DD/YYYY")
    day.add(f"H{first}:H{last}")
    for dv in (levels, raw, day):
        ws.add_data_validation(dv)


def mapping() -> list[tuple[str, str, str]]:
    return L.mapping()


FORMAT = Format(name="emass", title="eMASS POA&M import workbook (DoD RMF)",
                extensions=(".xlsx", ".xlsm"), detect=detect, read=read, write=write,
                mapping=mapping)
