"""Excel dates in every form files really hold."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import dates


@pytest.mark.parametrize(("value", "date1904", "expected"), [
    (45000, False, dt.date(2023, 3, 15)),
    (45000.75, False, dt.date(2023, 3, 15)),  # time part dropped
    (43538, True, dt.date(2023, 3, 15)),  # 1904 system: 1462 days less
    (61, False, dt.date(1900, 3, 1)),
    (59, False, dt.date(1900, 2, 28)),
    (60, False, dt.date(1900, 2, 28)),  # Excel's phantom 1900-02-29
    (1, False, dt.date(1900, 1, 1)),
    (dt.datetime(2024, 2, 29, 23, 59), False, dt.date(2024, 2, 29)),
    ("2024-02-29", False, dt.date(2024, 2, 29)),
    ("2024-02-29T13:45:00", False, dt.date(2024, 2, 29)),
    ("2/29/2024", False, dt.date(2024, 2, 29)),
    ("3/03/2027", False, dt.date(2027, 3, 3)),  # eMASS/SAF text date
    ("29 Feb 2024", False, dt.date(2024, 2, 29)),
    ("Feb 29, 2024", False, dt.date(2024, 2, 29)),
    ("12/31/2024 10:15 AM", False, dt.date(2024, 12, 31)),
    ("45000", False, dt.date(2023, 3, 15)),  # a serial typed as text
    ("20240229", False, dt.date(2024, 2, 29)),
    (None, False, None),
    ("  ", False, None),
])
def test_to_date(value, date1904, expected):
    assert dates.to_date(value, date1904) == expected


@pytest.mark.parametrize("value", ["31/31/2024", "soon", "2024-02-30", True, -5, 10**9])
def test_not_a_date_is_bad(value):
    assert dates.to_date(value) is dates.BAD


@pytest.mark.parametrize("day", [dt.date(1900, 3, 1), dt.date(2024, 2, 29), dt.date(1999, 12, 31)])
@pytest.mark.parametrize("date1904", [False, True])
def test_serial_round_trip(day, date1904):
    if date1904 and day.year < 1904:
        return
    assert dates.from_serial(dates.to_serial(day, date1904), date1904) == day


def test_find_date_in_text():
    assert dates.find_date_in_text("Completed 11/13/2018") == dt.date(2018, 11, 13)
    assert dates.find_date_in_text("Implement Procedure B 10/31/2018") == dt.date(2018, 10, 31)
    assert dates.find_date_in_text("no date here") is None


def test_column_to_dates_reports_bad_positions():
    series, bad = dates.column_to_dates([dt.datetime(2024, 1, 2, 5, 6), "x", None, 45000, "2024-03-01"])
    assert bad == [1]
    assert [None if v != v else str(v)[:10] for v in series.astype(object)] == [
        "2024-01-02", None, None, "2023-03-15", "2024-03-01"]


def test_serial_zero_or_nan_on_the_epoch_is_not_a_date() -> None:
    """A date cell holding 0, a negative serial or NaN reads as 1899-12-30 or a bare time:
    present but not a date (Excel's first date is 1900-01-01, serial 1)."""
    import datetime as dt

    from poam_xl.dates import BAD, column_to_dates, to_date

    assert to_date(dt.datetime(1899, 12, 30)) is BAD and to_date(dt.date(1899, 12, 31)) is BAD
    assert to_date(dt.time(0, 0)) is BAD and to_date(dt.datetime(1900, 1, 1, 8)) == dt.date(1900, 1, 1)
    series, bad = column_to_dates([dt.datetime(1899, 12, 30), dt.datetime(2026, 3, 1, 9), None])
    assert bad == [0] and series[1] == dt.datetime(2026, 3, 1) and series.isna().tolist() == [
        True, False, True]


DATETIMES = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["x", " ", "3/15/2026", "2026-01-02"]),  # text: the cell-by-cell path
    st.dates(dt.date(1850, 1, 1), dt.date(9999, 12, 31)),
    st.dates(dt.date(1899, 12, 25), dt.date(1900, 1, 5)),
    st.datetimes(dt.datetime(1850, 1, 1), dt.datetime(2300, 12, 31)),
    st.datetimes(dt.datetime(1899, 12, 25), dt.datetime(1900, 1, 5)),  # about MIN_DATE
    st.datetimes(dt.datetime(2262, 4, 5), dt.datetime(2262, 4, 15)),  # about MAX_DATE
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1),
                 timezones=st.just(dt.timezone(dt.timedelta(hours=-5)))),
)


def _same_or_both_raise(values: list[object]) -> None:
    import pandas as pd

    try:
        expected: object = dates.dates_one_by_one(list(values))
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        expected = type(exc)
    try:
        got: object = dates.column_to_dates(values)
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        got = type(exc)
    if isinstance(expected, tuple) and isinstance(got, tuple):
        pd.testing.assert_series_equal(got[0], expected[0])
        assert got[1] == expected[1]
    else:
        assert got == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(DATETIMES, max_size=30))
def test_column_to_dates_fast_path_equals_cell_by_cell(values: list[object]) -> None:
    """A column of datetimes and blanks (what calamine gives for date cells) takes the
    vectorised path: the same days, bad positions and out-of-range errors as the cell-by-cell
    rule, with times, tz-aware datetimes, days before 1900 and after 2262 among them."""
    _same_or_both_raise(values)


@pytest.mark.parametrize("values", [
    [dt.datetime(2026, 3, 1, 23, 59, 59), None, dt.datetime(1900, 1, 1)],
    [None, None],
    [dt.datetime(1899, 12, 31, 12), dt.datetime(2026, 1, 1)],  # before MIN_DATE: bad
    [dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
    [dt.datetime(2026, 1, 1), "", dt.date(2026, 5, 1)],  # calamine's empty number cell: ''
    [dt.date(2026, 1, 1), " "],  # a text: the cell-by-cell path
    [dt.date(1899, 12, 31), dt.date(2026, 1, 1)],
    [dt.datetime(9999, 12, 31)],
])
def test_column_to_dates_fast_path_edges(values: list[object]) -> None:
    _same_or_both_raise(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "x"]), st.floats(allow_nan=True),
                          st.integers(), st.booleans(), st.dates()), max_size=12))
def test_only_types_is_the_count_of_types_rule(cells):
    """only_types: every cell's type allowed and every text '' - what counting the types and
    the empty texts says."""
    import collections

    allowed: set[type] = {type(None), str, float, dt.date}
    counts = collections.Counter(map(type, cells))
    assert dates.only_types(cells, allowed) == (
        counts.keys() <= allowed and counts[str] == cells.count(""))
