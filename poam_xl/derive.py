"""Computed columns: due date from risk level, days open, days overdue, flag, priority order.

One implementation, vectorised over a table; the scalar helpers (used by the Excel worksheet
functions) call the same code with a one-row table, so a UDF and `poam-xl update` can never
disagree. ``as_of`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import model
from .policy import Policy

DERIVED = ("due_date", "proposed_milestone", "days_open", "days_overdue", "flag", "explanation")


def is_open(status: pd.Series) -> pd.Series:
    """Open = anything not Completed/Closed, a blank Status included (an unlabelled item is not
    done): the one definition derive, the dashboard, the rules and the profiles share."""
    return ~status.isin(model.CLOSED_STATUSES)


def late_flag(pol: Policy) -> str:
    return f"{pol.late_days}+ DAYS LATE"


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def due_dates(identified: pd.Series, risk: pd.Series, pol: Policy) -> pd.Series:
    """Date Identified + the policy's days for the Risk Level (calendar or business days)."""
    days = risk.map(pol.days).astype("Float64")
    ok = identified.notna() & days.notna()
    out = pd.Series(pd.NaT, index=identified.index, dtype="datetime64[ns]")
    if not ok.any():
        return out
    base = identified[ok]
    n = days[ok].astype("int64")
    if pol.day_count == "business":
        start = base.values.astype("datetime64[D]")
        hol = np.array(pol.holidays, dtype="datetime64[D]").reshape(-1)
        # Excel WORKDAY semantics: the n-th business day after the start (a weekend or holiday
        # start counts from the business day before it), so a sheet formula agrees with us
        shifted = np.busday_offset(start, n.to_numpy(), roll="backward", holidays=hol)
        out.loc[ok] = pd.to_datetime(shifted).astype("datetime64[ns]")
    else:
        out.loc[ok] = base + pd.to_timedelta(n.to_numpy(), unit="D")
    return out


def derive(items: pd.DataFrame, pol: Policy, as_of: dt.date) -> pd.DataFrame:
    """The derived columns for every item row (index kept), given canonical status/risk values.

    ``items`` needs status, risk_level, date_identified, milestone_date and completion_date.
    """
    today = _ts(as_of)
    status = items["status"]
    open_ = is_open(status)
    identified = items["date_identified"]
    due = due_dates(identified, items["risk_level"], pol)
    milestone = items["milestone_date"]
    target = milestone.where(milestone.notna(), due)
    end = items["completion_date"].where(~open_ & items["completion_date"].notna(), today)
    days_open = (end - identified).dt.days.astype("Int64")
    late = (today - target).dt.days.astype("Int64")
    days_overdue = late.clip(lower=0).where(open_ & target.notna())
    ahead = -late
    flag = pd.Series("", index=items.index, dtype=object)
    soon = open_ & ahead.notna() & (ahead >= 0) & (ahead <= pol.due_soon_days)
    flag[soon.fillna(False).astype(bool)] = "DUE SOON"
    over = open_ & late.notna() & (late > 0)
    flag[over.fillna(False).astype(bool)] = "OVERDUE"
    very = open_ & late.notna() & (late > pol.late_days)
    flag[very.fillna(False).astype(bool)] = late_flag(pol)
    out = pd.DataFrame({
        "due_date": due,
        # a blank Milestone Date is proposed from the policy for open items only
        "proposed_milestone": target.where(open_, milestone),
        "days_open": days_open,
        "days_overdue": days_overdue.astype("Int64"),
        "flag": flag,
    }, index=items.index)
    out["explanation"] = explain(identified, items["risk_level"], due, pol, as_of)
    return out


def fill_records(rows: list[dict[str, object]], pol: Policy, as_of: dt.date) -> None:
    """Put the computed columns into item records, as `update` writes them into a workbook
    (used by the sample generator, the DSS writer and the importers)."""
    if not rows:
        return
    from .coerce import frame_from_records

    derived = derive(frame_from_records(model.ITEMS, rows), pol, as_of)
    for rec, d in zip(rows, derived.to_dict("records"), strict=True):
        rec["due_date"] = None if pd.isna(d["due_date"]) else d["due_date"].date()
        rec["days_open"] = None if pd.isna(d["days_open"]) else int(d["days_open"])
        rec["days_overdue"] = None if pd.isna(d["days_overdue"]) else int(d["days_overdue"])
        rec["flag"] = d["flag"] or None


