"""Write-back: derived columns, due-date notes, Dashboard figures and annotated feedback copies."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import dashboard, derive, feedback, model
from .errors import UsageError, WorkbookError, WriteError, shown
from .report import plural
from .textdates import TextDate, text_dates
from .validation import Report
from .values import column_letter, plain, split_ref
from .write import Snapshot, atomic_path, check_extension, private_copy, same_file, snapshot, swap_in_place
from .xlsxcf import highlight_first
from .xlsxcharts import set_major_units
from .xlsxpatch import Sheet, Workbook, q

# derived column key -> column of report.derived written into it
WRITTEN = {"due_date": "due_date", "days_open": "days_open", "days_overdue": "days_overdue",
           "flag": "flag"}
SORTS = ("priority",)


@dataclass
class UpdateResult:
    """What `update` wrote, for the one-line summary."""

    path: Path
    rows: int = 0
    cells: int = 0
    proposed: int = 0
    dashboard: bool = False
    sorted: bool = False
    missing: list[str] = field(default_factory=list)  # header texts of derived columns absent
    backup: Path | None = None
    cut: list[str] = field(default_factory=list)  # texts cut to Excel's 32,767 characters
    text_dates: int = 0  # dates typed as text rewritten as dates (--fix-text-dates)

    def line(self) -> str:
        parts = [f"updated {shown(self.path)}: {self.rows} item rows, {self.cells} cells written",
                 plural(self.proposed, "milestone date") + " proposed",
                 "dashboard refreshed" if self.dashboard else "no Dashboard sheet"]
        if self.sorted:
            parts.append("sorted by priority")
        if self.text_dates:
            parts.append(plural(self.text_dates, "text date") + " rewritten as dates")
        if self.missing:
            parts.append("not written (no such column): " + ", ".join(self.missing))
        if self.backup:
            parts.append(f"backup {self.backup.name}")
        if self.cut:
            parts.append("text cut to Excel's 32,767 characters: " + ", ".join(self.cut[:5]))
        return "; ".join(parts)


def backup_path(path: str | Path) -> Path:
    """poam.xlsx -> poam.bak.xlsx, beside it."""
    p = Path(path)
    return p.with_name(f"{p.stem}.bak{p.suffix}")


def lock_file(path: str | Path) -> Path | None:
    """Excel's owner file (~$name.xlsx) when the workbook is open in Excel, else None."""
    p = Path(path)
    for name in (f"~${p.name}", f"~${p.name[2:]}"):
        if (p.parent / name).exists():
            return p.parent / name
    return None


def _checked(report: Report) -> Report:
    wrong = [f for f in report.findings if f.rule.startswith("template.")
             and f.rule != "template.outdated"]
    if report.poam is None and wrong:  # another template: say which, and what to do
        raise WorkbookError(f"{wrong[0].message}; {wrong[0].hint}", path=report.source)
    if report.poam is None or report.derived is None:
        raise WorkbookError(report.error or "nothing to write: the report holds no items",
                            path=report.source)
    return report


def _targets(src: Path, dst: Path) -> bool:
    """True for an in-place write; refuses an in-place write while Excel has the file open."""
    in_place = os.path.realpath(src) == os.path.realpath(dst) if dst.exists() else False
    if in_place and (lock := lock_file(src)) is not None:
        raise WriteError(f"is open in Excel ({lock.name} beside it): close it and retry", path=src)
    return in_place


def update_workbook(src: str | Path, dst: str | Path, report: Report, *, sort: str | None = None,
                    backup: bool = False, fix_text_dates: bool = False) -> UpdateResult:
    """Write the derived columns, notes and Dashboard of ``report`` from ``src`` into ``dst``.

    ``dst`` may be ``src`` (in place: compare-and-swap, see ``update_file``). Only the changed
    cells and parts are rewritten; the write is atomic and ``src`` is never modified (an
    in-place write replaces it by rename). ``fix_text_dates`` also rewrites each date typed as
    text (rule date.text) as a real date.
    """
    src, dst = Path(src), Path(dst)
    if _targets(src, dst):
        snap = snapshot(src)
        with private_copy(snap) as copy:
            return _patch(copy, src, report, sort, backup, snap, fix_text_dates)
    return _patch(src, dst, report, sort, False, None, fix_text_dates)


