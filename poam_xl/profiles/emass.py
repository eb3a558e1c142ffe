"""The eMASS profile: the DoD RMF POA&M import workbook, its status words and business rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .. import model, records, values
from ..findings import Finding, RuleSet
from ..layouts import emass as L
from ..policy import Policy
from ..values import excerpt, is_blank, plain
from .base import Context, Profile

API = "eMASS API documentation, POA&M business rules (formats.md §3)"
TEMPLATE = "eMASS POA&M import template, Instructions sheet"
P = ("emass",)

RULES = RuleSet(profiles=("emass",), source=API)
RULES.rule(
    "emass.status.allowed",
    "error",
    "Status is Ongoing, Risk Accepted, Completed, Not Applicable or Archived",
    "Use an eMASS status word; a date may follow Completed and Risk Accepted "
    "('Completed 11/13/2018').",
    API,
    P,
)
RULES.rule(
    "emass.raw-severity.allowed",
    "error",
    "Raw Severity is I, II or III (a five-level word in the service templates)",
    "Enter I, II or III (STIG CAT I/II/III), or in a service template Very Low ... Very High; "
    "or leave it blank.",
    f"{TEMPLATE} (16); NSWC-Crane/C-PAT service template exports",
    P,
)
RULES.rule(
    "emass.level.allowed",
    "error",
    "Severity, Relevance of Threat, Likelihood, Impact, Residual Risk Level use the five levels",
    "Use Very Low, Low, Moderate, High or Very High.",
    f"{TEMPLATE} (17)",
    P,
)
RULES.rule(
    "emass.required",
    "error",
    "Description, Source Identifying Vulnerability, Office/Org, Resources Required are filled in",
    "Fill in the field; eMASS rejects the item without it.",
    f"{API}; {TEMPLATE} (8, 19)",
    P,
)
RULES.rule(
    "emass.scheduled-date.required",
    "error",
    "Ongoing and Completed items have a Scheduled Completion Date",
    "Enter the Scheduled Completion Date (MM/DD/YYYY).",
    f"{API}; {TEMPLATE} (19)",
    P,
)
RULES.rule(
    "emass.ongoing.milestone-required",
    "error",
    "Ongoing items have at least one dated milestone",
    "Add a milestone row: 'description MM/DD/YYYY' in Milestone with Completion Dates.",
    API,
    P,
)
RULES.rule(
    "emass.completed.milestone-required",
    "error",
    "Completed items have at least one milestone",
    "Add the milestone(s) that completed the item.",
    API,
    P,
)
RULES.rule(
    "emass.completed.completion-date-missing",
    "error",
    "Completed items give their completion date after the status word",
    "Write the status as 'Completed MM/DD/YYYY'.",
    f"{TEMPLATE} (15)",
    P,
)
RULES.rule(
    "emass.completed.completion-date-future",
    "error",
    "A Completed item's completion date is not in the future",
    "Enter the date the item was actually completed.",
    API,
    P,
)
RULES.rule(
    "emass.comments.required",
    "error",
    "Completed and Risk Accepted items have Comments",
    "Explain the completion or the risk acceptance in Comments.",
    f"{API}; {TEMPLATE} (19)",
    P,
)
RULES.rule(
    "emass.risk-accepted.no-scheduled-date",
    "error",
    "Risk Accepted items have no Scheduled Completion Date",
    "Clear the Scheduled Completion Date of the risk-accepted item.",
    API,
    P,
)
RULES.rule(
    "emass.risk-accepted.no-milestones",
    "error",
    "Risk Accepted items have no milestones",
    "Remove the milestones of the risk-accepted item.",
    API,
    P,
)
RULES.rule(
    "emass.milestone.date-missing",
    "error",
    "Every milestone ends with its date",
    "Write each milestone as 'description MM/DD/YYYY'.",
    f"{TEMPLATE} (15)",
    P,
)
RULES.rule(
    "emass.milestone.after-scheduled",
    "warning",
    "Milestones are not later than the Scheduled Completion Date",
    "Only approved items may carry a later milestone (an extension); otherwise move it earlier.",
    f"{TEMPLATE} (13)",
    P,
)

# field -> maximum characters (eMASS API documentation field lengths, formats.md §3)
LENGTHS = {
    "description": 2000,
    "comments": 2000,
    "mitigations": 2000,
    "recommendations": 2000,
    "impact_description": 2000,
    "milestones": 2000,
    "resources": 250,
    "office": 100,
}
for _key, _n in LENGTHS.items():
    _name = L.BY_KEY[_key].header.strip()
    RULES.rule(
        f"emass.length.{_key.replace('_', '-')}",
        "error",
        f"{_name} is at most {_n:,} characters",
        f"Shorten the text to {_n:,} characters or fewer.",
        API,
        P,
    )


def view(poam: Any) -> dict[str, Any]:
    """Each item's eMASS values as read (or, for a Poam from another format, as written)."""
    found: dict[str, Any] | None = poam.native.get("emass")
    if found:
        return found
    by_item = records.milestones_by_item(poam)
    rows: dict[int, dict[str, Any]] = {}
    for pos, (row, rec) in enumerate(
        zip(poam.items.frame.index, records.item_records(poam), strict=True), start=1
    ):
        rows[int(row)] = L.to_emass(rec, by_item.get(records.item_key(rec), []), pos)
    return {"rows": rows, "milestone_rows": {}, "letters": {f.key: f.letter for f in L.FIELDS}}


