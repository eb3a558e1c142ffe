"""A POA&M as read: the ``Poam`` (header block, items and milestones tables, policy), its
tables with cell addresses, and what reading a foreign layout kept or skipped (``Conversion``).

These are plain data; ``tables`` and ``layouts`` fill them, every rule and writer reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import model, policy
from .coerce import Invalid

__all__ = ["Conversion", "Invalid", "Poam", "TableData"]


@dataclass
class TableData:
    frame: pd.DataFrame  # one column per model key (absent ones all-missing); index = Excel row
    sheet: str
    header_row: int
    letters: dict[str, str]  # key -> column letter, for the columns found
    missing: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)  # header, letters
    extra: dict[str, str] = field(default_factory=dict)  # header no field takes -> letter
    # Excel row -> values of those columns, as kept tags ("column", header, text)
    kept: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, why not an item)
    # cell values as read, same shape as frame (a property: see below); never compared or
    # shown (a frame of every cell; two tables' frames are not comparable with ==)
    raw: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    # for tables gathered from several sheets: frame index -> (sheet, Excel row)
    locate: Callable[[int], tuple[str, int]] | None = None
    # the read cell values, key -> list in frame order (``read_table``): ``raw`` is built from
    # them on first use (validate reads a few columns; a frame of them all costs ~10 ms at 10k rows)
    raw_cells: dict[str, list[Any]] | None = field(default=None, repr=False, compare=False)

    def raw_column(self, key: str) -> list[Any] | None:
        """One column of the cell values as read (in ``frame`` order), None when not read;
        from ``raw_cells`` without building ``raw``."""
        built = self.__dict__.get("_raw")
        if built is None and self.raw_cells is not None:
            return self.raw_cells.get(key)
        return built[key].tolist() if built is not None and key in built else None

    def cell(self, key: str, row: int) -> str:
        letter = self.letters.get(key)
        return f"{letter}{row}" if letter else f"{self.header_row}:{row}"


def _get_raw(self: TableData) -> pd.DataFrame | None:
    """``TableData.raw``: the frame given, or the one built from ``raw_cells`` on first use."""
    built: pd.DataFrame | None = self.__dict__.get("_raw")
    if built is None and self.raw_cells is not None:
        index = self.frame.index
        built = self.__dict__["_raw"] = pd.DataFrame(
            {k: pd.Series(v, index=index, dtype=object) for k, v in self.raw_cells.items()},
            index=index)
    return built


def _set_raw(self: TableData, frame: pd.DataFrame | None) -> None:
    self.__dict__["_raw"] = frame


# ``raw`` stays a field (TableData(raw=...), dataclasses.fields) read and set through these
setattr(TableData, "raw", property(_get_raw, _set_raw))  # noqa: B010 - after @dataclass


@dataclass
class Poam:
    header: dict[str, Any]
    header_cells: dict[str, str]  # key -> cell on the items sheet
    items: TableData
    milestones: TableData | None
    policy: policy.Policy
    source: str | None = None
    date1904: bool = False
    layout: model.Layout = model.DSS
    template: str = "dss"  # the recognised template and version, e.g. "fedramp-rev5"
    # the layout's own view of the rows (FedRAMP rows, eMASS items) for its profile's rules
    native: dict[str, Any] = field(default_factory=dict)
    conversion: Conversion | None = None  # what reading a foreign layout kept, skipped, noted
    computed_formulas: int = 0  # formulas without cached values computed on read (recalc)

    def mapping(self) -> list[dict[str, Any]]:
        """How each header was read: [{sheet, column, header, field, kept, duplicate_of}], in
        sheet and column order (``field`` None: no field takes the column; it is kept)."""
        found = self.native.get("mapping")
        if found is not None:
            return list(found)
        out = []
        for data, table in ((self.items, self.layout.items), (self.milestones, self.layout.milestones)):
            if data is None or table is None:
                continue
            prefix = "" if data is self.items else "milestone."
            for key, letter in data.letters.items():
                try:
                    header = table.column(key).header
                except KeyError:
                    header = key
                out.append({"sheet": data.sheet, "column": letter, "header": header,
                            "field": prefix + key, "kept": False, "duplicate_of": None})
            out += [{"sheet": data.sheet, "column": letter, "header": name, "field": None,
                     "kept": True, "duplicate_of": None} for name, letter in data.extra.items()]
        return out
    sheet_states: dict[str, str] = field(default_factory=dict)
    invalid: list[Invalid] = field(default_factory=list)
    policy_cells: dict[str, str] = field(default_factory=dict)
    policy_found: bool = False


@dataclass
class Conversion:
    """What a conversion did: where it wrote, and what had no home in the target."""

    source: str
    target: str
    items: int = 0
    dropped: list[dict[str, Any]] = field(default_factory=list)  # {item, field, value, kept_in}
    notes: list[str] = field(default_factory=list)
    mapping: list[dict[str, Any]] = field(default_factory=list)  # how the input's headers were read
    altered: list[str] = field(default_factory=list)  # 'Sheet!A1: why' of text changed to fit
