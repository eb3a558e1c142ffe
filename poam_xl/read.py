"""Workbook -> Poam: header block, items and milestones as DataFrames, policy, cell addresses.

Tables are found by header text (model aliases), not fixed addresses: moved or shuffled
columns, extra columns, a title row above, blank rows inside all work. The DataFrame index
is the Excel row number and ``TableData.letters`` maps each column to its letter, so every
value's ``Sheet!Cell`` falls out without a parallel lookup.

Files are read with python-calamine (values only, fast); ``read_grid`` takes the same
inputs as plain 2-D lists so the Excel buttons (xlwings) share this code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from . import dates, model, policy
from .errors import (EncryptedWorkbookError, LimitExceededError, PoamXlError, TemplateError,
                     WorkbookError)
from .package import Limits, PackageInfo, SheetScan, inspect, scan_sheet

HEADER_SCAN_ROWS = 40  # a table's header row must sit within the sheet's first rows


@dataclass
class Grid:
    """A sheet's values as a 2-D list, with the 1-based row/column of its top-left cell."""

    rows: list[list[Any]]
    row0: int = 1
    col0: int = 1
    state: str = "visible"
    problems: int = 0  # CellProblem markers placed in rows (error values, uncached formulas)


@dataclass(frozen=True)
class CellProblem:
    """A cell calamine reads as blank: an Excel error value, or a formula with no cached value."""

    text: str  # '#N/A', or the formula without its '='
    kind: str = "error"  # "error" | "uncached"

    def __str__(self) -> str:
        return self.text if self.kind == "error" else "=" + self.text


UNCACHED = ("a value: formulas without cached values: open and save in Excel, or recalculate")


@dataclass
class Invalid:
    """A value present in a cell that could not be read as its column's type."""

    table: str  # "items" | "milestones" | "header" | "policy"
    key: str
    sheet: str
    cell: str
    value: Any
    expected: str


@dataclass
class TableData:
    frame: pd.DataFrame  # one column per model key (absent ones all-missing); index = Excel row
    sheet: str
    header_row: int
    letters: dict[str, str]  # key -> column letter, for the columns found
    missing: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)  # header, letters
    extra: dict[str, str] = field(default_factory=dict)  # unknown header -> letter
    raw: pd.DataFrame | None = None  # cell values as read, same shape as frame
    # for tables gathered from several sheets: frame index -> (sheet, Excel row)
    locate: Callable[[int], tuple[str, int]] | None = None

    def cell(self, key: str, row: int) -> str:
        letter = self.letters.get(key)
        return f"{letter}{row}" if letter else f"{self.header_row}:{row}"


@dataclass
class Poam:
    header: dict[str, Any]
    header_cells: dict[str, str]  # key -> cell on the items sheet
    items: TableData
    milestones: TableData | None
    policy: policy.Policy
    source: str | None = None
    date1904: bool = False
    layout: model.Layout = model.DSS
    sheet_states: dict[str, str] = field(default_factory=dict)
    invalid: list[Invalid] = field(default_factory=list)
    policy_cells: dict[str, str] = field(default_factory=dict)
    policy_found: bool = False


def read(path: str | Path, *, layout: model.Layout = model.DSS, limits: Limits = Limits(),
         password: str | None = None) -> Poam:
    """Read a POA&M workbook (.xlsx/.xlsm). Raises WorkbookError/TemplateError on failure."""
    p = Path(path)
    if password is not None:
        from .crypto import decrypted_copy

        try:
            inspect(p, limits)  # size, existence and format checks before decrypting anything
        except EncryptedWorkbookError:
            pass
        with decrypted_copy(p, password) as plain:
            try:
                poam = read(plain, layout=layout, limits=limits)
            except PoamXlError as exc:  # name the user's file, not the temporary copy
                raise type(exc)(exc.reason, path=str(p), cell=exc.cell) from None
            poam.source = str(p)
            return poam
    info = inspect(p, limits)
    grids = load_grids(info, limits)
    return read_grid(grids, date1904=info.date1904, source=str(p), layout=layout)


