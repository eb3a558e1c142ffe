"""Reminders per Responsible Owner: their overdue and due-soon items and milestones, as a
Markdown and an HTML digest (the calendar is ``calendar.py``).

An item's date is its scheduled completion date (Milestone Date, else the policy Due Date);
it is overdue when open past that date, due soon when open and that date is at most ``within``
days ahead. A milestone (Milestones sheet) is due on its Planned Date, belongs to its item's
owner, and counts while neither it nor its item is done. Items with no Responsible Owner are
gathered under ``NO_OWNER``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import Any

from .records import is_open, milestone_open

NO_OWNER = "(no Responsible Owner)"


@dataclass(frozen=True)
class Entry:
    """One dated thing to do: an item's scheduled completion or a milestone's planned date."""

    kind: str  # "item" | "milestone"
    item: int | None
    title: str  # the weakness (items) or the milestone's text
    date: dt.date | None
    done: bool  # closed item, or completed milestone (or one of a closed item)
    risk: str | None = None
    days: int = 0  # days overdue (> 0) or left (<= 0 is today or later), as of the digest's day


@dataclass
class Digest:
    owner: str
    as_of: dt.date
    within: int
    system: str = ""
    entries: list[Entry] = field(default_factory=list)  # every dated entry (the calendar's)

    def overdue(self, kind: str) -> list[Entry]:
        return sorted((e for e in self.entries if e.kind == kind and not e.done and e.date
                       and e.date < self.as_of), key=_order)

    def due_soon(self, kind: str) -> list[Entry]:
        return sorted((e for e in self.entries if e.kind == kind and not e.done and e.date
                       and 0 <= (e.date - self.as_of).days <= self.within), key=_order)

    @property
    def count(self) -> int:
        """Overdue and due-soon entries (a digest with none has nothing to remind of)."""
        return sum(len(self.overdue(k)) + len(self.due_soon(k)) for k in ("item", "milestone"))


def _order(e: Entry) -> tuple[dt.date, int]:
    return e.date or dt.date.max, e.item if e.item is not None else 10**9


def digests(records: dict[str, Any], as_of: dt.date, within: int) -> dict[str, Digest]:
    """Owner -> Digest of one workbook's records (``records.file_records``), owners sorted."""
    header = records.get("header") or {}
    system = " / ".join(str(header[k]) for k in ("company_name", "system_name") if header.get(k))
    out: dict[str, Digest] = {}
    owners: dict[Any, str] = {}
    closed: dict[Any, bool] = {}

    def digest(owner: str) -> Digest:
        return out.setdefault(owner, Digest(owner, as_of, within, system))

    for it in records["items"]:
        owner = " ".join(str(it.get("owner") or "").split()) or NO_OWNER
        owners.setdefault(it["item_number"], owner)
        done = not is_open(it.get("status"))
        closed.setdefault(it["item_number"], done)
        date = it.get("scheduled") or it.get("milestone_date") or it.get("due_date") or (
            it.get("completion_date") if done else None)
        digest(owner).entries.append(Entry("item", it["item_number"], _text(it.get("description")),
                                           date, done, it.get("risk_level"), _days(date, as_of)))
    for m in records["milestones"]:
        owner = owners.get(m.get("item_number"), NO_OWNER)
        done = not milestone_open(m) or closed.get(m.get("item_number"), False)
        date = m.get("planned_date")
        digest(owner).entries.append(Entry("milestone", m.get("item_number"),
                                           _text(m.get("milestone")), date, done, None,
                                           _days(date, as_of)))
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == NO_OWNER, kv[0].casefold())))


def _days(date: dt.date | None, as_of: dt.date) -> int:
    return (as_of - date).days if date else 0


def _text(v: Any) -> str:
    return " ".join(str(v or "").split())


def subject(d: Digest) -> str:
    over = len(d.overdue("item")) + len(d.overdue("milestone"))
    soon = len(d.due_soon("item")) + len(d.due_soon("milestone"))
    where = f" ({d.system})" if d.system else ""
    return f"POA&M reminder{where}: {over} overdue, {soon} due within {d.within} days"


SECTIONS = (("Overdue items", "overdue", "item"), ("Items due soon", "due_soon", "item"),
            ("Overdue milestones", "overdue", "milestone"),
            ("Milestones due soon", "due_soon", "milestone"))


def _rows(d: Digest) -> list[tuple[str, list[list[str]]]]:
    out = []
    for title, which, kind in SECTIONS:
        entries = getattr(d, which)(kind)
        rows = [[str(e.item if e.item is not None else ""), e.title,
                 e.date.isoformat() if e.date else "",
                 f"{e.days} days overdue" if e.days > 0 else
                 ("today" if e.days == 0 else f"in {-e.days} days")]
                + ([e.risk or ""] if kind == "item" else []) for e in entries]
        out.append((title if which == "overdue" else f"{title} (within {d.within} days)", rows))
    return out


def _heads(title: str) -> list[str]:
    base = ["Item", "Milestone" if "ilestone" in title else "Weakness", "Date", "When"]
    return base if "ilestone" in title else [*base, "Risk"]


def to_markdown(d: Digest) -> str:
    """The digest as Markdown (also the plain-text part of the e-mail)."""
    lines = [f"# POA&M reminders for {d.owner}", "",
             f"{d.system + ', ' if d.system else ''}as of {d.as_of.isoformat()}.", ""]
    for title, rows in _rows(d):
        lines += [f"## {title}", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        head = _heads(title)
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    return re.sub(r"([\\|*_`<>\[\]])", r"\\\1", text)


def to_html(d: Digest) -> str:
    """The digest as a small HTML page (every value escaped)."""
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">",
             f"<title>POA&amp;M reminders for {e(d.owner)}</title></head><body>",
             f"<h1>POA&amp;M reminders for {e(d.owner)}</h1>",
             f"<p>{e(d.system + ', ' if d.system else '')}as of {d.as_of.isoformat()}.</p>"]
    for title, rows in _rows(d):
        parts.append(f"<h2>{e(title)}</h2>")
        if not rows:
            parts.append("<p>None.</p>")
            continue
        parts.append("<table border=\"1\" cellpadding=\"4\"><tr>"
                     + "".join(f"<th>{e(h)}</th>" for h in _heads(title)) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def file_stem(owner: str, taken: set[str]) -> str:
    """A file name for the owner's digest: lower-case letters, digits and dashes, unique."""
    stem = re.sub(r"[^a-z0-9]+", "-", owner.casefold()).strip("-")[:60] or "owner"
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name)
    return name
