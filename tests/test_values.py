"""values: one behaviour for cell values, blanks, A1 references, message prefixes, CSV escaping."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

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
