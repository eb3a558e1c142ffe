"""Tables found by header text: the items and milestones tables, the header block, the Policy sheet.

Tables are found by header text (model aliases), not fixed addresses: moved or shuffled
columns, extra columns, a title row above, blank rows inside all work. The DataFrame index
is the Excel row number and ``TableData.letters`` maps each column to its letter, so every
value's ``Sheet!Cell`` falls out without a parallel lookup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from . import dates, model, policy
from . import kept as kept_tags
from .coerce import Invalid, as_text, convert, filled, split_word_date, take_problems
from .errors import TemplateError
from .grids import CellProblem, Grid
from .poam import Poam, TableData
from .values import column_letter as get_column_letter

HEADER_SCAN_ROWS = 40  # a table's header row must sit within the sheet's first rows


def read_layout(grids: dict[str, Grid], layout: model.Layout = model.DSS, *, date1904: bool = False,
                source: str | None = None) -> Poam:
    """A Poam from sheet grids whose tables follow ``layout`` (found by header text).

    Raises TemplateError when no sheet has the items table's key headers.
    """
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
    pol, pol_cells, found = policy_from_grids(grids, date1904, invalid)
    return Poam(header=header, header_cells=header_cells, items=items, milestones=milestones,
                policy=pol, source=source, date1904=date1904, layout=layout,
                sheet_states={n: g.state for n, g in grids.items()}, invalid=invalid, template=layout.name,
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


def table_positions(grid: Grid, header_row: int, table: model.Table
                    ) -> tuple[dict[str, int], list[tuple[str, list[str]]], dict[str, int]]:
    """(key -> column index, duplicate headers with their letters, unknown header -> column
    index) of a header row, matched by the table's exact names (0-based grid indexes)."""
    names = _name_index(table)
    hdr = grid.rows[header_row - grid.row0]
    positions: dict[str, int] = {}
    seen: dict[str, list[str]] = {}
    extra: dict[str, int] = {}
    for j, v in enumerate(hdr):
        if v is None or str(v).strip() == "":
            continue
        key = names.get(model.normalise_header(v)) if isinstance(v, str) else None
        if key is None:
            extra.setdefault(" ".join(str(v).split()), j)
            continue
        seen.setdefault(key, []).append(get_column_letter(grid.col0 + j))
        positions.setdefault(key, j)
    duplicates = [(_header_of(table, k), ls) for k, ls in seen.items() if len(ls) > 1]
    return positions, duplicates, extra


def _table(grid: Grid, sheet: str, header_row: int, table: model.Table, date1904: bool,
           label: str, invalid: list[Invalid]) -> TableData:
    positions, duplicates, extra = table_positions(grid, header_row, table)
    return read_table(grid, sheet, header_row, table, positions, date1904, label, invalid,
                      extra=extra, duplicates=duplicates)


