"""Computed columns: due date from risk level, days open, days overdue, flag, priority order.

One implementation of the day rules, on **day numbers** (whole days since 1970-01-01: a Python
``int`` for one item, an ``int64`` numpy array for a table). ``add_days`` (calendar or business
days, Excel WORKDAY semantics), ``flag_of`` and ``overdue_of`` are the rules; ``derive`` applies
them to a whole table (``add_days`` on arrays; ``flag_of``/``overdue_of`` once per distinct
number of days late) and ``due_date``/``item_status`` apply them to one item (the Excel
worksheet functions in ``udf.py`` call those), so a UDF and `poam-xl update` cannot disagree.
``as_of`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from . import model
from .dates import MAX_DATE
from .policy import Policy

DERIVED = ("due_date", "proposed_milestone", "days_open", "days_overdue", "flag", "explanation")
NAT = np.iinfo(np.int64).min  # a blank date in an int64 day-number array (numpy's NaT)
_EPOCH = dt.date(1970, 1, 1).toordinal()
_LAST_DAY = MAX_DATE.toordinal() - _EPOCH  # the last day number a datetime64[ns] column holds
_CLOSED = frozenset(model.CLOSED_STATUSES)


# ---------------------------------------------------------------- the rules, on day numbers
def day_number(day: dt.date) -> int:
    """A date -> its day number (days since 1970-01-01; a datetime's time part is dropped)."""
    return day.toordinal() - _EPOCH


def from_day_number(n: int) -> dt.date:
    return dt.date.fromordinal(n + _EPOCH)


def status_is_open(status: str | None) -> bool:
    """Open = anything not Completed/Closed, a blank Status included (an unlabelled item is not
    done): the one definition derive, the dashboard, the rules and the profiles share."""
    return status not in _CLOSED


@lru_cache(maxsize=64)
def _holidays(holidays: tuple[dt.date, ...]) -> np.ndarray:
    return np.array(holidays, dtype="datetime64[D]").reshape(-1)


def add_days(start: Any, n: Any, pol: Policy) -> Any:
    """Day number(s) ``start`` + ``n`` days of the policy's kind (an int, or int64 arrays).

    Business days follow Excel WORKDAY: the n-th Monday-Friday, non-holiday day after the start
    (a weekend or holiday start counts from the business day before it), so a sheet formula
    agrees with us.
    """
    if pol.day_count != "business":
        return start + n
    out = np.busday_offset(np.asarray(start, dtype="int64").astype("datetime64[D]"), n,
                           roll="backward", holidays=_holidays(pol.holidays)).astype("int64")
    return out if out.ndim else int(out)


def elapsed(start: Any, end: Any) -> Any:
    """Days from day number(s) ``start`` to ``end`` (days open: identified -> completion or
    as-of; days late: target -> as-of)."""
    return end - start


def overdue_of(late: int) -> int:
    """Days overdue of an open item ``late`` days past its target (0 when not yet due)."""
    return late if late > 0 else 0


def flag_of(late: int, pol: Policy) -> str:
    """The flag of an open item ``late`` days past its target (negative: days ahead)."""
    if late > pol.late_days:
        return late_flag(pol)
    if late > 0:
        return "OVERDUE"
    if -late <= pol.due_soon_days:
        return "DUE SOON"
    return ""


def late_flag(pol: Policy) -> str:
    return f"{pol.late_days}+ DAYS LATE"


def _per_value(rule: Callable[[int], Any], late: np.ndarray) -> np.ndarray:
    """``rule`` applied to each distinct value of ``late`` once, spread back over the array."""
    values, where = np.unique(late, return_inverse=True)
    return np.array([rule(int(v)) for v in values] or [None], dtype=object)[where.reshape(-1)]


# ---------------------------------------------------------------- tables
def is_open(status: pd.Series) -> pd.Series:
    """``status_is_open`` of each row (canonical status values)."""
    return ~status.isin(model.CLOSED_STATUSES)


def _days_of(s: pd.Series) -> np.ndarray:
    days: np.ndarray = pd.to_datetime(s).to_numpy().astype("datetime64[D]").astype("int64")
    return days


def _dates_of(days: np.ndarray, index: pd.Index) -> pd.Series:
    """Day numbers as a date column; a day past what one holds (a due date after 2262-04-11)
    is none, never a date wrapped round to 1677."""
    days = np.where(days > _LAST_DAY, NAT, days)
    return pd.Series(days.astype("datetime64[D]").astype("datetime64[ns]"), index=index)


def _due_days(identified: np.ndarray, risk: pd.Series, pol: Policy) -> np.ndarray:
    n = risk.map(pol.days).astype("Float64").fillna(-1).to_numpy(dtype="int64", na_value=-1)
    ok = (identified != NAT) & (n >= 0)
    out = np.full(len(identified), NAT, dtype="int64")
    if ok.any():
        out[ok] = add_days(identified[ok], n[ok], pol)
    return out


def due_dates(identified: pd.Series, risk: pd.Series, pol: Policy) -> pd.Series:
    """Date Identified + the policy's days for the Risk Level (calendar or business days)."""
    return _dates_of(_due_days(_days_of(identified), risk, pol), identified.index)


def _int64(values: np.ndarray, ok: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(ok, values, 0).astype("int64"), ~ok)


def derive(items: pd.DataFrame, pol: Policy, as_of: dt.date) -> pd.DataFrame:
    """The derived columns for every item row (index kept), given canonical status/risk values.

    ``items`` needs status, risk_level, date_identified, milestone_date and completion_date.
    """
    today = day_number(as_of)
    index = items.index
    open_ = is_open(items["status"]).to_numpy(dtype=bool)
    identified = _days_of(items["date_identified"])
    due = _due_days(identified, items["risk_level"], pol)
    milestone = _days_of(items["milestone_date"])
    target = np.where(milestone != NAT, milestone, due)
    completion = _days_of(items["completion_date"])
    end = np.where(~open_ & (completion != NAT), completion, today)
    live = open_ & (target != NAT)
    late = elapsed(target[live], today)
    overdue = np.zeros(len(index), dtype="int64")
    overdue[live] = _per_value(overdue_of, late).astype("int64") if live.any() else 0
    flag = np.full(len(index), "", dtype=object)
    if live.any():
        flag[live] = _per_value(lambda v: flag_of(v, pol), late)
    due_s = _dates_of(due, index)
    out = pd.DataFrame({
        "due_date": due_s,
        # a blank Milestone Date is proposed from the policy for open items only
        "proposed_milestone": _dates_of(np.where(open_, target, milestone), index),
        "days_open": _int64(elapsed(identified, end), identified != NAT),
        "days_overdue": _int64(overdue, live),
        "flag": pd.Series(flag, index=index, dtype=object),
    }, index=index)
    out["explanation"] = explain(pd.to_datetime(items["date_identified"]).astype("datetime64[ns]"),
                                 items["risk_level"], due_s, pol, as_of)
    return out


def fill_records(rows: list[dict[str, object]], pol: Policy, as_of: dt.date) -> None:
    """Put the computed columns into item records, as `update` writes them into a workbook
    (used by the sample generator, the DSS writer and the importers)."""
    if not rows:
        return
    from .coerce import frame_from_records

    frame = frame_from_records(model.ITEMS, rows)
    # derive takes canonical words: a record may hold any spelling the reader accepts
    # ("Moderate", "CAT II", "in progress"), as validate's rules read them (structure.canonical)
    frame["risk_level"] = frame["risk_level"].map(lambda v: model.risk_level(v) or v)
    frame["status"] = frame["status"].map(lambda v: model.canonical_status(v) or v)
    derived = derive(frame, pol, as_of)
    for rec, d in zip(rows, derived.to_dict("records"), strict=True):
        rec["due_date"] = None if pd.isna(d["due_date"]) else d["due_date"].date()
        rec["days_open"] = None if pd.isna(d["days_open"]) else int(d["days_open"])
        rec["days_overdue"] = None if pd.isna(d["days_overdue"]) else int(d["days_overdue"])
        rec["flag"] = d["flag"] or None


def explain(identified: pd.Series, risk: pd.Series, due: pd.Series, pol: Policy,
            as_of: dt.date) -> pd.Series:
    """'due 2026-02-09 = identified 2026-01-10 + 30 calendar days (High, Policy sheet)' for each
    row (object Series, same index): the text around the two dates is built once per risk level."""
    skipped = [""] * len(due)
    if pol.day_count == "business" and pol.holidays:
        # only the weekday holidays that really fall between the two dates were skipped
        days_off = np.array(sorted(h for h in pol.holidays if h.weekday() < 5), dtype="datetime64[ns]")
        n = (np.searchsorted(days_off, due.to_numpy(), side="right")
             - np.searchsorted(days_off, identified.to_numpy(), side="right"))
        skipped = [f", skipping {k} holiday(s)" if k else "" for k in n.tolist()]
    sources = pol.days_sources()
    counted = pol.source_of("day_count")
    tail = f"); as of {as_of.isoformat()}"
    words: dict[Any, tuple[str, str]] = {}  # risk -> (' + 30 calendar days', ' (High, Policy sheet')
    for r in dict.fromkeys(risk.tolist()):
        n_days, source = pol.days.get(r), sources.get(r, pol.source)
        if counted != pol.source and source != counted:  # a blank Day count cell: whose rule it is
            source = f"{source}; day count: {counted}"
        words[r] = (f" + {'<NA>' if n_days is None else n_days} {pol.day_count} days", f" ({r}, {source}")
    text = [why if d is None else f"due {d} = identified {i}{words[r][0]}{h}{words[r][1]}{tail}"
            for d, i, r, h, why in zip(iso_days(due), iso_days(identified), risk.tolist(), skipped,
                                       _no_due_date(identified, risk, pol), strict=True)]
    return pd.Series(text, index=due.index, dtype=object)


def iso_days(days: pd.Series) -> list[str | None]:
    """A datetime64 column as 'YYYY-MM-DD' texts, None for NaT."""
    # each distinct day written once (a column holds far fewer days than rows)
    unique, where = np.unique(days.to_numpy("datetime64[ns]").astype("datetime64[D]"),
                              return_inverse=True)
    text = np.datetime_as_string(unique).astype(object)
    text[np.isnat(unique)] = None
    out: list[str | None] = text[where.reshape(-1)].tolist()
    return out


def _no_due_date(identified: pd.Series, risk: pd.Series, pol: Policy) -> list[str]:
    """Why a row has no due date (read only where it has none)."""
    why = np.full(len(risk), "no due date: no valid Risk Level", dtype=object)
    why[risk.map(pol.days).notna().to_numpy()] = f"no due date: it would fall after {MAX_DATE}"
    why[identified.isna().to_numpy()] = "no due date: Date Identified is empty or not a date"
    out: list[str] = why.tolist()
    return out


def priority_order(items: pd.DataFrame, derived: pd.DataFrame) -> pd.Index:
    """Row order: risk level (High first), then days overdue (most first), then due date."""
    rank = items["risk_level"].map({r: i for i, r in enumerate(model.RISK_LEVELS)}).fillna(9)
    key = pd.DataFrame({
        "rank": rank.astype(float),
        "over": -derived["days_overdue"].astype("Float64").fillna(-1).astype(float),
        "due": derived["proposed_milestone"],
    }, index=items.index)
    return key.sort_values(["rank", "over", "due"], kind="stable", na_position="last").index


# ---------------------------------------------------------------- one item (the UDFs)
def due_date(risk: str | None, identified: dt.date | None, pol: Policy) -> dt.date | None:
    """Date Identified + the policy's days for a canonical Risk Level; None if either is blank."""
    n = pol.days.get(risk) if risk is not None else None
    if n is None or identified is None:
        return None
    return from_day_number(add_days(day_number(identified), n, pol))


def item_status(status: str | None, risk: str | None, identified: dt.date | None,
                milestone: dt.date | None, pol: Policy, as_of: dt.date,
                completion: dt.date | None = None, due: dt.date | None = None) -> dict[str, object]:
    """Days open, days overdue and flag of one item, as ``derive`` computes them for a row.

    The target is the Milestone Date, else ``due``, else the policy due date; days are ints
    (None when a date is blank), the flag a string ("" for none).
    """
    open_ = status_is_open(status)
    target = milestone or due or due_date(risk, identified, pol)
    end = completion if (not open_ and completion is not None) else as_of
    days_open = None if identified is None else days_open_of(identified, end)
    if not open_ or target is None:
        return {"days_open": days_open, "days_overdue": None, "flag": ""}
    late = elapsed(day_number(target), day_number(as_of))
    return {"days_open": days_open, "days_overdue": overdue_of(late), "flag": flag_of(late, pol)}


def days_open_of(identified: dt.date, end: dt.date) -> int:
    """Days open of an item identified on ``identified``, as of ``end`` (as-of, or completion)."""
    return elapsed(day_number(identified), day_number(end))  # type: ignore[no-any-return]
