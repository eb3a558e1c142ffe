"""Sheet grids: every worksheet's values as 2-D lists, loaded safely through python-calamine.

Each sheet part is pre-scanned (package.scan_sheet) before calamine allocates anything, so a
sheet that claims a million rows is refused with a clear message instead of aborting the
process; error values and formulas without cached values, which calamine reads as blanks,
are put back into the grid as ``CellProblem`` markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import tableparts
from .errors import LimitExceededError, WorkbookError
from .package import Limits, PackageInfo, SheetScan, scan_sheet
from .tableparts import TableDef


@dataclass
class Grid:
    """A sheet's values as a 2-D list, with the 1-based row/column of its top-left cell."""

    rows: list[list[Any]]
    row0: int = 1
    col0: int = 1
    state: str = "visible"
    problems: int = 0  # CellProblem markers placed in rows (error values, uncached formulas)
    # merged ranges as ((first row, first col), (last row, last col)), 1-based Excel numbers
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    tables: list[TableDef] = field(default_factory=list)  # the sheet's Excel Tables


@dataclass(frozen=True)
class CellProblem:
    """A cell calamine reads as blank: an Excel error value, or a formula with no cached value."""

    text: str  # '#N/A', or the formula without its '='
    kind: str = "error"  # "error" | "uncached"

    def __str__(self) -> str:
        return self.text if self.kind == "error" else "=" + self.text


UNCACHED = ("a value: formulas without cached values: open and save in Excel, or recalculate")


def load_grids(info: PackageInfo, limits: Limits = Limits(),
               sheets: Sequence[str] | None = None) -> dict[str, Grid]:
    """Every (or the named) worksheet's values through python-calamine."""
    from python_calamine import CalamineError, CalamineWorkbook  # lazy: keeps CLI start fast

    try:
        if info.path.suffix.lower() in (".xlsx", ".xlsm", ".xltx", ".xltm"):
            wb = CalamineWorkbook.from_path(str(info.path))
        else:  # a workbook under another name (.xls, no extension): calamine goes by content
            with info.path.open("rb") as fh:
                wb = CalamineWorkbook.from_filelike(fh)
    except (CalamineError, ValueError, OSError) as exc:
        raise WorkbookError(f"corrupt workbook ({_short(exc)})", path=info.path) from None
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException(BaseException)
        if not _is_panic(exc):
            raise
        raise WorkbookError(f"corrupt workbook (reader failed: {_short(exc)})",
                            path=info.path) from None
    grids: dict[str, Grid] = {}
    tables = tableparts.read(info.path, info.sheet_parts) if info.has_tables else {}
    states = {m.name: str(m.visible).split(".")[-1].lower() for m in wb.sheets_metadata}
    for name in wb.sheet_names:
        if sheets is not None and name not in sheets:
            continue
        part = info.sheet_parts.get(name)
        scan = scan_sheet(info, part, limits) if part else SheetScan()  # before calamine allocates
        try:
            sh = wb.get_sheet_by_name(name)
        except BaseException as exc:  # chart sheets, corrupt sheet XML, a Rust panic
            if not isinstance(exc, Exception) and not _is_panic(exc):
                raise
            if "chart" in str(exc).lower():
                continue
            raise WorkbookError(f"sheet {name!r} is corrupt ({_short(exc)})", path=info.path) from None
        if sh.height > limits.max_rows or sh.width > limits.max_columns:
            raise LimitExceededError(
                f"sheet {name!r} has {sh.height:,} rows x {sh.width:,} columns, over the limit of "
                f"{limits.max_rows:,} x {limits.max_columns:,} (raise it with --max-rows)",
                path=info.path)
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
        grids[name] = grid
    return grids


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
