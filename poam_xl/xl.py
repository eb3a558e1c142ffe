"""Excel buttons (xlwings RunPython): bulk-read the calling workbook, run the core, write back.

Each entry point is ``xw.Book.caller()`` plus a pure half (``*_book``) that takes any book-like
object offering the xlwings calls used here, so tests drive it with a stand-in. No rule lives
here: values go through ``reader.read_grid`` -> ``validation.validate`` (as the CLI does) and the
results come from ``report.derived``, ``report.findings`` and ``dashboard.cells``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from itertools import groupby
from typing import TYPE_CHECKING, Any

from . import dashboard, derive, feedback, model
from .errors import PoamXlError
from .report import plural
from .values import is_blank, is_ref, plain, split_ref

if TYPE_CHECKING:
    from .reader import Grid
    from .validation import Report

# A button press imports this module: the reader, validation (pandera), write-back (lxml,
# openpyxl) and template modules are imported in the functions that use them.

PROFILE = "dss"
SKIP_SHEETS = (model.FINDINGS_SHEET, "xlwings.conf")
MARK_COLUMN = 9  # Findings!I: "sheet!cell" marked last run; J: its colour before
_EXPLAINED = re.compile(r"^(due \d{4}-\d{2}-\d{2} = |no due date: )")  # derive.explain's text


# ---------------------------------------------------------------- reading
def grids(book: Any) -> dict[str, Grid]:
    """Every sheet's values in one bulk read per sheet (the used range, as a 2-D list)."""
    from .reader import Grid

    out: dict[str, Grid] = {}
    for sheet in book.sheets:
        if sheet.name in SKIP_SHEETS:
            continue
        rng = sheet.used_range
        rows = rng.options(ndim=2).value
        out[sheet.name] = Grid(rows, rng.row, rng.column, "visible" if sheet.visible else "hidden")
    return out


def report_of(book: Any, as_of: dt.date) -> Report:
    """The same Report `poam-xl validate` makes, from the open workbook's values."""
    from .reader import read_grid
    from .validation import validate as run_validation

    poam = read_grid(grids(book), source=getattr(book, "name", None))
    return run_validation(poam, profile=PROFILE, as_of=as_of)


def _column(sheet: Any, letter: str, first: int, values: list[Any], number_format: str | None
            = None) -> None:
    """Write one column in one call (and its number format in another)."""
    if not values:
        return
    rng = sheet.range(f"{letter}{first}:{letter}{first + len(values) - 1}")
    rng.options(transpose=True).value = values
    if number_format:
        rng.number_format = number_format


def _span(report: Report) -> tuple[int, int]:
    rows = [int(r) for r in report.derived.index] if report.derived is not None else []
    return (min(rows), max(rows)) if rows else (0, -1)


def _items_sheet(book: Any, report: Report) -> Any:
    assert report.poam is not None
    return book.sheets[report.poam.items.sheet]


# ---------------------------------------------------------------- update / flag
def update_book(book: Any, as_of: dt.date) -> str:
    """Due Date, blank Milestone Dates, Days Open, Days Overdue, Flag: as `poam-xl update`."""
    from .template import DATE_FORMAT
    from .update import WRITTEN

    report = report_of(book, as_of)
    assert report.poam is not None and report.derived is not None
    table, derived = report.poam.items, report.derived
    sheet = _items_sheet(book, report)
    lo, hi = _span(report)
    proposed = 0
    for key, col in WRITTEN.items():
        if key in table.letters:
            values = [None] * (hi - lo + 1)
            for row, v in derived[col].items():
                values[int(row) - lo] = plain(v)
            fmt = DATE_FORMAT if model.ITEMS.column(key).kind == "date" else None
            _column(sheet, table.letters[key], lo, values, fmt)
    if "due_date" in table.letters:  # each due date explains itself, as `poam-xl update` does
        for row, text in derived["explanation"].items():
            _explain(sheet.range(f"{table.letters['due_date']}{int(row)}"), str(text))
    if "milestone_date" in table.letters and hi >= lo:
        letter = table.letters["milestone_date"]
        current = sheet.range(f"{letter}{lo}:{letter}{hi}").options(ndim=2).value
        values = [r[0] for r in current]
        fill = {int(row): plain(v) for row, v in derived["proposed_milestone"].items()
                if is_blank(values[int(row) - lo]) and plain(v) is not None}
        # write only the blank cells, run by run: typed dates, text, formulas and their number
        # formats stay exactly as the user left them
        for start, run in _runs(sorted(fill)):
            _column(sheet, letter, start, [fill[r] for r in run], DATE_FORMAT)
        proposed = len(fill)
    refresh_dashboard_from(book, report)
    return (f"poam-xl: updated {plural(len(derived), 'item')}, "
            f"{plural(proposed, 'milestone date')} proposed "
            f"(as of {as_of.isoformat()})")


