"""Sheet grids: every worksheet's values as 2-D lists, loaded safely through python-calamine.

Each sheet part is tokenized (package.scan_sheets) before calamine allocates anything, so a
sheet whose cells reach XFD1048576 or hold a million rows is refused with a clear message
instead of aborting the process; error values and formulas without cached values, which
calamine reads as blanks, are put back into the grid as ``CellProblem`` markers.

A workbook with two or more big sheets (parts of 1 MiB or more, 64 MiB at most together) on a
machine with two or more cores has its sheets parsed in two worker threads, each sheet as soon
as its scan passed, while the next sheet is scanned (calamine parses without holding the GIL);
the result is the same either way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import isolate, tableparts
from .errors import LimitExceededError, WorkbookError
from .package import READ_ONLY_KINDS, Budget, Limits, PackageInfo, count_parts, effective, iter_scans
from .sheetscan import MAX_TEXT, SheetScan
from .tableparts import TableDef


@dataclass
class Grid:
    """A sheet's values as a 2-D list, with the 1-based row/column of its top-left cell."""

    rows: list[list[Any]]
    row0: int = 1
    col0: int = 1
    state: str = "visible"
    problems: int = 0  # CellProblem markers placed in rows (error values, uncached formulas)
    long_text: list[tuple[int, int, int]] = field(default_factory=list)  # (row, col, length)
    # merged ranges as ((first row, first col), (last row, last col)), 1-based Excel numbers
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    tables: list[TableDef] = field(default_factory=list)  # the sheet's Excel Tables
    # memo of layout discovery: column offset -> index in ``rows`` of its last filled cell (-1)
    last_filled: dict[int, int] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class CellProblem:
    """A cell calamine reads as blank: an Excel error value, or a formula with no cached value."""

    text: str  # '#N/A', or the formula without its '='
    kind: str = "error"  # "error" | "uncached"

    def __str__(self) -> str:
        return self.text if self.kind == "error" else "=" + self.text


UNCACHED = ("a value: formulas without cached values: open and save in Excel, or recalculate")
TOO_LONG = "text of at most 32,767 characters (Excel's limit for a cell)"


def load_grids(info: PackageInfo, limits: Limits = Limits(),
               sheets: Sequence[str] | None = None) -> dict[str, Grid]:
    """Every (or the named) worksheet's values through python-calamine, in a capped child
    process when isolation is on (``isolate``: the CLI's verbs), else in this process.

    OOXML sheets are tokenized first (package.scan_sheets: true extent, workbook-wide
    budgets) so calamine never allocates a grid past the limits; .xls/.xlsb/.ods (no sheet XML
    to scan) are checked against the same limits as soon as calamine has them. Raises
    WorkbookError (corrupt, a sheet calamine cannot read) or LimitExceededError.
    """
    return isolate.maybe(_load, info, effective(limits), sheets, path=info.path)


def _load(info: PackageInfo, limits: Limits, sheets: Sequence[str] | None) -> dict[str, Grid]:
    from python_calamine import CalamineError  # lazy: keeps CLI start fast

    scans: dict[str, SheetScan] = {}
    budget = Budget(info, limits)
    with _parse_pool(info, sheets) as pool:
        if info.kind == "xlsx":
            count_parts(info, limits)
            # each sheet is scanned before calamine allocates anything for it; with a pool, a
            # scanned sheet is parsed in a worker thread while the next one is scanned
            for name, scan in iter_scans(info, budget, sheets):
                scans[name] = scan
                pool.submit(name)
        try:
            wb = _open(info)
        except (CalamineError, ValueError, OSError) as exc:
            raise WorkbookError(_unreadable(info, exc), path=info.path) from None
        except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException
            if not _is_panic(exc):
                raise
            raise WorkbookError(_unreadable(info, exc), path=info.path) from None
        return _grids(info, limits, sheets, wb, scans, budget, pool)


