"""Cell values: the one place that says what a value is, when it is blank, and how it is named.

Every reader, rule, writer and shell goes through here:

- ``plain``: a pandas/NumPy/openpyxl value -> the plain Python value writers and JSON take
  (None for every kind of missing; dates for timestamps; whole floats as ints);
- ``is_blank`` / ``blank_mask``: a cell (or a column) that holds nothing but spaces;
- A1 references (``parse_ref``, ``cell_ref``, ``column_index``, ``column_letter``), built on
  openpyxl's ``utils.cell`` helpers;
- ``who`` / ``item_prefix``: how a message names its item ("item 7: ...");
- ``escape_formula`` / ``unescape_formula``: CSV formula-injection escaping and its inverse
  (OWASP "CSV Injection": cells starting with ``= + - @``, tab or CR);
- ``excerpt``: a short, escaped excerpt of a value for messages;
- ``cell_text``: a value as text; ``mapped``: a pure text mapping worked out once per text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .memo import LONGEST

__all__ = [
    "FORMULA_START", "blank_mask", "cell_ref", "cell_text", "column_index", "column_letter",
    "escape_formula", "excerpt", "is_blank", "is_ref", "item_prefix", "mapped", "parse_ref", "plain",
    "plain_column", "split_ref", "unescape_formula", "who",
]

EXACT_INT = 2**53  # past this a float no longer holds every whole number
# OWASP CSV injection: a spreadsheet treats a cell starting with these as a formula
# and their full-width forms (U+FF1D U+FF0B U+FF0D U+FF20), which East Asian input modes turn
# into the ASCII ones as a cell is typed or pasted: escaped too, at no cost to other text
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,9})$")
_PLAIN_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,9})")


# ---------------------------------------------------------------- values
def plain(value: Any) -> Any:
    """A cell value as plain Python: ``None`` | ``str`` | ``int`` | ``float`` | ``bool`` | ``date``.

    None, NaN, NaT, ``pd.NA`` and text of only spaces are ``None``; ``pd.Timestamp`` and
    ``datetime`` become ``date`` (POA&M dates carry no time); NumPy scalars become Python
    scalars; a whole float (``3.0``) becomes ``3`` when it is exact (|x| <= 2**53). Text is
    returned as it is (never stripped). Never raises.
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dt.datetime):  # pd.Timestamp is a datetime
        try:
            return None if pd.isna(value) else value.date()
        except (TypeError, ValueError):
            return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        try:
            value = value.item()  # NumPy scalar -> Python scalar
        except (TypeError, ValueError):
            return value
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer() and abs(value) <= EXACT_INT:
            return int(value)
    return value


def is_blank(value: Any) -> bool:
    """True for None, NaN/NaT/NA and text of only spaces."""
    return plain(value) is None


def plain_column(column: pd.Series) -> list[Any]:
    """``[plain(v) for v in column]``, with the typed columns converted in bulk."""
    dtype = column.dtype
    if dtype.kind == "M" and getattr(dtype, "tz", None) is None:  # datetime64: dates or None
        return column.to_numpy("datetime64[D]").astype(object).tolist()  # type: ignore[no-any-return]
    if str(dtype) == "Int64":
        return column.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[no-any-return]
    return [v if type(v) is str and v.strip() else None if v is None else plain(v)
            for v in column.tolist()]


@functools.lru_cache(maxsize=8192)
def _memo(fn: Callable[[Any], Any], text: str) -> Any:
    return fn(text)


def mapped(fn: Callable[[Any], Any], value: Any) -> Any:
    """``fn(value)`` for ``fn`` a pure mapping of a cell's text to an immutable result (a
    spelling, a level), worked out once per text (readers map the same few texts thousands
    of times); any other value, and text too long to be a choice (the memo stays small:
    8,192 texts of at most ``memo.LONGEST`` characters), goes to ``fn`` as it is."""
    return _memo(fn, value) if type(value) is str and len(value) <= LONGEST else fn(value)


