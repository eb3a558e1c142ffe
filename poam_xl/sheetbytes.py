"""Byte-level helpers of the sheet scan: shared formulas, over-long text runs, number ranges.

A formula filled down in Excel is stored once.

ECMA-376 Part 1, 18.3.1.40 (``f``, ``t="shared"``): the first cell (the master) holds the
formula text with ``si`` and ``ref``; every other cell of the range holds only ``si``. Its
formula is the master's, moved as Excel moves a copied formula (relative references shift).
"""

from __future__ import annotations

import re

MAX_TEXT = 32_767  # Excel's limit of characters in a cell


def column_number(letters: str) -> int:
    """A column's letters as its 1-based number (AB -> 28)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def shared_formula(masters: dict[str, tuple[tuple[int, int], str]], si: str, cell: tuple[int, int],
                   text: str) -> str:
    """A shared formula's text at ``cell`` (ECMA-376 Part 1, 18.3.1.40: the master cell holds the
    text, the cells filled down from it only ``si``): the master's text moved as Excel moves a
    copied formula; the master itself is recorded. '' when the master is unknown."""
    if text:
        masters[si] = (cell, text)
        return text
    if si not in masters:
        return ""
    from openpyxl.formula.translate import Translator, TranslatorError  # lazy: rare
    from openpyxl.utils.cell import get_column_letter as column_letter

    (row, col), master = masters[si]
    try:
        moved = Translator("=" + master, origin=column_letter(col) + str(row)).translate_formula(
            column_letter(cell[1]) + str(cell[0]))
    except (TranslatorError, ValueError):
        return ""
    return str(moved[1:] if moved.startswith("=") else moved)


_WINDOW = 16_384  # a text run over 32,767 bytes holds a whole aligned window of this size


def long_runs(data: bytes) -> list[tuple[int, int, int]]:
    """(row, column, characters) of cells whose text runs past Excel's 32,767 characters: a run
    that long without markup fills a whole 16 KB window, so only windows without '<' are looked
    at (one memchr each), then the run around it is measured and its cell found."""
    out: list[tuple[int, int, int]] = []
    end = -1
    for start in range(0, len(data) - _WINDOW + 1, _WINDOW):
        if start < end or data.find(b"<", start, start + _WINDOW) >= 0:
            continue
        lo, end = data.rfind(b">", 0, start) + 1, data.find(b"<", start)
        end = len(data) if end < 0 else end
        if end - lo <= MAX_TEXT:
            continue
        from xml.sax.saxutils import unescape

        n = len(unescape(data[lo:end].decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}))
        m = _LAST_CELL.search(data, max(0, data.rfind(b"<c ", 0, lo)), lo)
        if n > MAX_TEXT and m is not None:
            out.append((int(m.group(2)), column_number(m.group(1).decode("ascii")), n))
    return out


_LAST_CELL = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]+)"')


def at_most(n: int) -> bytes:
    """A regex alternation matching the decimal integers 1..n (no leading zero; none if n < 1)."""
    if n < 1:
        return b"(?!)"
    s = str(n)
    alts = [rb"[1-9][0-9]{0,%d}" % (len(s) - 2)] if len(s) > 1 else []
    for i, ch in enumerate(s):
        d = int(ch)
        lo = 1 if i == 0 else 0
        if d > lo:
            alts.append(s[:i].encode() + (b"[%d-%d]" % (lo, d - 1)) + (b"[0-9]{%d}" % (len(s) - i - 1)))
    alts.append(s.encode())
    return b"|".join(alts)


def letters_at_most(n: int) -> bytes:
    """A regex alternation matching the upper-case column letters of columns 1..n (A..XFD)."""
    if n < 1:
        return b"(?!)"
    s = b""
    while n:
        n, rem = divmod(n - 1, 26)
        s = bytes([65 + rem]) + s
    alts = [rb"[A-Z]{1,%d}" % (len(s) - 1)] if len(s) > 1 else []
    for i, ch in enumerate(s):
        if ch > 65:
            alts.append(s[:i] + b"[A-%c]" % (ch - 1) + b"[A-Z]{%d}" % (len(s) - i - 1))
    alts.append(s)
    return b"|".join(alts)