def explain(identified: pd.Series, risk: pd.Series, due: pd.Series, pol: Policy,
            as_of: dt.date) -> pd.Series:
    """'due 2026-02-09 = identified 2026-01-10 + 30 calendar days (High, Policy sheet)' (vectorised)."""
    hol = pd.Series("", index=due.index, dtype=object)
    if pol.day_count == "business" and pol.holidays:
        # only the weekday holidays that really fall between the two dates were skipped
        days_off = np.array(sorted(h for h in pol.holidays if h.weekday() < 5), dtype="datetime64[ns]")
        n = (np.searchsorted(days_off, due.to_numpy(), side="right")
             - np.searchsorted(days_off, identified.to_numpy(), side="right"))
        n = pd.Series(n, index=due.index)
        hol = hol.where(n == 0, ", skipping " + n.astype(str) + " holiday(s)")
    days = risk.map(pol.days).astype("Int64").astype(str)
    # each number names its own source: the Policy sheet, or the default a blank cell fell back to
    source = risk.map(pol.days_sources()).fillna(pol.source).astype(str)
    counted = pol.source_of("day_count")
    if counted != pol.source:  # a blank Day count cell: say whose calendar/business rule it is
        source = source.where(source == counted, source + "; day count: " + counted)
    text = ("due " + due.dt.strftime("%Y-%m-%d") + " = identified " + identified.dt.strftime("%Y-%m-%d")
            + " + " + days + f" {pol.day_count} days" + hol + " (" + risk.astype(str)
            + ", " + source + f"); as of {as_of.isoformat()}")
    why = pd.Series("no due date: no valid Risk Level", index=due.index, dtype=object)
    why[identified.isna()] = "no due date: Date Identified is empty or not a date"
    return text.where(due.notna(), why).astype(object)


def priority_order(items: pd.DataFrame, derived: pd.DataFrame) -> pd.Index:
    """Row order: risk level (High first), then days overdue (most first), then due date."""
    rank = items["risk_level"].map({r: i for i, r in enumerate(model.RISK_LEVELS)}).fillna(9)
    key = pd.DataFrame({
        "rank": rank.astype(float),
        "over": -derived["days_overdue"].astype("Float64").fillna(-1).astype(float),
        "due": derived["proposed_milestone"],
    }, index=items.index)
    return key.sort_values(["rank", "over", "due"], kind="stable", na_position="last").index


# ---------------------------------------------------------------- scalar forms (UDFs)
def _one(risk: str | None, identified: dt.date | None, status: str | None = "Open",
         milestone: dt.date | None = None, completion: dt.date | None = None) -> pd.DataFrame:
    def ts(d: dt.date | None) -> object:
        return pd.Timestamp(d) if d else pd.NaT

    return pd.DataFrame({
        "status": [status], "risk_level": [risk],
        "date_identified": pd.Series([ts(identified)], dtype="datetime64[ns]"),
        "milestone_date": pd.Series([ts(milestone)], dtype="datetime64[ns]"),
        "completion_date": pd.Series([ts(completion)], dtype="datetime64[ns]"),
    })


def due_date(risk: str | None, identified: dt.date | None, pol: Policy) -> dt.date | None:
    frame = _one(risk, identified)
    d = due_dates(frame["date_identified"], frame["risk_level"], pol).iloc[0]
    return None if pd.isna(d) else d.date()


def item_status(status: str | None, risk: str | None, identified: dt.date | None,
                milestone: dt.date | None, pol: Policy, as_of: dt.date,
                completion: dt.date | None = None, due: dt.date | None = None) -> dict[str, object]:
    """Days open, days overdue and flag of one item (same code path as the table)."""
    frame = _one(risk, identified, status, milestone or due, completion)
    row = derive(frame, pol, as_of).iloc[0]
    return {k: (None if pd.isna(row[k]) else row[k]) for k in ("days_open", "days_overdue", "flag")}
