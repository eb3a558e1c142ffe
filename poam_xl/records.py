"""Poam <-> plain records: rows as dicts of plain values keyed by the column model, and a Poam
built back from such records (what every foreign-format reader and writer works with)."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from . import dates, kept, model
from .coerce import frame_from_records
from .poam import Poam, TableData
from .policy import DEFAULT, Policy
from .values import plain, plain_column


def records(frame: pd.DataFrame | None, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Rows of a table frame as dicts of plain values (``values.plain``), in row order; only
    ``keys`` (those the frame has) when given, else every column. The index is dropped.

    Converted a column at a time (``plain_column``), then put into rows: a narrow table
    (milestones) by filling copies of one row of Nones a column at a time, a wide one by
    zipping each row (the faster way for each; the dicts are equal and ordered alike)."""
    if frame is None:
        return []
    cols = list(frame.columns) if keys is None else [k for k in keys if k in frame.columns]
    if not cols:
        return [{} for _ in range(len(frame))]
    columns = [plain_column(frame[k]) for k in cols]
    if len(cols) > NARROW:
        return list(map(dict, map(zip, itertools.repeat(cols), zip(*columns, strict=True))))
    blank = dict.fromkeys(cols).copy
    rows = [blank() for _ in range(len(frame))]
    for key, column in zip(cols, columns, strict=True):
        for row, value in zip(rows, column, strict=True):
            row[key] = value
    return rows


NARROW = 8  # columns up to which records() fills rows a column at a time


SIMPLE = (str, int, float, bool, dt.date, dt.datetime, type(None))  # == is exact on these


_WHOLE = re.compile(r"[-+]?\d{1,400}")


def parse(kind: str, value: Any) -> Any:
    """Tag or CSV text -> a value of the column kind (date, int, number, text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "date":
        d = dates.to_date(value)
        return d if isinstance(d, dt.date) else str(value)
    if kind in ("int", "number"):
        if kind == "int" and type(value) is int:
            return value  # exact, however large (a float would round past 2**53)
        text = str(value).strip()
        if kind == "int" and _WHOLE.fullmatch(text):
            return int(text)
        try:
            f = float(text)
        except ValueError:
            return str(value)
        return int(f) if kind == "int" and f.is_integer() else f
    return str(value).strip() or None


def same(a: Any, b: Any) -> bool:
    """Equal after normalising blanks, surrounding space, dates and whole numbers."""
    if type(a) is type(b) and type(a) in SIMPLE and a == b:  # equal already: equal normalised
        return True
    if a is None or b is None:  # blank on one side: the other must normalise to blank
        return plain(b if a is None else a) is None
    a, b = plain(a), plain(b)
    if isinstance(a, str):
        a = a.strip() or None
    if isinstance(b, str):
        b = b.strip() or None
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        da = a if isinstance(a, dt.date) else dates.to_date(a)
        db = b if isinstance(b, dt.date) else dates.to_date(b)
        return isinstance(da, dt.date) and da == db
    if (
        isinstance(a, int | float)
        and isinstance(b, str)
        or isinstance(b, int | float)
        and isinstance(a, str)
    ):
        return str(plain(a)) == str(plain(b))
    return bool(a == b)


def table_data(
    table: model.Table,
    rows: list[dict[str, Any]],
    *,
    sheet: str,
    header_row: int,
    index: Sequence[int] | None = None,
    letters: dict[str, str] | None = None,
    missing: list[str] | None = None,
) -> TableData:
    frame = frame_from_records(table, rows, index=index)
    return TableData(
        frame=frame,
        sheet=sheet,
        header_row=header_row,
        letters=letters or {},
        missing=missing or [],
        raw=None,
    )


def make_poam(
    items: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    header: dict[str, Any],
    *,
    source: str,
    sheet: str,
    header_row: int = 1,
    item_index: Sequence[int] | None = None,
    milestone_index: Sequence[int] | None = None,
    letters: dict[str, str] | None = None,
    milestone_sheet: str | None = None,
    milestone_letters: dict[str, str] | None = None,
    policy: Policy = DEFAULT,
    policy_found: bool = False,
    layout: model.Layout = model.DSS,
) -> Poam:
    """A Poam built from DSS-keyed records (what every foreign-format reader returns)."""
    full_header = {f.key: None for f in model.HEADER_FIELDS}
    full_header.update(header)
    item_data = table_data(  # items first: a value out of range is named on its item
        model.ITEMS,
        items,
        sheet=sheet,
        header_row=header_row,
        index=item_index,
        letters=letters,
    )
    ms = table_data(
        model.MILESTONES,
        milestones,
        sheet=milestone_sheet or sheet,
        header_row=1,
        index=milestone_index,
        letters=milestone_letters,
    )
    return Poam(
        header=full_header,
        header_cells={},
        items=item_data,
        milestones=ms,
        policy=policy,
        source=source,
        layout=layout,
        policy_found=policy_found,
    )


def milestones_by_item(poam: Poam) -> dict[Any, list[dict[str, Any]]]:
    """Milestone records grouped by ``item_key`` (in sheet order), as ``milestone_records``;
    an item's milestones are ``by_item.get(item_key(item), [])``."""
    out: dict[Any, list[dict[str, Any]]] = {}
    for rec in milestone_records(poam):
        key = rec.get("item_number")  # item_key's first answer, without the call
        if key is None:
            key = item_key(rec, "changes")
        found = out.get(key)
        if found is None:
            out[key] = [rec]
        else:
            found.append(rec)
    return out