def cell_text(value: Any) -> str:
    """A value as text, as pandas' ``astype(str)`` gives it: bytes decoded as UTF-8 (a byte
    that is none replaced, where pandas raises), anything else ``str()``."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def blank_mask(column: pd.Series) -> pd.Series:
    """Elementwise ``is_blank`` for a whole column (bool Series, same index); bytes are read
    as their UTF-8 text here (``cell_text``, as pandas' ``astype(str)`` reads them)."""
    if column.dtype.kind in "biufcmM":  # numbers, dates: no text in them
        return column.isna()
    blank = [not v.strip() if isinstance(v, str) else isinstance(v, bytes) and not cell_text(v).strip()
             for v in column.to_numpy(dtype=object)]
    return column.isna() | pd.Series(blank, index=column.index, dtype=bool)


def excerpt(value: object, limit: int = 40) -> str:
    """A short, escaped excerpt of a value for messages (never dump whole cells).

    Text is shown as it is (control and non-ASCII characters escaped); other values by
    their plain Python form, so NumPy scalars read ``1``, not ``np.int64(1)``.
    """
    v = value if isinstance(value, str) else plain(value)
    text = v if isinstance(v, str) else repr(v)
    if type(text) is not str or not (text.isascii() and text.isprintable()) or "\\" in text:
        text = text.encode("unicode_escape").decode("ascii")  # (plain ASCII: nothing to escape)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- A1 references
def parse_ref(ref: str | None, *, excel: bool = True) -> tuple[int, int] | None:
    """'E12' -> (12, 5) as (row, column), 1-based; ``$E$12`` too; None when not a cell ref.

    ``excel=False`` accepts rows past Excel's last (the reader's synthetic row numbers).
    """
    if not ref:
        return None
    m = _PLAIN_REF.fullmatch(ref)  # 'E12', as findings and sheets name cells: no strip, no '$'
    if m is None:
        m = _REF.match(ref.strip())
        if m is None:
            return None
    col = _column_of(m.group(1))
    row = int(m.group(2))
    if excel and (col > 16384 or row > 1048576):  # XFD1048576 is Excel's last cell
        return None
    return row, col


def split_ref(ref: str) -> tuple[int, int]:
    """Like ``parse_ref`` for a reference known to be valid (from sheet XML); ValueError if not."""
    found = parse_ref(ref)
    if found is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    return found


def is_ref(ref: str | None) -> bool:
    """True for a single-cell A1 reference Excel can hold ('E12'; not 'E', 'A1:B2', 'XFE1')."""
    return parse_ref(ref) is not None


def cell_ref(row: int, col: int) -> str:
    """(12, 5) -> 'E12'."""
    return f"{column_letter(col)}{row}"


def column_index(letters: str) -> int:
    """'E' -> 5; letters past Excel's XFD are counted too ('ZZZ' -> 18278), so a scanner can
    tell how far out of range a hostile reference reaches. ValueError for anything else.
    (Bijective base 26, as openpyxl's column_index_from_string: kept here so reading a cell
    reference does not import openpyxl.)"""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not column letters: {letters!r}")
        n = n * 26 + ord(ch) - 64
    return n


# a reader names the same few columns thousands of times (letters are checked by the patterns)
_column_of = functools.lru_cache(maxsize=4096)(column_index)


@functools.lru_cache(maxsize=4096)
def column_letter(index: int) -> str:
    """5 -> 'E' (1 = A ... 16384 = XFD); ValueError outside 1..18278."""
    if not 1 <= index <= 18278:
        raise ValueError(f"column {index} is out of range")
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# ---------------------------------------------------------------- message wording
def who(item: Any, row: Any = None) -> str:
    """How a message names an item: 'item 7', else 'row 12', else 'an item'."""
    n = plain(item)
    if n is not None:
        return f"item {n}"
    return f"row {plain(row)}" if plain(row) is not None else "an item"


def item_prefix(item: Any) -> str:
    """'item 7: ' for a known item number, '' otherwise (the start of a finding message)."""
    n = plain(item)
    return f"item {n}: " if n is not None else ""


# ---------------------------------------------------------------- CSV formula injection
def escape_formula(value: Any) -> Any:
    """Text starting with ``= + - @``, tab or CR gets a leading ``'`` (a spreadsheet shows it
    as text); text that already starts with quotes before such a character gets one more, so
    ``unescape_formula`` is its exact inverse. Other values pass unchanged."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_formula(value: Any) -> Any:
    """Undo ``escape_formula``: "'=1+2" -> "=1+2", "''=x" -> "'=x"; other text unchanged."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def plural(count: Any, noun: str) -> str:
    """'1 error', '2 errors', '? items' (unknown counts stay visible as '?')."""
    if count is None:
        return f"? {noun}s"
    return f"{count} {noun}" + ("" if count == 1 else "s")
