"""Dashboard figures: the counts taken a column at a time equal the mask-by-mask counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import dashboard, derive, model
from poam_xl.policy import DEFAULT, Policy
from poam_xl.values import is_blank


def _summary_by_masks(items: pd.DataFrame, derived: pd.DataFrame, as_of: dt.date,
                      pol: Policy) -> dict[str, Any]:
    """The dashboard figures as computed a mask at a time before (the oracle)."""
    status = items["status"]
    is_open = derive.is_open(status)
    flag = derived["flag"].fillna("")
    overdue = is_open & (derived["days_overdue"].fillna(0) > 0)
    days_open = derived["days_open"].where(is_open)
    aging = {}
    for label, lo, hi in dashboard.AGING:
        sel = days_open.notna() & (days_open >= lo)
        if hi is not None:
            sel &= days_open <= hi
        aging[label] = int(sel.sum())
    months = []
    first = dt.date(as_of.year, as_of.month, 1)
    done = items["completion_date"].where(~is_open)
    for k in range(dashboard.MONTHS - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - k, 12)
        start = pd.Timestamp(y, m + 1, 1)
        end = start + pd.offsets.MonthBegin(1)
        months.append((start.strftime("%Y-%m"), int(((done >= start) & (done < end)).sum())))
    return {
        "as_of": as_of,
        "items": len(items),
        "open": int(is_open.sum()),
        "overdue": int(overdue.sum()),
        "due_soon": int((flag == "DUE SOON").sum()),
        "late": int(flag.str.endswith("DAYS LATE").sum()),
        "by_status": _by_status_by_masks(status),
        "by_risk": {r: int((items["risk_level"] == r).sum()) for r in model.RISK_LEVELS},
        "open_by_risk": {r: int(((items["risk_level"] == r) & is_open).sum()) for r in model.RISK_LEVELS},
        "aging": aging,
        "closed_per_month": months,
    }


def _by_status_by_masks(status: pd.Series) -> dict[str, int]:
    """Items per status (STATUS_ROWS order): every item counted once, so the counts add up to
    the number of items; a blank Status and one not in the list have rows of their own."""
    text = status.map(lambda v: None if is_blank(v) else str(v))
    counts = {s: int((text == s).sum()) for s in model.STATUSES}
    counts[dashboard.BLANK] = int(text.isna().sum())
    counts[dashboard.OTHER] = len(text) - sum(counts.values())
    return counts


ROW = st.tuples(
    st.sampled_from([*model.STATUSES, None, "", "  ", "Bogus", float("nan")]),
    st.sampled_from([*model.RISK_LEVELS, None, "Bogus"]),
    st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2027, 3, 1))),
    st.one_of(st.none(), st.integers(0, 400)),
    st.one_of(st.none(), st.integers(-5, 200)),
    st.sampled_from(["", None, "DUE SOON", "OVERDUE", "30+ DAYS LATE", "90+ DAYS LATE"]),
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(ROW, max_size=30), as_of=st.dates(dt.date(2025, 6, 1), dt.date(2027, 1, 31)))
def test_summary_equals_the_mask_by_mask_counts(rows: list[tuple[Any, ...]], as_of: dt.date) -> None:
    """Every figure (statuses incl. blank and other, risks, open by risk, overdue, due soon,
    late, aging buckets at their edges, closed per month) is the same as counted before."""
    index = pd.Index(range(12, 12 + len(rows)), name="row")
    items = pd.DataFrame({
        "status": pd.Series([r[0] for r in rows], index=index, dtype=object),
        "risk_level": pd.Series([r[1] for r in rows], index=index, dtype=object),
        "completion_date": pd.Series(pd.to_datetime([r[2] for r in rows]),
                                     index=index).astype("datetime64[ns]"),
    }, index=index)
    derived = pd.DataFrame({
        "days_open": pd.Series([r[3] for r in rows], index=index, dtype="Int64"),
        "days_overdue": pd.Series([r[4] for r in rows], index=index, dtype="Int64"),
        "flag": pd.Series([r[5] for r in rows], index=index, dtype=object),
    }, index=index)
    pol: Policy = DEFAULT
    assert dashboard.summary(items, derived, as_of, pol) == _summary_by_masks(items, derived, as_of, pol)


def test_values_that_cannot_be_keys_count_as_other() -> None:
    """A status or risk that is a list (from the library, never a cell) is counted under
    "(other)", as the mask-by-mask counts did, and breaks no figure."""
    status = pd.Series(["Open", ["Open"], None, ("a", [1])], dtype=object)
    assert dashboard.by_status(status) == _by_status_by_masks(status)
    assert dashboard.by_status(status)[dashboard.OTHER] == 2
