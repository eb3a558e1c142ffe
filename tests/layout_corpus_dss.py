"""CMMC / NIST SP 800-171 and DSS-style layouts of the layout corpus, and the kept-columns case.

Facts and sources:

- **NIST SP 800-171 / CMMC POA&M**: NIST publishes its "CUI Plan of Action template" as a Word
  document only (csrc.nist.gov SP 800-171A page, Supplemental Material); no public Excel copy was
  found. The closest Excel writer found is CISA CSET (cisagov/cset,
  ``CSETWebApi/CSETWeb_Api/CSETWebCore.Business/Reports/ReportsData/ExportPoam.cs``,
  ``ExportPoamBusiness.GenerateSpreadSheet``: "Generates a CMMC POAM spreadsheet"), sheet ``POAM``,
  header row 1: ``Control Title, Weakness, Maturity Level, Resource Estimate, Scheduled Completion
  Date, Milestones with Interim Completion Dates, Changes to Milestones, How was the weakness
  identified?, Status (Ongoing or Complete)`` - the OMB/NIST plan-of-action fields; Control Title
  holds the practice id (``AC.L2-3.1.1``); it skips met and "unpardonable" practices
  (AC.L2-3.1.20, AC.L2-3.1.22, PE.L2-3.10.3/4/5, ...). Issue 13 describes the template it failed
  on as "requirement, weakness or deficiency, remediation plan, responsible person, planned
  completion date, status; its blank template keeps the rows in an Excel Table"; the CMMC case is
  built from that description: an Excel Table (name, ref, autoFilter, totals row) under a title
  and company rows. Requirement ids in the forms people write: "3.1.10", Rev 3 "03.01.11",
  practice "AC.L2-3.1.9", and "3.1.21 Limit use of portable storage devices on external systems".
- **DSS-style workbook**: poam_xl/model.py (formats.md §1): header block Company Name, CAGE Code,
  DSS UID, ISSM / A-ISSM Names, ISSM Phone Numbers (+ System / Facility Name, POA&M Date, Last
  Review Date), items table, Milestones sheet. The renamed case words every header the way other
  frameworks do (Deficiency, Security Requirement, Remediation Plan, Scheduled Completion,
  Responsible Person, Date Discovered, Detection Source, Finding ID, Affected Hosts, Remarks ...).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table as XLTable
from openpyxl.worksheet.table import TableColumn, TableStyleInfo

from tests.layout_corpus_base import BOLD, Case, D, Expect, Table, cols, write_header
from tests.layout_corpus_generic import fill, save

M = "milestone."

# ---------------------------------------------------------------- CMMC POA&M in an Excel Table
CMMC = (("POA&M ID", "item_number"), ("Requirement", "cws"), ("Weakness or Deficiency", "description"),
        ("Remediation Plan", "mitigation"), ("Responsible Person", "owner"),
        ("Planned Completion Date", "milestone_date"), ("Status", "status"),
        ("Date Identified", "date_identified"),
        ("Resources Required", "resources"), ("Points", None))
_CMMC_ROWS = (
    ("POAM-01", "3.1.10", "Session lock with pattern-hiding displays is not set on shop-floor PCs",
     "Push the screen-saver lock policy to the shop-floor OU", "R. Gomez", D(2027, 1, 29), "Open",
     D(2026, 10, 30), "2 hours", 1),
    ("POAM-02", "03.01.11", "User sessions are not terminated after the defined idle condition",
     "Set the 8-hour session termination on the ERP portal", "R. Gomez", D(2027, 2, 26), "In Progress",
     D(2026, 10, 30), "Vendor ticket", 1),
    ("POAM-03", "AC.L2-3.1.9", "Privacy and security notices are not displayed at logon",
     "Add the logon banner GPO", "T. Ng", D(2026, 12, 18), "Open", D(2026, 11, 2), "None", 1),
    ("POAM-04", "3.1.21 Limit use of portable storage devices on external systems",
     "Use of company USB drives on external systems is not limited", "Issue encrypted drives; update the AUP",
     "T. Ng", D(2027, 3, 31), "Open", D(2026, 11, 2), "$600 for drives", 1),
)
TABLE_NAME = "POAM_Table"
TOTALS = {"A": ("totalsRowLabel", "Total"), "B": ("totalsRowFunction", "count"),
          "J": ("totalsRowFunction", "sum")}


def cmmc_table() -> Case:
    """4 items in the Excel Table POAM_Table (A4:J9, totals row 9) under a title and company rows."""
    columns = cols(CMMC)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POA&M"
        ws["A1"] = "NIST SP 800-171 Plan of Action and Milestones"
        ws["A1"].font = BOLD
        ws.merge_cells("A1:J1")
        ws["A2"], ws["B2"] = "Company Name:", "Example Precision Machining LLC"
        ws["D2"], ws["E2"] = "CAGE Code:", "7XY12"
        write_header(ws, 4, columns, fill=False)
        fill(ws, 5, columns, _CMMC_ROWS)
        ws["A9"] = "Total"
        ws["B9"] = f"=SUBTOTAL(103,{TABLE_NAME}[Requirement])"
        ws["J9"] = f"=SUBTOTAL(109,{TABLE_NAME}[Points])"
        table = XLTable(displayName=TABLE_NAME, name=TABLE_NAME, ref="A4:J9", totalsRowCount=1)
        table.autoFilter = AutoFilter(ref="A4:J8")
        for i, c in enumerate(columns, start=1):
            tc = TableColumn(id=i, name=c.header)
            if c.letter in TOTALS:
                setattr(tc, *TOTALS[c.letter])
            table.tableColumns.append(tc)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
        ws.add_table(table)
        return save(wb, folder, "cmmc-excel-table.xlsx")

    t = Table("POA&M", 4, columns, (5, 6, 7, 8), 8, excel_table=TABLE_NAME, table_ref="A4:J9", totals_row=9)
    return Case("cmmc-excel-table", build, Expect(
        "cmmc", (t,),
        values={(1, "cws"): "3.1.10", (2, "cws"): "03.01.11", (3, "cws"): "AC.L2-3.1.9",
                (4, "cws"): "3.1.21 Limit use of portable storage devices on external systems",
                (2, "description"): _CMMC_ROWS[1][2], (2, "milestone_date"): D(2027, 2, 26),
                (3, "owner"): "T. Ng", (4, "item_number"): "POAM-04"},
        kept={(1, "Points"): 1, (4, "Points"): 1},
        requirements={1: "3.1.10", 2: "3.1.11", 3: "3.1.9", 4: "3.1.21"},
        header={"company_name": "Example Precision Machining LLC", "cage_code": "7XY12"},
        note="row 9 is the table's totals row (Total, SUBTOTAL formulas): not an item; autoFilter A4:J8"),
        "issue 13 description; cisagov/cset ExportPoamBusiness for the field words")


# ---------------------------------------------------------------- "TBD" in date columns, kept extra columns
TBD = (("ID", "item_number"), ("Finding", "description"), ("Control", "cws"), ("Risk", "risk_level"),
       ("Owner", "owner"), ("Date Discovered", "date_identified"), ("Target Date", "milestone_date"),
       ("Status", "status"), ("Internal Ticket", None), ("Cost Center", None), ("Comments", "comments"))
_TBD_ROWS = (
    (1, "Database backups are not tested for restore", "CP-9", "Moderate", "DBA Team", D(2026, 8, 17),
     D(2026, 11, 15), "Open", "INC-20417", 4420, ""),
    (2, "Wireless IDS not deployed in the warehouse", "SI-4(14)", "Low", "Net Team", D(2026, 9, 3), "TBD",
     "Open",
     "INC-20488", "CC-4410", "Waiting on budget"),
    (3, "Third-party JavaScript loaded without integrity checks", "SI-7", "Moderate", "Web Team",
     D(2026, 10, 12),
     "Q3 FY2027", "Open", "INC-20533", "CC-4410", ""))


def tbd_and_extras() -> Case:
    """Target Date holds "TBD" and "Q3 FY2027"; Internal Ticket and Cost Center map to no field."""
    columns = cols(TBD)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POAM"
        write_header(ws, 1, columns)
        fill(ws, 2, columns, _TBD_ROWS)
        return save(wb, folder, "generic-tbd-kept-columns.xlsx")

    t = Table("POAM", 1, columns, (2, 3, 4), 4)
    return Case("generic-tbd-kept-columns", build, Expect(
        "generic", (t,),
        values={(1, "milestone_date"): D(2026, 11, 15), (2, "date_identified"): D(2026, 9, 3),
                (2, "comments"): "Waiting on budget"},
        tagged={(2, "milestone_date"): "TBD", (3, "milestone_date"): "Q3 FY2027"},
        kept={(1, "Internal Ticket"): "INC-20417", (1, "Cost Center"): 4420,
              (2, "Internal Ticket"): "INC-20488",
              (2, "Cost Center"): "CC-4410", (3, "Internal Ticket"): "INC-20533"},
        note="G3 and G4 keep their text (tagged); --strict must list both cells"), "assumed")


# ---------------------------------------------------------------- DSS layout, headers renamed
DSS = (("Item #", "item_number"), ("Deficiency", "description"), ("Security Requirement", "cws"),
       ("Remediation Plan", "mitigation"), ("Scheduled Completion", "milestone_date"),
       ("ISSM Approval", "issm_approval"), ("Current Status", "status"), ("DCSA Review Date", "dss_date"),
       ("DCSA Determination", "dss_determination"), ("Severity", "risk_level"),
       ("Date Discovered", "date_identified"), ("Detection Source", "how_identified"),
       ("Likelihood", "likelihood"),
       ("Impact", "impact"), ("Responsible Person", "owner"), ("Resources Needed", "resources"),
       ("Residual Risk", "residual_risk"), ("Resolution", "closure_reason"),
       ("Date Closed", "completion_date"),
       ("Milestone Changes", "milestone_changes"), ("Finding ID", "source_id"), ("Affected Hosts", "assets"),
       ("Last Seen Date", "last_seen"), ("Remarks", "comments"))
MS = (("POA&M Item", M + "item_number"), ("Milestone Description", M + "milestone"),
      ("Scheduled Date", M + "planned_date"), ("Milestone Status", M + "status"),
      ("Date Completed", M + "completed_date"), ("Notes", M + "changes"))
HEADER_BLOCK = (("Company", "company_name", "Example Defense Systems, Inc."), ("CAGE", "cage_code", "1ABC2"),
                ("DCSA UID", "dss_uid", "ISFO-2026-0117"),
                ("ISSM Names", "issm_names", "K. Chen / T. Brooks"),
                ("Phone", "issm_phone", "(703) 555-0142"), ("System Name", "system_name", "Classified LAN B"),
                ("POAM Date", "poam_date", D(2026, 11, 25)), ("Review Date", "last_review", D(2026, 10, 11)))
_DSS_ITEMS = (
    (1, "Shutdown configuration missing authentication on the classified workstation", "NISPOM 117.18(c)(1)",
     "Require authentication before shutdown", D(2026, 12, 15), "Yes", "In Progress", None, None, "Moderate",
     D(2026, 9, 16), "Self-Inspection", "Medium", "Medium", "K. Chen", "None", None, None, None, None,
     "SI-2026-04", "CWS-07", None, "Reviewed with the ISSM on 10/01/2026"),
    (2, "Audit logs not reviewed weekly", "AU-6", "Assign weekly audit review to the A-ISSM", D(2026, 10, 30),
     "Yes", "Closed", D(2026, 11, 5), "Closed", "High", D(2026, 9, 30), "Audit", None, None, "T. Brooks",
     None,
     None, "Remediated", D(2026, 10, 28), None, None, None, D(2026, 10, 21), None),
    (3, "Removable media not scanned before use", "MP-6", "Install a scanning kiosk", D(2027, 4, 1),
     "Pending",
     "Open", None, None, "Low", D(2026, 10, 4), "Assessment", None, None, "K. Chen", "$3,000 kiosk",
     "Low: media use limited to two staff", None, None, "Kiosk delivery moved to March", None, None, None,
     None))
_DSS_MILESTONES = ((1, "Draft the shutdown GPO", D(2026, 11, 20), "Completed", D(2026, 11, 18), ""),
                   (1, "Apply and verify on CWS-07", D(2026, 12, 15), "Pending", None, ""),
                   (2, "First weekly review logged", D(2026, 10, 30), "Completed", D(2026, 10, 28), ""),
                   (3, "Kiosk installed", D(2027, 4, 1), "Pending", None, "Vendor delay"))


def dss_renamed() -> Case:
    """The DSS layout (header block, items at row 11, Milestones sheet) with every header reworded."""
    columns, ms_columns = cols(DSS), cols(MS)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POA&M"
        ws["A1"] = "Plan of Action and Milestones (POA&M)"
        ws["A1"].font = BOLD
        for r, (label, _key, value) in enumerate(HEADER_BLOCK, start=2):
            ws[f"B{r}"], ws[f"C{r}"] = label, value
            ws[f"C{r}"].number_format = "yyyy-mm-dd" if r >= 8 else "General"
        write_header(ws, 11, columns)
        fill(ws, 12, columns, _DSS_ITEMS, "yyyy-mm-dd")
        ms = wb.create_sheet("Milestones")
        write_header(ms, 1, ms_columns)
        fill(ms, 2, ms_columns, _DSS_MILESTONES, "yyyy-mm-dd")
        return save(wb, folder, "dss-renamed-headers.xlsx")

    t = Table("POA&M", 11, columns, (12, 13, 14), 14)
    mt = Table("Milestones", 1, ms_columns, (2, 3, 4, 5), 5)
    return Case("dss-renamed-headers", build, Expect(
        "dss", (t,), milestone_tables=(mt,),
        values={(1, "description"): _DSS_ITEMS[0][1], (1, "cws"): "NISPOM 117.18(c)(1)",
                (1, "risk_level"): "Moderate", (1, "how_identified"): "Self-Inspection",
                (2, "dss_date"): D(2026, 11, 5), (2, "completion_date"): D(2026, 10, 28),
                (2, "closure_reason"): "Remediated",
                (3, "residual_risk"): "Low: media use limited to two staff",
                (3, "milestone_changes"): "Kiosk delivery moved to March"},
        milestone_values={(1, 1, "completed_date"): D(2026, 11, 18),
                          (1, 2, "milestone"): "Apply and verify on CWS-07",
                          (3, 1, "changes"): "Vendor delay"},
        header={k: v for _label, k, v in HEADER_BLOCK},
        note="milestone ordinals (n, m) follow the Milestones sheet's POA&M Item numbers"),
                "poam_xl/model.py")


CASES = (cmmc_table, tbd_and_extras, dss_renamed)
