"""eMASS import workbook: real files, a realistic published-layout input, round trips both ways."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from poam_xl import dates, kept, model, records
from poam_xl.convert import dss, emass
from poam_xl.errors import TemplateError, UsageError
from poam_xl.layouts import emass as L
from poam_xl.layouts import emass_read
from tests.helpers import AS_OF, REALWORLD, make_book

TEMPLATE = REALWORLD / "workbooks" / "ckl2POAM__POA&M Template.xlsm"
SAF = REALWORLD / "workbooks" / "saf__converted-RHEL8V1R3.ckl-2026-03-03-0034.xlsm"
needs_realworld = pytest.mark.skipif(not REALWORLD.exists(), reason="../shared/realworld is absent")

HEADERS = [f.header for f in L.FIELDS]  # B7..V7 as the template spells them
# (row offset, {letter: value}) - the template's Example sheet, varied: one item over three
# rows, a text date, status + date, a Risk Accepted item, 4 blank rows between items (SAF)
ITEMS: list[list[dict[str, Any]]] = [
    [
        {
            "B": 101,
            "C": "Audit records not reviewed weekly",
            "D": "AU-6",
            "E": "DoD, John Smith, 7035550100",
            "F": "SV-18394r2_rule",
            "G": "Staff time",
            "H": "11/23/2026",
            "I": "Implement Procedure A 10/25/2026",
            "K": "Annual security review",
            "L": "Ongoing",
            "M": "Tracked weekly",
            "N": "II",
            "O": "Manual log review monthly",
            "P": "Moderate",
            "Q": "High",
            "R": "Very High",
            "S": "Moderate",
            "T": "Undetected misuse",
            "U": "Low",
            "V": "Automate log review",
        },
        {"I": "Implement Procedure B 10/31/2026", "J": "Milestone A moved 10/20/2026"},
        {"I": "Implement Procedure C 11/5/2026"},
    ],
    [
        {
            "C": "Weak cipher suites enabled",
            "D": "SC-8",
            "E": "Network Team",
            "F": "Plugin 26928",
            "G": "Change board approval",
            "K": "ACAS vulnerability scan",
            "L": "Risk Accepted 2/1/2026",
            "M": "AO accepted the risk until replacement",
            "N": "III",
            "P": "Very Low",
            "Q": "Low",
            "R": "Very Low",
            "S": "Moderate",
            "U": "Low",
        }
    ],
    [
        {
            "B": 103,
            "C": "Backup restore never tested",
            "D": "CP-9",
            "E": "Example Program Office",
            "F": "",
            "G": "Staff time (2 days)",
            "H": dt.date(2026, 10, 25),
            "I": "Description of Milestone 10/17/2026",
            "J": "Updated Milestone Description 10/22/2026",
            "K": "Self-inspection",
            "L": "Completed 11/13/2026",
            "M": "Restore verified",
            "N": "I",
            "P": "High",
            "Q": "Moderate",
            "R": "Moderate",
            "S": "High",
            "U": "Moderate",
            "V": "Quarterly restore test",
        }
    ],
]


def build_emass(
    path: Path,
    items: list[list[dict[str, Any]]] = ITEMS,
    gap: int = 4,
    header: dict[str, Any] | None = None,
) -> Path:
    """An eMASS import workbook in the published layout (formats.md §3), written with openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "POA&M"
    ws["A1"] = L.BANNER
    head = {
        "D2": "2/20/2026",
        "D3": "John Smith",
        "D4": "DoD",
        "D5": "First System",
        "D6": 5050,
        "K2": "IS Enclave",
        "K4": "John Smith",
        "K5": "747-380-0987",
        "K6": "john.smith@mail.mil",
        "N2": 54324,
        "N5": 10000,
    }
    head.update(header or {})
    for _k, label, lcell, vcell in L.HEADER:
        ws[lcell] = label
        if head.get(vcell) is not None:
            ws[vcell] = head[vcell]
    ws["A7"] = "Control Vulnerability Description"  # the template's stray duplicate
    for j, text in enumerate(HEADERS, start=2):
        ws.cell(7, j, text)
    row = 8
    for item in items:
        for k, cells in enumerate(item):
            for letter, value in cells.items():
                ws[f"{letter}{row + k}"] = value
        row += len(item) + gap
    lookup = wb.create_sheet("Sheet1")
    for i, v in enumerate(L.LEVELS, start=2):
        lookup.cell(i, 2, v)
    lookup.sheet_state = "hidden"
    wb.save(path)
    return path