def load_grids(info: PackageInfo, limits: Limits = Limits(),
               sheets: Sequence[str] | None = None) -> dict[str, Grid]:
    """Every (or the named) worksheet's values through python-calamine."""
    from python_calamine import CalamineError, CalamineWorkbook  # lazy: keeps CLI start fast

    try:
        wb = CalamineWorkbook.from_path(str(info.path))
    except (CalamineError, ValueError, OSError) as exc:
        raise WorkbookError(f"corrupt workbook ({_short(exc)})", path=info.path) from None
    except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException(BaseException)
        if not _is_panic(exc):
            raise
        raise WorkbookError(f"corrupt workbook (reader failed: {_short(exc)})",
                            path=info.path) from None
    grids: dict[str, Grid] = {}
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
        rows = sh.to_python(skip_empty_area=True)
        state = states.get(name, "visible")
        state = {"veryhidden": "veryHidden"}.get(state, state)
        start = sh.start or (0, 0)  # None for a sheet without cells
        grid = Grid(rows if sh.start else [], start[0] + 1, start[1] + 1, state)
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
def read_grid(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None,
              layout: model.Layout = model.DSS) -> Poam:
    """Build a Poam from sheet grids (the path reader and the xlwings buttons both land here)."""
    invalid: list[Invalid] = []
    items_sheet, header_row = find_table(grids, layout.items, source)
    items = _table(grids[items_sheet], items_sheet, header_row, layout.items, date1904, "items",
                   invalid)
    milestones = None
    if layout.milestones is not None:
        try:
            ms_sheet, ms_row = find_table(grids, layout.milestones, source, exclude=items_sheet)
            milestones = _table(grids[ms_sheet], ms_sheet, ms_row, layout.milestones, date1904,
                                "milestones", invalid)
        except TemplateError:
            milestones = None
    header, header_cells = _header_block(grids[items_sheet], items_sheet, header_row,
                                         layout.header_fields, date1904, invalid)
    pol, pol_cells, found = _policy(grids, date1904, invalid)
    return Poam(header=header, header_cells=header_cells, items=items, milestones=milestones,
                policy=pol, source=source, date1904=date1904, layout=layout,
                sheet_states={n: g.state for n, g in grids.items()}, invalid=invalid,
                policy_cells=pol_cells, policy_found=found)


def _row_score(row: list[Any], names: dict[str, str], keys: set[str]) -> tuple[int, int]:
    found = {names[n] for v in row if isinstance(v, str) and (n := model.normalise_header(v)) in names}
    return len(found & keys), len(found)


def find_table(grids: dict[str, Grid], table: model.Table, source: str | None = None,
               exclude: str | None = None) -> tuple[str, int]:
    """(sheet name, 1-based header row) of the table, found by header texts."""
    names = _name_index(table)
    keys = set(table.key_columns)
    preferred = {model.normalise_header(n) for n in (table.sheet, *table.sheet_aliases)}
    best: tuple[tuple[int, int, int], str, int] | None = None
    for sheet, grid in grids.items():
        if sheet == exclude:
            continue
        bonus = 1 if model.normalise_header(sheet) in preferred else 0
        for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            k, n = _row_score(row, names, keys)
            if k >= max(2, len(keys) - 1) and n >= 3:
                score = (k, bonus, n)
                if best is None or score > best[0]:
                    best = (score, sheet, grid.row0 + i)
    if best is None:
        wanted = ", ".join(table.column(k).header for k in table.key_columns)
        raise TemplateError(f"no {table.sheet} table found: no row in the first {HEADER_SCAN_ROWS} "
                            f"rows of any sheet has the headers {wanted}", path=source)
    return best[1], best[2]


def _name_index(table: model.Table) -> dict[str, str]:
    index: dict[str, str] = {}
    for col in table.columns:
        for n in col.names():
            index.setdefault(n, col.key)
    for combined, _parts in model.COMBINED_HEADERS.items():
        index.setdefault(combined, combined)
    return index


