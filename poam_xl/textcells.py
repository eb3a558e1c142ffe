"""Text cells in the workbooks we write with openpyxl: the one cell writer, and text never
becomes a formula.

``put(ws, row, col, value)`` is how every openpyxl-built workbook (DSS template and sample,
FedRAMP, eMASS, DSS conversion, review pack, diff workbook, dashboard) writes a value: text is
stored as text (never ``<f>``), text starting with ``= + - @``, tab or CR also gets Excel's
quote prefix (so editing the cell in Excel keeps it text), and text over Excel's 32,767
characters is cut there (at a line's end when one is within the last 2,000 characters: no
half line or half kept tag) and recorded (``cuts``), never silently; control characters XML 1.0
cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) become U+FFFD, recorded the same
way (``replaced``). Write-only sheets (large
workbooks: the portfolio roll-up) append rows through ``row(ws, values)``, the same rule.

``CellStyle`` formats many cells at the cost of one: openpyxl looks each font, fill, border and
alignment up in the workbook's style tables per assignment; a CellStyle does that once per
workbook and copies the result (``put(..., style=...)``, ``CellStyle.apply``).
"""

from __future__ import annotations

import re
import weakref
from copy import copy
from typing import Any

from .values import FORMULA_START

MAX_TEXT = 32_767  # Excel's limit of characters in a cell
RISKY = FORMULA_START  # what a spreadsheet may take for a formula (values.FORMULA_START)


class CellStyle:
    """Cell format attributes (openpyxl ``font``, ``fill``, ``border``, ``alignment``,
    ``number_format`` objects by name), set as ``setattr`` would set them, but looked up in the
    workbook's style tables once per workbook and starting format, then copied."""

    def __init__(self, **attrs: Any) -> None:
        self.attrs = attrs
        self._done: weakref.WeakKeyDictionary[Any, dict[tuple[int, ...], Any]] = (
            weakref.WeakKeyDictionary())

    def apply(self, cell: Any) -> Any:
        """Set this format's attributes on ``cell`` (others it has stay); returns the cell."""
        done = self._done.setdefault(cell.parent.parent, {})
        before = tuple(cell._style) if cell._style is not None else ()
        after = done.get(before)
        if after is None:
            for name, value in self.attrs.items():
                setattr(cell, name, value)
            done[before] = copy(cell._style)
        else:
            cell._style = copy(after)
        return cell


def put(ws: Any, row: int, col: int, value: Any, style: CellStyle | None = None) -> Any:
    """Write ``value`` at (row, col) of openpyxl worksheet ``ws``, formatted with ``style`` when
    given; returns the cell."""
    if isinstance(value, str):
        value = _fit(ws, value, row, col)
        cell = ws.cell(row, col)
        cell.value = value  # openpyxl marks text starting with '=' as a formula ...
        cell.data_type = "s"  # ... which it is not: it is text
        if style is not None:  # before the quote prefix (a copied format would drop it)
            style.apply(cell)
        if value.lstrip(" ").startswith(RISKY):
            cell.quotePrefix = True
        return cell
    cell = ws.cell(row, col, value)
    return cell if style is None else style.apply(cell)


def row(ws: Any, values: list[Any]) -> list[Any]:
    """``values`` ready for ``ws.append`` on a write-only sheet (``Workbook(write_only=True)``),
    under the rule of ``put``: risky text (``= + - @``, tab, CR) becomes a text cell with the
    quote prefix, text over 32,767 characters is cut and recorded; other values pass as they are.
    """
    out = values
    n = ws.__dict__["_poam_row"] = ws.__dict__.get("_poam_row", 0) + 1  # the row appended next
    for i, value in enumerate(values):
        if isinstance(value, str) and (len(value) > MAX_TEXT or value.lstrip(" ").startswith(RISKY)
                                       or _ILLEGAL.search(value) or "_x" in value):
            if out is values:
                out = list(values)
            out[i] = _text_cell(ws, value, n, i + 1)
    return out


def _text_cell(ws: Any, value: str, row_number: int, col: int) -> Any:
    from openpyxl.cell import WriteOnlyCell

    value = _fit(ws, value, row_number, col)
    cell = WriteOnlyCell(ws)
    cell.value = value
    cell.data_type = "s"
    if value.lstrip(" ").startswith(RISKY):
        cell.quotePrefix = True
    return cell


# not allowed in XML 1.0 (§2.2 Char): openpyxl refuses the control characters, and a lone
# surrogate (JSON "\ud800") or U+FFFE/U+FFFF cannot be encoded or read back
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _fit(ws: Any, value: str, row: int, col: int) -> str:
    """``value`` as a cell can hold it; what had to change is recorded on ``ws``. Text that
    holds Excel's own escape ``_xHHHH_`` ("_x000D_" reads as a carriage return) has its
    underscore escaped as ``_x005F_`` (ECMA-376 Part 1 §22.9.2.19 ST_Xstring), so Excel and
    calamine read the text as written (openpyxl shows the escape)."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("\ufffd", value)
        ws.__dict__.setdefault("_poam_replaced", []).append(f"{ws.title}!{_ref(row, col)}")
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
        line = value.rfind("\n")  # at a line's end when one is near: no half line (or tag) left
        if line > MAX_TEXT - 2000:
            value = value[:line]
        ws.__dict__.setdefault("_poam_cuts", []).append(f"{ws.title}!{_ref(row, col)}")
    if "_x" in value:
        value = _XESCAPE.sub("_x005F_x", value)
    return value


_XESCAPE = re.compile(r"_x(?=[0-9A-Fa-f]{4}_)")


def literal_text(ws: Any) -> None:
    """A last guard over a whole sheet: cells whose text openpyxl took for a formula stay text.
    (Only the cells the sheet holds are visited: none is created.)"""
    for cell in ws._cells.values():
        if cell.data_type == "f" and isinstance(cell.value, str):
            cell.data_type = "s"


def cuts(wb: Any) -> list[str]:
    """'Sheet!A1' of every text ``put`` cut to 32,767 characters in workbook ``wb``."""
    return [ref for ws in wb.worksheets for ref in ws.__dict__.get("_poam_cuts", [])]


def replaced(wb: Any) -> list[str]:
    """'Sheet!A1' of every text whose control characters ``put`` replaced by U+FFFD."""
    return [ref for ws in wb.worksheets for ref in ws.__dict__.get("_poam_replaced", [])]


def altered(wb: Any) -> list[str]:
    """'Sheet!A1: why' of every text written other than it was (cut, characters replaced)."""
    return ([f"{ref}: text cut to Excel's 32,767-character cell limit" for ref in cuts(wb)]
            + [f"{ref}: control characters replaced by U+FFFD" for ref in replaced(wb)])


def cut_note(wb: Any) -> list[str]:
    """The report lines for ``cuts`` and ``replaced`` (none when every text fit as it was)."""
    out = []
    for found, what in ((cuts(wb), "text over Excel's 32,767-character cell limit cut to fit"),
                        (replaced(wb), "control characters a workbook cannot hold replaced by "
                                       "U+FFFD")):
        if found:
            more = f" and {len(found) - 5} more" if len(found) > 5 else ""
            out.append(f"{what}: {', '.join(found[:5])}{more}")
    return out


def _ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"
