"""FedRAMP POA&M template (Rev5 v2.1, and Rev4) <-> Poam: mapping, reader and FORMAT.

Layout: FedRAMP POA&M Template v2.1 (GSA, 2024-03-29; public domain), read from the real file
in shared/realworld: sheets Open / Closed POA&M Items and Configuration Findings, header
block rows 2-3 (CSP | System Name | Impact Level | POAM Date), column headers on row 5.
Rev4 has the same columns less Service Name. The workbook writer is ``fedramp_write``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .. import dates, model, reader
from ..errors import TemplateError, WorkbookError
from ..package import inspect
from ..policy import Policy
from . import Conversion, Format, kept

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
        d = dates.as_date(m.get("planned_date"))
        text = (m.get("milestone") or "").strip()
        parts.append(f"({i}) {d.isoformat()}: {text}" if d else f"({i}) {text}")
    return "\n\n".join(parts) or None


def _plain(miles: list[dict[str, Any]]) -> list[tuple[str, dt.date | None]]:
    return [
        ((m.get("milestone") or "").strip(), dates.as_date(m.get("planned_date"))) for m in miles
    ]


# ---------------------------------------------------------------- one row each way
def _value(kind: str, text: Any) -> Any:
    if kind == "date":
        d = dates.to_date(text)
        return d if isinstance(d, dt.date) else None
    return kept.text_of(text)


def how_identified(source: str | None) -> str | None:
    """Weakness Detector Source -> How Identified ('Nessus' -> 'Vulnerability Scan')."""
    if not source:
        return None
    exact = model.canonical_choice(source, model.HOW_IDENTIFIED)
    if exact:
        return exact
    low = source.lower()
    if "penetration" in low or "pen test" in low:
        return "Penetration Test"
    if "assessment" in low or "sar" in low.split():
        return "Assessment"
    if any(s in low for s in SCANNERS):
        return "Vulnerability Scan"
    return "Other"


def _number(poam_id: str | None) -> int | None:
    m = re.search(r"(\d+)(?!.*\d)", poam_id or "")
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 10**9 else None


def base_dss(fr: dict[str, Any], sheet: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A FedRAMP row -> (DSS record, milestones), restoring anything a kept block carries."""
    user, block = kept.unpack(fr.get("comments"))
    fr = dict(fr)
    for key in ONLY:  # a kept FedRAMP field fills a column this file lacks (Rev4 Service Name)
        if fr.get(key) is None and LABEL[key] in block:
            fr[key] = _value(KIND[key], block[LABEL[key]])
    sheet = {CONFIG: CONFIG, CLOSED: CLOSED}.get(block.get(SHEET_LABEL, sheet), sheet)
    rec: dict[str, Any] = {k: fr.get(k) for k in DIRECT}
    rec["comments"] = user
    closed = sheet == CLOSED
    rec["status"] = "Closed" if closed else "Open"
    rec["risk_level"] = model.canonical_choice(
        fr.get("fr_original_risk"), model.RISK_LEVELS, model.RISK_SYNONYMS
    )
    rec["how_identified"] = how_identified(fr.get("fr_detector_source"))
    rec["completion_date"] = fr.get("fr_status_date") if closed else None
    fp = model.canonical_choice(fr.get("fr_false_positive"), YES_NO_PENDING) == "Yes"
    rec["closure_reason"] = ("False Positive" if fp else "Remediated") if closed else None
    rec["item_number"] = _number(fr.get("fr_poam_id"))
    miles = parse_milestones(fr.get("fr_planned_milestones"))
    if MILESTONE_LABEL in block:
        try:
            stored = json.loads(block[MILESTONE_LABEL])
            if _plain(stored) == _plain(miles) or not miles:
                miles = [
                    {
                        **m,
                        "planned_date": _value("date", m.get("planned_date")),
                        "completed_date": _value("date", m.get("completed_date")),
                    }
                    for m in stored
                ]
        except (ValueError, TypeError, AttributeError):
            pass
    for key in DSS_ONLY:
        if DSS_LABEL[key] in block:
            col = model.ITEMS.column(key)
            text = block[DSS_LABEL[key]]
            rec[key] = (
                _value("date", text)
                if col.kind == "date"
                else (int(text) if col.kind == "int" and text.isdigit() else text)
            )
    return rec, miles


