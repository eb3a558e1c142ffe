"""FedRAMP template conversion: the real Rev5 template, filled copies, round trips, Rev4, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from poam_xl import kept, model, reader
from poam_xl.convert import fedramp
from poam_xl.convert.fedramp import read_workbook
from poam_xl.errors import PoamXlError
from poam_xl.layouts import fedramp as fr_layout
from poam_xl.records import records
from tests.fedramp_data import (
    CLOSED_ITEMS,
    CONFIG_ITEMS,
    HEADER,
    OPEN_ITEMS,
    filled_template,
    need_template,
)
from tests.helpers import make_book

ALL = {fr_layout.OPEN: OPEN_ITEMS, fr_layout.CLOSED: CLOSED_ITEMS, fr_layout.CONFIG: CONFIG_ITEMS}
DATA_KEYS = [c.key for c in model.ITEM_COLUMNS if not c.derived]


def fr_rows(path: Path) -> dict[str, dict[str, Any]]:
    """POAM ID -> {FedRAMP header: value, 'sheet': sheet} as typed in a FedRAMP workbook."""
    poam, _conv = read_workbook(path)
    frame = poam.native["fedramp"]
    out = {}
    for rec in records(frame):
        out[rec["fr_poam_id"]] = {
            **{fr_layout.LABEL[k]: rec[k] for k in fr_layout.FR_KEYS},
            "sheet": rec["sheet"],
        }
    return out


def norm(value: Any) -> Any:
    return kept.text_of(value)


def test_real_template_has_no_items_and_skips_guidance_and_example() -> None:
    poam, conv = read_workbook(need_template())
    assert len(poam.items.frame) == 0
    assert poam.template == "fedramp-rev5-v2.1"
    assert any("example item" in n and "A8" in n and "V-1Example" in n for n in conv.notes)
    assert sum("guidance row" in n for n in conv.notes) == 2  # rows 6 and 7
    # the blank template's placeholders ('Text', 'Date') are not values; 'Low' is a real choice
    assert poam.header["company_name"] is None and poam.header["poam_date"] is None
    assert poam.header["Impact Level"] == "Low"


def test_filled_real_template_reads_every_sheet_and_field(tmp_path: Path) -> None:
    path = filled_template(tmp_path / "filled.xlsx")
    assert fedramp.detect(path)
    poam, conv = read_workbook(path)
    items = {r["item_number"]: r for r in records(poam.items.frame)}
    assert sorted(items) == [7, 90, 101, 102, 103]  # the POAM IDs' numbers
    v101 = items[101]
    assert v101["cws"] == "RA-5, SI-2" and v101["risk_level"] == "High"
    assert v101["date_identified"] == dt.date(2026, 9, 1)
    assert v101["how_identified"] == "Vulnerability Scan" and v101["status"] == "Open"
    _user, tags = kept.unpack(v101["comments"])
    assert _user == "Tracked in JIRA SEC-4411"
    assert tags["Vendor Dependency"] == "Yes" and tags["Adjusted Risk Rating"] == "Moderate"
    assert tags["Supporting Documents"].endswith("scan-0915.pdf")
    assert items[90]["status"] == "Closed" and items[90]["closure_reason"] == "False Positive"
    assert items[90]["completion_date"] == dt.date(2026, 6, 20)
    assert items[7]["risk_level"] == "High"  # Critical
    assert kept.unpack(items[7]["comments"])[1]["Original Risk Rating"] == "Critical"
    assert kept.unpack(items[7]["comments"])[1]["POA&M Sheet"] == fr_layout.CONFIG
    ms = [m for m in records(poam.milestones.frame) if m["item_number"] == 101]
    assert [(m["milestone"], m["planned_date"]) for m in ms] == [
        ("Vendor image released", dt.date(2026, 9, 20)),
        ("Roll out to production\nand verify", dt.date(2026, 10, 15)),
    ]
    assert poam.header["company_name"] == "Acme Cloud Inc."
    assert poam.header["system_name"] == "Acme Web Platform"
    assert poam.header["poam_date"] == dt.date(2026, 11, 20)
    assert poam.header["Impact Level"] == "Moderate"
    fields = {(d["item"], d["field"]) for d in conv.dropped}
    assert ("V-101", "Vendor Dependency") in fields and ("V-101", "Service Name") in fields
    assert all(d["kept_in"] == "Comments" for d in conv.dropped)


def _poam_with(path: Path) -> reader.Poam:
    return read_workbook(path)[0]


def test_fedramp_to_dss_to_fedramp_keeps_every_field(tmp_path: Path) -> None:
    from poam_xl.convert import dss
    src = filled_template(tmp_path / "in.xlsx")
    poam = _poam_with(src)
    dss.write(poam, tmp_path / "mid.xlsx", as_of=dt.date(2026, 11, 25))
    middle, _c = dss.read(tmp_path / "mid.xlsx")
    fedramp.write(middle, tmp_path / "out.xlsx")
    before, after = fr_rows(src), fr_rows(tmp_path / "out.xlsx")
    assert sorted(before) == sorted(after) == ["C-7", "V-090", "V-101", "V-102", "V-103"]
    for pid, row in before.items():
        for label, value in row.items():
            assert norm(after[pid][label]) == norm(value), (pid, label)
    for sheet, items in ALL.items():  # and every typed value equals the fixture's
        for item in items:
            for label, value in item.items():
                assert norm(after[item["POAM ID"]][label]) == norm(value), (sheet, label)
            assert after[item["POAM ID"]]["sheet"] == sheet
    head = _poam_with(tmp_path / "out.xlsx").header
    assert [head[k] for k in ("company_name", "system_name", "Impact Level", "poam_date")] == list(
        HEADER.values()
    )


def test_dss_to_fedramp_to_dss_keeps_every_field(tmp_path: Path) -> None:
    poam = reader.read(make_book(tmp_path / "dss.xlsx", sample=12))
    conv = fedramp.write(poam, tmp_path / "fr.xlsx")
    back = _poam_with(tmp_path / "fr.xlsx")
    a = {r["item_number"]: r for r in records(poam.items.frame)}
    b = {r["item_number"]: r for r in records(back.items.frame)}
    assert sorted(a) == sorted(b) and len(a) == 12
    for n, rec in a.items():
        for key in DATA_KEYS:
            assert norm(b[n][key]) == norm(rec[key]), (n, key)
    key = lambda m: (m["item_number"], str(m["planned_date"]), m["milestone"])  # noqa: E731
    assert sorted(records(poam.milestones.frame), key=key) == sorted(
        records(back.milestones.frame), key=key
    )
    for k in (
        "company_name",
        "cage_code",
        "dss_uid",
        "issm_names",
        "issm_phone",
        "system_name",
        "poam_date",
        "last_review",
    ):
        assert back.header[k] == poam.header[k], k
    assert {d["field"] for d in conv.dropped} >= {"Likelihood", "Impact", "CAGE Code"}


def test_written_workbook_has_the_real_template_layout(tmp_path: Path) -> None:
    poam = _poam_with(filled_template(tmp_path / "in.xlsx"))
    fedramp.write(poam, tmp_path / "out.xlsx")
    real = openpyxl.load_workbook(need_template(), read_only=True)
    ours = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert ours.sheetnames == real.sheetnames
    for sheet in (fr_layout.OPEN, fr_layout.CLOSED, fr_layout.CONFIG):
        r, o = real[sheet], ours[sheet]
        assert [o.cell(5, j).value for j in range(1, 32)] == [
            r.cell(5, j).value for j in range(1, 32)
        ]
        assert [o.cell(2, j).value for j in range(1, 5)] == [
            r.cell(2, j).value for j in range(1, 5)
        ]
        assert o["A1"].value == r["A1"].value and "A1:E1" in {str(m) for m in o.merged_cells.ranges}
    ws = ours[fr_layout.OPEN]
    assert ws.freeze_panes == "A6" and ws["A6"].value == "V-101"
    assert isinstance(ws["K6"].value, dt.datetime) and ws["K6"].number_format == "mm-dd-yy"
    lists = {
        dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation if dv.type == "list"
    }
    assert lists['"Low,Moderate,High"'].startswith("C3 S6:S")
    assert lists['"Low,Moderate,High,N/A"'].startswith("T6:T")
    assert [part.split(":")[0] for part in lists['"Yes,No,Pending"'].split()] == ["U6", "V6", "W6"]
    assert ours["Record of Changes"]["D5"].value == 2.1


def test_rev4_layout_is_detected_and_service_name_kept(tmp_path: Path) -> None:
    poam = _poam_with(filled_template(tmp_path / "in.xlsx"))
    fedramp.write(poam, tmp_path / "rev4.xlsx", revision=4)
    ws = openpyxl.load_workbook(tmp_path / "rev4.xlsx")[fr_layout.OPEN]
    assert ws.cell(5, 30).value == "CVE" and ws.cell(5, 31).value is None
    back, conv = read_workbook(tmp_path / "rev4.xlsx")
    assert back.template == "fedramp-rev4"
    fedramp.write(back, tmp_path / "rev5.xlsx")
    assert fr_rows(tmp_path / "rev5.xlsx")["V-101"]["Service Name"] == "Acme Web Platform"


def test_milestone_text_parses_and_formats() -> None:
    text = "(1) 2014/05/23: Milestone Description\n\n(2) 2014-06-12: Milestone \nDescription"
    ms = fr_layout.parse_milestones(text)
    assert [(m["milestone"], m["planned_date"]) for m in ms] == [
        ("Milestone Description", dt.date(2014, 5, 23)),
        ("Milestone \nDescription", dt.date(2014, 6, 12)),
    ]
    assert fr_layout.parse_milestones(fr_layout.format_milestones(ms)) == ms


@pytest.mark.parametrize("kind", ["dss", "text", "oscal"])
def test_wrong_format_names_what_was_expected(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"wrong.{'xlsx' if kind == 'dss' else 'csv' if kind == 'text' else 'json'}"
    if kind == "dss":
        make_book(path, sample=2)
    else:
        path.write_text(
            "POAM ID,Controls\nV-1,AC-1\n"
            if kind == "text"
            else '{"plan-of-action-and-milestones": {}}'
        )
    assert not fedramp.detect(path)
    with pytest.raises(PoamXlError) as err:
        read_workbook(path)
    message = str(err.value)
    assert "\n" not in message and "FedRAMP POA&M" in message and str(path) in message


def test_mapping_lists_all_31_columns() -> None:
    theirs = [row[1] for row in fedramp.FORMAT.mapping()]
    assert all(h in theirs for h, *_ in fr_layout.FIELDS) and len(fr_layout.FIELDS) == 31


def test_text_in_fedramp_date_columns_comes_back_in_its_cells(tmp_path: Path) -> None:
    """'TBD' / 'pending review' typed in FedRAMP date columns (a DSS column's and a FedRAMP-only
    one) survive FedRAMP -> DSS -> FedRAMP in their own cells, and DSS keeps them as text."""
    from poam_xl.convert.run import convert

    texts = {"Scheduled Completion Date": "TBD", "Status Date": "pending review",
             "Last Vendor Check-in Date": "ask the vendor"}
    first = {**OPEN_ITEMS[0], **texts}
    src = filled_template(tmp_path / "fr.xlsx", open_items=[first, *OPEN_ITEMS[1:]])
    dss_book, back = tmp_path / "dss.xlsx", tmp_path / "back.xlsx"
    convert(src, dss_book, as_of=dt.date(2026, 11, 30))
    assert openpyxl.load_workbook(dss_book)["POA&M"]["E12"].value == "TBD"
    convert(dss_book, back, to="fedramp", as_of=dt.date(2026, 11, 30))
    ws = openpyxl.load_workbook(back)[fr_layout.OPEN]
    head = next(r for r in ws.iter_rows(max_row=12) if any(c.value == "POAM ID" for c in r))
    column = {c.value: c.column_letter for c in head if isinstance(c.value, str)}
    row = next(c.row for c in ws[column["POAM ID"]] if c.value == first["POAM ID"])
    assert {h: ws[f"{column[h]}{row}"].value for h in texts} == texts


def test_a_completed_item_with_text_as_its_completion_date_goes_and_comes_back(
        tmp_path: Path) -> None:
    """'TBD' as a Completed item's Completion Date: FedRAMP output carries it in Status Date
    and reads back (it used to stop the reader: DateParseError)."""
    from poam_xl.convert.run import convert
    from poam_xl.reader import read
    from tests.helpers import item_ref

    def edit(wb: Any) -> None:
        ws = wb["POA&M"]
        for n in range(1, 9):
            if ws[item_ref(n, "status")].value in ("Completed", "Closed"):
                ws[item_ref(n, "completion_date")] = "TBD"
                return
        raise AssertionError("the sample has no closed item")

    src = make_book(tmp_path / "in.xlsx", sample=8, edit=edit)
    fr, back = tmp_path / "f.xlsx", tmp_path / "back.xlsx"
    convert(src, fr, to="fedramp", as_of=dt.date(2026, 11, 30))
    convert(fr, back, as_of=dt.date(2026, 11, 30))
    assert [(b.key, b.value) for b in read(back).invalid] == [("completion_date", "TBD")]
