"""Data classes and small writers shared by the layout corpus (tests/layout_corpus*.py).

A case is a workbook built by code plus an exact expectation of what a layout-discovering
reader must find in it. Field names are the canonical keys of ``poam_xl/model.py``:

- item fields: the ``ITEM_COLUMNS`` keys (``item_number``, ``description``, ``cws``,
  ``mitigation``, ``milestone_date``, ``status``, ``risk_level``, ``date_identified``,
  ``how_identified``, ``owner``, ``resources``, ``residual_risk``, ``completion_date``,
  ``milestone_changes``, ``source_id``, ``assets``, ``comments`` ...);
- milestone fields: ``"milestone.<key>"`` with a ``MILESTONE_COLUMNS`` key (``milestone.milestone``,
  ``milestone.planned_date``, ``milestone.status``, ``milestone.completed_date``,
  ``milestone.changes``). On a one-row-per-milestone layout these columns hold one milestone per
  row; on an item-level column (FedRAMP "Planned Milestones", eMASS classic "Milestone with
  Completion Dates", a generic "Milestones") ``milestone.milestone`` means "the item's milestones
  as text, one per line, a date in the text";
- ``None``: no field takes the column. When the column has values they must be KEPT (carried as
  extra/kept fields, restored on the way back). A blank column with ``None`` needs nothing.

Item numbers in ``Expect.values`` & co. are ordinals: the n-th item found, 1-based, across the
case's tables in their order. Values are what a reader must produce: text stripped of outer
spaces, dates as ``datetime.date`` (also when the cell holds the date as text, e.g. eMASS exports
written by C-PAT), numbers as numbers. Choice words are given as written in the cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

D = dt.date
PROFILES = (
    "dss",  # the project's own DSS-style workbook (formats.md §1), any header wording
    "fedramp-rev5-v2.1",  # FedRAMP POA&M template v2.1 (2024-03-29): 31 columns, Configuration Findings
    "fedramp-rev5-v2.0",  # FedRAMP POA&M template v2 (2023-08-30, .xlsm): 30 columns, no Service Name
    "fedramp-rev4",  # FedRAMP Rev4 template (.xlsm): 30 columns, no v2 Record of Changes row
    "emass-classic",  # eMASS RMF POA&M import template: header row 7, 22 columns A..V
    "emass-navy",  # eMASS Navy service template: one row per milestone, A..AG
    "emass-army",  # eMASS Army service template: one row per milestone, A..AO
    "emass-usmc",  # eMASS Marine Corps service template: one row per milestone, A..AF
    "cmmc",  # NIST SP 800-171 / CMMC POA&M (requirement ids), often kept in an Excel Table
    "generic",  # anything else that is a POA&M table: recognised by its header words only
)
MILESTONE_STYLES = ("none", "rows", "lines")


@dataclass(frozen=True)
class Col:
    """One column of a table as written."""

    letter: str
    header: str  # exact cell text, stray spaces kept; "" = blank header cell
    field: str | None  # canonical key, "milestone.<key>", or None (kept when it has values)
    group: str | None = None  # two-row header: the (merged) group title above this column
    row: int | None = None  # the text sits on this row (a title merged down over both rows)

    @property
    def label(self) -> str:
        """The header as a reader should report it: group and name joined, outer spaces cut."""
        return " ".join(p.strip() for p in (self.group or "", self.header) if p.strip())


@dataclass(frozen=True)
class Table:
    """Where the POA&M table is and how many items and milestones it holds."""

    sheet: str
    header_row: int  # the row of field names (the last row of a multi-row header)
    columns: tuple[Col, ...]
    item_rows: tuple[int, ...]  # first row of each item, in order
    last_row: int  # last data row (continuation rows included, totals row excluded)
    milestones: int = 0
    milestone_style: str = "none"  # rows: one row per milestone; lines: one cell, one per line
    header_rows: tuple[int, ...] = ()  # every row of a multi-row header, top first
    skipped_rows: tuple[int, ...] = ()  # placeholder / guidance / example rows: not items
    excel_table: str | None = None  # name of the Excel Table (<table> part) holding the rows
    table_ref: str | None = None  # its ref, header and totals rows included
    totals_row: int | None = None
    sheet_state: str = "visible"  # visible | hidden | veryHidden

    @property
    def items(self) -> int:
        return len(self.item_rows)

    def letter(self, key: str) -> str:
        for c in self.columns:
            if c.field == key:
                return c.letter
        raise KeyError(key)

    def col(self, letter: str) -> Col:
        return next(c for c in self.columns if c.letter == letter)

    @property
    def mapping(self) -> dict[str, str | None]:
        """Reported header -> field, for every non-blank header."""
        return {c.label: c.field for c in self.columns if c.label}


@dataclass(frozen=True)
class Expect:
    """What a reader must find in a case's workbook."""

    profile: str  # one of PROFILES
    tables: tuple[Table, ...]
    milestone_tables: tuple[Table, ...] = ()  # separate milestone sheets: one row per milestone
    values: Mapping[tuple[int, str], Any] = field(default_factory=dict)  # (item n, field) -> value
    milestone_values: Mapping[tuple[int, int, str], Any] = field(default_factory=dict)  # (n, m, key)
    kept: Mapping[tuple[int, str], Any] = field(default_factory=dict)  # (n, header label) -> value
    tagged: Mapping[tuple[int, str], str] = field(default_factory=dict)  # (n, field) -> text kept
    requirements: Mapping[int, str] = field(default_factory=dict)  # n -> "3.1.10" (800-171 id)
    formulas: Mapping[tuple[int, str], str] = field(default_factory=dict)  # (n, field) -> formula
    header: Mapping[str, Any] = field(default_factory=dict)  # header-block field key -> value
    note: str = ""

    @property
    def items(self) -> int:
        return sum(t.items for t in self.tables)

    @property
    def milestones(self) -> int:
        return sum(t.milestones for t in self.tables) + sum(t.items for t in self.milestone_tables)

    @property
    def mapping(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for t in (*self.tables, *self.milestone_tables):
            out.update(t.mapping)
        return out

    def locate(self, n: int) -> tuple[Table, int]:
        """(table, row) of the n-th item (1-based, across tables)."""
        for t in self.tables:
            if n <= t.items:
                return t, t.item_rows[n - 1]
            n -= t.items
        raise IndexError(n)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the workbook into the given folder, returns its path
    expect: Expect
    source: str = ""  # where the layout comes from (repo:path or URL), or "assumed"


# ---------------------------------------------------------------- writers
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
WRAP = Alignment(wrap_text=True, vertical="top")


def cols(
    headers: Sequence[tuple[str, str | None]], start: int = 1, groups: Mapping[str, str] | None = None
) -> tuple[Col, ...]:
    """Columns from (header, field) pairs laid out from column ``start``."""
    return tuple(
        Col(get_column_letter(start + i), h, f, (groups or {}).get(get_column_letter(start + i)))
        for i, (h, f) in enumerate(headers)
    )


def write_header(ws: Worksheet, row: int, columns: Iterable[Col], fill: bool = True) -> None:
    for c in columns:
        if c.header and c.row is None:
            cell = ws[f"{c.letter}{row}"]
            cell.value = c.header
            cell.font = BOLD
            if fill:
                cell.fill = HEAD_FILL


def write_row(
    ws: Worksheet,
    row: int,
    columns: Sequence[Col],
    values: Mapping[str, Any],
    date_format: str = "mm/dd/yyyy",
) -> None:
    """Write ``values`` keyed by column letter or by header text onto ``row``."""
    by_header = {c.header: c.letter for c in columns}
    for key, value in values.items():
        letter = by_header.get(key, key)
        cell = ws[f"{letter}{row}"]
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = date_format


def rewrite_zip(path: Path, edits: Mapping[str, bytes | Callable[[bytes], bytes] | None]) -> Path:
    """Replace (bytes), transform (callable) or drop (None) parts of the zip at ``path``, in place."""
    with zipfile.ZipFile(path) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for name, data in parts.items():
            new = edits.get(name, data)
            if new is not None:
                zo.writestr(name, new(data) if callable(new) else new)
        for name, new in edits.items():
            if name not in parts and new is not None:
                zo.writestr(name, new if isinstance(new, bytes) else new(b""))
    path.write_bytes(out.getvalue())
    return path


XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def as_xlsm(path: Path) -> Path:
    """Give the workbook part the macro-enabled content type (an .xlsm without a VBA project)."""
    return rewrite_zip(path, {"[Content_Types].xml": lambda b: b.replace(XLSX_MAIN, XLSM_MAIN)})


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part name of worksheet ``sheet`` (through workbook.xml and its rels)."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    esc = sheet.replace("&", "&amp;")
    rid = re.search(rf'<sheet [^>]*name="{re.escape(esc)}"[^>]*r:id="([^"]+)"', wb)
    if rid is None:
        raise KeyError(sheet)
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:  # attribute order differs between writers
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target is not None
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else f"xl/{t}"


def dates_text(d: dt.date) -> str:
    """A date as eMASS exports written by C-PAT hold it: text MM/dd/yyyy."""
    return d.strftime("%m/%d/%Y")
