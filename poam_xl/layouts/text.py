"""What the text in a POA&M cell says: template placeholders, and milestones written as a list.

Placeholders are what blank templates and export engines leave in rows that are not items:
``${poam.id}`` (export templates), ``{{id}}`` (mustache), ``<Describe the weakness>`` (Word and
Excel templates, FedRAMP's ``<CSO Name>``), type hints ("Text", "Date", "Low, Moderate, High")
and example rows ("EXAMPLE-1", "Example: ..."; FedRAMP's ``V-1Example``, formats.md §2).

A milestone list in one cell ("1. Plan the fix (02/06/2026)\\n2. Deploy and verify (02/21/2026)",
"Buy licence 12/01/2026", "(1) 2026-02-06: Patch") is split into milestones, each with the
date found in its text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from .. import dates

_TOKEN = re.compile(r"^\s*(\$\{[^}]*\}|\{\{[^}]*\}\}|[<‹«][^<>‹›«»]{1,200}[>›»])\s*$")
HINTS = frozenset({"text", "date", "number", "integer", "string", "yes", "no", "yes/no", "y/n",
                   "mm/dd/yyyy", "mm/dd/yy", "mm-dd-yy", "yyyy-mm-dd", "dd/mm/yyyy", "xx", "xxx",
                   "xxxx", "tbd by submitter", "enter text", "enter date", "free text"})
_ENUM_PART = re.compile(r"^[A-Za-z][A-Za-z /-]{0,14}$")
_EXAMPLE_ID = re.compile(r"example|sample", re.I)
_EXAMPLE_TEXT = re.compile(r"^\s*(example|e\.g\.|sample)\b", re.I)
_TOTALS = re.compile(r"^\s*(grand\s+)?totals?\s*:?\s*$", re.I)


def is_placeholder(value: Any) -> bool:
    """A template placeholder or type hint, never an item's value."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text:
        return False
    if _TOKEN.match(text) or text.lower() in HINTS:
        return True
    parts = [p.strip() for p in re.split(r"[,/]", text)]
    return len(parts) >= 2 and all(_ENUM_PART.match(p) for p in parts) and len(text) <= 60 \
        and all(len(p.split()) <= 2 for p in parts)


def plainly_an_item(item_id: Any, description: Any) -> bool:
    """True when ``row_kind`` is None for the row whatever its other cells hold: a numeric
    item id (never a placeholder, example or totals label) and a description that is text,
    not blank and not an example. Lets a reader skip the cell-by-cell look for most rows."""
    return (type(item_id) in (int, float) and type(description) is str
            and bool(description.strip()) and not _EXAMPLE_TEXT.match(description))


def row_kind(values: Iterable[Any], item_id: Any = None, description: Any = None) -> str | None:
    """Why a table row is not an item ("template placeholder row", "example row", "totals
    row"), or None for an item. ``values`` are the row's non-blank cells."""
    cells = [v for v in values if not (v is None or (isinstance(v, str) and not v.strip()))]
    if not cells:
        return None
    if all(is_placeholder(v) for v in cells):
        return "template placeholder row"
    if (isinstance(item_id, str) and _EXAMPLE_ID.search(item_id)) or (
            isinstance(description, str) and _EXAMPLE_TEXT.match(description)):
        return "example row"
    first = cells[0]
    if isinstance(first, str) and _TOTALS.match(first) and description in (None, ""):
        return "totals row"
    return None


# ---------------------------------------------------------------- milestone lists
_NUMBERED = re.compile(r"(?m)^[ \t]*\(?(\d{1,3})[.)][ \t]+")
_DATE = re.compile(r"\(?\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|"
                   r"\d{1,2}-[A-Za-z]{3}-\d{2,4}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})\s*\)?")


def split_milestones(text: Any) -> list[dict[str, Any]]:
    """'1. Plan the fix (02/06/2026)\\n2. Deploy (02/21/2026)' -> [{"milestone": "Plan the fix",
    "planned_date": date(2026, 2, 6)}, ...]: one milestone per numbered entry, else per line;
    the first date in an entry is its planned date (None when it has none)."""
    if not isinstance(text, str) or not text.strip():
        return []
    marks = list(_NUMBERED.finditer(text))
    if marks:
        chunks = [text[m.end():(marks[k + 1].start() if k + 1 < len(marks) else len(text))]
                  for k, m in enumerate(marks)]
    else:
        chunks = [line for line in re.split(r"[\n;]+", text)]
    out = []
    for chunk in chunks:
        entry = " ".join(chunk.split())
        if not entry:
            continue
        day: dt.date | None = None
        for m in _DATE.finditer(entry):
            found = dates.parse_text(m.group(1))
            if found is not None:
                day = found
                entry = (entry[:m.start()] + " " + entry[m.end():]).strip()
                break
        label = entry.strip(" :-–,.") or None
        out.append({"milestone": label, "planned_date": day})
    return out
