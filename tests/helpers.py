"""Test helpers: build workbooks from the generated template and break one thing at a time."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from poam_xl import model, template

AS_OF = dt.date(2026, 11, 25)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALWORLD = SHARED / "realworld"


def col_letter(key: str, table: model.Table = model.ITEMS) -> str:
    return get_column_letter(table.keys.index(key) + 1)


def item_ref(item_row: int, key: str) -> str:
    """Cell of column ``key`` on the ``item_row``-th item row (1-based) of the POA&M sheet."""
    return f"{col_letter(key)}{template.FIRST_ROW + item_row - 1}"


def header_ref(key: str) -> str:
    i = [f.key for f in model.HEADER_FIELDS].index(key)
    return f"C{template.HEADER_TOP + i}"


def make_book(path: Path, *, sample: int = 8, as_of: dt.date = AS_OF,
              edit: Callable[[Workbook], Any] | None = None, seed: int = 0) -> Path:
    """Generate a workbook with ``sample`` items, apply ``edit(wb)``, save to ``path``."""
    wb = template.build(sample_items=sample, as_of=as_of, seed=seed)
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