def update_file(file: str | Path, output: str | Path | None, *, profile: str = "auto",
                as_of: Any = None, sort: str | None = None, backup: bool = False,
                fix_text_dates: bool = False, password: str | None = None) -> UpdateResult:
    """Validate ``file`` and write its update to ``output`` (None: in place). An ``output``
    that is ``file`` itself (or a link to it) raises WriteError: in place is asked for by None.
    An encrypted ``file`` is read with ``password`` and its update written to ``output``
    unencrypted; in place it is refused (WorkbookError: ``crypto.in_place_refused``).

    In place, the file's bytes are read once: that version is validated and patched, and it is
    replaced only if the file on disk is still that version when the result is ready (else
    WriteError, the other program's save kept, ours left beside it as NAME.conflict-<time>);
    through a symlink the link's target is written and the link stays. ``--backup`` keeps the
    version that was read as NAME.bak.xlsx.
    """
    from .crypto import in_place_refused, readable
    from .errors import EncryptedWorkbookError, PoamXlError
    from .validation import validate

    src = Path(file)
    if output is not None and same_file(src, output):
        raise WriteError("--output names the input file (or a link to it): refusing to overwrite "
                         "it; use --in-place to replace it safely", path=str(output))
    if output is not None:
        with readable(src, password) as plain:
            report = validate(plain, profile=profile, as_of=as_of)
            report.source = str(src)
            if report.poam is not None:
                report.poam.source = str(src)
            return update_workbook(plain, output, report, sort=sort,
                                   fix_text_dates=fix_text_dates)
    _targets(src, src)
    snap = snapshot(src)
    with private_copy(snap) as copy:
        try:
            report = validate(copy, profile=profile, as_of=as_of)
        except EncryptedWorkbookError:
            raise in_place_refused(src, "update") from None
        except PoamXlError as exc:  # name the user's file, not the private copy
            raise type(exc)(exc.reason, path=str(src), cell=exc.cell) from None
        report.source = str(src)
        if report.poam is not None:
            report.poam.source = str(src)
        return _patch(copy, src, report, sort, backup, snap, fix_text_dates)


def _patch(src: Path, dst: Path, report: Report, sort: str | None, backup: bool,
           snap: Snapshot | None, fix_text_dates: bool = False) -> UpdateResult:
    if sort is not None and sort not in SORTS:
        raise UsageError(f"--sort must be one of {', '.join(SORTS)}, not {sort!r}")
    report = _checked(report)
    check_extension(src, dst)
    result = UpdateResult(path=dst)
    with Workbook(src) as wb:
        if fix_text_dates:
            result.text_dates = _fix_text_dates(wb, report)
        _write(wb, report, sort, result)
        if snap is None:
            with atomic_path(dst) as tmp:
                wb.save(tmp)
            return result
        with swap_in_place(snap, dst) as tmp:
            wb.save(tmp)
        if backup:  # the version that was read, not whatever is on disk now
            result.backup = backup_path(snap.path)
            with atomic_path(result.backup) as btmp:
                btmp.write_bytes(snap.data)
    return result


def _write(wb: Workbook, report: Report, sort: str | None, result: UpdateResult) -> None:
    assert report.poam is not None and report.derived is not None
    table = report.poam.items
    derived = report.derived
    items = report.items if report.items is not None else table.frame
    moved: dict[int, int] = {}
    if sort == "priority" and len(derived):
        if table.locate is not None:
            raise UsageError("--sort priority works on a single items sheet; this workbook keeps "
                             "items on several sheets (sort each sheet in Excel)")
        moved = _sort(wb.sheet(table.sheet), items, derived)
        result.sorted = True
    letters = table.letters
    result.missing = [model.ITEMS.column(k).header for k in (*WRITTEN, "milestone_date")
                      if k not in letters]
    # items gathered from several sheets (FedRAMP Open/Closed/...) are written where they live
    values: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, str]] = {}
    for row, d in zip(derived.index, derived.to_dict("records"), strict=True):
        name, r = table.locate(int(row)) if table.locate else (table.sheet, int(row))
        r = moved.get(r, r)
        cells, sheet = values.setdefault(name, {}), wb.sheet(name)
        for key, col in WRITTEN.items():
            if key in letters:
                cells[f"{letters[key]}{r}"] = plain(d[col])
        if "due_date" in letters:
            notes.setdefault(name, {})[f"{letters['due_date']}{r}"] = str(d["explanation"])
        ms = f"{letters['milestone_date']}{r}" if "milestone_date" in letters else None
        # a proposal (open items only, see derive) goes only into a blank cell: typed dates stay
        if ms and sheet.is_blank(ms) and plain(d["proposed_milestone"]):
            cells[ms] = plain(d["proposed_milestone"])
            result.proposed += 1
    for name, cells in values.items():
        wb.sheet(name).set_many(cells)
    for name, texts in notes.items():
        wb.sheet(name).notes(texts, feedback.AUTHOR)
    result.rows, result.cells = len(derived), sum(len(c) for c in values.values())
    result.cut = [ref for s in wb.sheets.values() for ref in s.cut]
    if model.DASHBOARD_SHEET in wb.sheet_parts and report.dashboard:
        wb.sheet(model.DASHBOARD_SHEET).set_many(dashboard.cells(report.dashboard))
        # the bar charts' count axes step by whole items for the new counts
        set_major_units(wb, wb.sheet_parts[model.DASHBOARD_SHEET], dashboard.axis_steps(report.dashboard))
        result.dashboard = True


