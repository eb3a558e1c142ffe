"""Big sheets of the workbooks we build with openpyxl, written as sheet XML in one pass.

openpyxl spends ~20 µs a cell creating, styling and then serialising each ``Cell``: 150,000
cells of an eMASS or FedRAMP export took ~5 s. A ``SheetStream`` takes the data cells instead
(``put``, the same arguments and rules as ``textcells.put``); ``save`` lets openpyxl write the
workbook (header rows, formats, validations, every other sheet), then writes the streamed rows
into each sheet's ``<sheetData>`` directly: text as inline strings (``t="inlineStr"``,
ECMA-376 Part 1 §18.3.1.53, never a formula), numbers and booleans as values, dates as serials
(1900 system), empty text as a blank cell with its format. Each format is resolved to its
``cellXfs`` index by openpyxl itself, once per (format, value kind), so a streamed cell carries
exactly the style ``textcells.put`` would give it (quote prefix on risky text, a date format on
a date in a General cell).

The rules of ``textcells`` hold unchanged: text over 32,767 characters is cut and recorded,
control characters become U+FFFD and are recorded, text starting ``= + - @``, tab or CR gets the
quote prefix. Where streaming cannot be exact (a row openpyxl also writes at or below the first
streamed row, a value of another type) the sheet's streamed cells go through ``textcells.put``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import operator
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl.cell import Cell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel

from . import streamzip, textcells
from .textcells import MAX_TEXT, RISKY, CellStyle

__all__ = ["SheetStream", "save", "stream"]

_KEY = "_poam_stream"
# what XML must escape, or textcells._fit replaces (textcells._ILLEGAL)
_ODD = re.compile("[&<>\r]|" + textcells._ILLEGAL.pattern)
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


class SheetStream:
    """Data cells of one openpyxl worksheet, written by :func:`save`."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.rows: dict[int, list[tuple[int, Any, CellStyle | None]]] = {}

    def put(self, row: int, col: int, value: Any, style: CellStyle | None = None) -> None:
        """Write ``value`` at (row, col) (1-based) with ``style``: ``textcells.put``'s rules."""
        if value is None and style is None:
            return
        self.rows.setdefault(row, []).append((col, value, style))

    def put_many(self, row: int, cells: Sequence[tuple[int, Any, CellStyle | None]]) -> None:
        """``put(row, col, value, style)`` for each (col, value, style) of ``cells``, in order."""
        kept = [cell for cell in cells if cell[1] is not None or cell[2] is not None]
        if kept:
            self.rows.setdefault(row, []).extend(kept)

    def _materialise(self) -> None:
        for row, cells in self.rows.items():
            for col, value, style in cells:
                textcells.put(self.ws, row, col, value, style)
        self.rows = {}


def stream(ws: Any) -> SheetStream:
    """The stream of openpyxl worksheet ``ws`` (made on first use)."""
    found: SheetStream | None = ws.__dict__.get(_KEY)
    if found is None:
        found = ws.__dict__[_KEY] = SheetStream(ws)
    return found


class _Unstreamable(Exception):
    pass


