"""`poam-xl diff`: two crafted versions give every change kind exactly once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from poam_xl import diff as d
from poam_xl import template
from poam_xl.cli import app
from tests.helpers import AS_OF, item_ref, make_book, official_book


def _edit_new(wb) -> None:
    ws = wb["POA&M"]

    def put(item: int, key: str, value: object) -> None:
        ws[item_ref(item, key)] = value

    assert ws[item_ref(1, "status")].value == "Open"
    put(1, "status", "Closed")  # closed
    put(7, "status", "Open")  # reopened (was Closed)
    put(8, "status", "In Progress")  # status changed (Open -> In Progress)
    put(6, "risk_level", "High")  # risk raised (Medium)
    put(5, "risk_level", "Low")  # risk lowered (Medium)
    put(11, "issm_approval", "Yes")  # approval gained (Pending)
    ms3 = ws[item_ref(3, "milestone_date")].value
    put(3, "milestone_date", ms3 + dt.timedelta(days=20))  # slipped, explained twice
    put(
        3,
        "milestone_changes",
        "2026-10-01: +10 days, vendor delay\n2026-11-01: +10 days, parts (ISSM ok)",
    )
    ms10 = ws[item_ref(10, "milestone_date")].value
    put(10, "milestone_date", ms10 - dt.timedelta(days=5))  # brought forward, unexplained
    put(4, "milestone_date", "TBD")  # a date turned into text, explained
    put(4, "milestone_changes", "2026-11-20: date withdrawn until the vendor answers")
    put(2, "date_identified", ws[item_ref(2, "date_identified")].value - dt.timedelta(days=30))
    put(9, "description", "Wireless access point found in the closed area")  # number re-used
    # item 12 renumbered to 14: same row, same description
    put(12, "item_number", 14)
    put(6, "owner", "B. Kim (new ISSO)")  # edited: a plain field, not a lifecycle change


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old = make_book(tmp_path / "old.xlsx", sample=12)
    new = make_book(tmp_path / "new.xlsx", sample=12, edit=_edit_new)
    return old, new


def test_each_change_kind_exactly_once(versions: tuple[Path, Path]) -> None:
    result = d.diff_files(*versions, as_of=AS_OF)
    assert result.counts() == {k: 1 for k in d.KINDS}
    by_kind = {c.kind: c for c in result.changes}
    assert by_kind["deleted"].item == 9 and by_kind["deleted"].severity == "error"
    assert by_kind["deleted"].rule == "diff.item-deleted"
    # each change names the item's row: the old version's for a deleted item (item 9 = row 20)
    assert by_kind["deleted"].row == template.FIRST_ROW + 8
    assert all(c.row for c in by_kind.values())
    assert by_kind["added"].item == 9 and "Wireless" in by_kind["added"].message
    assert [by_kind[k].item for k in ("closed", "reopened", "status_changed")] == [1, 7, 8]
    assert [by_kind[k].item for k in ("risk_raised", "risk_lowered", "approval_gained")] == [
        6,
        5,
        11,
    ]
    slip = by_kind["milestone_slipped"]
    assert (slip.item, slip.days, slip.times) == (3, 20, 2)
    adv = by_kind["milestone_advanced"]
    assert (adv.item, adv.days) == (10, -5)
    assert by_kind["milestone_unexplained"].item == 10
    assert by_kind["milestone_unexplained"].severity == "warning"
    changed = by_kind["milestone_changed"]
    assert (changed.item, changed.days, changed.times) == (4, None, 1)
    assert "is no longer a date" in changed.message and "'TBD'" in changed.message
    assert by_kind["date_changed"].item == 2 and "Date Identified changed" in (
        by_kind["date_changed"].message)
    ren = by_kind["renumbered"]
    assert (ren.old_item, ren.item) == (12, 14)
    edited = by_kind["edited"]
    assert edited.item == 6 and edited.message.endswith("-> 'B. Kim (new ISSO)'")
    assert edited.message.startswith("item 6: Responsible Owner ")
    assert result.errors == 1


def test_unexplained_slip_and_no_changes(tmp_path: Path) -> None:
    old = make_book(tmp_path / "old.xlsx", sample=6)

    def slip(wb) -> None:
        c = wb["POA&M"][item_ref(2, "milestone_date")]
        c.value = c.value + dt.timedelta(days=45)

    new = make_book(tmp_path / "new.xlsx", sample=6, edit=slip)
    result = d.diff_files(old, new, AS_OF)
    assert [(c.kind, c.item, c.days, c.times) for c in result.changes] == [
        ("milestone_unexplained", 2, 45, None),
        ("milestone_slipped", 2, 45, None),
    ]
    assert d.diff_files(old, old, AS_OF).changes == []


def test_a_removed_or_unreadable_date_is_a_change(tmp_path: Path) -> None:
    """Review: a Milestone Date set to "TBD" or cleared gave "0 changes"; so did the other
    dates diff compares."""
    old = make_book(tmp_path / "old.xlsx", sample=12)

    def blank(wb) -> None:
        ws = wb["POA&M"]
        ws[item_ref(1, "milestone_date")] = "TBD"
        ws[item_ref(2, "milestone_date")] = None
        ws[item_ref(7, "dss_date")] = None  # item 7: Closed, approved by DSS
        ws[item_ref(7, "completion_date")] = "sometime in September"

    new = make_book(tmp_path / "new.xlsx", sample=12, edit=blank)
    result = d.diff_files(old, new, AS_OF)
    got = [(c.kind, c.item, c.severity, c.moved) for c in result.changes]
    old_ms = load_workbook(old)["POA&M"]
    ms1 = old_ms[item_ref(1, "milestone_date")].value.date().isoformat()
    ms2 = old_ms[item_ref(2, "milestone_date")].value.date().isoformat()
    assert got == [
        ("milestone_unexplained", 1, "warning", f"{ms1} -> 'TBD'"),
        ("milestone_unexplained", 2, "warning", f"{ms2} -> blank"),
        ("milestone_changed", 1, "info", f"{ms1} -> 'TBD'"),
        ("milestone_changed", 2, "info", f"{ms2} -> blank"),
        ("date_changed", 7, "info", "2026-09-05 -> blank"),
        ("date_changed", 7, "info", "2026-09-03 -> 'sometime in September'"),
    ]
    assert [c.message for c in result.changes][4:] == [
        "item 7 DSS Approval Date removed (2026-09-05 -> blank)",
        "item 7 Completion Date is no longer a date (2026-09-03 -> 'sometime in September')"]
    # and back: a date set where there was text or nothing is a change, but nothing moved away
    back = d.diff_files(new, old, AS_OF)
    assert [(c.kind, c.item) for c in back.changes] == [
        ("milestone_changed", 1), ("milestone_changed", 2), ("date_changed", 7),
        ("approval_gained", 7)]
    assert "Milestone Date set ('TBD' -> " in back.changes[0].message


def test_similarity_matching_survives_renumbering(tmp_path: Path) -> None:
    old = make_book(tmp_path / "old.xlsx", sample=5)

    def shift(wb) -> None:
        ws = wb["POA&M"]
        for i in range(1, 6):
            ws[item_ref(i, "item_number")] = 100 + i

    new = make_book(tmp_path / "new.xlsx", sample=5, edit=shift)
    result = d.diff_files(old, new, AS_OF)
    assert result.counts() == {"renumbered": 5} and result.errors == 0


def test_cli_formats_and_exit_codes(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    runner = CliRunner()
    table = runner.invoke(app, ["diff", str(old), str(new), "--as-of", AS_OF.isoformat()])
    assert table.exit_code == 1, table.output  # a deleted item is an error
    assert "deleted" in table.output and "item 9" in table.output
    js = runner.invoke(
        app, ["diff", str(old), str(new), "--format", "json", "--as-of", AS_OF.isoformat()]
    )
    doc = json.loads(js.output)
    assert doc["errors"] == 1 and doc["counts"]["milestone_slipped"] == 1
    out = tmp_path / "diff.xlsx"
    xl = runner.invoke(
        app,
        ["diff", str(old), str(new), "-f", "xlsx", "-o", str(out), "--as-of", AS_OF.isoformat()],
    )
    assert xl.exit_code == 1 and out.is_file()
    ws = load_workbook(out)["Changes"]
    assert ws.max_row == 1 + len(d.KINDS)
    same = runner.invoke(app, ["diff", str(old), str(old), "--as-of", AS_OF.isoformat()])
    assert same.exit_code == 0 and "0 changes" in same.output
    bad = runner.invoke(app, ["diff", str(old), str(new), "-f", "xml"])
    assert bad.exit_code == 2


def test_diff_reads_other_templates_with_a_profile(tmp_path: Path) -> None:
    import openpyxl

    old = official_book(tmp_path / "a.xlsx", "fedramp", sample=6)
    wb = openpyxl.load_workbook(old)
    ws = wb["Open POA&M Items"]
    col = next(c.column for c in ws[5] if c.value == "Original Risk Rating")
    ws.cell(6, col).value = "High" if ws.cell(6, col).value != "High" else "Low"
    wb.save(tmp_path / "b.xlsx")
    result = d.diff_files(old, tmp_path / "b.xlsx", AS_OF, profile="fedramp")
    assert [(c.kind, c.item, c.row) for c in result.changes if c.kind.startswith("risk_")] == [
        (result.changes[0].kind, 1, 6)]


def test_text_item_ids_are_matched_and_named(tmp_path: Path) -> None:
    """A FedRAMP-style sheet keyed by text POAM IDs: diff names V-102 deleted and V-103 added
    (it used to stop on int('V-101'))."""
    import openpyxl

    from poam_xl.diff import diff_files

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "POAM"
    for row in (["Weakness", "POAM ID", "Risk", "Status"], ["OpenSSL outdated", "V-101", "High",
                "Open"], ["TLS weak", "V-102", "Moderate", "Open"]):
        ws.append(row)
    wb.save(tmp_path / "old.xlsx")
    ws.delete_rows(3)
    ws.append(["New one", "V-103", "Low", "Open"])
    wb.save(tmp_path / "new.xlsx")
    result = diff_files(tmp_path / "old.xlsx", tmp_path / "new.xlsx")
    assert sorted((c.kind, c.item) for c in result.changes) == [("added", "V-103"),
                                                               ("deleted", "V-102")]


def test_edits_of_numbered_and_text_ids_sort_together(tmp_path: Path) -> None:
    """Item ids 4 and "A-3" in one workbook (a generic layout keeps text ids as text): both
    edits reported, numbers first (sorting them used to compare int with str)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "POAM"
    ws.append(["ID", "Weakness", "Risk", "Status", "Owner"])
    ws.append(["A-3", "first", "High", "Open", "Ann"])
    ws.append([4, "second", "Low", "Open", "Bob"])
    wb.save(tmp_path / "old.xlsx")
    ws["E2"], ws["E3"] = "Cid", "Dee"
    wb.save(tmp_path / "new.xlsx")
    result = d.diff_files(tmp_path / "old.xlsx", tmp_path / "new.xlsx", AS_OF)
    assert [(c.kind, c.item) for c in result.changes] == [("edited", 4), ("edited", "A-3")]


def test_a_text_item_number_on_a_dss_sheet_is_named_by_its_text(tmp_path: Path) -> None:
    """Item Number "A-3" on the DSS form (no whole number: read as its text): diff matches and
    names the item "A-3" (it said "item None")."""

    def text_id(wb) -> None:
        wb["POA&M"][item_ref(1, "item_number")] = "A-3"

    def text_id_edited(wb) -> None:
        text_id(wb)
        wb["POA&M"][item_ref(1, "owner")] = "Zed"

    old = make_book(tmp_path / "old.xlsx", sample=3, edit=text_id)
    new = make_book(tmp_path / "new.xlsx", sample=3, edit=text_id_edited)
    result = d.diff_files(old, new, AS_OF)
    assert [(c.kind, c.item) for c in result.changes] == [("edited", "A-3")]