# ---------------------------------------------------------------- --fix-text-dates
def _fix_text_dates(wb: Workbook, report: Report) -> int:
    """Each date typed as text becomes that date, shown in the date format the sheet's dates
    already use (else yyyy-mm-dd); the text as typed goes into the cell's note. Nothing else of
    the cell (its style, borders, fill) changes. Returns the number of cells rewritten."""
    assert report.poam is not None
    by_sheet: dict[str, list[tuple[str, str, TextDate]]] = {}
    for t in text_dates(report.poam):
        data = report.poam.items if t.table == "items" else report.poam.milestones
        assert data is not None
        name, r = data.locate(t.row) if data.locate else (data.sheet, t.row)
        by_sheet.setdefault(name, []).append((f"{t.letter}{r}", t.letter, t))
    for name, cells in by_sheet.items():
        sheet = wb.sheet(name)
        formats: dict[str, int | None] = {}
        for ref, letter, t in cells:
            if letter not in formats:
                formats[letter] = sheet.date_format(split_ref(ref)[1])
            sheet.set_date(ref, t.day, formats[letter])
        sheet.notes({ref: f"Typed as text: {t.text!r}; rewritten as the date {t.day.isoformat()} "
                          "by poam-xl update --fix-text-dates" for ref, _, t in cells},
                    feedback.AUTHOR, merge=True)
    return sum(len(c) for c in by_sheet.values())


# ---------------------------------------------------------------- --sort priority
def _sort(sheet: Sheet, items: pd.DataFrame, derived: pd.DataFrame) -> dict[int, int]:
    """Reorder the item rows by priority in the XML; refuse what cannot move safely.

    Cells, styles, notes and hyperlinks move with their row; data validations and conditional
    formats stay on their ranges, as they do when Excel itself sorts.
    """
    order = [int(r) for r in derive.priority_order(items, derived)]
    positions = sorted(order)
    mapping = {old: new for old, new in zip(order, positions, strict=True) if old != new}
    if not mapping:
        return {}
    lo, hi = positions[0], positions[-1]
    _refuse_unsafe_sort(sheet, set(mapping), lo, hi)
    sheet.move_rows(mapping)
    return mapping


def _refuse_unsafe_sort(sheet: Sheet, rows: set[int], lo: int, hi: int) -> None:
    why = None
    for r in rows:
        row = sheet.rows.get(r)
        if row is not None and row.find(f"{q('c')}/{q('f')}") is not None:
            why = f"row {r} holds formulas (their references would not follow the row)"
            break
    root = sheet.root
    for m in root.iterfind(f"{q('mergeCells')}/{q('mergeCell')}"):
        a, _, b = m.get("ref", "A1").partition(":")
        if split_ref(a)[0] <= hi and split_ref(b or a)[0] >= lo:
            why = why or f"merged cells {m.get('ref')} sit inside the item rows"
    if root.find(q("drawing")) is not None:
        why = why or "the sheet has pictures, shapes or charts anchored to cells"
    if why:
        raise UsageError(f"--sort priority refused: {why}; sort in Excel instead")


# ---------------------------------------------------------------- annotated copy
def annotated_copy(src: str | Path, dst: str | Path, report: Report) -> Path:
    """A feedback copy: finding cells highlighted with a note each, plus a Findings sheet.

    ``dst`` must not be ``src``; raises UsageError if it is, WriteError for an output name
    Excel would refuse. The copy is written atomically; ``src`` is never modified.
    """
    src, dst = Path(src), Path(dst)
    if same_file(src, dst):
        raise UsageError("the annotated copy must not overwrite the input", path=str(src))
    check_extension(src, dst)
    with Workbook(src) as wb:
        by_sheet: dict[str, dict[str, list[str]]] = {}
        for mark in feedback.marks(report.findings, wb.sheet_parts):
            sheet = wb.sheet(mark.sheet)
            sheet.fill([mark.cell], mark.fill)
            sheet.notes({mark.cell: mark.note}, feedback.AUTHOR, merge=True)
            by_sheet.setdefault(mark.sheet, {}).setdefault(mark.fill, []).append(mark.cell)
        # the sheet's own conditional formats (closed grey, overdue orange) would paint over the
        # fill: the same highlight as a conditional format that applies first and stops the rest
        for name, fills in by_sheet.items():
            highlight_first(wb.sheet(name), [(fills[f], f) for f in feedback.SEVERITY_FILLS.values()
                                             if f in fills])
        _findings_sheet(wb, report)
        with atomic_path(dst) as tmp:
            wb.save(tmp)
    return dst


def _findings_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.add_sheet(model.FINDINGS_SHEET, landscape=True)
    ws.widths({j: w for j, (_, w) in enumerate(feedback.FINDING_COLUMNS, start=1)})
    letters = [column_letter(j) for j in range(1, len(feedback.FINDING_COLUMNS) + 1)]
    ws.set_many({f"{letters[j]}1": h for j, (h, _) in enumerate(feedback.FINDING_COLUMNS)})
    ws.fill([f"{c}1" for c in letters], feedback.LABEL)
    rows = feedback.finding_rows(report.findings)
    for i, (f, row) in enumerate(zip(report.findings, rows, strict=True), start=2):
        ws.set_many({f"{letter}{i}": v for letter, v in zip(letters, row, strict=True)})
        target = feedback.link_target(f)
        if target and f.sheet in wb.sheet_parts:
            ws.link(f"C{i}", target, f.where)
    if not report.findings:
        ws.set("A2", f"No findings (as of {report.as_of.isoformat()})")