def read_table(grid: Grid, sheet: str, header_row: int, table: model.Table,
               positions: dict[str, int], date1904: bool, label: str, invalid: list[Invalid], *,
               extra: dict[str, int] | None = None,
               duplicates: list[tuple[str, list[str]]] | None = None,
               last_row: int | None = None, skip: set[int] | None = None) -> TableData:
    """The rows under ``header_row`` as typed columns of ``table`` (index = Excel row).

    ``positions``: model key -> 0-based grid column; ``extra``: the label of a column no field
    takes -> its grid column (its non-blank values are kept, ``TableData.kept``); rows after
    ``last_row`` (an Excel Table's last data row) and the Excel rows in ``skip`` (placeholder
    rows) are not read; blank rows are skipped. Values that do not fit their column's type
    become ``Invalid`` records (and blanks).
    """
    extra = dict(extra or {})
    start = header_row - grid.row0 + 1
    stop = None if last_row is None else max(start, last_row - grid.row0 + 1)
    body = grid.rows[start:stop]
    first_row = header_row + 1
    used = sorted(set(positions.values()) | set(extra.values()))
    columns = _columns(body, used)  # one transpose, then whole columns at a time
    keep = _kept_rows({j: columns[j] for j in set(positions.values())}, len(body))
    if skip:
        keep = [i for i in keep if first_row + i not in skip]
    index = pd.Index([first_row + i for i in keep], name="row")
    data: dict[str, Any] = {}
    raw: dict[str, list[Any]] = {}
    letters: dict[str, str] = {}
    for col in table.columns:
        if col.key not in positions:
            data[col.key] = _empty(col, index)
            continue
        j = positions[col.key]
        letters[col.key] = get_column_letter(grid.col0 + j)
        full = columns[j]
        values = full if len(keep) == len(body) else [full[i] for i in keep]
        if grid.problems:
            values = list(values)
            take_problems(values, index, col, label, sheet, letters[col.key], invalid)
        raw[col.key] = values if values is not full else list(values)
        data[col.key] = convert(col, values, index, date1904, label, sheet, letters[col.key],
                                invalid)
    for combined, (word_key, date_key) in model.COMBINED_HEADERS.items():
        if combined in positions and word_key not in positions:
            j = positions[combined]
            letters[word_key] = letters[date_key] = get_column_letter(grid.col0 + j)
            values = [columns[j][i] for i in keep]
            words, days = split_word_date(values, table.column(word_key).allowed, date1904)
            data[word_key] = pd.Series(words, index=index, dtype=object)
            data[date_key] = pd.Series(days, index=index, dtype="datetime64[ns]")
    kept: dict[int, list[tuple[str, str, str]]] = {}
    for name, j in extra.items():
        for i, row in zip(keep, index, strict=True):
            cell = columns[j][i] if j in columns else None
            text = as_text(cell)
            if text is not None and not isinstance(cell, CellProblem):
                if type(cell) is str:  # text stays text on the way back (kept.value_of)
                    text = kept_tags.quoted(text)
                kept.setdefault(int(row), []).append(("column", name, text))
    missing = [c.key for c in table.columns if c.key not in letters and not c.derived]
    frame = pd.DataFrame(data, index=index)
    return TableData(frame=frame, sheet=sheet, header_row=header_row, letters=letters,
                     missing=missing, duplicates=list(duplicates or []),
                     extra={n: get_column_letter(grid.col0 + j) for n, j in extra.items()},
                     raw_cells=raw, kept=kept)


def _empty(col: model.Column, index: pd.Index) -> pd.Series:
    """An all-missing column typed like a read one (dates stay dates, numbers numbers)."""
    n = len(index)
    if col.kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if col.kind == "int":
        return pd.Series([None] * n, index=index, dtype="Int64")
    if col.kind == "number":
        return pd.Series([None] * n, index=index, dtype="Float64")
    return pd.Series([None] * n, index=index, dtype=object)


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
    cols = list(columns.values())
    out = []
    for i in range(n):  # a row stops at its first filled cell: most at the first column
        for c in cols:
            v = c[i]
            if v is not None and (not isinstance(v, str) or v.strip()):  # coerce.filled
                out.append(i)
                break
    return out


def _header_of(table: model.Table, key: str) -> str:
    try:
        return table.column(key).header
    except KeyError:
        return key


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
                    if filled(row[k]):
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
                value = as_text(value)
            header[f.key] = value
    return header, cells


def policy_from_grids(grids: dict[str, Grid], date1904: bool, invalid: list[Invalid]
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
                    if not filled(cellv):
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
            if setting is None or setting.key in values:
                continue
            # the value cell right of the label, blank ones too (a blank is a finding there)
            values[setting.key] = row[j + 1] if j + 1 < len(row) else None
            cells[setting.key] = f"{get_column_letter(grid.col0 + j + 1)}{grid.row0 + i}"
    pol, bad = policy.from_settings(values, tuple(holidays))
    for key in bad:
        invalid.append(Invalid("policy", key, sheet, cells[key], values[key],
                               "calendar or business" if key == "day_count" else "a whole number of days"))
    return pol, cells, True

