"""One implementation: the worksheet functions (scalar) and derive (vectorised) agree on a grid
of inputs: calendar and business days with holidays, status synonyms, blanks, 1900/1904 dates."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest

from poam_xl import dates, derive, model, policy, udf

D = dt.date
HOLIDAYS = (D(2026, 11, 26), D(2026, 12, 25), D(2027, 1, 1))
LABEL = {s.key: s.label for s in model.POLICY_SETTINGS}


def _range(settings: dict[str, object], holidays: tuple[dt.date, ...]) -> list[list[object]]:
    """A Policy-sheet range as xlwings hands it over: label/value rows, a Holidays column."""
    rows = [[LABEL[k], v, None] for k, v in settings.items()]
    rows[0][2] = model.HOLIDAYS_LABEL
    for i, day in enumerate(holidays, start=1):
        rows[i][2] = dt.datetime.combine(day, dt.time())
    return rows


POLICIES = {
    "calendar": ({"days_high": 30, "days_medium": 90, "days_low": 180, "day_count": "calendar"}, ()),
    "business": ({"days_high": 30, "days_medium": 60, "days_low": 120, "day_count": "business",
                  "due_soon_days": 5, "late_days": 30}, HOLIDAYS),
}
# typed status -> canonical (as validate reads it); None = blank
STATUSES = {"Open": "Open", "ongoing": "In Progress", "in-progress": "In Progress",
            "Deferred": "Deferred", "complete": "Completed", "CLOSED": "Closed", None: None}
RISKS = {"High": "High", "moderate": "Medium", "CAT III": "Low", None: None}
IDENTIFIED = [D(2026, 11, 20), D(2026, 11, 21), D(2026, 11, 26), D(2024, 2, 29), None,
              dates.from_serial(45000.0), dates.from_serial(45000.0, date1904=True)]
MILESTONES = [None, D(2026, 11, 24), D(2026, 12, 1), D(2026, 8, 1)]
AS_OF = [D(2026, 11, 25), D(2027, 1, 4)]


def _cell(day: dt.date | None) -> object:
    return None if day is None else dt.datetime.combine(day, dt.time())  # xlwings: a datetime


@pytest.mark.parametrize("name", POLICIES)
def test_worksheet_functions_equal_derive_on_a_grid(name):
    settings, holidays = POLICIES[name]
    pol, bad = policy.from_settings(settings, holidays)
    assert not bad
    rng = _range(settings, holidays)
    grid = list(itertools.product(STATUSES, RISKS, IDENTIFIED, MILESTONES))
    for as_of in AS_OF:
        frame = pd.DataFrame({
            "status": [STATUSES[s] for s, *_ in grid],
            "risk_level": [RISKS[r] for _, r, *_ in grid],
            "date_identified": pd.to_datetime([i for *_, i, _ in grid]).astype("datetime64[ns]"),
            "milestone_date": pd.to_datetime([m for *_, m in grid]).astype("datetime64[ns]"),
            "completion_date": pd.Series(pd.NaT, index=range(len(grid)), dtype="datetime64[ns]"),
        })
        table = derive.derive(frame, pol, as_of)
        for (status, risk, ident, ms), row in zip(grid, table.itertuples(), strict=True):
            due = udf.POAM_DUE_DATE(risk, _cell(ident), rng)
            assert due == (None if pd.isna(row.due_date) else row.due_date.date()), (risk, ident)
            assert due == derive.due_date(RISKS[risk], ident, pol)
            flag = udf.POAM_FLAG(status, _cell(ms), _cell(due), _cell(as_of), rng)
            over = udf.POAM_IS_OVERDUE(status, _cell(ms), _cell(due), _cell(as_of), rng)
            if status is None:  # a blank Status: the functions leave the cell empty
                assert flag is None and over is None
            else:
                assert flag == (row.flag or None), (status, risk, ident, ms, as_of)
                late = row.days_overdue
                assert over is bool(not pd.isna(late) and late > 0)
            days = udf.POAM_DAYS_OPEN(_cell(ident), _cell(as_of))
            if model.canonical_choice(STATUSES[status], model.CLOSED_STATUSES) is None:
                assert days == (None if pd.isna(row.days_open) else int(row.days_open))
            one = derive.item_status(STATUSES[status], RISKS[risk], ident, ms, pol, as_of)
            assert one == {"days_open": None if pd.isna(row.days_open) else int(row.days_open),
                           "days_overdue": None if pd.isna(row.days_overdue) else int(row.days_overdue),
                           "flag": row.flag}


def test_closed_items_with_a_completion_date_agree():
    pol = policy.DEFAULT
    ident, ms, done = D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)
    frame = pd.DataFrame({"status": ["Closed", "Completed", "Open"], "risk_level": ["High"] * 3,
                          "date_identified": pd.to_datetime([ident] * 3),
                          "milestone_date": pd.to_datetime([ms] * 3),
                          "completion_date": pd.to_datetime([done] * 3)})
    table = derive.derive(frame, pol, D(2026, 11, 25))
    for row, status in zip(table.itertuples(), frame["status"], strict=True):
        one = derive.item_status(status, "High", ident, ms, pol, D(2026, 11, 25), completion=done)
        assert one["days_open"] == int(row.days_open) and one["flag"] == row.flag
    assert list(table["days_open"]) == [59, 59, 328]  # closed items stop ageing at completion


def test_business_days_skip_the_holidays_of_the_range():
    settings, holidays = POLICIES["business"]
    rng = _range(settings, holidays)
    # 30 business days from Friday 2026-11-20, skipping 26 Nov, 25 Dec and 1 Jan
    assert udf.POAM_DUE_DATE("High", dt.datetime(2026, 11, 20), rng) == D(2027, 1, 6)
    assert udf.POAM_DUE_DATE("High", dt.datetime(2026, 11, 20), rng[:1]) != D(2027, 1, 6)
