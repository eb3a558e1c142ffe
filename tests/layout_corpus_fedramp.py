"""FedRAMP POA&M layouts of the layout corpus: template v2.1, v2.0 (.xlsm), Rev4, LibreOffice re-save.

Facts and sources:

- **v2.1** (2024-03-29): the real file ``/work/shared/realworld/workbooks/fedramp-gov__FedRAMP-POAM-
  Template.xlsx`` (GSA/fedramp-gov:assets/resources/templates/FedRAMP-POAM-Template.xlsx) and
  formats.md §2: sheets Open POA&M Items, Closed POA&M Items, Configuration Findings, Record of
  Changes; header rows 1-3 (title merged A1:E1, "FedRAMP® ..." on the Open sheet; A2:D2
  CSP | System Name | Impact Level | POAM Date, row 3 placeholders Text | Text | Low | Date); header
  row 5, 31 columns A..AE ending in Service Name; Open sheet row 6 = column descriptions, row 7 =
  type hints ("Unique Identifier", "(##) xxxx-xx-xx: Milestone Description", "Low, Moderate,
  High"), row 8 = example item "V-1Example"; L9:L4022 hold Scheduled Completion Date formulas only.
  Its Record of Changes (read from the file): "2023-08-30 | Updated to align with FedRAMP branding
  and minor editorial changes. | 2 | FedRAMP PMO" and "2024-03-29 | Added Tab for Configuration
  Findings. Added Column in 'Open POA&M' tab for Service level information | 2.1 | FedRAMP PMO".
- **v2.0** (2023-08-30): so v2.0 = v2.1 without the Configuration Findings sheet and without the
  Service Name column (30 columns A..AD). GSA/fedramp-gov:_policy/2024-03-29-FedRAMP_POAM_Template.md
  names ``templates/FedRAMP-POAM-Template.xlsm`` ("excel - 74KB"); GSA/fedramp-automation and
  usnistgov/OSCAL docs link the same .xlsm; a federal web guide calls it "XLS, 70 KB, 3
  worksheets". The .xlsm itself is stored only as binary here (not read): whether it holds a VBA
  project is unknown, so the v2.0 case is an .xlsm with the macro-enabled content type and no VBA.
- **Rev4**: the template lived at ``fedramp.gov/resources/documents/rev4/REV_4_FedRAMP-POAM-
  Template.xlsm`` (linked from a public CMMC assessment page). Its 30 columns are those of v2.0:
  GSA/fedramp-gov:_posts/2022-06-28-update-poam-template.md added "Column 'AC': Binding Operational
  Directive 22-01 Due Date" and "Column 'AD': CVE" "at the end of the current template headers in
  Row Five" (so before June 2022 it had 28, A..AB). What tells a Rev4 file from v2.0 apart is an
  ASSUMPTION here: no Record of Changes row for version 2 (2023-08-30), and the title without ®.
- FedRAMP has no Status column: the sheet (Open / Closed) gives the status. Field mapping follows
  poam_xl/convert/fedramp.py FIELDS (Weakness Name, Status Date, deviation and vendor columns,
  BOD 22-01, CVE, Service Name are kept fields; Original Risk Rating -> Risk Level; Weakness
  Detector Source -> How Identified).
- LibreOffice re-saves: the real v2.1 template re-saved here with LibreOffice 7.4.7.2
  (``soffice --headless --convert-to xlsx``) has 4022 ``<row>`` elements on Open POA&M Items (to the
  last formula row; empty rows carry styled empty cells ``<c r="A9" s="4"/>``) and 1000 on Closed
  POA&M Items (dimension A1:AY1000), each written ``<row r="N" customFormat="false" ht="12.75"
  hidden="false" customHeight="false" outlineLevel="0" collapsed="false">``; sheet XML 6.2 MB,
  file 856 KB. Rows run to 1,048,576 when whole columns or rows are formatted (issue 13's file);
  a file with all 1,048,576 row elements is 2.5 MB deflated, so this corpus writes rows 8..30000
  (styled empty cells AE8:AE2000) and then row 1048576 alone, dimension ``A1:AMJ1048576`` and
  ``<cols>`` to column 1024 (AMJ): small on disk, yet a naive max_row is 1,048,576.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.layout_corpus_base import (
    WRAP,
    Case,
    D,
    Expect,
    Table,
    as_xlsm,
    cols,
    rewrite_zip,
    sheet_part,
    write_header,
)

OPEN, CLOSED, CONFIG, CHANGES = "Open POA&M Items", "Closed POA&M Items", "Configuration Findings", \
    "Record of Changes"
M = "milestone."
V21: tuple[tuple[str, str | None], ...] = (
    ("POAM ID", "item_number"), ("Controls", "cws"), ("Weakness Name", None),
    ("Weakness Description", "description"), ("Weakness Detector Source", "how_identified"),
    ("Weakness Source Identifier", "source_id"), ("Asset Identifier", "assets"),
    ("Point of Contact", "owner"), ("Resources Required", "resources"),
    ("Overall Remediation Plan", "mitigation"),
    ("Original Detection Date", "date_identified"), ("Scheduled Completion Date", "milestone_date"),
    ("Planned Milestones", M + "milestone"), ("Milestone Changes", "milestone_changes"),
    ("Status Date", None), ("Vendor Dependency", None), ("Last Vendor Check-in Date", None),
    ("Vendor Dependent Product Name", None), ("Original Risk Rating", "risk_level"),
    ("Adjusted Risk Rating", None), ("Risk Adjustment", None), ("False Positive", None),
    ("Operational Requirement", None), ("Deviation Rationale", None), ("Supporting Documents", None),
    ("Comments", "comments"), ("Auto-Approve", None), ("Binding Operational Directive 22-01 tracking", None),
    ("Binding Operational Directive 22-01 Due Date", None), ("CVE", None), ("Service Name", None))
V20 = V21[:-1]
assert (len(V21), len(V20)) == (31, 30)
TITLE = "FedRAMP® Plan of Action and Milestones (POA&M) Template"
TITLE_PLAIN = "FedRAMP Plan of Action and Milestones (POA&M) Template"
# the template's own guidance rows 6-8 (first columns; the example item V-1Example as in the file)
GUIDANCE = (
    ("Unique identifier for each POAM Item", "Applicable  800-53 Control(s)",
     "Name of the weakness as provided by the scanner or otherwise summarizing the weakness",
     "Description of the weakness and other information"),
    ("Unique Identifier", "Control Number", "Text", "Text",
     "[Nessus, Qualys, Webinspect, Security Assessment Report, etc]", "Identifier",
     "Identifier (port/protocol)",
     "Text", "Text", "Text", "Date", "Date", "(##) xxxx-xx-xx: Milestone Description",
     "(##) New/Update/Complete xxxx-xx-xx  : Description of change", "Date", "Yes, No", "Date",
     "Product Name",
     "Low, Moderate, High", "Low, Moderate, High, N/A"),
    ("V-1Example", "AC-1", "Open port on Example Firewall",
     "Unprovisioned port left open on example firewall",
     "Nessus", 12345, "172.246.15.3 (80/TCP)", "John Doe -  Example CSP", None,
     "Implement a technical solution to the problem.", D(2014, 5, 5), D(2014, 8, 3),
     "(1) 2014/05/23: Milestone Description\n\n(2) 2014-06-12: Milestone \nDescription"),
)
ITEMS: tuple[dict[str, Any], ...] = (
    {"POAM ID": "V-2101", "Controls": "RA-5",
     "Weakness Name": "OpenSSL 3.0 < 3.0.15 Multiple Vulnerabilities",
     "Weakness Description": "The remote host runs an OpenSSL version affected by CVE-2024-5535",
     "Weakness Detector Source": "Nessus", "Weakness Source Identifier": 201084,
     "Asset Identifier": "10.20.1.15 (443/tcp)\n10.20.1.16 (443/tcp)",
     "Point of Contact": "A. Noor - Example CSP",
     "Resources Required": "None", "Overall Remediation Plan": "Upgrade OpenSSL to 3.0.15 in the base image",
     "Original Detection Date": D(2026, 10, 6), "Scheduled Completion Date": D(2027, 1, 4),
     "Planned Milestones": "(1) 2026-11-20: Rebuild the base image\n\n(2) 2027-01-04: Redeploy and rescan",
     "Status Date": D(2026, 11, 24), "Vendor Dependency": "No", "Original Risk Rating": "Moderate",
     "Adjusted Risk Rating": "N/A", "Risk Adjustment": "No", "False Positive": "No",
     "Operational Requirement": "No", "Comments": "Tracked in change CHG-5521", "Auto-Approve": "No",
     "Binding Operational Directive 22-01 tracking": "No", "CVE": "CVE-2024-5535",
     "Service Name": "Example Analytics"},
    {"POAM ID": "V-2102", "Controls": "SI-2", "Weakness Name": "Apache Tomcat 9.0.x < 9.0.98 RCE",
     "Weakness Description": "Apache Tomcat is affected by CVE-2024-56337 (KEV)",
     "Weakness Detector Source": "Qualys", "Weakness Source Identifier": "QID 87541",
     "Asset Identifier": "app-03.example.internal", "Point of Contact": "B. Ortiz - Example CSP",
     "Resources Required": "Vendor patch", "Overall Remediation Plan": "Apply Tomcat 9.0.98",
     "Original Detection Date": D(2026, 11, 2), "Scheduled Completion Date": D(2026, 12, 2),
     "Planned Milestones": "(1) 2026-11-16: Patch staging\n\n(2) 2026-12-02: Patch production",
     "Milestone Changes": "(2) Update 2026-11-20 : change window moved", "Vendor Dependency": "Yes",
     "Last Vendor Check-in Date": D(2026, 11, 18), "Vendor Dependent Product Name": "Apache Tomcat",
     "Original Risk Rating": "High", "Adjusted Risk Rating": "N/A",
     "Binding Operational Directive 22-01 tracking": "Yes",
     "Binding Operational Directive 22-01 Due Date": D(2026, 12, 9), "CVE": "CVE-2024-56337",
     "Service Name": "Example Analytics\nExample Portal"},
    {"POAM ID": "V-2090", "Controls": "CM-6", "Weakness Name": "TLS 1.0 enabled",
     "Weakness Description": "TLS 1.0 was enabled on the legacy endpoint",
     "Weakness Detector Source": "Nessus",
     "Weakness Source Identifier": 104743, "Asset Identifier": "legacy.example.gov (443/tcp)",
     "Point of Contact": "A. Noor - Example CSP", "Overall Remediation Plan": "Disable TLS 1.0",
     "Original Detection Date": D(2026, 6, 1), "Scheduled Completion Date": D(2026, 8, 30),
     "Planned Milestones": "(1) 2026-08-30: Disable TLS 1.0", "Status Date": D(2026, 8, 14),
     "Original Risk Rating": "Moderate", "Comments": "Closed after rescan"},
)
BLOCK = (("CSP", "Example CSP"), ("System Name", "Example Analytics"), ("Impact Level", "Moderate"),
         ("POAM Date", D(2026, 11, 25)))


def _sheet(wb: Workbook, title: str, headers: tuple[tuple[str, str | None], ...], rows: list[dict[str, Any]],
           *, guidance: bool, first: bool = False, registered: bool = True) -> None:
    """One POA&M sheet: title, CSP block rows 2-3, header row 5, guidance rows, then ``rows``."""
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws["A1"] = TITLE if registered else TITLE_PLAIN
    ws.merge_cells("A1:E1")
    for letter, (label, value) in zip("ABCD", BLOCK, strict=True):
        ws[f"{letter}2"], ws[f"{letter}3"] = label, value
    ws["D3"].number_format = "mm-dd-yy"
    write_header(ws, 5, cols(headers))
    ws.freeze_panes = "A6"
    r = 6
    for values in GUIDANCE if guidance else ():
        for i, v in enumerate(values):
            ws.cell(r, i + 1, v).alignment = WRAP
        r += 1
    names = [h for h, _f in headers]
    for item in rows:
        for header, v in item.items():
            if header in names:
                cell = ws.cell(r, names.index(header) + 1, v)
                cell.alignment = WRAP
                if isinstance(v, dt.date):
                    cell.number_format = "mm-dd-yy"
        r += 1


def _changes(wb: Workbook, versions: tuple[tuple[dt.date, str, float], ...]) -> None:
    ws = wb.create_sheet(CHANGES)
    ws["B1"] = "Record of Changes for Template"
    ws.merge_cells("B1:E1")
    for i, text in enumerate(("Date", "Description", "Version", "Author")):
        ws.cell(3, 2 + i, text)
    for r, (when, what, version) in enumerate(versions, start=4):
        ws.cell(r, 2, when).number_format = "mm-dd-yy"
        ws.cell(r, 3, what)
        ws.cell(r, 4, version)
        ws.cell(r, 5, "FedRAMP PMO")


V2_ROW = (D(2023, 8, 30), "Updated to align with FedRAMP branding and minor editorial changes.", 2)
V21_ROW = (D(2024, 3, 29), "Added Tab for Configuration Findings. Added Column in 'Open POA&M' tab for "
           "Service level information", 2.1)
VALUES = {(1, "item_number"): "V-2101", (1, "cws"): "RA-5", (1, "date_identified"): D(2026, 10, 6),
          (1, "milestone_date"): D(2027, 1, 4), (1, "risk_level"): "Moderate", (1, "source_id"): 201084,
          (1, "assets"): "10.20.1.15 (443/tcp)\n10.20.1.16 (443/tcp)",
          (2, "description"): "Apache Tomcat is affected by CVE-2024-56337 (KEV)", (2, "risk_level"): "High",
          (2, "milestone_date"): D(2026, 12, 2),
          (2, "milestone_changes"): "(2) Update 2026-11-20 : change window moved"}
MILESTONES = {(1, 1, "milestone"): "Rebuild the base image", (1, 1, "planned_date"): D(2026, 11, 20),
              (1, 2, "planned_date"): D(2027, 1, 4), (2, 2, "milestone"): "Patch production"}
KEPT = {(1, "Weakness Name"): "OpenSSL 3.0 < 3.0.15 Multiple Vulnerabilities", (1, "CVE"): "CVE-2024-5535",
        (2, "Binding Operational Directive 22-01 Due Date"): D(2026, 12, 9),
        (2, "Vendor Dependent Product Name"): "Apache Tomcat",
        (2, "Last Vendor Check-in Date"): D(2026, 11, 18)}
HEADER = {"system_name": "Example Analytics", "poam_date": D(2026, 11, 25)}


def _tables(headers: tuple[tuple[str, str | None], ...], open_rows: tuple[int, ...], skipped: tuple[int, ...],
            closed_rows: tuple[int, ...], config: bool, ms_open: int, ms_closed: int) -> tuple[Table, ...]:
    columns = cols(headers)
    last = max((*open_rows, *skipped), default=5)
    out = [Table(OPEN, 5, columns, open_rows, last, ms_open, "lines", skipped_rows=skipped),
           Table(CLOSED, 5, columns, closed_rows, max(closed_rows, default=5), ms_closed, "lines")]
    if config:
        out.append(Table(CONFIG, 5, columns, (), 5, 0, "lines"))
    return tuple(out)


def blank_v21() -> Case:
    """The v2.1 template as shipped: guidance rows 6-8, 0 items, formula-only rows L9:L60."""
    def build(folder: Path) -> Path:
        wb = Workbook()
        _sheet(wb, OPEN, V21, [], guidance=True, first=True)
        ws = wb[OPEN]
        ws["A3"], ws["B3"], ws["C3"], ws["D3"] = "Text", "Text", "Low", "Date"
        for r in range(9, 61):
            ws[f"L{r}"] = (f'=IF((T{r}="N/A")+(ISBLANK(T{r})),IF(S{r}="High",K{r}+30,IF(S{r}="Moderate",'
                           f'K{r}+90,IF(S{r}="Low",K{r}+180,""))),"")')
        _sheet(wb, CLOSED, V21, [], guidance=False, registered=False)
        _sheet(wb, CONFIG, V21, [], guidance=False, registered=False)
        _changes(wb, (V2_ROW, V21_ROW))
        path = folder / "fedramp-v2.1-blank.xlsx"
        wb.save(path)
        return path

    return Case("fedramp-v2.1-blank", build, Expect(
        "fedramp-rev5-v2.1", _tables(V21, (), (6, 7, 8), (), True, 0, 0),
        note="0 items: rows 6-8 are guidance, hints and the V-1Example example; L9:L60 are formulas "
             "only; header block row 3 holds placeholders (Text, Text, Low, Date)"),
        "GSA/fedramp-gov:assets/resources/templates/FedRAMP-POAM-Template.xlsx")


def v20_xlsm() -> Case:
    """v2.0 (.xlsm, no VBA): 30 columns, guidance rows 6-8 kept, 2 open items + 1 closed."""
    def build(folder: Path) -> Path:
        wb = Workbook()
        _sheet(wb, OPEN, V20, list(ITEMS[:2]), guidance=True, first=True)
        _sheet(wb, CLOSED, V20, [ITEMS[2]], guidance=False, registered=False)
        _changes(wb, (V2_ROW,))
        path = folder / "fedramp-v2.0.xlsm"
        wb.save(path)
        return as_xlsm(path)

    return Case("fedramp-v2.0", build, Expect(
        "fedramp-rev5-v2.0", _tables(V20, (9, 10), (6, 7, 8), (6,), False, 4, 1),
        values={**VALUES, (3, "description"): "TLS 1.0 was enabled on the legacy endpoint"},
        milestone_values=MILESTONES, kept=KEPT, header=HEADER,
        note="item 3 is on the Closed sheet (status Closed); no Service Name column"),
        "GSA/fedramp-gov:_policy/2024-03-29-FedRAMP_POAM_Template.md (FedRAMP-POAM-Template.xlsm)")


def rev4() -> Case:
    """Rev4: 30 columns, no Record of Changes, title without ®, 2 open items (guidance deleted)."""
    def build(folder: Path) -> Path:
        wb = Workbook()
        _sheet(wb, OPEN, V20, list(ITEMS[:2]), guidance=False, first=True, registered=False)
        _sheet(wb, CLOSED, V20, [], guidance=False, registered=False)
        path = folder / "fedramp-rev4.xlsx"
        wb.save(path)
        return path

    return Case("fedramp-rev4", build, Expect(
        "fedramp-rev4", _tables(V20, (6, 7), (), (), False, 4, 0), values=VALUES, milestone_values=MILESTONES,
        kept=KEPT, header=HEADER, note="what marks Rev4 (vs v2.0) is assumed: no v2 change record"),
        "assumed (GSA/fedramp-gov:_posts/2022-06-28-update-poam-template.md for the 30 columns)")


LO_ROW = ('<row r="{r}" s="1" customFormat="true" ht="12.8" hidden="false" customHeight="false" '
          'outlineLevel="0" collapsed="false">{cells}</row>')
LO_LAST = 30000  # empty rows 8..LO_LAST, then row 1048576 alone
LO_COLS = ('<cols><col collapsed="false" customWidth="true" hidden="false" outlineLevel="0" max="31" '
           'min="1" style="1" width="20.83"/><col collapsed="false" customWidth="false" hidden="false" '
           'outlineLevel="0" max="1024" min="32" style="1" width="11.52"/></cols>')


def _libreoffice(xml: bytes) -> bytes:
    rows = [LO_ROW.format(r=r, cells=f'<c r="AE{r}" s="1"/>' if r <= 2000 else "")
            for r in range(8, LO_LAST + 1)]
    rows.append(LO_ROW.format(r=1048576, cells=""))
    text = xml.decode().replace("</sheetData>", "".join(rows) + "</sheetData>")
    text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:AMJ1048576"/>', text)
    if "<cols>" in text:
        return re.sub(r"<cols>.*?</cols>", LO_COLS, text).encode()
    return text.replace("<sheetData>", LO_COLS + "<sheetData>").encode()


def libreoffice() -> Case:
    """v2.1 with 2 items re-saved LibreOffice-style: empty styled <row>s to 30000, then row 1048576."""
    def build(folder: Path) -> Path:
        wb = Workbook()
        _sheet(wb, OPEN, V21, list(ITEMS[:2]), guidance=False, first=True)
        _sheet(wb, CLOSED, V21, [], guidance=False, registered=False)
        _sheet(wb, CONFIG, V21, [], guidance=False, registered=False)
        _changes(wb, (V2_ROW, V21_ROW))
        path = folder / "fedramp-libreoffice.xlsx"
        wb.save(path)
        return rewrite_zip(path, {sheet_part(path, OPEN): _libreoffice})

    return Case("fedramp-libreoffice", build, Expect(
        "fedramp-rev5-v2.1", _tables(V21, (6, 7), (), (), True, 4, 0),
        values=VALUES, milestone_values=MILESTONES,
        kept={**KEPT, (1, "Service Name"): "Example Analytics"}, header=HEADER,
        note="dimension A1:AMJ1048576; rows 8..30000 and 1048576 are empty <row> elements (AE8:AE2000 "
             "styled empty cells): none counts toward --max-rows"), "assumed (LibreOffice save shape)")


CASES = (blank_v21, v20_xlsm, rev4, libreoffice)
