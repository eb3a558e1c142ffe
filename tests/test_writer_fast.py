"""The writer's fast paths (kept tag text, eMASS round-trip tags) give what the general rules
give, on a grid of ordinary and hostile values: text in date fields, formula-looking text,
full-width signs, control characters, very long text, text item ids, blanks of every kind."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import kept, records
from poam_xl.convert import emass_kept
from poam_xl.values import plain

LONG = "x" * 40_000 + "\n[poam-xl Status] Closed"
VALUES: list[object] = [
    None, "", " ", "\t\n", "\u3000", "x", " x ", "Completed", "=1+1", "\uff1d1+1", "+SUM(A1)",
    "-5", "@x", "\x00nul", "a\x0bb", "TBD", "2026-01-05", "1/5/2026", "4711", " 4711 ", "A-3",
    "1.10", "[poam-xl Status] Closed", "a\n[column X] y", "]\\", LONG, 0, 1, -7, 2**70, True,
    False, 0.0, 1.0, 2.5, -0.0, float("nan"), float("inf"), 2.0**60, dt.date(2026, 1, 5),
    dt.date(1, 1, 1), dt.datetime(2026, 1, 5, 10, 30), dt.datetime(2026, 1, 5),
    pd.Timestamp("2026-01-05"), pd.NaT, pd.NA, np.int64(3), np.float64(2.0), np.float64("nan"),
    np.datetime64("2026-01-05"), np.datetime64("NaT"),
]


def _ids(values: list[object]) -> list[str]:
    return [f"{type(v).__name__}:{str(v)[:12]!r}" for v in values]


def old_text(value: object) -> str:
    """kept.text as it was: everything through values.plain."""
    v = plain(value)
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def old_text_of(value: object) -> str | None:
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    return old_text(value).strip() or None


@pytest.mark.parametrize("value", VALUES, ids=_ids(VALUES))
def test_tag_text_of_every_kind_of_value_is_what_plain_gives(value: object) -> None:
    assert kept.text(value) == old_text(value)
    assert kept.text_of(value) == old_text_of(value)
    for sub in (type("Str", (str,), {})("x"), type("Int", (int,), {})(5)):  # subclasses: plain
        assert kept.text(sub) == old_text(sub) and kept.text_of(sub) == old_text_of(sub)


def old_join(plain_text: str | None, tags: list[kept.Tag]) -> str | None:
    lines = [plain_text] if plain_text else []
    lines += [f"[{side} {kept._label(label)}] {kept._value(value)}".rstrip()
              for side, label, value in tags]
    return "\n".join(lines) or None


TRICKY = st.sampled_from(["]", "[", "\\", "\n", "[column X] y", "\\[eMASS Y] z", " ", "a", "\x00",
                          "\uff1d", "=1+1", "\r"])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=5)), max_size=6).map("".join)
SIDES = st.sampled_from(["FedRAMP", "OSCAL", "eMASS", "poam-xl", "csv", "json", "column"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), TEXT), st.lists(st.tuples(SIDES, TEXT, TEXT), max_size=5))
def test_join_tags_is_the_line_by_line_rule(plain_text: str | None, tags: list[kept.Tag]) -> None:
    assert kept.join_tags(plain_text, tags) == old_join(plain_text, tags)


def old_dss_tags(rec: dict, miles: list[dict], back: dict, back_miles: list[dict],
                 carried: frozenset[str] = frozenset()) -> list[kept.Tag]:
    """emass_kept.dss_tags as it was: every field through records.same."""
    from poam_xl import model

    tags: list[kept.Tag] = []
    for key in records.data_keys():
        a, b = back.get(key), rec.get(key)
        if a is b or (type(a) is type(b) and type(a) in records.SIMPLE and a == b):
            continue
        if key != "comments" and not records.same(a, b):
            header = model.ITEMS.column(key).header
            if header not in carried:
                tags.append(("poam-xl", header, old_text(b)))
    for k, m in enumerate(miles, start=1):
        got = back_miles[k - 1] if k <= len(back_miles) else {}
        for key, header in [(c.key, c.header) for c in model.MILESTONE_COLUMNS[1:]]:
            a, b = got.get(key), m.get(key)
            if a is b or (type(a) is type(b) and type(a) in records.SIMPLE and a == b):
                continue
            if not records.same(a, b):
                tags.append(("poam-xl", f"Milestone {k} {header}", old_text(b)))
    return tags


def test_round_trip_tag_text_is_records_same_on_every_pair_of_values() -> None:
    for back, want in itertools.product(VALUES, VALUES):
        expected = None if records.same(back, want) else old_text(want)
        assert emass_kept._tag_text(back, want) == expected, (back, want)


def test_dss_tags_are_the_field_by_field_rule() -> None:
    rnd = random.Random(16)
    keys = list(records.data_keys())
    mkeys = ["item_number", "milestone", "planned_date", "status", "completed_date", "changes"]
    for trial in range(400):
        def pick() -> object:
            return rnd.choice(VALUES) if rnd.random() < 0.6 else None

        rec = {k: pick() for k in keys}
        back = {k: (rec[k] if rnd.random() < 0.5 else pick()) for k in keys if rnd.random() < 0.8}
        miles = [{k: pick() for k in mkeys} for _ in range(rnd.randrange(4))]
        back_miles = [{k: (m[k] if rnd.random() < 0.5 else pick()) for k in mkeys[:3]}
                      for m in miles[: rnd.randrange(len(miles) + 1)]]
        carried = frozenset(rnd.sample(["Status", "Date Identified", "Item Number"],
                                       rnd.randrange(3)))
        got = emass_kept.dss_tags(rec, miles, back, back_miles, carried)
        assert got == old_dss_tags(rec, miles, back, back_miles, carried), trial


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.none(), TEXT), st.lists(st.tuples(SIDES | TEXT, TEXT, TEXT), max_size=4))
def test_the_text_join_tags_remembers_splits_as_parsing_it_does(
        plain_text: str | None, tags: list[kept.Tag]) -> None:
    text = kept.join_tags(plain_text, tags)
    remembered = kept.split_tags(text)
    parsed = kept.split_tags(None if text is None else (text + ".")[:-1])  # another object
    assert remembered == parsed
    assert kept.split_tags(text) == parsed  # asked again: the same answer


def test_remembered_parts_are_a_new_list_each_time() -> None:
    text = kept.join_tags("user text", [("poam-xl", "Status", "Open")])
    first = kept.split_tags(text)
    first[1].append(("poam-xl", "Injected", "x"))
    assert kept.split_tags(text) == ("user text", [("poam-xl", "Status", "Open")])
    assert kept.split_tags(kept.join_tags(" spaced ", [("poam-xl", " Status", "x ")])) == (
        "spaced", [("poam-xl", "Status", "x")])  # stripped on the way back: parsed, not remembered


def old_records(frame: pd.DataFrame, keys: list[str] | None = None) -> list[dict]:
    from poam_xl.values import plain_column

    cols = list(frame.columns) if keys is None else [k for k in keys if k in frame.columns]
    columns = [plain_column(frame[k]) for k in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*columns, strict=True)] if cols else [
        {} for _ in range(len(frame))]


@pytest.mark.parametrize("width", [0, 1, 2, records.NARROW, records.NARROW + 1, 14])
def test_records_narrow_and_wide_are_the_row_by_row_rule(width: int) -> None:
    rnd = random.Random(width)
    rows = 30
    frame = pd.DataFrame({f"c{j}": [rnd.choice(VALUES) for _ in range(rows)] for j in range(width)},
                         index=range(5, 5 + rows))
    frame["d"] = pd.to_datetime([dt.date(2026, 1, 1 + i % 28) for i in range(rows)])
    frame["n"] = pd.array([i if i % 3 else None for i in range(rows)], dtype="Int64")
    for keys in (None, [f"c{j}" for j in range(width)][::-1] + ["missing", "n"], ["missing"]):
        got = records.records(frame, keys)
        assert got == old_records(frame, keys)
        assert [list(r) for r in got] == [list(r) for r in old_records(frame, keys)]  # key order
    assert records.records(frame.iloc[:0]) == []


def test_milestones_grouped_by_item_as_item_key_says() -> None:
    tag = f"[poam-xl {records.ITEM_LABEL}] A-3"
    numbers = [1, None, None, 1, None, 2, None, 2**40]
    changes = [None, tag, None, "x", tag, None, "=1+1\n" + tag, None]
    poam = records.make_poam(
        [], [{"item_number": n, "milestone": f"m{i}", "changes": c}
             for i, (n, c) in enumerate(zip(numbers, changes, strict=True))],
        {}, source="t", sheet="POA&M")
    expected: dict = {}
    for rec in records.milestone_records(poam):
        expected.setdefault(records.item_key(rec, "changes"), []).append(rec)
    got = records.milestones_by_item(poam)
    assert [(k, v) for k, v in got.items() if type(k) is not object] == [
        (k, v) for k, v in expected.items() if type(k) is not object]
    assert [v for k, v in got.items() if type(k) is object] == [
        v for k, v in expected.items() if type(k) is object]  # no number, no tag: one each
    assert got[("text", "A-3")] and got[1] and got[2**40]


def test_streamed_text_shortcut_writes_what_the_general_way_writes() -> None:
    import openpyxl
    from openpyxl.styles import Alignment

    from poam_xl import textcells, textstream

    wrap = textcells.CellStyle(alignment=Alignment(wrap_text=True))
    date = textcells.CellStyle(alignment=Alignment(wrap_text=True), number_format="mm/dd/yyyy")
    cells: list[object] = [v for v in VALUES if not isinstance(v, float) or math.isfinite(v)]
    cells = [v for v in cells if v is None or type(v) in (str, int, bool, dt.date, dt.datetime)]
    cells += ["\uff1d1+1", " =1", "  plain", "a_x000D_b", "x" * 33_000, "<b>&amp;</b>", "\r", "\t=",
              "ab" * 32, "ab" * 33, "Ongoing", "High"]  # remembered short texts, and one longer
    rnd = random.Random(7)
    puts = [(r, c, rnd.choice(cells), rnd.choice([wrap, date, None]))
            for r in range(2, 60) for c in rnd.sample(range(1, 30), 12)]

    def rows(fast: bool) -> tuple[object, ...]:
        wb = openpyxl.Workbook()
        ws = wb.active
        put = textstream.stream(ws).put
        for r, c, v, s in puts:
            put(r, c, v, s)
        xml = textstream._rows_xml(textstream.stream(ws), fast=fast)
        return xml, list(wb._cell_styles), textcells.altered(wb)

    assert rows(True) == rows(False)


def test_put_many_fills_the_rows_put_fills_one_by_one() -> None:
    import openpyxl

    from poam_xl import textstream

    rnd = random.Random(3)
    styles = [None, object(), object()]
    batches = [(rnd.randrange(2, 9), [(rnd.randrange(1, 6), rnd.choice([None, "", "x", 0, LONG]),
                                       rnd.choice(styles)) for _ in range(rnd.randrange(4))])
               for _ in range(60)]
    one, many = (textstream.stream(openpyxl.Workbook().active) for _ in range(2))
    for row, cells in batches:
        for col, value, style in cells:
            one.put(row, col, value, style)  # type: ignore[arg-type]
        many.put_many(row, cells)  # type: ignore[arg-type]
    assert list(many.rows.items()) == list(one.rows.items())  # rows and cells in the same order


def _plain_values() -> list[object]:
    return [v for v in VALUES if type(v) in (str, int, float, bool, dt.date, dt.datetime, type(None))]


def test_emass_rows_are_what_put_cell_by_cell_gave() -> None:
    import openpyxl
    from openpyxl.utils import column_index_from_string

    from poam_xl import textstream
    from poam_xl.convert import emass_write
    from poam_xl.layouts import emass as L

    rnd = random.Random(5)
    values = _plain_values()
    items = []
    for _ in range(80):
        e = {f.key: rnd.choice(values) for f in L.FIELDS if f.kind != "lines"}
        for f in L.FIELDS:
            if f.kind == "lines":
                e[f.key] = [rnd.choice(values) for _ in range(rnd.choice([0, 0, 1, 3, 5]))]
        items.append(e)
    wb = emass_write.build({}, items)
    got = list(textstream.stream(wb[L.SHEET]).rows.items())
    ws = openpyxl.Workbook().active  # the old loop: one put per cell
    put, row = textstream.stream(ws).put, L.FIRST_ROW
    for e in items:
        for f in L.FIELDS:
            col = column_index_from_string(f.letter)
            if f.kind == "lines":
                for k, v in enumerate(e[f.key]):
                    put(row + k, col, v, emass_write.WRAPPED)
            elif e.get(f.key) not in (None, ""):
                dated = f.kind == "date" and isinstance(e[f.key], dt.date)
                put(row, col, e[f.key], emass_write.WRAPPED_DATE if dated else emass_write.WRAPPED)
        row += max(1, len(e["milestones"]), len(e["changes"]))
    assert got == list(textstream.stream(ws).rows.items())


def test_fedramp_rows_are_what_put_cell_by_cell_gave() -> None:
    import openpyxl

    from poam_xl import textstream
    from poam_xl.convert import fedramp_write
    from poam_xl.layouts.fedramp import FIELDS, OPEN

    rnd = random.Random(6)
    rows = [{key: rnd.choice(_plain_values()) for _h, key, _k, _n in FIELDS if rnd.random() < 0.7}
            for _ in range(80)]
    wb = openpyxl.Workbook()
    fedramp_write._poam_sheet(wb.active, OPEN, list(FIELDS), (None,) * 4, rows)
    got = list(textstream.stream(wb.active).rows.items())
    ws = openpyxl.Workbook().active
    put = textstream.stream(ws).put
    for i, fr in enumerate(rows, start=fedramp_write.FIRST_ROW):
        for j, (_h, key, kind, _n) in enumerate(FIELDS, start=1):
            value = fr.get(key)
            if value is None or value == "":
                continue
            put(i, j, value, fedramp_write.DATE_CELL if kind == "date" else fedramp_write.CELL)
    assert got == list(textstream.stream(ws).rows.items())


def test_report_entries_carry_their_direction_last_as_a_copy_would(tmp_path) -> None:
    from poam_xl.convert import get
    from poam_xl.convert.run import convert
    from tests.helpers import make_book

    src = make_book(tmp_path / "s.xlsx", sample=12)
    csv = tmp_path / "c.csv"
    convert(src, csv, to="csv", as_of=dt.date(2026, 11, 25))
    lines = csv.read_text(encoding="utf-8").splitlines()  # a column no field takes: dropped
    csv.write_text("\n".join([lines[0] + ",Ticket"] + [f"{line},T-{i}" for i, line in
                                                      enumerate(lines[1:])]) + "\n",
                   encoding="utf-8")
    _poam, got = get("csv").read(csv)
    assert got.dropped and all("direction" not in d for d in got.dropped)
    conv = convert(csv, tmp_path / "e.xlsx", to="emass", as_of=dt.date(2026, 11, 25))
    n = len(got.dropped)
    assert len(conv.dropped) > n
    assert [d["direction"] for d in conv.dropped] == ["csv->dss"] * n + ["dss->emass"] * (
        len(conv.dropped) - n)
    assert [{k: v for k, v in d.items() if k != "direction"} for d in conv.dropped[:n]] == [
        dict(d) for d in got.dropped]
    assert all(list(d)[-1] == "direction" for d in conv.dropped)  # the key comes last, as {**d}


def test_streamed_date_serials_are_worked_out_as_to_excel_does() -> None:
    import re

    import openpyxl
    from openpyxl.utils.datetime import to_excel

    from poam_xl import textstream

    days = [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2026, 1, 5),
            dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)]
    values: list[object] = days + [dt.datetime(2026, 1, 5), dt.datetime(2026, 1, 5, 12),
                                   dt.datetime(1900, 3, 1, 6)]
    ws = openpyxl.Workbook().active
    put = textstream.stream(ws).put
    cells = [(r, c, random.Random(r * 31 + c).choice(values)) for r in range(2, 40)
             for c in range(1, 6)]
    for r, c, v in cells:
        put(r, c, v)
    rows, _last_row, _last_col = textstream._rows_xml(textstream.stream(ws))
    written = re.findall(r'<c r="([A-Z]+)(\d+)"[^>]*><v>([^<]*)</v>', "".join(rows))
    assert len(written) == len(cells)
    from openpyxl.utils import get_column_letter

    expected = {(get_column_letter(c), str(r)): repr(to_excel(v)) for r, c, v in cells}
    assert {(col, row): v for col, row, v in written} == expected


def test_join_tags_remembers_tags_given_as_an_iterator() -> None:
    """Tags handed over as a generator are iterated once: the remembered parts are all of them."""
    joined = kept.join_tags(None, (t for t in [("eMASS", "A", "b"), ("poam-xl", "C", "d")]))
    assert kept.split_tags(joined) == (None, [("eMASS", "A", "b"), ("poam-xl", "C", "d")])
    assert kept.split_tags("".join(list(joined or ""))) == kept.split_tags(joined)  # a fresh parse