def _items(ctx: Context) -> Iterator[Finding]:
    v = view(ctx.poam)
    sheet, letters = ctx.poam.items.sheet, v["letters"]
    service = v.get("variant")
    for row, e in v["rows"].items():
        number = ctx.items["item_number"].get(row) if row in ctx.items.index else None
        who = values.who(number, row)

        def at(key: str, r: int = row, n: Any = number) -> dict[str, Any]:
            return {
                "sheet": sheet,
                "cell": f"{letters.get(key, L.BY_KEY[key].letter)}{r}",
                "item": plain(n),
                "column": L.BY_KEY[key].header.strip(),
            }

        word, day = L.status_word(e.get("status"))
        if day is None and isinstance(e.get("completion"), dt.date):  # service: its own column
            day = e["completion"]
        if not is_blank(e.get("status")) and word is None:
            yield RULES.make(
                "emass.status.allowed",
                f"{who}: Status {excerpt(e['status'])!r} is not an eMASS status",
                value=excerpt(e["status"]),
                **at("status"),
            )
        raw = e.get("raw_severity")
        # the classic import template takes I/II/III (its instruction 16); the service templates
        # a five-level word (C-PAT's exports, the eMASS API's rawSeverity)
        allowed = L.RAW_SEVERITIES if service is None else L.LEVELS
        if not is_blank(raw) and (str(raw).strip() not in allowed if service is None
                                  else model.canonical_choice(raw, allowed) is None):
            yield RULES.make(
                "emass.raw-severity.allowed",
                f"{who}: Raw Severity {excerpt(raw)!r} is not {', '.join(allowed)}",
                value=excerpt(raw),
                **at("raw_severity"),
            )
        for key in L.LEVEL_FIELDS:
            val = e.get(key)
            if not is_blank(val) and model.canonical_choice(val, L.LEVELS) is None:
                yield RULES.make(
                    "emass.level.allowed",
                    f"{who}: {L.BY_KEY[key].header} {excerpt(val)!r} "
                    "is not Very Low, Low, Moderate, High or Very High",
                    value=excerpt(val),
                    **at(key),
                )
        for key in ("description", "source", "office", "resources"):
            if is_blank(e.get(key)):
                yield RULES.make(
                    "emass.required", f"{who}: {L.BY_KEY[key].header.strip()} is empty", **at(key)
                )
        yield from _status_rules(ctx, e, word, day, who, at, v["milestone_rows"].get(row, []))
        for key, limit in LENGTHS.items():
            texts = e.get(key) if key == "milestones" else [e.get(key)]
            for k, val in enumerate(texts or []):
                if isinstance(val, str) and len(val) > limit:
                    r = (
                        (v["milestone_rows"].get(row) or [row] * (k + 1))[k]
                        if key == "milestones"
                        else row
                    )
                    yield RULES.make(
                        f"emass.length.{key.replace('_', '-')}",
                        f"{who}: "
                        f"{L.BY_KEY[key].header.strip()} has {len(val):,} characters (limit "
                        f"{limit:,})",
                        **at(key, r),
                    )