def _table(grid: Grid, sheet: str, header_row: int, table: model.Table, date1904: bool,
           label: str, invalid: list[Invalid]) -> TableData:
    names = _name_index(table)
    hdr = grid.rows[header_row - grid.row0]
    positions: dict[str, int] = {}
    seen: dict[str, list[str]] = {}
    extra: dict[str, str] = {}
    for j, v in enumerate(hdr):
        if v is None or str(v).strip() == "":
            continue
        letter = get_column_letter(grid.col0 + j)
        key = names.get(model.normalise_header(v)) if isinstance(v, str) else None
        if key is None:
            extra[str(v).strip()] = letter
            continue
        seen.setdefault(key, []).append(letter)
        positions.setdefault(key, j)
    duplicates = [(_header_of(table, k), ls) for k, ls in seen.items() if len(ls) > 1]
    body = grid.rows[header_row - grid.row0 + 1:]
    first_row = header_row + 1
    used = sorted(positions.values())
    columns = _columns(body, used)  # one transpose, then whole columns at a time
    keep = _kept_rows(columns, len(body))
    index = pd.Index([first_row + i for i in keep], name="row")
    data: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    letters: dict[str, str] = {}
    for col in table.columns:
        if col.key not in positions:
            data[col.key] = pd.Series([None] * len(keep), index=index, dtype=object)
            continue
        j = positions[col.key]
        letters[col.key] = get_column_letter(grid.col0 + j)
        full = columns[j]
        values = full if len(keep) == len(body) else [full[i] for i in keep]
        if grid.problems:
            values = list(values)
            _take_problems(values, index, col, label, sheet, letters[col.key], invalid)
        raw[col.key] = pd.Series(values, index=index, dtype=object)
        data[col.key] = _convert(col, values, index, date1904, label, sheet, letters[col.key],
                                 invalid)
    for combined, (word_key, date_key) in model.COMBINED_HEADERS.items():
        if combined in positions and word_key not in positions:
            j = positions[combined]
            letters[word_key] = letters[date_key] = get_column_letter(grid.col0 + j)
            values = [columns[j][i] for i in keep]
            words, days = _split_word_date(values, table.column(word_key).allowed, date1904)
            data[word_key] = pd.Series(words, index=index, dtype=object)
            data[date_key] = pd.Series(days, index=index, dtype="datetime64[ns]")
    missing = [c.key for c in table.columns if c.key not in letters and not c.derived]
    frame = pd.DataFrame(data, index=index)
    return TableData(frame=frame, sheet=sheet, header_row=header_row, letters=letters,
                     missing=missing, duplicates=duplicates, extra=extra,
                     raw=pd.DataFrame(raw, index=index))


def _columns(body: list[list[Any]], used: list[int]) -> dict[int, list[Any]]:
    """The used columns of the body rows as lists (ragged rows padded with None)."""
    width = max(used, default=-1) + 1
    if not body or not width:
        return {j: [] for j in used}
    if all(len(r) >= width for r in body):
        cols = list(zip(*body, strict=False))
    else:
        cols = list(zip(*[list(r) + [None] * (width - len(r)) for r in body], strict=False))
    return {j: list(cols[j]) for j in used}


def _kept_rows(columns: dict[int, list[Any]], n: int) -> list[int]:
    """Rows with at least one non-blank cell in a known column (blank rows inside are skipped)."""
    filled = np.zeros(n, dtype=bool)
    for values in columns.values():
        arr = np.array(values, dtype=object)
        filled |= (arr != None) & (arr != "")  # noqa: E711  (elementwise on an object array)
    rows = np.flatnonzero(filled)
    return [int(i) for i in rows if any(_filled(c[i]) for c in columns.values())]


_EXPECTED = {"date": "a date", "int": "a whole number", "number": "a number"}


