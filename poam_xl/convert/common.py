"""Helpers every converter shares: frames <-> records, Poam from records, kept-field tags.

A field with no home in the target is kept in the target's Comments as a tagged line,
``[eMASS Severity] High`` or ``[poam-xl Date Identified] 2026-01-05``: the tag names the
side it came from and the field. Reading the file back restores the field from its tag,
which is what makes eMASS -> DSS -> eMASS (and back) lossless.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .. import dates, model
from ..policy import DEFAULT, Policy
from ..reader import Poam, TableData, frame_from_records
from ..values import plain

TAG = re.compile(r"^\[(FedRAMP|OSCAL|eMASS|poam-xl|csv|json) ([^\]\n]+)\] ?", re.MULTILINE)
Tag = tuple[str, str, str]  # (side, field label, value text)


# ---------------------------------------------------------------- values
def records(frame: pd.DataFrame | None, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of a reader frame as dicts of plain values, in row order."""
    if frame is None:
        return []
    keys = [k for k in keys if k in frame.columns]
    return [{k: plain(row[k]) for k in keys} for _, row in frame.iterrows()]


def text(value: Any) -> str:
    """A value as tag text: dates ISO, whole floats without '.0'."""
    v = plain(value)
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def parse(kind: str, value: Any) -> Any:
    """Tag or CSV text -> a value of the column kind (date, int, number, text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "date":
        d = dates.to_date(value)
        return d if isinstance(d, dt.date) else str(value)
    if kind in ("int", "number"):
        try:
            f = float(str(value).strip())
        except ValueError:
            return str(value)
        return int(f) if kind == "int" and f.is_integer() else f
    return str(value).strip() or None


def same(a: Any, b: Any) -> bool:
    """Equal after normalising blanks, surrounding space, dates and whole numbers."""
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


# ---------------------------------------------------------------- kept-field tags
def split_tags(comments: Any) -> tuple[str | None, list[Tag]]:
    """'plain text\\n[eMASS Severity] High' -> ('plain text', [('eMASS', 'Severity', 'High')])."""
    if comments is None or not str(comments).strip():
        return None, []
    s = str(comments)
    marks = list(TAG.finditer(s))
    if not marks:
        return s.strip() or None, []
    plain = s[: marks[0].start()].strip() or None
    tags: list[Tag] = []
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt else len(s)
        tags.append((m.group(1), m.group(2).strip(), s[m.end() : end].strip()))
    return plain, tags


def join_tags(plain: str | None, tags: Sequence[Tag]) -> str | None:
    """Inverse of split_tags."""
    lines = [plain] if plain else []
    lines += [f"[{side} {label}] {value}".rstrip() for side, label, value in tags]
    return "\n".join(lines) or None


# ---------------------------------------------------------------- Poam from records
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
        items=table_data(
            model.ITEMS,
            items,
            sheet=sheet,
            header_row=header_row,
            index=item_index,
            letters=letters,
        ),
        milestones=ms,
        policy=policy,
        source=source,
        layout=layout,
        policy_found=policy_found,
    )


def milestones_by_item(poam: Poam) -> dict[Any, list[dict[str, Any]]]:
    """Milestone records grouped by item number (in sheet order)."""
    out: dict[Any, list[dict[str, Any]]] = {}
    frame = poam.milestones.frame if poam.milestones is not None else None
    for rec in records(frame, model.MILESTONES.keys):
        out.setdefault(rec.get("item_number"), []).append(rec)
    return out


def item_records(poam: Poam) -> list[dict[str, Any]]:
    return records(poam.items.frame, model.ITEMS.keys)


def literal_text(ws: Any) -> None:
    """Cells whose text starts with '=' stay text: openpyxl would otherwise write a formula."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"


def data_keys() -> tuple[str, ...]:
    """Item columns that are data (derived columns are recomputed, never carried)."""
    return tuple(c.key for c in model.ITEM_COLUMNS if not c.derived)
