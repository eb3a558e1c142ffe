"""Text cells in the workbooks we write with openpyxl: the one cell writer, and text never
becomes a formula.

``put(ws, row, col, value)`` is how every openpyxl-built workbook (DSS template and sample,
FedRAMP, eMASS, DSS conversion, review pack, diff workbook, dashboard) writes a value: text is
stored as text (never ``<f>``), text starting with ``= + - @``, tab or CR also gets Excel's
quote prefix (so editing the cell in Excel keeps it text), and text over Excel's 32,767
characters is cut there and recorded (``cuts``), never silently. Write-only sheets (large
workbooks: the portfolio roll-up) append rows through ``row(ws, values)``, the same rule.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT = 32_767  # Excel's limit of characters in a cell
RISKY = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take for a formula


def put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write ``value`` at (row, col) of openpyxl worksheet ``ws``; returns the cell."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            value = value[:MAX_TEXT]
            cut = ws.__dict__.setdefault("_poam_cuts", [])
            cut.append(f"{ws.title}!{_ref(row, col)}")
        cell = ws.cell(row, col)
        cell.value = value  # openpyxl marks text starting with '=' as a formula ...
        cell.data_type = "s"  # ... which it is not: it is text
        if value.lstrip(" ").startswith(RISKY):
            cell.quotePrefix = True
        return cell
    return ws.cell(row, col, value)


def row(ws: Any, values: list[Any]) -> list[Any]:
    """``values`` ready for ``ws.append`` on a write-only sheet (``Workbook(write_only=True)``),
    under the rule of ``put``: risky text (``= + - @``, tab, CR) becomes a text cell with the
    quote prefix, text over 32,767 characters is cut and recorded; other values pass as they are.
    """
    out = values
    n = ws.__dict__["_poam_row"] = ws.__dict__.get("_poam_row", 0) + 1  # the row appended next
    for i, value in enumerate(values):
        if isinstance(value, str) and (len(value) > MAX_TEXT or value.lstrip(" ").startswith(RISKY)):
            if out is values:
                out = list(values)
            out[i] = _text_cell(ws, value, n, i + 1)
    return out


def _text_cell(ws: Any, value: str, row_number: int, col: int) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
        cut = ws.__dict__.setdefault("_poam_cuts", [])
        cut.append(f"{ws.title}!{_ref(row_number, col)}")
    cell = WriteOnlyCell(ws)
    cell.value = value
    cell.data_type = "s"
    if value.lstrip(" ").startswith(RISKY):
        cell.quotePrefix = True
    return cell


def literal_text(ws: Any) -> None:
    """A last guard over a whole sheet: cells whose text openpyxl took for a formula stay text."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"


def cuts(wb: Any) -> list[str]:
    """'Sheet!A1' of every text ``put`` cut to 32,767 characters in workbook ``wb``."""
    return [ref for ws in wb.worksheets for ref in ws.__dict__.get("_poam_cuts", [])]


def cut_note(wb: Any) -> list[str]:
    """The report line for ``cuts`` (none when nothing was cut)."""
    found = cuts(wb)
    if not found:
        return []
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return [f"text over Excel's 32,767-character cell limit cut to fit: {', '.join(found[:5])}{more}"]


def _ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"
