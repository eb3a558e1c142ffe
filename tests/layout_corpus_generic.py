"""Generic POA&M layouts of the layout corpus: header words only, at any depth and in any shape.

Facts and sources:

- **Generic agency POA&M written by a JavaScript library** (issue 13: "POA&M ID, weakness,
  severity, source, dates, milestones, status", 10 items). The exact public file was not found.
  Close public relatives found: a TypeScript exporter writing ``'POA&M ID', 'Weakness', 'Source',
  'Severity', 'Status', 'Identified', 'Scheduled Completion', 'Point of Contact', 'Controls
  Impacted', 'Resources Required'``; a React page exporting ``'POAM ID', 'Weakness', 'Severity',
  'Status', 'Source', 'Responsible Office', 'Discovery Date', 'Scheduled Completion', 'CVE ID',
  'Related Controls'``; an ExcelJS test writing ``'POA&M ID', 'Weakness Name', 'Risk Rating', 'NIST
  Controls', 'Status'``; the FedRAMP mock data of GSA/fedramp-automation#1170 (``POA&M ID | Control
  ID | Weakness Name | Weakness Description | Date Identified | Weakness Detector Source |
  Weakness Source ID | Risk Rating | Scheduled Completion Date | Status | CVE Number``). The case
  below is built from that description in the way SheetJS (``xlsx``) writes by default
  (``bookSST: false``): strings as ``t="str"`` cells with the text in ``<v>``, no sharedStrings
  part, dates as serial numbers formatted ``m/d/yy``, header in row 1, no styles.
- **OMB-style "standard government template"** (a public JS exporter's ``preparePOAMData``):
  ``'Item Identifier', 'Weakness or Deficiency', 'Security Control', 'Weakness/Deficiency
  Identified by', 'Risk Level', 'Status', 'Comments', 'POC', 'Resources Required', 'Scheduled
  Completion Date', 'Milestones', 'Estimated Cost'`` under a title "PLAN OF ACTION AND MILESTONES
  (POA&M)" and "System Name:" rows; used for the header-at-row-9 case.
- Template placeholders: ``${...}`` (export engines), ``{{...}}`` (mustache), ``<...>`` (Word/Excel
  templates, FedRAMP "<CSO Name>"), "Text" / "Date" type-hint rows and example rows (FedRAMP rows
  6-8, ``V-1Example``; formats.md §2).
- Everything else here (two-row headers, header at row 30 under instructions, Open/Closed sheets, a
  very hidden data sheet, generator formulas without cached values) is shaped after what issue 13
  lists; header words come from the field vocabulary in tests/layout_corpus.py.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

from tests.layout_corpus_base import (
    BOLD,
    Case,
    Col,
    D,
    Expect,
    Table,
    cols,
    rewrite_zip,
    write_header,
    write_row,
)

M = "milestone."
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def save(wb: Workbook, folder: Path, name: str) -> Path:
    path = folder / name
    wb.save(path)
    return path


def fill(ws: Any, first_row: int, columns: tuple[Col, ...], rows: Any,
         date_format: str = "mm/dd/yyyy") -> None:
    """Write value tuples (one per row, in column order) from ``first_row`` down."""
    letters = [c.letter for c in columns]
    for r, values in enumerate(rows, start=first_row):
        write_row(ws, r, columns, dict(zip(letters, values, strict=True)), date_format)


# ---------------------------------------------------------------- JS-library agency POA&M (SheetJS-like)
JS = (("POA&M ID", "item_number"), ("Weakness", "description"), ("Severity", "risk_level"),
      ("Source", "how_identified"), ("Date Identified", "date_identified"),
      ("Scheduled Completion Date", "milestone_date"), ("Milestones", M + "milestone"), ("Status", "status"),
      ("Point of Contact", "owner"), ("Controls", "cws"))
_SEV = ("Critical", "High", "Moderate", "Low")
_DAYS = {"Critical": 15, "High": 30, "Moderate": 90, "Low": 180}
_WEAK = ("Outdated OpenSSH on bastion hosts", "Missing MFA for VPN administrators",
         "Audit logs kept 30 days only",
         "Unsupported Windows Server 2012 R2 host", "Default SNMP community on core switch",
         "No documented incident response test", "Backups not encrypted at rest", "Stale accounts in AD",
         "Web server discloses version banner", "Contingency plan not reviewed this year")
_SRC = ("Nessus", "Penetration Test", "SCA Assessment", "Annual Audit", "Self-Assessment")
_STATUS = ("Open", "In Progress", "Open", "Closed", "Risk Accepted")
_CTRL = ("RA-5", "IA-2(1)", "AU-11", "SA-22", "CM-6", "IR-3", "SC-28", "AC-2(3)", "SI-11", "CP-2")


def _js_items() -> list[dict[str, Any]]:
    out = []
    for i in range(10):
        sev = _SEV[i % 4]
        found = D(2026, 1, 5) + dt.timedelta(days=17 * i)
        due = found + dt.timedelta(days=_DAYS[sev])
        mid = found + dt.timedelta(days=_DAYS[sev] // 2)
        out.append({"POA&M ID": f"POAM-2026-{i + 1:03d}", "Weakness": _WEAK[i], "Severity": sev,
                    "Source": _SRC[i % 5], "Date Identified": found, "Scheduled Completion Date": due,
                    "Milestones": f"1. Plan and test the fix ({mid:%m/%d/%Y})\n"
                                  f"2. Deploy and verify ({due:%m/%d/%Y})",
                    "Status": _STATUS[i % 5],
                    "Point of Contact": ("ISSO Team", "Network Ops", "IAM Team")[i % 3],
                    "Controls": _CTRL[i]})
    return out


def _str_cells(sheet: bytes, sst: bytes | None) -> bytes:
    """Rewrite shared-string and inline-string cells as SheetJS writes them: t="str", text in <v>."""
    sheet = re.sub(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t[^>]*>(.*?)</t></is></c>',
                   rb'<c \1t="str"\2><v>\3</v></c>', sheet, flags=re.DOTALL)
    if sst is None:
        return sheet
    texts = ["".join(t.text or "" for t in si.iter(f"{NS}t")) for si in ET.fromstring(sst).iter(f"{NS}si")]
    return re.sub(rb'<c ([^>]*?)t="s"([^>]*)><v>(\d+)</v></c>',
                  lambda m: b"<c " + m.group(1) + b't="str"' + m.group(2) + b"><v>"
                  + escape(texts[int(m.group(3))]).encode() + b"</v></c>", sheet)


def js_library() -> Case:
    """10 items, header row 1, SheetJS-style t="str" cells and m/d/yy serial dates, no sharedStrings."""
    columns, items = cols(JS), _js_items()

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POA&M"
        for c in columns:
            ws[f"{c.letter}1"] = c.header
        for r, item in enumerate(items, start=2):
            write_row(ws, r, columns, item, date_format="m/d/yy")
        path = save(wb, folder, "generic-js-library.xlsx")
        with zipfile.ZipFile(path) as z:
            sst = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in z.namelist() else None
        return rewrite_zip(path, {
            "xl/worksheets/sheet1.xml": lambda b: _str_cells(b, sst), "xl/sharedStrings.xml": None,
            "[Content_Types].xml": lambda b: re.sub(rb'<Override PartName="/xl/sharedStrings.xml"[^>]*/>',
                                                    b"", b),
            "xl/_rels/workbook.xml.rels": lambda b: re.sub(rb"<Relationship[^>]*sharedStrings[^>]*/>", b"",
                                                           b)})

    t = Table("POA&M", 1, columns, tuple(range(2, 12)), 11, 20, "lines")
    return Case("generic-js-library", build, Expect(
        "generic", (t,),
        values={(2, "description"): _WEAK[1], (2, "risk_level"): "High",
                (2, "how_identified"): "Penetration Test",
                (2, "date_identified"): D(2026, 1, 22), (2, "milestone_date"): D(2026, 2, 21),
                (2, "item_number"): "POAM-2026-002", (10, "status"): "Risk Accepted", (10, "cws"): "CP-2"},
        milestone_values={(2, 1, "planned_date"): D(2026, 2, 6), (2, 2, "milestone"): "Deploy and verify",
                          (2, 2, "planned_date"): D(2026, 2, 21)},
        note='strings are t="str" cells (no sharedStrings part), dates are serial numbers'),
                "assumed (SheetJS)")


# ---------------------------------------------------------------- header at row 9 under merged title rows
OMB = (("Item Identifier", "item_number"), ("Weakness or Deficiency", "description"),
       ("Security Control", "cws"),
       ("Weakness/Deficiency Identified by", "how_identified"), ("Risk Level", "risk_level"),
       ("Status", "status"),
       ("Comments", "comments"), ("POC", "owner"), ("Resources Required", "resources"),
       ("Scheduled Completion Date", "milestone_date"), ("Milestones", M + "milestone"),
       ("Estimated Cost", None))
_OMB_ROWS = (
    (1, "Remote access sessions are not terminated after 30 minutes of inactivity", "AC-12", "SCA Assessment",
     "Moderate", "Ongoing", "", "J. Park", "Staff time", D(2027, 2, 1),
     "Configure VPN idle timeout 12/15/2026\nVerify in the next assessment 02/01/2027", "$0"),
    (2, "Contingency plan has not been tested in the last 12 months", "CP-4", "Annual Audit", "Low",
     "Ongoing",
     "Tabletop scheduled", "M. Diaz", "Facilitator contract", D(2027, 3, 31),
     "Hold the tabletop exercise 03/15/2027", 4500),
    (3, "Vulnerability scans do not cover the OT network", "RA-5", "Vulnerability Scan", "High", "Ongoing",
     "",
     "J. Park", "Scanner licence", D(2026, 12, 31), "Buy licence 12/01/2026\nScan OT segment 12/31/2026",
     "$12,000"),
    (4, "Privileged users share one administrator account", "AC-2", "Penetration Test", "High", "Completed",
     "Individual accounts issued", "IAM Team", "None", D(2026, 10, 31), "Issue named accounts 10/31/2026",
     "$0"),
)
_OMB_BLOCK = (("System Name:", "Claims Processing System"), ("System Owner:", "Office of Benefits IT"),
              ("Date Prepared:", D(2026, 9, 1)), ("Last Updated:", D(2026, 11, 25)))


def header_row9() -> Case:
    """OMB-style POA&M, header in row 9 under merged title rows and a merged note."""
    columns = cols(OMB)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POAM"
        ws["A1"] = "PLAN OF ACTION AND MILESTONES (POA&M)"
        ws["A1"].font = BOLD
        ws.merge_cells("A1:L2")
        for r, (label, value) in enumerate(_OMB_BLOCK, start=3):
            ws[f"A{r}"], ws[f"B{r}"] = label, value
        ws["A7"] = "Items are listed in order of risk; interim dates are in the Milestones column."
        ws.merge_cells("A7:L8")
        write_header(ws, 9, columns)
        fill(ws, 10, columns, _OMB_ROWS)
        return save(wb, folder, "generic-header-row9.xlsx")

    t = Table("POAM", 9, columns, (10, 11, 12, 13), 13, 6, "lines")
    return Case("generic-header-row9", build, Expect(
        "generic", (t,),
        values={(1, "item_number"): 1, (1, "cws"): "AC-12", (2, "description"): _OMB_ROWS[1][1],
                (2, "milestone_date"): D(2027, 3, 31), (2, "owner"): "M. Diaz", (3, "risk_level"): "High",
                (4, "status"): "Completed"},
        milestone_values={(1, 1, "planned_date"): D(2026, 12, 15), (3, 2, "milestone"): "Scan OT segment"},
        kept={(2, "Estimated Cost"): 4500, (3, "Estimated Cost"): "$12,000"},
        header={"system_name": "Claims Processing System", "poam_date": D(2026, 11, 25)},
        note="title merged A1:L2, a note merged A7:L8 above the header row"),
        "public JS exporter (preparePOAMData, 'standard government template')")


# ---------------------------------------------------------------- header at row 30 under instructions
DEEP = (("Finding #", "item_number"), ("Finding", "description"), ("Requirement", "cws"),
        ("Risk", "risk_level"),
        ("Owner", "owner"), ("Discovered", "date_identified"), ("Estimated Completion", "milestone_date"),
        ("Status", "status"), ("Asset", "assets"), ("Source", "how_identified"))
_DEEP_ROWS = (
    (1, "Firewall rules allow any-any between VLAN 10 and 20", "3.13.1", "High", "Net Team", D(2026, 8, 3),
     D(2026, 9, 2), "In Progress", "fw-edge-01", "Penetration Test"),
    (2, "Visitor logs are not retained", "3.10.4", "Low", "Facilities", D(2026, 7, 1), D(2026, 12, 28),
     "Open",
     "Front desk", "Self-Assessment"),
    (3, "Antivirus signatures older than 7 days on two hosts", "3.14.2", "Moderate", "Desktop Team",
     D(2026, 9, 15), D(2026, 12, 14), "Closed", "ws-114\nws-117", "Vulnerability Scan"))


def header_row30() -> Case:
    """Header in row 30 below 27 rows of one-cell instructions that name the columns one by one."""
    columns = cols(DEEP)
    lines = [f"Column '{h}': " + ("a number" if i == 0 else "free text, see the guide")
             for i, (h, _f) in enumerate(DEEP)] + ["Status: Open, In Progress or Closed",
                                                   "Risk: High, Moderate or Low"]

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "Tracker"
        ws["A1"] = "How to fill in this tracker"
        ws["A1"].font = BOLD
        for r in range(2, 29):
            ws[f"A{r}"] = lines[(r - 2) % len(lines)]
            ws.merge_cells(f"A{r}:H{r}")
        write_header(ws, 30, columns)
        fill(ws, 31, columns, _DEEP_ROWS)
        return save(wb, folder, "generic-header-row30.xlsx")

    t = Table("Tracker", 30, columns, (31, 32, 33), 33)
    return Case("generic-header-row30", build, Expect(
        "generic", (t,),
        values={(1, "description"): _DEEP_ROWS[0][1], (1, "cws"): "3.13.1",
                (2, "date_identified"): D(2026, 7, 1),
                (2, "milestone_date"): D(2026, 12, 28), (3, "assets"): "ws-114\nws-117",
                (3, "status"): "Closed"},
        note="rows 2-28 are one-cell instruction lines (merged A:H) that mention header words"), "assumed")


# ---------------------------------------------------------------- two-row header
TWO = (("ID", "item_number"), ("Description", "description"), ("Control", "cws"), ("Date", "date_identified"),
       ("By", "how_identified"), ("Plan", "mitigation"), ("Owner", "owner"), ("Planned", "milestone_date"),
       ("Actual", "completion_date"))
GROUPS = {"A": "Weakness", "B": "Weakness", "C": "Weakness", "D": "Identified", "E": "Identified",
          "F": "Remediation", "G": "Remediation", "H": "Completion", "I": "Completion"}
_TWO_ROWS = (
    ("W-01", "Audit records are not protected from deletion by admins", "AU-9", D(2026, 6, 2), "Assessment",
     "Forward logs to the WORM store", "SOC", D(2026, 12, 1), None, "Open"),
    ("W-02", "Laptops lack full-disk encryption", "SC-28", D(2026, 5, 11), "Audit",
     "Enable BitLocker by policy",
     "Desktop Team", D(2026, 8, 9), D(2026, 8, 1), "Closed"),
    ("W-03", "Supplier risk assessments are not documented", "SR-6", D(2026, 9, 20), "Self-Assessment",
     "Adopt the supplier questionnaire", "Procurement", D(2027, 3, 19), None, "Open"))


def two_row_header() -> Case:
    """Group titles merged over row 5 (Weakness, Identified, Remediation, Completion), names in row 6."""
    columns = (*cols(TWO, groups=GROUPS), Col("J", "Status", "status", row=5))

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POA&M"
        ws["A1"] = "Quarterly POA&M - Q4 2026"
        ws.merge_cells("A1:J1")
        for first, last, title in (("A", "C", "Weakness"), ("D", "E", "Identified"),
                                   ("F", "G", "Remediation"),
                                   ("H", "I", "Completion"), ("J", "J", "Status")):
            ws[f"{first}5"] = title
            ws[f"{first}5"].font = BOLD
            ws.merge_cells(f"{first}5:{last}{6 if first == 'J' else 5}")
        write_header(ws, 6, columns)
        fill(ws, 7, columns, _TWO_ROWS)
        return save(wb, folder, "generic-two-row-header.xlsx")

    t = Table("POA&M", 6, columns, (7, 8, 9), 9, header_rows=(5, 6))
    return Case("generic-two-row-header", build, Expect(
        "generic", (t,),
        values={(1, "date_identified"): D(2026, 6, 2), (1, "milestone_date"): D(2026, 12, 1),
                (2, "completion_date"): D(2026, 8, 1), (2, "how_identified"): "Audit", (3, "cws"): "SR-6",
                (3, "mitigation"): "Adopt the supplier questionnaire"},
        note="row-6 names alone are ambiguous (Date, By, Planned, Actual); 'Status' is merged down J5:J6"),
        "assumed")


CASES = (js_library, header_row9, header_row30, two_row_header)
