"""Rows and columns added to a worksheet's XML: styled like the rows above, tall enough for their
text, inside the sheet's autoFilter and inside any Excel Table (``<table>`` part) they extend.

Used by every write that adds items (``poam-xl import``, the Excel buttons write through
xlwings instead). An Excel Table that ends on the row above the new rows grows to cover them;
a table with a totals row keeps it as its last row (the totals row moves down below the new
rows, as Excel does when a row is inserted above it). Source for the table part: ECMA-376
Part 1, §18.5 (Tables): ``ref`` covers header, data and totals rows; ``autoFilter@ref`` covers
header and data rows only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from . import model
from .values import column_index, column_letter, split_ref
from .xlsxsheet import Sheet, q

REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
MAX_LINES = 8  # a new row grows to at most this many lines of wrapped text
LINE_HEIGHT = 15  # points per line (Excel's default row height)


@dataclass
class TablePart:
    """An Excel Table on a sheet: its part, parsed root and reference."""

    part: str
    root: etree._Element

    @property
    def ref(self) -> tuple[int, int, int, int]:
        """(first row, first column, last row, last column) of the table's ``ref``."""
        a, _, b = self.root.get("ref", "A1").partition(":")
        r1, c1 = split_ref(a)
        r2, c2 = split_ref(b or a)
        return r1, c1, r2, c2

    @property
    def totals(self) -> int:
        return int(self.root.get("totalsRowCount", "0") or 0)


def tables(sheet: Sheet) -> list[TablePart]:
    """The Excel Tables of ``sheet`` (through its ``tableParts`` relationships)."""
    parts = sheet.root.find(q("tableParts"))
    if parts is None:
        return []
    targets = sheet.book.targets(sheet.part)
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    out = []
    for tp in parts.iterfind(q("tablePart")):
        kind, part = targets.get(tp.get(rid, ""), ("", ""))
        if kind == REL_TABLE and sheet.book.exists(part):
            out.append(TablePart(part, sheet.book.xml(part)))
    return out


def append(sheet: Sheet, header_row: int, first: int, letters: Mapping[str, str],
           records: Sequence[Mapping[str, Any]]) -> range:
    """Write ``records`` (model key -> value) as rows from ``first`` down; returns the rows.

    Each cell takes the style of the cell above it (never the header's); each row is made tall
    enough for its wrapped text; the sheet's autoFilter and any Excel Table ending just above
    ``first`` grow to cover the new rows (a totals row moves below them).
    """
    if not records:
        return range(first, first)
    last = first + len(records) - 1
    _make_room_for_totals(sheet, first, last)
    widths = _widths(sheet)
    for row, rec in zip(range(first, last + 1), records, strict=True):
        above = sheet.cells_of(row - 1) if row - 1 > header_row else {}
        for key, value in rec.items():
            if key not in letters or value is None:
                continue
            ref = f"{letters[key]}{row}"
            style = above.get(column_index(letters[key]))
            if style is not None and style.get("s"):
                sheet.cell(ref).set("s", style.get("s", "0"))
            sheet.set(ref, value)
        _fit_height(sheet, row, letters, rec, widths)
    grow(sheet, first, last)
    return range(first, last + 1)


@dataclass
class Added:
    """Columns ``add_columns`` added: their headers, letters and the Excel Tables they joined."""

    headers: list[str]
    letters: list[str]
    tables: list[str]


def add_columns(sheet: Sheet, header_row: int, letters: dict[str, str], needed: set[str],
                table: model.Table = model.ITEMS) -> Added:
    """Headers for the columns ``needed`` that the table lacks, to the right of the header row
    (styled like its last header cell); ``letters`` gains them. An Excel Table (and the sheet's
    autoFilter) whose header row this is and that ends at its last header widens to take them."""
    missing = [c for c in table.columns if c.key in needed and c.key not in letters]
    if not missing:
        return Added([], [], [])
    cells = sheet.cells_of(header_row)
    last = max(cells, default=0)
    style = cells[last].get("s") if last else None
    for i, col in enumerate(missing, start=1):
        ref = f"{column_letter(last + i)}{header_row}"
        if style:
            sheet.cell(ref).set("s", style)
        sheet.set(ref, col.header)
        letters[col.key] = column_letter(last + i)
    headers = [c.header for c in missing]
    joined = widen(sheet, header_row, last, headers)
    return Added(headers, [column_letter(last + i) for i in range(1, len(missing) + 1)], joined)


