"""An owner's milestone and due dates as an iCalendar file (the ``icalendar`` library, RFC 5545).

One all-day event per item (its scheduled completion date) and per milestone (its planned date).
Each event's UID is a hash of the POA&M's identity (``identity``: DSS UID, CAGE code, company,
system; the file name when all are blank), the Item Number and "due" or the milestone's text, so
it stays the same when a date moves: a calendar that imports a newer file updates the event
instead of adding a second one. SEQUENCE grows with the POA&M Date (days since 2000-01-01), so
the newer version wins; a closed item or a completed milestone is a CANCELLED event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from .remind import Digest, Entry

EPOCH = dt.date(2000, 1, 1)


def identity(header: dict[str, Any], path: str | Path) -> str:
    """What names this POA&M across its versions (never the file's contents or path)."""
    parts = [" ".join(str(header.get(k) or "").split()).casefold()
             for k in ("dss_uid", "cage_code", "company_name", "system_name")]
    return "|".join(parts) if any(parts) else Path(path).stem.casefold()


def uid(ident: str, entry: Entry) -> str:
    """The event's stable UID: hash(identity, item number, 'due' or the milestone's text)."""
    what = "due" if entry.kind == "item" else "milestone:" + " ".join(entry.title.casefold().split())
    digest = hashlib.sha256(f"{ident}\x1f{entry.item}\x1f{what}".encode()).hexdigest()[:32]
    return f"{digest}@poam-xl"


def sequence(poam_date: dt.date | None, as_of: dt.date) -> int:
    """SEQUENCE of every event of this version: days from 2000-01-01 to its POA&M Date (else
    ``as_of``), so a later version's events replace an earlier one's."""
    return max(0, ((poam_date or as_of) - EPOCH).days)


def to_ics(d: Digest, ident: str, seq: int) -> bytes:
    """The owner's calendar (bytes of an .ics file); entries without a date have no event."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//poam-xl//POA&M reminders//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"POA&M: {d.owner}")
    stamp = dt.datetime.combine(d.as_of, dt.time(), tzinfo=dt.UTC)
    seen: dict[str, int] = {}
    for e in d.entries:
        if e.date is None:
            continue
        key = uid(ident, e)
        n = seen[key] = seen.get(key, 0) + 1  # the same milestone text twice on one item
        ev = Event()
        ev.add("uid", key if n == 1 else key.replace("@", f"-{n}@"))
        ev.add("dtstamp", stamp)
        ev.add("sequence", seq)
        ev.add("dtstart", e.date)
        ev.add("dtend", e.date + dt.timedelta(days=1))
        label = f"item {e.item} due" if e.kind == "item" else f"item {e.item} milestone"
        ev.add("summary", f"POA&M {label}: {e.title[:120]}")
        ev.add("description", f"{d.system + ': ' if d.system else ''}{e.title}"
               + (f" (Risk Level {e.risk})" if e.risk else ""))
        ev.add("status", "CANCELLED" if e.done else "CONFIRMED")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
