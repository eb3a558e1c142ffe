"""The bulk paths of conversions: column-wise plain values, the compiled OSCAL schema check
(Unicode patterns), shared cell formats, orjson documents, one sheet load per conversion."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Alignment, Border, Font, Side

from poam_xl import jsontext, reader, records, textcells
from poam_xl.convert import oscal, run
from poam_xl.convert.oscal_schema import errors
from poam_xl.values import plain
from tests.helpers import AS_OF, make_book


def test_records_equal_plain_value_by_value() -> None:
    frame = pd.DataFrame({
        "when": pd.Series([pd.Timestamp("2024-03-01 10:30"), pd.NaT, pd.Timestamp("1901-12-31")]),
        "n": pd.Series([1, None, 2**40], dtype="Int64"),
        "x": pd.Series([1.0, None, 2.5], dtype="Float64"),
        "f": [3.0, float("nan"), 0.1],
        "text": ["a", "   ", None],
        "mixed": [dt.date(2024, 1, 2), 7, pd.NA],
    })
    got = records.records(frame)
    want = [{k: plain(v) for k, v in zip(frame.columns, row, strict=True)}
            for row in frame.itertuples(index=False, name=None)]
    assert got == want
    assert [type(r["n"]) for r in got] == [int, type(None), int]
    assert got[0]["when"] == dt.date(2024, 3, 1) and got[1]["when"] is None
    assert records.records(frame, ["text", "nope"]) == [{"text": "a"}, {"text": None},
                                                        {"text": None}]


@pytest.mark.parametrize(("a", "b", "want"), [
    (None, None, True), (None, "", True), (None, " \t", True), (None, float("nan"), True),
    (None, pd.NaT, True), (None, pd.NA, True), (None, 0, False), (None, False, False),
    (None, "x", False), (None, dt.date(2026, 1, 5), False), (None, " x ", False),
    ("", None, True), (dt.date(2026, 1, 5), None, False), (3, "3", True), (3.0, 3, True),
    (dt.date(2026, 1, 5), "2026-01-05", True), (pd.Timestamp("2026-01-05"), dt.date(2026, 1, 5),
                                                True), (" a ", "a", True), ("a", "b", False),
])
def test_same_treats_blanks_alike_on_either_side(a: object, b: object, want: bool) -> None:
    assert records.same(a, b) is want
    assert records.same(b, a) is want


def _doc(tmp_path: Path) -> dict:
    poam = reader.read(make_book(tmp_path / "dss.xlsx", sample=2))
    return oscal.build(poam, as_of=AS_OF)[0]


@pytest.mark.parametrize(("name", "ok"), [("élan-1", True), ("日本", True), ("_x.y", True),
                                          ("1 bad", False), ("naïve x", False), ("x\n", False)])
def test_schema_token_pattern_is_unicode(tmp_path: Path, name: str, ok: bool) -> None:
    # the token pattern ^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$: any script's letters, $ = end of text
    doc = _doc(tmp_path)
    doc["plan-of-action-and-milestones"]["poam-items"][0]["props"][0]["name"] = name
    problems = errors(doc)
    assert (problems == []) is ok, problems
    if not ok:
        assert problems[0].startswith("plan-of-action-and-milestones/poam-items/0/props/0/name")


def test_schema_checks_formats_and_trailing_newlines(tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    root = doc["plan-of-action-and-milestones"]
    root["metadata"]["last-modified"] = "2026-13-01T00:00:00Z"
    root["poam-items"][0]["title"] = "title\n"  # ^\S(.*\S)?$ with ECMA '$'
    problems = errors(doc)
    assert any(p.startswith("plan-of-action-and-milestones/metadata/last-modified") for p in problems)
    assert any(p.startswith("plan-of-action-and-milestones/poam-items/0/title") for p in problems)


def test_cell_style_sets_what_setattr_sets(tmp_path: Path) -> None:
    side = Side(style="thin")
    style = textcells.CellStyle(alignment=Alignment(wrap_text=True), border=Border(left=side),
                                number_format="yyyy-mm-dd")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"].font = Font(bold=True)  # a format of its own stays
    for row in (1, 2, 3):
        textcells.put(ws, row, 1, "=1+1" if row == 3 else f"text {row}", style)
        c = ws.cell(row, 2)
        c.alignment, c.border, c.number_format = Alignment(wrap_text=True), Border(left=side), \
            "yyyy-mm-dd"
    wb.save(tmp_path / "s.xlsx")
    back = openpyxl.load_workbook(tmp_path / "s.xlsx").active
    for row in (1, 2, 3):
        a, b = back.cell(row, 1), back.cell(row, 2)
        assert (a.font.b, a.alignment.wrap_text, a.border.left.style, a.number_format) == (
            row == 1, True, "thin", "yyyy-mm-dd")
        assert (a.alignment.wrap_text, a.border.left.style) == (b.alignment.wrap_text,
                                                                b.border.left.style)
    assert back["A3"].value == "=1+1" and back["A3"].data_type == "s" and back["A3"].quotePrefix


def test_json_documents_match_the_standard_library() -> None:
    doc = {"a": [1, {"b": None, "c": []}], "d": {}, "e": "x\n\t\x01é\"\\", "f": 7.5, "g": True}
    assert jsontext.dumps(doc) == (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    big = {"n": 2**70}
    assert jsontext.dumps(big) == (json.dumps(big, indent=2) + "\n").encode()
    with pytest.raises(TypeError):
        jsontext.dumps({"x": object()})


def test_a_conversion_loads_the_workbook_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    src = make_book(tmp_path / "in.xlsx", sample=3)
    calls = []
    real = run.load_grids
    monkeypatch.setattr(run, "load_grids", lambda *a, **k: calls.append(1) or real(*a, **k))
    from poam_xl.convert import dss

    monkeypatch.setattr(dss, "load_grids", lambda *a, **k: calls.append(2) or real(*a, **k))
    conv = run.convert(src, tmp_path / "out.json", to="json", as_of=AS_OF)
    assert calls == [1] and conv.items == 3
    assert [i["item_number"] for i in json.loads((tmp_path / "out.json").read_text())["items"]
            ] == [1, 2, 3]
