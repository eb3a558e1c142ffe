"""Nothing silently dropped: unparsed values keep their text, kept columns come back, --strict
lists every loss; your own mapping (--map / --mapping / --save-mapping); the mapping report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from poam_xl import usermap
from poam_xl.cli import app
from poam_xl.errors import UsageError
from tests.helpers import SHARED
from tests.layout_corpus import CASES

HUMAN = SHARED / "cases" / "desk" / "a-filled-human.xlsx"
BY_NAME = {c.name: c for c in CASES}


def run(*args: object) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize(("to", "suffix", "extra"), [
    ("json", ".json", []), ("csv", ".csv", []), ("oscal", ".json", []),
    ("fedramp", ".xlsx", []), ("emass", ".xlsx", []), ("emass", ".xlsx", ["--layout", "navy"]),
])
def test_case_tbd_survives_a_round_trip_through_every_format(
        to: str, suffix: str, extra: list[str], tmp_path: Path) -> None:
    x, back = tmp_path / f"x{suffix}", tmp_path / "back.xlsx"
    code, _out, err = run("convert", HUMAN, x, "--to", to, *extra, "--as-of", "2026-11-30")
    assert code == 0, err
    code, _out, err = run("convert", x, back, "--as-of", "2026-11-30")
    assert code == 0, err
    wb = openpyxl.load_workbook(back)
    assert wb["POA&M"]["E14"].value == "TBD" and wb["Milestones"]["C2"].value == "TBD"
    # the text is back in its cell, not left in Comments as well
    assert "TBD" not in str(wb["POA&M"][f"{_col(wb, 'Comments')}14"].value or "")


def _col(wb: openpyxl.Workbook, header: str) -> str:
    ws = wb["POA&M"]
    row = next(r for r in ws.iter_rows(max_row=20) if any(c.value == "Item Number" for c in r))
    return next(c.column_letter for c in row if c.value == header)


def test_case_strict_lists_both_cells_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "y.json"
    code, _out, err = run("convert", HUMAN, out, "--strict")
    assert code == 1 and not out.exists() and not list(tmp_path.iterdir())
    assert "POA&M!E14" in err and "Milestones!C2" in err and "TBD" in err


def test_strict_passes_a_clean_conversion(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "workbook" / "poam-sample.xlsx"
    code, _out, err = run("convert", sample, tmp_path / "s.json", "--strict")
    assert code == 0, err
    assert (tmp_path / "s.json").exists()


def test_kept_columns_come_back_as_columns(tmp_path: Path) -> None:
    src = BY_NAME["generic-tbd-kept-columns"].build(tmp_path)
    x, back = tmp_path / "k.json", tmp_path / "k.xlsx"
    assert run("convert", src, x)[0] == 0
    doc = json.loads(x.read_text())
    assert "[column Internal Ticket] INC-20417" in doc["items"][0]["comments"]
    assert run("convert", x, back)[0] == 0
    ws = openpyxl.load_workbook(back)["POA&M"]
    head = next(r for r in ws.iter_rows(max_row=20) if any(c.value == "Item Number" for c in r))
    cols = {c.value: c.column_letter for c in head if c.value}
    assert "Internal Ticket" in cols and "Cost Center" in cols
    first = head[0].row + 1
    assert ws[f"{cols['Internal Ticket']}{first}"].value == "INC-20417"


def test_validate_json_has_the_mapping_and_show_mapping_prints_it(tmp_path: Path) -> None:
    src = BY_NAME["generic-header-row9"].build(tmp_path)
    code, out, _ = run("validate", src, "--format", "json", "--as-of", "2026-11-25")
    f = json.loads(out)["files"][0]
    assert f["template"] == "generic" and f["profile"] == "generic"
    by_header = {m["header"]: m for m in f["mapping"]}
    assert by_header["Weakness or Deficiency"]["field"] == "description"
    assert by_header["Estimated Cost"]["field"] is None and by_header["Estimated Cost"]["kept"]
    code, out, _ = run("validate", src, "--show-mapping", "--as-of", "2026-11-25")
    assert "POAM!B  Weakness or Deficiency -> description" in out
    assert "Estimated Cost -> kept (no field)" in out


def test_your_own_mapping_wins_and_is_saved(tmp_path: Path) -> None:
    src = BY_NAME["generic-header-row9"].build(tmp_path)
    saved = tmp_path / "m.toml"
    code, out, err = run("validate", src, "--format", "json", "--map", "Estimated Cost=resources",
                         "--map", "Resources Required=keep", "--save-mapping", saved)
    by_header = {m["header"]: m["field"] for m in json.loads(out)["files"][0]["mapping"]}
    assert by_header["Estimated Cost"] == "resources" and by_header["Resources Required"] is None
    again = usermap.parse([], saved)
    assert dict(again)["estimatedcost"] == "resources" and dict(again)["resourcesrequired"] is None
    yaml_file = tmp_path / "m.yaml"
    yaml_file.write_text("mapping:\n  Estimated Cost: assets\n", encoding="utf-8")
    _c, out, _e = run("validate", src, "--format", "json", "--mapping", yaml_file)
    by_header = {m["header"]: m["field"] for m in json.loads(out)["files"][0]["mapping"]}
    assert by_header["Estimated Cost"] == "assets"


@pytest.mark.parametrize("verb", ["validate", "convert"])
def test_a_mapping_header_no_column_has_is_said_not_ignored(verb: str, tmp_path: Path) -> None:
    src = BY_NAME["generic-header-row9"].build(tmp_path)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"mapping": {"Estimated  COST": "assets",
                                               "Remediation Budget": "resources"}}))
    tail = [tmp_path / "out.json"] if verb == "convert" else ["--format", "json"]
    code, out, err = run(verb, src, *tail, "--mapping", mapping, "--map", "Ticket Ref=comments")
    assert code in (0, 1), err
    warned = [line for line in err.splitlines() if "warning: --map" in line]
    assert len(warned) == 1 and str(src) in warned[0]
    assert "'Remediation Budget'" in warned[0] and "'Ticket Ref'" in warned[0]  # as typed
    assert "Estimated" not in warned[0]  # matched (case and spaces aside): not named
    if verb == "validate":
        by_header = {m["header"]: m["field"] for m in json.loads(out)["files"][0]["mapping"]}
        assert by_header["Estimated Cost"] == "assets"
    code, _out, err = run(verb, src, *tail, "--map", "Estimated Cost=resources")
    assert "warning: --map" not in err


@pytest.mark.parametrize("bad", ["no-equals", "=description", "Header=not_a_field"])
def test_bad_mappings_are_one_line_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        usermap.parse([bad])
    code, _out, err = run("validate", HUMAN, "--map", bad)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_import_strict_refuses_an_unmapped_severity(tmp_path: Path) -> None:
    from tests.helpers import make_book

    book = make_book(tmp_path / "p.xlsx", sample=2)
    scan = tmp_path / "scan.csv"
    scan.write_text("ID,Title,Severity\nF-1,Open SMB share,Extreme\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    args = ("import", scan, "--into", book, "-o", out, "--map",
            "source_id=ID,description=Title,risk_level=Severity")
    code, _o, err = run(*args, "--strict")
    assert code == 1 and not out.exists() and "Extreme" in err
    assert run(*args)[0] == 0 and out.exists()


def test_kept_columns_keep_their_types_and_are_reported(tmp_path: Path) -> None:
    """A kept number column stays numbers and a kept date column dates through DSS -> JSON
    -> DSS; the conversion lists each kept column (never silently carried)."""
    import datetime as dt

    from tests.helpers import make_book

    def extra(wb: openpyxl.Workbook) -> None:
        ws = wb["POA&M"]
        row = next(r for r in ws.iter_rows(max_row=20) if any(c.value == "Item Number" for c in r))
        last = max(c.column for c in row if c.value) + 1
        ws.cell(row[0].row, last, "Cost Center")
        ws.cell(row[0].row, last + 1, "Ticket Opened")
        ws.cell(row[0].row, last + 2, "Ticket")
        ws.cell(row[0].row, last + 3, "Ref")
        for i in range(1, 5):
            ws.cell(row[0].row + i, last, 4710 + i)
            ws.cell(row[0].row + i, last + 1, dt.date(2026, 1, i))
            ws.cell(row[0].row + i, last + 2, f"00{i}")  # text that looks like a number
        # text that reads as a number or an ISO date, and text led by an apostrophe
        for i, ref in enumerate(("4711", "2026-01-05", "'quoted", "2.5"), start=1):
            ws.cell(row[0].row + i, last + 3, ref).data_type = "s"

    src = make_book(tmp_path / "extra.xlsx", sample=4, edit=extra)
    x, back = tmp_path / "x.json", tmp_path / "back.xlsx"
    code, out, _ = run("convert", src, x)
    assert code == 0
    assert "kept in Comments: Cost Center (4 items)" in out
    assert "kept in Comments: Ticket Opened (4 items)" in out
    assert run("convert", x, back)[0] == 0
    ws = openpyxl.load_workbook(back)["POA&M"]
    head = next(r for r in ws.iter_rows(max_row=20) if any(c.value == "Item Number" for c in r))
    cols = {c.value: c.column for c in head if c.value}
    first = head[0].row + 1
    assert [ws.cell(first + i, cols["Cost Center"]).value for i in range(4)] == [4711, 4712, 4713,
                                                                               4714]
    opened = ws.cell(first, cols["Ticket Opened"])
    assert opened.is_date and opened.value.date() == dt.date(2026, 1, 1)
    assert ws.cell(first, cols["Ticket"]).value == "001"
    refs = [ws.cell(first + i, cols["Ref"]).value for i in range(4)]
    assert refs == ["4711", "2026-01-05", "'quoted", "2.5"]  # text stays text, exactly


@pytest.mark.parametrize(("to", "suffix"), [("json", ".json"), ("csv", ".csv"), ("oscal", ".json"),
                                            ("fedramp", ".xlsx"), ("emass", ".xlsx")])
def test_item_numbers_that_are_no_whole_numbers_keep_one_milestone_each(
        to: str, suffix: str, tmp_path: Path) -> None:
    """Item Numbers "1.10", "1.2", "A-3" are no numbers: their milestones still go with their
    own item only (they used to be given to every item without a number)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "POA&M"
    ws.append(["Item Number", "Non-Compliance Description", "C/W/S", "Status", "Risk Level",
               "Date Identified"])
    for n in ("1.10", "1.2", "A-3", 4):
        ws.append([n, f"desc {n}", "AC-1", "Open", "High", dt.date(2026, 1, 5)])
    ms = wb.create_sheet("Milestones")
    ms.append(["Item Number", "Milestone", "Planned Date", "Status", "Completed Date",
               "Changes / Notes"])
    ms.append(["1.10", "ms for 1.10", dt.date(2026, 2, 1), "Pending", None, None])
    ms.append([4, "ms for 4", dt.date(2026, 2, 1), "Pending", None, None])
    src, x, back = tmp_path / "in.xlsx", tmp_path / f"x{suffix}", tmp_path / "back.xlsx"
    wb.save(src)
    assert run("convert", src, x, "--to", to)[0] == 0
    assert run("convert", x, back)[0] == 0
    rows = [r for r in openpyxl.load_workbook(back)["Milestones"].iter_rows(min_row=2,
                                                                            values_only=True)
            if any(v is not None for v in r)]
    assert sorted(r[1] for r in rows) == ["ms for 1.10", "ms for 4"]


