"""The eMASS POA&M import layout and its value mapping to the DSS column model (pure).

Layout source: the DoD eMASS RMF POA&M import template (realworld `ckl2POAM__POA&M Template.xlsm`,
sheet `POA&M`): banner row 1, header block rows 2-6, column headers in row 7 spelled exactly as
the template does (stray spaces included), data from row 8. Values: eMASS API documentation
(POA&M status, Raw Severity I/II/III, five-level risk words) and the template's Instructions sheet.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from .. import dates, model
from ..values import mapped
from .emass_findings import finding_fields

SHEET = "POA&M"
LOOKUP_SHEET = "Sheet1"  # the template's hidden lookup-list sheet
BANNER = "***** UNCLASSIFIED//FOR OFFICIAL USE ONLY *****"
HEADER_ROW = 7
FIRST_ROW = 8
STRAY_A7 = "Control Vulnerability Description"  # the template's stray duplicate in A7

STATUSES = ("Ongoing", "Risk Accepted", "Completed", "Not Applicable", "Archived")
RAW_SEVERITIES = ("I", "II", "III")
LEVELS = ("Very Low", "Low", "Moderate", "High", "Very High")


@dataclass(frozen=True)
class Field:
    key: str  # our short key for the eMASS column
    header: str  # exactly as the current template spells it
    letter: str
    model_keys: tuple[str, ...]  # DSS columns it feeds ( () = no home: kept in Comments)
    note: str = ""
    kind: str = "text"  # text | date | lines (one value per row of the item)


F = Field
FIELDS: tuple[Field, ...] = (
    F(
        "item_id",
        "POA&M Item ID",
        "B",
        ("item_number",),
        "assigned by eMASS on import (template instruction 3): written only when read from eMASS",
    ),
    F("description", "Control Vulnerability Description", "C", ("description",)),
    F(
        "control",
        "Security Control Number (NC/NA controls only)",
        "D",
        ("cws",),
        "blank = system-level item",
    ),
    F("office", "Office/Org", "E", ("owner",)),
    F("checks", "Security Checks", "F", ("source_id",)),
    F("resources", "Resources Required", "G", ("resources",)),
    F("scheduled", "Scheduled Completion Date", "H", ("milestone_date",), kind="date"),
    F(
        "milestones",
        "Milestone with Completion Dates",
        "I",
        (),
        "one row per milestone, 'text m/d/yyyy' -> Milestones sheet (milestone, planned date)",
        kind="lines",
    ),
    F(
        "changes",
        "Milestone Changes",
        "J",
        ("milestone_changes",),
        "one row per change",
        kind="lines",
    ),
    F(
        "source",
        "Source Identifying Vulnerability ",
        "K",
        ("how_identified",),
        "narrative -> nearest How Identified value; the text is kept in Comments",
    ),
    F(
        "status",
        "Status",
        "L",
        ("status", "closure_reason", "completion_date"),
        "Ongoing=Open/In Progress/Deferred, Completed=Completed, Risk Accepted / Not Applicable="
        "Closed + closure reason, Archived=Closed; 'Completed 11/13/2018' date = Completion Date",
    ),
    F("comments", "Comments", "M", ("comments",), "also holds kept fields as [tag] lines"),
    F("raw_severity", " Raw Severity", "N", ("risk_level",), "I=High, II=Medium, III=Low"),
    F("mitigations", "Mitigations", "O", (), "mitigations in place: no DSS column"),
    F("severity", "Severity", "P", ()),
    F("relevance", "Relevance of Threat", "Q", ()),
    F(
        "likelihood",
        "Likelihood",
        "R",
        ("likelihood",),
        "Very Low/Low=Low, Moderate=Medium, High/Very High=High",
    ),
    F("impact", "Impact", "S", ("impact",), "as Likelihood"),
    F("impact_description", "Impact Description", "T", ()),
    F("residual", "Residual Risk Level", "U", ("residual_risk",), "a level word only"),
    F(
        "recommendations",
        "Recommendations",
        "V",
        ("mitigation",),
        "recommended corrective actions = Mitigation Plans & Adjustments",
    ),
)
BY_KEY = {f.key: f for f in FIELDS}
LEVEL_FIELDS = ("severity", "relevance", "likelihood", "impact", "residual")

# header block: (our header key, label as written, cell of the label, cell of the value)
HEADER: tuple[tuple[str, str, str, str], ...] = (
    ("poam_date", "Date Exported:", "A2", "D2"),
    ("eMASS Exported By", "Exported By:", "A3", "D3"),
    ("company_name", "DoD Component:", "A4", "D4"),
    ("system_name", "System / Project Name:", "A5", "D5"),
    ("dss_uid", "DoD IT Registration No:", "A6", "D6"),
    ("eMASS System Type", "System Type:", "J2", "K2"),
    ("issm_names", "POC Name:", "J4", "K4"),
    ("issm_phone", "POC Phone:", "J5", "K5"),
    ("eMASS POC E-Mail", "POC E-Mail:", "J6", "K6"),
    ("eMASS OMB Project ID", "OMB Project ID:", "M2", "N2"),
    ("eMASS Security Costs", "Security Costs:", "M5", "N5"),
)
MERGES = (
    "A1:V1",
    "A2:C2",
    "A3:C3",
    "A4:C4",
    "A5:C5",
    "A6:C6",
    "D2:I2",
    "D3:I3",
    "D4:I4",
    "D5:I5",
    "D6:I6",
    "J2:J3",
    "K2:L3",
    "K4:L4",
    "K5:L5",
    "K6:L6",
    "M2:M3",
    "N2:P3",
    "M4:P4",
    "N5:P5",
    "M6:P6",
)  # as in the template
WIDTHS = {
    "A": 17,
    "B": 14.5,
    "C": 34.5,
    "D": 18.5,
    "E": 16,
    "F": 16,
    "G": 15.5,
    "H": 25.5,
    "I": 30,
    "J": 16,
    "K": 21.5,
    "L": 24.7,
    "M": 25.2,
    "N": 17.2,
    "O": 16.2,
    "P": 19,
    "Q": 14,
    "R": 14,
    "S": 14,
    "T": 27.5,
    "U": 19,
    "V": 30.5,
}
HEADER_MODEL_KEYS = {k for k, *_ in HEADER if not k.startswith("eMASS ")}

_TRAILING_DATE = re.compile(  # the rule split_dated follows (its test checks it still does)
    r"^(.*?)[\s,;:\-]*(\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{1,2}-\d{1,2})\s*$", re.DOTALL
)
_DATE_AT_END = re.compile(r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{1,2}-\d{1,2})$")
_TO_LEVEL = {"Low": "Low", "Medium": "Moderate", "High": "High"}
_TO_RAW = {"High": "I", "Medium": "II", "Low": "III"}
_HOW = (
    ("Penetration Test", ("penetration", "pen test", "red team")),
    ("Vulnerability Scan", ("scan", "acas", "nessus", "plugin", "iavm")),
    ("STIG Review", ("stig", "security technical implementation guide", "scap", "checklist")),
    ("Self-Inspection", ("self-inspection", "self inspection", "self-assessment")),
    ("Audit", ("audit",)),
    ("Assessment", ("assessment", "sca", "review")),
    ("Incident", ("incident",)),
)


def to_level(risk: Any) -> str | None:
    """A risk level as an eMASS five-level word: High -> High, Medium -> Moderate, Low -> Low."""
    return _TO_LEVEL.get(str(risk or ""))


def split_dated(value: Any) -> tuple[str | None, dt.date | None]:
    """'Implement Procedure B 10/31/2018' -> ('Implement Procedure B', 2018-10-31)."""
    if type(value) is str:  # most lines: the last word a m/d/yyyy stamp (no space in it)
        head, _space, stamp = value.rpartition(" ")
        day = _stamp_day(stamp) if len(stamp) <= 10 else None  # m/d/yyyy: 10 at most
        if day is not None:  # what the search below finds, the label less its separators
            return head.lstrip().rstrip(_TRIM) or None, day
    if value is None:
        return None, None
    if isinstance(value, dt.date):
        return None, value if not isinstance(value, dt.datetime) else value.date()
    s = str(value).strip()
    # the date is the text's last 6-10 characters: only the tail is searched (the leftmost
    # start there is the one _TRAILING_DATE's lazy label gives), then the separators go
    m = _DATE_AT_END.search(s, max(0, len(s) - 10)) if s[-1:].isdigit() else None
    if m:
        d = dates.parse_text(m.group())
        if d is not None:
            label = s[: m.start()]
            end = len(label)
            while end and (label[end - 1].isspace() or label[end - 1] in ",;:-"):
                end -= 1
            return label[:end].strip() or None, d
    return s or None, None


@functools.lru_cache(maxsize=8192)
def _stamp_day(word: str) -> dt.date | None:
    return dates.parse_text(word) if _STAMP.fullmatch(word) else None


# every character str.isspace() takes (what strip() strips), and split_dated's separators
SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
          "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_TRIM = SPACES + ",;:-"
_STAMP = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")  # _DATE_AT_END's m/d/yyyy, exactly


def dated(label: str | None, day: dt.date | None) -> str | None:
    """Inverse of split_dated, in the template's m/d/yyyy form."""
    if day is None:
        return label
    stamp = _stamp(day)
    return f"{label} {stamp}" if label else stamp


