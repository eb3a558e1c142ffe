"""eMASS service templates (Navy, Marine Corps, Army): read, validated under the eMASS rules,
written back in the same layout; round trips field by field, every kept column included."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from poam_xl import kept, records
from poam_xl.cli import app
from poam_xl.convert import emass
from poam_xl.validation import validate
from tests.helpers import AS_OF
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