def _status_rules(
    ctx: Context,
    e: dict[str, Any],
    word: str | None,
    day: dt.date | None,
    who: str,
    at: Any,
    ms_rows: list[int],
) -> Iterator[Finding]:
    miles = [
        (L.split_dated(m), r)
        for m, r in zip(
            e.get("milestones") or [],
            ms_rows or [0] * len(e.get("milestones") or []),
            strict=False,
        )
    ]
    scheduled = records.parse("date", e.get("scheduled"))
    scheduled = scheduled if isinstance(scheduled, dt.date) else None
    if word in ("Ongoing", "Completed") and scheduled is None:
        yield RULES.make(
            "emass.scheduled-date.required",
            f"{who} is {word} but has no Scheduled Completion Date",
            **at("scheduled"),
        )
    if word == "Ongoing" and not any(label and d for (label, d), _r in miles):
        yield RULES.make(
            "emass.ongoing.milestone-required",
            f"{who} is Ongoing but has no milestone with a description and a date",
            **at("milestones"),
        )
    if word == "Completed":
        if not miles:
            yield RULES.make(
                "emass.completed.milestone-required",
                f"{who} is Completed but has no milestones",
                **at("milestones"),
            )
        if day is None:
            yield RULES.make(
                "emass.completed.completion-date-missing",
                f"{who} is Completed with no completion date after the word",
                **at("status"),
            )
        elif day > ctx.as_of:
            yield RULES.make(
                "emass.completed.completion-date-future",
                f"{who}: completion date {day.isoformat()} is after {ctx.as_of.isoformat()}",
                **at("status"),
            )
    if word in ("Completed", "Risk Accepted") and is_blank(e.get("comments")):
        yield RULES.make(
            "emass.comments.required", f"{who} is {word} but Comments is empty", **at("comments")
        )
    if word == "Risk Accepted":
        if scheduled is not None:
            yield RULES.make(
                "emass.risk-accepted.no-scheduled-date",
                f"{who} is Risk Accepted but has a "
                f"Scheduled Completion Date ({scheduled.isoformat()})",
                **at("scheduled"),
            )
        if miles:
            yield RULES.make(
                "emass.risk-accepted.no-milestones",
                f"{who} is Risk Accepted but has {len(miles)} milestone(s)",
                **(at("milestones", miles[0][1]) if miles[0][1] else at("milestones")),
            )
    for (label, d), r in miles:
        where = at("milestones", r) if r else at("milestones")
        if d is None:
            yield RULES.make(
                "emass.milestone.date-missing",
                f"{who}: milestone {excerpt(label)!r} has no date",
                **where,
            )
        elif scheduled is not None and d > scheduled and word != "Risk Accepted":
            yield RULES.make(
                "emass.milestone.after-scheduled",
                f"{who}: milestone {excerpt(label)!r} "
                f"({d.isoformat()}) is after the Scheduled Completion Date "
                f"({scheduled.isoformat()})",
                **where,
            )


def emass_rules(ctx: Context) -> list[Finding]:
    """Every eMASS finding: status words, levels, required fields, status rules, lengths."""
    return list(_items(ctx))


def summary(ctx: Context) -> dict[str, Any]:
    """Items by eMASS status word (as written in the workbook)."""
    words = Counter(
        L.status_word(e.get("status"))[0] or "(other)" for e in view(ctx.poam)["rows"].values()
    )
    return {"emass_status": dict(words)}


# Common practice, not a DoD rule: no DoD-wide remediation window exists (formats.md §3).
POLICY = Policy(
    days={"High": 30, "Medium": 180, "Low": 365},
    source="eMASS profile: common practice CAT I 30 / CAT II 180 / CAT III 365 days, "
    "not a DoD rule",
)

# DSS rules that do not fit the eMASS import layout: it has no ISSM approval, Date Identified,
# header block of the DSS form; optional Raw Severity and Security Control Number (system-level
# items, template instruction 5); its own milestone and completion rules replace ours.
DISABLED = frozenset(
    {
        "cws.required",
        "risk-level.required",
        "completion-date.required",
        "residual-risk.required",
        "mitigation.required-open",
        "milestone.missing",
        "milestone-date.missing",
        "milestone.after-item-date",
        "milestone.planned-date.required",
        "header.cage-code.format",
        "header.issm-phone.format",
        "header.last-review.missing",
        "header.last-review.stale",
        "approval.required-closed",
        # the header block is filled by eMASS on export; none of its values is required on import
        *(f"header.{f.key.replace('_', '-')}.required" for f in model.HEADER_FIELDS),
    }
)

PROFILE = Profile(
    "emass",
    "eMASS POA&M import workbook (DoD RMF)",
    policy=POLICY,
    layouts=("emass",),
    rules=(emass_rules,),
    disabled=DISABLED,
    summary=summary,
    describe="eMASS status words, Raw Severity I/II/III, milestone and completion "
    "rules of the eMASS API and the import template's instructions.",
)
