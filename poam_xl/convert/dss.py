"""The DSS-style workbook as a conversion format: reader.read in, a fresh template out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import dashboard_sheet, derive, kept, model, records, template, textcells
from ..errors import TemplateError, UsageError
from ..layouts.generic import unread_notes
from ..package import Limits, inspect
from ..poam import Conversion
from ..reader import Grid, Poam, load_grids, read_grid
from ..values import plain
from ..write import atomic_path
from .format import Format

# header values with no DSS label (e.g. eMASS "System Type") sit to the right of the header
# block as label/value pairs in these column pairs, one pair per header row
EXTRA_COLUMNS = ((7, 8), (10, 11), (13, 14))
EXPECTED = (
    "a DSS-style POA&M workbook (a sheet with Item Number, Non-Compliance Description, "
    "Status and Risk Level headers)"
)


def detect(path: Path) -> bool:
    try:
        info = inspect(path)
        read_grid(load_grids(info), date1904=info.date1904)
        return True
    except Exception:
        return False


def read(path: str | Path, *, limits: Limits = Limits(),
         mapping: tuple[tuple[str, str | None], ...] = (), grids: dict[str, Grid] | None = None,
         **_: Any) -> tuple[Poam, Conversion]:
    """reader.read plus the extra header labels this writer puts beside the header block;
    ``mapping``: your own header -> field pairs (usermap); ``grids``: its sheets when already
    loaded (format detection)."""
    info = inspect(path, limits)
    if grids is None:
        grids = load_grids(info, limits)
    try:
        poam = read_grid(grids, date1904=info.date1904, source=str(path), mapping=mapping)
    except TemplateError as exc:
        raise TemplateError(f"not {EXPECTED}", path=str(path)) from exc
    grid = grids[poam.items.sheet]
    labels = {n for f in model.HEADER_FIELDS for n in f.names()}
    for row in grid.rows[: max(0, poam.items.header_row - grid.row0)]:
        for lj, vj in EXTRA_COLUMNS:
            i, k = lj - grid.col0, vj - grid.col0
            if 0 <= i < len(row) and isinstance(row[i], str) and row[i].strip():
                label = row[i].strip()
                if model.normalise_header(label) not in labels and label not in poam.header:
                    poam.header[label] = plain(row[k]) if k < len(row) else None
    conv = Conversion(source=str(path), target="", items=len(poam.items.frame))
    conv.notes += unread_notes(poam.native.get("unread", []), poam.items.sheet)
    if poam.invalid:
        conv.notes.append(
            f"{len(poam.invalid)} cell(s) could not be read as their column's type "
            "(run `poam-xl validate` for the list)"
        )
    return poam, conv


def write(poam: Poam, path: str | Path, *, as_of: dt.date | None = None, **_: Any) -> Conversion:
    """A freshly generated DSS template holding the Poam's header, items, milestones and policy.

    Derived columns (due date, days open/overdue, flag) are recomputed for ``as_of``.
    """
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"DSS workbook output must be .xlsx, not {out.suffix or 'no extension'!r}")
    as_of = as_of or dt.date.today()
    pol = poam.policy
    rows = records.item_records(poam)
    for rec in rows:
        for col in model.ITEM_COLUMNS:
            if col.derived:
                rec.pop(col.key, None)
    derive.fill_records(rows, pol, as_of)  # the same computed columns `new --sample` writes
    miles = records.milestone_records(poam)
    item_cells, extra_cols = _restore(rows, model.ITEM_COLUMNS, "comments")
    ms_cells, _none = _restore(miles, model.MILESTONE_COLUMNS, "changes", columns_too=False)
    wb = template.build(as_of=as_of, pol=pol)
    ws = wb[model.ITEMS.sheet]
    for i, f in enumerate(model.HEADER_FIELDS):
        value = poam.header.get(f.key)
        if value not in (None, ""):
            textcells.put(ws, template.HEADER_TOP + i, 3, value)
    extras = [
        (k, v)
        for k, v in poam.header.items()
        if k not in {f.key for f in model.HEADER_FIELDS} and v not in (None, "")
    ]
    slots = [
        (template.HEADER_TOP + r, pair)
        for pair in EXTRA_COLUMNS
        for r in range(len(model.HEADER_FIELDS))
    ]
    conv = Conversion(source=poam.source or "", target=str(out), items=len(rows))
    for (label, value), (r, (lj, vj)) in zip(extras, slots, strict=False):
        textcells.put(ws, r, lj, label).font = Font(bold=True)
        textcells.put(ws, r, vj, value)
    for label, value in extras[len(slots) :]:
        conv.dropped.append({"item": None, "field": label, "value": kept.text(value), "kept_in": None})
    template.write_rows(ws, template.FIRST_ROW, model.ITEM_COLUMNS, rows)
    _put_back(ws, template.FIRST_ROW, template.TABLE_HEADER_ROW, model.ITEM_COLUMNS, item_cells,
              extra_cols)
    template.print_rows(ws, len(rows))  # every item printed, empty rows formatted below them
    last = get_column_letter(len(model.ITEM_COLUMNS))
    ws.auto_filter.ref = (
        f"A{template.TABLE_HEADER_ROW}:{last}"
        f"{max(template.FIRST_ROW, template.FIRST_ROW + len(rows) - 1)}"
    )
    ms_ws = wb[model.MILESTONES.sheet]
    template.write_rows(ms_ws, 2, model.MILESTONE_COLUMNS, miles)
    _put_back(ms_ws, 2, 1, model.MILESTONE_COLUMNS, ms_cells, [])
    ms_ws.auto_filter.ref = (
        f"A1:{get_column_letter(len(model.MILESTONE_COLUMNS))}{max(2, len(miles) + 1)}"
    )
    for sheet in (ws, ms_ws):
        textcells.literal_text(sheet)  # data never becomes a formula (the template writes no formulas)
    del wb[model.DASHBOARD_SHEET]
    dashboard_sheet.create_sheet(wb, rows, pol, as_of)
    wb.move_sheet(model.DASHBOARD_SHEET, offset=-1)  # back before the hidden Lists sheet
    wb.active = wb.sheetnames.index(model.ITEMS.sheet)
    conv.notes += textcells.cut_note(wb)
    conv.altered += textcells.altered(wb)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return conv


def _restore(rows: list[dict[str, Any]], columns: tuple[model.Column, ...], field: str,
             columns_too: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
    """Kept tags that this layout has a home for, taken out of ``field`` (Comments / Changes):
    ``[poam-xl Header] text`` (a value that did not fit its column: written back as text into
    that column) and ``[column Header] value`` (a column no field took: an extra column).
    Returns per row {column key or "column:Header": text} and the extra columns' headers."""
    by_header = {c.header: c for c in columns}
    cells: list[dict[str, Any]] = []
    extra: list[str] = []
    for rec in rows:
        user, tags = kept.split_tags(rec.get(field))
        mine: dict[str, Any] = {}
        rest = []
        for side, label, value in tags:
            col = by_header.get(label) if side == "poam-xl" else None
            if col is not None and rec.get(col.key) in (None, ""):
                mine[col.key] = value
            elif side == "column" and columns_too:
                mine["column:" + label] = value
                if label not in extra:
                    extra.append(label)
            else:
                rest.append((side, label, value))
        if mine:
            rec[field] = kept.join_tags(user, rest)
        cells.append(mine)
    return cells, extra


