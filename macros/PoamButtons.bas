Attribute VB_Name = "PoamButtons"
' poam-xl buttons on the POA&M sheet. Each macro hands the whole workbook to Python (poam_xl.xl)
' through xlwings' RunPython: Python reads every sheet in one go, runs the same checks and
' calculations as the poam-xl command line, and writes the results back into this workbook.
' Source of truth: macros/PoamButtons.bas in the poam-xl repository (the .xlsm is generated).
' Settings (which Python, UDF module): the xlwings.conf sheet, or macros/xlwings.conf.
Option Explicit

' Validate: checks every item against the rules, lists the findings on the Findings sheet
' (with a link to each offending cell), colours those cells and adds a note to each. The
' previous run's colours and notes are cleared first. A one-line summary shows in the status bar.
Sub PoamValidate()
    RunPython "import poam_xl.xl; poam_xl.xl.validate()"
End Sub

' Update Due Dates: fills Due Date (Policy), the blank Milestone Dates, Days Open, Days Overdue
' and Flag from the Policy sheet's days per risk level, exactly as `poam-xl update` does.
Sub PoamUpdateDueDates()
    RunPython "import poam_xl.xl; poam_xl.xl.update_due_dates()"
End Sub

' Flag Overdue: refreshes only the Days Overdue and Flag columns (OVERDUE, DUE SOON,
' 90+ DAYS LATE) and their colours; nothing else is changed.
Sub PoamFlagOverdue()
    RunPython "import poam_xl.xl; poam_xl.xl.flag_overdue()"
End Sub

' Sort by Priority: orders the items by Risk Level (High first), then Days Overdue (most
' first), then due date. Each row keeps its formats and notes.
Sub PoamSortByPriority()
    RunPython "import poam_xl.xl; poam_xl.xl.sort_by_priority()"
End Sub

' New Item: adds a row under the last item with the next Item Number, today's Date Identified
' and Status Open; the dropdowns are already in place.
Sub PoamNewItem()
    RunPython "import poam_xl.xl; poam_xl.xl.new_item()"
End Sub

' Refresh Dashboard: recounts items by status and risk, overdue and due soon, open items by
' age and items closed per month on the Dashboard sheet; its charts redraw from those cells.
Sub PoamRefreshDashboard()
    RunPython "import poam_xl.xl; poam_xl.xl.refresh_dashboard()"
End Sub

' Import Functions: makes the worksheet functions POAM_DUE_DATE, POAM_DAYS_OPEN, POAM_FLAG and
' POAM_IS_OVERDUE available in this workbook (needs Trust Center > "Trust access to the VBA
' project object model"). Uses the "UDF Modules" setting on the xlwings.conf sheet.
Sub PoamImportFunctions()
    ImportPythonUDFs
End Sub
