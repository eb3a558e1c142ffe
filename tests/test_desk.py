"""Desk cases (issue 17): plain values in messages, item names on milestone findings, the source
of every policy number, deferral reasons in Milestone Changes, dates typed as text and their fix,
status counts that add up, the feedback highlight's conditional format. Rendering: test_render."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from lxml import etree
from typer.testing import CliRunner

from poam_xl import dashboard, feedback, validation
from poam_xl.cli import app
from poam_xl.findings import Finding
from poam_xl.update import annotated_copy, update_workbook
from tests.helpers import AS_OF, SHARED, make_book

DESK = SHARED / "cases" / "desk"
LAYOUTS = SHARED / "cases" / "layouts"
RUNNER = CliRunner()
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
CASE_DAY = "2026-11-30"


def _cli(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.stdout


def _validate(path: Path, day: str = CASE_DAY) -> validation.Report:
    return validation.validate(path, as_of=dt.date.fromisoformat(day))


# ---------------------------------------------------------------- 11: plain values
def test_np_int64_case_prints_plain_values():
    code, out = _cli("validate", str(DESK / "b-np-int64-min.xlsx"), "--format", "csv")
    assert code == 1
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["rule"] == "item-number.unique"]
    assert len(rows) == 2
    for r in rows:
        assert r["message"] == "Item Number 1 is used more than once"
        assert (r["value"], r["item"]) == ("1", "1")
    every = list(csv.DictReader(io.StringIO(out)))
    assert not [r for r in every if "np." in r["message"] + r["value"] + r["item"]]
    code, out = _cli("validate", str(DESK / "b-np-int64-min.xlsx"), "--format", "json")
    found = json.loads(out)["files"][0]["findings"]
    unique = [f for f in found if f["rule"] == "item-number.unique"]
    assert [f["item"] for f in unique] == [1, 1] and [f["value"] for f in unique] == ["1", "1"]
    assert all(f["item"] is None or type(f["item"]) in (int, str) for f in found)


def test_a_finding_holds_plain_python_values_whatever_it_is_given():
    f = Finding("x.rule", "error", "m", item=np.int64(4), value=np.float64(2.0))  # type: ignore[arg-type]
    assert (f.item, type(f.item), f.value) == (4, int, "2")
    assert json.dumps(f.to_dict())  # no NumPy scalar left for json


def test_milestone_findings_name_their_item(tmp_path):
    report = _validate(DESK / "a-filled-human.xlsx")
    bad = next(f for f in report.findings if f.where == "Milestones!C2")
    assert (bad.rule, bad.item) == ("date.invalid", 1) and bad.message.startswith("item 1: ")

    def clear_milestone_text(wb):
        wb["Milestones"]["B2"].value = None
    report = validation.validate(make_book(tmp_path / "m.xlsx", edit=clear_milestone_text), as_of=AS_OF)
    hit = next(f for f in report.findings if f.rule == "milestone.milestone.required")
    assert hit.item == 1 and hit.message == "item 1: Milestone is empty"


# ---------------------------------------------------------------- 12: policy sources
def test_blank_policy_value_is_a_finding_and_explanations_name_the_default():
    report = _validate(LAYOUTS / "14-policy-low-blank.xlsx")
    blank = [f for f in report.findings if f.rule == "policy.blank"]
    assert [f.where for f in blank] == ["Policy!B6"]
    assert "180 days (poam-xl default)" in blank[0].message
    explained = report.derived["explanation"]
    risks = report.items["risk_level"]
    assert (risks == "Low").any() and (risks == "High").any()
    for row, text in explained.items():
        if risks[row] == "Low":
            assert "(Low, poam-xl default)" in text and "Policy sheet" not in text, text
        elif risks[row] == "High":
            assert "(High, Policy sheet)" in text, text
    policy = report.summary["policy"]
    assert "Low 180 calendar days (poam-xl default)" in policy
    assert "High 30, Medium 90 calendar days (Policy sheet)" in policy
    code, out = _cli("validate", str(LAYOUTS / "14-policy-low-blank.xlsx"), "--as-of", CASE_DAY,
                     "--format", "json")
    doc = json.loads(out)["files"][0]
    assert any(f["rule"] == "policy.blank" and f["where"] == "Policy!B6" for f in doc["findings"])
    assert all("(Low, Policy sheet)" not in c["explanation"] for c in doc["computed"])


def test_invalid_policy_value_is_not_called_the_policy_sheets_number(tmp_path):
    def thirty(wb):
        wb["Policy"]["B4"].value = "thirty"
    report = validation.validate(make_book(tmp_path / "p.xlsx", edit=thirty), as_of=AS_OF)
    assert [f.where for f in report.findings if f.rule == "policy.invalid"] == ["Policy!B4"]
    assert not [f for f in report.findings if f.rule == "policy.blank"]
    high = report.items.index[report.items["risk_level"] == "High"]
    assert all("(High, poam-xl default)" in report.derived["explanation"][r] for r in high)
    assert "High 30 calendar days (poam-xl default)" in report.summary["policy"]


def test_policy_sources_without_a_policy_sheet_and_with_a_full_one(tmp_path):
    full = validation.validate(make_book(tmp_path / "full.xlsx"), as_of=AS_OF)
    assert full.summary["policy"] == "High 30, Medium 90, Low 180 calendar days (Policy sheet)"

    def drop(wb):
        del wb["Policy"]
    bare = validation.validate(make_book(tmp_path / "bare.xlsx", edit=drop), as_of=AS_OF)
    assert bare.summary["policy"] == "High 30, Medium 90, Low 180 calendar days (poam-xl default)"
    assert all("poam-xl default)" in t for t in bare.derived["explanation"] if t.startswith("due"))

    def no_day_count(wb):
        wb["Policy"]["B7"].value = None
    mixed = validation.validate(make_book(tmp_path / "dc.xlsx", edit=no_day_count), as_of=AS_OF)
    assert [f.where for f in mixed.findings if f.rule == "policy.blank"] == ["Policy!B7"]
    assert "day count calendar (poam-xl default)" in mixed.summary["policy"]
    assert any("Policy sheet; day count: poam-xl default)" in t for t in mixed.derived["explanation"])


# ---------------------------------------------------------------- 13: deferral reasons
def test_deferral_reason_in_milestone_changes_is_accepted(tmp_path):
    report = _validate(DESK / "a-filled-human.xlsx")
    assert not [f for f in report.findings if f.rule == "deferred.reason"]  # item 7: row 18, T18

    def reason_only_in_changes(wb):
        ws = wb["POA&M"]
        ws["X17"].value = ws["P17"].value = None
        ws["T17"].value = "Deferred to FY27: replacement hardware not funded (ISSM approved)"
    report = validation.validate(make_book(tmp_path / "d.xlsx", edit=reason_only_in_changes), as_of=AS_OF)
    assert report.items.loc[17, "status"] == "Deferred"
    assert not [f for f in report.findings if f.rule == "deferred.reason"]


# ---------------------------------------------------------------- 8: dates typed as text
TEXT_DATES = {"POA&M!K12": "3/15/2026", "POA&M!E13": "1/15/2027", "POA&M!E15": "12/10/2026",
              "POA&M!E18": "3/1/2027", "POA&M!K18": "2026-08-03", "Milestones!C4": "12/05/2026"}


def test_dates_typed_as_text_are_one_warning_each():
    report = _validate(DESK / "a-filled-human.xlsx")
    found = {f.where: f for f in report.findings if f.rule == "date.text"}
    assert set(found) == set(TEXT_DATES)
    assert all(f.severity == "warning" and f.value == TEXT_DATES[w] for w, f in found.items())
    assert found["POA&M!K12"].message == ("item 1: Date Identified '3/15/2026' is text, not a date "
                                          "(read as 2026-03-15)")
    assert not any(f.where == "POA&M!E14" and f.rule == "date.text" for f in report.findings)  # 'TBD'


@pytest.fixture(scope="module")
def fixed(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("fix") / "fixed.xlsx"
    code, text = _cli("update", str(DESK / "a-filled-human.xlsx"), "-o", str(out), "--as-of", CASE_DAY,
                      "--fix-text-dates")
    assert code == 0 and "6 text dates rewritten as dates" in text, text
    plain = out.with_name("plain.xlsx")
    assert _cli("update", str(DESK / "a-filled-human.xlsx"), "-o", str(plain), "--as-of", CASE_DAY)[0] == 0
    return out, plain


def test_fix_text_dates_writes_real_dates_in_the_workbooks_format_and_keeps_the_text(fixed):
    out, plain = fixed
    before = openpyxl.load_workbook(DESK / "a-filled-human.xlsx")
    after, untouched = openpyxl.load_workbook(out), openpyxl.load_workbook(plain)
    for where, text in TEXT_DATES.items():
        sheet, ref = where.split("!")
        cell = after[sheet][ref]
        assert cell.is_date and isinstance(cell.value, dt.datetime), where
        assert f"Typed as text: '{text}'" in cell.comment.text
        assert untouched[sheet][ref].value == text  # only with --fix-text-dates
        # the date format the sheet's real dates already use (here the one in the same column)
        letter = ref.rstrip("0123456789")
        formats = {c.number_format for row in before[sheet].iter_rows() for c in row
                   if getattr(c, "is_date", False) and c.column_letter == letter and c.value}
        assert cell.number_format in formats, (where, cell.number_format, formats)
        style, was = cell._style, before[sheet][ref]._style  # only the number format changed
        assert (style.fontId, style.fillId, style.borderId, style.alignmentId) == \
            (was.fontId, was.fillId, was.borderId, was.alignmentId)
    assert after["POA&M"]["K12"].value.date().isoformat() == "2026-03-15"
    assert after["POA&M"]["E14"].value == "TBD"  # not a date: left alone (its finding stays)
    report = _validate(out)
    assert not [f for f in report.findings if f.rule == "date.text"]
    assert any(f.where == "POA&M!E14" and f.rule == "date.invalid" for f in report.findings)


def test_fix_text_dates_touches_nothing_else(fixed):
    out, plain = fixed
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(plain) as b:
        changed = {n for n in a.namelist() if n not in b.namelist() or a.read(n) != b.read(n)}
    # the two sheets holding text dates, the new notes (comments + their VML) and one style
    assert changed <= {"xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/styles.xml",
                       "[Content_Types].xml", "xl/worksheets/_rels/sheet3.xml.rels"} | {
        n for n in changed if n.startswith(("xl/comments", "xl/drawings/commentsDrawing",
                                            "xl/drawings/vmlDrawing"))}, changed
    assert {"xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"} <= changed


# ---------------------------------------------------------------- 7: counts add up
def test_status_counts_add_up_to_the_items(tmp_path):
    out = tmp_path / "u.xlsx"
    code, _ = _cli("update", str(DESK / "a-filled-human.xlsx"), "-o", str(out), "--as-of", CASE_DAY)
    assert code == 0
    ws = openpyxl.load_workbook(out)["Dashboard"]
    table = {ws[f"D{r}"].value: ws[f"E{r}"].value for r in range(5, 5 + len(dashboard.STATUS_ROWS))}
    assert list(table) == list(dashboard.STATUS_ROWS)
    assert ws["B5"].value == 7 and sum(table.values()) == 7 and table[dashboard.BLANK] == 1
    report = _validate(DESK / "a-filled-human.xlsx")
    assert sum(report.summary["by_status"].values()) == report.summary["items"] == 7
    # the old workbook's bar charts now step by whole items
    with zipfile.ZipFile(out) as z:
        units = [etree.fromstring(z.read(n)).xpath("//c:valAx/c:majorUnit/@val", namespaces={
            "c": "http://schemas.openxmlformats.org/drawingml/2006/chart"})
            for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert sorted(u for us in units for u in us) == ["1", "1", "1"]


def test_status_counts_and_axis_steps():
    import pandas as pd

    counts = dashboard.by_status(pd.Series(["Open", None, "  ", "Pending", "Closed", "Open"]))
    assert counts["Open"] == 2 and counts[dashboard.BLANK] == 2 and counts[dashboard.OTHER] == 1
    assert sum(counts.values()) == 6
    assert [dashboard.count_step(n) for n in (0, 3, 8, 9, 17, 41, 81, 161, 1000)] == \
        [1, 1, 1, 2, 5, 10, 20, 50, 200]


# ---------------------------------------------------------------- 5: the highlight's rule
def test_feedback_highlight_is_a_first_conditional_format_that_stops_the_rest(tmp_path):
    src = DESK / "b-feedback-masked.xlsx"
    report = _validate(src, "2026-12-02")
    out = annotated_copy(src, tmp_path / "fb.xlsx", report)
    with zipfile.ZipFile(out) as z:
        sheet = etree.fromstring(z.read("xl/worksheets/sheet2.xml"))
        styles = etree.fromstring(z.read("xl/styles.xml"))
    blocks = sheet.findall("m:conditionalFormatting", NS)
    rules = [(b.get("sqref"), r.get("priority"), r.get("stopIfTrue"), r.get("dxfId"),
              r.findtext("m:formula", namespaces=NS)) for b in blocks for r in b.findall("m:cfRule", NS)]
    first = rules[0]
    assert first[1:3] == ("1", "1") and first[4] == "TRUE"
    assert {"F12", "E13"} <= set(first[0].split())
    marked = {m.cell for m in feedback.marks(report.findings, ["POA&M"]) if m.sheet == "POA&M"}
    assert set(first[0].split()) == marked
    assert [r[1] for r in rules] == [str(i) for i in range(1, len(rules) + 1)]  # order kept
    assert [r[4][:3] for r in rules[1:]] == ["OR(", "AND", "AND"]  # the sheet's own, after ours
    dxf = styles.findall("m:dxfs/m:dxf", NS)[int(first[3])]
    assert dxf.find("m:fill/m:patternFill/m:bgColor", NS).get("rgb") == "FF" + feedback.ERROR
    assert dxf.find("m:border/m:left", NS).get("style") == "medium"


def test_update_with_report_keeps_cf_untouched(tmp_path):
    """update (not the feedback copy) adds no conditional format."""
    src = make_book(tmp_path / "s.xlsx")
    out = update_workbook(src, tmp_path / "o.xlsx", validation.validate(src, as_of=AS_OF)).path
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        cf = [len(etree.fromstring(z.read("xl/worksheets/sheet2.xml")).findall("m:conditionalFormatting",
                                                                                NS)) for z in (a, b)]
    assert cf[0] == cf[1] >= 1


def test_no_numpy_repr_in_any_message_of_the_shared_cases_and_the_demo(tmp_path):
    from poam_xl import demo

    books = sorted(p for p in (SHARED / "cases").rglob("*.xlsx") if "robustness" not in p.parts)
    reports = [_validate(path) for path in books]
    reports += demo.run(tmp_path, AS_OF)  # the demo's flawed copy: the mistakes seen most
    seen = 0
    for report in reports:
        path = report.source
        for f in report.findings:
            text = " ".join(str(x) for x in (f.message, f.hint, f.value, f.item))
            assert "np." not in text and "int64" not in text and "Timestamp(" not in text, (path, f)
            assert f.item is None or type(f.item) in (int, str), (path, f)
            seen += 1
    assert seen > 30


def test_update_sets_each_count_axis_for_the_new_counts(tmp_path):
    """A workbook whose charts step by 1 gets the step its counts need (40 items), and only
    the chart parts whose step changes are rewritten."""
    src = make_book(tmp_path / "forty.xlsx", sample=40)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/charts/chart"):
                data = data.replace(b'<majorUnit val="2"/>', b'<majorUnit val="1"/>').replace(
                    b'<majorUnit val="5"/>', b'<majorUnit val="1"/>')
            zout.writestr(info, data)
    report = validation.validate(stale, as_of=AS_OF)
    steps = dashboard.axis_steps(report.dashboard)
    assert max(steps.values()) > 1, steps
    out = update_workbook(stale, tmp_path / "out.xlsx", report).path
    C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
         "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(stale) as s:
        for name in (n for n in z.namelist() if n.startswith("xl/charts/chart")):
            root = etree.fromstring(z.read(name))
            title = "".join(root.xpath("c:chart/c:title//a:t/text()", namespaces=C))
            if title in steps:
                assert root.xpath("//c:valAx/c:majorUnit/@val", namespaces=C) == [str(steps[title])]
                assert (z.read(name) == s.read(name)) == (steps[title] == 1), title
