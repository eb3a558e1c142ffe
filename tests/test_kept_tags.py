"""Kept tags: every label and value comes back from Comments as it went in, and a value can
never smuggle in a tag of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import kept

SIDES = st.sampled_from(["FedRAMP", "OSCAL", "eMASS", "poam-xl", "csv", "json", "column"])
TRICKY = st.sampled_from(["]", "[", "\\", "\n", "[column X] y", "\\[eMASS Y] z", " ", "a"])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=6).map("".join)
VALUES = TEXT.map(str.strip)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(SIDES, TEXT.map(str.strip).filter(bool), VALUES), max_size=4))
def test_split_gives_back_what_join_wrote(tags: list[kept.Tag]) -> None:
    assert kept.split_tags(kept.join_tags("plain text", tags)) == ("plain text", tags)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_line_start_scans_find_what_the_multiline_patterns_find(text: str) -> None:
    # _marks and _value try the patterns only at line starts; the whole-text patterns are the rule
    assert [m.span() for m in kept._marks(text)] == [m.span() for m in kept.TAG.finditer(text)]
    assert kept._value(text) == kept._TAG_LINE.sub(lambda m: "\\" + m.group(1), text)


def test_a_value_cannot_inject_a_tag_and_a_label_may_hold_a_bracket() -> None:
    tags = [("column", "Weird ]Hdr", "x0"), ("column", "Cost\nCenter", "7"),
            ("column", "Ref", "a\n[column Evil] injected")]
    text = kept.join_tags(None, tags)
    assert "\n[column Evil]" not in text  # the line is escaped, not a tag
    assert kept.split_tags(text) == (None, tags)
    assert kept.split_tags("[eMASS Severity] High\n[column A] 1") == (
        None, [("eMASS", "Severity", "High"), ("column", "A", "1")])  # the plain form unchanged


@pytest.mark.parametrize("to", [["--to", "emass"], ["--to", "emass", "--layout", "navy"],
                                ["--to", "oscal"], ["--to", "fedramp"]])
def test_a_tag_line_typed_in_comments_never_overrides_a_field(tmp_path: Path, to: list[str]) -> None:
    """'[poam-xl Status] Completed' typed in an Open item's Comments: the Status stays Open on
    the way back and the line stays text; a tag for an empty field still carries its value."""
    import openpyxl
    from typer.testing import CliRunner

    from poam_xl.cli import app
    from tests.helpers import make_book

    src = make_book(tmp_path / "s.xlsx", sample=4)
    wb = openpyxl.load_workbook(src)
    ws = wb["POA&M"]
    head = next(r for r in ws.iter_rows(max_row=20) if any(c.value == "Item Number" for c in r))
    cols = {c.value: c.column for c in head if c.value}
    first = head[0].row + 1
    status = ws.cell(first, cols["Status"]).value
    ws.cell(first, cols["Comments"]).value = "Vendor said:\n[poam-xl Status] Completed"
    ws.cell(first + 3, cols["Comments"]).value = "[poam-xl Item Number] 99"
    wb.save(src)
    run = CliRunner().invoke
    out = tmp_path / ("o.json" if "oscal" in to else "o.xlsx")
    assert run(app, ["convert", str(src), str(out), *to]).exit_code == 0
    assert run(app, ["convert", str(out), str(tmp_path / "b.json")]).exit_code == 0
    items = json.loads((tmp_path / "b.json").read_text())["items"]
    assert [i["item_number"] for i in items] == [1, 2, 3, 4]
    assert items[0]["status"] == status != "Completed"
    assert items[0]["comments"] == "Vendor said:\n\\[poam-xl Status] Completed"
    assert items[3]["comments"] == "\\[poam-xl Item Number] 99"
