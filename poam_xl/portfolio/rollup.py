"""Many POA&Ms as one portfolio: the rows of its Items, Milestones, Files and Findings tables and
the Dashboard's figures, from batch results (``batch.run`` with ``BatchOptions(records=True)``).

Pure: dicts in, ``Portfolio`` out. A file that could not be read (or is not a POA&M) is a Files
row with its reason, never dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .. import dashboard, model
from .records import COMPUTED, ITEM_FIELDS, MILESTONE_FIELDS, is_open, milestone_open

SOURCE = ("file", "company", "cage_code", "system", "profile")  # each row's origin
ITEM_COLUMNS = (*SOURCE, *ITEM_FIELDS, *COMPUTED)
MILESTONE_COLUMNS = (*SOURCE, *MILESTONE_FIELDS, "days_overdue")
FILE_COLUMNS = ("file", "status", "reason", "template", "profile", "company", "cage_code", "system",
                "items", "open", "overdue", "late", "errors", "warnings", "poam_date", "last_review")
FINDING_COLUMNS = ("file", "rule", "severity", "sheet", "cell", "item", "column", "message", "hint")
AGING = dashboard.AGING  # (label, first day, last day or None) of open items' age
UNREADABLE = ("unreadable", "not read")


@dataclass
class Portfolio:
    """The tables of a roll-up (lists of dicts keyed by the *_COLUMNS names) and its figures.

    ``groups``: "company / system" labels in first-seen order; ``open_by_risk``: group ->
    {High, Medium, Low: open items}; ``overdue``: group -> open items past their scheduled
    completion date; ``aging``: AGING label -> open items of that age (days open).
    """

    as_of: dt.date
    files: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    open_by_risk: dict[str, dict[str, int]] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)
    aging: dict[str, int] = field(default_factory=lambda: {label: 0 for label, _, _ in AGING})

    @property
    def unreadable(self) -> list[dict[str, Any]]:
        """Files rows of files that gave no items: unreadable, or not a POA&M."""
        return [f for f in self.files if f["status"] in UNREADABLE]


def group_of(company: Any, system: Any) -> str:
    """The Dashboard's row label of a file: 'Company / System' (either part may be missing)."""
    parts = [str(p).strip() for p in (company, system) if p not in (None, "")]
    return " / ".join(parts) or "(no company or system)"


def build(results: list[dict[str, Any]], as_of: dt.date) -> Portfolio:
    """The portfolio of batch ``results`` (in their order) as of ``as_of``."""
    out = Portfolio(as_of=as_of)
    for r in results:
        add(out, r)
    return out


def add(out: Portfolio, r: dict[str, Any]) -> None:
    """Add one batch result (a file) to the portfolio: its Files row, findings, items and
    milestones, and its counts on the Dashboard's figures."""
    as_of = out.as_of
    rec = r.get("records")
    header = (rec or {}).get("header") or {}
    summary = r.get("summary") or {}
    source = {"file": r["path"], "company": header.get("company_name"),
              "cage_code": header.get("cage_code"), "system": header.get("system_name"),
              "profile": r.get("profile")}
    status, reason = r.get("status", "unreadable"), r.get("error")
    if status not in ("unreadable", "skipped") and rec is None:  # read, but not as a POA&M
        status = "not read"
        reason = reason or _first_error(r) or "not a POA&M workbook"
    out.files.append({**source, "status": status, "reason": reason, "template": r.get("template"),
                      **{k: summary.get(k) for k in ("items", "open", "overdue", "late",
                                                     "errors", "warnings")},
                      "poam_date": header.get("poam_date"),
                      "last_review": header.get("last_review")})
    for f in r.get("findings") or []:
        out.findings.append({"file": r["path"], **{k: f.get(k) for k in FINDING_COLUMNS[1:]}})
    if not rec or status in UNREADABLE:
        return
    group = group_of(source["company"], source["system"])
    if group not in out.open_by_risk:
        out.groups.append(group)
        out.open_by_risk[group] = {risk: 0 for risk in model.RISK_LEVELS}
        out.overdue[group] = 0
    for item in rec["items"]:
        out.items.append({**source, **{k: item.get(k) for k in (*ITEM_FIELDS, *COMPUTED)}})
        _count(out, group, item)
    for m in rec["milestones"]:
        late = (as_of - m["planned_date"]).days if (
            milestone_open(m) and m.get("planned_date") and m["planned_date"] < as_of) else None
        out.milestones.append({**source, **{k: m.get(k) for k in MILESTONE_FIELDS},
                               "days_overdue": late})


def _count(out: Portfolio, group: str, item: dict[str, Any]) -> None:
    if not is_open(item.get("status")):
        return
    risk = item.get("risk_level")
    if risk in out.open_by_risk[group]:
        out.open_by_risk[group][risk] += 1
    if (item.get("days_overdue") or 0) > 0:
        out.overdue[group] += 1
    age = item.get("days_open")
    if age is None:
        return
    for label, lo, hi in AGING:
        if age >= lo and (hi is None or age <= hi):
            out.aging[label] += 1
            break


def _first_error(r: dict[str, Any]) -> str | None:
    for f in r.get("findings") or []:
        if f.get("severity") == "error":
            return str(f.get("message"))
    return None