@pytest.mark.parametrize(("to", "suffix"), [("fedramp", ".xlsx"), ("emass", ".xlsx"),
                                            ("oscal", ".json"), ("csv", ".csv")])
def test_a_policy_the_target_cannot_hold_is_reported_and_strict_refuses(
        to: str, suffix: str, tmp_path: Path) -> None:
    from tests.helpers import make_book

    def edit(wb: openpyxl.Workbook) -> None:
        wb["Policy"]["B4"], wb["Policy"]["B7"] = 15, "business"

    src = make_book(tmp_path / "in.xlsx", sample=3, edit=edit)
    code, out, err = run("convert", src, tmp_path / f"x{suffix}", "--to", to)
    assert code == 0, err
    assert "dropped (no home in the target): Policy: High risk: days allowed" in out
    assert "dropped (no home in the target): Policy: Day count" in out
    code, out, err = run("convert", src, tmp_path / f"s{suffix}", "--to", to, "--strict")
    assert code == 1 and "Policy: Day count: 'business'" in out + err
    assert not (tmp_path / f"s{suffix}").exists()
    # JSON carries the policy: nothing to report
    code, out, _err = run("convert", src, tmp_path / "j.json")
    assert code == 0 and "Policy:" not in out


def test_a_kept_column_on_an_item_without_a_whole_number(tmp_path: Path) -> None:
    """Item Number "A-3" and a column no field takes: the conversion reports the kept value
    (item unknown), never an internal error."""
    from tests.helpers import item_ref, make_book

    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["POA&M"]
        ws[item_ref(1, "item_number")] = "A-3"
        ws.cell(row=11, column=40, value="Ticket")
        ws.cell(row=12, column=40, value="TCK-1")

    src = make_book(tmp_path / "in.xlsx", sample=3, edit=edit)
    code, out, err = run("convert", src, tmp_path / "x.json", "--report", tmp_path / "r.json")
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {"item": None, "field": "Ticket", "value": "TCK-1"}.items() <= next(
        d for d in report["dropped"] if d["field"] == "Ticket").items()


