"""The quarterly review pack: a review workbook (lists, counts, charts) and its LibreOffice PDF."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from . import feedback, model
from .dates import as_date
from .derive import priority_order
from .diff import Diff, diff, load
from .errors import TemplateError, UsageError, WriteError
from .validation import Report, validate
from .write import atomic_path

NAVY = feedback.NAVY
HEAD_FILL = PatternFill("solid", fgColor=NAVY)
HEAD_FONT = Font(bold=True, color="FFFFFF")
LABEL_FILL = PatternFill("solid", fgColor=feedback.LABEL)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE = "yyyy-mm-dd"
HEAD_ROW = 3  # list sheets: title in row 1, subtitle in row 2, table header in row 3
SOFFICE_TIMEOUT = 300
# list sheets: (header, width, field of the row dict)
ITEM_COLUMNS = (
    ("Item", 7, "item"),
    ("Non-Compliance Description", 62, "description"),
    ("Risk", 9, "risk"),
    ("Status", 12, "status"),
    ("Responsible Owner", 22, "owner"),
    ("Milestone / Due", 13, "target"),
    ("Days Overdue", 10, "overdue"),
    ("Flag", 15, "flag"),
)
DUE_COLUMNS = (*ITEM_COLUMNS[:5], ("Milestone / Due", 13, "target"), ("Days Left", 9, "left"))
SLIP_COLUMNS = (
    ("Item", 7, "item"),
    ("Non-Compliance Description", 55, "description"),
    ("Slipped (days)", 10, "days"),
    ("Times", 7, "times"),
    ("What changed", 45, "message"),
    ("Explained", 10, "explained"),
)
CHANGE_COLUMNS = (
    ("Change", 20, "kind"),
    ("Severity", 9, "severity"),
    ("Item", 7, "item"),
    ("Details", 90, "message"),
)


@dataclass
class Pack:
    workbook: Path
    pdf: Path | None
    pages: int | None
    figures: dict[str, Any]

    def line(self) -> str:
        f = self.figures
        text = (
            f"wrote {self.workbook}: {f['open']} open, {f['overdue']} overdue, "
            f"{f['late']} 90+ days "
            f"late, {f['slipped']} slipped milestones, {f['due_next']} due next quarter"
        )
        if self.pdf:
            text += f"; {self.pdf} ({self.pages} pages)" if self.pages else f"; {self.pdf}"
        return text


def make_pack(
    workbook: str | Path,
    out_dir: str | Path,
    *,
    previous: str | Path | None = None,
    as_of: dt.date | None = None,
    pdf: bool = True,
    profile: str = "dss",
) -> Pack:
    """Write <stem>-review.xlsx (and .pdf) into ``out_dir``; the inputs are only read."""
    as_of = as_of or dt.date.today()
    src = Path(workbook)
    report = validate(src, as_of=as_of, profile=profile)
    if report.items is None:
        reason = report.findings[0].message if report.findings else "not a POA&M workbook"
        raise TemplateError(reason, path=str(src))
    changes = (
        diff(load(previous, as_of, profile), report.items, str(previous), str(src))
        if previous else None
    )
    wb, figures = build(report, as_of, changes, src.name, Path(previous).name if previous else None)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / f"{src.stem}-review.xlsx"
    with atomic_path(xlsx) as tmp:
        wb.save(tmp)
    if not pdf:
        return Pack(xlsx, None, None, figures)
    out = render_pdf(xlsx, folder)
    return Pack(xlsx, out, page_count(out), figures)


# ---------------------------------------------------------------- the review workbook
def rows_of(report: Report, as_of: dt.date) -> list[dict[str, Any]]:
    """Items in priority order with what the lists show (canonical values + derived columns)."""
    items, derived = report.items, report.derived
    assert items is not None and derived is not None
    out = []
    for row in priority_order(items, derived):
        it, d = items.loc[row], derived.loc[row]
        target = as_date(d["proposed_milestone"])
        out.append(
            {
                "item": None if pd.isna(it["item_number"]) else int(it["item_number"]),
                "description": it["description"] or "",
                "risk": it["risk_level"],
                "status": it["status"],
                "owner": it["owner"],
                "target": target,
                "flag": d["flag"] or None,
                "overdue": None if pd.isna(d["days_overdue"]) else int(d["days_overdue"]),
                "left": (target - as_of).days if target else None,
                "open": it["status"] not in model.CLOSED_STATUSES,
            }
        )
    return out


def build(
    report: Report, as_of: dt.date, changes: Diff | None, name: str, previous: str | None = None
) -> tuple[Workbook, dict[str, Any]]:
    rows = rows_of(report, as_of)
    pol = report.poam.policy if report.poam is not None else None
    horizon = pol.review_days if pol is not None else 90
    overdue = [r for r in rows if r["open"] and (r["overdue"] or 0) > 0]
    late = [r for r in overdue if str(r["flag"] or "").endswith("DAYS LATE")]
    due_next = [
        r for r in rows if r["open"] and r["left"] is not None and 0 <= r["left"] <= horizon
    ]
    due_next.sort(key=lambda r: (r["left"], r["item"] or 0))
    slipped = _slips(changes, report) if changes is not None else []
    figures = {
        **report.dashboard,
        "overdue_list": len(overdue),
        "late": len(late),
        "slipped": len(slipped),
        "due_next": len(due_next),
    }
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    _summary(summary, report, as_of, figures, name, previous, horizon)
    late_word = pol.late_days if pol is not None else 90
    _list(
        wb,
        "Overdue",
        f"Overdue open items ({len(overdue)})",
        "Open items past their Milestone Date (or policy due date), highest risk first.",
        ITEM_COLUMNS,
        overdue,
    )
    _list(
        wb,
        f"{late_word}+ Days Late",
        f"Items more than {late_word} days late ({len(late)})",
        "The brief singles these out: explain each one at the review.",
        ITEM_COLUMNS,
        late,
    )
    if changes is None:
        note = "No previous version given (--previous): slips cannot be computed."
    else:
        note = (
            f"Milestone dates moved later since {previous}; Times = entries in Milestone Changes."
        )
    _list(
        wb,
        "Slipped Milestones",
        f"Slipped milestones ({len(slipped)})",
        note,
        SLIP_COLUMNS,
        slipped,
    )
    _list(
        wb,
        "Due Next Quarter",
        f"Due in the next {horizon} days ({len(due_next)})",
        f"Open items whose Milestone Date (or policy due date) falls {as_of.isoformat()} to "
        f"{(as_of + dt.timedelta(days=horizon)).isoformat()}.",
        DUE_COLUMNS,
        due_next,
    )
    if changes is not None:
        _list(
            wb,
            "Changes",
            f"All changes since {previous} ({len(changes.changes)})",
            "From `poam-xl diff`; deleted items are errors.",
            CHANGE_COLUMNS,
            [c.to_dict() for c in changes.changes],
        )
    wb.properties.creator = "poam-xl"
    wb.properties.title = f"POA&M review {as_of.isoformat()}"
    fixed = dt.datetime.combine(as_of, dt.time())
    wb.properties.created = wb.properties.modified = fixed
    return wb, figures


def _slips(changes: Diff, report: Report) -> list[dict[str, Any]]:
    items = report.items
    assert items is not None
    desc = {
        int(n): d
        for n, d in zip(items["item_number"], items["description"], strict=True)
        if not pd.isna(n)
    }
    unexplained = {c.item for c in changes.of("milestone_unexplained")}
    return [
        {
            "item": c.item,
            "description": desc.get(c.item, ""),
            "days": c.days,
            "times": c.times,
            "message": c.message.split("(", 1)[-1].rstrip(")") if "(" in c.message else c.message,
            "explained": "No" if c.item in unexplained else "Yes",
        }
        for c in changes.of("milestone_slipped")
    ]


def _print_setup(ws: Worksheet, title_rows: str | None, fit_height: int = 0) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, fit_height
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = "poam-xl review"


def _list(
    wb: Workbook,
    title: str,
    heading: str,
    note: str,
    columns: Sequence[tuple[str, float, str]],
    rows: list[dict[str, Any]],
) -> None:
    ws = wb.create_sheet(title[:31])
    ws["A1"] = heading
    ws["A1"].font = Font(bold=True, size=14, color=NAVY)
    ws["A2"] = note
    ws["A2"].font = Font(italic=True, color=feedback.DERIVED)
    for j, (head, width, _key) in enumerate(columns, start=1):
        c = ws.cell(HEAD_ROW, j, head)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BORDER
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[c.column_letter].width = width
    ws.row_dimensions[HEAD_ROW].height = 30
    for i, r in enumerate(rows, start=HEAD_ROW + 1):
        for j, (_head, _width, key) in enumerate(columns, start=1):
            value = r.get(key)
            c = ws.cell(i, j, value if value not in ("",) else None)
            c.alignment, c.border = WRAP, BORDER
            if isinstance(value, dt.date):
                c.number_format = DATE
        text = str(r.get("description") or r.get("message") or "")
        width = next((w for _h, w, k in columns if k in ("description", "message")), 60)
        lines = sum(max(1, -(-len(part) // int(width * 1.2))) for part in text.split("\n"))
        ws.row_dimensions[i].height = max(15, min(lines, 8) * 13)
    if not rows:
        ws.cell(HEAD_ROW + 1, 1, "None.").font = Font(italic=True)
    ws.freeze_panes = f"A{HEAD_ROW + 1}"
    _print_setup(ws, f"{HEAD_ROW}:{HEAD_ROW}")


def _summary(
    ws: Worksheet,
    report: Report,
    as_of: dt.date,
    f: dict[str, Any],
    name: str,
    previous: str | None,
    horizon: int,
) -> None:
    head = report.poam.header if report.poam is not None else {}
    ws["A1"] = "POA&M quarterly review"
    ws["A1"].font = Font(bold=True, size=16, color=NAVY)
    who = " / ".join(str(v) for v in (head.get("company_name"), head.get("system_name")) if v)
    ws["A2"] = f"{who + ' — ' if who else ''}{name}, as of {as_of.isoformat()}" + (
        f", compared with {previous}" if previous else ""
    )
    ws["A2"].font = Font(italic=True, color=feedback.DERIVED)
    figures = (
        ("Items", f["items"]),
        ("Open", f["open"]),
        ("Overdue", f["overdue"]),
        ("90+ days late", f["late"]),
        ("Due soon", f["due_soon"]),
        (f"Due in next {horizon} days", f["due_next"]),
        ("Slipped milestones", f["slipped"] if previous else "n/a"),
        ("Validation errors", report.errors),
        ("Validation warnings", report.warnings),
    )
    _block(ws, 4, 1, ("Figure", "Value"), figures)
    _block(ws, 4, 4, ("Status", "Items"), list(f["by_status"].items()))
    _block(
        ws,
        4,
        7,
        ("Risk", "All", "Open"),
        [(r, f["by_risk"][r], f["open_by_risk"][r]) for r in model.RISK_LEVELS],
    )
    _block(ws, 10, 7, ("Open items by age", "Items"), list(f["aging"].items()))
    for letter, width in zip("ABCDEFGHI", (24, 9, 3, 13, 8, 3, 18, 8, 10), strict=True):
        ws.column_dimensions[letter].width = width
    n_status = len(f["by_status"])
    pie = PieChart()
    pie.title = "Items by status"
    pie.add_data(Reference(ws, min_col=5, min_row=4, max_row=4 + n_status), titles_from_data=True)
    pie.set_categories(Reference(ws, min_col=4, min_row=5, max_row=4 + n_status))
    risk = BarChart()
    risk.type, risk.title = "col", "Items by risk level"
    risk.add_data(Reference(ws, min_col=8, max_col=9, min_row=4, max_row=7), titles_from_data=True)
    risk.set_categories(Reference(ws, min_col=7, min_row=5, max_row=7))
    age = BarChart()
    age.type, age.title, age.legend = "col", "Open items by age", None
    age.add_data(
        Reference(ws, min_col=8, min_row=10, max_row=10 + len(f["aging"])), titles_from_data=True
    )
    age.set_categories(Reference(ws, min_col=7, min_row=11, max_row=10 + len(f["aging"])))
    for chart, anchor in ((risk, "A16"), (pie, "E16"), (age, "J16")):  # ~48 characters apart
        chart.height, chart.width = 7.5, 8.5
        ws.add_chart(chart, anchor)
    _print_setup(ws, None, fit_height=1)


def _block(
    ws: Worksheet, row: int, col: int, heads: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    for j, h in enumerate(heads):
        c = ws.cell(row, col + j, h)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BORDER
    for i, values in enumerate(rows, start=row + 1):
        for j, v in enumerate(values):
            c = ws.cell(i, col + j, v)
            c.border = BORDER
            if j == 0:
                c.font, c.fill = Font(bold=True), LABEL_FILL


# ---------------------------------------------------------------- PDF
def render_pdf(xlsx: str | Path, out_dir: str | Path) -> Path:
    """<xlsx stem>.pdf in ``out_dir``, rendered by LibreOffice headless (a private profile)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UsageError("LibreOffice (soffice) is needed for the PDF: install it or pass --no-pdf")
    src = Path(xlsx)
    target = Path(out_dir) / f"{src.stem}.pdf"
    with tempfile.TemporaryDirectory(prefix="poam-xl-pdf-") as work:
        profile = Path(work) / f"lo-{uuid.uuid4().hex}"
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            str(src.resolve()),
        ]
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=SOFFICE_TIMEOUT,
                env={**os.environ, "HOME": work},
            )
        except subprocess.TimeoutExpired:
            raise WriteError(
                f"LibreOffice did not finish within {SOFFICE_TIMEOUT} s", path=str(target)
            ) from None
        made = Path(work) / f"{src.stem}.pdf"
        if not made.is_file() or made.stat().st_size == 0:  # soffice exits 0 even when it fails
            why = (proc.stderr or proc.stdout).strip().splitlines()
            raise WriteError(
                f"LibreOffice made no PDF ({why[-1][:160] if why else 'no message'})",
                path=str(target),
            )
        with atomic_path(target) as tmp:
            shutil.copyfile(made, tmp)
    return target


def page_count(pdf: str | Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        pdfinfo = shutil.which("pdfinfo")
        if pdfinfo is None:
            return None
        out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, timeout=60).stdout
        line = next((x for x in out.splitlines() if x.startswith("Pages:")), "")
        return int(line.split()[-1]) if line else None
    return len(PdfReader(str(pdf)).pages)
