"""The field vocabulary: header texts, in the words POA&M templates use, mapped to POA&M fields.

One vocabulary for every layout the reader discovers (DSS, CMMC / NIST SP 800-171, generic agency
POA&Ms): every column header and alias of the column model (``model.py``), then the words the
field uses for the same fields, gathered from the public templates and exporters listed in
tests/layout_corpus.py (eMASS import and service templates, FedRAMP template, OMB-style POA&M,
cisagov/cset's CMMC export, NIST SP 800-171 CUI Plan of Action, JS/TS exporters).

A target is a model key of the items table (``"description"``) or ``"milestone.<key>"`` for a
milestone column (one milestone per row: "Milestone Description"; or the item's milestones as
text in one cell: "Milestones", "Planned Milestones"). ``match`` tries the exact names first,
then a short list of ordered word patterns; None = no field (the column is kept as it is).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import model
from ..memo import text_memo

MILESTONE = "milestone."
MILESTONES_TEXT = MILESTONE + "milestone"  # the item's milestones as text, one per line/entry

# exact header texts beyond the column model's own names (normalised with model.normalise_header)
_ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "item_number": ("POA&M ID", "POAM ID", "POA&M Item ID", "Item Identifier", "Weakness ID",
                    "Finding #", "Finding Number", "Issue ID", "Reference", "Ref", "ID"),
    "description": ("Weakness or Deficiency", "Deficiency", "Weakness/Deficiency", "Finding",
                    "Finding Description", "Issue", "Issue Description", "Vulnerability",
                    "Control Vulnerability Description", "Weakness Description"),
    "cws": ("Security Requirement", "Requirement", "Requirements", "NIST SP 800-171 Requirement",
            "Practice", "Control ID", "Control Number", "Security Control Number", "Controls / APs",
            "NIST Controls", "Controls Impacted", "Related Controls", "Control Title", "CCI"),
    "mitigation": ("Remediation Plan", "Remediation", "Overall Remediation Plan", "Planned Actions",
                   "Action Plan", "Recommendations", "Corrective Actions"),
    "milestone_date": ("Scheduled Completion Date", "Scheduled Completion", "Planned Completion",
                       "Planned Completion Date", "Estimated Completion", "Estimated Completion Date",
                       "Target Completion Date", "Completion Planned", "Due", "Due By",
                       "POA&M Scheduled Completion Date"),
    "status": ("POA&M Status", "Status (Ongoing or Complete)", "State"),
    "risk_level": ("Raw Severity", "Risk Rating", "Original Risk Rating", "Severity Level",
                   "Criticality", "Priority"),
    "date_identified": ("Date Discovered", "Discovered", "Discovery Date", "Identified Date",
                        "Date Detected", "Detected", "Detected Date", "Date Found", "Date Opened",
                        "Opened", "Identified On"),
    "how_identified": ("Identification Source", "Source Identifying Vulnerability",
                       "Weakness Detector Source", "Weakness/Deficiency Identified by",
                       "How was the weakness identified", "Identified By", "Detection Source",
                       "Finding Source", "Source"),
    "owner": ("POC", "Point of Contact", "Responsible Person", "Responsible Office", "Office/Org",
              "Office / Org", "Assigned To", "Assignee", "Remediation Owner", "Owner"),
    "resources": ("Resource Estimate", "Resources Needed", "Resources"),
    "residual_risk": ("Residual Risk Level",),
    "completion_date": ("Actual Completion Date", "Completion Actual", "POA&M Completion Date",
                        "Date Closed", "Closed Date", "Date Resolved", "Resolved"),
    "milestone_changes": ("Changes to Milestones", "Milestone Changes"),
    "source_id": ("Security Checks", "Weakness Source Identifier", "Weakness Source ID",
                  "Plugin ID", "Rule ID", "Finding ID", "Scanner ID", "Vulnerability ID"),
    "assets": ("Devices Affected", "Asset Identifier", "Asset", "Affected Hosts", "Affected Systems",
               "Hosts", "Systems Affected"),
    "comments": ("Remarks", "Notes", "Comment"),
    "dss_date": ("DCSA Review Date", "DCSA Date", "DCSA Approval Date"),
}
_MILESTONE_WORDS: dict[str, tuple[str, ...]] = {
    "milestone": ("Milestone Description", "Milestone Text", "Milestones",
                  "Milestones with Interim Completion Dates", "Milestone with Completion Dates",
                  "Planned Milestones", "Interim Milestones"),
    "status": ("Milestone Status",),
    "changes": ("Milestone Status Comments", "Milestone Comments", "Milestone Notes"),
    "planned_date": ("Milestone Scheduled Completion Date", "Milestone Date Planned",
                     "Milestone Due Date", "Milestone Target Date", "Milestone Planned Date"),
    "completed_date": ("Milestone Completion Date", "Milestone Completed Date",
                       "Milestone Actual Completion Date"),
}
# the eMASS / FedRAMP fields a generic reader must not take for a POA&M field (kept as they are)
_NEVER = ("Milestone ID", "Weakness Name", "Mitigations", "Identification Source Details",
          "Relevance of Threat", "Threat Description", "Impact Description", "Predisposing Conditions",
          "Resulting Residual Risk after Proposed Mitigations", "Estimated Cost", "Cost",
          "Adjusted Risk Rating", "Status Date", "Points")

# ordered word patterns (lower-case header text), tried after the exact names
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^(poa&?m|poam|item|weakness|finding|issue|risk)\s*(item\s*)?(id|#|no\.?|number|identifier)$",
     "item_number"),
    (r"^milestone\s+(scheduled|planned|target|due).*date$", MILESTONE + "planned_date"),
    (r"^milestone\s+(completion|completed|actual).*date$", MILESTONE + "completed_date"),
    (r"^milestone\s+status$", MILESTONE + "status"),
    (r"^(planned\s+|interim\s+)?milestones?\b(?!\s+(id|status|changes?))", MILESTONES_TEXT),
    (r"\b(date\s+(identified|detected|discovered|found|opened|reported))\b|"
     r"\b(identified|detected|discovered|found|opened|reported)\s+(on|date)\b", "date_identified"),
    # abbreviated too: "Sched. Completion", "Est Completion Date", "Proj. Compl. Date"
    (r"\b(scheduled|sched|planned|estimated|est|target|tgt|projected|proj|expected)\.?\s*"
     r"(completion|compl|remediation|resolution|closure|fix)\b", "milestone_date"),
    (r"\b(actual|date)\s+(completed|completion|closed|resolved|remediated)\b|"
     r"\b(completion|closure|closed|resolution)\s+date\b", "completion_date"),
    (r"\b(weakness|deficiency|finding|vulnerability|non-?compliance|issue)\b.*\bdescription\b|"
     r"^description\s+of\s+(the\s+)?(weakness|deficiency|finding|issue)", "description"),
    (r"\b(remediation|corrective|mitigation)\s+(plan|action|actions|steps)\b", "mitigation"),
    (r"\b(point of contact|responsible\s+(person|party|office|individual|team)|assigned to)\b",
     "owner"),
    (r"\bhow\b.*\bidentified\b|\bidentified\s+by\b|\b(detection|discovery)\s+(source|method)\b",
     "how_identified"),
    (r"^(nist\s+)?(sp\s+)?(800-53|800-171)\s+(control|requirement)s?\b", "cws"),
    (r"\b(controls?|requirements?|practices?)\b", "cws"),
)
_COMPILED = tuple((re.compile(p), t) for p, t in _PATTERNS)


@lru_cache(maxsize=1)
def _exact() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    items: dict[str, str] = {}
    for col in model.ITEM_COLUMNS:
        for n in col.names():
            items.setdefault(n, col.key)
    for key, words in _ITEM_WORDS.items():
        for w in words:
            items.setdefault(model.normalise_header(w), key)
    for key, words in _MILESTONE_WORDS.items():
        for w in words:
            items.setdefault(model.normalise_header(w), MILESTONE + key)
    for combined in model.COMBINED_HEADERS:  # "DSS Approval Date and Determination"
        items.setdefault(combined, combined)
    milestones: dict[str, str] = {}
    for col in model.MILESTONE_COLUMNS:
        for n in col.names():
            milestones.setdefault(n, col.key)
    for key, words in _MILESTONE_WORDS.items():
        for w in words:
            milestones.setdefault(model.normalise_header(w), key)
    never = frozenset(model.normalise_header(w) for w in _NEVER)
    return items, milestones, never


@text_memo(16384)  # discovery asks for the same texts sheet after sheet
def item_target(label: str) -> tuple[str | None, bool]:
    """(target, exact) of an items-table header: ``("description", True)``, ``("milestone.status",
    False)``; ``(None, True)`` for a header known to be no POA&M field; ``(None, False)``
    when nothing matches."""
    items, _ms, never = _exact()
    n = model.normalise_header(label)
    if not n:
        return None, False
    if n in never:
        return None, True
    if n in items:
        return items[n], True
    text = " ".join(str(label).lower().split())
    for pattern, target in _COMPILED:
        if pattern.search(text):
            return target, False
    return None, False


def milestone_target(label: str) -> str | None:
    """The milestone field of a Milestones-sheet header ('Scheduled Date' -> 'planned_date')."""
    _items, ms, _never = _exact()
    return ms.get(model.normalise_header(label))
