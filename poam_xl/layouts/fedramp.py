"""The FedRAMP POA&M template (Rev5 v2.1, v2.0; Rev4): sheets, header block, columns, ratings,
and the texts its milestones are kept in (Planned Milestones, the Milestone Records JSON).

Layout: FedRAMP POA&M Template v2.1 (GSA, 2024-03-29; public domain), read from the real file
in shared/realworld: sheets Open / Closed POA&M Items and Configuration Findings, header
block rows 2-3 (CSP | System Name | Impact Level | POAM Date), column headers on row 5.
Rev4 has the same columns less Service Name. ``fedramp_records`` maps a FedRAMP row to the
DSS column model and back; ``fedramp_read`` reads the workbook; convert/fedramp_write writes it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .. import dates, kept, model
from ..policy import Policy

OPEN, CLOSED, CONFIG = "Open POA&M Items", "Closed POA&M Items", "Configuration Findings"
SHEETS = (OPEN, CLOSED, CONFIG)
HEADER_ROW = 5
# FedRAMP ConMon remediation windows (FedRAMP Continuous Monitoring Strategy Guide; the
# template's own Scheduled Completion Date formula): High/Critical 30, Moderate 90, Low 180.
POLICY = Policy(days={"High": 30, "Medium": 90, "Low": 180}, source="FedRAMP defaults")
RATINGS = ("Low", "Moderate", "High")
ADJUSTED = (*RATINGS, "N/A")
YES_NO = ("Yes", "No")
YES_NO_PENDING = ("Yes", "No", "Pending")
TO_FEDRAMP_RISK = {"High": "High", "Medium": "Moderate", "Low": "Low"}
# a FedRAMP workbook read into the DSS column model (items on several sheets)
LAYOUT = model.Layout("fedramp")

# (FedRAMP header, key, kind, note); a key without the "fr_" prefix is the DSS column it fills
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("POAM ID", "fr_poam_id", "text", "kept; Item Number = its last number when unique"),
    ("Controls", "cws", "text", ""),
    ("Weakness Name", "fr_weakness_name", "text", "kept; written from Description when absent"),
    ("Weakness Description", "description", "text", ""),
    ("Weakness Detector Source", "fr_detector_source", "text", "sets How Identified"),
    ("Weakness Source Identifier", "source_id", "text", ""),
    ("Asset Identifier", "assets", "text", ""),
    ("Point of Contact", "owner", "text", ""),
    ("Resources Required", "resources", "text", ""),
    ("Overall Remediation Plan", "mitigation", "text", ""),
    ("Original Detection Date", "date_identified", "date", ""),
    ("Scheduled Completion Date", "milestone_date", "date", ""),
    (
        "Planned Milestones",
        "fr_planned_milestones",
        "text",
        "one Milestones row per '(n) date: text'",
    ),
    ("Milestone Changes", "milestone_changes", "text", ""),
    ("Status Date", "fr_status_date", "date", "Completion Date of Closed items"),
    ("Vendor Dependency", "fr_vendor_dependency", "text", "kept"),
    ("Last Vendor Check-in Date", "fr_vendor_checkin", "date", "kept"),
    ("Vendor Dependent Product Name", "fr_vendor_product", "text", "kept"),
    ("Original Risk Rating", "fr_original_risk", "text", "Risk Level (Moderate = Medium)"),
    ("Adjusted Risk Rating", "fr_adjusted_risk", "text", "kept"),
    ("Risk Adjustment", "fr_risk_adjustment", "text", "kept"),
    ("False Positive", "fr_false_positive", "text", "kept; Yes on Closed = Closure Reason"),
    ("Operational Requirement", "fr_operational_requirement", "text", "kept"),
    ("Deviation Rationale", "fr_deviation_rationale", "text", "kept"),
    ("Supporting Documents", "fr_supporting_documents", "text", "kept"),
    ("Comments", "comments", "text", "plus the kept block"),
    ("Auto-Approve", "fr_auto_approve", "text", "kept"),
    ("Binding Operational Directive 22-01 tracking", "fr_kev", "text", "kept"),
    ("Binding Operational Directive 22-01 Due Date", "fr_kev_due_date", "date", "kept"),
    ("CVE", "fr_cve", "text", "kept"),
    ("Service Name", "fr_service_name", "text", "kept (Rev5 only)"),
)
LABEL = {key: header for header, key, _k, _n in FIELDS}
KIND = {key: kind for _h, key, kind, _n in FIELDS}
FR_KEYS = tuple(k for _h, k, _kind, _n in FIELDS)
ONLY = tuple(k for k in FR_KEYS if k.startswith("fr_"))
DIRECT = tuple(k for k in FR_KEYS if not k.startswith("fr_"))
REV4_KEYS = tuple(k for k in FR_KEYS if k != "fr_service_name")
TABLE = model.Table(
    OPEN,
    tuple(model.Column(k, h, "date" if kind == "date" else "text") for h, k, kind, _n in FIELDS),
    sheet_aliases=(CLOSED, CONFIG, "Open POAM Items", "POA&M Items"),
    key_columns=(
        "fr_poam_id",
        "cws",
        "fr_weakness_name",
        "description",
        "date_identified",
        "fr_original_risk",
    ),
)
HEADER = (
    ("CSP", "company_name"),
    ("System Name", "system_name"),
    ("Impact Level", "Impact Level"),
    ("POAM Date", "poam_date"),
)
PLACEHOLDERS = {"text", "date"}  # the blank template's header values
# the template's guidance rows (6: descriptions, 7: formats) and its example item (row 8)
GUIDANCE_IDS = {"unique identifier for each poam item", "unique identifier"}
# DSS columns with no FedRAMP home that are kept (derived columns are recomputed instead)
DSS_ONLY = (
    "item_number",
    "status",
    "issm_approval",
    "dss_date",
    "dss_determination",
    "how_identified",
    "likelihood",
    "impact",
    "residual_risk",
    "closure_reason",
    "completion_date",
    "last_seen",
    "risk_level",
)
DSS_LABEL = {c.key: c.header for c in model.ITEM_COLUMNS}
HEAD_ONLY = {f.key: f.label for f in model.HEADER_FIELDS if f.key not in {k for _l, k in HEADER}}
MILESTONE_LABEL = "Milestone Records"
SHEET_LABEL = "POA&M Sheet"
SCANNERS = (
    "nessus",
    "qualys",
    "webinspect",
    "tenable",
    "rapid7",
    "nexpose",
    "burp",
    "acunetix",
    "openvas",
    "scan",
    "scc",
    "stig",
    "aws inspector",
    "inspector",
    "wiz",
    "prisma",
)


# ---------------------------------------------------------------- planned milestones text
_ENTRY = re.compile(r"(?m)^[ \t]*\((\d+)\)[ \t]*")
_LEAD_DATE = re.compile(r"^\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})\s*:?\s*")


def parse_milestones(text: str | None) -> list[dict[str, Any]]:
    """'(1) 2014/05/23: Patch\\n\\n(2) 2014-06-12: Verify' -> [{milestone, planned_date}, ...]."""
    if not text or not text.strip():
        return []
    starts = list(_ENTRY.finditer(text))
    if starts:
        chunks = [
            text[m.end() : (starts[i + 1].start() if i + 1 < len(starts) else len(text))]
            for i, m in enumerate(starts)
        ]
    else:
        chunks = re.split(r"\n\s*\n", text)
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        m = _LEAD_DATE.match(chunk)
        day = dates.parse_text(m.group(1)) if m else None
        body = chunk[m.end() :].strip() if m and day else chunk
        if day is None and not starts:
            day = dates.find_date_in_text(chunk)
        out.append({"milestone": body or chunk, "planned_date": day})
    return out


def format_milestones(miles: list[dict[str, Any]]) -> str | None:
    """The template's '(##) xxxx-xx-xx: Milestone Description' entries, blank-line separated."""
    parts = []
    for i, m in enumerate(miles, start=1):
        day = m.get("planned_date")
        d = day if type(day) is dt.date else dates.as_date(day)  # a date (most) as it is
        text = (m.get("milestone") or "").strip()
        parts.append(f"({i}) {d.isoformat()}: {text}" if d else f"({i}) {text}")
    return "\n\n".join(parts) or None


def milestone_pairs(miles: list[dict[str, Any]]) -> list[tuple[str, dt.date | None]]:
    return [
        ((m.get("milestone") or "").strip(), dates.as_date(m.get("planned_date"))) for m in miles
    ]


def milestone_json(miles: list[dict[str, Any]]) -> str:
    """The Milestone Records text (kept in Comments when the Planned Milestones text cannot
    carry the milestones whole): ``json.dumps([{key: text} ...], ensure_ascii=False)`` of each
    milestone's non-blank values (``kept.text_of``), put together directly (its string escape
    and separators)."""
    out = []
    memo = _PAIR_MEMO
    for m in miles:
        pairs = []
        for key in _MILESTONE_KEYS:
            value = m.get(key)
            if value is None:
                continue
            kind = type(value)
            if kind is dt.date or (kind is str and len(value) <= _PAIR_TEXT):
                # a day, a status, a step: the same few thousand, each put together once
                pair = memo.get((key, value))
                if pair is None:
                    pair = _json_pair(key, value)
                    if len(memo) >= _PAIR_MEMO_SIZE:  # full: start again (a long-running
                        memo.clear()  # process keeps its hits for the days of its data)
                    memo[(key, value)] = pair
            else:
                pair = _json_pair(key, value)
            if pair:
                pairs.append(pair)
        out.append("{" + ", ".join(pairs) + "}")
    return "[" + ", ".join(out) + "]"


def _json_pair(key: str, value: Any) -> str:
    """'"key": "text"' of a value's kept text (``kept.text_of``, JSON-escaped); '' when blank."""
    if type(value) is dt.date:  # its ISO text: nothing for JSON to escape
        return f'"{key}": "{value.isoformat()}"'
    text = kept.text_of(value)
    return f'"{key}": {_ENCODE(text)}' if text else ""


_ENCODE = json.encoder.encode_basestring  # what dumps(ensure_ascii=False) escapes strings with
_MILESTONE_KEYS = ("milestone", "planned_date", "status", "completed_date", "changes")
# (key, day or short text) -> its JSON pair: bounded (entries, cleared when full; text length)
_PAIR_MEMO: dict[tuple[str, Any], str] = {}
_PAIR_MEMO_SIZE = 8192
_PAIR_TEXT = 80


FR_LABELS = {*LABEL.values(), SHEET_LABEL}


def side(label: str) -> str:
    """The tag side of a kept label: FedRAMP's own fields, or ours (poam-xl)."""
    return "FedRAMP" if label in FR_LABELS else "poam-xl"