@pytest.mark.parametrize(("to", "suffix"), [("oscal", ".json"), ("fedramp", ".xlsx"),
                                            ("emass", ".xlsx")])
def test_a_milestone_of_no_item_is_reported_where_milestones_live_in_items(
        to: str, suffix: str, tmp_path: Path) -> None:
    from tests.helpers import make_book

    def orphan(wb: openpyxl.Workbook) -> None:
        ms = wb["Milestones"]
        ms.append([99, "Milestone of an item that is not there", dt.date(2026, 12, 1), "Pending"])

    src = make_book(tmp_path / "in.xlsx", sample=3, edit=orphan)
    code, out, err = run("convert", src, tmp_path / f"x{suffix}", "--to", to)
    assert code == 0, err
    assert "dropped (no home in the target): Milestone" in out
    code, out, err = run("convert", src, tmp_path / f"s{suffix}", "--to", to, "--strict")
    assert code == 1 and "Milestone of an item that is not there" in out + err


def test_header_block_text_dates_are_reported_as_dropped(tmp_path: Path) -> None:
    from tests.helpers import header_ref, make_book

    def edit(wb: openpyxl.Workbook) -> None:
        wb["POA&M"][header_ref("poam_date")] = "when funded"

    src = make_book(tmp_path / "in.xlsx", sample=2, edit=edit)
    code, out, err = run("convert", src, tmp_path / "x.json")
    assert code == 0, err
    assert f"dropped (no home in the target): POA&M Date (POA&M!{header_ref('poam_date')})" in out
    code, out, err = run("convert", src, tmp_path / "s.json", "--strict")
    assert code == 1 and "'when funded' has no home in the target (dropped)" in out + err