def widen(sheet: Sheet, header_row: int, last: int, headers: list[str]) -> list[str]:
    """The Excel Table whose header row is ``header_row`` and whose last column is ``last``
    takes the columns after it: ``ref`` and its autoFilter widen, a ``tableColumn`` per header
    (ECMA-376 Part 1, §18.5, Tables: one tableColumn per column of ``ref``, named as its header
    cell, names unique in the table). A header a table already holds leaves the table as it is.
    The sheet's autoFilter on that header row widens too. Returns the names of the tables
    widened."""
    end = column_letter(last + len(headers))
    af = sheet.root.find(q("autoFilter"))
    if af is not None and ":" in af.get("ref", ""):
        a, b = af.get("ref", "").split(":")
        r2, c2 = split_ref(b)
        if split_ref(a)[0] == header_row and c2 == last:
            af.set("ref", f"{a}:{end}{r2}")
    out = []
    others = tables(sheet)
    for t in others:
        r1, c1, r2, c2 = t.ref
        cols = t.root.find(q("tableColumns"))
        if r1 != header_row or c2 != last or cols is None:
            continue
        names = {c.get("name", "").strip().lower() for c in cols}
        if any(h.lower() in names for h in headers) or any(  # or another table in the way
                o is not t and o.ref[0] <= r2 and o.ref[2] >= r1 and c2 < o.ref[1] <= c2 + len(
                    headers) for o in others):
            continue
        t.root.set("ref", f"{column_letter(c1)}{r1}:{end}{r2}")
        table_af = t.root.find(q("autoFilter"))
        if table_af is not None:
            table_af.set("ref", f"{column_letter(c1)}{r1}:{end}{r2 - t.totals}")
        top = max((int(c.get("id", "0") or 0) for c in cols), default=0)
        for n, header in enumerate(headers, start=1):
            etree.SubElement(cols, q("tableColumn"), id=str(top + n), name=header)
        cols.set("count", str(len(cols)))
        out.append(t.root.get("displayName") or t.root.get("name") or t.part)
    return out


def grow(sheet: Sheet, first: int, last: int) -> None:
    """Extend the sheet's autoFilter and its Excel Tables that end just above row ``first`` (or
    whose totals row was moved below ``last``) down to ``last``."""
    af = sheet.root.find(q("autoFilter"))
    if af is not None:
        _extend(af, first, last)
    for t in tables(sheet):
        r1, c1, r2, c2 = t.ref
        data_end = r2 - t.totals
        if t.totals and r2 == last + t.totals and data_end >= first - 1:
            t.root.set("ref", f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}")
        elif not t.totals and r1 < first <= r2 + 1 and r2 < last:
            t.root.set("ref", f"{column_letter(c1)}{r1}:{column_letter(c2)}{last}")
        else:
            continue
        table_af = t.root.find(q("autoFilter"))
        if table_af is not None:
            _extend(table_af, first, last)


def _extend(af: etree._Element, first: int, last: int) -> None:
    ref = af.get("ref", "")
    if ":" not in ref:
        return
    a, b = ref.split(":")
    r1, _ = split_ref(a)
    r2, c2 = split_ref(b)
    if r1 < first and r2 >= first - 1 and r2 < last:
        af.set("ref", f"{a}:{column_letter(c2)}{last}")


def _make_room_for_totals(sheet: Sheet, first: int, last: int) -> None:
    """A table whose totals row sits where the new rows go: move the totals row(s) below them
    and the table's ref with them."""
    for t in tables(sheet):
        r1, c1, r2, c2 = t.ref
        if not t.totals or r2 - t.totals + 1 != first:
            continue
        shift = last - first + 1
        # a permutation: the totals row(s) go down by ``shift``, the rows they land on come up
        down = {r: r + shift for r in range(first, r2 + 1)}
        up = {r: r - t.totals for r in range(r2 + 1, r2 + shift + 1)}
        sheet.move_rows(down | up)
        t.root.set("ref", f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2 + shift}")


def _widths(sheet: Sheet) -> dict[int, float]:
    widths: dict[int, float] = {}
    cols = sheet.root.find(q("cols"))
    for c in cols if cols is not None else ():
        for i in range(int(c.get("min", "1")), min(int(c.get("max", "1")), 200) + 1):
            widths[i] = float(c.get("width", "9"))
    return widths


def _fit_height(sheet: Sheet, row: int, letters: Mapping[str, str], rec: Mapping[str, Any],
                widths: dict[int, float]) -> None:
    """Tall enough for the wrapped text (as the template does); at most MAX_LINES lines."""
    lines = 1
    for key, value in rec.items():
        if key in letters and isinstance(value, str):
            chars = max(int(widths.get(column_index(letters[key]), 9)), 1)
            lines = max(lines, sum(len(p) // chars + 1 for p in value.split("\n")))
    if lines > 1:
        el = sheet.row(row)
        el.set("ht", str(LINE_HEIGHT * min(lines, MAX_LINES)))
        el.set("customHeight", "1")
