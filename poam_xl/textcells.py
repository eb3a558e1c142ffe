"""Text cells in the workbooks we write with openpyxl: text never becomes a formula."""

from __future__ import annotations

from typing import Any


def literal_text(ws: Any) -> None:
    """Cells whose text starts with '=' stay text: openpyxl would otherwise write a formula."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"


def put(cell: Any, value: Any) -> Any:
    """Write ``value`` into an openpyxl cell; text stays text (never a formula)."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell
