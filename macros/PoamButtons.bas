Attribute VB_Name = "PoamButtons"
' poam-xl buttons on the POA&M sheet. Each macro hands the whole workbook to Python (poam_xl.xl)
' through xlwings' RunPython: Python reads every sheet in one go, runs the same checks and
' calculations as the poam-xl command line, and writes the results back into this workbook.
' Source of truth: macros/PoamButtons.bas in the poam-xl repository (the .xlsm is generated).
' Settings (which Python, UDF module): the xlwings.conf sheet, or macros/xlwings.conf.
Option Explicit

' What to do when Python is not found: the interpreter path goes on the xlwings.conf sheet.
Private Const POAM_SET_PYTHON As String = "On the xlwings.conf sheet add a row directly under the " & _
    "existing ones: Interpreter_Win in column A and the full path of python.exe in column B " & _
    "(for example C:\Users\you\AppData\Local\Programs\Python\Python312\python.exe; on a Mac " & _
    "Interpreter_Mac). Leave no blank row above it."
' The preflight: exit code 0 = ready; 3 = xlwings missing; 4 = xlwings of another version
' (poam_xl/excel_check.py prints what to do); 9009 = cmd.exe found no python.
Private Const POAM_CHECK As String = "import poam_xl.excel_check as c; c.main('"

' Before each button: is Python there, is poam-xl installed for it, and is its xlwings the
' version whose VBA module this workbook embeds (XLWINGS_VERSION of the xlwings module)? If
' not, a poam-xl message says what is missing and how to fix it, instead of cmd.exe's text.
Private Function PoamReady() As Boolean
#If Mac Then
    PoamReady = True  ' on a Mac, RunPython reports through its AppleScript handler
#Else
    Dim interpreter As String, shown As String, prefix As String, logFile As String
    Dim commandLine As String, probeText As String, code As Long
    interpreter = GetConfig("INTERPRETER_WIN", "")
    If interpreter = "" Then interpreter = GetConfig("INTERPRETER", "python")
    shown = interpreter
    If interpreter <> "python" And interpreter <> "pythonw" Then
        If Not FileExists(interpreter) Then
            PoamSay "The Python named on the xlwings.conf sheet does not exist:" & vbLf & _
                interpreter & vbLf & vbLf & POAM_SET_PYTHON
            Exit Function
        End If
        interpreter = Chr(34) & interpreter & Chr(34)
    End If
    If GetConfig("CONDA PATH") <> "" And GetConfig("CONDA ENV") <> "" Then
        prefix = Replace(GetConfig("CONDA PATH"), " ", "^ ") & "\condabin\conda activate " & _
            GetConfig("CONDA ENV") & " && "
    End If
    If GetConfig("PYTHONPATH") <> "" Then prefix = prefix & "set ""PYTHONPATH=" & GetConfig("PYTHONPATH") & """ && "
    logFile = Environ("TEMP") & "\poam-xl-check-" & CreateGUID() & ".log"
    commandLine = "cmd.exe /C " & prefix & interpreter & " -c """ & POAM_CHECK & XLWINGS_VERSION & _
        "')"" > """ & logFile & """ 2>&1"
    code = WScript.Run(commandLine, 0, True)
    On Error Resume Next
    probeText = ReadFile(logFile)
    Kill logFile
    On Error GoTo 0
    Select Case code
        Case 0
            PoamReady = True
        Case 9009
            PoamSay "Python was not found (" & shown & ")." & vbLf & vbLf & POAM_SET_PYTHON & _
                vbLf & vbLf & "No Python yet? Install Python 3.11 or newer from python.org, then " & _
                "run: pip install poam-xl"
        Case 3, 4
            PoamSay probeText
        Case Else
            If InStr(probeText, "No module named 'poam_xl'") > 0 Then
                PoamSay "poam-xl is not installed for this Python (" & shown & ")." & vbLf & vbLf & _
                    "In a command prompt run: " & shown & " -m pip install poam-xl" & vbLf & _
                    "or add a row PYTHONPATH on the xlwings.conf sheet with the folder that holds " & _
                    "poam_xl. To use another Python: " & POAM_SET_PYTHON
            Else
                PoamSay "poam-xl could not start Python (" & shown & ", exit code " & code & "):" & _
                    vbLf & Left(probeText, 800) & vbLf & POAM_SET_PYTHON
            End If
    End Select
#End If
End Function

Private Function PoamSay(message As String) As Boolean
    MsgBox message, vbExclamation, "poam-xl"
End Function

' Validate: checks every item against the rules, lists the findings on the Findings sheet
' (with a link to each offending cell), colours those cells and adds a note to each. The
' previous run's colours and notes are cleared first. A one-line summary shows in the status bar.
Sub PoamValidate()
    If PoamReady() Then RunPython "import poam_xl.xl; poam_xl.xl.validate()"
End Sub

' Update Due Dates: fills Due Date (Policy), the blank Milestone Dates, Days Open, Days Overdue
' and Flag from the Policy sheet's days per risk level, exactly as `poam-xl update` does.
Sub PoamUpdateDueDates()
    If PoamReady() Then RunPython "import poam_xl.xl; poam_xl.xl.update_due_dates()"
End Sub

' Flag Overdue: refreshes only the Days Overdue and Flag columns (OVERDUE, DUE SOON,
' 90+ DAYS LATE) and their colours; nothing else is changed.
Sub PoamFlagOverdue()
    If PoamReady() Then RunPython "import poam_xl.xl; poam_xl.xl.flag_overdue()"
End Sub

' Sort by Priority: orders the items by Risk Level (High first), then Days Overdue (most
' first), then due date. Each row keeps its formats and notes.
Sub PoamSortByPriority()
    If PoamReady() Then RunPython "import poam_xl.xl; poam_xl.xl.sort_by_priority()"
End Sub

' New Item: adds a row under the last item with the next Item Number, today's Date Identified
' and Status Open; the dropdowns are already in place.
Sub PoamNewItem()
    If PoamReady() Then RunPython "import poam_xl.xl; poam_xl.xl.new_item()"
End Sub

' Refresh Dashboard: recounts items by status and risk, overdue and due soon, open items by
' age and items closed per month on the Dashboard sheet; its charts redraw from those cells.
Sub PoamRefreshDashboard()
    If PoamReady() Then RunPython "import poam_xl.xl; poam_xl.xl.refresh_dashboard()"
End Sub

' Import Functions: makes the worksheet functions POAM_DUE_DATE, POAM_DAYS_OPEN, POAM_FLAG and
' POAM_IS_OVERDUE available in this workbook (needs Trust Center > "Trust access to the VBA
' project object model"). Uses the "UDF Modules" setting on the xlwings.conf sheet. The
' preflight matters most here: the worksheet functions load xlwings' DLL of XLWINGS_VERSION.
Sub PoamImportFunctions()
    If PoamReady() Then ImportPythonUDFs
End Sub