def emass_values(poam: Any) -> list[dict[str, Any]]:
    return list(poam.native["emass"]["rows"].values())


def assert_same_emass(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for f in L.FIELDS:
            assert emass_read._same_field(f, x.get(f.key), y.get(f.key)), (
                f.header,
                x.get(f.key),
                y.get(f.key),
            )


# ---------------------------------------------------------------- real files
@needs_realworld
def test_saf_file_two_items_at_rows_8_and_13() -> None:
    poam, conv = emass.read(SAF)
    items = poam.items.frame
    assert list(items.index) == [8, 13]
    assert list(items["item_number"]) == [1, 2]  # POA&M Item ID blank: numbered by position
    first, second = records.item_records(poam)
    assert first["milestone_date"] == dt.date(2027, 3, 3)  # H8 '3/03/2027' stored as text
    assert first["status"] == "Open" and first["risk_level"] == "High"
    assert first["cws"] == "CM-6b" and first["owner"] == "testOrg"
    assert first["source_id"] == "SV-230221r743913_rule"
    assert first["mitigation"] == "Upgrade to a supported version of RHEL 8."
    assert (second["status"], second["closure_reason"]) == ("Closed", "Not Applicable")
    assert "[eMASS Severity] High" in first["comments"]
    assert (
        "[eMASS Source Identifying Vulnerability] Red Hat Enterprise Linux 8" in first["comments"]
    )
    assert first["comments"].startswith("SV-230221r743913_rule failed on test")
    assert poam.items.letters["status"] == "L" and poam.items.letters["description"] == "C"
    assert any("Item ID blank" in n for n in conv.notes)
    assert {d["field"] for d in conv.dropped} >= {
        "Severity",
        "Relevance of Threat",
        "Impact Description",
    }
    assert poam.sheet_states["Sheet1"] == "hidden"


@needs_realworld
def test_real_template_is_read_empty_and_its_example_sheet_fully(tmp_path: Path) -> None:
    poam, _ = emass.read(TEMPLATE)
    assert poam.items.frame.empty and poam.items.header_row == 7
    assert poam.header["issm_phone"] is None  # the label to its right is not its value
    wb = openpyxl.load_workbook(TEMPLATE)
    del wb["POA&M"]
    example = wb["Example"]
    example.title = "POA&M"
    wb.save(tmp_path / "example.xlsx")
    poam, _ = emass.read(tmp_path / "example.xlsx")
    recs = records.item_records(poam)
    assert [r["item_number"] for r in recs] == [1, 2, 3]
    assert poam.header["poam_date"] == dt.date(2018, 2, 20)  # D2 text date '2/20/2018'
    assert poam.header["eMASS System Type"] == "IS Enclave" and poam.header["dss_uid"] == "5050"
    miles = records.records(poam.milestones.frame, model.MILESTONES.keys)
    assert [(m["item_number"], m["milestone"], m["planned_date"]) for m in miles[:3]] == [
        (1, "Implement Procedure A", dt.date(2018, 10, 25)),
        (1, "Implement Procedure B", dt.date(2018, 10, 31)),
        (1, "Implement Procedure C", dt.date(2018, 11, 5)),
    ]
    assert list(poam.milestones.frame.index[:3]) == [8, 9, 10]
    assert (recs[2]["status"], recs[2]["completion_date"]) == ("Completed", dt.date(2018, 11, 13))
    assert (recs[1]["status"], recs[1]["closure_reason"]) == ("Closed", "Risk Accepted")


@needs_realworld
def test_written_layout_matches_the_real_template(tmp_path: Path) -> None:
    poam, _ = emass.read(build_emass(tmp_path / "in.xlsx"))
    emass.write(poam, tmp_path / "out.xlsx")
    real = openpyxl.load_workbook(TEMPLATE)
    ours = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert ours.sheetnames == real.sheetnames
    for name in ("Sheet1", "8500 IA Controls"):
        assert ours[name].sheet_state == "hidden"
    r, o = real["POA&M"], ours["POA&M"]
    assert [o.cell(7, j).value for j in range(1, 23)] == [r.cell(7, j).value for j in range(1, 23)]
    for row in range(1, 7):
        for col in range(1, 17):
            assert (
                o.cell(row, col).value == r.cell(row, col).value or row > 1 and col in (4, 11, 14)
            )
    assert {str(m) for m in o.merged_cells.ranges} == {str(m) for m in r.merged_cells.ranges}
    lists = {
        str(dv.sqref): dv.formula1 for dv in o.data_validations.dataValidation if dv.type == "list"
    }
    assert lists["N8:N1048576"] == "Sheet1!$F$1:$F$4"
    assert lists["P8:S1048576 U8:U1048576"] == "Sheet1!$B$1:$B$6"
    look = ours["Sheet1"]
    assert [look.cell(i, 6).value for i in range(2, 5)] == ["I", "II", "III"]
    assert [look.cell(i, 2).value for i in range(2, 7)] == list(L.LEVELS)


# ---------------------------------------------------------------- realistic published-layout input
def test_published_layout_reads_every_quirk(tmp_path: Path) -> None:
    poam, conv = emass.read(build_emass(tmp_path / "in.xlsx"))
    recs = records.item_records(poam)
    assert list(poam.items.frame.index) == [8, 15, 20]  # 3-row item, then 4 blank rows each
    assert [r["item_number"] for r in recs] == [101, 2, 103]
    one, two, three = recs
    assert one["milestone_date"] == dt.date(2026, 11, 23) and one["risk_level"] == "Medium"
    assert one["likelihood"] == "High" and one["impact"] == "Medium"
    assert one["milestone_changes"] == "Milestone A moved 10/20/2026"
    assert "[eMASS Likelihood] Very High" in one["comments"]  # five levels do not fit three
    assert (two["status"], two["closure_reason"], two["completion_date"]) == (
        "Closed",
        "Risk Accepted",
        dt.date(2026, 2, 1),
    )
    assert two["how_identified"] == "Vulnerability Scan"
    assert (three["status"], three["completion_date"]) == ("Completed", dt.date(2026, 11, 13))
    assert three["how_identified"] == "Self-Inspection"
    assert poam.header["dss_uid"] == "5050" and poam.header["poam_date"] == dt.date(2026, 2, 20)
    miles = records.records(poam.milestones.frame, model.MILESTONES.keys)
    assert [m["milestone"] for m in miles] == [
        "Implement Procedure A",
        "Implement Procedure B",
        "Implement Procedure C",
        "Description of Milestone",
    ]
    assert list(poam.milestones.frame.index) == [8, 9, 10, 20]
    assert conv.items == 3


def test_emass_to_dss_to_emass_keeps_every_field(tmp_path: Path) -> None:
    src = build_emass(tmp_path / "in.xlsx")
    first, _ = emass.read(src)
    dss.write(first, tmp_path / "mid.xlsx", as_of=AS_OF)
    mid, _ = dss.read(tmp_path / "mid.xlsx")
    assert mid.header["eMASS POC E-Mail"] == "john.smith@mail.mil"  # header extras survive DSS
    emass.write(mid, tmp_path / "back.xlsx")
    back, _ = emass.read(tmp_path / "back.xlsx")
    assert_same_emass(emass_values(first), emass_values(back))
    for key, _label, _lc, _vc in L.HEADER:
        assert records.same(first.header[key], back.header[key]), key
    ws = openpyxl.load_workbook(tmp_path / "back.xlsx")["POA&M"]
    assert ws["B8"].value == 101 and ws["B11"].value is None  # eMASS IDs kept, new item blank
    assert ws["L12"].value == "Completed 11/13/2026"  # template instruction 15 form


@needs_realworld
def test_saf_file_round_trip(tmp_path: Path) -> None:
    first, _ = emass.read(SAF)
    dss.write(first, tmp_path / "mid.xlsx", as_of=AS_OF)
    emass.write(dss.read(tmp_path / "mid.xlsx")[0], tmp_path / "back.xlsx")
    back, _ = emass.read(tmp_path / "back.xlsx")
    assert_same_emass(emass_values(first), emass_values(back))


def test_dss_to_emass_to_dss_keeps_every_field(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=12)
    first, _ = dss.read(book)
    conv = emass.write(first, tmp_path / "e.xlsx")
    assert {d["field"] for d in conv.dropped} >= {"Date Identified", "ISSM/FSO Approval"}
    assert all(d["kept_in"] == "Comments" for d in conv.dropped if d["item"] is not None)
    assert any(d["field"] == "CAGE Code" and d["kept_in"] is None for d in conv.dropped)
    back, _ = emass.read(tmp_path / "e.xlsx")
    a, b = records.item_records(first), records.item_records(back)
    for x, y in zip(a, b, strict=True):
        for key in records.data_keys():
            assert records.same(x.get(key), y.get(key)), (
                x["item_number"],
                key,
                x.get(key),
                y.get(key),
            )
    ma = records.records(first.milestones.frame, model.MILESTONES.keys)
    mb = records.records(back.milestones.frame, model.MILESTONES.keys)
    assert len(ma) == len(mb) == 27
    for x, y in zip(ma, mb, strict=True):
        assert all(records.same(x[k], y[k]) for k in model.MILESTONES.keys), (x, y)
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx")["POA&M"]
    assert all(ws.cell(r, 2).value is None for r in range(8, 40))  # eMASS assigns the IDs


def test_edited_dss_value_wins_over_a_stale_kept_value(tmp_path: Path) -> None:
    poam, _ = emass.read(build_emass(tmp_path / "in.xlsx"))
    poam.items.frame.loc[8, "likelihood"] = "Low"  # the kept 'Very High' no longer matches
    conv = emass.write(poam, tmp_path / "out.xlsx")
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")["POA&M"]["R8"].value == "Low"
    assert any("no longer matches" in n for n in conv.notes)


# ---------------------------------------------------------------- errors and helpers
def test_dss_workbook_is_not_emass(tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=2)
    assert not emass.detect(book)
    with pytest.raises(TemplateError, match="not an eMASS POA&M import workbook"):
        emass.read(book)


def test_emass_output_must_be_xlsx(tmp_path: Path) -> None:
    poam, _ = emass.read(build_emass(tmp_path / "in.xlsx"))
    with pytest.raises(UsageError, match=".xlsx"):
        emass.write(poam, tmp_path / "out.xlsm")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Implement Procedure B 10/31/2018", ("Implement Procedure B", dt.date(2018, 10, 31))),
        ("Completed 11/13/2018", ("Completed", dt.date(2018, 11, 13))),
        ("Patch servers - 2026-01-05", ("Patch servers", dt.date(2026, 1, 5))),
        ("No date here", ("No date here", None)),
    ],
)
def test_split_dated(text: str, want: tuple[Any, Any]) -> None:
    assert L.split_dated(text) == want