def _put_back(ws: Any, first: int, header_row: int, columns: tuple[model.Column, ...],
              cells: list[dict[str, Any]], extra: list[str]) -> None:
    """Write what ``_restore`` took back: texts into their columns, kept columns at the right."""
    at = {c.key: j for j, c in enumerate(columns, start=1)}
    for k, label in enumerate(extra, start=len(columns) + 1):
        head = textcells.put(ws, header_row, k, label)
        head.font = Font(bold=True)
        at["column:" + label] = k
    for i, mine in enumerate(cells):
        for key, value in mine.items():
            if key.startswith("column:"):  # a kept column: its numbers and dates as such again
                value = kept.value_of(value)
            cell = textcells.put(ws, first + i, at[key], value)
            if type(value) is dt.date:
                cell.number_format = "mm/dd/yyyy"


def mapping() -> list[tuple[str, str, str]]:
    rows = [
        (col.header, col.header, "computed by poam-xl" if col.derived else "")
        for col in model.ITEM_COLUMNS
    ]
    rows += [
        (f"Milestones: {col.header}", col.header, "Milestones sheet")
        for col in model.MILESTONE_COLUMNS
    ]
    rows += [(f.label, f.label, "header block") for f in model.HEADER_FIELDS]
    rows.append(
        (
            "(other header values)",
            "label/value pairs in G:H, J:K, M:N of rows 2-9",
            "e.g. eMASS System Type",
        )
    )
    return rows


FORMAT = Format(
    name="dss",
    title="DSS-style POA&M workbook (poam-xl template)",
    extensions=(".xlsx", ".xlsm"),
    detect=detect,
    read=read,
    write=write,
    mapping=mapping,
)