def _take_problems(values: list[Any], index: pd.Index, col: model.Column, label: str, sheet: str,
                   letter: str, invalid: list[Invalid]) -> None:
    """Error values and uncached formulas become Invalid records and blanks, in place."""
    for i, v in enumerate(values):
        if isinstance(v, CellProblem):
            expected = _EXPECTED.get(col.kind, "a value") if v.kind == "error" else UNCACHED
            invalid.append(Invalid(label, col.key, sheet, f"{letter}{index[i]}", str(v), expected))
            values[i] = None


def _header_of(table: model.Table, key: str) -> str:
    try:
        return table.column(key).header
    except KeyError:
        return key


def _filled(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def _convert(col: model.Column, values: list[Any], index: pd.Index, date1904: bool, label: str,
             sheet: str, letter: str, invalid: list[Invalid]) -> pd.Series:
    def bad(i: int, expected: str) -> None:
        invalid.append(Invalid(label, col.key, sheet, f"{letter}{index[i]}", values[i], expected))

    if col.kind == "date":
        series, bad_pos = _dates(values, date1904)
        for i in bad_pos:
            bad(i, "a date")
        series.index = index
        return series
    if col.kind in ("int", "number"):
        out: list[Any] = []
        for i, v in enumerate(values):
            if type(v) is float and col.kind == "int" and v.is_integer() and abs(v) <= 2**53:
                out.append(int(v))  # the common case, without the general path
                continue
            num = _number(v)
            if num is None and _filled(v):
                bad(i, "a whole number" if col.kind == "int" else "a number")
            elif num is not None and col.kind == "int" and (
                    abs(num) > 2**53 or num != int(num)):  # past 2**53: not exact, not int64
                bad(i, "a whole number")
                num = None
            out.append(None if num is None else (int(num) if col.kind == "int" else num))
        return pd.Series(out, index=index, dtype="Int64" if col.kind == "int" else "Float64")
    return pd.Series([(v.strip() or None) if type(v) is str else _text(v) for v in values],
                     index=index, dtype=object)


def _dates(values: list[Any], date1904: bool) -> tuple[pd.Series, list[int]]:
    """dates.column_to_dates, with years pandas cannot hold (after 2262: '9999-12-31') as BAD."""
    try:
        return dates.column_to_dates(values, date1904)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        pass
    kept: list[Any] = []
    out_of_range: list[int] = []
    for i, v in enumerate(values):
        try:
            dates.column_to_dates([v], date1904)
            kept.append(v)
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            kept.append(None)
            out_of_range.append(i)
    series, bad = dates.column_to_dates(kept, date1904)
    return series, sorted(bad + out_of_range)


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        return float(v) if v == v else None
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        try:
            return float(s) if s else None
        except ValueError:
            return None
    return None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        return s or None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10]
    return str(v)


def _split_word_date(values: list[Any], allowed: tuple[str, ...], date1904: bool
                     ) -> tuple[list[str | None], list[dt.date | None]]:
    """'Closed 03/01/2024' -> ('Closed', 2024-03-01); a bare date or word fills one side."""
    words: list[str | None] = []
    days: list[dt.date | None] = []
    for v in values:
        d = dates.to_date(v, date1904) if not isinstance(v, str) else dates.find_date_in_text(v)
        word = None
        if isinstance(v, str):
            for a in allowed:
                if a.lower() in v.lower():
                    word = a
                    break
        words.append(word)
        days.append(d if isinstance(d, dt.date) else None)
    return words, days


