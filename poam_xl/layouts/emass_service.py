"""The eMASS service POA&M templates (Navy, Marine Corps, Army): one row per milestone.

Source: NSWC-Crane/C-PAT (client/src/app/common/utils/emass-branch-config.ts,
docs/source/user/poamexporting.rst): sheet POA&M, banner row 1, header block rows 2-6 (as the
classic template), header row 7, data from row 8. "When a POAM has multiple milestones, a
separate row is exported for each milestone, with the POAM-level columns repeated on every
row"; a POA&M with no milestone is one row. Navy B..AG; Marine Corps = Navy less "Resulting
Residual Risk after Proposed Mitigations" (and plain "Mitigations"); Army omits Predisposing
Conditions, Threat Description and Resulting Residual Risk and appends the CFO-audit and
personnel / non-personnel resource fields of the eMASS API (mitre/emasser poam_post_mapper.md).
Raw Severity holds a five-level word there (C-PAT writes CAT I as "High"). Every column with
no field in the column model is kept as an ``[eMASS <header>]`` tag and written back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import dates, model, records
from ..grids import Grid
from ..kept import text as kept_text
from ..tables import HEADER_SCAN_ROWS
from ..values import plain
from . import emass as L

NAVY_MITIGATIONS = "Mitigations (in-house and in conjunction with the Navy CSSP)"
_COMMON = (
    ("item_id", "POA&M Item ID"), ("description", "Control Vulnerability Description"),
    ("control", "Controls / APs"), ("checks", "Security Checks"), ("status", "POA&M Status"),
    ("scheduled", "POA&M Scheduled Completion Date"),
    ("ra_expiration", "POA&M Requested Risk Accepted Expiration Date"),
    ("completion", "POA&M Completion Date"), ("m_id", "Milestone ID"),
    ("m_description", "Milestone Description"), ("m_status", "Milestone Status"),
    ("m_comments", "Milestone Status Comments"), ("m_scheduled", "Milestone Scheduled Completion Date"),
    ("m_completion", "Milestone Completion Date"), ("source", "Identification Source"),
    ("source_details", "Identification Source Details"), ("office", "Office/Org"),
    ("resources", "Resources Required"), ("comments", "Comments"), ("raw_severity", "Raw Severity"),
    ("devices", "Devices Affected"),
)
_RISK = (("severity", "Severity"), ("relevance", "Relevance of Threat"))
_LEVELS = (("likelihood", "Likelihood"), ("impact", "Impact"),
           ("impact_description", "Impact Description"), ("residual", "Residual Risk Level"),
           ("recommendations", "Recommendations"))
_ARMY = (("cfo_audit", "Identified in CFO Audit or other review"),
         *((f"pr_{k}", f"Personnel Resources: {h}") for k, h in (
             ("cost_code", "Cost Code"), ("funded_hours", "Funded Base Hours"),
             ("unfunded_hours", "Unfunded Base Hours"), ("obstacle", "Non-Funding Obstacle"),
             ("obstacle_other", "Non-Funding Obstacle Other Reason"))),
         *((f"npr_{k}", f"Non-Personnel Resources: {h}") for k, h in (
             ("cost_code", "Cost Code"), ("funded", "Funded Amount"), ("unfunded", "Unfunded Amount"),
             ("obstacle", "Non-Funding Obstacle"), ("obstacle_other", "Non-Funding Obstacle Other Reason"))))
VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "navy": (*_COMMON, ("mitigations", NAVY_MITIGATIONS), ("predisposing", "Predisposing Conditions"),
             *_RISK, ("threat", "Threat Description"), *_LEVELS,
             ("resulting_residual", "Resulting Residual Risk after Proposed Mitigations")),
    "usmc": (*_COMMON, ("mitigations", "Mitigations"), ("predisposing", "Predisposing Conditions"),
             *_RISK, ("threat", "Threat Description"), *_LEVELS),
    "army": (*_COMMON, ("mitigations", "Mitigations"), *_RISK, *_LEVELS, *_ARMY),
}
MILESTONE_KEYS = ("m_id", "m_description", "m_status", "m_comments", "m_scheduled", "m_completion")
DATE_KEYS = frozenset({"scheduled", "ra_expiration", "completion", "m_scheduled", "m_completion"})
_MS = {"m_description": "milestone", "m_status": "status", "m_comments": "changes",
       "m_scheduled": "planned_date", "m_completion": "completed_date"}
_DIRECT = {"description": "description", "control": "cws", "checks": "source_id",
           "office": "owner", "resources": "resources", "comments": "comments", "devices": "assets",
           "recommendations": "mitigation"}
MILESTONE_STATUS = {"pending": "Pending", "ongoing": "In Progress", "in progress": "In Progress",
                    "completed": "Completed", "complete": "Completed", "missed": "Missed"}


def headers(variant: str) -> dict[str, str]:
    """eMASS key -> header text of ``variant``."""
    return dict(VARIANTS[variant])


def variant_of(texts: set[str]) -> str | None:
    """'navy', 'army', 'usmc' from a header row's texts (lower case, spaces collapsed); None
    for another layout."""
    if not {"milestone id", "poa&m status", "control vulnerability description"} <= texts:
        return None
    if "personnel resources: cost code" in texts:
        return "army"
    if NAVY_MITIGATIONS.lower() in texts or \
            "resulting residual risk after proposed mitigations" in texts:
        return "navy"
    return "usmc"


def _date(v: Any) -> dt.date | None:
    d = dates.to_date(v)
    return d if isinstance(d, dt.date) else None


def to_model(e: dict[str, Any], position: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One service item (eMASS keys; ``e["rows"]``: its milestone rows) -> a DSS item record and
    its milestone records."""
    def txt(k: str) -> str | None:
        v = e.get(k)
        return None if v is None else (str(v).strip() or None)

    item_id = txt("item_id")
    try:
        number: Any = int(float(item_id)) if item_id else position
    except ValueError:
        number = item_id
    rec: dict[str, Any] = {key: txt(k) for k, key in _DIRECT.items()}
    rec.update(item_number=number, milestone_date=_date(e.get("scheduled")),
               completion_date=_date(e.get("completion")),
               how_identified=L.how_identified(e.get("source")),
               risk_level=model.risk_level(e.get("raw_severity")),
               likelihood=model.risk_level(e.get("likelihood")),
               impact=model.risk_level(e.get("impact")), residual_risk=txt("residual"))
    word, day = L.status_word(e.get("status"))
    if word is None and txt("status"):
        rec["status"] = model.canonical_choice(txt("status"), model.STATUSES)
    elif word == "Ongoing":
        rec["status"] = "Open"
    elif word == "Completed":
        rec.update(status="Completed", closure_reason="Remediated")
    elif word in ("Risk Accepted", "Not Applicable"):
        rec.update(status="Closed", closure_reason=word)
    elif word == "Archived":
        rec["status"] = "Closed"
    if day is not None and rec.get("completion_date") is None:
        rec["completion_date"] = day
    miles = []
    for m in e.get("rows") or []:
        ms = {key: m.get(k) for k, key in _MS.items()}
        ms["planned_date"], ms["completed_date"] = _date(ms["planned_date"]), _date(ms["completed_date"])
        status = str(ms["status"] or "").strip()
        ms["status"] = MILESTONE_STATUS.get(status.lower(), status or None)
        if any(v not in (None, "") for v in ms.values()):
            miles.append({"item_number": number, **ms})
    return rec, miles


