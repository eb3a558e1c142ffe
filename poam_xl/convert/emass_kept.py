"""What an eMASS workbook (classic or service layout) cannot hold, kept or reported.

Shared by ``emass_write`` (the classic import template) and ``emass_service_write`` (Navy,
Marine Corps, Army): every DSS item field and milestone field the eMASS values do not give back
rides in Comments as a ``[poam-xl <header>]`` / ``[poam-xl Milestone N <header>]`` tag and is
listed in the Conversion as kept in Comments; header fields with no cell in the eMASS header
block are listed as dropped (``kept_in`` None), which ``convert --strict`` refuses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import kept, model, records
from ..layouts import emass as L
from ..poam import Conversion


def dss_tags(rec: dict[str, Any], miles: list[dict[str, Any]], back: dict[str, Any],
             back_miles: list[dict[str, Any]], carried: frozenset[str] = frozenset()
             ) -> list[kept.Tag]:
    """``[poam-xl ...]`` tags of the DSS values (``rec``, ``miles``) that reading the eMASS
    values back (``back``, ``back_miles``) does not restore; Comments itself is the carrier.
    ``carried``: labels of ``[poam-xl ...]`` tags the item's Comments already hold (a text
    Item Number, "TBD" as a date): that tag carries the field, none is added for it.
    (``records.same`` decides; ``_tag_text`` answers the most common cases without it.)"""
    tags: list[kept.Tag] = []
    get = back.get
    simple = _SIMPLE
    for key, header in _ITEM_FIELDS:
        a, b = get(key), rec.get(key)
        if a is b or (type(a) is type(b) and type(a) in simple and a == b):  # _tag_text's first
            continue
        if header not in carried:
            text = _tag_text(a, b)
            if text is not None:
                tags.append(("poam-xl", header, text))
    for k, m in enumerate(miles, start=1):
        get = back_miles[k - 1].get if k <= len(back_miles) else _NOTHING.get
        for key, header in _MILESTONE_FIELDS:
            a, b = get(key), m.get(key)
            if a is not b and not (type(a) is type(b) and type(a) in simple and a == b):
                text = _tag_text(a, b)
                if text is not None:
                    tags.append(("poam-xl", f"Milestone {k} {header}", text))
    return tags


_NOTHING: dict[str, Any] = {}
_SIMPLE = records.SIMPLE


def _tag_text(back: Any, want: Any) -> str | None:
    """The tag text of ``want`` (``kept.text``) when reading back gave ``back``, not the same
    (``records.same``); None when they are the same. A value read back as nothing (most kept
    fields) is kept unless blank: text of spaces is blank, a date never (what ``same`` says)."""
    if back is None:
        if type(want) is str:
            return want if want.strip() else None
        if type(want) is dt.date:
            return want.isoformat()
    elif type(back) is type(want) and type(want) in _SIMPLE and back == want:
        return None
    return None if records.same(back, want) else kept.text(want)


_MILESTONE_FIELDS = [(c.key, c.header) for c in model.MILESTONE_COLUMNS[1:]]
# the item fields compared (Comments is the carrier itself: never tagged)
_ITEM_FIELDS = [(key, model.ITEMS.column(key).header) for key in records.data_keys()
                if key != "comments"]


def report_kept(conv: Conversion, item: Any, tags: list[kept.Tag]) -> None:
    """List each non-blank tagged value in ``conv.dropped`` as kept in Comments."""
    conv.dropped.extend([{"item": item, "field": label, "value": value, "kept_in": "Comments"}
                         for _side, label, value in tags if value])


def note_long_comments(conv: Conversion, item: Any, comments: str | None) -> None:
    """A note when Comments with the kept tags is over eMASS's 2,000 characters (API field
    length)."""
    if len(comments or "") > 2000:
        conv.notes.append(f"item {item}: Comments with the kept fields is "
                          f"{len(comments or ''):,} characters, over eMASS's 2,000")


def report_header(header: dict[str, Any], conv: Conversion) -> None:
    """List each filled DSS header field the eMASS header block has no cell for as dropped."""
    for h in model.HEADER_FIELDS:
        if h.key not in L.HEADER_MODEL_KEYS and header.get(h.key) not in (None, ""):
            conv.dropped.append({"item": None, "field": h.label,
                                 "value": kept.text(header[h.key]), "kept_in": None})
