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


def workbook_content(path: Path) -> dict[str, Any]:
    """Everything a user sees in a workbook, comparable across saves (not the zip bytes)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {"names": {n: d.attr_text for n, d in wb.defined_names.items()},
                           "sheets": wb.sheetnames}
    for ws in wb:
        cells = {c.coordinate: (c.value, c.number_format, c.font.b, c.fill.fgColor.rgb)
                 for row in ws.iter_rows() for c in row if c.value is not None}
        out[ws.title] = {
            "cells": cells, "state": ws.sheet_state, "freeze": ws.freeze_panes,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": sorted((dv.type, dv.formula1, str(dv.sqref))
                                  for dv in ws.data_validations.dataValidation),
            "conditional": sorted((str(rng.sqref), tuple(r.formula or ()))
                                  for rng in ws.conditional_formatting for r in rng.rules),
            "autofilter": ws.auto_filter.ref, "print_titles": ws.print_title_rows,
            "widths": {k: v.width for k, v in ws.column_dimensions.items()},
            "charts": len(ws._charts),
        }
    return out


def require_shared(path: Path) -> Path:
    """A file of ../shared (the tests read the real files from there). Under CI its absence is a
    failure, like a missing soffice; elsewhere the test is skipped with the reason."""
    import os

    import pytest

    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: the tests need ../shared beside the project")
        pytest.skip(f"{path} is absent (../shared not beside the project)")
    return path


def require_soffice() -> str:
    """LibreOffice's soffice; scripts/test installs it, so under CI its absence is a failure."""
    import os
    import shutil

    import pytest

    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("soffice missing: scripts/test should have installed libreoffice-calc")
        pytest.skip("LibreOffice (soffice) is not installed: run ./scripts/test, which installs it")
    return found


def official_book(path: Path, profile: str, *, sample: int = 12, as_of: dt.date = AS_OF) -> Path:
    """The DSS sample written in another framework's official layout (as `new --profile` does)."""
    from poam_xl import convert
    from poam_xl.reader import read

    dss = template.new_workbook(path.with_name(path.stem + "-dss.xlsx"), sample_items=sample,
                                as_of=as_of, force=True)
    convert.get(profile).write(read(dss), path, as_of=as_of)  # type: ignore[misc]
    return path