@functools.lru_cache(maxsize=8192)  # a workbook's milestones fall on a few hundred days
def _stamp(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def status_word(value: Any) -> tuple[str | None, dt.date | None]:
    """'Completed 11/13/2018' -> ('Completed', 2018-11-13); the word as the template lists it."""
    label, day = split_dated(value)
    word = model.canonical_choice(label, STATUSES) if label else None
    return word, day


def how_identified(value: Any) -> str | None:
    """Nearest How Identified value for the eMASS narrative 'Source Identifying Vulnerability'."""
    if value is None or not str(value).strip():
        return None
    exact = model.canonical_choice(value, model.HOW_IDENTIFIED)
    if exact:
        return exact
    low = str(value).lower()
    for choice, words in _HOW:
        if any(w in low for w in words):
            return choice
    return "Other"


# ---------------------------------------------------------------- record mapping
def to_model(e: dict[str, Any], position: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One eMASS item (short keys) -> a DSS item record and its milestone records."""

    def txt(k: str) -> str | None:
        v = e.get(k)
        return None if v is None else (str(v).strip() or None)

    item_id = e.get("item_id")
    try:
        number = int(float(str(item_id).strip())) if txt("item_id") else position
    except ValueError:
        number = position
    scheduled = dates.to_date(e.get("scheduled"))
    rec: dict[str, Any] = {
        "item_number": number,
        "description": txt("description"),
        "cws": txt("control"),
        "owner": txt("office"),
        "source_id": txt("checks"),
        "resources": txt("resources"),
        "milestone_date": scheduled if isinstance(scheduled, dt.date) else None,
        "milestone_changes": "\n".join(str(x).strip() for x in e.get("changes") or [] if x) or None,
        "how_identified": mapped(how_identified, e.get("source")),
        "comments": txt("comments"),
        "risk_level": mapped(model.risk_level, e.get("raw_severity")),
        "likelihood": mapped(model.risk_level, e.get("likelihood")),
        "impact": mapped(model.risk_level, e.get("impact")),
        "residual_risk": txt("residual"),
        "mitigation": txt("recommendations"),
    }
    word, day = mapped(status_word, e.get("status"))
    if word is None and txt("status"):
        rec["status"] = model.canonical_choice(txt("status"), model.STATUSES)
    elif word == "Ongoing":
        rec["status"] = "Open"
    elif word == "Completed":
        rec.update(status="Completed", closure_reason="Remediated", completion_date=day)
    elif word in ("Risk Accepted", "Not Applicable"):
        rec.update(status="Closed", closure_reason=word, completion_date=day)
    elif word == "Archived":
        rec.update(status="Closed", completion_date=day)
    miles = []
    for line in e.get("milestones") or []:
        label, day = split_dated(line)
        if label or day:
            miles.append({"item_number": number, "milestone": label, "planned_date": day})
    return rec, miles


def to_emass(
    rec: dict[str, Any], milestones: list[dict[str, Any]], position: int
) -> dict[str, Any]:
    """A DSS item record and its milestones -> one eMASS item (short keys)."""
    status = rec.get("status")
    reason = rec.get("closure_reason")
    done = rec.get("completion_date")
    if status in ("Open", "In Progress", "Deferred"):
        word: str | None = "Ongoing"
    elif status == "Closed" and reason in ("Risk Accepted", "Not Applicable", "False Positive"):
        word = "Not Applicable" if reason == "False Positive" else reason
    elif status in model.CLOSED_STATUSES:
        word = "Completed"
    else:
        word = None
    # template instruction 15: a date follows the word for Completed and Risk Accepted items
    status_cell = dated(word, done) if word in ("Completed", "Risk Accepted") else word
    residual = rec.get("residual_risk")
    changes = str(rec.get("milestone_changes") or "")
    # eMASS API: a Risk Accepted item carries no scheduled completion date and no milestones;
    # ours go to Comments as kept fields (to_items tags what the round trip would lose)
    accepted = word == "Risk Accepted"
    out = {
        "item_id": None,
        "description": rec.get("description"),
        "control": rec.get("cws"),
        "office": rec.get("owner"),
        "checks": rec.get("source_id"),
        "resources": rec.get("resources"),
        "scheduled": None if accepted else rec.get("milestone_date"),
        "milestones": [] if accepted else [dated(m.get("milestone"), m.get("planned_date"))
                                           for m in milestones],
        "changes": [x for x in changes.splitlines() if x.strip()],
        "source": rec.get("how_identified"),
        "status": status_cell,
        "comments": rec.get("comments"),
        "raw_severity": _TO_RAW.get(rec.get("risk_level") or ""),
        "likelihood": _TO_LEVEL.get(rec.get("likelihood") or ""),
        "impact": _TO_LEVEL.get(rec.get("impact") or ""),
        "residual": model.canonical_choice(residual, LEVELS) if residual else None,
        "recommendations": rec.get("mitigation"),
    }
    # imported STIG/scan findings: controls from the CCIs, the CAT as found, the STIG/scan name,
    # the rule ids (layouts/emass_findings.py)
    out.update(finding_fields(rec))
    return out


def mapping() -> list[tuple[str, str, str]]:
    """(our column, eMASS column, note) rows for `convert --show-mapping emass`."""
    rows = []
    for f in FIELDS:
        ours = ", ".join(model.ITEMS.column(k).header for k in f.model_keys) or (
            "Milestones sheet" if f.key == "milestones" else "(kept in Comments)"
        )
        rows.append((ours, f.header, f.note))
    for key, label, _cell, _vcell in HEADER:
        ours = next(
            (h.label for h in model.HEADER_FIELDS if h.key == key), f"(header extra '{key}')"
        )
        rows.append((ours, label.rstrip(":"), "header block"))
    kept = [
        c.header
        for c in model.ITEM_COLUMNS
        if not c.derived and c.key not in {k for f in FIELDS for k in f.model_keys}
    ]
    rows.append((", ".join(kept), "(none)", "kept in eMASS Comments as [poam-xl ...] lines"))
    return rows