def item_key(rec: dict[str, Any], field: str = "comments") -> Any:
    """What links an item and its milestones: the Item Number; for an Item Number that is no
    whole number ("1.10", "A-3": kept as the ``[poam-xl Item Number]`` tag in ``field``,
    Comments or Changes) that text; else a key equal to nothing (an item without a number
    has no milestones: they are not all given to every such item)."""
    number = rec.get("item_number")
    if number is not None:
        return number
    text = rec.get(field)
    if isinstance(text, str) and _ITEM_TAG in text:
        for side, label, value in kept.split_tags(text)[1]:
            if side == "poam-xl" and label == ITEM_LABEL:
                return ("text", value)
    return object()


ITEM_LABEL = model.ITEMS.column("item_number").header  # the label of an Item Number tag
_ITEM_TAG = f"[poam-xl {ITEM_LABEL}]"


def item_records(poam: Poam) -> list[dict[str, Any]]:
    """Items as plain records for a writer, in row order: every value of the column model, and
    in Comments every value that had no field: the columns kept (``[column Header] value``) and
    the values that did not fit their column (``[poam-xl Milestone Date ...] TBD``). A
    ``[poam-xl Header] value`` line for a field that holds a value is made text
    (``kept.disarm``): the field's value wins over a typed or stale tag."""
    rows = _with_kept(poam, poam.items, "items", "comments",
                      records(poam.items.frame, model.ITEMS.keys))
    for rec in rows:  # a [poam-xl Status] line typed in Comments never overrides the Status
        c = rec.get("comments")
        if isinstance(c, str) and "[poam-xl " in c:
            rec["comments"] = kept.disarm(c, functools.partial(_holds, rec))
    return rows


_KEY_BY_HEADER = {c.header: c.key for c in model.ITEMS.columns if c.key != "comments"}


def _holds(rec: dict[str, Any], label: str) -> bool:
    key = _KEY_BY_HEADER.get(label)
    value = rec.get(key) if key is not None else None
    return value is not None and not (isinstance(value, str) and not value.strip())


def milestone_records(poam: Poam) -> list[dict[str, Any]]:
    """Milestones as plain records, kept values tagged in Changes / Notes (see item_records)."""
    data = poam.milestones
    if data is None:
        return []
    return _with_kept(poam, data, "milestones", "changes", records(data.frame, model.MILESTONES.keys))


def _with_kept(poam: Poam, data: TableData, table: str, field: str,
               rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tags: dict[Any, list[kept.Tag]] = {row: list(t) for row, t in data.kept.items()}
    if poam.invalid:
        where = _rows_by_cell(data)
        labels = {c.key: c.header for c in (poam.layout.items if table == "items"
                                            else poam.layout.milestones or model.MILESTONES).columns}
        for bad in poam.invalid:
            row = where.get((bad.sheet, bad.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")))
            # a column the model does not have (a FedRAMP-only date): its reader carries the
            # text itself, as that format's tag (fedramp_read)
            if bad.table == table and row is not None and kept.text(bad.value) and (
                    bad.key in labels):
                tags.setdefault(row, []).append(("poam-xl", labels[bad.key],
                                                 kept.text(bad.value)))
    if not tags:
        return rows
    for row, rec in zip(data.frame.index, rows, strict=True):
        extra = tags.get(row)
        if extra:
            user, old = kept.split_tags(rec.get(field))
            rec[field] = kept.join_tags(user, old + [t for t in extra if t not in old])
    return rows


def _rows_by_cell(data: TableData) -> dict[tuple[str, str], Any]:
    """(sheet, Excel row as text) -> frame index of every row of a table read from sheets."""
    out = {}
    for row in data.frame.index:
        sheet, r = data.locate(int(row)) if data.locate else (data.sheet, int(row))
        out[(sheet, str(r))] = row
    return out


@functools.cache
def data_keys() -> tuple[str, ...]:
    """Item columns that are data (derived columns are recomputed, never carried)."""
    return tuple(c.key for c in model.ITEM_COLUMNS if not c.derived)
