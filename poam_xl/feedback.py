"""Feedback people see in a workbook: the palette, notes by cell, the worst-severity highlight,
the Findings sheet's rows, and the next item number.

One implementation for every place that shows findings or adds items: the annotated copy
(``annotate``), the Excel buttons (``xl``), diff's workbook and the importers. Pure data: the
writers put these values into cells their own way (sheet XML, xlwings, openpyxl).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .findings import Finding
from .values import is_ref, plain

# ---------------------------------------------------------------- the palette (RGB hex)
NAVY = "1F3864"  # header rows of every sheet we write
LABEL = "D9E1F2"  # label cells, the Findings sheet's header
DERIVED = "595959"  # headers of the columns poam-xl computes
ERROR = "FFC7CE"  # a cell with an error finding
WARNING = "FFEB9C"  # a cell with only warnings
OVERDUE = "F8CBAD"  # the template's overdue fill (salmon: Orange, Accent 2, Lighter 60%)
DUE_SOON = "FFE699"  # the template's due-soon amber
CLOSED = "D9D9D9"  # closed items' grey
SEVERITY_FILLS = {"error": ERROR, "warning": WARNING}
FLAG_FILLS = {"DUE SOON": DUE_SOON, "OVERDUE": OVERDUE}  # any "N+ DAYS LATE" flag: OVERDUE

AUTHOR = "poam-xl"  # the author of the notes we write
FINDING_COLUMNS = (("Rule", 24), ("Severity", 10), ("Cell", 22), ("Item", 8), ("Column", 24),
                   ("Message", 70), ("Hint", 60))


def flag_fill(flag: str) -> str:
    """The fill of a Flag cell: amber for DUE SOON, red for OVERDUE and the late flags."""
    return FLAG_FILLS.get(flag, OVERDUE)


@dataclass(frozen=True)
class Mark:
    """What one flagged cell shows: its fill (the worst severity) and its note text."""

    sheet: str
    cell: str
    severity: str  # "error" | "warning"
    note: str

    @property
    def fill(self) -> str:
        return SEVERITY_FILLS[self.severity]


def note_text(found: Sequence[Finding]) -> str:
    """'ERROR [rule]: message\\nFix: hint' for each finding at one cell."""
    return "\n".join(f"{f.severity.upper()} [{f.rule}]: {f.message}"
                     + (f"\nFix: {f.hint}" if f.hint else "") for f in found)


def marks(findings: Iterable[Finding], sheets: Iterable[str]) -> list[Mark]:
    """One Mark per flagged cell of the named sheets, in sheet and cell order (findings with no
    single-cell address, or on other sheets, get no mark)."""
    known = set(sheets)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet in known and f.cell and is_ref(f.cell):
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    return [Mark(sheet, cell, "error" if any(f.severity == "error" for f in found) else "warning",
                 note_text(found)) for (sheet, cell), found in sorted(by_cell.items())]


def is_our_note(text: str | None) -> bool:
    """True for a note poam-xl wrote for a finding (so a later run may replace it)."""
    return bool(text) and text.startswith(("ERROR [", "WARNING ["))  # type: ignore[union-attr]


def finding_rows(findings: Iterable[Finding]) -> list[list[Any]]:
    """The Findings sheet's rows under its header (FINDING_COLUMNS), one per finding."""
    return [[f.rule, f.severity, f.where or None, plain(f.item), f.column, f.message, f.hint]
            for f in findings]


def link_target(f: Finding) -> str | None:
    """The in-workbook link of a finding ("'Sheet'!E12"), None without a single cell."""
    if not f.sheet or not f.cell or not is_ref(f.cell):
        return None
    return "'" + f.sheet.replace("'", "''") + "'!" + f.cell


def next_item_number(numbers: pd.Series | Iterable[Any]) -> int:
    """One more than the largest Item Number in use (1 for an empty POA&M); numbers that are
    not whole numbers are ignored."""
    found = pd.to_numeric(pd.Series(list(numbers), dtype=object), errors="coerce").dropna()
    return int(found.max()) + 1 if len(found) else 1
