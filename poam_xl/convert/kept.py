"""Fields with no column in the target, kept as tagged lines in the item's Comments/remarks.

Same convention as ``convert.common`` (eMASS, CSV): ``[FedRAMP Vendor Dependency] Yes`` keeps
a FedRAMP field in a DSS/OSCAL item, ``[poam-xl Likelihood] High`` keeps a DSS field in a
FedRAMP item. The tag names the side and the source header text; a value runs to the next
tag, so multi-line values survive. Reading the file back restores every field from its tag.
Tags of other sides (eMASS, csv) are left in the text untouched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

TAG = re.compile(r"^\[(FedRAMP|OSCAL|eMASS|poam-xl|csv|json) ([^\]\n]+)\] ?", re.MULTILINE)
MINE = ("FedRAMP", "poam-xl")


def text_of(value: Any) -> str | None:
    """A kept value as text: dates ISO, whole floats without '.0', blanks None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None


def pack(comments: str | None, fields: Mapping[str, Any], side: Callable[[str], str]) -> str | None:
    """Comments followed by one ``[side label] value`` tag per non-blank field."""
    lines = [(comments or "").strip()] if (comments or "").strip() else []
    for label, value in fields.items():
        text = text_of(value)
        if text is not None:
            lines.append(f"[{side(label)} {label}] {text}")
    return "\n".join(lines) or None


def unpack(text: str | None, sides: tuple[str, ...] = MINE) -> tuple[str | None, dict[str, str]]:
    """(comments without our tags, {label: value}) from a Comments/remarks text."""
    if not text or not text.strip():
        return None, {}
    marks = list(TAG.finditer(text))
    if not marks:
        return text.strip(), {}
    plain = text[: marks[0].start()].strip()
    rest = [plain] if plain else []
    fields: dict[str, str] = {}
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        end = nxt.start() if nxt else len(text)
        value = text[m.end() : end].strip()
        if m.group(1) in sides:
            if value:
                fields[m.group(2).strip()] = value
        else:
            rest.append(text[m.start() : end].strip())
    return "\n".join(rest) or None, fields