def _explain(cell: Any, text: str) -> None:
    """Put the due-date explanation in the cell's note; a note the user wrote is kept."""
    note = cell.note
    if note is None:
        cell.add_note(text)
    elif _EXPLAINED.match(note.text or ""):
        note.text = text


def _runs(rows: list[int]) -> list[tuple[int, list[int]]]:
    """[3, 4, 5, 9] -> [(3, [3, 4, 5]), (9, [9])]: contiguous rows, written with one call each."""
    groups = groupby(enumerate(rows), key=lambda pair: pair[1] - pair[0])
    runs = [[row for _, row in group] for _, group in groups]
    return [(run[0], run) for run in runs]


def flag_book(book: Any, as_of: dt.date) -> str:
    """Only Days Overdue and Flag, and the Flag cells' colours."""
    report = report_of(book, as_of)
    assert report.poam is not None and report.derived is not None
    table, derived = report.poam.items, report.derived
    sheet = _items_sheet(book, report)
    lo, hi = _span(report)
    if hi < lo:
        return "poam-xl: no items to flag"
    for key in ("days_overdue", "flag"):
        if key in table.letters:
            values = [None] * (hi - lo + 1)
            for row, v in derived[key].items():
                values[int(row) - lo] = plain(v)
            _column(sheet, table.letters[key], lo, values)
    counts: dict[str, int] = {}
    if "flag" in table.letters:
        letter = table.letters["flag"]
        sheet.range(f"{letter}{lo}:{letter}{hi}").color = None
        for row, flag in derived["flag"].items():
            if flag:
                counts[flag] = counts.get(flag, 0) + 1
                sheet.range(f"{letter}{int(row)}").color = "#" + feedback.flag_fill(flag)
    text = ", ".join(f"{n} {f}" for f, n in sorted(counts.items())) or "nothing overdue or due soon"
    return f"poam-xl: {text} (as of {as_of.isoformat()})"


# ---------------------------------------------------------------- sort
def sort_book(book: Any, as_of: dt.date) -> str:
    """Rows in priority order (derive.priority_order) by Excel's own sort, so formats and notes
    move with their rows: a temporary key column beside the table holds each row's rank."""
    report = report_of(book, as_of)
    assert report.poam is not None and report.derived is not None and report.items is not None
    order = [int(r) for r in derive.priority_order(report.items, report.derived)]
    lo, hi = _span(report)
    if hi <= lo:
        return "poam-xl: nothing to sort"
    sheet = _items_sheet(book, report)
    used = sheet.used_range
    helper = used.column + used.shape[1]  # first column right of everything used
    ranks = [float(len(order) + 1 + i) for i in range(hi - lo + 1)]  # blank rows go last
    for rank, row in enumerate(order):
        ranks[row - lo] = float(rank)
    key = sheet.range((lo, helper), (hi, helper))
    key.options(transpose=True).value = ranks
    sheet.range((lo, 1), (hi, helper)).sort(helper, True, False)
    key.clear_contents()
    return f"poam-xl: sorted {len(order)} items by priority (risk, days overdue, due date)"


# ---------------------------------------------------------------- new item
def new_item_book(book: Any, as_of: dt.date) -> str:
    """A row under the last item: next Item Number, Date Identified today, Status Open."""
    from .template import DATE_FORMAT

    report = report_of(book, as_of)
    assert report.poam is not None and report.items is not None
    table = report.poam.items
    number = feedback.next_item_number(report.items["item_number"])
    rows = [int(r) for r in report.items.index]
    row = max(rows) + 1 if rows else table.header_row + 1
    sheet = _items_sheet(book, report)
    values = {"item_number": number, "date_identified": as_of, "status": "Open"}
    for key, v in values.items():
        if key in table.letters:
            cell = sheet.range(f"{table.letters[key]}{row}")
            cell.value = v
            if key == "date_identified":
                cell.number_format = DATE_FORMAT
    return f"poam-xl: added item {number} on row {row}"


# ---------------------------------------------------------------- dashboard
def refresh_dashboard_from(book: Any, report: Report) -> bool:
    """Write the dashboard figures into the cells the charts point at (one block write)."""
    if model.DASHBOARD_SHEET not in [s.name for s in book.sheets] or not report.dashboard:
        return False
    cells = {**dashboard.LABELS, **dashboard.cells(report.dashboard)}
    refs = [split_ref(ref) for ref in cells]
    r1, r2 = min(r for r, _ in refs), max(r for r, _ in refs)
    c1, c2 = min(c for _, c in refs), max(c for _, c in refs)
    block: list[list[Any]] = [[None] * (c2 - c1 + 1) for _ in range(r2 - r1 + 1)]
    for ref, v in cells.items():
        r, c = split_ref(ref)
        block[r - r1][c - c1] = v
    sheet = book.sheets[model.DASHBOARD_SHEET]
    sheet.range((r1, c1), (r2, c2)).value = block
    return True


def refresh_dashboard_book(book: Any, as_of: dt.date) -> str:
    report = report_of(book, as_of)
    if not refresh_dashboard_from(book, report):
        return "poam-xl: no Dashboard sheet in this workbook (create one with `poam-xl new`)"
    d = report.dashboard
    return (f"poam-xl: dashboard refreshed: {d['items']} items, {d['open']} open, "
            f"{d['overdue']} overdue, {d['due_soon']} due soon (as of {as_of.isoformat()})")


# ---------------------------------------------------------------- validate
def validate_book(book: Any, as_of: dt.date) -> Report:
    """Findings sheet, coloured cells with notes (previous run's marks cleared first)."""
    report = report_of(book, as_of)
    names = [s.name for s in book.sheets]
    if model.FINDINGS_SHEET in names:
        out = book.sheets[model.FINDINGS_SHEET]
        _clear_marks(book, out, names)
        out.clear()
    else:
        out = book.sheets.add(model.FINDINGS_SHEET, after=book.sheets[names[-1]])
    marks = _mark(book, report, names)
    head = [h for h, _ in feedback.FINDING_COLUMNS] + [None, "(poam-xl marks)", "(colour before)"]
    rows: list[list[Any]] = [head]
    for row in feedback.finding_rows(report.findings):
        rows.append([*row, None, None, None])
    for i, (ref, before) in enumerate(marks):
        while len(rows) <= i + 1:
            rows.append([None] * len(head))
        rows[i + 1][MARK_COLUMN - 1], rows[i + 1][MARK_COLUMN] = ref, before
    if not report.findings:
        rows.append([f"No findings (as of {as_of.isoformat()})"] + [None] * (len(head) - 1))
    out.range("A1").value = rows
    out.range("A1:G1").color = "#" + feedback.LABEL
    for i, f in enumerate(report.findings, start=2):
        target = feedback.link_target(f)
        if target and f.sheet in names:
            out.range(f"C{i}").add_hyperlink("#" + target, f.where, f"Go to {f.where}")
    return report


