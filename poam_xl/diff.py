"""Compare two versions of a POA&M: what was added, closed, reopened, deleted, slipped, approved."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from . import model
from .dates import as_date
from .errors import TemplateError
from .findings import RuleSet

SIMILAR = 0.6  # description similarity that makes two items the same weakness
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
    "approval_gained",
    "renumbered",
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
        "A moved Milestone Date is explained",
        "Record why the date moved (and who approved it) in Milestone Changes or Comments.",
    ),
}
_ENTRY = re.compile(r"[\n;]+")


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    item: int | None  # Item Number in the new version (the old one for deleted items)
    message: str
    severity: str = "info"  # error | warning | info
    rule: str | None = None
    old_item: int | None = None
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
    return report.items


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
    out.changes.sort(key=lambda c: (KINDS.index(c.kind), c.item if c.item is not None else 10**9))
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row, r in frame.iterrows():
        number = r.get("item_number")
        out.append(
            {
                # Excel's last row is 1,048,576; larger indexes are multi-sheet (FedRAMP) keys
                "row": int(row) if isinstance(row, int | float) and row <= 1_048_576 else None,
                "item": None if pd.isna(number) else int(number),
                "description": _text(r.get("description")),
                "status": _text(r.get("status")),
                "risk": _text(r.get("risk_level")),
                "milestone": as_date(r.get("milestone_date")),
                "changes": _text(r.get("milestone_changes")),
                "comments": _text(r.get("comments")),
                "approval": _text(r.get("issm_approval")),
                "dss_date": as_date(r.get("dss_date")),
                "determination": _text(r.get("dss_determination")),
            }
        )
    return out


def _text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


def _short(r: dict[str, Any], n: int = 60) -> str:
    d = " ".join(r["description"].split())
    return d if len(d) <= n else d[: n - 1] + "…"


def similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(
        None, " ".join(a.lower().split()), " ".join(b.lower().split()), autojunk=False
    ).ratio()


def match(
    a: list[dict[str, Any]], b: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(pairs, only in old, only in new): same Item Number and a similar description; else the
    most similar description (re-used or changed numbers)."""
    by_number = {r["item"]: r for r in b if r["item"] is not None}
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    used: set[int] = set()
    rest_a = []
    for o in a:
        n = by_number.get(o["item"])
        if (
            n is not None
            and id(n) not in used
            and (
                similarity(o["description"], n["description"]) >= SIMILAR
                or not o["description"]
                or not n["description"]
            )
        ):
            pairs.append((o, n))
            used.add(id(n))
        else:
            rest_a.append(o)
    rest_b = [n for n in b if id(n) not in used]
    scored = sorted(
        (
            (similarity(o["description"], n["description"]), i, j)
            for i, o in enumerate(rest_a)
            for j, n in enumerate(rest_b)
        ),
        reverse=True,
    )
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    for score, i, j in scored:
        if score < SIMILAR:
            break
        if i in taken_a or j in taken_b:
            continue
        pairs.append((rest_a[i], rest_b[j]))
        taken_a.add(i)
        taken_b.add(j)
    gone = [o for i, o in enumerate(rest_a) if i not in taken_a]
    added = [n for j, n in enumerate(rest_b) if j not in taken_b]
    return pairs, gone, added


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
    return out


def _milestone(o: dict[str, Any], n: dict[str, Any], item: int | None) -> list[Change]:
    if not o["milestone"] or not n["milestone"] or o["milestone"] == n["milestone"]:
        return []
    days = (n["milestone"] - o["milestone"]).days
    entries = [e for e in _ENTRY.split(n["changes"]) if e.strip()]
    times = len(entries) or None
    moved = f"{o['milestone'].isoformat()} -> {n['milestone'].isoformat()}"
    out = []
    if days > 0:
        history = f"; {times} change(s) recorded in Milestone Changes" if times else ""
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
    if not explained:
        out.append(
            Change(
                "milestone_unexplained",
                item,
                f"item {item} Milestone Date moved {moved} "
                "with no new entry in Milestone Changes or Comments",
                "warning",
                BY_KIND["milestone_unexplained"].id,
                days=days,
            )
        )
    return out


# ---------------------------------------------------------------- rendering
def to_table(d: Diff) -> str:
    lines = [f"{d.old} -> {d.new}: {len(d.changes)} changes, {d.errors} errors"]
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