@pytest.mark.parametrize(("to", "suffix"), [("oscal", ".json"), ("emass", ".xlsx"),
                                            ("fedramp", ".xlsx"), ("json", ".json")])
def test_text_item_ids_come_back_as_they_were(to: str, suffix: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "POA&M"
    ws.append(["Item Number", "Non-Compliance Description", "C/W/S", "Status", "Risk Level",
               "Date Identified"])
    ids = ["POAM-2026-001", "POAM-2026-002", "A-3"]
    for n in ids:
        ws.append([n, f"desc {n}", "AC-1", "Open", "High", dt.date(2026, 1, 5)])
    src, x, back = tmp_path / "in.xlsx", tmp_path / f"x{suffix}", tmp_path / "back.xlsx"
    wb.save(src)
    assert run("convert", src, x, "--to", to)[0] == 0
    assert run("convert", x, back)[0] == 0
    out = openpyxl.load_workbook(back)["POA&M"]
    got = [out.cell(r, 1).value for r in range(12, 15)]
    assert got == ids


def test_strict_loss_lines_name_the_source_cell(tmp_path: Path) -> None:
    from poam_xl.convert import dss
    from poam_xl.convert.run import losses
    from poam_xl.poam import Conversion
    from tests.helpers import header_ref, item_ref, make_book

    poam, _ = dss.read(make_book(tmp_path / "b.xlsx", sample=3))
    put = Conversion(source="b.xlsx", target="x")
    put.dropped += [{"item": 2, "field": "Closure Reason", "value": "x", "kept_in": None},
                    {"item": None, "field": "CAGE Code", "value": "1ABC2", "kept_in": None},
                    {"item": 9, "field": "Closure Reason", "value": "y", "kept_in": None},
                    {"item": None, "field": "Policy: Holidays", "value": "z", "kept_in": None}]
    lines = losses(poam, put)
    assert lines[0].startswith(f"POA&M!{item_ref(2, 'closure_reason')} item 2 Closure Reason: ")
    assert lines[1].startswith(f"POA&M!{header_ref('cage_code')} CAGE Code: ")
    assert lines[2].startswith("item 9 Closure Reason: ")  # no such item: no cell invented
    assert lines[3].startswith("Policy: Holidays: ")
