"""Findings -> workbook changes: new items, updated and reopened items (pure; no I/O)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import derive, feedback, model
from ..dates import as_date
from ..policy import Policy
from .base import DEFAULT_OPTIONS, ERROR, NOT_A_FINDING, NOT_REVIEWED, OPEN, ImportOptions, Record
from .hosts import Names, Partly, review

RANK = {r: i for i, r in enumerate(reversed(model.RISK_LEVELS))}  # Low 0, Medium 1, High 2
# STIG rule / vuln IDs anywhere in the text, also inside XCCDF ids
# ("xccdf_mil.disa.stig_rule_SV-230221r743913_rule"): not preceded by a letter or digit
_STIG = re.compile(r"(?<![A-Za-z0-9])(S?V-\d+)", re.I)
_PLUGIN = re.compile(r"\bplugin(?:\s*id)?\s*[:#]?\s*(\d+)", re.I)
_SPLIT = re.compile(r"[,;\n]+")
# closed, but not because it was fixed: a scan is expected to keep finding it, so it stays
# closed (Last Seen updated, the summary says so). eMASS takes Risk Accepted as a standing
# status with no completion date (formats.md §3); FedRAMP keeps validated false positives on
# its Closed sheet (formats.md §2). Other closures (Remediated, blank, Completed) reopen.
STAYS_CLOSED = ("Risk Accepted", "False Positive", "Not Applicable")


@dataclass
class Update:
    row: int  # Excel row of the existing item
    item: Any  # its Item Number
    changes: dict[str, Any]  # model key -> new value
    reopened: bool = False
    kept_closed: str | None = None  # its Closure Reason (STAYS_CLOSED) when left closed
    outside: list[str] = field(default_factory=list)  # hosts found that a closed item lacks


@dataclass
class Plan:
    new_rows: list[dict[str, Any]] = field(default_factory=list)  # model key -> value
    updates: list[Update] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> records
    resolved: list[Any] = field(default_factory=list)  # open items the scan now reports passing
    absent: list[Any] = field(default_factory=list)  # open items a rescan of their hosts lacks
    partly: list[Partly] = field(default_factory=list)  # open on some hosts, cleared on others
    left_closed: list[Update] = field(default_factory=list)  # risk accepted etc., found again
    milestones: list[dict[str, Any]] = field(default_factory=list)  # one per new item
    unchanged: int = 0  # findings already on the workbook with nothing to update
    unmatched: int = 0  # new items without a Source Identifier: a later import cannot match them
    notes: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> detail -> findings

    @property
    def reopened(self) -> int:
        return sum(u.reopened for u in self.updates)


def keys(source_id: object) -> frozenset[str]:
    """De-duplication keys of a Source Identifier: STIG rule/vuln IDs, Nessus plugin, or text."""
    text = str(source_id or "").strip()
    if not text or text.lower() in ("nan", "none"):
        return frozenset()
    found = {m.upper() for m in _STIG.findall(text)} | {
        f"plugin:{m}" for m in _PLUGIN.findall(text)
    }
    return frozenset(found) if found else frozenset({"id:" + " ".join(text.lower().split())})


def record_keys(rec: Record) -> frozenset[str]:
    return keys(rec.source_id) or frozenset({"desc:" + " ".join(rec.description.lower().split())})


def split_hosts(text: object) -> list[str]:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    return [h.strip() for h in _SPLIT.split(str(text)) if h.strip()]


def wanted(rec: Record, options: ImportOptions) -> str | None:
    """None when the record should become an item, else the reason it is skipped.

    Not-reviewed and error results (a check that could not decide) are not passing: skipped and
    counted unless ``include_not_reviewed``, then items flagged for review. Every other status
    but open is skipped under its own name ("not a finding", "not selected", ...).
    """
    if rec.status in (NOT_REVIEWED, ERROR) and not options.include_not_reviewed:
        return rec.status.replace("_", " ")
    if rec.status not in (OPEN, NOT_REVIEWED, ERROR):
        return rec.status.replace("_", " ")
    if rec.risk is not None and RANK[rec.risk] < RANK[options.min_severity]:
        return f"below {options.min_severity}"
    return None


def group(records: Iterable[Record]) -> list[tuple[frozenset[str], list[Record]]]:
    """Records sharing a key (same rule on several hosts or files) become one finding."""
    groups: list[tuple[set[str], list[Record]]] = []
    index: dict[str, int] = {}
    for rec in records:
        ks = record_keys(rec)
        hit = next((index[k] for k in ks if k in index), None)
        if hit is None:
            groups.append((set(ks), [rec]))
            hit = len(groups) - 1
        else:
            groups[hit][0].update(ks)
            groups[hit][1].append(rec)
        for k in ks:
            index[k] = hit
    return [(frozenset(ks), recs) for ks, recs in groups]


def merge(
    items: pd.DataFrame,
    records: Iterable[Record],
    pol: Policy,
    as_of: dt.date,
    options: ImportOptions = DEFAULT_OPTIONS,
    scanned: Iterable[Record] = (),
) -> Plan:
    """What importing ``records`` changes on a workbook whose items are ``items`` (reader frame).
    ``scanned``: the SCANNED records of the files (the hosts a Nessus file scanned)."""
    plan = Plan()
    records, scanned = list(records), list(scanned)
    names = Names([*records, *scanned])
    keep: list[Record] = []
    passing: list[Record] = []
    present: dict[str, set[str]] = {}  # identifier key -> hosts any result reports it on
    for rec in records:
        for k in record_keys(rec):
            present.setdefault(k, set()).update(names.key(h) for h in rec.hosts)
        reason = wanted(rec, options)
        if reason is None:
            keep.append(rec)
            _note(plan, rec)
        else:
            _note(plan, rec, kept=False)
            plan.skipped[reason] = plan.skipped.get(reason, 0) + 1
            if rec.status == NOT_A_FINDING:
                passing.append(rec)
    existing = _existing(items)
    updates: dict[int, Update] = {}
    failing: dict[int, dict[str, str]] = {}  # row -> hosts found failing on it now
    next_number = feedback.next_item_number(items["item_number"] if len(items) else [])
    for ks, recs in group(keep):
        hosts = names.unique(h for r in recs for h in r.hosts)
        seen = max((r.detected for r in recs if r.detected), default=None) or as_of
        match = _best(existing, ks, hosts, names)
        if match is None:
            plan.new_rows.append(_new_row(next_number, recs, hosts, as_of))
            plan.unmatched += not plan.new_rows[-1].get("source_id")
            next_number += 1
        else:
            _update(updates, match, recs, hosts, seen, as_of, names)
            failing.setdefault(match["row"], {}).update(names.keys(hosts))
    passes: dict[int, set[str]] = {}
    for ks, recs in group(passing):
        hosts = [h for r in recs for h in r.hosts]
        match = _best(existing, ks, hosts, names)
        if match is not None and match["open"]:
            passes.setdefault(match["row"], set()).update(names.keys(hosts))
    verdicts = review(existing, names, passes, failing, present,
                      set(names.keys(h for r in scanned for h in r.hosts)))
    plan.resolved, plan.absent, plan.partly = verdicts.resolved, verdicts.absent, verdicts.partly
    plan.left_closed = [u for u in updates.values() if u.kept_closed]
    plan.updates = [u for u in updates.values() if u.changes]
    plan.unchanged = sum(not u.changes for u in updates.values())
    derive.fill_records(plan.new_rows, pol, as_of)
    for row in plan.new_rows:
        row["milestone_date"] = row["due_date"]
        verify = "the checklist" if row["how_identified"] == "STIG Review" else "a rescan"
        plan.milestones.append(
            {
                "item_number": row["item_number"],
                "planned_date": row["due_date"],
                "milestone": f"Apply the fix in Mitigation and verify with {verify}",
                "status": "Pending",
            }
        )
    return plan


INFO_NOTES = ("mapping",)  # reported for every finding read; the others only for items written


def _note(plan: Plan, rec: Record, kept: bool = True) -> None:
    """Count what the summary must say about a finding that becomes (or updates) an item:
    the parser's notes, plus a missing host and a missing risk level for every format."""
    notes = [n for n in rec.notes if kept or n[0] in INFO_NOTES]
    if kept and not rec.hosts:
        notes.append(("no-host", rec.file or "the findings"))
    if kept and rec.risk is None and not any(kind == "severity" for kind, _ in notes):
        notes.append(("severity", f"none given in {rec.file or 'the findings'}"))
    for kind, detail in dict.fromkeys(notes):
        counts = plan.notes.setdefault(kind, {})
        counts[detail] = counts.get(detail, 0) + 1


