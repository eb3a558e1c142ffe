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
from dataclasses import dataclass
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


# A1 references outside string literals: an optional sheet, $-anchors, an optional range end.
# Not a function name (LOG10( ), not part of a longer name, not a structured/external reference.
_TOKEN = re.compile(r"(?<![\w.!$'\]])((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?"
                    r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?::(\$?)([A-Za-z]{1,3})(\$?)(\d+))?(?![\w(!])")
_STRING = re.compile(r'"(?:[^"]|"")*"')


@dataclass(frozen=True)
class _Shape:
    """One compiled formula shared by every cell whose formula differs only in relative refs
    (a column of ``=IF(T8="",K8+30,T8)``, ``=IF(T9="",K9+30,T9)``, ...): ``fn`` is compiled once
    from the first such cell; ``picks[k]`` is the reference (index into a cell's own references,
    in text order) that feeds ``fn.inputs[k]``."""

    fn: Any
    picks: tuple[int, ...]


def _refs(text: str, row: int, col: int) -> tuple[str, list[str], list[str]] | None:
    """The formula's shape (references relative to its cell, $-anchored parts kept), its
    references in text order and each one's relative form; None when it holds something a
    shape cannot stand for."""
    parts: list[str] = []
    refs: list[str] = []
    rels: list[str] = []
    at = 0
    for lit in [*_STRING.finditer(text), None]:
        stop = lit.start() if lit else len(text)
        chunk, pos = text[at:stop], 0
        for m in _TOKEN.finditer(chunk):
            sheet = (m.group(1) or "")[:-1]
            ends = [(m.group(2), m.group(3), m.group(4), m.group(5))]
            if m.group(7):
                ends.append((m.group(6), m.group(7), m.group(8), m.group(9)))
            rel = []
            for cabs, letters, rabs, digits in ends:
                c, r = column_index(letters.upper()), int(digits)
                if c > 16_384 or not 1 <= r <= 1_048_576:
                    return None  # a name such as ABCD1 or a row past Excel's last: not shared
                rel.append((f"${c}" if cabs else f"{c - col:+d}") + "," +
                           (f"${r}" if rabs else f"{r - row:+d}"))
            parts += [chunk[pos:m.start()], "\x00", sheet.upper(), "!", ":".join(rel), "\x00"]
            refs.append((sheet + "!" if sheet else "") + ":".join(e[1] + e[3] for e in ends).upper())
            rels.append(sheet.upper() + "!" + ":".join(rel))
            pos = m.end()
        parts.append(chunk[pos:])
        if lit:
            parts.append(lit.group(0))
            at = lit.end()
    return "".join(parts), refs, rels


def _key(ref: str) -> str:
    """A reference as the formulas package names an input: no quotes, upper case."""
    sheet, _, cells = ref.rpartition("!")
    sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
    return (sheet.upper() + "!" if sheet else "") + cells.replace("$", "").upper()


def _shaped(text: str, row: int, col: int, shapes: dict[str, _Shape]
            ) -> tuple[Any, list[str]]:
    """The compiled formula of a cell and the references feeding its inputs, in order.

    Raises whatever the formulas package raises for a formula it cannot parse."""
    found = _refs(text, row, col)
    if found is not None:
        shape_key, refs, rels = found
        shape = shapes.get(shape_key) or _new_shape(text, refs, rels)
        if shape is not None:
            shapes[shape_key] = shape
            return shape.fn, [refs[p] for p in shape.picks]
    fn = _compile(text)
    return fn, [str(r) for r in fn.inputs]


def _new_shape(text: str, refs: list[str], rels: list[str]) -> _Shape | None:
    """The shape of this cell's formula, or None when this cell cannot stand for its shape
    (the next cell of the shape tries again; the cell itself is compiled alone)."""
    fn = _compile(text)
    first: dict[str, int] = {}
    for n, ref in enumerate(refs):
        n0 = first.setdefault(_key(ref), n)
        if rels[n0] != rels[n]:  # T8 and T$8 in one formula: one input here, two elsewhere
            return None
    try:
        picks = tuple(first[_key(str(name))] for name in fn.inputs)
    except KeyError:  # a defined name, A:A, B2:B2 read as B2: compiled alone
        return None
    return _Shape(fn, picks)


class _State:
    """What one fill() shares: compiled shapes and results by (formula, input values)."""

    def __init__(self, grids: dict[str, Grid], date1904: bool) -> None:
        self.grids, self.date1904 = grids, date1904
        self.shapes: dict[str, _Shape] = {}
        self.results: dict[tuple[int, tuple[tuple[type, Any], ...]], Any] = {}


def fill(grids: dict[str, Grid], date1904: bool = False) -> int:
    """Compute the uncached formulas of every sheet in place; returns how many were computed.

    Formulas that differ only in relative references are compiled once, and a compiled formula
    is evaluated once per distinct set of input values (the template's blank rows)."""
    todo = [(name, i, j) for name, g in grids.items() if g.problems
            for i, row in enumerate(g.rows) for j, v in enumerate(row)
            if isinstance(v, CellProblem) and v.kind == "uncached"]
    if not todo or len(todo) > MAX_FORMULAS:
        return 0
    state, done = _State(grids, date1904), 0
    for name, i, j in todo:
        value = _evaluate(state, name, i, j, 0)
        if value is not None:
            grids[name].rows[i][j] = value
            done += 1
    return done


def _evaluate(state: _State, sheet: str, i: int, j: int, depth: int) -> Any:
    grid = state.grids[sheet]
    cell = grid.rows[i][j]
    if not isinstance(cell, CellProblem) or cell.kind != "uncached":
        return cell
    if depth > MAX_DEPTH or _REFUSED.search(cell.text) or "[" in cell.text:  # [1]Sheet!A1: a link
        return None
    try:
        fn, refs = _shaped(cell.text, grid.row0 + i, grid.col0 + j, state.shapes)
    except Exception:  # noqa: BLE001 - a formula the package cannot parse stays uncached
        return None
    args = []
    for ref in refs:
        value = _input(state, sheet, ref, depth)
        if value is _UNKNOWN:
            return None
        args.append(value)
    memo = None
    if not any(isinstance(a, list) for a in args):
        memo = (id(fn), tuple((type(a), a) for a in args))
        if memo in state.results:
            return state.results[memo]
    try:
        result = _plain_result(fn(*[_array(a) for a in args]))
    except Exception:  # noqa: BLE001 - an unsupported function or argument: stays uncached
        result = None
    if memo is not None:
        state.results[memo] = result
    return result


def _array(value: Any) -> Any:
    if isinstance(value, list):
        import numpy as np

        return np.array(value, dtype=object)
    return value


_UNKNOWN = object()


def _input(state: _State, sheet: str, ref: str, depth: int) -> Any:
    """A reference's value as the compiled formula takes it: a scalar, or rows of a range."""
    grids = state.grids
    m = _REF.match(ref.upper() if "!" not in ref else ref)
    if m is None:
        return _UNKNOWN
    name = (m.group(1) or "").replace("''", "'") or m.group(2) or sheet
    found = next((n for n in grids if n.upper() == name.upper()), None)
    if found is None:
        return _UNKNOWN
    grid = grids[found]
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
                v = _evaluate(state, found, i, j, depth + 1) if v.kind == "uncached" else None
                if v is None or isinstance(v, CellProblem):
                    return _UNKNOWN
            row.append(_excel_value(v, state.date1904))
        rows.append(row)
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    return rows


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
