"""eMASS POA&M layouts of the layout corpus: classic import template and the service templates.

Facts and sources (header texts exactly as the sources spell them):

- **Service templates** (Navy, Marine Corps, Army): NSWC-Crane/C-PAT, which ships
  ``client/src/assets/NAVY_eMASS_TEMPLATE.xlsx``, ``MARINE_CORPS_eMASS_TEMPLATE.xlsx`` and
  ``ARMY_eMASS_TEMPLATE.xlsx`` (binary, not readable here) and describes them in
  ``client/src/app/common/utils/emass-branch-config.ts`` (column letter -> field) and
  ``docs/source/user/poamexporting.rst`` (column letter -> "eMASS Column Title"):
  sheet ``POA&M``; banner A1, header block rows 2-6 (values D2..D6 = date, exporting user,
  CC/S/A/FA, system name, "N/A"; M2 system type, M4..M6 POC name/phone/e-mail), header row 7,
  data from row 8 (``poam-export.service.ts``: ``rowIndex = 8``). "When a POAM has multiple
  milestones, a separate row is exported for each milestone, with the POAM-level columns repeated
  on every row"; "A POAM with no milestones is exported as a single row with the milestone columns
  left blank"; columns A and B are written blank (B = POA&M Item ID, assigned by eMASS). C-PAT
  writes dates as TEXT ``MM/dd/yyyy`` and Raw Severity as a five-level word (CAT I - High -> High).
  Navy = A..AG (C..AG below, per poamexporting.rst). "Marine Corps is identical minus column AG"
  (A..AF). Army = A..AO: "omits Predisposing Conditions, Threat Description, and Resulting
  Residual Risk, shifting the risk analysis block left (X-AD), and appends CFO-audit /
  personnel-resource fields (AE-AO)". The Army AE..AO header texts are not in C-PAT; they are
  taken from the eMASS POA&M *export* column map in a public repo's ``emass`` module (header row
  12 of sheet ``RMF_POAM``: "Identified in CFO Audit or other review", "Personnel Resources: Cost
  Code", "... Funded Base Hours", "... Unfunded Base Hours", "... Non-Funding Obstacle" (spelled
  "Non-FundingObstacle" there), "... Non-Funding Obstacle Other Reason", "Non-Personnel Resources:
  Cost Code", "... Funded Amount", "... Unfunded Amount", "... Non-Funding Obstacle", "...
  Non-Funding Obstacle Other Reason") and match the eMASS API's Army/USCG-optional POA&M fields
  (mitre/emasser ``lib/emasser/help/poam_post_mapper.md``: identifiedInCFOAuditOrOtherReview,
  personnelResources{FundedBaseHours,CostCode,UnfundedBaseHours,NonfundingObstacle,...},
  nonPersonnelResources{FundedAmount,CostCode,UnfundedAmount,NonfundingObstacle,...}): 11 fields =
  AE..AO. A third-party generator (``EMASS_PROFILES`` in a public posture-report module) agrees:
  Navy renames "Mitigations" to "Mitigations (in-house and in conjunction with the Navy CSSP)",
  Army omits the three columns, Marine Corps omits "Resulting Residual Risk after Proposed
  Mitigations".
- Column counts: named columns are Navy B..AG = 32, Marine Corps B..AF = 31, Army B..AO = 40.
  Issue 13 says Navy 33 / Marine Corps 31 / Army 40: the Navy count matches only when column A
  carries a header. What A7 holds in the service templates is not public; the classic template
  has a stray duplicate "Control Vulnerability Description" in A7. This corpus gives the Navy case
  that stray A7 (33 headers) and leaves A7 blank in the Marine Corps and Army cases (31 / 40).
- **Classic import template**: ``/work/shared/realworld/workbooks/ckl2POAM__POA&M Template.xlsm``
  (mitre/ckl2POAM:resources/POA&M Template.xlsm) and its README: header rows 1-6, header row 7,
  A..V, stray spaces in "Source Identifying Vulnerability " and " Raw Severity", extra milestones
  of an item on following rows in column I only ("Implement Procedure B 10/31/2018"), status text
  with a date ("Completed 11/13/2018"), Raw Severity I/II/III. Its field mapping follows
  poam_xl/convert/emass_layout.py.
- An older Navy template (C-PAT's earlier ``eMASS_Template.xlsx``, earlier poamexporting.rst):
  C Control Vulnerability Description, D Controls / APs, E Office/Org, F Security Checks,
  G Resources Required, H Scheduled Completion Date, I Milestone ID, J Milestone with Completion
  Dates, K Milestone Changes, L Source Identifying Vulnerability, M Status, N Comments, O Raw
  Severity, P Devices Affected, Q Mitigations (in-house and in conjunction with the Navy CSSP),
  R Predisposing Conditions, S Severity, T Relevance of Threat ... (not built here).
- STIG Manager (NUWCDIVNPT/stig-manager#1470, #1774, #1786): eMASS rejects outdated layouts
  ("Unable to read POA&M Template..."); eMASS "Joint v5.12.0" lacks Devices Affected and
  Predisposing Conditions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.layout_corpus_base import (
    WRAP,
    Case,
    Col,
    D,
    Expect,
    Table,
    as_xlsm,
    cols,
    dates_text,
    write_header,
)

BANNER = "***** UNCLASSIFIED//FOR OFFICIAL USE ONLY *****"
M = "milestone."
STRAY_A7 = "Control Vulnerability Description"

# item columns B..V shared by the three service templates (poamexporting.rst, Navy letters)
_FRONT: tuple[tuple[str, str | None], ...] = (
    ("POA&M Item ID", "item_number"),
    ("Control Vulnerability Description", "description"),
    ("Controls / APs", "cws"),
    ("Security Checks", "source_id"),
    ("POA&M Status", "status"),
    ("POA&M Scheduled Completion Date", "milestone_date"),
    ("POA&M Requested Risk Accepted Expiration Date", None),
    ("POA&M Completion Date", "completion_date"),
    ("Milestone ID", None),  # the milestone's ordinal within its item; kept per milestone
    ("Milestone Description", M + "milestone"),
    ("Milestone Status", M + "status"),
    ("Milestone Status Comments", M + "changes"),
    ("Milestone Scheduled Completion Date", M + "planned_date"),
    ("Milestone Completion Date", M + "completed_date"),
    ("Identification Source", "how_identified"),
    ("Identification Source Details", None),
    ("Office/Org", "owner"),
    ("Resources Required", "resources"),
    ("Comments", "comments"),
    ("Raw Severity", "risk_level"),
    ("Devices Affected", "assets"),
)
NAVY_MITIGATIONS = "Mitigations (in-house and in conjunction with the Navy CSSP)"
NAVY = (*_FRONT, (NAVY_MITIGATIONS, None), ("Predisposing Conditions", None), ("Severity", None),
        ("Relevance of Threat", None), ("Threat Description", None), ("Likelihood", "likelihood"),
        ("Impact", "impact"), ("Impact Description", None), ("Residual Risk Level", "residual_risk"),
        ("Recommendations", "mitigation"), ("Resulting Residual Risk after Proposed Mitigations", None))
USMC = (*_FRONT, ("Mitigations", None), *NAVY[len(_FRONT) + 1:-1])
ARMY = (*_FRONT, ("Mitigations", None), ("Severity", None), ("Relevance of Threat", None),
        ("Likelihood", "likelihood"), ("Impact", "impact"), ("Impact Description", None),
        ("Residual Risk Level", "residual_risk"), ("Recommendations", "mitigation"),
        ("Identified in CFO Audit or other review", None),
        ("Personnel Resources: Cost Code", None),
        ("Personnel Resources: Funded Base Hours", None),
        ("Personnel Resources: Unfunded Base Hours", None),
        ("Personnel Resources: Non-Funding Obstacle", None),
        ("Personnel Resources: Non-Funding Obstacle Other Reason", None),
        ("Non-Personnel Resources: Cost Code", None),
        ("Non-Personnel Resources: Funded Amount", None),
        ("Non-Personnel Resources: Unfunded Amount", None),
        ("Non-Personnel Resources: Non-Funding Obstacle", None),
        ("Non-Personnel Resources: Non-Funding Obstacle Other Reason", None))
CLASSIC: tuple[tuple[str, str | None], ...] = (
    (STRAY_A7, None), ("POA&M Item ID", "item_number"), ("Control Vulnerability Description", "description"),
    ("Security Control Number (NC/NA controls only)", "cws"), ("Office/Org", "owner"),
    ("Security Checks", "source_id"), ("Resources Required", "resources"),
    ("Scheduled Completion Date", "milestone_date"), ("Milestone with Completion Dates", M + "milestone"),
    ("Milestone Changes", "milestone_changes"), ("Source Identifying Vulnerability ", "how_identified"),
    ("Status", "status"), ("Comments", "comments"), (" Raw Severity", "risk_level"), ("Mitigations", None),
    ("Severity", None), ("Relevance of Threat", None), ("Likelihood", "likelihood"), ("Impact", "impact"),
    ("Impact Description", None), ("Residual Risk Level", "residual_risk"), ("Recommendations", "mitigation"))
assert (len(NAVY), len(USMC), len(ARMY), len(CLASSIC)) == (32, 31, 40, 22)

HEADER_LABELS = (("A2", "Date Exported:"), ("A3", "Exported By:"), ("A4", "DoD Component:"),
                 ("A5", "System / Project Name:"), ("A6", "DoD IT Registration No:"), ("J2", "System Type:"),
                 ("J4", "POC Name:"), ("J5", "POC Phone:"), ("J6", "POC E-Mail:"))


def _block(ws: Any, values: dict[str, Any]) -> None:
    """Banner row 1 and the header block rows 2-6 (labels as in the classic template)."""
    ws["A1"] = BANNER
    ws.merge_cells("A1:V1")
    for ref, label in HEADER_LABELS:
        ws[ref] = label
    for ref, v in values.items():
        ws[ref] = v
    for r in range(2, 7):
        ws.merge_cells(f"D{r}:I{r}")


# one item: the fields of its first row (by header), then its milestones
# (description, status, status comments, scheduled, completed)
Milestone = tuple[str, str, str, dt.date, dt.date | None]
Item = tuple[dict[str, Any], Sequence[Milestone]]

_I1 = {"Control Vulnerability Description": "The Apache web server must use TLS 1.2 or later for sessions",
       "Controls / APs": "SC-8", "Security Checks": "SV-214228r881457_rule", "POA&M Status": "Ongoing",
       "POA&M Scheduled Completion Date": D(2027, 3, 31),
       "Identification Source": "Apache Server 2.4 UNIX Server STIG :: Version 3, Release 1",
       "Identification Source Details": "ACAS scan of 2026-11-02",
       "Office/Org": "NAVWAR 5.0 / J. Rivera / j.rivera@example.navy.mil",
       "Resources Required": "Existing O&M staff; no additional funding", "Comments": "CCI-002418",
       "Raw Severity": "High", "Devices Affected": "WEB-01 WEB-02",
       NAVY_MITIGATIONS: "TLS 1.0/1.1 disabled at the load balancer",
       "Mitigations": "TLS 1.0/1.1 disabled at the load balancer",
       "Predisposing Conditions": "Servers reachable only from the enclave", "Severity": "High",
       "Relevance of Threat": "High", "Threat Description": "ADVERSARIAL - HIGH", "Likelihood": "Moderate",
       "Impact": "High", "Impact Description": "Session data could be read in transit",
       "Residual Risk Level": "Moderate", "Recommendations": "Set SSLProtocol to TLSv1.2 and later",
       "Resulting Residual Risk after Proposed Mitigations": "Low",
       "Identified in CFO Audit or other review": "No", "Personnel Resources: Cost Code": "ARMY-CC-0042",
       "Personnel Resources: Funded Base Hours": 40, "Personnel Resources: Unfunded Base Hours": 0}
_M1: tuple[Milestone, ...] = (
    ("Update SSLProtocol on WEB-01 and WEB-02", "Completed", "", D(2027, 1, 15), D(2027, 1, 14)),
    ("Rescan with ACAS and confirm closure", "Pending", "", D(2027, 2, 26), None),
    ("Update the baseline configuration document", "Pending", "Waiting for a CCB slot", D(2027, 3, 31), None))
_I2 = {"Control Vulnerability Description":
       "Windows Server 2019 accounts must lock after three invalid logon attempts",
       "Controls / APs": "AC-7 a", "Security Checks": "SV-205629r569188_rule", "POA&M Status": "Ongoing",
       "POA&M Scheduled Completion Date": D(2027, 6, 30),
       "Identification Source": "Microsoft Windows Server 2019 STIG :: Version 3, Release 2",
       "Office/Org": "NAVWAR 5.0 / J. Rivera", "Resources Required": "Group Policy change; 4 staff hours",
       "Comments": "CCI-000044", "Raw Severity": "Moderate", "Devices Affected": "DC-01",
       "Likelihood": "Low", "Impact": "Moderate", "Residual Risk Level": "Low",
       "Non-Personnel Resources: Funded Amount": 12500, "Non-Personnel Resources: Cost Code": "OMA-77"}
_M2: tuple[Milestone, ...] = (("Apply the account lockout GPO", "Pending", "", D(2027, 5, 14), None),
                              ("Verify with a SCAP scan", "Pending", "", D(2027, 6, 30), None))
_I3 = {"Control Vulnerability Description": "The telnet service must be removed from network devices",
       "Controls / APs": "CM-7 b", "Security Checks": "SV-220534r622190_rule", "POA&M Status": "Completed",
       "POA&M Scheduled Completion Date": D(2026, 11, 30), "POA&M Completion Date": D(2026, 11, 20),
       "Identification Source": "Cisco IOS Switch NDM STIG :: Version 2, Release 9",
       "Office/Org": "NAVWAR 5.0 / K. Osei", "Resources Required": "None", "Raw Severity": "Low",
       "Comments": "Telnet removed; verified by rescan on 11/20/2026", "Devices Affected": "SW-CORE-1"}
_M3: tuple[Milestone, ...] = (
    ("Remove the telnet service from SW-CORE-1", "Completed", "", D(2026, 11, 30), D(2026, 11, 20)),)
_I4 = {"Control Vulnerability Description": "The SCADA HMI workstation cannot run the enterprise anti-virus",
       "Controls / APs": "SI-3 a", "Security Checks": "SV-253264r828865_rule",
       "POA&M Status": "Risk Accepted",
       "POA&M Requested Risk Accepted Expiration Date": D(2027, 9, 30),
       "Identification Source": "Manual review", "Office/Org": "ARCYBER / P. Lange",
       "Resources Required": "Vendor-certified replacement HMI", "Raw Severity": "Moderate",
       "Comments": "Risk accepted by the AO on 10/01/2026; isolated network segment"}

SERVICE = {"navy": NAVY, "usmc": USMC, "army": ARMY}
COMPONENT = {"navy": "NAVY", "usmc": "USMC", "army": "ARMY"}


def _service(kind: str, items: Sequence[Item], *, ids: Sequence[int] | None, repeat: bool,
             text_dates: bool, stray_a7: bool) -> tuple[tuple[Col, ...], Workbook, tuple[int, ...], int, int]:
    """Build the sheet; return (columns, workbook, item rows, last row, milestone count)."""
    columns = (Col("A", STRAY_A7 if stray_a7 else "", None), *cols(SERVICE[kind], start=2))
    by = {c.header: c.letter for c in columns[1:]}
    wb = Workbook()
    ws = wb.active
    ws.title = "POA&M"
    exported = dates_text(D(2026, 11, 25)) if text_dates else D(2026, 11, 25)
    _block(ws, {"D2": exported, "D3": "J. RIVERA", "D4": COMPONENT[kind], "D5": "Harbor Logistics Enclave",
                "D6": "N/A", "M2": "IS Enclave", "M4": "J. RIVERA", "M5": "555-0142",
                "M6": "J.RIVERA@EXAMPLE.MIL"})
    write_header(ws, 7, columns)
    row, starts, count = 8, [], 0

    def put(letter: str, value: Any) -> None:
        if value in (None, ""):
            return
        if isinstance(value, dt.date) and text_dates:
            value = dates_text(value)
        cell = ws[f"{letter}{row}"]
        cell.value = value
        cell.alignment = WRAP
        if isinstance(value, dt.date):
            cell.number_format = "mm/dd/yyyy"

    for n, (fields, milestones) in enumerate(items):
        starts.append(row)
        for m, ms in enumerate(milestones or [None]):
            if m == 0 or repeat:
                for header, value in fields.items():
                    if header in by:
                        put(by[header], value)
                if ids:
                    put("B", ids[n])
            if ms is not None:
                desc, status, comments, planned, completed = ms
                for header, value in (("Milestone ID", m + 1), ("Milestone Description", desc),
                                      ("Milestone Status", status), ("Milestone Status Comments", comments),
                                      ("Milestone Scheduled Completion Date", planned),
                                      ("Milestone Completion Date", completed)):
                    put(by[header], value)
                count += 1
            row += 1
    return columns, wb, tuple(starts), row - 1, count


def _service_case(name: str, kind: str, items: Sequence[Item], **kw: Any) -> Case:
    columns, _wb, starts, last, count = _service(kind, items, **kw)

    def build(folder: Path) -> Path:
        path = folder / f"{name}.xlsx"
        _service(kind, items, **kw)[1].save(path)
        return path

    table = Table("POA&M", 7, columns, starts, last, count, "rows")
    return Case(name, build, Expect(name, (table,), **_expect(items, kind)), "NSWC-Crane/C-PAT")


def _expect(items: Sequence[Item], kind: str) -> dict[str, Any]:
    header = {"poam_date": D(2026, 11, 25), "system_name": "Harbor Logistics Enclave"}
    second = items[1][0]
    values: dict[tuple[int, str], Any] = {
        (1, "description"): _I1["Control Vulnerability Description"], (1, "cws"): "SC-8",
        (1, "milestone_date"): D(2027, 3, 31), (1, "source_id"): "SV-214228r881457_rule",
        (1, "assets"): "WEB-01 WEB-02", (2, "description"): second["Control Vulnerability Description"],
        (2, "risk_level"): second["Raw Severity"],
        (2, "milestone_date"): second["POA&M Scheduled Completion Date"]}
    ms: dict[tuple[int, int, str], Any] = {
        (1, 1, "planned_date"): D(2027, 1, 15), (1, 1, "completed_date"): D(2027, 1, 14),
        (1, 1, "status"): "Completed", (1, 2, "milestone"): "Rescan with ACAS and confirm closure"}
    kept: dict[tuple[int, str], Any] = {(1, "Identification Source Details"): "ACAS scan of 2026-11-02",
                                        (1, "Milestone ID"): 1}
    if kind == "navy":
        values[(3, "completion_date")] = D(2026, 11, 20)
        ms[(1, 3, "changes")] = "Waiting for a CCB slot"
        kept[(1, "Resulting Residual Risk after Proposed Mitigations")] = "Low"
        kept[(1, NAVY_MITIGATIONS)] = _I1["Mitigations"]
        kept[(1, "Predisposing Conditions")] = _I1["Predisposing Conditions"]
    else:
        kept[(1, "Mitigations")] = _I1["Mitigations"]
        values[(len(items), "status")] = "Risk Accepted"
        kept[(len(items), "POA&M Requested Risk Accepted Expiration Date")] = D(2027, 9, 30)
    if kind == "army":
        kept[(1, "Personnel Resources: Cost Code")] = "ARMY-CC-0042"
        kept[(1, "Personnel Resources: Funded Base Hours")] = 40
        kept[(1, "Identified in CFO Audit or other review")] = "No"
        kept[(2, "Non-Personnel Resources: Funded Amount")] = 12500
        values[(2, "item_number")] = 7102
    if kind == "usmc":
        values[(2, "item_number")] = 41018
    return {"values": values, "milestone_values": ms, "kept": kept, "header": header}


def navy() -> Case:
    """3 items (3, 2, 1 milestones); item fields on the first row only; Item IDs blank; text dates."""
    return _service_case("emass-navy", "navy", [(_I1, _M1), (_I2, _M2), (_I3, _M3)],
                         ids=None, repeat=False, text_dates=True, stray_a7=True)


def usmc() -> Case:
    """3 items (2, 1, 0 milestones: the last is Risk Accepted); item fields on the first row only."""
    return _service_case("emass-usmc", "usmc", [(_I1, _M1[:2]), (_I2, _M2[:1]), (_I4, ())],
                         ids=(41017, 41018, 41019), repeat=False, text_dates=False, stray_a7=False)


def army() -> Case:
    """4 items (2, 2, 1, 0 milestones); item fields REPEATED on every milestone row (C-PAT style)."""
    return _service_case("emass-army", "army", [(_I1, _M1[:2]), (_I2, _M2), (_I3, _M3), (_I4, ())],
                         ids=(7101, 7102, 7103, 7104), repeat=True, text_dates=False, stray_a7=False)


CLASSIC_ROWS: tuple[dict[str, Any], ...] = (
    {"C": "The application must enforce a 15-character minimum password length", "D": "IA-5 (1) (a)",
     "E": "DISA / Apps Team", "F": "SV-222536r879601_rule", "G": "Two developer days", "H": D(2027, 3, 1),
     "I": "Change the password policy module 01/15/2027",
     "K": "Application Security and Development STIG :: Version 5, Release 3", "L": "Ongoing",
     "M": "CCI-000205", "N": "II", "O": "Passwords also expire every 60 days", "P": "Moderate",
     "R": "Moderate", "S": "Moderate", "U": "Low", "V": "Raise the minimum length to 15"},
    {"I": "Regression test the login flow 02/15/2027",
     "J": "Milestone 2 moved from 01/31/2027: test environment unavailable"},
    {"I": "Deploy to production 03/01/2027"},
    {"C": "The firewall must deny network traffic by default", "D": "SC-7 (5)", "E": "DISA / Network Team",
     "F": "SV-237000r648629_rule", "G": "Vendor support", "H": D(2027, 4, 30),
     "I": "Reconfigure the firewall rule set 04/30/2027", "K": "Firewall SRG :: Version 3, Release 1",
     "L": "Ongoing", "N": "I", "R": "High", "S": "High", "U": "Moderate", "V": "Add a default-deny rule"},
    {"C": "Unused local accounts must be removed", "D": "AC-2 (3)", "E": "DISA / Apps Team",
     "F": "SV-230379r627750_rule", "G": "None", "H": D(2026, 11, 30),
     "I": "Removed unused accounts 11/13/2026",
     "K": "RHEL 8 STIG :: Version 1, Release 3", "L": "Completed 11/13/2026",
     "M": "Accounts removed and verified", "N": "III", "U": "Very Low"},
)


def classic() -> Case:
    """The classic import template: 3 items, item 1 on 3 rows (milestones in column I only)."""
    columns = cols(CLASSIC)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POA&M"
        _block(ws, {"D2": "11/25/2026", "D3": "jrivera", "D4": "DISA", "D5": "Mission Portal",
                    "D6": "DITPR-4411", "K2": "Major Application", "K4": "J. Rivera", "K5": "555-0142",
                    "K6": "j.rivera@example.mil"})
        write_header(ws, 7, columns)
        for i, values in enumerate(CLASSIC_ROWS):
            for letter, v in values.items():
                ws[f"{letter}{8 + i}"] = v
                if isinstance(v, dt.date):
                    ws[f"{letter}{8 + i}"].number_format = "mm-dd-yy"
        path = folder / "emass-classic.xlsm"
        wb.save(path)
        return as_xlsm(path)

    table = Table("POA&M", 7, columns, (8, 11, 12), 12, 5, "rows")
    return Case("emass-classic", build, Expect(
        "emass-classic", (table,),
        values={(1, "cws"): "IA-5 (1) (a)", (1, "milestone_date"): D(2027, 3, 1), (1, "risk_level"): "II",
                (1, "how_identified"): "Application Security and Development STIG :: Version 5, Release 3",
                (2, "description"): "The firewall must deny network traffic by default",
                (2, "risk_level"): "I",
                (3, "status"): "Completed", (3, "completion_date"): D(2026, 11, 13)},
        milestone_values={(1, 1, "milestone"): "Change the password policy module",
                          (1, 1, "planned_date"): D(2027, 1, 15), (1, 2, "planned_date"): D(2027, 2, 15),
                          (1, 3, "milestone"): "Deploy to production",
                          (2, 1, "planned_date"): D(2027, 4, 30)},
        kept={(1, "Mitigations"): "Passwords also expire every 60 days", (1, "Severity"): "Moderate"},
        header={"poam_date": D(2026, 11, 25), "system_name": "Mission Portal", "dss_uid": "DITPR-4411"},
        note="status 'Completed 11/13/2026' carries the completion date; milestone 2 of item 1 has a "
             "Milestone Changes text on its own row (J9); .xlsm content type, no VBA project"),
        "mitre/ckl2POAM:resources/POA&M Template.xlsm")


CASES = (navy, usmc, army, classic)