def _existing(items: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row, it in items.iterrows():
        status = model.canonical_choice(it.get("status"), model.STATUSES)
        ks = set(keys(it.get("source_id")))
        if isinstance(it.get("description"), str) and not ks:
            ks.add("desc:" + " ".join(it["description"].lower().split()))
        out.append(
            {
                "row": int(row),
                "item": it.get("item_number"),
                "keys": ks,
                "open": status not in model.CLOSED_STATUSES,
                "hosts": split_hosts(it.get("assets")),
                "last_seen": as_date(it.get("last_seen")),
                "comments": it.get("comments"),
                "status": it.get("status"),
                "completion": as_date(it.get("completion_date")),
                # its allowed spelling ("risk accepted" -> "Risk Accepted"), else the text as it is
                "closure": model.canonical_choice(it.get("closure_reason"), model.CLOSURE_REASONS)
                or (str(it.get("closure_reason")).strip() if _filled(it.get("closure_reason"))
                    else None),
                "approval": it.get("issm_approval"),
                "determination": it.get("dss_determination"),
                "dss_date": as_date(it.get("dss_date")),
            }
        )
    return out


def _best(
    existing: list[dict[str, Any]], ks: frozenset[str], hosts: list[str], names: Names
) -> dict[str, Any] | None:
    """Same source identifier; among several, the one sharing most hosts, open before closed."""
    cands = [e for e in existing if e["keys"] & ks]
    if not cands:
        return None
    want = set(names.keys(hosts))

    def shared(e: dict[str, Any]) -> int:
        return len(want & set(names.keys(e["hosts"])))

    return max(cands, key=lambda e: (shared(e) > 0, e["open"], shared(e), -e["row"]))


def _update(
    updates: dict[int, Update],
    e: dict[str, Any],
    recs: list[Record],
    hosts: list[str],
    seen: dt.date,
    as_of: dt.date,
    names: Names,
) -> None:
    u = updates.setdefault(e["row"], Update(e["row"], e["item"], {}))
    last = u.changes.get("last_seen", e["last_seen"])
    if last is None or seen > last:
        u.changes["last_seen"] = seen
    current = u.changes.get("assets")
    have = split_hosts(current) if current is not None else e["hosts"]
    known = names.keys(have)
    added = [h for h in hosts if names.key(h) not in known]  # a host the item names otherwise
    if not e["open"] and e["closure"] in STAYS_CLOSED:  # found again, as expected: stays closed
        u.kept_closed = e["closure"]
        u.outside += [h for h in added if h not in u.outside]
        return
    if added:
        u.changes["assets"] = ", ".join([*have, *added])
    if not e["open"] and not u.reopened:
        _reopen(u, e, recs, seen, as_of)


def _reopen(u: Update, e: dict[str, Any], recs: list[Record], seen: dt.date,
            as_of: dt.date) -> None:
    """A closed-as-fixed item found again: Open, with every closure field that no longer holds
    cleared (completion, reason, approvals, DSS determination) and the old values in a dated
    note in Comments."""
    u.reopened = True
    was = f"was {e['status']}"
    if e["completion"]:
        was += f" {e['completion'].isoformat()}"
    if e["closure"]:
        was += f", {e['closure']}"
    if _filled(e["approval"]) and e["approval"] != "Pending":
        was += f", ISSM/FSO approval {e['approval']}"
    if _filled(e["determination"]) or e["dss_date"]:
        dss = " ".join(str(v) for v in (e["determination"], e["dss_date"]) if _filled(v))
        was += f", DSS {dss}"
    files = ", ".join(dict.fromkeys(r.file for r in recs if r.file))
    note = (
        f"Reopened {as_of.isoformat()} by poam-xl import: seen again in {files} on "
        f"{seen.isoformat()} ({was})."
    )
    old = e["comments"] if isinstance(e["comments"], str) and e["comments"].strip() else ""
    u.changes.update(status="Open", comments=f"{old}\n{note}" if old else note)
    # only fields that hold something are cleared: no column is added for a blank
    cleared = {"completion_date": e["completion"], "closure_reason": e["closure"],
               "dss_determination": e["determination"], "dss_date": e["dss_date"]}
    u.changes.update({k: None for k, v in cleared.items() if _filled(v)})
    if _filled(e["approval"]) and e["approval"] != "Pending":
        u.changes["issm_approval"] = "Pending"  # the closure's approval no longer holds


def _filled(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v)) and str(v).strip() != ""


