"""eMASS service templates (Navy, Marine Corps, Army): read, validated under the eMASS rules,
written back in the same layout; round trips field by field, every kept column included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from poam_xl import kept, model, records
from poam_xl.cli import app
from poam_xl.convert import dss, emass
from poam_xl.poam import Poam
from poam_xl.validation import validate
from tests.helpers import AS_OF, header_ref, make_book
from tests.layout_corpus import CASES

SERVICE = {c.name: c for c in CASES if c.name in ("emass-navy", "emass-usmc", "emass-army")}


def run(*args: object) -> int:
    return CliRunner().invoke(app, [str(a) for a in args]).exit_code


def _items(path: Path) -> tuple[list[dict], list[dict], str]:
    poam, _conv = emass.read(path)
    return records.item_records(poam), records.milestone_records(poam), poam.template


def _same_items(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        for key in records.data_keys():
            if key == "comments":  # the same user text and the same kept tags, in any order
                ux, tx = kept.split_tags(x.get(key))
                uy, ty = kept.split_tags(y.get(key))
                assert ux == uy and sorted(tx) == sorted(ty), (key, x.get(key), y.get(key))
            else:
                assert records.same(x.get(key), y.get(key)), (key, x.get(key), y.get(key))


@pytest.mark.parametrize("name", sorted(SERVICE))
def test_direct_round_trip_keeps_the_layout_and_every_field(name: str, tmp_path: Path) -> None:
    src = SERVICE[name].build(tmp_path)
    out = tmp_path / "out.xlsx"
    assert run("convert", src, out, "--to", "emass", "--as-of", AS_OF.isoformat()) == 0
    a_items, a_miles, a_template = _items(src)
    b_items, b_miles, b_template = _items(out)
    assert a_template == b_template == name
    _same_items(a_items, b_items)
    assert [(m["milestone"], m["planned_date"], m["status"], m["completed_date"]) for m in a_miles] \
        == [(m["milestone"], m["planned_date"], m["status"], m["completed_date"]) for m in b_miles]
    ws = openpyxl.load_workbook(out)["POA&M"]
    headers = [c.value for c in ws[7][1:] if c.value]
    wanted = [c.header for c in SERVICE[name].expect.tables[0].columns if c.header][
        1 if name == "emass-navy" else 0:]
    assert headers == wanted  # the service template's own columns, in its order


@pytest.mark.parametrize("name", sorted(SERVICE))
def test_round_trip_through_json_comes_back_in_the_same_layout(name: str, tmp_path: Path) -> None:
    src = SERVICE[name].build(tmp_path)
    mid, out = tmp_path / "mid.json", tmp_path / "back.xlsx"
    assert run("convert", src, mid) == 0
    assert run("convert", mid, out, "--to", "emass") == 0
    a_items, _am, _t = _items(src)
    b_items, _bm, b_template = _items(out)
    assert b_template == name
    _same_items(a_items, b_items)


def test_layout_option_writes_another_service_layout(tmp_path: Path) -> None:
    src = SERVICE["emass-navy"].build(tmp_path)
    out = tmp_path / "army.xlsx"
    assert run("convert", src, out, "--to", "emass", "--layout", "army") == 0
    poam, _c = emass.read(out)
    assert poam.template == "emass-army" and len(poam.items.frame) == 3
    assert run("convert", src, tmp_path / "x.xlsx", "--to", "emass", "--layout", "marines") == 2


@pytest.mark.parametrize("name", sorted(SERVICE))
def test_validated_under_the_emass_rules(name: str, tmp_path: Path) -> None:
    src = SERVICE[name].build(tmp_path)
    report = validate(src, profile="auto", as_of=AS_OF)
    assert report.profile == "emass" and report.template == name
    rules = {f.rule for f in report.findings}
    assert "emass.raw-severity.allowed" not in rules  # five-level words are right here
    assert not {r for r in rules if r.startswith(("template.", "header."))}
    assert report.summary["items"] == SERVICE[name].expect.items


# ---------------------------------------------------------------- DSS -> service: nothing lost unreported
LAYOUTS = ("navy", "army", "usmc")


def _accepted(poam: Poam) -> tuple[dict, list[dict]]:
    """The sample's Risk Accepted item that has milestones (eMASS takes none for it)."""
    by_item = records.milestones_by_item(poam)
    found = [(r, by_item[r["item_number"]]) for r in records.item_records(poam)
             if r.get("closure_reason") == "Risk Accepted" and by_item.get(r["item_number"])]
    assert found, "the 12-item sample has a Risk Accepted item with a milestone"
    return found[0]


