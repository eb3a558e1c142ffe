"""`update`: derived columns written back, nothing else lost, atomic, input never modified."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.comments import Comment
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from typer.testing import CliRunner

from poam_xl import dates, template, xlsxpatch
from poam_xl.cli import app
from poam_xl.errors import UsageError, WriteError
from poam_xl.update import backup_path, update_workbook
from poam_xl.validation import validate
from tests.helpers import (
    AS_OF,
    REALWORLD,
    col_letter,
    item_ref,
    make_book,
    official_book,
    require_shared,
    sha256,
)
from tests.test_xlsxpatch import changed_members, lo_convert

VBA_SOURCE = Path(__import__("xlwings").__file__).parent / "quickstart.xlsm"
ITEMS_PART = "xl/worksheets/sheet2.xml"
DASHBOARD_PART = "xl/worksheets/sheet5.xml"
# the only members `update` may rewrite or add on the generated template
REWRITABLE = {ITEMS_PART, DASHBOARD_PART, "xl/styles.xml", "[Content_Types].xml",
              "xl/worksheets/_rels/sheet2.xml.rels", "xl/comments1.xml", "xl/comments/comment1.xml",
              "xl/drawings/vmlDrawing1.vml", "xl/drawings/commentsDrawing1.vml"}


def make_xlsm(path: Path, *, sample: int = 8, edit: Callable[[Any], Any] | None = None) -> Path:
    """The generated template as a macro workbook carrying a real vbaProject.bin."""
    plain = make_book(path.with_suffix(".plain.xlsx"), sample=sample, edit=edit)
    with zipfile.ZipFile(VBA_SOURCE) as z:
        vba = z.read("xl/vbaProject.bin")
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                    b"<Default ", b'<Default Extension="bin" ContentType="application/'
                    b'vnd.ms-office.vbaProject"/><Default ', 1)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'))
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", vba)
    plain.unlink()
    return path


def user_note(wb: Any) -> None:
    wb["POA&M"][item_ref(1, "description")].comment = Comment("keep me", "Alice")


@pytest.fixture
def xlsm(tmp_path: Path) -> Path:
    return make_xlsm(tmp_path / "poam.xlsm", edit=user_note)


def test_update_rewrites_only_the_changed_parts(xlsm: Path, tmp_path: Path) -> None:
    before = sha256(xlsm)
    out = tmp_path / "out.xlsm"
    result = update_workbook(xlsm, out, validate(xlsm, as_of=AS_OF))
    assert sha256(xlsm) == before  # input never modified
    assert result.rows == 8 and result.dashboard and not result.missing
    changed = changed_members(xlsm, out)
    assert ITEMS_PART in changed and changed <= REWRITABLE, changed - REWRITABLE
    with zipfile.ZipFile(xlsm) as za, zipfile.ZipFile(out) as zb:
        assert za.read("xl/vbaProject.bin") == zb.read("xl/vbaProject.bin")
        old = [n for n in za.namelist()]
        assert zb.namelist()[: len(old)] == old  # same order, new parts after
    assert openpyxl.load_workbook(out, keep_vba=True).vba_archive is not None


def test_values_notes_and_dashboard_round_trip(tmp_path: Path) -> None:
    def edit(wb: Any) -> None:
        wb["POA&M"][item_ref(1, "milestone_date")] = None  # to be proposed
        wb["POA&M"][item_ref(2, "milestone_date")] = "next spring"  # typed: never overwritten
        for key in ("due_date", "days_open", "days_overdue", "flag"):
            for i in range(1, 9):
                wb["POA&M"][item_ref(i, key)] = None  # stale or empty derived cells

    src = make_book(tmp_path / "in.xlsx", edit=edit)
    report = validate(src, as_of=AS_OF)
    out = tmp_path / "out.xlsx"
    result = update_workbook(src, out, report)
    assert result.proposed == 1
    ws = openpyxl.load_workbook(out)["POA&M"]
    derived = report.derived
    for i, (row, d) in enumerate(derived.iterrows(), start=1):
        assert row == template.FIRST_ROW + i - 1
        assert ws[item_ref(i, "due_date")].value == d["due_date"].to_pydatetime()
        assert ws[item_ref(i, "days_open")].value == d["days_open"]
        assert ws[item_ref(i, "days_overdue")].value == (
            None if pd.isna(d["days_overdue"]) else d["days_overdue"])
        assert ws[item_ref(i, "flag")].value == (d["flag"] or None)
        assert ws[item_ref(i, "due_date")].comment.text == d["explanation"]
    assert ws[item_ref(1, "milestone_date")].value == derived["proposed_milestone"].iloc[0]
    assert ws[item_ref(2, "milestone_date")].value == "next spring"
    dash = openpyxl.load_workbook(out)["Dashboard"]
    assert dash["B3"].value == dt.datetime.combine(AS_OF, dt.time())
    assert dash["B5"].value == 8 and dash["B6"].value == report.dashboard["open"]
    again = validate(out, as_of=AS_OF)  # update then re-read gives the derived values
    pd.testing.assert_frame_equal(again.derived, derived)
    assert again.poam.items.frame["due_date"].equals(derived["due_date"])
    before = [(f.rule, f.cell) for f in report.findings]
    proposed = ("milestone-date.missing", item_ref(1, "milestone_date"))
    assert proposed in before
    assert [(f.rule, f.cell) for f in again.findings] == [b for b in before if b != proposed]


def test_failure_mid_write_leaves_old_file(xlsm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = sha256(xlsm)
    report = validate(xlsm, as_of=AS_OF)
    calls = {"n": 0}
    real = xlsxpatch._copy_raw

    def boom(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real(*args)

    monkeypatch.setattr(xlsxpatch, "_copy_raw", boom)
    with pytest.raises(OSError, match="disk full"):
        update_workbook(xlsm, xlsm, report, backup=True)
    assert sha256(xlsm) == before
    assert sorted(p.name for p in xlsm.parent.iterdir()) == ["poam.xlsm"]  # no temp, no backup


KILLED = """
import sys, time
from poam_xl import xlsxpatch
from poam_xl.update import update_workbook
from poam_xl.validation import validate
real = xlsxpatch._copy_raw
def slow(*a):
    real(*a)
    print("writing", flush=True)
    time.sleep(600)