def _open(info: PackageInfo) -> Any:
    from python_calamine import CalamineWorkbook

    name = str(info.path)
    if (info.kind != "xlsx" or info.path.suffix.lower() in _BOOK_SUFFIXES) and _utf8(name):
        return CalamineWorkbook.from_path(name)
    with info.path.open("rb") as fh:  # a workbook under another name: calamine goes by content
        return CalamineWorkbook.from_filelike(fh)


def _utf8(name: str) -> bool:
    """False for a file name that is not UTF-8 (its bytes kept as surrogates): calamine takes
    a file object for it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
PARALLEL_PART_BYTES = 1024**2  # two sheet parts this big or bigger: parsed in two threads
# ... unless together they are bigger than this: two sheets parsed at once hold two calamine
# grids at once (+70 MB at 100,000 items and 300,000 milestones); memory comes first there
PARALLEL_MAX_BYTES = 64 * 1024**2


class _ParsePool:
    """Sheets parsed by python-calamine in two worker threads (calamine releases the GIL while
    it parses), each with its own workbook handle (one handle cannot parse two sheets at once).
    Used for a workbook with two or more big sheets on a machine with two or more cores;
    otherwise ``submit`` does nothing and ``sheet`` parses in the calling thread."""

    def __init__(self, info: PackageInfo, threads: int) -> None:
        self.info = info
        self.futures: dict[str, Future[Any]] = {}
        self.local = threading.local()
        self.executor = (ThreadPoolExecutor(threads, thread_name_prefix="poam-xl-sheet")
                         if threads > 1 else None)

    def __enter__(self) -> _ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, name: str) -> None:
        if self.executor is not None:
            self.futures[name] = self.executor.submit(self._parse, name)

    def _parse(self, name: str) -> tuple[Any, list[list[Any]] | BaseException]:
        wb = getattr(self.local, "wb", None)
        if wb is None:
            wb = self.local.wb = _open(self.info)
        sh = wb.get_sheet_by_name(name)
        try:  # the rows too: a sheet parsed early has them built while another one parses
            return sh, sh.to_python(skip_empty_area=True)
        except BaseException as exc:  # reported by _grids, in the calling thread
            return sh, exc

    def sheet(self, wb: Any, name: str) -> tuple[Any, list[list[Any]] | BaseException | None]:
        """The parsed sheet ``name`` and its rows (None: not built yet; the exception
        ``to_python`` raised); raises what calamine raised on parsing, in this thread."""
        future = self.futures.pop(name, None)
        return (wb.get_sheet_by_name(name), None) if future is None else future.result()


def _parse_pool(info: PackageInfo, sheets: Sequence[str] | None) -> _ParsePool:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    big = [size for n, part in info.sheet_parts.items()
           if (sheets is None or n in sheets)
           and (size := info.part_sizes.get(part, 0)) >= PARALLEL_PART_BYTES]
    worth = (info.kind == "xlsx" and info.path.suffix.lower() in _BOOK_SUFFIXES and len(big) >= 2
             and sum(big) <= PARALLEL_MAX_BYTES and (cores or 1) >= 2)
    return _ParsePool(info, 2 if worth else 1)


def _grids(info: PackageInfo, limits: Limits, sheets: Sequence[str] | None, wb: Any,
           scans: dict[str, SheetScan], budget: Budget, pool: _ParsePool) -> dict[str, Grid]:
    """Every wanted sheet of the open workbook as a Grid, its budget checked (see _load)."""
    grids: dict[str, Grid] = {}
    tables = tableparts.read(info.path, info.sheet_parts) if info.has_tables else {}
    states = {m.name: str(m.visible).split(".")[-1].lower() for m in wb.sheets_metadata}
    if info.kind != "xlsx" and len(wb.sheet_names) > limits.max_sheets:
        raise LimitExceededError(f"has {len(wb.sheet_names):,} sheets, over the limit of "
                                 f"{limits.max_sheets:,}: refused (raise it with --max-sheets)",
                                 path=info.path)
    for name in wb.sheet_names:
        if sheets is not None and name not in sheets:
            continue
        scan = scans.get(name, SheetScan())
        try:
            sh, rows = pool.sheet(wb, name)
        except BaseException as exc:  # chart sheets, corrupt sheet XML, a Rust panic
            if not isinstance(exc, Exception) and not _is_panic(exc):
                raise
            if "chart" in str(exc).lower():
                continue
            if (cap := isolate.near_cap()) is not None:
                raise LimitExceededError(f"out of memory reading sheet {name!r} (capped at {cap} MB):"
                                         " refused (raise it with --memory-mb)", path=info.path) from None
            raise WorkbookError(f"sheet {name!r} is corrupt ({_short(exc)})", path=info.path) from None
        if name not in scans:  # no sheet XML scanned (.xls, .xlsb, .ods): calamine's extent
            scan = SheetScan(1, sh.height, 1, sh.width, sh.height * sh.width, sh.height)
            budget.add(name, scan)
        else:
            budget.actual(scan, sh.height * sh.width)
        try:
            if rows is None:
                rows = sh.to_python(skip_empty_area=True)
            elif isinstance(rows, BaseException):
                raise rows
        except BaseException as exc:  # a Rust panic: e.g. 1e30 in a date-formatted cell
            if not isinstance(exc, Exception) and not _is_panic(exc):
                raise
            raise WorkbookError(f"sheet {name!r} could not be read ({_short(exc)}; a number far "
                                "outside the date range in a date-formatted cell does this)",
                                path=info.path) from None
        state = states.get(name, "visible")
        state = {"veryhidden": "veryHidden"}.get(state, state)
        start = sh.start or (0, 0)  # None for a sheet without cells
        grid = Grid(rows if sh.start else [], start[0] + 1, start[1] + 1, state,
                    merges=[((a + 1, b + 1), (c + 1, d + 1))
                            for (a, b), (c, d) in (sh.merged_cell_ranges or [])],
                    tables=tables.get(name, []))
        _mark_problems(grid, scan)
        grid.long_text = _long_text(grid, scan, info)
        grids[name] = grid
    return grids


def _unreadable(info: PackageInfo, exc: BaseException) -> str:
    if info.kind in READ_ONLY_KINDS:
        return (f"{READ_ONLY_KINDS[info.kind]} workbook could not be read ({_short(exc)}): open it "
                "in Excel or LibreOffice and Save As .xlsx")
    return f"corrupt workbook ({_short(exc)})"


def _long_text(grid: Grid, scan: SheetScan, info: PackageInfo) -> list[tuple[int, int, int]]:
    """(row, column, characters) of text cells over Excel's 32,767 characters. python-calamine
    cuts such text at 32,767, so the sheet scan finds them (inline strings); a grid value of
    exactly 32,767 characters from a long shared string or a non-XML format is reported too."""
    found = {(r, c): n for r, c, n in scan.long_cells}
    if info.long_strings or info.kind != "xlsx":
        for i, row in enumerate(grid.rows):
            for j, v in enumerate(row):
                if type(v) is str and len(v) >= MAX_TEXT:
                    found.setdefault((grid.row0 + i, grid.col0 + j), len(v) + 1)
    return [(r, c, n) for (r, c), n in sorted(found.items()) if n > MAX_TEXT]


def _mark_problems(grid: Grid, scan: SheetScan) -> None:
    """Put error values and uncached formulas (calamine reads both as blank) into the grid."""
    cells = [(rc, CellProblem(t, "error")) for rc, t in scan.errors.items()]
    cells += [(rc, CellProblem(f, "uncached")) for rc, f in scan.uncached.items()]
    for (r, c), problem in cells:
        i, j = r - grid.row0, c - grid.col0
        if i < 0 or j < 0:
            continue
        while len(grid.rows) <= i:
            grid.rows.append([])
        row = grid.rows[i]
        if len(row) <= j:
            row.extend([None] * (j + 1 - len(row)))
        row[j] = problem
        grid.problems += 1


def _is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


# ---------------------------------------------------------------- grid -> Poam
