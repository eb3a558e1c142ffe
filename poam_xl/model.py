"""The column model: one declaration of every sheet, column, header text, type and allowed value.

The template generator, the reader, the schemas, the rules and every converter read this
module; none of them spells a header text or an allowed value of its own.

Layout source: the DSS-style POA&M sample in the product brief (../shared/reference/formats.md §1).
Extra columns are the brief's "other POA&M components" (how identified, likelihood/impact,
owner, resources, residual risk, milestones). Derived columns are written by the tool.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Literal

from .memo import text_memo

Kind = Literal["int", "id", "text", "date", "choice", "number"]  # id: whole number or text

# ---------------------------------------------------------------- allowed values
RISK_LEVELS = ("High", "Medium", "Low")  # brief: Risk Level (Low/Medium/High); ordered by priority
# other words for the three levels: FedRAMP/eMASS ratings, and DISA STIG categories and eMASS
# Raw Severity, where CAT I/II/III = High/Medium/Low (formats.md §3 and §6)
RISK_SYNONYMS = {"moderate": "Medium", "med": "Medium", "critical": "High", "very high": "High",
                 "very low": "Low", "cat i": "High", "cat ii": "Medium", "cat iii": "Low",
                 "i": "High", "ii": "Medium", "iii": "Low"}
# other spellings people type, for every non-risk choice list (canonical_choice checks membership)
CHOICE_SYNONYMS = {
    "y": "Yes", "n": "No", "approved": "Yes", "not approved": "No", "inprogress": "In Progress",
    "in-progress": "In Progress", "ongoing": "In Progress", "complete": "Completed", "done": "Completed",
    "pen test": "Penetration Test", "pentest": "Penetration Test", "scan": "Vulnerability Scan",
    "self inspection": "Self-Inspection", "stig": "STIG Review", "planned": "Pending",
}
STATUSES = ("Open", "In Progress", "Deferred", "Completed", "Closed")  # brief lifecycle + DSS
CLOSED_STATUSES = ("Completed", "Closed")
YES_NO_PENDING = ("Yes", "No", "Pending")
DETERMINATIONS = ("Open", "Closed")  # DSS Approval Date and Determination (Open/Closed)
HOW_IDENTIFIED = ("Audit", "Assessment", "Penetration Test", "Vulnerability Scan", "STIG Review",
                  "Self-Inspection", "Incident", "Other")
CLOSURE_REASONS = ("Remediated", "Risk Accepted", "False Positive", "Not Applicable")
MILESTONE_STATUSES = ("Pending", "In Progress", "Completed", "Missed")


@dataclass(frozen=True)
class Column:
    """One column of a table: how it is headed, typed, validated and drawn."""

    key: str
    header: str
    kind: Kind = "text"
    allowed: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: float = 16
    derived: bool = False  # written by the tool (update), never typed by a user
    help: str = ""

    def names(self) -> tuple[str, ...]:
        """Every normalised header text that identifies this column."""
        return tuple(dict.fromkeys(normalise_header(n) for n in (self.header, *self.aliases)))


@dataclass(frozen=True)
class Table:
    """A table on a sheet: the header row is found by its texts, not by a fixed address."""

    sheet: str
    columns: tuple[Column, ...]
    sheet_aliases: tuple[str, ...] = ()
    # required-in-layout columns: a workbook missing one of these cannot be used
    key_columns: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        """The column of ``key``; raises KeyError for a key the table does not have."""
        return self._by_key[key]

    @functools.cached_property
    def _by_key(self) -> dict[str, Column]:  # asked per cell by writers: one dict, built once
        by_key: dict[str, Column] = {}
        for c in self.columns:
            by_key.setdefault(c.key, c)  # the first column of a key, as a scan would find
        return by_key

    @functools.cached_property  # asked per row by writers; a frozen Table never changes
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def of_kind(self, *kinds: Kind) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.kind in kinds)


@dataclass(frozen=True)
class HeaderField:
    """A labelled value in the header block above the items table."""

    key: str
    label: str
    kind: Kind = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalise_header(n) for n in (self.label, *self.aliases)))


def normalise_header(text: object) -> str:
    """Case/space/punctuation-insensitive form of a header text ('Item #' -> 'item')."""
    return _normalised(text if type(text) is str else str(text or ""))


@text_memo(16384)  # header discovery asks for the same texts sheet after sheet
def _normalised(text: str) -> str:
    s = text.lower().replace("&", " and ").replace("#", " number ")
    s = _PARENS.sub(" ", s) if _PARENS.sub("", s).strip() else s
    return _NOT_ALNUM.sub("", s)


_PARENS = re.compile(r"\(.*?\)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


# ---------------------------------------------------------------- the items table
ITEM_COLUMNS: tuple[Column, ...] = (
    # DSS columns, in the brief's order (formats.md §1)
    Column("item_number", "Item Number", "int", required=True, width=8,
      aliases=("Item #", "Item No.", "Item No", "Item", "No.", "#", "Number", "Item ID", "POA&M Item"),
      help="Sequence number of the item (1, 2, 3 ...)"),
    Column("description", "Non-Compliance Description", required=True, width=40,
      aliases=("Non Compliance Description", "Noncompliance Description", "Description",
               "Weakness", "Weakness Description", "Finding", "Vulnerability Description"),
      help="The specific issue or vulnerability"),
    Column("cws", "C/W/S", required=True, width=14,
      aliases=("CWS", "C W S", "Control", "Controls", "Control Reference", "Security Control",
               "Requirement"),
      help="Control reference or category, e.g. NIST SP 800-171 3.1.1 or a NISPOM section"),
    Column("mitigation", "Mitigation Plans & Adjustments", width=40,
      aliases=("Mitigation Plans and Adjustments", "Mitigation Plan", "Mitigation Plans", "Mitigation",
               "Remediation Plan", "Corrective Action", "Corrective Action Plan"),
      help="How it will be corrected: procedural changes, technical fixes, upgrades"),
    Column("milestone_date", "Milestone Date (Based Upon Risk Level)", "date", width=14,
      aliases=("Milestone Date", "Milestone Date Based Upon Risk Level", "Target Date",
               "Planned Completion Date", "Scheduled Completion Date"),
      help="Planned date mitigation will be complete; blank = proposed from the policy"),
    Column("issm_approval", "ISSM/FSO Approval", "choice", YES_NO_PENDING, width=11,
      aliases=("ISSM FSO Approval", "ISSM Approval", "FSO Approval", "Approved", "ISSM/FSO Approved"),
      help="Whether the ISSM/FSO reviewed and approved the action"),
    Column("status", "Status", "choice", STATUSES, required=True, width=12,
      aliases=("Status (Open/Closed)", "Item Status", "Current Status"),
      help="Open, In Progress, Deferred, Completed or Closed"),
    Column("dss_date", "DSS Approval Date", "date", width=13,
      aliases=("DSS Date", "DCSA Approval Date", "DSS Review Date"),
      help="Date of the DSS/DCSA review"),
    Column("dss_determination", "DSS Determination (Open/Closed)", "choice", DETERMINATIONS, width=14,
      aliases=("DSS Determination", "DCSA Determination", "Determination"),
      help="DSS/DCSA final determination"),
    Column("risk_level", "Risk Level (Low/Medium/High)", "choice", RISK_LEVELS, required=True, width=11,
      aliases=("Risk Level", "Risk", "Risk Rating", "Severity"),
      help="High, Medium or Low; sets the due date from the Policy sheet"),
    # the brief's other POA&M components
    Column("date_identified", "Date Identified", "date", required=True, width=13,
      aliases=("Identified", "Date Found", "Identified Date", "Detection Date", "Discovery Date",
               "Date Discovered", "Original Detection Date"),
      help="When the weakness was found; the due date counts from here"),
    Column("how_identified", "How Identified", "choice", HOW_IDENTIFIED, width=16,
      aliases=("Source", "Identified By", "Weakness Source", "Detection Source", "Finding Source"),
      help="Audit, penetration test, vulnerability scan, self-inspection, incident, other"),
    Column("likelihood", "Likelihood", "choice", RISK_LEVELS, width=11, help="Low, Medium or High"),
    Column("impact", "Impact", "choice", RISK_LEVELS, width=10, help="Low, Medium or High"),
    Column("owner", "Responsible Owner", width=20,
      aliases=("Owner", "Responsible Party", "Responsible Person", "POC", "Point of Contact",
               "System Owner"),
      help="Person, team or system owner responsible"),
    Column("resources", "Resources Required", width=24,
      aliases=("Resources", "Resources Needed"), help="Tools, budget, personnel, approvals"),
    Column("residual_risk", "Residual Risk", width=24,
      aliases=("Residual Risk Description", "Residual Risk Level"),
      help="Risk that remains, and the controls still in place"),
    Column("closure_reason", "Closure Reason", "choice", CLOSURE_REASONS, width=14,
      aliases=("Resolution", "Closure Type", "Closed By"),
      help="Remediated, Risk Accepted, False Positive or Not Applicable"),
    Column("completion_date", "Completion Date", "date", width=13,
      aliases=("Date Completed", "Actual Completion Date", "Closed Date", "Date Closed"),
      help="When the item was completed and verified"),
    Column("milestone_changes", "Milestone Changes", width=30,
      aliases=("Milestone Change", "Changes to Milestones", "Date Changes"),
      help="Why a milestone date moved (kept for the reviewer)"),
    Column("source_id", "Source Identifier", width=18,
      aliases=("Source ID", "Weakness Source Identifier", "Rule ID", "Plugin ID", "Finding ID"),
      help="Scanner or checklist identifier (STIG rule, plugin ID); used to de-duplicate imports"),
    Column("assets", "Affected Assets", width=20,
      aliases=("Assets", "Asset Identifier", "Hosts", "Affected Hosts"),
      help="Hosts or systems affected"),
    Column("last_seen", "Last Seen", "date", width=12, aliases=("Last Seen Date",),
      help="Last scan or review that still showed the weakness"),
    Column("comments", "Comments", width=30, aliases=("Notes", "Remarks", "Comment"),
      help="Anything else the reviewer should know"),
    # derived: written by `poam-xl update` / the Update button
    Column("due_date", "Due Date (Policy)", "date", width=13, derived=True,
      aliases=("Due Date", "Policy Due Date"),
      help="Date Identified + the Policy sheet's days for the Risk Level"),
    Column("days_open", "Days Open", "int", width=9, derived=True, help="Days since Date Identified"),
    Column("days_overdue", "Days Overdue", "int", width=10, derived=True,
      help="Days past the Milestone Date (or Due Date) for open items"),
    Column("flag", "Flag", "text", width=14, derived=True, aliases=("Flags",),
      help="OVERDUE, DUE SOON or 90+ DAYS LATE"),
)

MILESTONE_COLUMNS: tuple[Column, ...] = (
    Column("item_number", "Item Number", "int", required=True, width=10,
      aliases=("Item #", "Item No.", "Item", "POA&M Item", "Item ID")),
    Column("milestone", "Milestone", required=True, width=50,
      aliases=("Milestone Description", "Description", "Milestones", "Corrective Action")),
    Column("planned_date", "Planned Date", "date", required=True, width=13,
      aliases=("Target Date", "Milestone Date", "Scheduled Date", "Due Date")),
    Column("status", "Status", "choice", MILESTONE_STATUSES, width=12, aliases=("Milestone Status",)),
    Column("completed_date", "Completed Date", "date", width=14,
      aliases=("Completion Date", "Date Completed", "Actual Date")),
    Column("changes", "Changes / Notes", width=30, aliases=("Changes", "Notes", "Milestone Changes")),
)

HEADER_FIELDS: tuple[HeaderField, ...] = (
    HeaderField("company_name", "Company Name", required=True, aliases=("Company", "Contractor")),
    HeaderField("cage_code", "CAGE Code", required=True, aliases=("CAGE", "Cage Code Number")),
    HeaderField("dss_uid", "DSS UID", required=True,
                aliases=("DSS Unique Identifier", "DCSA UID", "UID", "System UID")),
    HeaderField("issm_names", "ISSM / A-ISSM Names", required=True,
                aliases=("ISSM/A-ISSM Names", "ISSM Names", "ISSM", "ISSM / A-ISSM")),
    HeaderField("issm_phone", "ISSM Phone Numbers", aliases=("ISSM Phone", "Phone Numbers", "Phone")),
    HeaderField("system_name", "System / Facility Name", aliases=("System Name", "Facility Name",
                                                                  "System", "Facility")),
    HeaderField("poam_date", "POA&M Date", "date", required=True,
                aliases=("POAM Date", "Last Updated", "Date Updated", "POA&M Last Updated")),
    HeaderField("last_review", "Last Review Date", "date",
                aliases=("Last Reviewed", "Review Date", "Date of Last Review")),
)

# one cell holding two columns: "DSS Approval Date and Determination" = "Closed 2024-03-01"
COMBINED_HEADERS: dict[str, tuple[str, str]] = {
    normalise_header("DSS Approval Date and Determination"): ("dss_determination", "dss_date"),
}

ITEMS = Table("POA&M", ITEM_COLUMNS, sheet_aliases=("POAM", "POA&M Items", "Action Items", "Items"),
              key_columns=("item_number", "description", "status", "risk_level"))
MILESTONES = Table("Milestones", MILESTONE_COLUMNS, sheet_aliases=("Milestone", "POA&M Milestones"),
                   key_columns=("item_number", "milestone", "planned_date"))


# ---------------------------------------------------------------- the Policy sheet
@dataclass(frozen=True)
class PolicySetting:
    key: str
    label: str
    default: object
    help: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalise_header(n) for n in (self.label, *self.aliases)))


# Our defaults, not regulation (formats.md §1): High 30 / Medium 90 / Low 180 calendar days,
# due-soon 14 days, quarterly review (90 days); the brief singles out delays past 90 days.
POLICY_SETTINGS: tuple[PolicySetting, ...] = (
    PolicySetting("days_high", "High risk: days allowed", 30, "Days from Date Identified",
                  ("High", "High days")),
    PolicySetting("days_medium", "Medium risk: days allowed", 90, "Days from Date Identified",
                  ("Medium", "Medium days", "Moderate")),
    PolicySetting("days_low", "Low risk: days allowed", 180, "Days from Date Identified",
                  ("Low", "Low days")),
    PolicySetting("day_count", "Day count", "calendar", "calendar or business (Mon-Fri less Holidays)",
                  ("Days", "Calendar or business")),
    PolicySetting("due_soon_days", "Due soon window (days)", 14, "Flag DUE SOON this many days ahead",
                  ("Due soon",)),
    PolicySetting("late_days", "Late threshold (days)", 90, "Flag 90+ DAYS LATE past this many days",
                  ("Late threshold",)),
    PolicySetting("review_days", "Review interval (days)", 90, "Last Review Date older than this warns",
                  ("Review interval",)),
)
POLICY_SHEET = "Policy"
HOLIDAYS_LABEL = "Holidays"
DAY_COUNTS = ("calendar", "business")

SHEETS = ("Instructions", ITEMS.sheet, MILESTONES.sheet, POLICY_SHEET, "Dashboard", "Lists")
LISTS_SHEET = "Lists"
DASHBOARD_SHEET = "Dashboard"
FINDINGS_SHEET = "Findings"

# dropdown lists written to the Lists sheet, each under a defined name
LISTS: dict[str, tuple[str, ...]] = {
    "list_status": STATUSES,
    "list_risk": RISK_LEVELS,
    "list_yes_no": YES_NO_PENDING,
    "list_determination": DETERMINATIONS,
    "list_how_identified": HOW_IDENTIFIED,
    "list_closure": CLOSURE_REASONS,
    "list_milestone_status": MILESTONE_STATUSES,
    "list_day_count": DAY_COUNTS,
}


def list_name(allowed: tuple[str, ...]) -> str:
    """The defined name of the Lists range that holds these allowed values."""
    for name, values in LISTS.items():
        if values == allowed:
            return name
    raise KeyError(allowed)


@dataclass(frozen=True)
class Layout:
    """A workbook layout: which tables and header fields, under which names (``layouts``
    registers every layout poam-xl reads; this is the DSS column model's own)."""

    name: str
    items: Table = ITEMS
    milestones: Table | None = MILESTONES
    header_fields: tuple[HeaderField, ...] = HEADER_FIELDS

    def with_items(self, **changes: object) -> Layout:
        return replace(self, items=replace(self.items, **changes))  # type: ignore[arg-type]


DSS = Layout("dss")


def canonical_choice(value: object, allowed: tuple[str, ...],
                     synonyms: dict[str, str] | None = None) -> str | None:
    """Map a typed value onto its allowed spelling ('high ' -> 'High'); None when not allowed."""
    if value is None:
        return None
    text = " ".join(str(value).split()).lower()
    found = _lowered(tuple(allowed)).get(text)
    if found is not None:
        return found
    if synonyms and text in synonyms and synonyms[text] in allowed:
        return synonyms[text]
    return None


@functools.lru_cache(maxsize=256)
def _lowered(allowed: tuple[str, ...]) -> dict[str, str]:
    """{lower-case spelling: the first allowed spelling} (asked per cell: built once per tuple)."""
    out: dict[str, str] = {}
    for a in allowed:
        out.setdefault(a.lower(), a)
    return out


_CLOSED_AS = {" ".join(r.lower().split()): r for r in CLOSURE_REASONS}
_PUNCT = re.compile(r"[\W_]+")


def closed_as(value: object) -> str | None:
    """The Closure Reason a Status names ("Closed - Risk Accepted", "Risk Accepted",
    "Closed (False Positive)", "Remediated"), as senders' trackers and FedRAMP-style sheets
    spell a closed item's status; None for any other word."""
    if value is None:
        return None
    words = _PUNCT.sub(" ", str(value)).strip().lower()
    rest = words[len("closed"):].strip() if words.startswith("closed ") else words
    return _CLOSED_AS.get(rest)


def canonical_status(value: object) -> str | None:
    """A Status as the model spells it: any listed spelling or synonym, and "Closed" for a
    status that names its closure reason (``closed_as``); None otherwise."""
    found = canonical_choice(value, STATUSES, CHOICE_SYNONYMS)
    return found if found is not None else ("Closed" if closed_as(value) else None)


def risk_level(value: object) -> str | None:
    """Any spelling of a risk level ('moderate', 'CAT II', 'II', ' high') -> High/Medium/Low."""
    return canonical_choice(value, RISK_LEVELS, RISK_SYNONYMS)
