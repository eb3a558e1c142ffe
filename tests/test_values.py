"""values: one behaviour for cell values, blanks, A1 references, message prefixes, CSV escaping."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import values


@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), (float("nan"), None), (pd.NaT, None), (pd.NA, None), ("", None), ("  \n", None),
    (np.float64(3.0), 3), (3.0, 3), (2.5, 2.5), (np.int64(7), 7), (True, True),
    (2.0**60, 2.0**60),  # past 2**53 a float is not an exact whole number: kept a float
    (pd.Timestamp("2026-03-01 10:30"), dt.date(2026, 3, 1)),
    (dt.datetime(2026, 3, 1, 23, 59), dt.date(2026, 3, 1)),
    (np.datetime64("2026-03-01"), dt.date(2026, 3, 1)), (np.datetime64("NaT"), None),
    (dt.date(2026, 3, 1), dt.date(2026, 3, 1)), (" text ", " text "),
])
def test_plain(raw: object, expected: object) -> None:
    got = values.plain(raw)
    assert got == expected and type(got) is type(expected)


def test_blank_mask_matches_is_blank() -> None:
    s = pd.Series([None, "", " ", "x", 0, float("nan"), "0"], dtype=object)
    assert values.blank_mask(s).tolist() == [values.is_blank(v) for v in s]
    assert values.blank_mask(s).tolist() == [True, True, True, False, False, True, False]


@pytest.mark.parametrize(("ref", "expected"), [
    ("E12", (12, 5)), ("$AB$3", (3, 28)), ("xfd1048576", (1048576, 16384)),
    ("XFE1", None), ("A1048577", None), ("A0", None), ("A", None), ("A1:B2", None), ("", None),
    (None, None), ("1A", None),
])
def test_parse_ref(ref: str | None, expected: tuple[int, int] | None) -> None:
    assert values.parse_ref(ref) == expected
    assert values.is_ref(ref) is (expected is not None)


def test_refs_round_trip_and_synthetic_rows() -> None:
    for row, col in ((1, 1), (12, 5), (1048576, 16384), (99, 703)):
        assert values.split_ref(values.cell_ref(row, col)) == (row, col)
    assert values.parse_ref("D2000006") is None
    assert values.parse_ref("D2000006", excel=False) == (2000006, 4)
    assert values.column_index("ZZZ") == 18278  # past XFD still counted (hostile references)
    with pytest.raises(ValueError):
        values.split_ref("nope")


def test_who_and_prefix_name_items_plainly() -> None:
    assert values.item_prefix(np.int64(1)) == "item 1: "
    assert values.item_prefix(3.0) == "item 3: "
    assert values.item_prefix(None) == values.item_prefix(float("nan")) == ""
    assert values.who(None, 12) == "row 12" and values.who(np.int64(4), 12) == "item 4"
    assert values.excerpt(np.int64(1)) == "1"
    assert values.excerpt("a\nb") == "a\\nb"
    assert len(values.excerpt("x" * 500)) == 40


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", "'=quoted",
                                  "''+twice", "plain", "'plain", "a=b", "",
                                  "\uff1d1+1", "\uff0bcmd", "\uff0d5", "\uff20SUM(A1)", "'\uff1dx"])
def test_formula_escape_is_exactly_undone(text: str) -> None:
    escaped = values.escape_formula(text)
    assert not escaped.startswith(values.FORMULA_START)
    assert values.unescape_formula(escaped) == text
    assert values.escape_formula(5) == 5
    if text and text[0] in "\uff1d\uff0b\uff0d\uff20":  # full-width formula starts are escaped too
        assert escaped == "'" + text


def test_a_finding_keeps_text_item_ids_as_they_are() -> None:
    """Item ids that are text (also NumPy text) stay as given; NumPy numbers become plain ints."""
    import numpy as np

    from poam_xl.findings import Finding

    assert Finding("r", "error", "m", item=np.str_("  ")).item == "  "
    assert type(Finding("r", "error", "m", item=np.int64(7)).item) is int
    assert Finding("r", "error", "m", item="V-1").item == "V-1"


@pytest.mark.parametrize("item", [None, 7, np.int64(7), "V-1", np.str_("V-2"), True, 2.0])
@pytest.mark.parametrize("value", [None, "text", 3, np.float64(1.5), dt.date(2026, 1, 2)])
def test_a_rule_makes_the_finding_the_dataclass_makes(item, value) -> None:
    """Rule.finding fills plain findings in directly: equal (and equally hashed, shown,
    converted, frozen) to the Finding its dataclass constructor makes."""
    import dataclasses

    from poam_xl.findings import Finding, Rule

    rule = Rule("x.y", "warning", "title", "the hint")
    got = rule.finding("msg", sheet="S", cell="B7", item=item, column="Col", value=value)
    want = Finding(rule="x.y", severity="warning", message="msg", hint="the hint", sheet="S",
                   cell="B7", item=item, column="Col", value=value)
    assert got == want and hash(got) == hash(want) and repr(got) == repr(want)
    assert type(got.item) is type(want.item) and got.to_dict() == want.to_dict()
    assert rule.finding("m", hint="own").hint == "own"
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.message = "changed"  # type: ignore[misc]


_CELLS = [None, "", " ", "\t\n", "\u00a0", "x", " x ", "a\\b", "é", "\x07", 0, 0.0, float("nan"),
          1.5, True, pd.NA, pd.NaT, dt.date(2026, 1, 2), np.int64(3), b"  ", b"\xc2\xa0", b"TBD",
          np.str_(" "), np.bytes_(b" x ")]


class _Text(str):
    """A str subclass: blank by its text, like any str."""


@pytest.mark.parametrize("dtype", [object, "string", "Int64", "datetime64[ns]", float])
def test_blank_mask_matches_the_text_rule_on_every_kind_of_cell(dtype):
    """blank_mask (one pass in Python) gives what isna() | astype(str).str.strip() == '' gives,
    for every kind of cell and column dtype (the rule it is tested equal to)."""
    if dtype is object:
        column = pd.Series(_CELLS + [_Text("  "), _Text("y")], index=range(10, 10 + len(_CELLS) + 2))
    elif dtype == "string":
        column = pd.Series(["", " ", "x", None, " y\t"], dtype="string")
    elif dtype == "Int64":
        column = pd.Series([1, None, 0], dtype="Int64")
    elif dtype == "datetime64[ns]":
        column = pd.Series([dt.datetime(2026, 1, 2), None], dtype="datetime64[ns]")
    else:
        column = pd.Series([1.0, float("nan"), 0.0])
    expected = column.isna() | (column.astype(str).str.strip() == "")
    got = values.blank_mask(column)
    assert got.dtype == bool and got.index.equals(column.index)
    assert got.tolist() == expected.astype(bool).tolist()


def test_bytes_read_as_their_utf8_text() -> None:
    """Bytes (from a library caller; no reader gives them) are their UTF-8 text, as pandas'
    astype(str) reads them; a byte that is no UTF-8 is replaced, never an error."""
    assert values.cell_text(b" TBD ") == " TBD " and values.cell_text(7) == "7"
    assert values.blank_mask(pd.Series([b"\xff", b"\xc2\xa0", b"x"], dtype=object)).tolist() == [
        False, True, False]


def test_excerpt_escapes_exactly_as_unicode_escape():
    """The shortcut for plain ASCII text gives what the unicode_escape codec gives."""
    for text in ["plain text", 'quote " and \'', "back\\slash", "tab\there", "new\nline", "é",
                 "\x7f", "\u200b", "a" * 50, " ", ""]:
        escaped = text.encode("unicode_escape").decode("ascii")
        want = escaped if len(escaped) <= 40 else escaped[:39] + "…"
        assert values.excerpt(text) == want, text
    for text in (np.str_("High-risk"), _Text("plain")):  # text of another type: plain str back
        assert type(values.excerpt(text)) is str and repr(values.excerpt(text)) == repr(str(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.from_regex(r"\$?[A-Za-z]{1,4}\$?[0-9]{1,11}", fullmatch=True),
                 st.text(max_size=8)))
def test_findings_sort_by_the_cell_parse_ref_reads(cell):
    """parse_ref (plain names like 'E12' taken directly) reads every text as the general
    pattern does ('$', spaces, case, Excel's last cell), and sort_key orders by it."""
    import re

    from poam_xl.findings import Finding, sort_key

    m = re.match(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,9})$", cell.strip()) if cell else None
    want = None if m is None else (int(m.group(2)), values.column_index(m.group(1)))
    assert values.parse_ref(cell, excel=False) == want
    excel = want if want and want[0] <= 1_048_576 and want[1] <= 16_384 else None
    assert values.parse_ref(cell) == excel
    f = Finding("r.x", "warning", "m", sheet="S", cell=cell)
    assert sort_key(f) == ("S", *(want or (0, 0)), -1, "r.x")
