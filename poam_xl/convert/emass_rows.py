"""eMASS items read back for the writer's round-trip check: ``layouts.emass.to_model`` with its
costly steps done the short way, the same records for every item.

- the value mappings (How Identified, the risk levels, the Status word and its date) are pure
  functions of the cell text: each text is mapped once (``_mapped``, a bounded memo);
- a milestone line 'text m/d/yyyy' is split as ``split_dated`` splits it without its search:
  the last space-separated word, when it is a m/d/yyyy stamp, is the date (its ``parse_text``
  worked out once per stamp), the text before it less the separators split_dated strips is
  the label; any other line goes through ``split_dated`` itself.

``tests/test_emass_rows.py`` compares them with ``to_model`` and ``split_dated`` on hostile items.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .. import dates, model
from ..layouts import emass as L

# every character str.isspace() takes (what split_dated strips), and its separators
SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
          "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_TRIM = SPACES + ",;:-"
_STAMP = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")  # split_dated's m/d/yyyy ending, exactly
_NONE = object()
_DAYS: dict[str, Any] = {}  # stamp -> its date, None when it is no stamp or no date
_MAPPED: dict[tuple[Callable[[Any], Any], str], Any] = {}
MEMO_SIZE = 8192  # entries kept by each memo (cleared when full)


def split_dated(line: Any) -> tuple[str | None, dt.date | None]:
    """``layouts.emass.split_dated(line)``: 'Implement B 10/31/2018' -> ('Implement B', date)."""
    if type(line) is str:
        head, _space, stamp = line.rpartition(" ")
        day = _DAYS.get(stamp, _NONE)
        if day is _NONE:
            day = dates.parse_text(stamp) if _STAMP.fullmatch(stamp) else None
            if len(_DAYS) >= MEMO_SIZE:
                _DAYS.clear()
            _DAYS[stamp] = day
        if day is not None:  # the search split_dated makes finds this stamp (no space in it)
            return head.lstrip().rstrip(_TRIM) or None, day
    return L.split_dated(line)


def _mapped(fn: Callable[[Any], Any], value: Any) -> Any:
    """``fn(value)`` for a pure mapping ``fn``: worked out once per text."""
    if type(value) is not str:
        return fn(value)
    key = (fn, value)
    found = _MAPPED.get(key, _NONE)
    if found is _NONE:
        if len(_MAPPED) >= MEMO_SIZE:
            _MAPPED.clear()
        found = _MAPPED[key] = fn(value)
    return found


def _txt(v: Any) -> str | None:
    return None if v is None else (str(v).strip() or None)


def to_model(e: dict[str, Any], position: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What ``layouts.emass.to_model(e, position)`` returns: (DSS item record, its milestone
    records) of one eMASS item (short keys)."""
    get = e.get
    item_id = get("item_id")
    try:
        number = int(float(str(item_id).strip())) if _txt(item_id) else position
    except ValueError:
        number = position
    scheduled = dates.to_date(get("scheduled"))
    rec: dict[str, Any] = {
        "item_number": number,
        "description": _txt(get("description")),
        "cws": _txt(get("control")),
        "owner": _txt(get("office")),
        "source_id": _txt(get("checks")),
        "resources": _txt(get("resources")),
        "milestone_date": scheduled if isinstance(scheduled, dt.date) else None,
        "milestone_changes": "\n".join(str(x).strip() for x in get("changes") or [] if x) or None,
        "how_identified": _mapped(L.how_identified, get("source")),
        "comments": _txt(get("comments")),
        "risk_level": _mapped(model.risk_level, get("raw_severity")),
        "likelihood": _mapped(model.risk_level, get("likelihood")),
        "impact": _mapped(model.risk_level, get("impact")),
        "residual_risk": _txt(get("residual")),
        "mitigation": _txt(get("recommendations")),
    }
    status = get("status")
    word, day = _mapped(L.status_word, status)
    if word is None and _txt(status):
        rec["status"] = model.canonical_choice(_txt(status), model.STATUSES)
    elif word == "Ongoing":
        rec["status"] = "Open"
    elif word == "Completed":
        rec.update(status="Completed", closure_reason="Remediated", completion_date=day)
    elif word in ("Risk Accepted", "Not Applicable"):
        rec.update(status="Closed", closure_reason=word, completion_date=day)
    elif word == "Archived":
        rec.update(status="Closed", completion_date=day)
    miles = []
    for line in get("milestones") or []:
        label, day = split_dated(line)
        if label or day:
            miles.append({"item_number": number, "milestone": label, "planned_date": day})
    return rec, miles
