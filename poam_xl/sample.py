"""Realistic, varied sample items for `poam-xl new --sample N` (deterministic for a seed/as_of)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from . import derive, model
from .policy import DEFAULT, Policy

# (description, C/W/S, mitigation, how identified, milestones)
WEAKNESSES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("Shutdown configuration missing authentication on the classified workstation",
     "NIST SP 800-53 AC-3", "Require authentication before shutdown via group policy",
     "Self-Inspection", ("Update group policy", "Verify on all workstations")),
    ("Audit logs not reviewed weekly as required by the SSP", "NISPOM 117.18(c); AU-6",
     "Assign weekly audit review to the A-ISSM; add review log sheet", "Audit",
     ("Assign reviewer", "First weekly review recorded", "Audit of review log")),
    ("Operating system patches more than 30 days behind on two servers", "NIST SP 800-171 3.14.1",
     "Apply cumulative updates during the monthly maintenance window", "Vulnerability Scan",
     ("Install updates", "Rescan and confirm")),
    ("USB mass storage not disabled on standalone system", "NIST SP 800-171 3.8.7",
     "Disable USB storage in BIOS and via device control policy", "Self-Inspection",
     ("Disable in BIOS", "Apply device control policy")),
    ("Password length below 14 characters for local accounts", "NIST SP 800-53 IA-5(1)",
     "Raise minimum length to 14 in local security policy", "Vulnerability Scan",
     ("Change local policy", "Force password reset")),
    ("Media sanitization procedure not documented", "NISPOM 117.18(d); MP-6",
     "Write and approve the media sanitization procedure", "Audit",
     ("Draft procedure", "ISSM approval", "Train custodians")),
    ("Screen lock timeout set to 30 minutes instead of 15", "NIST SP 800-171 3.1.10",
     "Set session lock to 15 minutes by policy", "STIG Review", ("Change policy",)),
    ("Security awareness training overdue for three users", "NIST SP 800-171 3.2.1",
     "Schedule refresher training and track completion", "Audit",
     ("Schedule session", "Record completions")),
    ("Unauthorized software found on analyst workstation", "NIST SP 800-53 CM-7(5)",
     "Remove software; enable application allow-listing", "Penetration Test",
     ("Remove software", "Enable allow-listing", "Verify by audit")),
    ("Backup restore never tested for the file server", "NIST SP 800-53 CP-9",
     "Perform and document a test restore each quarter", "Assessment",
     ("Test restore", "Document results")),
    ("Incident response plan lacks contact list for DCSA", "NIST SP 800-171 3.6.1",
     "Add DCSA and FBI contacts; test the plan annually", "Incident",
     ("Update plan", "Tabletop exercise")),
    ("FIPS-validated encryption not enabled on laptop drives", "NIST SP 800-171 3.13.11",
     "Enable BitLocker in FIPS mode on all laptops", "Vulnerability Scan",
     ("Enable FIPS mode", "Encrypt drives", "Verify compliance report")),
    ("Visitor log missing escort signatures", "NISPOM 117.15; PE-8",
     "Add escort signature column and brief security staff", "Self-Inspection",
     ("Revise log form",)),
    ("Firewall rule allows any-any between enclaves", "NIST SP 800-53 SC-7",
     "Replace with explicit allow rules for required ports", "Penetration Test",
     ("Document flows", "Replace rule", "Rescan")),
    ("Account reviews not performed in the last quarter", "NIST SP 800-171 3.1.1",
     "Quarterly account review with system owner sign-off", "Audit",
     ("Export account list", "Owner sign-off")),
    ("Antivirus signatures older than 7 days on isolated LAN", "NIST SP 800-171 3.14.4",
     "Weekly signature transfer procedure with media scanning", "Self-Inspection",
     ("Write procedure", "First transfer")),
    ("Configuration baseline not documented for network devices", "NIST SP 800-53 CM-2",
     "Capture baselines and store in configuration management", "Assessment",
     ("Capture configs", "Approve baseline")),
    ("Remote maintenance sessions not logged", "NIST SP 800-171 3.7.5",
     "Require MFA and session logging for remote maintenance", "Audit",
     ("Enable logging", "Review first month of logs")),
)
OWNERS = ("J. Alvarez (IT Ops)", "K. Chen (ISSM)", "R. Patel (Network)", "S. Okafor (Facility Security)",
          "M. Novak (System Owner)", "T. Brooks (A-ISSM)")
RESOURCES = ("Staff time (8 hours)", "Budget: $2,500 for licences", "Vendor support ticket",
             "Change board approval", "Staff time (2 days)", "None beyond current staff")


def header(as_of: dt.date) -> dict[str, Any]:
    return {
        "company_name": "Example Defense Systems, Inc.", "cage_code": "1ABC2",
        "dss_uid": "ISFO-2024-0042", "issm_names": "K. Chen (ISSM) / T. Brooks (A-ISSM)",
        "issm_phone": "(703) 555-0142 / (703) 555-0177", "system_name": "Classified LAN (Building 4)",
        "poam_date": as_of, "last_review": as_of - dt.timedelta(days=45),
    }


def items(n: int, as_of: dt.date, seed: int = 0, pol: Policy = DEFAULT
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """n items and their milestones, as dicts keyed by model column keys (due dates from ``pol``)."""
    rng = random.Random(seed)
    dues: dict[tuple[str, dt.date], dt.date] = {}
    rows: list[dict[str, Any]] = []
    miles: list[dict[str, Any]] = []
    pattern = ("Open", "In Progress", "Open", "Completed", "In Progress", "Deferred", "Closed", "Open")
    for i in range(1, n + 1):
        desc, cws, mit, how, steps = WEAKNESSES[(i - 1) % len(WEAKNESSES)]
        if i > len(WEAKNESSES):
            desc = f"{desc} (site {1 + (i - 1) // len(WEAKNESSES)})"
        risk = model.RISK_LEVELS[(i + rng.randrange(3)) % 3]
        status = pattern[(i - 1) % len(pattern)]
        age = rng.choice((5, 12, 40, 75, 100, 150, 200, 260))
        identified = as_of - dt.timedelta(days=age)
        if (risk, identified) not in dues:  # few distinct pairs: compute each once
            dues[(risk, identified)] = derive.due_date(risk, identified, pol) or identified
        due = dues[(risk, identified)]
        row: dict[str, Any] = {
            "item_number": i, "description": desc, "cws": cws, "mitigation": mit,
            "milestone_date": due if rng.random() < 0.8 else due + dt.timedelta(days=30),
            "issm_approval": "Yes" if status != "Open" or rng.random() < 0.5 else "Pending",
            "status": status, "risk_level": risk, "date_identified": identified,
            "how_identified": how, "likelihood": model.RISK_LEVELS[rng.randrange(3)],
            "impact": model.RISK_LEVELS[rng.randrange(3)], "owner": OWNERS[i % len(OWNERS)],
            "resources": RESOURCES[i % len(RESOURCES)],
        }
        if row["milestone_date"] > due:
            row["milestone_changes"] = "Extended 30 days: vendor patch delayed (ISSM approved)"
        if status in model.CLOSED_STATUSES:
            done = identified + dt.timedelta(days=max(1, min(age - 1, (due - identified).days - 3)))
            row.update(completion_date=done, closure_reason="Remediated", issm_approval="Yes")
            if status == "Closed":
                row.update(dss_determination="Closed", dss_date=done + dt.timedelta(days=2))
                if i % 3 == 1:
                    row.update(closure_reason="Risk Accepted",
                               residual_risk="Low: compensating control (manual weekly check) in place")
        if status == "Deferred":
            row["comments"] = "Deferred: awaiting FY funding for replacement hardware"
            row["milestone_date"] = as_of + dt.timedelta(days=60)
            row["milestone_changes"] = "Moved to the new date after the funding delay (ISSM approved)"
        rows.append(row)
        target = row["milestone_date"]
        for k, step in enumerate(steps, start=1):
            planned = identified + (target - identified) * k / (len(steps) + 1)
            finished = status in model.CLOSED_STATUSES or planned < as_of - dt.timedelta(days=10)
            miles.append({
                "item_number": i, "milestone": step, "planned_date": planned,
                "status": "Completed" if finished else "Pending",
                "completed_date": planned if finished else None,
            })
    return rows, miles


def as_cmmc(rows: list[dict[str, Any]]) -> None:
    """CMMC-shaped samples: C/W/S names NIST SP 800-171 requirements that may sit on a POA&M
    (1 point each, 32 CFR 170.21(a)(2)(ii)), so `--profile cmmc` has a realistic workbook."""
    from .profiles.cmmc import NEVER, weights

    allowed = [r.practice for r in weights().values()
               if r.weight == 1 and r.poam_allowed and r.id not in NEVER]
    for i, row in enumerate(rows):
        row["cws"] = allowed[(i * 7) % len(allowed)]
