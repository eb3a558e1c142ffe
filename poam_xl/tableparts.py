"""Excel Tables (``<table>`` parts) of a workbook's sheets: name, range, header and totals rows.

A POA&M kept in an Excel Table is read through its definition: the header row is the table's
first row, the items end before its totals row. Source: ECMA-376 Part 1, §18.5.1.2 (table):
``ref`` covers the header, data and totals rows; ``headerRowCount`` (default 1) and
``totalsRowCount`` (default 0) say how many of each. Parsed with defusedxml after the package
checks (package.inspect refuses DTDs before any parser runs).
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree as SafeET

from .values import parse_ref

REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
TABLE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
MAX_TABLES = 1000  # a workbook with more table parts is not a POA&M: the rest are ignored


@dataclass(frozen=True)
class TableDef:
    """One Excel Table: rows and columns are 1-based Excel numbers."""

    name: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    header_rows: int = 1
    totals_rows: int = 0

    @property
    def header_row(self) -> int:
        return self.first_row + self.header_rows - 1

    @property
    def data_last_row(self) -> int:
        return self.last_row - self.totals_rows


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read(path: str | Path, sheet_parts: dict[str, str]) -> dict[str, list[TableDef]]:
    """Sheet name -> its Excel Tables (empty lists omitted). A damaged or odd table part is
    skipped: the sheet is then read by its header texts alone."""
    out: dict[str, list[TableDef]] = {}
    seen = 0
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for sheet, part in sheet_parts.items():
            folder, base = posixpath.split(part)
            rels = posixpath.join(folder, "_rels", base + ".rels")
            if rels not in names:
                continue
            try:
                root = SafeET.fromstring(zf.read(rels))
            except Exception:  # noqa: BLE001 - a bad rels part: no tables known for this sheet
                continue
            for rel in root:
                if rel.get("Type") != TABLE_REL or seen >= MAX_TABLES:
                    continue
                target = rel.get("Target", "")
                table_part = (target.lstrip("/") if target.startswith("/")
                              else posixpath.normpath(posixpath.join(folder, target)))
                found = _table(zf, table_part) if table_part in names else None
                if found is not None:
                    seen += 1
                    out.setdefault(sheet, []).append(found)
    return out


def _table(zf: zipfile.ZipFile, part: str) -> TableDef | None:
    try:
        root = SafeET.fromstring(zf.read(part))
    except Exception:  # noqa: BLE001 - damaged part: ignored (see read)
        return None
    if _local(root.tag) != "table":
        return None
    a, _, b = root.get("ref", "").partition(":")
    start, end = parse_ref(a), parse_ref(b or a)
    if start is None or end is None:
        return None
    try:
        header = int(root.get("headerRowCount", "1") or 1)
        totals = int(root.get("totalsRowCount", "0") or 0)
    except ValueError:
        return None
    return TableDef(root.get("displayName") or root.get("name") or "", start[0], start[1], end[0],
                    end[1], max(0, header), max(0, totals))