def _mark(book: Any, report: Report, names: list[str]) -> list[tuple[str, str | None]]:
    marks: list[tuple[str, str | None]] = []
    for mark in feedback.marks(report.findings, [n for n in names if n not in SKIP_SHEETS]):
        cell = book.sheets[mark.sheet].range(mark.cell)
        before = cell.color
        cell.color = "#" + mark.fill
        note = cell.note
        if note is not None and feedback.is_our_note(note.text):
            note.delete()
            note = None
        if note is None:
            cell.add_note(mark.note)
        marks.append((f"{mark.sheet}!{mark.cell}", None if before is None else
                       "#" + "".join(f"{v:02X}" for v in before)))
    return marks


def _clear_marks(book: Any, findings: Any, names: list[str]) -> None:
    used = findings.used_range
    if used.shape[1] + used.column - 1 < MARK_COLUMN:
        return
    rows = findings.range((2, MARK_COLUMN), (max(2, used.row + used.shape[0] - 1),
                                             MARK_COLUMN + 1)).options(ndim=2).value
    for ref, before in rows:
        if not isinstance(ref, str) or "!" not in ref:
            continue
        sheet_name, _, cell_ref = ref.rpartition("!")
        if sheet_name not in names or not is_ref(cell_ref):
            continue
        cell = book.sheets[sheet_name].range(cell_ref)
        cell.color = before if before else None
        note = cell.note
        if note is not None and feedback.is_our_note(note.text):
            note.delete()


def summary_line(report: Report) -> str:
    n = len(report.items) if report.items is not None else 0
    return (f"poam-xl: {plural(report.errors, 'error')}, {plural(report.warnings, 'warning')} in "
            f"{plural(n, 'item')} "
            f"(as of {report.as_of.isoformat()}; see the {model.FINDINGS_SHEET} sheet)")


# ---------------------------------------------------------------- the RunPython entry points
def _run(action: Callable[[Any, dt.date], Any], title: str, book: Any = None) -> None:
    """Caller book -> action -> one-line summary in the status bar and a message box; errors
    become a readable message, never a traceback."""
    if book is None:
        import xlwings as xw  # lazy: the core imports on machines without Excel

        book = xw.Book.caller()
    app = book.app
    try:
        app.screen_updating = False
        app.status_bar = f"poam-xl: {title} ..."
        result = action(book, dt.date.today())  # the clock is read here, in the shell only
        from .validation import Report

        line = summary_line(result) if isinstance(result, Report) else str(result)
    except PoamXlError as exc:
        line = f"poam-xl could not {title.lower()}: {exc}"
    except Exception as exc:  # a bug of ours: say so in one line
        line = (f"poam-xl internal error during {title}: {type(exc).__name__}: {str(exc)[:200]} "
                "(run `poam-xl validate` on the saved file for details)")
    finally:
        app.screen_updating = True
    app.status_bar = line[:255]
    with contextlib.suppress(Exception):  # no message box on this platform: the status bar has it
        app.alert(line, title=f"poam-xl: {title}")


def validate(book: Any = None) -> None:
    _run(validate_book, "Validate", book)


def update_due_dates(book: Any = None) -> None:
    _run(update_book, "Update due dates", book)


def flag_overdue(book: Any = None) -> None:
    _run(flag_book, "Flag overdue", book)


def sort_by_priority(book: Any = None) -> None:
    _run(sort_book, "Sort by priority", book)


def new_item(book: Any = None) -> None:
    _run(new_item_book, "New item", book)


def refresh_dashboard(book: Any = None) -> None:
    _run(refresh_dashboard_book, "Refresh dashboard", book)


ENTRY_POINTS = ("validate", "update_due_dates", "flag_overdue", "sort_by_priority", "new_item",
                "refresh_dashboard")