def _kind(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return "s" if value else "blank"  # empty text: a blank cell (its format kept)
    if kind is bool:
        return "b"
    if kind is int or (kind is float and math.isfinite(value)):
        return "n"
    if kind is dt.date:
        return "date"
    if kind is dt.datetime:
        return "datetime"
    if value is None:
        return "blank"
    raise _Unstreamable


class _Styles:
    """cellXfs index per (format, value kind), resolved by openpyxl on a scratch cell."""

    SAMPLE = {"date": dt.date(2000, 1, 1), "datetime": dt.datetime(2000, 1, 1), "n": 0,
              "b": True, "s": "", "risky": "", "blank": None}

    def __init__(self, ws: Any) -> None:
        self.ws, self.wb = ws, ws.parent
        self.ids: dict[tuple[int, str], int] = {}
        self.keep: list[Any] = []  # the styles looked up: their ids stay unique

    def id(self, style: CellStyle | None, kind: str) -> int:
        key = (id(style), kind)
        found = self.ids.get(key)
        if found is None:
            self.keep.append(style)
            cell = Cell(self.ws)
            if style is not None:
                style.apply(cell)
            cell.value = self.SAMPLE[kind]  # a date in a General cell gets a date format
            if kind == "risky":
                cell.quotePrefix = True
            found = self.ids[key] = (0 if cell._style is None  # the default format
                                     else self.wb._cell_styles.add(cell._style))
        return found


_SEEN_TEXT = 64  # texts up to this long are remembered with their cell XML (_rows_xml)
_RISKY_FIRST = frozenset("".join(RISKY) + " ")  # what risky text (after spaces) starts with
_SHAPES = {"s": ' t="inlineStr"><is><t xml:space="preserve">', "n": "><v>", "b": ' t="b"><v>',
           "date": "><v>", "datetime": "><v>"}
_ENDS = {"s": "</t></is></c>", "n": "</v></c>", "b": "</v></c>", "date": "</v></c>",
         "datetime": "</v></c>"}


def _rows_xml(st: SheetStream, fast: bool = True, sink: Callable[[bytes], None] | None = None
              ) -> tuple[list[str], int, int]:
    """The ``<row>`` elements of a stream, its last row and last column (1-based). ``fast``:
    text needing no escape, cut or quote prefix takes a shortcut (False: every cell the general
    way, which the shortcut must equal; the tests compare the two). ``sink``: given the rows
    as UTF-8 as they are made, CHUNK characters or more at a time (the rest are returned)."""
    styles = _Styles(st.ws)
    letters: dict[int, str] = {}
    shapes: dict[tuple[int, str], tuple[str, str]] = {}  # (format, kind) -> cell XML around
    plain_text: dict[int, tuple[str, str]] = {}  # id(format) -> XML around text needing nothing
    out: list[str] = []
    pending = 0  # characters in out
    last_col = 0
    first = operator.itemgetter(0)
    odd_in = _ODD.search
    serials: dict[dt.date, str] = {}  # a date (exactly: no datetime) -> its serial as written
    # id(format) -> {short text -> the cell's XML after its reference}, for text that took the
    # shortcut: a status, a level or a name is written thousands of times, checked once
    seen: dict[int, dict[str, str]] = {}
    for r in sorted(st.rows):
        cells = st.rows[r]
        if len(cells) > 1:
            cells.sort(key=first)
        row = str(r)
        parts = [f'<row r="{row}">']
        previous = 0
        for col, value, style in cells:
            if col == previous:
                raise _Unstreamable  # one cell written twice: openpyxl's last-wins applies
            previous = col
            letter = letters.get(col) or letters.setdefault(col, get_column_letter(col))
            if type(value) is str and value:  # most cells: text (the kind _kind gives: "s")
                if fast and (known := seen.get(id(style))) is not None and (
                        xml := known.get(value)) is not None:
                    parts.append(f'<c r="{letter}{row}"{xml}')
                    continue
                # the commonest: nothing to escape, cut or mark, not risky, its format known
                if (fast and value[0] not in _RISKY_FIRST and len(value) <= MAX_TEXT
                        and "_x" not in value and odd_in(value) is None):
                    shape = plain_text.get(id(style))
                    if shape is not None:
                        xml = f"{shape[0]}{value}{shape[1]}"
                        if len(value) <= _SEEN_TEXT:
                            seen.setdefault(id(style), {})[value] = xml
                        parts.append(f'<c r="{letter}{row}"{xml}')
                        continue
                odd = odd_in(value) is not None  # one scan for the rare cases
                if odd or len(value) > MAX_TEXT or "_x" in value:
                    value = textcells._fit(st.ws, value, r, col)
                kind = ("risky" if value[:1] in _RISKY_FIRST and value.lstrip(" ").startswith(RISKY)
                        else "s")
                if odd:
                    value = value.translate(_ESCAPE)
                shape = shapes.get((id(style), kind))
                if shape is not None:
                    parts.append(f'<c r="{letter}{row}"{shape[0]}{value}{shape[1]}')
                    continue
            else:
                kind = _kind(value)
                if kind == "n":
                    value = repr(value)
                elif kind == "b":
                    value = "1" if value else "0"
                elif kind == "date":  # its serial, worked out once per day
                    serial = serials.get(value)
                    if serial is None:
                        serial = serials[value] = repr(to_excel(value))
                    value = serial
                elif kind != "blank":
                    value = repr(to_excel(value))
            shape = shapes.get((id(style), kind))
            if shape is None:
                s = styles.id(style, kind)
                attr = f' s="{s}"' if s else ""
                shape = shapes[(id(style), kind)] = (
                    (attr + "/>", "") if kind == "blank"
                    else (attr + _SHAPES["s" if kind == "risky" else kind],
                          _ENDS["s" if kind == "risky" else kind]))
                if kind == "s" and fast:
                    plain_text[id(style)] = shape
            parts.append(f'<c r="{letter}{row}"{shape[0]}{"" if kind == "blank" else value}'
                         f'{shape[1]}')
        last_col = max(last_col, previous)
        parts.append("</row>")
        out.append(xml := "".join(parts))
        if sink is not None:
            pending += len(xml)
            if pending >= CHUNK:
                sink("".join(out).encode())
                out, pending = [], 0
    return out, max(st.rows), last_col


# characters of rows joined, encoded and deflated at a time: a few chunks a sheet, so the
# worker seldom waits for the interpreter lock between them (one chunk: ~10 ms of zlib)
CHUNK = 4_000_000


def _openpyxl_rows(ws: Any) -> int:
    """The last row openpyxl itself writes a ``<row>`` for (cells or row formats)."""
    return int(max([r for r, _c in ws._cells] + list(ws.row_dimensions.keys()) + [0]))


# zlib level of the rewritten package: 1 deflates a 17.7 MB eMASS sheet part (10,000 items)
# in 0.05 s instead of level 6's 0.12 s, into 1.8 MB instead of 1.3 MB
SPLICE_LEVEL = 1
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|</sheetData>")
_DIMENSION = re.compile(rb'<dimension ref="([^"]*)"\s*/>')


def save(wb: Any, path: str | Path) -> None:
    """Save openpyxl workbook ``wb`` at ``path`` with every sheet's streamed rows (deflated in a
    worker thread as they are made: ``streamzip``).

    Raises what ``Workbook.save`` raises (OSError)."""
    ready: dict[str, tuple[streamzip.Deflater, list[str], int, int]] = {}
    try:
        for ws in wb.worksheets:
            st = ws.__dict__.get(_KEY)
            if st is None or not st.rows:
                continue
            cut, replaced = (list(ws.__dict__.get(k, [])) for k in ("_poam_cuts", "_poam_replaced"))
            deflater = streamzip.Deflater(SPLICE_LEVEL)
            try:
                if min(st.rows) <= _openpyxl_rows(ws):
                    raise _Unstreamable
                rest, last_row, last_col = _rows_xml(st, sink=deflater.add)
                if deflater.started and rest:  # deflated while the workbook is saved
                    deflater.add("".join(rest).encode())
                    rest = []
            except _Unstreamable:
                deflater.close()
                for k, before in (("_poam_cuts", cut), ("_poam_replaced", replaced)):
                    ws.__dict__[k] = before  # recorded again by textcells.put
                st._materialise()
                continue
            except BaseException:
                deflater.close()
                raise
            ready[ws.title] = (deflater, rest, last_row, last_col)
            st.rows = {}
        wb.save(path)
        if ready:
            _splice(Path(path), {ws.path.lstrip("/"): ready[ws.title]
                                 for ws in wb.worksheets if ws.title in ready})
    finally:
        for deflater, _rest, _row, _col in ready.values():
            deflater.close()  # stopped already unless something failed on the way


def _splice(path: Path, parts: dict[str, tuple[streamzip.Deflater, list[str], int, int]]
            ) -> None:
    """Put each part's rows at the end of its ``<sheetData>`` (rewriting the package)."""
    fd, name = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        _copy_spliced(path, fd, parts)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    shutil.move(name, path)


def _copy_spliced(path: Path, fd: int,
                  parts: dict[str, tuple[streamzip.Deflater, list[str], int, int]]) -> None:
    with open(fd, "wb") as fh, zipfile.ZipFile(path) as zin, \
            zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=SPLICE_LEVEL) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename not in parts:
                zout.writestr(info, data)
                continue
            deflater, rest, last_row, last_col = parts[info.filename]
            data = _DIMENSION.sub(functools.partial(_grown, last_row=last_row, last_col=last_col),
                                  data, count=1)
            at = _SHEET_DATA.search(data)
            if at is None:
                raise ValueError(f"{info.filename}: no sheetData")  # openpyxl always writes it
            opened = at.group().startswith(b"<sheetData") and at.group().endswith(b"/>")
            streamzip.write_part(zout, fh, info.filename,
                                 data[: at.start()] + (b"<sheetData>" if opened else b""),
                                 deflater, "".join(rest).encode(),
                                 b"</sheetData>" + data[at.end():])


def _grown(m: re.Match[bytes], last_row: int, last_col: int) -> bytes:
    ref = m.group(1).decode()
    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except (ValueError, TypeError):
        c1 = r1 = c2 = r2 = None
    c1, r1 = c1 or 1, r1 or 1
    c2, r2 = max(c2 or 1, last_col), max(r2 or 1, last_row)
    return f'<dimension ref="{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"/>'.encode()
