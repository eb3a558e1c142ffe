"""JSON and CSV from outside, loaded with limits: values JSON does not define (NaN, Infinity,
numbers past a float such as 1e400), nesting past MAX_DEPTH and CSV fields past MAX_FIELD are
one WorkbookError naming the file and where, never a silent NaN or an internal error."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import WorkbookError

MAX_DEPTH = 64  # POA&M, OSCAL, HDF and CKLB documents nest a dozen levels at most
MAX_FIELD = 1024**2  # characters in one CSV field (Excel holds 32,767 in a cell)
csv.field_size_limit(MAX_FIELD)
_CONSTANT = re.compile(r"[:\[,]\s*(-?Infinity|NaN)\b")
_HUGE = re.compile(r"[:\[,]\s*(-?\d+(?:\.\d+)?[eE]\+?\d{3,})")


class _Bad(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _Bad(f"{name} is not a JSON value")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Bad(f"the number {text[:30]} is out of range")
    return value


def load_json(path: str | Path, text: str | None = None, *, what: str = "JSON") -> Any:
    """Parse the JSON file ``path`` (or its ``text``) strictly. Raises WorkbookError naming the
    file (and line) for NaN/Infinity, an out-of-range number or nesting over MAX_DEPTH;
    json.JSONDecodeError (a ValueError) for text that is not JSON, as json.loads does."""
    if text is None:
        text = Path(path).read_text(encoding="utf-8-sig")
    try:
        doc = json.loads(text, parse_constant=_constant, parse_float=_float)
    except _Bad as exc:
        m = (_CONSTANT if "JSON value" in str(exc) else _HUGE).search(text)
        where = f" (line {text.count(chr(10), 0, m.start(1)) + 1})" if m else ""
        raise WorkbookError(f"not valid {what}: {exc}{where}", path=str(path)) from None
    except RecursionError:
        raise WorkbookError(f"not valid {what}: nested deeper than {MAX_DEPTH} levels: refused",
                            path=str(path)) from None
    if _depth(doc) > MAX_DEPTH:
        raise WorkbookError(f"not valid {what}: nested deeper than {MAX_DEPTH} levels: refused",
                            path=str(path))
    lone = _lone_surrogate(text)
    if lone is not None:  # RFC 8259 §8.2: not a character; no output format can hold it
        raise WorkbookError(f"not valid {what}: {text[lone:lone + 6]} is half of a UTF-16 "
                            f"surrogate pair, not a character (line "
                            f"{text.count(chr(10), 0, lone) + 1})", path=str(path))
    return doc


_SURROGATE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD]([89abAB]|[c-fC-F])[0-9a-fA-F]{2}")


def _lone_surrogate(text: str) -> int | None:
    """Offset of the first \\uD800-\\uDFFF escape in JSON ``text`` that is not half of a
    high+low pair (json.loads joins pairs and keeps a lone half as it is)."""
    if "\\u" not in text:
        return None
    pending = None  # offset of a high half waiting for its low half
    for m in _SURROGATE.finditer(text):
        at = m.start() + len(m.group(1))
        high = m.group(2) in "89abAB"
        if pending is not None and not high and at == pending + 6:
            pending = None  # a pair
            continue
        if pending is not None or not high:
            return pending if pending is not None else at
        pending = at
    return pending


def _depth(doc: Any) -> int:
    """Deepest nesting of lists/objects (iterative: a hostile depth cannot recurse)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            stack.extend((v, d + 1) for v in node if isinstance(v, dict | list))
    return deepest


def csv_rows(rows: Iterable[Any], path: str | Path) -> Iterator[Any]:
    """The rows of a csv.reader/DictReader; a field over MAX_FIELD characters or a malformed
    line is a WorkbookError naming the file and line."""
    it = iter(rows)
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(rows, "line_num", None) or getattr(getattr(rows, "reader", None),
                                                                "line_num", "?")
            text = str(exc)
            if "field larger than field limit" in text:
                text = f"a field is longer than {MAX_FIELD:,} characters: refused"
            raise WorkbookError(f"line {line}: {text}", path=str(path)) from None
        yield row