def _split_by_rule(value: str) -> tuple[Any, Any]:
    """split_dated as the _TRAILING_DATE rule states it (the whole-text lazy match)."""
    s = value.strip()
    m = L._TRAILING_DATE.match(s)
    if m:
        d = dates.parse_text(m.group(2))
        if d is not None:
            return m.group(1).strip() or None, d
    return s or None, None


def test_split_dated_searches_only_the_tail_but_follows_the_rule() -> None:
    rng = random.Random(20261203)
    alphabet = "0123456789//--  ,;:.\n\tx\u00a0\u2003aZ"
    tails = ["10/31/2018", "1/2/26", "2026-01-05", "2026-1-5", "112/1/2018", "13/40/2018",
             "99-1-1", "1/1/1", "12/12/12345", "2024-02-30"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
        if rng.random() < 0.7:
            text += rng.choice(["", " ", "-", ",", " - ", "\u00a0"]) + rng.choice(tails)
        if rng.random() < 0.2:
            text += rng.choice([" ", "\n", "\t "])
        assert L.split_dated(text) == _split_by_rule(text), repr(text)


def test_kept_tags_round_trip() -> None:
    text = kept.join_tags(
        "plain\nsecond line",
        [
            ("eMASS", "Severity", "High"),
            ("poam-xl", "Date Identified", "2026-01-05"),
            ("eMASS", "Impact Description", "a\n\nb"),
        ],
    )
    assert kept.split_tags(text) == (
        "plain\nsecond line",
        [
            ("eMASS", "Severity", "High"),
            ("poam-xl", "Date Identified", "2026-01-05"),
            ("eMASS", "Impact Description", "a\n\nb"),
        ],
    )