def to_service(rec: dict[str, Any], miles: list[dict[str, Any]], position: int) -> dict[str, Any]:
    """A DSS record and its milestones -> one service item (eMASS keys, ``rows``: milestones)."""
    e = L.to_emass(rec, miles, position)  # status words, level words: as the classic template
    out: dict[str, Any] = {k: rec.get(key) for k, key in _DIRECT.items()}
    out.update(item_id=None, status=L.status_word(e.get("status"))[0] or e.get("status"),
               scheduled=e.get("scheduled"), completion=rec.get("completion_date"),
               source=e.get("source"), raw_severity=L.to_level(rec.get("risk_level")),
               likelihood=e.get("likelihood"), impact=e.get("impact"), residual=e.get("residual"))
    accepted = out["status"] == "Risk Accepted"
    out["rows"] = [] if accepted else [
        {"m_id": k, "m_description": m.get("milestone"), "m_status": m.get("status"),
         "m_comments": m.get("changes"), "m_scheduled": m.get("planned_date"),
         "m_completion": m.get("completed_date")} for k, m in enumerate(miles, start=1)]
    return out


def same(key: str, a: Any, b: Any) -> bool:
    """Equal as eMASS values (dates as dates, status words by their word)."""
    if key == "status" and L.status_word(a)[0] is not None:
        return L.status_word(a)[0] == L.status_word(b)[0]
    return records.same(a, b)