def _new_row(number: int, recs: list[Record], hosts: list[str], as_of: dt.date) -> dict[str, Any]:
    first = recs[0]
    risks = [r.risk for r in recs if r.risk]
    detected = min((r.detected for r in recs if r.detected), default=None) or as_of
    seen = max((r.detected for r in recs if r.detected), default=None) or as_of
    files = ", ".join(dict.fromkeys(r.file for r in recs if r.file))
    note = f"Imported {as_of.isoformat()} by poam-xl from {files}."
    if first.details:  # the scanner's evidence, shortened: the description stays readable
        note += "\n" + (first.details if len(first.details) <= 1500 else first.details[:1499] + "…")
    flagged = [r for r in recs if r.status in (NOT_REVIEWED, ERROR)]
    if flagged:
        note += " " + (flagged[0].review or "Not reviewed in the checklist: confirm it applies.")
    cws = "; ".join(dict.fromkeys(c for r in recs for c in r.controls))
    row: dict[str, Any] = {
        "item_number": number,
        "description": first.description,
        "cws": cws or None,
        "mitigation": first.fix or None,
        "status": "Open",
        "risk_level": max(risks, key=RANK.__getitem__) if risks else None,
        "date_identified": detected,
        "how_identified": first.how,
        "source_id": first.source_id or None,
        "assets": ", ".join(hosts) or None,
        "last_seen": seen,
        "comments": note,
    }
    for key, value in first.values.items():
        if key in model.ITEMS.keys and value not in (None, ""):
            row[key] = value if key != "comments" else f"{value}\n{note}"
    return row


