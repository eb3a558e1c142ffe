"""Cell values -> typed columns: dates, whole numbers, text; values that do not fit are recorded.

Every reader (the DSS reader, the foreign-format converters, the Excel buttons) turns raw cell
values into typed pandas columns here (``values.plain`` is the way back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import dates, kept, model
from .errors import WorkbookError
from .grids import UNCACHED, CellProblem
from .values import plain


@dataclass
class Invalid:
    """A value present in a cell that could not be read as its column's type."""

    table: str  # "items" | "milestones" | "header" | "policy"
    key: str
    sheet: str
    cell: str
    value: Any
    expected: str


_EXPECTED = {"date": "a date", "int": "a whole number", "number": "a number"}


def take_problems(values: list[Any], index: pd.Index, col: model.Column, label: str, sheet: str,
                   letter: str, invalid: list[Invalid]) -> None:
    """Error values and uncached formulas become Invalid records and blanks, in place."""
    for i, v in enumerate(values):
        if isinstance(v, CellProblem):
            expected = _EXPECTED.get(col.kind, "a value") if v.kind == "error" else UNCACHED
            invalid.append(Invalid(label, col.key, sheet, f"{letter}{index[i]}", str(v), expected))
            values[i] = None


def filled(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def convert(col: model.Column, values: list[Any], index: pd.Index, date1904: bool, label: str,
             sheet: str, letter: str, invalid: list[Invalid]) -> pd.Series:
    def bad(i: int, expected: str) -> None:
        invalid.append(Invalid(label, col.key, sheet, f"{letter}{index[i]}", values[i], expected))

    if col.kind == "date":
        series, bad_pos = date_column(values, date1904)
        for i in bad_pos:
            bad(i, "a date")
        series.index = index
        return series
    if col.kind == "id":  # an item id: a whole number stays a number, anything else is text
        ids = [int(n) if (n := as_number(v)) is not None and n.is_integer() and abs(n) <= 2**53
               and not isinstance(v, str) else as_text(v) for v in values]
        return pd.Series(ids, index=index, dtype=object)
    if col.kind == "int" and (fast := whole_numbers(values)) is not None:
        return pd.Series(fast, index=index)
    if col.kind in ("int", "number"):
        out: list[Any] = []
        for i, v in enumerate(values):
            if type(v) is float and col.kind == "int" and v.is_integer() and abs(v) <= 2**53:
                out.append(int(v))  # the common case, without the general path
                continue
            num = as_number(v)
            if num is None and filled(v):
                bad(i, "a whole number" if col.kind == "int" else "a number")
            elif num is not None and col.kind == "int" and (
                    abs(num) > 2**53 or num != int(num)):  # past 2**53: not exact, not int64
                bad(i, "a whole number")
                num = None
            out.append(None if num is None else (int(num) if col.kind == "int" else num))
        return pd.Series(out, index=index, dtype="Int64" if col.kind == "int" else "Float64")
    return pd.Series([(v.strip() or None) if type(v) is str else as_text(v) for v in values],
                     index=index, dtype=object)


_FLOATS: set[type] = {float, type(None), str}


def whole_numbers(values: list[Any]) -> pd.api.extensions.ExtensionArray | None:
    """An Int64 array of ``values`` when each is None or '' (blank) or a float holding a whole
    number of at most 2**53 (what calamine gives for number cells), else None: the general
    path of ``convert`` decides (a NaN, a fraction, text)."""
    if not values or not dates.only_types(values, _FLOATS):
        return None
    if "" in values:  # empty styled cells: blanks, as the general path reads them
        values = [None if type(v) is str else v for v in values]
    numbers = np.array(values, dtype=float)  # None -> NaN
    blank = np.isnan(numbers)
    if int(blank.sum()) != values.count(None):  # a NaN cell: not a blank
        return None
    whole = numbers[~blank]
    if not ((whole == np.floor(whole)) & (np.abs(whole) <= 2**53)).all():
        return None
    return pd.arrays.IntegerArray(np.where(blank, 0, numbers).astype("int64"), blank)


def date_column(values: list[Any], date1904: bool) -> tuple[pd.Series, list[int]]:
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


def as_number(v: Any) -> float | None:
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


def as_text(v: Any) -> str | None:
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


def split_word_date(values: list[Any], allowed: tuple[str, ...], date1904: bool
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


EXACT = 2**53  # the largest whole number a workbook cell (an IEEE double) holds exactly


def frame_from_records(table: model.Table, records: list[dict[str, Any]],
                       index: Sequence[int] | None = None) -> pd.DataFrame:
    """Records keyed by model keys -> a frame typed like the reader's (for converters, samples)."""
    idx = pd.Index(list(index) if index is not None else range(len(records)), name="row")
    data: dict[str, pd.Series] = {}
    typed = _typed_values(table, records)
    for col in table.columns:
        values = typed.get(col.key) or [r.get(col.key) for r in records]
        if col.kind == "date":
            data[col.key] = pd.Series(pd.to_datetime(pd.Series(values, dtype=object),
                                                     errors="coerce")
                                      .astype("datetime64[ns]").to_numpy(), index=idx)
        elif col.kind == "int":
            ints = [None if v is None or v == "" else int(v) for v in values]
            for n, v in enumerate(ints, start=1):
                if v is not None and abs(v) > EXACT:
                    raise WorkbookError(f"{table.sheet} record {n}: {col.header} {v} is out of "
                                        f"range: a workbook holds whole numbers exactly up to "
                                        f"{EXACT:,} (the workbook reader refuses them too)")
            data[col.key] = pd.Series(ints, index=idx, dtype="Int64")
        elif col.kind == "id":
            data[col.key] = pd.Series([plain(v) for v in values], index=idx, dtype=object)
        elif col.kind == "number":
            data[col.key] = pd.Series(values, index=idx, dtype="Float64")
        else:
            data[col.key] = pd.Series([as_text(v) for v in values], index=idx, dtype=object)
    return pd.DataFrame(data, index=idx)


def _typed_values(table: model.Table, records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The date, int and number columns of ``records`` as values their column holds, and the
    records' Comments (items) / Changes (milestones) with a ``[poam-xl Header] text`` tag for
    each value that is not one ("TBD" in a date field of a JSON, eMASS or OSCAL record): the
    text rides on, and the DSS writer puts it back into its cell as text, as it does for a
    cell the workbook reader could not type. Nothing is coerced away (a date column used to
    get NaT for it). Dates go through ``dates.to_date`` (text dates, serials; before 1900: not
    a date a cell holds, kept as text)."""
    field = "changes" if "changes" in table.keys else "comments"
    if field not in table.keys:
        return {}
    out: dict[str, list[Any]] = {}
    misfits: dict[int, list[tuple[str, str, str]]] = {}
    for col in table.columns:
        if col.kind not in ("date", "int", "number"):
            continue
        values: list[Any] = []
        for n, rec in enumerate(records):
            v = rec.get(col.key)
            if v is None or v is pd.NaT or (isinstance(v, str) and not v.strip()):
                values.append(None)
                continue
            fit = _fit(col.kind, v)
            if fit is _MISFIT and not col.derived:  # a computed column is computed again
                misfits.setdefault(n, []).append(("poam-xl", col.header, _tag_text(v)))
            values.append(None if fit is _MISFIT else fit)
        out[col.key] = values
    if misfits:
        notes = [r.get(field) for r in records]
        for n, tags in misfits.items():
            user, old = kept.split_tags(notes[n])
            notes[n] = kept.join_tags(user, old + [t for t in tags if t not in old])
        out[field] = notes
    return out


def fits(kind: str, value: Any) -> bool:
    """True when a record value is one a column of ``kind`` holds (blank, a date from 1900 for a
    date column, a whole number for an int one, a number for a number one; any text column)."""
    if value is None or (isinstance(value, str) and not value.strip()) or kind not in (
            "date", "int", "number"):
        return True
    return _fit(kind, value) is not _MISFIT


_MISFIT = object()
_LAST_DAY = pd.Timestamp.max.date()


def _fit(kind: str, v: Any) -> Any:
    """``v`` as a value of column kind ``kind`` (date, int, number), or _MISFIT."""
    if kind == "date":
        d = v if type(v) is dt.date else dates.to_date(v)
        # a day before Excel's first (1900) or past what a pandas date holds (2262): as text
        return d if isinstance(d, dt.date) and dates.MIN_DATE <= d <= _LAST_DAY else _MISFIT
    if isinstance(v, bool):
        return _MISFIT
    if kind == "int":
        if isinstance(v, int):
            return v
        n = as_number(v)
        return int(n) if n is not None and n.is_integer() and abs(n) <= EXACT else _MISFIT
    n = as_number(v)
    return _MISFIT if n is None else n


def _tag_text(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()