def _cells(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["POA&M"]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_dss_to_service_keeps_or_reports_every_value(layout: str, tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=12)
    first, _ = dss.read(book)
    item, miles = _accepted(first)
    out = tmp_path / f"{layout}.xlsx"
    result = CliRunner().invoke(app, ["convert", str(book), str(out), "--to", "emass",
                                      "--layout", layout])
    assert result.exit_code == 0, result.output
    for line in ("kept in Comments: Milestone 1 Milestone", "kept in Comments: Milestone 1 Planned Date",
                 "dropped (no home in the target): CAGE Code",
                 "dropped (no home in the target): Last Review Date"):
        assert line in result.output
    conv = emass.write(first, tmp_path / "api.xlsx", layout=layout)
    lost = {(d["item"], d["field"]): (d["value"], d["kept_in"]) for d in conv.dropped}
    assert lost[(item["item_number"], "Milestone 1 Milestone")] == (miles[0]["milestone"], "Comments")
    assert lost[(None, "CAGE Code")] == (first.header["cage_code"], None)
    assert lost[(None, "Last Review Date")] == (first.header["last_review"].isoformat(), None)
    cells = _cells(out)  # the header fields really are gone: a loss, so it must be reported
    block = {v.date() if isinstance(v, dt.datetime) else v
             for c, v in cells.items() if int(c.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) < 7}
    assert first.header["company_name"] in block  # the header block is written...
    assert first.header["cage_code"] not in cells.values()  # ...but has no cell for these
    assert first.header["last_review"] not in block
    comments = [v for v in cells.values() if isinstance(v, str)
                and f"[poam-xl Milestone 1 Milestone] {miles[0]['milestone']}" in v]
    assert len(comments) == 1  # the milestone rides in the Risk Accepted item's Comments
    back, _ = emass.read(out)
    got = records.milestones_by_item(back)[item["item_number"]]
    assert [(m["milestone"], m["planned_date"], m["status"], m["completed_date"]) for m in got] \
        == [(m["milestone"], m["planned_date"], m["status"], m["completed_date"]) for m in miles]


@pytest.mark.parametrize("layout", ("classic", *LAYOUTS))
def test_strict_refuses_a_service_layout_that_drops_header_fields(layout: str, tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss.xlsx", sample=12)
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(app, ["convert", str(book), str(out), "--to", "emass",
                                      "--layout", layout, "--strict"])
    assert result.exit_code == 1
    assert "CAGE Code" in result.output and "Last Review Date" in result.output
    for key, label in (("cage_code", "CAGE Code"), ("last_review", "Last Review Date")):
        assert f"  POA&M!{header_ref(key)} {label}: " in result.output  # the source cell named
    assert "Policy: Medium risk: days allowed" in result.output  # 90 here, 180 in eMASS
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["dss.xlsx"]

    def clear(wb: Workbook) -> None:  # nothing without a home left: strict writes
        for key in ("cage_code", "last_review"):
            wb["POA&M"][header_ref(key)] = None
        # the eMASS profile's windows (what reading eMASS back uses): the policy loses nothing
        wb["Policy"]["B5"], wb["Policy"]["B6"] = 180, 365

    book = make_book(tmp_path / "clear.xlsx", sample=12, edit=clear)
    assert run("convert", book, out, "--to", "emass", "--layout", layout, "--strict") == 0
    item, miles = _accepted(emass.read(out)[0])  # kept in Comments is not lost
    assert item["closure_reason"] == "Risk Accepted" and miles[0]["milestone"]


# ---------------------------------------------------------------- round trips are idempotent
@pytest.mark.parametrize("layout", LAYOUTS)
def test_three_round_trips_through_dss_change_nothing(layout: str, tmp_path: Path) -> None:
    book = make_book(tmp_path / "dss0.xlsx", sample=12)
    src = book
    for k in (1, 2, 3):
        assert run("convert", src, tmp_path / f"e{k}.xlsx", "--to", "emass", "--layout", layout) == 0
        assert run("convert", tmp_path / f"e{k}.xlsx", tmp_path / f"dss{k}.xlsx") == 0
        src = tmp_path / f"dss{k}.xlsx"
    e1, e2, e3 = (_cells(tmp_path / f"e{k}.xlsx") for k in (1, 2, 3))
    assert e1 == e2 == e3  # every cell, Comments included
    comments = [v for c, v in e1.items() if isinstance(v, str) and "[poam-xl" in v]
    assert comments and all(len(set(v.splitlines())) == len(v.splitlines()) for v in comments)
    poams = [dss.read(tmp_path / f"dss{k}.xlsx")[0] for k in (0, 1, 2, 3)]
    items = [records.item_records(p) for p in poams]
    miles = [records.milestone_records(p) for p in poams]
    for k in (1, 2, 3):  # the DSS values come back exactly, Comments without tag lines
        assert len(items[k]) == len(items[0]) == 12
        for x, y in zip(items[0], items[k], strict=True):
            assert x.get("comments") == y.get("comments"), (k, y.get("comments"))
            for key in records.data_keys():
                assert records.same(x.get(key), y.get(key)), (k, x["item_number"], key, y.get(key))
        assert len(miles[k]) == len(miles[0])
        for x, y in zip(miles[0], miles[k], strict=True):
            assert all(records.same(x[c], y[c]) for c in model.MILESTONES.keys), (k, x, y)


def test_milestones_past_the_500th_come_back_too(tmp_path: Path) -> None:
    """A tag of a milestone the item already has is restored whatever its number (the 500 cap
    only limits milestones a tag would add): 'Ongoing' stays 'Ongoing' at milestone 600."""
    import json

    src = tmp_path / "one.json"
    assert run("convert", make_book(tmp_path / "one.xlsx", sample=1), src) == 0
    doc = json.loads(src.read_text())
    item = doc["items"][0]
    item["milestones"] = [{"milestone": f"Step {k}", "planned_date": "2027-01-15",
                           "status": "Ongoing" if k % 3 == 0 else "Completed"}
                          for k in range(1, 621)]
    src.write_text(json.dumps(doc))
    assert run("convert", src, tmp_path / "n.xlsx", "--to", "emass", "--layout", "navy") == 0
    assert run("convert", tmp_path / "n.xlsx", tmp_path / "back.json") == 0
    back = json.loads((tmp_path / "back.json").read_text())["items"][0]["milestones"]
    assert [m.get("status") for m in back] == [m["status"] for m in item["milestones"]]


@pytest.mark.parametrize("layout", ("classic", *LAYOUTS))
def test_milestones_follow_item_numbers_with_gaps_through_emass(layout: str,
                                                                 tmp_path: Path) -> None:
    """Item Numbers 1, 2, 3, 5, ... (a deleted item): eMASS gets no IDs, the numbers ride as
    tags, and each item's milestones come back under its own number, not its position."""
    from poam_xl.reader import read

    def renumber(wb: Workbook) -> None:
        items, ms = wb["POA&M"], wb["Milestones"]
        for row in items.iter_rows(min_row=12):
            if isinstance(row[0].value, int) and row[0].value >= 4:
                row[0].value += 1
        for row in ms.iter_rows(min_row=2):
            if isinstance(row[0].value, int) and row[0].value >= 4:
                row[0].value += 1

    book = make_book(tmp_path / "gap.xlsx", sample=7, edit=renumber)
    out, back = tmp_path / "e.xlsx", tmp_path / "back.xlsx"
    assert run("convert", book, out, "--to", "emass", "--layout", layout) == 0
    assert run("convert", out, back) == 0
    before, after = read(book), read(back)

    def by_item(p: Poam) -> dict[int, list[str]]:
        got: dict[int, list[str]] = {}
        for m in records.records(p.milestones.frame, ["item_number", "milestone"]):
            got.setdefault(m["item_number"], []).append(m["milestone"])
        return got

    assert after.items.frame["item_number"].tolist() == before.items.frame["item_number"].tolist()
    assert 4 not in after.items.frame["item_number"].tolist()
    assert by_item(after) == by_item(before)
