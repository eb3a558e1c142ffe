"""Formulas without cached values (common in workbooks written by generators), computed.

A workbook saved by a library rather than by Excel often holds formulas (``<f>``) with no cached
value (``<v>``); python-calamine reads them as blanks and the grid marks them ``uncached``.
Where it can, poam-xl computes them with the ``formulas`` package, which implements Excel's
functions in Python: nothing of the workbook runs (no macros, no external links, no code).
Formulas that depend on the clock or on indirection (TODAY, NOW, RAND, INDIRECT, OFFSET, ...),
on other workbooks, or on cells it cannot compute stay uncached and are reported as before
(``value.uncached``). An Excel error as the result (``#DIV/0!``) becomes an error value.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from . import dates
from .grids import CellProblem, Grid
from .values import column_index

MAX_DEPTH = 20  # formulas referring to formulas: give up deeper than this
MAX_FORMULAS = 10_000  # a workbook with more uncached formulas keeps them uncached
_REFUSED = re.compile(r"\b(TODAY|NOW|RAND|RANDBETWEEN|RANDARRAY|INDIRECT|OFFSET|INFO|CELL|"
                      r"HYPERLINK|WEBSERVICE|FILTERXML|CALL|REGISTER|RTD|GETPIVOTDATA)\s*\(", re.I)
_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^'!:]+))!)?\$?([A-Z]{1,3})\$?(\d+)"
                  r"(?::\$?([A-Z]{1,3})\$?(\d+))?$")


@lru_cache(maxsize=1024)
def _compile(formula: str) -> Any:
    import formulas  # lazy: only workbooks with uncached formulas pay for it

    return formulas.Parser().ast("=" + formula)[1].compile()


def fill(grids: dict[str, Grid], date1904: bool = False) -> int:
    """Compute the uncached formulas of every sheet in place; returns how many were computed."""
    todo = [(name, i, j) for name, g in grids.items() if g.problems
            for i, row in enumerate(g.rows) for j, v in enumerate(row)
            if isinstance(v, CellProblem) and v.kind == "uncached"]
    if not todo or len(todo) > MAX_FORMULAS:
        return 0
    done = 0
    for name, i, j in todo:
        value = _evaluate(grids, name, i, j, date1904, 0)
        if value is not None:
            grids[name].rows[i][j] = value
            done += 1
    return done


def _evaluate(grids: dict[str, Grid], sheet: str, i: int, j: int, date1904: bool, depth: int
              ) -> Any:
    cell = grids[sheet].rows[i][j]
    if not isinstance(cell, CellProblem) or cell.kind != "uncached":
        return cell
    if depth > MAX_DEPTH or _REFUSED.search(cell.text) or "[" in cell.text:  # [1]Sheet!A1: a link
        return None
    try:
        fn = _compile(cell.text)
    except Exception:  # noqa: BLE001 - a formula the package cannot parse stays uncached
        return None
    args = []
    for ref in fn.inputs:
        value = _input(grids, sheet, str(ref), date1904, depth)
        if value is _UNKNOWN:
            return None
        args.append(value)
    try:
        result = fn(*args)
    except Exception:  # noqa: BLE001 - an unsupported function or argument: stays uncached
        return None
    return _plain_result(result)


_UNKNOWN = object()


def _input(grids: dict[str, Grid], sheet: str, ref: str, date1904: bool, depth: int) -> Any:
    m = _REF.match(ref.upper() if "!" not in ref else ref)
    if m is None:
        return _UNKNOWN
    name = (m.group(1) or "").replace("''", "'") or m.group(2) or sheet
    grid = next((g for n, g in grids.items() if n.upper() == name.upper()), None)
    if grid is None:
        return _UNKNOWN
    r1, c1 = int(m.group(4)), column_index(m.group(3))
    r2, c2 = (int(m.group(6)), column_index(m.group(5))) if m.group(5) else (r1, c1)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 100_000:
        return _UNKNOWN
    rows = []
    for r in range(r1, r2 + 1):
        row = []
        for c in range(c1, c2 + 1):
            i, j = r - grid.row0, c - grid.col0
            v = grid.rows[i][j] if 0 <= i < len(grid.rows) and 0 <= j < len(grid.rows[i]) else None
            if isinstance(v, CellProblem):
                v = _evaluate(grids, name, i, j, date1904, depth + 1) if v.kind == "uncached" else None
                if v is None or isinstance(v, CellProblem):
                    return _UNKNOWN
            row.append(_excel_value(v, date1904))
        rows.append(row)
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    import numpy as np

    return np.array(rows, dtype=object)


def _excel_value(v: Any, date1904: bool) -> Any:
    """A grid value as the formula sees it: dates as serial numbers, blanks as empty."""
    if isinstance(v, dt.datetime | dt.date):
        day = v.date() if isinstance(v, dt.datetime) else v
        return dates.to_serial(day, date1904)
    if v is None or v == "":
        import schedula  # the formulas package's own marker of an empty cell

        return schedula.EMPTY
    return v


def _plain_result(result: Any) -> Any:
    import numpy as np
    from formulas.functions import XlError

    value = result
    while isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.ravel()[0]
    if isinstance(value, XlError):
        return CellProblem(str(value), "error")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | float | str):
        return value
    return None
