"""A worksheet part tokenized before python-calamine sees it: the true extent of its cells.

``scan_part`` streams one sheet part through expat (namespace-aware, no DTDs, no entities,
bounded memory: the parser keeps one cell's state at a time) and finds what calamine will
allocate and what it reads as blank:

- the extent of the cells that hold content (a value ``<v>``, an inline string ``<is>`` or a
  formula ``<f>``): rows and columns, first and last, as calamine places them — by the cell's
  ``r`` (letters in any case), else one past the previous cell, and rows without ``r`` one past
  the previous row. Elements are matched by local name in any namespace (``<x:row>``, Strict
  OOXML), as calamine matches them; attributes only unprefixed (``r``, ``t``), in either
  quote style and any order;
- rows with content (empty ``<row>`` elements and styled empty cells, as LibreOffice writes
  down to row 1,048,576, count for nothing);
- error cells (``t="e"``) with their text and formulas without a cached value;
- cells whose XML spans more bytes than Excel's 32,767-character cell limit (candidates for
  the over-long-text check once the values are read).

Malformed XML, a DTD or an entity, and a bad cell reference are refused with a WorkbookError.
"""

from __future__ import annotations

import pyexpat
import re
from dataclasses import dataclass, field
from typing import IO, Any

from .errors import WorkbookError
from .sheetbytes import MAX_TEXT, column_number, shared_formula

MAX_PROBLEMS = 100_000  # error/uncached cells kept per workbook: more is refused
_REF = re.compile(r"([A-Za-z]{1,4})([0-9]{1,8})")
_CHUNK = 1024**2


@dataclass
class SheetScan:
    """What the tokenizer found in one sheet part (1-based rows and columns; 0 = no content)."""

    first_row: int = 0
    last_row: int = 0
    first_col: int = 0
    last_col: int = 0
    cells: int = 0  # cells with content
    content_rows: int = 0  # rows holding at least one cell with content
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> '#N/A'
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> formula
    # (row, col, size) of cells over 32,767 characters (size: characters, or the cell's XML
    # bytes when tokenized, a close upper bound); calamine itself cuts such text at 32,767
    long_cells: list[tuple[int, int, int]] = field(default_factory=list)
    namespace: str = ""  # of the root element
    exact: bool = True  # False for quick_bound's upper bound of the extent

    @property
    def rows(self) -> int:
        """Highest row with content (kept for callers of the old byte scan)."""
        return self.last_row

    @property
    def columns(self) -> int:
        return self.last_col

    @property
    def span(self) -> int:
        """Cells of the grid calamine allocates: the rectangle around every cell with content."""
        if not self.cells:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)


class _Full(Exception):
    """More rows with content than the limit: the scan stops there."""


class _Refused(Exception):
    """Raised inside an expat handler; turned into a WorkbookError naming the part."""


def scan_part(fh: IO[bytes], part: str, *, path: Any = None, problems: int = 0,
              max_rows: int | None = None) -> SheetScan:
    """Tokenize the sheet part read from ``fh``; ``problems`` = error/uncached cells already
    found in other sheets of the workbook (the MAX_PROBLEMS budget is workbook-wide). The scan
    stops as soon as more than ``max_rows`` rows hold content (the count is then max_rows + 1)."""
    scan = SheetScan()
    parser = _parser()
    parser.ordered_attributes = True
    st = _State(scan, parser, problems, max_rows or 10**9)
    parser.StartElementHandler = st.start
    try:
        _feed(parser, fh, part, path)
    except _Full:
        return scan
    st.flush()
    return scan


