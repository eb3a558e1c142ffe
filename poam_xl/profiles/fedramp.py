"""The FedRAMP profile: Rev5 template reader, FedRAMP remediation windows and FedRAMP rules.

Sources: FedRAMP POA&M Template Completion Guide (fields, deviation requests, POAM IDs, false
positives on the Closed sheet); FedRAMP Continuous Monitoring Playbook / ConMon Strategy Guide
(remediation windows High/Critical 30, Moderate 90, Low 180 days from discovery; monthly vendor
check-ins; one POA&M item per unique vulnerability); CISA BOD 22-01 (KEV due dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from .. import derive, model
from ..findings import Finding, RuleSet
from ..layouts.fedramp import CLOSED, LABEL, POLICY, TO_FEDRAMP_RISK
from ..layouts.fedramp_read import fedramp_frame
from ..values import plain
from .base import Context, Profile

GUIDE = "FedRAMP POA&M Template Completion Guide"
CONMON = "FedRAMP Continuous Monitoring Playbook"
BOD = "CISA Binding Operational Directive 22-01"
OURS = "poam-xl default"
P = ("fedramp",)
CHECKIN_DAYS = 30  # vendor check-in at least monthly (ConMon Playbook)
POAM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,49}$")
DEVIATIONS = ("fr_risk_adjustment", "fr_false_positive", "fr_operational_requirement")

RULES = RuleSet(profiles=("fedramp",), source=GUIDE)
RULES.rule("fedramp.poam-id.missing", "error", "Every item has a POAM ID",
           "Give each item a unique POAM ID (e.g. V-101); never reuse the ID of a closed item.", GUIDE, P)
RULES.rule("fedramp.poam-id.format", "warning", "POAM IDs are one token of letters, digits, '.', '-', '_'",
           "Use an ID like V-101 (up to 50 characters, no spaces).", f"{GUIDE}; format: {OURS}", P)
RULES.rule(
    "fedramp.poam-id.unique",
    "error",
    "POAM IDs are unique across the Open, Closed and Configuration Findings sheets",
    "Give each item its own POAM ID.",
    GUIDE,
    P,
)
RULES.rule(
    "fedramp.deviation.rationale-missing",
    "error",
    "A deviation request (risk adjustment, false "
    "positive, operational requirement) has a Deviation Rationale",
    "Explain the deviation in Deviation Rationale ('Deviation Type : Rationale').",
    GUIDE,
    P,
)
RULES.rule(
    "fedramp.deviation.high-operational-requirement",
    "error",
    "No operational requirement for a High (or Critical) risk",
    "Remediate the High item, or request a risk adjustment first.",
    GUIDE,
    P,
)
RULES.rule("fedramp.vendor-dependency.product-missing", "error", "A vendor dependency names the product",
           "Fill Vendor Dependent Product Name.", GUIDE, P)
RULES.rule(
    "fedramp.vendor-dependency.checkin-stale",
    "error",
    "A vendor dependency was checked with the vendor in the last 30 days",
    "Check in with the vendor and update Last Vendor Check-in Date (at least monthly).",
    CONMON,
    P,
)
RULES.rule(
    "fedramp.remediation.late",
    "warning",
    "Open items are within their remediation window "
    "(High/Critical 30, Moderate 90, Low 180 days from Original Detection Date)",
    "Remediate, or file a deviation request; late items drive FedRAMP escalation.",
    CONMON,
    P,
)
RULES.rule(
    "fedramp.false-positive.open-sheet",
    "warning",
    "Validated false positives are on the Closed POA&M Items sheet",
    "Move the item to the Closed POA&M Items sheet.",
    GUIDE,
    P,
)
RULES.rule(
    "fedramp.unique-vulnerability.grouped",
    "warning",
    "One item per unique vulnerability (one Weakness Source Identifier per item)",
    "Split the item: one row per scanner ID.",
    CONMON,
    P,
)
RULES.rule(
    "fedramp.kev.due-date-missing",
    "error",
    "A KEV item (BOD 22-01 tracking = Yes) has its BOD 22-01 Due Date",
    "Enter the due date from CISA's KEV catalog.",
    BOD,
    P,
)
RULES.rule("fedramp.kev.overdue", "error", "Open KEV items meet their BOD 22-01 due date",
           "Remediate the KEV item now; its BOD 22-01 due date has passed.", BOD, P)


def _rows(ctx: Context) -> Iterator[tuple[Any, dict[str, Any], Any]]:
    """(index, FedRAMP row as plain values, where(key) -> sheet/cell kwargs)."""
    frame = fedramp_frame(ctx.poam)
    native = "fedramp" in ctx.poam.native
    by_sheet = ctx.poam.native.get("letters", {})
    dss_key = {
        "fr_poam_id": "item_number",
        "fr_original_risk": "risk_level",
        "fr_status_date": "completion_date",
        "fr_detector_source": "how_identified",
    }
    for idx, row in frame.iterrows():
        fr = {k: plain(v) for k, v in row.items()}

        def where(key: str, fr: dict[str, Any] = fr, idx: Any = idx) -> dict[str, Any]:
            if native:
                letter = by_sheet.get(fr["sheet"], {}).get(key)
                return {
                    "sheet": fr["sheet"],
                    "cell": f"{letter}{fr['row']}" if letter else None,
                    "item": fr.get("fr_poam_id"),
                    "column": LABEL[key],
                }
            target = key if key in model.ITEMS.keys else dss_key.get(key, "comments")
            letter = ctx.poam.items.letters.get(target)
            return {
                "sheet": ctx.poam.items.sheet,
                "cell": f"{letter}{idx}" if letter else None,
                "item": fr.get("fr_poam_id"),
                "column": LABEL[key],
            }

        yield idx, fr, where


def _yes(value: Any) -> bool:
    return str(value or "").strip().lower() == "yes"


def _asked(value: Any) -> bool:
    return str(value or "").strip().lower() in ("yes", "pending")


def _open(fr: dict[str, Any]) -> bool:
    return fr.get("sheet") != CLOSED


def _high(rating: Any) -> bool:
    return str(rating or "").strip().lower() in ("high", "critical", "very high")


def poam_ids(ctx: Context) -> list[Finding]:
    """POAM ID present, one token, unique across sheets."""
    out: list[Finding] = []
    seen: dict[str, str] = {}
    for _idx, fr, where in _rows(ctx):
        pid = fr.get("fr_poam_id")
        if not pid:
            out.append(
                RULES.make("fedramp.poam-id.missing", "item has no POAM ID", **where("fr_poam_id"))
            )
            continue
        if not POAM_ID.match(str(pid)):
            out.append(
                RULES.make(
                    "fedramp.poam-id.format",
                    f"POAM ID {pid!r} is not one token of letters, digits, '.', '-', '_'",
                    value=str(pid),
                    **where("fr_poam_id"),
                )
            )
        key = str(pid).strip().lower()
        if key in seen:
            out.append(
                RULES.make(
                    "fedramp.poam-id.unique",
                    f"POAM ID {pid} is used again (first at {seen[key]})",
                    value=str(pid),
                    **where("fr_poam_id"),
                )
            )
        else:
            w = where("fr_poam_id")
            seen[key] = f"{w['sheet']}!{w['cell']}"
    return out


def deviations(ctx: Context) -> list[Finding]:
    """Deviation requests need a rationale; no operational requirement for a High."""
    out = []
    for _idx, fr, where in _rows(ctx):
        asked = [LABEL[k] for k in DEVIATIONS if _asked(fr.get(k))]
        if asked and not fr.get("fr_deviation_rationale"):
            out.append(
                RULES.make(
                    "fedramp.deviation.rationale-missing",
                    f"{', '.join(asked)} requested but Deviation Rationale is blank",
                    **where("fr_deviation_rationale"),
                )
            )
        if _asked(fr.get("fr_operational_requirement")) and _high(fr.get("fr_original_risk")):
            out.append(
                RULES.make(
                    "fedramp.deviation.high-operational-requirement",
                    f"operational requirement on a {fr.get('fr_original_risk')} item",
                    value=str(fr.get("fr_operational_requirement")),
                    **where("fr_operational_requirement"),
                )
            )
    return out


def vendor_dependencies(ctx: Context) -> list[Finding]:
    """Vendor dependency: product named, vendor checked in within 30 days of as_of."""
    out = []
    for _idx, fr, where in _rows(ctx):
        if not _yes(fr.get("fr_vendor_dependency")):
            continue
        if not fr.get("fr_vendor_product"):
            out.append(
                RULES.make(
                    "fedramp.vendor-dependency.product-missing",
                    "vendor dependency without a Vendor Dependent Product Name",
                    **where("fr_vendor_product"),
                )
            )
        checkin = fr.get("fr_vendor_checkin")
        if _open(fr) and (checkin is None or (ctx.as_of - checkin).days > CHECKIN_DAYS):
            what = (
                "no check-in date"
                if checkin is None
                else (f"last check-in {checkin.isoformat()}, {(ctx.as_of - checkin).days} days ago")
            )
            out.append(
                RULES.make(
                    "fedramp.vendor-dependency.checkin-stale",
                    f"vendor dependency: {what}",
                    **where("fr_vendor_checkin"),
                )
            )
    return out


def late(ctx: Context) -> list[Finding]:
    """Open items past Original Detection Date + the window of their (adjusted) rating."""
    frame = fedramp_frame(ctx.poam)
    if frame.empty:
        return []
    rating = frame["fr_original_risk"].astype(object)
    adjusted = frame["fr_adjusted_risk"].astype(object)
    approved = frame["fr_risk_adjustment"].map(_yes) & adjusted.isin(("Low", "Moderate", "High"))
    effective = rating.where(~approved, adjusted).map(
        lambda v: model.canonical_choice(v, model.RISK_LEVELS, model.RISK_SYNONYMS)
    )
    found = pd.to_datetime(frame["date_identified"], errors="coerce").astype("datetime64[ns]")
    due = derive.due_dates(found, effective, ctx.policy)
    out = []
    for (_idx, fr, where), d, eff in zip(_rows(ctx), due, effective, strict=True):
        exempt = (
            _yes(fr.get("fr_false_positive"))
            or _yes(fr.get("fr_operational_requirement"))
            or _yes(fr.get("fr_vendor_dependency"))
        )
        if pd.isna(d) or not _open(fr) or exempt or d.date() >= ctx.as_of:
            continue
        days = (ctx.as_of - d.date()).days
        out.append(
            RULES.make(
                "fedramp.remediation.late",
                f"{TO_FEDRAMP_RISK.get(eff, eff)} item detected "  # FedRAMP's own word
                f"{fr['date_identified'].isoformat()} is {days} days past its "
                f"{ctx.policy.days[eff]}-day window (due {d.date().isoformat()})",
                **where("date_identified"),
            )
        )
    return out


def false_positives(ctx: Context) -> list[Finding]:
    """Validated false positives belong on the Closed sheet."""
    return [
        RULES.make(
            "fedramp.false-positive.open-sheet",
            f"validated false positive on the {fr['sheet']} sheet",
            **where("fr_false_positive"),
        )
        for _idx, fr, where in _rows(ctx)
        if _yes(fr.get("fr_false_positive")) and _open(fr)
    ]


def grouped(ctx: Context) -> list[Finding]:
    """One item per unique vulnerability: a single Weakness Source Identifier."""
    out = []
    for _idx, fr, where in _rows(ctx):
        ids = [t for t in re.split(r"[,;\n]+|\s+", str(fr.get("source_id") or "")) if t.strip()]
        if len(ids) > 1:
            out.append(
                RULES.make(
                    "fedramp.unique-vulnerability.grouped",
                    f"{len(ids)} weakness source identifiers in one item ({', '.join(ids[:4])})",
                    value=", ".join(ids[:4]),
                    **where("source_id"),
                )
            )
    return out


def kev(ctx: Context) -> list[Finding]:
    """BOD 22-01: KEV items carry the catalog's due date and meet it."""
    out = []
    for _idx, fr, where in _rows(ctx):
        if not _yes(fr.get("fr_kev")):
            continue
        due = fr.get("fr_kev_due_date")
        if due is None:
            out.append(
                RULES.make(
                    "fedramp.kev.due-date-missing",
                    "KEV item without a BOD 22-01 Due Date",
                    **where("fr_kev_due_date"),
                )
            )
        elif _open(fr) and isinstance(due, dt.date) and due < ctx.as_of:
            out.append(
                RULES.make(
                    "fedramp.kev.overdue",
                    f"KEV item open {(ctx.as_of - due).days} days "
                    f"past its BOD 22-01 due date {due.isoformat()}",
                    **where("fr_kev_due_date"),
                )
            )
    return out


# DSS-only rules that have no meaning on a FedRAMP POA&M (no ISSM/FSO approval, DSS
# determination, CAGE code or DSS review header there)
DISABLED = frozenset(
    {
        "approval.required-closed",
        "determination.closed-open-item",
        "header.cage-code.format",
        "header.issm-phone.format",
        "header.last-review.stale",
        "header.last-review.missing",
        "header.company-name.required",
        "header.cage-code.required",
        "header.dss-uid.required",
        "header.issm-names.required",
        "header.poam-date.required",
        "deferred.reason",
        "deferred.new-date",
        "residual-risk.required",
    }
)

PROFILE = Profile(
    "fedramp",
    "FedRAMP POA&M (Rev5 template v2.1)",
    policy=POLICY,
    layouts=("fedramp", "dss"),
    rules=(poam_ids, deviations, vendor_dependencies, late, false_positives, grouped, kev),
    disabled=DISABLED,
    describe="FedRAMP Rev5 POA&M template (Open/Closed/Configuration Findings sheets); "
    "remediation windows High/Critical 30, Moderate 90, Low 180 days from Original "
    "Detection Date (adjusted rating when a risk adjustment is approved).",
)
