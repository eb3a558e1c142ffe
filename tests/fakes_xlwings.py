"""A stand-in for the xlwings objects the Excel buttons use, backed by an openpyxl workbook.

It offers only the calls poam_xl.xl makes (test_xl_contract.py checks each one exists on the
real xlwings classes with a compatible signature). Values come back the way xlwings returns
them: numbers as floats, dates as datetimes, a single cell as a scalar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook import Workbook


def _read(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime.combine(v, dt.time())
    if isinstance(v, str) and v == "":
        return None
    return v


def _write(v: Any) -> Any:
    return None if v == "" else v


class App:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str | None]] = []
        self.status_bar: str | bool = False
        self.screen_updating = True

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok",
              mode: str | None = None, callback: str | None = None) -> str | None:
        self.alerts.append((prompt, title))
        return "ok"


class Book:
    def __init__(self, wb: Workbook, name: str = "poam.xlsm") -> None:
        self.wb = wb
        self.app = App()
        self.name = name
        self.sheets = Sheets(self)


class Sheets:
    def __init__(self, book: Book) -> None:
        self.book = book

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter([Sheet(self.book, ws) for ws in self.book.wb.worksheets])

    def __len__(self) -> int:
        return len(self.book.wb.worksheets)

    def __getitem__(self, name: str) -> Sheet:
        return Sheet(self.book, self.book.wb[name])

    def add(self, name: str | None = None, before: Sheet | None = None,
            after: Sheet | None = None) -> Sheet:
        index = None
        if after is not None:
            index = self.book.wb.sheetnames.index(after.name) + 1
        elif before is not None:
            index = self.book.wb.sheetnames.index(before.name)
        return Sheet(self.book, self.book.wb.create_sheet(name, index))


class Sheet:
    def __init__(self, book: Book, ws: Any) -> None:
        self.book = book
        self.ws = ws

    @property
    def name(self) -> str:
        return str(self.ws.title)

    @property
    def visible(self) -> bool:
        return self.ws.sheet_state == "visible"

    @property
    def used_range(self) -> Range:
        ws = self.ws
        return Range(self, ws.min_row, ws.min_column, ws.max_row, ws.max_column)

    def range(self, cell1: str | tuple[int, int], cell2: str | tuple[int, int] | None = None
              ) -> Range:
        if isinstance(cell1, tuple):
            r2, c2 = cell2 if isinstance(cell2, tuple) else cell1
            return Range(self, cell1[0], cell1[1], r2, c2)
        ref = cell1 if cell2 is None else f"{cell1}:{cell2}"
        c1, r1, c2, r2 = range_boundaries(ref)
        return Range(self, r1, c1, r2, c2)

    def clear(self) -> None:
        ws = self.ws
        for row in ws.iter_rows():
            for c in row:
                c.value, c.hyperlink, c.comment = None, None, None
                c.style = "Normal"


class Note:
    def __init__(self, cell: Any) -> None:
        self.cell = cell

    @property
    def text(self) -> str:
        return str(self.cell.comment.text)

    @text.setter
    def text(self, value: str) -> None:
        self.cell.comment = Comment(value, "poam-xl")

    def delete(self) -> None:
        self.cell.comment = None


class Range:
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int,
                 options: dict[str, Any] | None = None) -> None:
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self._options = options or {}

    # ---- geometry
    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        return (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1)

    @property
    def address(self) -> str:
        a = f"${get_column_letter(self.c1)}${self.r1}"
        b = f"${get_column_letter(self.c2)}${self.r2}"
        return a if a == b else f"{a}:{b}"

    def options(self, convert: Any = None, **options: Any) -> Range:
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2, options)

    def _cell(self, r: int, c: int) -> Any:
        return self.sheet.ws.cell(r, c)

    def _single(self) -> Any:
        if self.shape != (1, 1):
            raise ValueError("single cell expected")
        return self._cell(self.r1, self.c1)

    # ---- values
    @property
    def value(self) -> Any:
        rows = [[_read(self._cell(r, c).value) for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]
        if self._options.get("ndim") == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        if self.shape[0] == 1:
            return rows[0]
        if self.shape[1] == 1:
            return [r[0] for r in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, list | tuple):
            block = [[data]]
        elif data and isinstance(data[0], list | tuple):
            block = [list(r) for r in data]
        elif self._options.get("transpose"):
            block = [[v] for v in data]
        else:
            block = [list(data)]
        for i, row in enumerate(block):
            for j, v in enumerate(row):
                self._cell(self.r1 + i, self.c1 + j).value = _write(v)

    def clear_contents(self) -> None:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._cell(r, c).value = None

    # ---- formats, notes, links
    @property
    def color(self) -> tuple[int, int, int] | None:
        fill = self._cell(self.r1, self.c1).fill
        if fill is None or fill.fill_type != "solid":
            return None
        rgb = str(fill.fgColor.rgb)[-6:]
        return (int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16))

    @color.setter
    def color(self, color_or_rgb: tuple[int, int, int] | int | str | None) -> None:
        if color_or_rgb is None:
            fill = PatternFill(fill_type=None)
        else:
            if isinstance(color_or_rgb, tuple):
                hexa = "".join(f"{v:02X}" for v in color_or_rgb)
            else:
                hexa = str(color_or_rgb).lstrip("#").upper()
            fill = PatternFill("solid", fgColor=hexa)
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._cell(r, c).fill = fill

    @property
    def number_format(self) -> str:
        return str(self._cell(self.r1, self.c1).number_format)

    @number_format.setter
    def number_format(self, value: str) -> None:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._cell(r, c).number_format = value

    @property
    def note(self) -> Note | None:
        cell = self._single()
        return Note(cell) if cell.comment is not None else None

    def add_note(self, text: str) -> Note:
        cell = self._single()
        if cell.comment is not None:
            raise ValueError("This cell already has a note")
        cell.comment = Comment(text, "poam-xl")
        return Note(cell)

    def add_hyperlink(self, address: str, text_to_display: str | None = None,
                      screen_tip: str | None = None) -> None:
        cell = self._single()
        cell.value = text_to_display if text_to_display is not None else address
        if address.startswith("#"):
            cell.hyperlink = None
            cell.hyperlink = address
            cell.hyperlink.location, cell.hyperlink.target = address[1:], None
        else:
            cell.hyperlink = address

    # ---- sort: rows move with their values, formats, notes and links (as in Excel)
    def sort(self, keys: int | list[int], ascending: bool | list[bool] = True,
             has_headers: bool = False) -> None:
        keys = [keys] if isinstance(keys, int) else list(keys)
        asc = [ascending] * len(keys) if isinstance(ascending, bool) else list(ascending)
        first = self.r1 + (1 if has_headers else 0)
        cols = range(self.c1, self.c2 + 1)
        snap = []
        for r in range(first, self.r2 + 1):
            cells = [self._cell(r, c) for c in cols]
            snap.append([(x.value, x._style, x.comment, x.hyperlink) for x in cells])

        def key(row: list[tuple[Any, ...]]) -> tuple[Any, ...]:
            out = []
            for k, a in zip(keys, asc, strict=True):
                v = row[k - 1][0]
                blank = v is None
                num = v if isinstance(v, int | float) else 0
                out.append((blank, num if a else -num))
            return tuple(out)

        snap.sort(key=key)
        for i, row in enumerate(snap):
            for j, (v, style, comment, link) in enumerate(row):
                cell = self._cell(first + i, self.c1 + j)
                cell.value, cell._style = v, style
                cell.comment = comment
                cell.hyperlink = link