def _parser() -> Any:
    """An expat parser, namespace-aware, that refuses any DTD or entity declaration."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    return parser


def _feed(parser: Any, fh: IO[bytes], part: str, path: Any) -> None:
    """Stream ``fh`` through ``parser`` in 1 MB chunks; WorkbookError naming the part."""
    try:
        while chunk := fh.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused as exc:
        raise WorkbookError(f"{exc} in part {part}", path=path) from None
    except pyexpat.ExpatError as exc:
        raise WorkbookError(f"corrupt XML in part {part} ({pyexpat.errors.messages[exc.code]}, "
                            f"line {exc.lineno})", path=path) from None


def _refuse_dtd(*_: Any) -> Any:
    raise _Refused("unsafe XML: DOCTYPE/ENTITY declarations (entity bomb or external entity) "
                   "are refused")


class _State:
    """The tokenizer's state: the current row and cell only (memory does not grow)."""

    def __init__(self, scan: SheetScan, parser: Any, problems: int, max_rows: int) -> None:
        self.scan, self.parser, self.problems, self.max_rows = scan, parser, problems, max_rows
        self.row = 0  # current row number (1-based)
        self.col = 0  # column of the previous cell in this row
        self.cell: tuple[int, int] | None = None  # the current cell, until it has content
        self.counted_row = 0  # last row counted in content_rows
        self.kind = ""  # "e" (error cell) or "formula": the current cell's end is needed
        self.t: str | None = None  # the current cell's t attribute
        self.text: list[str] = []  # text of the current <v>/<f> when collected
        self.formula: str | None = None
        self.shared_si: str | None = None  # si of the current cell's shared formula
        self.shared: dict[str, tuple[tuple[int, int], str]] = {}  # si -> (master cell, text)
        self.value = ""
        self.mark = -1  # byte offset of the current cell's start
        self.mark_cell: tuple[int, int] | None = None
        self.root = True

    # -------------------------------------------------------------- handlers
    def start(self, name: str, attrs: list[str]) -> None:
        local = name[name.rfind(" ") + 1:]
        if local == "c":
            self._cell(attrs)
        elif local in ("v", "is", "f"):
            if self.cell is not None:
                self._content(self.cell)
            if local == "f" and self.t != "str" and not self.kind:
                self.kind = "formula"
                self.shared_si = _attr(attrs, "si") if _attr(attrs, "t") == "shared" else None
            if self.kind and local != "is":
                self.text = []
                self.parser.CharacterDataHandler = self.text.append
                self.parser.EndElementHandler = self.end
        elif local == "row":
            self._end_cell()
            r = _attr(attrs, "r")
            if r is None:
                self.row += 1
            elif r.isdigit() and 0 < int(r) <= 10**8:
                self.row = int(r)
            else:
                raise _Refused(f"bad row number {r[:20]!r}")
            self.col = 0
        elif self.root:
            self.root = False
            self.scan.namespace = name.rpartition(" ")[0]

    def end(self, name: str) -> None:
        local = name[name.rfind(" ") + 1:]
        if local == "f":
            self.formula = "".join(self.text)
        elif local == "v":
            self.value = "".join(self.text)
        elif local == "c":
            self._end_cell()
            return
        self.parser.CharacterDataHandler = None

    # -------------------------------------------------------------- cells
    def _cell(self, attrs: list[str]) -> None:
        self._end_cell()
        ref = _attr(attrs, "r")
        if ref is None:
            row, col = self.row, self.col + 1
        else:
            m = _REF.fullmatch(ref)
            if m is None or m.group(2).startswith("0"):
                raise _Refused(f"bad cell reference {ref[:20]!r}")
            row, col = int(m.group(2)), column_number(m.group(1))
        self.col = col
        self.cell = (row, col)
        offset = self.parser.CurrentByteIndex
        if self.mark >= 0 and offset - self.mark > MAX_TEXT and self.mark_cell is not None:
            self.scan.long_cells.append((*self.mark_cell, offset - self.mark))
        self.mark, self.mark_cell = offset, (row, col)
        self.t = _attr(attrs, "t")
        if self.t == "e":
            self.kind = "e"
            self.formula, self.value = None, ""

    def _content(self, rc: tuple[int, int]) -> None:
        s = self.scan
        row, col = rc
        if not s.cells:
            s.first_row = s.last_row = row
            s.first_col = s.last_col = col
        else:
            s.first_row, s.last_row = min(s.first_row, row), max(s.last_row, row)
            s.first_col, s.last_col = min(s.first_col, col), max(s.last_col, col)
        s.cells += 1
        if row != self.counted_row:
            s.content_rows += 1
            self.counted_row = row
            if s.content_rows > self.max_rows:
                raise _Full
        self.cell = None

    def _end_cell(self) -> None:
        self.cell = None
        if not self.kind:
            return
        rc = self.mark_cell
        if rc is not None and self.kind == "e" and self.value:
            self._problem(self.scan.errors, rc, self.value[:40])
        elif rc is not None and self.kind == "formula" and self.formula is not None:
            if self.shared_si is not None:
                self.formula = shared_formula(self.shared, self.shared_si, rc, self.formula)
            if not self.value:
                self._problem(self.scan.uncached, rc, self.formula)
        self.kind = ""
        self.formula, self.value, self.shared_si = None, "", None
        self.parser.EndElementHandler = None
        self.parser.CharacterDataHandler = None

    def _problem(self, into: dict[tuple[int, int], str], rc: tuple[int, int], text: str) -> None:
        self.problems += 1
        if self.problems > MAX_PROBLEMS:
            raise _Refused(f"more than {MAX_PROBLEMS:,} error values or formulas without cached "
                           "values: refused")
        into[rc] = text

    def flush(self) -> None:
        self._end_cell()
        # the last cell of the part: its span runs to the end of the document
        if self.mark >= 0 and self.mark_cell is not None and \
                self.parser.CurrentByteIndex - self.mark > MAX_TEXT:
            self.scan.long_cells.append((*self.mark_cell, self.parser.CurrentByteIndex - self.mark))


def _attr(attrs: list[str], key: str) -> str | None:
    """An unprefixed attribute's value from expat's ordered [name, value, ...] list."""
    for i in range(0, len(attrs), 2):
        if attrs[i] == key:
            return attrs[i + 1]
    return None


def count_elements(fh: IO[bytes], part: str, local: str, *, path: Any = None
                   ) -> tuple[int, list[int]]:
    """How many ``local`` elements a part holds (shared strings ``si``, styles ``xf``), and the
    indexes of those spanning more than 32,767 bytes; one streaming pass, no DTDs."""
    parser = _parser()
    state = {"n": 0, "mark": -1}
    long: list[int] = []

    def start(name: str, _attrs: Any) -> None:
        if name == local or name.endswith(" " + local):
            offset = parser.CurrentByteIndex
            if state["mark"] >= 0 and offset - state["mark"] > MAX_TEXT:
                long.append(state["n"] - 1)
            state["n"] += 1
            state["mark"] = offset

    parser.StartElementHandler = start
    _feed(parser, fh, part, path)
    if state["mark"] >= 0 and parser.CurrentByteIndex - state["mark"] > MAX_TEXT:
        long.append(state["n"] - 1)
    return state["n"], long
