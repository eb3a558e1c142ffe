"""The quick bound of a worksheet part: the extent of its cells from byte searches.

The serialisation Excel, LibreOffice and openpyxl write (every cell tag ``<c r="A1"...``) is
bounded with a few searches over the part's bytes instead of tokenizing it (sheetscan); the
bound is proved over *every* cell tag, so it never undercounts. Anything else (prefixed
elements, cells without or with an odd ``r``, quotes or spacing the searches do not cover,
counts that do not match) gets None: the caller tokenizes instead.
"""

from __future__ import annotations

import html
import re

from .sheetbytes import at_most, column_number, letters_at_most, long_runs, shared_formula
from .sheetscan import MAX_PROBLEMS, SheetScan

_PREFIXED = re.compile(rb":(?:c|row|f|v)[\s/>]")
_CELL_TAG = rb"<c(?=[\s/>])"
_DIMENSION = re.compile(rb'<dimension ref="[A-Za-z]{1,3}[0-9]{1,7}:([A-Za-z]{1,3})([0-9]{1,7})"')
# a cell tag's attributes in the plain form: r, then a style and a type other than an error
# (possessive: a failed match gives up at once, Python 3.11+)
_PLAIN_ATTRS = rb'(?: s="[0-9]{1,6}+")?+(?: t="(?:s|n|b|d|str|inlineStr)")?+(?: s="[0-9]{1,6}+")?+/?>'
# a cell tag with two r attributes (calamine takes the last, the searches the first)
_TWO_R = re.compile(rb"<c(?=[\s/>])[^>]*?\br\s*=[^>]*?\br\s*=")
_ROW_GUESS = re.compile(rb'<row r="([0-9]{1,8})"[^<>]*>\s*<c[\s>]')
_WIDE = re.compile(rb'<c r="([A-Za-z]{2,3})[0-9]')
_F_TAG = re.compile(rb"<f[\s/>]")
_SI = re.compile(rb'\ssi="(\d{1,9})"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\st="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?'
                         rb'<v>([^<]{0,40})</v>')
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*)>(<f[^>]*/>|<f[^>]*>([^<]*)</f>)'
                           rb'(?:<v>([^<]*)</v>|<v/>)?</c>')


def quick_bound(data: bytes, problems: int = 0, max_rows: int = 10**7) -> SheetScan | None:
    """An upper bound of the cells' extent of a sheet part held in memory, with its error cells
    and uncached formulas; None when the part is not in the plain serialisation (tokenize it).

    One search proves the common case: every cell tag is ``<c r="..." s=".." t="..">`` in the
    plain form, no error cell among them, within the ``<dimension>``. Otherwise the last row is
    guessed (the dimension, else the last row holding a cell tag) and proved by one search for
    any cell tag that does not start ``<c r="`` with a plain reference at or above the guess,
    the widest column read from every cell tag and the error cells counted."""
    if _PREFIXED.search(data) or b"\x00" in data[:512]:  # prefixed, or UTF-16/32: tokenize
        return None
    extent, errors = _plain_extent(data, max_rows), {}
    if extent is None:
        extent, found = _guessed_extent(data, max_rows), _errors(data)
        if extent is None or found is None:
            return None
        errors = found
    if data.find(b'<c r="') < 0:
        return SheetScan()
    rows, cols = extent
    scan = SheetScan(first_row=1, last_row=rows, first_col=1, last_col=cols, content_rows=rows,
                     cells=rows * cols, exact=False, errors=errors)  # cells: the whole span
    if not _formulas(data, scan.uncached):
        return None
    if problems + len(scan.errors) + len(scan.uncached) > MAX_PROBLEMS:
        return None
    scan.long_cells = long_runs(data)
    return scan


def _plain_extent(data: bytes, max_rows: int) -> tuple[int, int] | None:
    """(rows, columns) of the dimension when every cell tag is plain and within it and none is
    an error cell (one search), else None."""
    m = _DIMENSION.search(data, 0, 4096)
    if m is None or int(m.group(2)) > max_rows or not m.group(1).isupper():
        return None
    rows, cols = int(m.group(2)), column_number(m.group(1).decode("ascii"))
    outside = re.search(_CELL_TAG + rb'(?! r="(?:' + letters_at_most(cols) + rb")(?:" +
                        at_most(rows) + rb')"' + _PLAIN_ATTRS + rb")", data)
    return None if outside else (rows, cols)


def _guessed_extent(data: bytes, max_rows: int) -> tuple[int, int] | None:
    """(rows, columns): the last row guessed and proved over every cell tag, the widest column
    read from every cell tag; None when no guess holds."""
    guesses = []
    if m := _DIMENSION.search(data, 0, 4096):
        guesses.append(int(m.group(2)))
    if not guesses or guesses[0] > max_rows:
        guesses.append(max(map(int, _ROW_GUESS.findall(data)), default=0))
    for guess in guesses:
        if re.search(_CELL_TAG + rb'(?! r="[A-Za-z]{1,3}(?:' + at_most(guess) + rb')")', data) is None:
            break
    else:
        return None  # a cell without a plain r, or below the guessed last row: tokenize
    if _TWO_R.search(data):
        return None  # only the tokenizer refuses the duplicate attribute
    wide = {w.upper() for w in _WIDE.findall(data)}
    return guess, max(map(column_number, (w.decode("ascii") for w in wide)), default=26)


def _errors(data: bytes) -> dict[tuple[int, int], str] | None:
    """(row, column) -> text of every error cell; None when one is not in the plain form."""
    n_errors = data.count(b' t="e"')
    if n_errors != data.count(b'"e"') + data.count(b"'e'"):
        return None  # t='e' or t = "e" (or "e" in a text): tokenize
    errors: dict[tuple[int, int], str] = {}
    if n_errors:
        found = _ERROR_CELL.findall(data)
        if len(found) != n_errors:
            return None
        for col, row, text in found:
            if text:  # an error cell without its text is blank, as the tokenizer reads it
                errors[(int(row), column_number(col.decode("ascii")))] = _text(text)
    return errors


def _text(raw: bytes) -> str:
    """Element text as an XML parser gives it: line ends normalised (XML 1.0 §2.11), then
    character and entity references replaced."""
    return html.unescape(raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").decode("utf-8", "replace"))


def _formulas(data: bytes, uncached: dict[tuple[int, int], str]) -> bool:
    """Put every formula without a cached value into ``uncached``; False when a formula cell is
    not in the plain form (tokenize)."""
    if not _F_TAG.search(data):
        return True
    n_formulas = len(_F_TAG.findall(data))
    cells = _FORMULA_CELL.findall(data)
    if len(cells) != n_formulas or any(b"'" in c[2] or b"'" in c[3] for c in cells):
        return False  # a quote style the searches below do not read: tokenize
    shared: dict[str, tuple[tuple[int, int], str]] = {}
    for col, row, attrs, f, formula, value in cells:
        rc = (int(row), column_number(col.decode("ascii")))
        text = _text(formula)  # &amp; &lt; &gt; &quot;
        if b't="shared"' in f and (si := _SI.search(f)):
            text = shared_formula(shared, si.group(1).decode("ascii"), rc, text)
        if value or b't="str"' in attrs:  # a cached value (Excel writes "" as t="str")
            continue
        uncached[rc] = text
    return True