def base_fedramp(rec: dict[str, Any], miles: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """A DSS record (+ milestones) -> (FedRAMP row, sheet), using any kept FedRAMP fields."""
    user, block = kept.unpack(rec.get("comments"))
    fr: dict[str, Any] = {k: rec.get(k) for k in DIRECT}
    fr["comments"] = user
    for key in ONLY:
        fr[key] = _value(KIND[key], block.get(LABEL[key]))
    desc = (rec.get("description") or "").strip()
    if fr["fr_poam_id"] is None and rec.get("item_number") is not None:
        fr["fr_poam_id"] = f"V-{rec['item_number']}"
    if fr["fr_weakness_name"] is None and desc:
        fr["fr_weakness_name"] = desc.split("\n")[0][:100]
    if fr["fr_detector_source"] is None:
        fr["fr_detector_source"] = rec.get("how_identified")
    if fr["fr_original_risk"] is None:
        fr["fr_original_risk"] = TO_FEDRAMP_RISK.get(rec.get("risk_level") or "")
    closed = rec.get("status") in model.CLOSED_STATUSES
    if fr["fr_status_date"] is None and closed:
        fr["fr_status_date"] = dates.as_date(rec.get("completion_date"))
    if fr["fr_false_positive"] is None and rec.get("closure_reason") == "False Positive":
        fr["fr_false_positive"] = "Yes"
    raw = fr["fr_planned_milestones"]
    if raw is None or _plain(parse_milestones(raw)) != _plain(miles):
        fr["fr_planned_milestones"] = format_milestones(miles)
    sheet = (
        block.get(SHEET_LABEL) if block.get(SHEET_LABEL) in SHEETS else (CLOSED if closed else OPEN)
    )
    return fr, sheet


def _same(a: Any, b: Any) -> bool:
    return kept.text_of(dates.as_date(a) if isinstance(a, pd.Timestamp) else a) == kept.text_of(
        dates.as_date(b) if isinstance(b, pd.Timestamp) else b
    )


def to_dss(
    fr: dict[str, Any], sheet: str, extra: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """A FedRAMP row -> (DSS record whose Comments keep every FedRAMP-only field, milestones,
    labels kept). ``extra`` = header fields to keep on this item (Impact Level)."""
    rec, miles = base_dss(fr, sheet)
    user, block = kept.unpack(fr.get("comments"))
    # our own tags were restored into the record; header fields ride on (the reader lifts them)
    fields: dict[str, Any] = {
        k: v for k, v in block.items() if k in HEAD_ONLY.values() or k in FR_LABELS
    }
    fields.update(extra or {})
    if sheet == CONFIG:
        fields[SHEET_LABEL] = CONFIG
    for key in ONLY:
        if fr.get(key) is not None:
            fields[LABEL[key]] = fr[key]
    derivable = (
        "fr_poam_id",
        "fr_weakness_name",
        "fr_planned_milestones",
        "fr_original_risk",
        "fr_detector_source",
        "fr_status_date",
        "fr_false_positive",
    )
    for key in derivable:
        trial = {k: v for k, v in fields.items() if k != LABEL[key]}
        back, _sheet = base_fedramp({**rec, "comments": pack(user, trial)}, miles)
        if _same(back.get(key), fr.get(key)):
            fields = trial
    rec["comments"] = pack(user, fields)
    return rec, miles, list(fields)


def to_fedramp(
    rec: dict[str, Any], miles: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str, list[str]]:
    """A DSS record -> (FedRAMP row whose Comments keep every DSS-only field, sheet, labels)."""
    fr, sheet = base_fedramp(rec, miles)
    fields: dict[str, Any] = {k: v for k, v in (extra or {}).items() if kept.text_of(v)}
    for key in DSS_ONLY:
        if rec.get(key) is not None and not (isinstance(rec[key], float) and rec[key] != rec[key]):
            fields[DSS_LABEL[key]] = rec[key]
    if _plain(parse_milestones(format_milestones(miles))) != _plain(miles) or any(
        m.get("status") or m.get("completed_date") or m.get("changes") for m in miles
    ):
        fields[MILESTONE_LABEL] = _milestone_json(miles)
    for key in DSS_ONLY:  # drop what the FedRAMP row already gives back
        label = DSS_LABEL[key]
        if label not in fields:
            continue
        trial = {k: v for k, v in fields.items() if k != label}
        back, _m = base_dss({**fr, "comments": pack(fr["comments"], trial)}, sheet)
        if _same(back.get(key), rec.get(key)):
            fields = trial
    fr["comments"] = pack(fr["comments"], fields)
    return fr, sheet, list(fields)


def _milestone_json(miles: list[dict[str, Any]]) -> str:
    keys = ("milestone", "planned_date", "status", "completed_date", "changes")
    return json.dumps(
        [{k: kept.text_of(m.get(k)) for k in keys if kept.text_of(m.get(k))} for m in miles],
        ensure_ascii=False,
    )


FR_LABELS = {*LABEL.values(), SHEET_LABEL}


def side(label: str) -> str:
    """The tag side of a kept label: FedRAMP's own fields, or ours (poam-xl)."""
    return "FedRAMP" if label in FR_LABELS else "poam-xl"


def pack(comments: str | None, fields: dict[str, Any]) -> str | None:
    return kept.pack(comments, fields, side)


def mapping() -> list[tuple[str, str, str]]:
    """(our column, FedRAMP column, note) for `convert --show-mapping fedramp`."""
    rows = [(DSS_LABEL.get(k, "(kept in Comments)"), h, note) for h, k, _kind, note in FIELDS]
    rows += [
        (DSS_LABEL[k], "(kept in Comments)", "restored when converted back")
        for k in DSS_ONLY
        if k not in ("risk_level", "how_identified", "item_number")
    ]
    rows += [
        (f.label, h, "header block row 3")
        for h, k in HEADER
        for f in model.HEADER_FIELDS
        if f.key == k
    ]
    rows += [("Status", "sheet", "Open/Closed POA&M Items sheet; Configuration Findings kept")]
    return rows


# ---------------------------------------------------------------- reading a workbook
def detect(path: Path) -> bool:
    """A FedRAMP POA&M workbook: its sheet names, or a row-5 style header with POAM ID."""
    try:
        info = inspect(path)
    except WorkbookError:
        return False
    names = {model.normalise_header(n) for n in info.sheet_parts}
    if {model.normalise_header(OPEN), model.normalise_header(CLOSED)} & names:
        return True
    try:
        reader.find_table(reader.load_grids(info), TABLE)
        return True
    except (TemplateError, WorkbookError):
        return False


def read_workbook(path: str | Path, **options: Any) -> tuple[Any, Conversion]:
    """FedRAMP workbook -> (Poam, Conversion); see fedramp_read."""
    from .fedramp_read import read_workbook as _read

    return _read(path, **options)


def write(poam: Any, path: str | Path, **options: Any) -> Conversion:
    """Poam -> FedRAMP workbook; see fedramp_write."""
    from .fedramp_write import write as _write

    return _write(poam, path, **options)


FORMAT = Format(
    name="fedramp",
    title="FedRAMP POA&M template (Rev5 v2.1; Rev4 read)",
    extensions=(".xlsx", ".xlsm"),
    detect=detect,
    read=read_workbook,
    write=write,
    mapping=mapping,
)
