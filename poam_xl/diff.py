"""Compare two versions of a POA&M: what was added, closed, reopened, deleted, slipped, approved."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import diff_fields, kept, model
from .dates import as_date
from .diff_match import match
from .errors import TemplateError
from .findings import RuleSet
from .values import excerpt, parse_ref, plain

RANK = {r: i for i, r in enumerate(reversed(model.RISK_LEVELS))}
KINDS = (
    "deleted",
    "milestone_unexplained",
    "added",
    "closed",
    "reopened",
    "status_changed",
    "risk_raised",
    "risk_lowered",
    "milestone_slipped",
    "milestone_advanced",
    "milestone_changed",
    "date_changed",
    "approval_gained",
    "renumbered",
    "edited",
)
RULES = RuleSet()
BY_KIND = {
    "deleted": RULES.rule(
        "diff.item-deleted",
        "error",
        "An item never silently disappears between versions",
        "Keep the item and close it (Status Closed, Completion Date, Closure Reason) "
        "instead of deleting the row.",
    ),
    "milestone_unexplained": RULES.rule(
        "diff.milestone-unexplained",
        "warning",
        "A moved, removed or no longer readable Milestone Date is explained",
        "Record why the date moved or went (and who approved it) in Milestone Changes or "
        "Comments.",
    ),
}
_ENTRY = re.compile(r"[\n;]+")
# the dates diff compares (record name -> column key); ``items_of`` adds "<key>_text": the text a
# date cell held when it was not a date ("TBD"), so a date turned into text is not a blank
DATES = {"milestone": "milestone_date", "identified": "date_identified", "dss_date": "dss_date",
         "completion": "completion_date"}
TEXT = "_text"


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    item: int | str | None  # Item Number in the new version (the old one for deleted items)
    message: str
    severity: str = "info"  # error | warning | info
    rule: str | None = None
    old_item: int | str | None = None
    days: int | None = None  # milestone slip (+) or advance (-)
    times: int | None = None  # changes recorded in Milestone Changes
    row: int | None = None  # the item's Excel row in the new version (the old one if deleted)
    moved: str | None = None  # a moved Milestone Date: "2026-01-01 -> 2026-02-15"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Diff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(c.severity == "error" for c in self.changes)

    def counts(self) -> dict[str, int]:
        return {k: n for k in KINDS if (n := sum(c.kind == k for c in self.changes))}

    def of(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "errors": self.errors,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }


def load(path: str | Path, as_of: dt.date, profile: str = "auto", password: str | None = None
         ) -> pd.DataFrame:
    """Canonical items (risk/status spelled as the model allows) of one workbook, read with the
    profile's reader (DSS, FedRAMP, eMASS), so any supported template can be compared; an
    encrypted one with ``password``. Raises PoamXlError (TemplateError: no POA&M table)."""
    from .validation import validate

    report = validate(path, as_of=as_of, profile=profile, password=password)
    if report.items is None:
        reason = report.findings[0].message if report.findings else "not a POA&M workbook"
        raise TemplateError(reason, path=str(path))
    return items_of(report)


def items_of(report: Any) -> pd.DataFrame:
    """A validation Report's canonical items with, for each date ``diff`` compares, a
    "<key>_text" column: the text its cell held when that was not a date (the reader's invalid
    value, or a ``[poam-xl Milestone Date] TBD`` tag a foreign-layout reader kept in Comments)."""
    items: pd.DataFrame = report.items
    # and the Item Number's text where it is no whole number ("A-3" on a DSS sheet)
    texts: dict[str, dict[Any, str]] = {key: {} for key in (*DATES.values(), "item_number")}
    for inv in getattr(report.poam, "invalid", None) or []:
        ref = parse_ref(inv.cell, excel=False)
        if inv.table == "items" and inv.key in texts and ref is not None:
            value = inv.value.date() if isinstance(inv.value, dt.datetime) else inv.value
            texts[inv.key][ref[0]] = value.isoformat() if isinstance(value, dt.date) else str(value)
    headers = {model.ITEMS.column(key).header: key for key in texts}
    for row, comments in (items["comments"].items() if "comments" in items else ()):
        for side, label, value in kept.split_tags(comments)[1]:
            if side == "poam-xl" and label in headers and value:
                texts[headers[label]].setdefault(row, value)
    frame = items.copy()
    for key, by_row in texts.items():
        frame[key + TEXT] = pd.Series([by_row.get(r) for r in frame.index], index=frame.index,
                                      dtype=object)
    return frame


def diff_files(old: str | Path, new: str | Path, as_of: dt.date | None = None,
               profile: str = "auto", password: str | None = None) -> Diff:
    """Every change from workbook ``old`` to ``new`` (encrypted ones read with ``password``).
    Raises PoamXlError naming the file that cannot be read."""
    as_of = as_of or dt.date.today()
    return diff(load(old, as_of, profile, password), load(new, as_of, profile, password),
                str(old), str(new))


def diff(
    old: pd.DataFrame, new: pd.DataFrame, old_name: str = "old", new_name: str = "new"
) -> Diff:
    """Every change between two canonical item frames (pure)."""
    a = _records(old)
    b = _records(new)
    pairs, gone, added = match(a, b)
    out = Diff(old_name, new_name)
    for o in gone:
        out.changes.append(
            Change(
                "deleted",
                o["item"],
                f"item {o['item']} ({_short(o)}) is in the old version but not in the new one",
                "error",
                BY_KIND["deleted"].id,
            )
        )
    for o, n in pairs:
        out.changes += compare(o, n)
    for n in added:
        out.changes.append(
            Change(
                "added",
                n["item"],
                f"item {n['item']} added: {_short(n)} ({n['risk'] or 'no risk level'})",
            )
        )
    rows_new = {n["item"]: n["row"] for n in b}
    rows_old = {o["item"]: o["row"] for o in a}
    out.changes = [replace(c, row=(rows_old if c.kind == "deleted" else rows_new).get(c.item))
                   for c in out.changes]
    out.changes.sort(key=lambda c: (KINDS.index(c.kind), *_order(c.item)))
    return out


def _order(item: Any) -> tuple[int, Any]:
    """Sort key of an item id: numbers, then text ids ("A-3"), then none."""
    return (0, item) if isinstance(item, int) else (1, str(item)) if item is not None else (2, "")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row, r in frame.iterrows():
        number = r.get("item_number")
        out.append(
            {
                # Excel's last row is 1,048,576; larger indexes are multi-sheet (FedRAMP) keys
                "row": int(row) if isinstance(row, int | float) and row <= 1_048_576 else None,
                "item": (r.get("item_number" + TEXT) or None) if pd.isna(number)
                else plain(number),  # "V-101" stays text
                "description": _text(r.get("description")),
                "status": _text(r.get("status")),
                "risk": _text(r.get("risk_level")),
                **{name: as_date(r.get(key)) for name, key in DATES.items()},
                **{name + TEXT: _text(r.get(key + TEXT)) for name, key in DATES.items()},
                "changes": _text(r.get("milestone_changes")),
                # the people's text: tags carried by a conversion explain nothing
                "comments": _text(kept.split_tags(_text(r.get("comments")) or None)[0]),
                "approval": _text(r.get("issm_approval")),
                "determination": _text(r.get("dss_determination")),
                **diff_fields.texts(r),
            }
        )
    return out


def _text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


def _short(r: dict[str, Any], n: int = 60) -> str:
    d = " ".join(r["description"].split())
    return d if len(d) <= n else d[: n - 1] + "…"


def compare(o: dict[str, Any], n: dict[str, Any]) -> list[Change]:
    """Changes of one matched item."""
    item = n["item"]
    out: list[Change] = []
    if o["item"] != n["item"]:
        out.append(
            Change(
                "renumbered",
                item,
                f"item {o['item']} is now item {item} ({_short(n)})",
                old_item=o["item"],
            )
        )
    closed0, closed1 = o["status"] in model.CLOSED_STATUSES, n["status"] in model.CLOSED_STATUSES
    if not closed0 and closed1:
        out.append(
            Change(
                "closed", item, f"item {item} closed ({o['status'] or 'blank'} -> {n['status']})"
            )
        )
    elif closed0 and not closed1:
        out.append(
            Change(
                "reopened",
                item,
                f"item {item} reopened ({o['status']} -> {n['status'] or 'blank'})",
            )
        )
    elif o["status"] != n["status"]:
        out.append(
            Change(
                "status_changed",
                item,
                f"item {item} status {o['status'] or 'blank'} -> {n['status'] or 'blank'}",
            )
        )
    if o["risk"] in RANK and n["risk"] in RANK and o["risk"] != n["risk"]:
        up = RANK[n["risk"]] > RANK[o["risk"]]
        out.append(
            Change(
                "risk_raised" if up else "risk_lowered",
                item,
                f"item {item} risk {'raised' if up else 'lowered'} {o['risk']} -> {n['risk']}",
            )
        )
    out += _milestone(o, n, item)
    out += _dates(o, n, item)
    gained = []
    if o["approval"] != "Yes" and n["approval"] == "Yes":
        gained.append("ISSM/FSO approval")
    if (n["dss_date"] and not o["dss_date"]) or (n["determination"] and not o["determination"]):
        gained.append(
            "DSS determination"
            + (f" {n['determination']}" if n["determination"] else "")
            + (f" {n['dss_date'].isoformat()}" if n["dss_date"] else "")
        )
    if gained:
        out.append(Change("approval_gained", item, f"item {item} gained {' and '.join(gained)}"))
    out += [Change("edited", item, f"item {item}: {e}") for e in diff_fields.edits(o, n)]
    return out


def _shown(r: dict[str, Any], name: str) -> str:
    """A compared date as the message shows it: ISO, 'TBD' (text, quoted) or blank."""
    day = r[name]
    if day:
        return str(day.isoformat())
    return repr(excerpt(r[name + TEXT])) if r[name + TEXT] else "blank"


def _what(o: dict[str, Any], n: dict[str, Any], name: str) -> str:
    """How a date changed when it did not simply move: removed, not a date, set, changed."""
    if o[name]:
        return "is no longer a date" if n[name + TEXT] else "removed"
    return "set" if n[name] else "changed"


def _milestone(o: dict[str, Any], n: dict[str, Any], item: int | None) -> list[Change]:
    old, new = _shown(o, "milestone"), _shown(n, "milestone")
    if old == new:
        return []
    moved = f"{old} -> {new}"
    entries = [e for e in _ENTRY.split(n["changes"]) if e.strip()]
    times = len(entries) or None
    days = (n["milestone"] - o["milestone"]).days if o["milestone"] and n["milestone"] else None
    out = []
    if days is None:  # removed, turned into text, set from blank or text
        verb = _what(o, n, "milestone")
        out.append(Change("milestone_changed", item,
                          f"item {item} Milestone Date {verb} ({moved})", times=times,
                          moved=moved))
    elif days > 0:
        history = f"; {times} change(s) recorded in Milestone Changes" if times else ""
        verb = "moved"
        out.append(
            Change(
                "milestone_slipped",
                item,
                f"item {item} milestone slipped {days} days ({moved}){history}",
                days=days,
                times=times,
                moved=moved,
            )
        )
    else:
        verb = "moved"
        out.append(
            Change(
                "milestone_advanced",
                item,
                f"item {item} milestone brought forward {-days} days ({moved})",
                days=days,
                times=times,
                moved=moved,
            )
        )
    explained = (n["changes"] and n["changes"] != o["changes"]) or (
        n["comments"] and n["comments"] != o["comments"]
    )
    if o["milestone"] and not explained:  # a date that was there moved or went away
        out.append(
            Change(
                "milestone_unexplained",
                item,
                f"item {item} Milestone Date {verb} ({moved}) "
                "with no new entry in Milestone Changes or Comments",
                "warning",
                BY_KIND["milestone_unexplained"].id,
                days=days,
                moved=moved,
            )
        )
    return out


def _dates(o: dict[str, Any], n: dict[str, Any], item: int | None) -> list[Change]:
    """Date Identified, DSS Approval Date and Completion Date: a date (or text) that was there
    and changed, went or is no longer a date. A date newly set is the closure or the approval
    (``closed``, ``approval_gained``), not listed again."""
    out = []
    for name, header in (("identified", "Date Identified"), ("dss_date", "DSS Approval Date"),
                         ("completion", "Completion Date")):
        old, new = _shown(o, name), _shown(n, name)
        if old == new or old == "blank" or (name == "dss_date" and n[name] and not o[name]):
            continue
        verb = "changed" if o[name] and n[name] else _what(o, n, name)
        out.append(Change("date_changed", item, f"item {item} {header} {verb} ({old} -> {new})",
                          moved=f"{old} -> {new}"))
    return out


# ---------------------------------------------------------------- rendering
def to_table(d: Diff) -> str:
    from .values import plural

    lines = [f"{d.old} -> {d.new}: {plural(len(d.changes), 'change')}, "
             f"{plural(d.errors, 'error')}"]
    if d.changes:
        width = max(len(c.kind) for c in d.changes)
        lines += [f"  {c.kind:<{width}}  {c.severity:<7}  "
                  f"{'row ' + str(c.row) if c.row else '':<8}  {c.message}" for c in d.changes]
    counts = ", ".join(f"{k} {n}" for k, n in d.counts().items())
    if counts:
        lines.append(f"summary: {counts}")
    return "\n".join(lines)


def to_json(d: Diff) -> str:
    return json.dumps(d.to_dict(), indent=2, default=str)
