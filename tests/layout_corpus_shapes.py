"""Workbook shapes of the layout corpus: placeholder rows, two POA&M sheets, a very hidden sheet,
formulas without cached values. Sources and header vocabulary: see tests/layout_corpus_generic.py
and tests/layout_corpus.py (these shapes are built from issue 13's list; none is a copied file).
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook

from tests.layout_corpus_base import WRAP, Case, D, Expect, Table, cols, rewrite_zip, write_header
from tests.layout_corpus_generic import fill, save

# ---------------------------------------------------------------- placeholder rows + 2 real items
PH = (("POA&M ID", "item_number"), ("Weakness", "description"), ("Control", "cws"),
      ("Severity", "risk_level"),
      ("Status", "status"), ("Identified", "date_identified"), ("Due", "milestone_date"), ("Owner", "owner"),
      ("Notes", "comments"))
_KEYS = ("id", "weakness", "control", "severity", "status", "identified", "due", "owner", "notes")
_PH_ROWS = (
    tuple(f"${{poam.{k}}}" for k in _KEYS),
    tuple(f"{{{{{k}}}}}" for k in _KEYS),
    ("<POA&M ID>", "<Describe the weakness>", "<Control, e.g. AC-2>", "<Low/Moderate/High>", "<Open/Closed>",
     "<MM/DD/YYYY>", "<MM/DD/YYYY>", "<Name>", "<Notes>"),
    ("Text", "Text", "Text", "Low, Moderate, High", "Open, Closed", "Date", "Date", "Text", "Text"),
    ("EXAMPLE-1", "Example: unpatched web server (delete this row)", "SI-2", "High", "Open", "Date", "Date",
     "Jane Doe", "Example row"),
    ("P-001", "SSH allows password logins on jump hosts", "IA-2", "High", "Open", D(2026, 10, 12),
     D(2026, 11, 11), "Platform Team", ""),
    ("P-002", "Security awareness training overdue for 12 staff", "AT-2", "Low", "Open", D(2026, 9, 1),
     D(2027, 2, 28), "HR", "Reminder sent 11/02/2026"))


def placeholders() -> Case:
    """An export template: ${...}, {{...}}, <...>, Text/Date hint and example rows, then 2 real items."""
    columns = cols(PH)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POA&M Export"
        write_header(ws, 1, columns)
        fill(ws, 2, columns, _PH_ROWS)
        return save(wb, folder, "generic-placeholders.xlsx")

    t = Table("POA&M Export", 1, columns, (7, 8), 8, skipped_rows=(2, 3, 4, 5, 6))
    return Case("generic-placeholders", build, Expect(
        "generic", (t,),
        values={(1, "item_number"): "P-001", (1, "milestone_date"): D(2026, 11, 11),
                (2, "description"): "Security awareness training overdue for 12 staff",
                (2, "comments"): "Reminder sent 11/02/2026"},
        note="rows 2-6 are placeholders: ${...}, {{...}}, <...>, type hints, an example row"), "assumed")


# ---------------------------------------------------------------- Open Items + Closed Items sheets
OC = (("POA&M ID", "item_number"), ("Weakness", "description"), ("Control", "cws"),
      ("Severity", "risk_level"),
      ("Status", "status"), ("Date Identified", "date_identified"),
      ("Scheduled Completion Date", "milestone_date"), ("Actual Completion Date", "completion_date"),
      ("Owner", "owner"))
_OPEN = (("OC-11", "DNS zone transfers allowed to any host", "SC-20", "Moderate", "Open", D(2026, 8, 8),
          D(2026, 11, 6), None, "Net Team"),
         ("OC-12", "Password hashes use unsalted MD5 in the legacy app", "IA-5", "High", "In Progress",
          D(2026, 10, 1), D(2026, 10, 31), None, "App Team"),
         ("OC-13", "Physical access list not reviewed quarterly", "PE-2", "Low", "Open", D(2026, 7, 15),
          D(2027, 1, 11), None, "Facilities"))
_CLOSED = (("OC-07", "Guest Wi-Fi bridged to the corporate LAN", "SC-7", "High", "Closed", D(2026, 3, 2),
            D(2026, 4, 1), D(2026, 3, 28), "Net Team"),
           ("OC-09", "Audit log storage capacity alert missing", "AU-5", "Low", "Closed", D(2026, 4, 20),
            D(2026, 10, 17), D(2026, 6, 30), "SOC"))


def two_sheets() -> Case:
    """Open Items (3) and Closed Items (2) sheets with the same table, after a Summary sheet."""
    columns = cols(OC)

    def build(folder: Path) -> Path:
        wb = Workbook()
        summary = wb.active
        summary.title = "Summary"
        for row in (["Status", "Count"], ["Open", 3], ["Closed", 2]):
            summary.append(row)
        for title, data in (("Open Items", _OPEN), ("Closed Items", _CLOSED)):
            ws = wb.create_sheet(title)
            write_header(ws, 1, columns)
            fill(ws, 2, columns, data)
        return save(wb, folder, "generic-two-sheets.xlsx")

    tables = (Table("Open Items", 1, columns, (2, 3, 4), 4), Table("Closed Items", 1, columns, (2, 3), 3))
    return Case("generic-two-sheets", build, Expect(
        "generic", tables,
        values={(2, "description"): _OPEN[1][1], (3, "milestone_date"): D(2027, 1, 11),
                (4, "item_number"): "OC-07",
                (4, "completion_date"): D(2026, 3, 28), (5, "status"): "Closed"},
        note="the Summary sheet (Status | Count) is not a POA&M table"), "assumed")


# ---------------------------------------------------------------- table on a very hidden sheet
VH = (("ID", "item_number"), ("Weakness", "description"), ("Control", "cws"), ("Risk", "risk_level"),
      ("Status", "status"), ("Identified", "date_identified"), ("Scheduled Completion", "milestone_date"),
      ("POC", "owner"))
_VH_ROWS = ((101, "Root login over SSH is permitted", "AC-6(2)", "High", "Open", D(2026, 11, 3),
             D(2026, 12, 3),
             "Linux Team"),
            (102, "Banner text missing on network devices", "AC-8", "Low", "Open", D(2026, 10, 20),
             D(2027, 4, 18), "Net Team"),
            (103, "Time sources not authenticated", "AU-8", "Moderate", "Open", D(2026, 9, 9), D(2026, 12, 8),
             "Net Team"))


def very_hidden() -> Case:
    """Visible Cover and Summary sheets; the POA&M table is on the veryHidden sheet 'Data'."""
    columns = cols(VH)

    def build(folder: Path) -> Path:
        wb = Workbook()
        cover = wb.active
        cover.title = "Cover"
        cover["A1"] = "Agency POA&M export"
        cover["A3"] = "The data sheet is maintained by the export tool; do not edit."
        summary = wb.create_sheet("Summary")
        for row in (["Risk", "Open items"], ["High", 1], ["Moderate", 1], ["Low", 1]):
            summary.append(row)
        ws = wb.create_sheet("Data")
        write_header(ws, 1, columns, fill=False)
        fill(ws, 2, columns, _VH_ROWS)
        ws.sheet_state = "veryHidden"
        return save(wb, folder, "generic-very-hidden.xlsx")

    t = Table("Data", 1, columns, (2, 3, 4), 4, sheet_state="veryHidden")
    return Case("generic-very-hidden", build, Expect(
        "generic", (t,),
        values={(1, "item_number"): 101, (1, "cws"): "AC-6(2)", (3, "milestone_date"): D(2026, 12, 8)},
        note="only the veryHidden sheet holds the POA&M"), "assumed")


# ---------------------------------------------------------------- formulas without cached values
UF = (("Item", "item_number"), ("Weakness", "description"), ("Risk", "risk_level"),
      ("Date Identified", "date_identified"), ("Scheduled Completion Date", "milestone_date"),
      ("Status", "status"), ("Days Open", "days_open"))
_UF_ROWS = ((1, "Unencrypted FTP in use for vendor transfers", "High", D(2026, 10, 1)),
            (2, "Weak TLS ciphers on the intranet portal", "Moderate", D(2026, 9, 1)),
            (3, "Screen lock set to 30 minutes", "Low", D(2026, 6, 1)))


def uncached_formulas() -> Case:
    """A generator's workbook: Scheduled Completion Date and Days Open are formulas with no cached value."""
    columns = cols(UF)

    def build(folder: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.title = "POAM"
        write_header(ws, 1, columns)
        for r, (n, text, risk, found) in enumerate(_UF_ROWS, start=2):
            ws[f"A{r}"], ws[f"B{r}"], ws[f"C{r}"], ws[f"D{r}"], ws[f"F{r}"] = n, text, risk, found, "Open"
            ws[f"E{r}"] = f'=D{r}+IF(C{r}="High",30,IF(C{r}="Moderate",90,180))'
            ws[f"G{r}"] = f"=DATE(2026,11,25)-D{r}"
            ws[f"D{r}"].number_format = ws[f"E{r}"].number_format = "yyyy-mm-dd"
            ws[f"B{r}"].alignment = WRAP
        path = save(wb, folder, "generic-uncached-formulas.xlsx")
        # openpyxl writes an empty <v></v> after each <f>; generators (ExcelJS, xlsx-populate) write none
        bare = re.compile(rb"(</f>)<v\s*/>|(</f>)<v></v>")
        return rewrite_zip(path, {"xl/worksheets/sheet1.xml": lambda b: bare.sub(rb"\1\2", b)})

    t = Table("POAM", 1, columns, (2, 3, 4), 4)
    return Case("generic-uncached-formulas", build, Expect(
        "generic", (t,),
        values={(1, "milestone_date"): D(2026, 10, 31), (2, "milestone_date"): D(2026, 11, 30),
                (3, "milestone_date"): D(2026, 11, 28), (1, "days_open"): 55, (2, "days_open"): 85,
                (3, "days_open"): 177},
        formulas={**{(n, "milestone_date"): f'=D{n + 1}+IF(C{n + 1}="High",30,IF(C{n + 1}="Moderate",90,180))'
                     for n in (1, 2, 3)},
                  **{(n, "days_open"): f"=DATE(2026,11,25)-D{n + 1}" for n in (1, 2, 3)}},
        note="E2:E4, G2:G4 are <f> without <v>: computed (formulas package) or flagged value.uncached"),
        "assumed")


CASES = (placeholders, two_sheets, very_hidden, uncached_formulas)
