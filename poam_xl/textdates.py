"""Dates typed as text: a date column's cells that hold text the reader took as a date.

Excel neither sorts nor filters such a cell as a date; the ``date.text`` rule reports each one
and ``poam-xl update --fix-text-dates`` rewrites them as dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .dates import only_types

if TYPE_CHECKING:
    from .poam import Poam


@dataclass(frozen=True)
class TextDate:
    """A date column's cell that holds text read as a date ('3/15/2026' in a text cell)."""

    table: str  # "items" | "milestones"
    key: str  # the model key of the column
    row: int  # the table frame's index (the Excel row, or the reader's row for multi-sheet tables)
    letter: str  # the column letter
    text: str  # the cell's text as typed
    day: dt.date  # the date it reads as


# what a cell read from a file holds (``only_types`` compares these with '' safely)
_CELL_TYPES: set[type] = {str, type(None), float, int, bool, dt.date, dt.datetime}


def text_dates(poam: Poam) -> list[TextDate]:
    """Every date cell of the items and milestones tables that holds text read as a date."""
    out: list[TextDate] = []
    for name, data, table in (("items", poam.items, poam.layout.items),
                              ("milestones", poam.milestones, poam.layout.milestones)):
        if data is None or table is None:
            continue
        for col in table.columns:
            if col.kind != "date" or col.key not in data.letters:
                continue
            cells = data.raw_column(col.key)
            if cells is None or only_types(cells, _CELL_TYPES):
                continue  # no text but the empty cells calamine reads as '': nothing typed
            read = data.frame[col.key]
            texts = np.fromiter((isinstance(v, str) for v in cells), dtype=bool,
                                count=len(cells))
            typed = texts & read.notna().to_numpy()
            for i in np.flatnonzero(typed).tolist():
                out.append(TextDate(name, col.key, int(read.index[i]), data.letters[col.key],
                                    str(cells[i]), pd.Timestamp(read.iloc[i]).date()))
    return out
