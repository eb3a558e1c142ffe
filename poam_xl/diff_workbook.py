"""diff's workbook: every change on a Changes sheet (errors and warnings coloured), counts on a
Summary sheet (`poam-xl diff --format xlsx`)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from . import feedback, textcells
from .diff import KINDS, Diff
from .write import atomic_path


def to_xlsx(d: Diff, path: str | Path) -> Path:
    """Write the diff workbook at ``path`` atomically."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Changes"
    heads = ("Kind", "Severity", "Item", "Old item", "Days", "Times", "Message")
    ws.append(heads)
    for i, c in enumerate(d.changes, start=2):
        for j, v in enumerate((c.kind, c.severity, c.item, c.old_item, c.days, c.times, c.message),
                              start=1):
            textcells.put(ws, i, j, v)
    for row in ws.iter_rows(min_row=2):
        if row[1].value in feedback.SEVERITY_FILLS:
            for cell in row:
                cell.fill = PatternFill("solid", fgColor=feedback.SEVERITY_FILLS[row[1].value])
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (22, 9, 7, 8, 7, 7, 90), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{max(2, ws.max_row)}"
    summary = wb.create_sheet("Summary")
    rows = [("Old", d.old), ("New", d.new), ("Errors", d.errors)]
    rows += [(k, d.counts().get(k, 0)) for k in KINDS]
    for i, (label, value) in enumerate(rows, start=1):
        textcells.put(summary, i, 1, label)
        textcells.put(summary, i, 2, value)
    summary.column_dimensions["A"].width = 24
    out = Path(path)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out