# ---------------------------------------------------------------- header block, policy
def _header_block(grid: Grid, sheet: str, header_row: int, fields: tuple[model.HeaderField, ...],
                  date1904: bool, invalid: list[Invalid]) -> tuple[dict[str, Any], dict[str, str]]:
    index = {n: f for f in fields for n in f.names()}
    header: dict[str, Any] = {f.key: None for f in fields}
    cells: dict[str, str] = {}
    for i, row in enumerate(grid.rows[: header_row - grid.row0]):
        for j, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            label, _, inline = v.partition(":")
            f = index.get(model.normalise_header(label))
            if f is None or f.key in cells:
                continue
            value: Any = inline.strip() or None
            vj = j
            if value is None:
                for k in range(j + 1, min(len(row), j + 6)):
                    if isinstance(row[k], str) and (index.get(model.normalise_header(row[k]))
                                                    or row[k].rstrip().endswith(":")):
                        break  # another label ("Security Costs:"), not this label's value
                    if _filled(row[k]):
                        value, vj = row[k], k
                        break
            if value is None:
                vj = j + 1
            cell = f"{get_column_letter(grid.col0 + vj)}{grid.row0 + i}"
            cells[f.key] = cell
            if f.kind == "date" and value is not None:
                d = dates.to_date(value, date1904)
                if d is dates.BAD:
                    invalid.append(Invalid("header", f.key, sheet, cell, value, "a date"))
                    d = None
                value = d
            elif value is not None:
                value = _text(value)
            header[f.key] = value
    return header, cells


def _policy(grids: dict[str, Grid], date1904: bool, invalid: list[Invalid]
            ) -> tuple[policy.Policy, dict[str, str], bool]:
    sheet = next((n for n in grids if model.normalise_header(n) == model.normalise_header(
        model.POLICY_SHEET)), None)
    if sheet is None:
        return policy.DEFAULT, {}, False
    grid = grids[sheet]
    index = {n: s for s in model.POLICY_SETTINGS for n in s.names()}
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    holidays: list[dt.date] = []
    hol_label = model.normalise_header(model.HOLIDAYS_LABEL)
    for i, row in enumerate(grid.rows):
        for j, v in enumerate(row):
            if not isinstance(v, str):
                continue
            n = model.normalise_header(v)
            if n == hol_label:
                for k in range(i + 1, len(grid.rows)):
                    cellv = grid.rows[k][j] if j < len(grid.rows[k]) else None
                    if not _filled(cellv):
                        break
                    d = dates.to_date(cellv, date1904)
                    if isinstance(d, dt.date):
                        holidays.append(d)
                    else:
                        invalid.append(Invalid("policy", "holidays", sheet,
                                               f"{get_column_letter(grid.col0 + j)}{grid.row0 + k}",
                                               cellv, "a date"))
                continue
            setting = index.get(n)
            if setting is None or setting.key in values or j + 1 >= len(row):
                continue
            values[setting.key] = row[j + 1]
            cells[setting.key] = f"{get_column_letter(grid.col0 + j + 1)}{grid.row0 + i}"
    pol, bad = policy.from_settings(values, tuple(holidays))
    for key in bad:
        invalid.append(Invalid("policy", key, sheet, cells[key], values[key],
                               "calendar or business" if key == "day_count" else "a whole number of days"))
    return pol, cells, True


def frame_from_records(table: model.Table, records: list[dict[str, Any]],
                       index: Sequence[int] | None = None) -> pd.DataFrame:
    """Records keyed by model keys -> a frame typed like the reader's (for converters, samples)."""
    idx = pd.Index(list(index) if index is not None else range(len(records)), name="row")
    data: dict[str, pd.Series] = {}
    for col in table.columns:
        values = [r.get(col.key) for r in records]
        if col.kind == "date":
            data[col.key] = pd.Series(pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
                                      .astype("datetime64[ns]").to_numpy(), index=idx)
        elif col.kind == "int":
            data[col.key] = pd.Series([None if v is None or v == "" else int(v) for v in values],
                                      index=idx, dtype="Int64")
        elif col.kind == "number":
            data[col.key] = pd.Series(values, index=idx, dtype="Float64")
        else:
            data[col.key] = pd.Series([_text(v) for v in values], index=idx, dtype=object)
    return pd.DataFrame(data, index=idx)


def plain(v: Any) -> Any:
    """A pandas/NumPy cell value -> the plain Python value writers take (None for missing/"")."""
    if v is None or v is pd.NaT or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if hasattr(v, "item"):
        v = v.item()
    return None if v == "" else v