# ---------------------------------------------------------------- reading
def find(grids: dict[str, Grid]) -> tuple[str, int, str, dict[str, int]] | None:
    """(sheet, header row, variant, eMASS key -> column index) of a service table, or None."""
    for name, grid in grids.items():
        for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            texts = {" ".join(v.lower().split()) for v in row if isinstance(v, str)}
            variant = variant_of(texts)
            if variant is None:
                continue
            names = {" ".join(h.lower().split()): k for k, h in VARIANTS[variant]}
            body = grid.rows[i + 1:]
            best: dict[str, tuple[bool, int]] = {}
            for j, v in enumerate(row):
                key = names.get(" ".join(v.lower().split())) if isinstance(v, str) else None
                if key is None:
                    continue
                has_data = any(j < len(r) and plain(r[j]) is not None for r in body)
                if key not in best or (has_data, j) >= best[key]:  # the stray A7 has no data
                    best[key] = (has_data, j)
            return name, grid.row0 + i, variant, {k: j for k, (_d, j) in best.items()}
    return None


def detect(grids: dict[str, Grid]) -> bool:
    return find(grids) is not None


def group(grid: Grid, header_row: int, pos: dict[str, int]
          ) -> list[tuple[int, dict[str, Any], list[int]]]:
    """(first row, item values with ``rows`` = its milestone rows, Excel rows of its milestones)
    per item. A row continues the item above when every item-level value it holds equals that
    item's (Army repeats them; Navy and Marine Corps leave them blank)."""
    out: list[tuple[int, dict[str, Any], list[int]]] = []
    for i, cells in enumerate(grid.rows[header_row - grid.row0 + 1:]):
        excel_row = header_row + 1 + i
        vals = {k: plain(cells[j]) if j < len(cells) else None for k, j in pos.items()}
        item = {k: v for k, v in vals.items() if k not in MILESTONE_KEYS}
        ms = {k: v for k, v in vals.items() if k in MILESTONE_KEYS}
        if all(v is None for v in vals.values()):
            continue
        current = out[-1][1] if out else None
        if current is None or not all(v is None or same(k, v, current.get(k)) for k, v in item.items()) \
                or all(v is None for v in ms.values()) and any(v is not None for v in item.values()):
            current = {**item, "rows": []}
            out.append((excel_row, current, []))
        if any(v is not None for v in ms.values()):
            current["rows"].append(ms)
            out[-1][2].append(excel_row)
    return out


def kept_tags(e: dict[str, Any], rec: dict[str, Any], miles: list[dict[str, Any]], position: int,
              variant: str) -> list[tuple[str, str, str]]:
    """The ``[eMASS ...]`` tags of the values the column model cannot carry (written back)."""
    back = to_service(rec, miles, position)
    names = headers(variant)
    tags = [("eMASS", names[k], kept_text(e[k])) for k in names  # Comments: the carrier
            if k not in MILESTONE_KEYS and k != "comments" and k in e and e[k] is not None
            and not same(k, e[k], back.get(k))]
    for m, (row, brow) in enumerate(zip(e.get("rows") or [], back["rows"] + [{}] * len(e.get("rows") or []),
                                        strict=False), start=1):
        for k in MILESTONE_KEYS:
            if row.get(k) is not None and not same(k, row[k], brow.get(k)):
                tags.append(("eMASS", f"Milestone {m} {names[k]}", kept_text(row[k])))
    return tags


def classic_view(e: dict[str, Any]) -> dict[str, Any]:
    """A service item in the classic template's keys, for the eMASS profile's rules."""
    out = {k: v for k, v in e.items() if k != "rows"}
    out["milestones"] = [L.dated(m.get("m_description"), _date(m.get("m_scheduled")))
                         for m in e.get("rows") or []]
    out["changes"] = []
    return out
