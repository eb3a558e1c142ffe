"""Sheet grids: every worksheet's values as 2-D lists, loaded safely through python-calamine.

Each sheet part is tokenized (package.scan_sheets) before calamine allocates anything, so a
sheet whose cells reach XFD1048576 or hold a million rows is refused with a clear message
instead of aborting the process; error values and formulas without cached values, which
calamine reads as blanks, are put back into the grid as ``CellProblem`` markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import isolate, tableparts
from .errors import LimitExceededError, WorkbookError
from .package import READ_ONLY_KINDS, Budget, Limits, PackageInfo, count_parts, effective, scan_sheets
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
    from python_calamine import CalamineError, CalamineWorkbook  # lazy: keeps CLI start fast

    scans: dict[str, SheetScan] = {}
    budget = Budget(info, limits)
    if info.kind == "xlsx":
        count_parts(info, limits)
        scans = scan_sheets(info, limits, sheets)  # before calamine allocates anything
        budget.cells = sum(s.span for s in scans.values())
    try:
        if info.kind != "xlsx" or info.path.suffix.lower() in (".xlsx", ".xlsm", ".xltx", ".xltm"):
            wb = CalamineWorkbook.from_path(str(info.path))
        else:  # a workbook under another name (no extension): calamine goes by content
            with info.path.open("rb") as fh:
                wb = CalamineWorkbook.from_filelike(fh)
    except (CalamineError, ValueError, OSError) as exc:
        raise WorkbookError(_unreadable(info, exc), path=info.path) from None
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException(BaseException)
        if not _is_panic(exc):
            raise
        raise WorkbookError(_unreadable(info, exc), path=info.path) from None
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
            sh = wb.get_sheet_by_name(name)
        except BaseException as exc:  # chart sheets, corrupt sheet XML, a Rust panic
            if not isinstance(exc, Exception) and not _is_panic(exc):
                raise
            if "chart" in str(exc).lower():
                continue
            raise WorkbookError(f"sheet {name!r} is corrupt ({_short(exc)})", path=info.path) from None
        if name not in scans:  # no sheet XML scanned (.xls, .xlsb, .ods): calamine's extent
            scan = SheetScan(1, sh.height, 1, sh.width, sh.height * sh.width, sh.height)
            budget.add(name, scan)
        else:
            budget.actual(scan, sh.height * sh.width)
        try:
            rows = sh.to_python(skip_empty_area=True)
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