xlsxpatch._copy_raw = slow
path = sys.argv[1]
update_workbook(path, path, validate(path))
"""


def test_killed_process_leaves_old_file(xlsm: Path) -> None:
    before = sha256(xlsm)
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(xlsm)], stdout=subprocess.PIPE,
                            text=True, cwd=Path(__file__).parents[1])
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"  # blocks until mid-write
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sha256(xlsm) == before
    openpyxl.load_workbook(xlsm, keep_vba=True)


def test_in_place_with_backup(xlsm: Path) -> None:
    before = sha256(xlsm)
    result = update_workbook(xlsm, xlsm, validate(xlsm, as_of=AS_OF), backup=True)
    assert result.backup == backup_path(xlsm) == xlsm.with_name("poam.bak.xlsm")
    assert sha256(result.backup) == before and sha256(xlsm) != before
    assert openpyxl.load_workbook(xlsm)["POA&M"][item_ref(1, "due_date")].comment is not None


def test_in_place_refused_while_open_in_excel(xlsm: Path) -> None:
    (xlsm.parent / "~$poam.xlsm").write_bytes(b"owner")
    with pytest.raises(WriteError, match="open in Excel"):
        update_workbook(xlsm, xlsm, validate(xlsm, as_of=AS_OF))


def test_1904_workbook(tmp_path: Path) -> None:
    src = make_book(tmp_path / "mac.xlsx", edit=lambda wb: setattr(wb, "epoch", CALENDAR_MAC_1904))
    report = validate(src, as_of=AS_OF)
    out = tmp_path / "out.xlsx"
    update_workbook(src, out, report)
    due = report.derived["due_date"].iloc[0].date()
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert ws[item_ref(1, "due_date")].value.date() == due
    with zipfile.ZipFile(out) as z:
        xml = z.read(ITEMS_PART).decode()
    ref = item_ref(1, "due_date")
    assert f'r="{ref}"' in xml
    assert f"<v>{dates.to_serial(due, True)}</v>" in xml.split(f'r="{ref}"')[1][:80]


def test_sort_priority_moves_whole_rows(xlsm: Path, tmp_path: Path) -> None:
    report = validate(xlsm, as_of=AS_OF)
    out = tmp_path / "sorted.xlsm"
    assert update_workbook(xlsm, out, report, sort="priority").sorted
    ws = openpyxl.load_workbook(out)["POA&M"]
    items = report.poam.items.frame
    first = items.index[0]
    by_number = {ws[item_ref(i, "item_number")].value: i for i in range(1, 9)}
    moved_to = by_number[items.loc[first, "item_number"]]
    assert ws[item_ref(moved_to, "description")].comment.text == "keep me"  # note moved along
    assert ws[item_ref(moved_to, "description")].value == items.loc[first, "description"]
    after = validate(out, as_of=AS_OF)
    risks = list(after.items["risk_level"])
    assert risks == sorted(risks, key=("High", "Medium", "Low").index)
    assert sorted(after.items["item_number"]) == sorted(items["item_number"])
    assert [f.rule for f in after.findings if f.severity == "error"] == []


def test_sort_refused_with_formulas_in_rows(tmp_path: Path) -> None:
    src = make_book(tmp_path / "f.xlsx", edit=lambda wb: wb["POA&M"].__setitem__(
        item_ref(2, "comments"), "=1+1"))
    before = sha256(src)
    with pytest.raises(UsageError, match="formulas"):
        update_workbook(src, tmp_path / "out.xlsx", validate(src, as_of=AS_OF), sort="priority")
    assert sha256(src) == before and not (tmp_path / "out.xlsx").exists()


def test_missing_derived_column_is_reported_not_invented(tmp_path: Path) -> None:
    column = openpyxl.utils.column_index_from_string(col_letter("days_open"))
    src = make_book(tmp_path / "in.xlsx", edit=lambda wb: wb["POA&M"].delete_cols(column))
    result = update_workbook(src, tmp_path / "out.xlsx", validate(src, as_of=AS_OF))
    assert result.missing == ["Days Open"] and "Days Open" in result.line()


@pytest.mark.libreoffice
def test_libreoffice_shows_the_new_values(xlsm: Path, tmp_path: Path) -> None:
    report = validate(xlsm, as_of=AS_OF)
    out = tmp_path / "updated.xlsm"
    update_workbook(xlsm, out, report)
    ws = openpyxl.load_workbook(lo_convert(out, tmp_path / "lo"))["POA&M"]
    d = report.derived.iloc[0]
    assert ws[item_ref(1, "due_date")].value == d["due_date"].to_pydatetime()
    assert ws[item_ref(1, "days_open")].value == d["days_open"]
    assert ws[item_ref(1, "due_date")].comment is not None


def test_cli_update(xlsm: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli.xlsm"
    res = runner.invoke(app, ["update", str(xlsm), "--output", str(out), "--as-of", "2026-11-25"])
    assert res.exit_code == 0, res.output
    assert "8 item rows" in res.output and "dashboard refreshed" in res.output
    assert out.exists()
    res = runner.invoke(app, ["update", str(xlsm)])
    assert res.exit_code == 2 and "--in-place" in res.output
    res = runner.invoke(app, ["update", str(xlsm), "--in-place", "--sort", "alphabet"])
    assert res.exit_code == 2 and "--sort" in res.output


def test_realworld_emass_xlsm(tmp_path: Path) -> None:
    saf = REALWORLD / "workbooks" / "saf__converted-RHEL8V1R3.ckl-2026-03-03-0034.xlsm"
    require_shared(saf)
    before = sha256(saf)
    out = tmp_path / "saf.xlsm"
    result = update_workbook(saf, out, validate(saf, profile="emass", as_of=AS_OF))
    assert sha256(saf) == before
    assert "Days Open" in result.missing and not result.dashboard  # reported, not invented
    with zipfile.ZipFile(saf) as za, zipfile.ZipFile(out) as zb:
        assert za.read("xl/vbaProject.bin") == zb.read("xl/vbaProject.bin")
    ws = openpyxl.load_workbook(out, keep_vba=True)["POA&M"]
    assert ws["H8"].value == "3/03/2027"  # a typed (text) Milestone Date is never overwritten
    assert ws.max_column == openpyxl.load_workbook(saf)["POA&M"].max_column


def test_fedramp_items_are_updated_on_their_own_sheets(tmp_path):
    """Closed-sheet items are written on the Closed sheet, never at a synthetic row."""
    import openpyxl

    from poam_xl.validation import validate as run

    src = official_book(tmp_path / "fr.xlsx", "fedramp", sample=12)
    wb = openpyxl.load_workbook(src)
    wb["Open POA&M Items"]["L6"] = None  # an open item with no Scheduled Completion Date
    wb.save(src)
    report = run(src, profile="fedramp", as_of=AS_OF)
    out = tmp_path / "up.xlsx"
    result = update_workbook(src, out, report)
    got = openpyxl.load_workbook(out)
    for ws in got:
        assert ws.max_row < 1000, (ws.title, ws.max_row)
    assert result.proposed == 1 and got["Open POA&M Items"]["L6"].value is not None
    assert run(out, profile="fedramp", as_of=AS_OF).status != "unreadable"


def test_macro_workbook_must_keep_xlsm_and_wrong_template_is_explained(tmp_path):
    from poam_xl.errors import WorkbookError, WriteError
    from poam_xl.validation import validate as run
    from poam_xl.xlsm import build_xlsm

    xlsm = build_xlsm(tmp_path / "b.xlsm", sample_items=3, as_of=AS_OF)
    report = run(xlsm, as_of=AS_OF)
    with pytest.raises(WriteError, match=r"\.xlsm"):
        update_workbook(xlsm, tmp_path / "out.xlsx", report)
    assert not (tmp_path / "out.xlsx").exists()
    fr = official_book(tmp_path / "fr.xlsx", "fedramp", sample=2)
    with pytest.raises(WorkbookError, match="--profile fedramp"):
        update_workbook(fr, tmp_path / "x.xlsx", run(fr, as_of=AS_OF, profile="dss"))


def test_output_naming_the_input_is_refused_not_an_in_place_write(tmp_path: Path) -> None:
    """`update X --output X` (or a link to X) never rewrites X: in place is --in-place only."""
    src = make_book(tmp_path / "poam.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(src)
    before = sha256(src)
    for out in (src, link, tmp_path / "." / "poam.xlsx"):
        result = CliRunner().invoke(app, ["update", str(src), "--output", str(out),
                                          "--as-of", "2026-11-25"])
        assert result.exit_code != 0, out
        assert "refusing to overwrite" in result.output and "--in-place" in result.output
        assert "Traceback" not in result.output
    assert sha256(src) == before and link.is_symlink()


def _macro_enabled_without_vba(path: Path) -> Path:
    """An .xlsm as Excel saves a workbook with no macros: macro-enabled content type, no VBA."""
    plain = make_book(path.with_suffix(".plain.xlsx"))
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml",
                                    b"PLACEHOLDER").replace(
                    b"application/vnd.openxmlformats-officedocument.PLACEHOLDER",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                assert b"macroEnabled" in data
            zout.writestr(name, data)
    return path


def test_a_macro_enabled_workbook_without_vba_is_written_back_as_xlsm(tmp_path: Path) -> None:
    """The content type decides .xlsm vs .xlsx (what Excel checks), not a VBA project."""
    from poam_xl.write import macro_enabled

    src = _macro_enabled_without_vba(tmp_path / "novba.xlsm")
    assert macro_enabled(src) and not macro_enabled(tmp_path / "novba.plain.xlsx")
    run = CliRunner().invoke
    refused = run(app, ["update", str(src), "--output", str(tmp_path / "out.xlsx"),
                        "--as-of", "2026-11-25"])
    assert refused.exit_code != 0 and "name the output .xlsm" in refused.output
    assert not (tmp_path / "out.xlsx").exists()
    ok = run(app, ["update", str(src), "--output", str(tmp_path / "out.xlsm"), "--as-of", "2026-11-25"])
    assert ok.exit_code == 0, ok.output
    assert macro_enabled(tmp_path / "out.xlsm")
    assert run(app, ["update", str(src), "--in-place", "--as-of", "2026-11-25"]).exit_code == 0
    assert macro_enabled(src)
    assert openpyxl.load_workbook(src, keep_vba=True)["POA&M"].max_row > 10
    plain_named_xlsm = run(app, ["update", str(tmp_path / "novba.plain.xlsx"), "--output",
                                 str(tmp_path / "p.xlsm"), "--as-of", "2026-11-25"])
    assert plain_named_xlsm.exit_code != 0 and "name the output .xlsx" in plain_named_xlsm.output


def _with_content_type(path: Path, content_type: bytes) -> Path:
    """A copy of a plain workbook whose workbook part has ``content_type``."""
    plain = make_book(path.with_suffix(".src.xlsx"))
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "[Content_Types].xml":
                old = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
                assert old in data
                data = data.replace(old, content_type)
            zout.writestr(name, data)
    return path


@pytest.mark.parametrize(("content_type", "kind"), [
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", ".xltx"),
    (b"application/vnd.ms-excel.template.macroEnabled.main+xml", ".xltm"),
    (b"application/vnd.ms-excel.sheet.macroEnabled.main+XML", ".xlsm"),  # another letter case
    (b"application/vnd.ms-excel.SHEET.macroenabled.main+xml", ".xlsm"),
])
def test_the_output_must_carry_the_extension_of_the_workbook_kind(
        tmp_path: Path, content_type: bytes, kind: str) -> None:
    """Excel refuses a template named .xlsx and a workbook named .xltx (ECMA-376 content
    types): every wrong extension is refused in one line, the right one is written."""
    from poam_xl.write import workbook_kind

    src = _with_content_type(tmp_path / f"book{kind}", content_type)
    assert workbook_kind(src) == kind
    run = CliRunner().invoke
    for wrong in {".xlsx", ".xlsm", ".xltx", ".xltm"} - {kind}:
        out = tmp_path / f"out{wrong}"
        res = run(app, ["update", str(src), "--output", str(out), "--as-of", "2026-11-25"])
        assert res.exit_code != 0 and f"name the output {kind}" in res.output, (wrong, res.output)
        assert not out.exists() and "Traceback" not in res.output
    ok = run(app, ["update", str(src), "--output", str(tmp_path / f"out{kind}"),
                   "--as-of", "2026-11-25"])
    assert ok.exit_code == 0, ok.output
    assert workbook_kind(tmp_path / f"out{kind}") == kind


def test_a_hard_link_to_the_input_is_not_an_output(tmp_path: Path) -> None:
    """`update X --output H` where H is a hard link to X would replace X's name's data in
    place without the in-place safety: refused, the input untouched."""
    src = make_book(tmp_path / "x.xlsx")
    link = tmp_path / "h.xlsx"
    os.link(src, link)
    before = sha256(src)
    run = CliRunner().invoke
    res = run(app, ["update", str(src), "--output", str(link), "--force", "--as-of", "2026-11-25"])
    assert res.exit_code != 0 and "--in-place" in res.output, res.output
    converted = run(app, ["convert", str(src), str(link), "--force"])
    assert converted.exit_code != 0 and "overwrite the input" in converted.output, converted.output
    assert sha256(src) == before and os.stat(src).st_nlink == 2


def test_a_kind_declared_by_default_content_type_is_read(tmp_path: Path) -> None:
    """OPC lets <Default Extension="xml"> type the workbook part: still macro-enabled."""
    from poam_xl.write import workbook_kind

    plain = make_book(tmp_path / "p.xlsx")
    src = tmp_path / "d.xlsm"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(b'<Override PartName="/xl/workbook.xml" ContentType="'
                                    b'application/vnd.openxmlformats-officedocument.spreadsheetml'
                                    b'.sheet.main+xml"/>', b"")
                data = data.replace(b'<Default Extension="xml" ContentType="application/xml"/>',
                                    b'<Default Extension="xml" ContentType="application/'
                                    b'vnd.ms-excel.sheet.macroEnabled.main+xml"/>')
                assert b"macroEnabled" in data and b"/xl/workbook.xml" not in data
            zout.writestr(name, data)
    assert workbook_kind(src) == ".xlsm" and workbook_kind(plain) == ".xlsx"


def test_a_feedback_copy_takes_the_extension_of_the_kind(tmp_path: Path) -> None:
    """A plain workbook someone named .xlsm: its feedback copy is .xlsx (Excel opens it)."""
    src = tmp_path / "wrongname.xlsm"
    make_book(tmp_path / "w.xlsx").rename(src)
    res = CliRunner().invoke(app, ["validate", str(src), "--annotate", "--output",
                                   str(tmp_path / "out"), "--as-of", "2026-11-25"])
    assert "Traceback" not in res.output
    copies = sorted(p.name for p in (tmp_path / "out").glob("*-feedback.*"))
    assert copies == ["wrongname-feedback.xlsx"], (copies, res.output)
    assert openpyxl.load_workbook(tmp_path / "out" / copies[0]).sheetnames[-1] == "Findings"


def test_a_reviewers_note_on_a_due_date_cell_survives_every_update(tmp_path: Path) -> None:
    from tests.helpers import item_ref, make_book

    ref = item_ref(2, "due_date")

    def note(wb: openpyxl.Workbook) -> None:
        wb["POA&M"][ref].comment = Comment("my own note on due date", "Rev")

    book = make_book(tmp_path / "in.xlsx", sample=3, edit=note)
    once, twice = tmp_path / "u1.xlsx", tmp_path / "u2.xlsx"
    runner = CliRunner()
    for src, dst, day in ((book, once, "2026-11-25"), (once, twice, "2026-11-26")):
        result = runner.invoke(app, ["update", str(src), "-o", str(dst), "--as-of", day])
        assert result.exit_code == 0, result.output
    for path, day in ((once, "2026-11-25"), (twice, "2026-11-26")):
        text = openpyxl.load_workbook(path)["POA&M"][ref].comment.text
        ours, _, theirs = text.partition("\n---\n")
        assert ours.startswith("due ") and ours.endswith(f"as of {day}")
        assert theirs == "my own note on due date"  # once, below ours, after two updates
