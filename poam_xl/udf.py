"""Worksheet functions (xlwings UDFs): POAM_DUE_DATE, POAM_DAYS_OPEN, POAM_FLAG, POAM_IS_OVERDUE.

Each converts its cell arguments, then calls the one implementation in ``derive`` (the same
code `poam-xl update` runs). Bad input gives an Excel-style error text ("#VALUE!") and a blank
input a blank result, never a Python traceback. Import with the "Import Functions" button
(xlwings.conf: UDF Modules = poam_xl.udf).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from . import dates, derive, model, policy
from .reader import Grid, policy_from_grids
from .values import is_blank

F = TypeVar("F", bound=Callable[..., Any])
VALUE = "#VALUE!"

try:  # xlwings is a dependency, but keep the functions importable without it
    import xlwings as xw

    func: Callable[..., Any] = xw.func
except ImportError:  # pragma: no cover
    def func(f: F | None = None, **_: Any) -> Any:
        return f if f is not None else (lambda g: g)


# The UDF parameters carry no annotations on purpose: xlwings reads annotations as converters.


class _Bad(Exception):
    """An argument that is present but not usable."""


def _date(v: Any) -> dt.date | None:
    d = dates.to_date(v)
    if d is dates.BAD:
        raise _Bad
    return d  # type: ignore[return-value]


def _as_of(v: Any) -> dt.date:
    d = _date(v)
    return d if d is not None else dt.date.today()  # the clock, read in the shell only


def _risk(v: Any) -> str | None:
    if is_blank(v):
        return None
    r = model.canonical_choice(v, model.RISK_LEVELS, model.RISK_SYNONYMS)
    if r is None:
        raise _Bad
    return r


def _status(v: Any) -> str | None:
    if is_blank(v):
        return None
    s = model.canonical_choice(v, model.STATUSES, model.CHOICE_SYNONYMS)  # as validate reads it
    if s is None:
        raise _Bad
    return s


def _policy_of(rng: Any) -> policy.Policy:
    """A Policy from the Policy sheet's range (the name ``policy_table`` covers its settings and
    holidays; a label/value range such as Policy!A4:B10 works too), else the defaults."""
    if rng is None:
        return policy.DEFAULT
    rows = rng if isinstance(rng, list) and rng and isinstance(rng[0], list) else [rng]
    invalid: list[Any] = []
    grid = Grid([list(r) for r in rows])
    pol, _cells, _found = policy_from_grids({model.POLICY_SHEET: grid}, False, invalid)
    if invalid:
        raise _Bad
    return pol


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except _Bad:
        return VALUE
    except Exception:  # never a traceback in a cell
        return VALUE


@func
def POAM_DUE_DATE(risk_level, date_identified, policy_range=None) -> Any:  # type: ignore[no-untyped-def] # noqa: N802,E501
    """Date Identified + the policy's days for the Risk Level (blank if either is blank)."""
    def run() -> Any:
        risk, ident = _risk(risk_level), _date(date_identified)
        if risk is None or ident is None:
            return ""
        return derive.due_date(risk, ident, _policy_of(policy_range))
    return _safe(run)


@func
def POAM_DAYS_OPEN(date_identified, as_of=None) -> Any:  # type: ignore[no-untyped-def] # noqa: N802
    """Days since Date Identified, as of today or the given date."""
    def run() -> Any:
        ident = _date(date_identified)
        if ident is None:
            return ""
        out = derive.item_status("Open", None, ident, None, policy.DEFAULT, _as_of(as_of))
        days = out["days_open"]
        return None if days is None else int(days)  # type: ignore[call-overload]
    return _safe(run)


def _status_of(status: Any, milestone_date: Any, due_date: Any, as_of: Any,
               policy_range: Any) -> dict[str, Any] | None:
    s = _status(status)
    if s is None:
        return None
    return derive.item_status(s, None, None, _date(milestone_date), _policy_of(policy_range),
                              _as_of(as_of), due=_date(due_date))


@func
def POAM_FLAG(status, milestone_date, due_date, as_of=None,  # type: ignore[no-untyped-def] # noqa: N802
              policy_range=None) -> Any:
    """OVERDUE, DUE SOON, 90+ DAYS LATE or blank, from the Milestone Date (else the Due Date)."""
    def run() -> Any:
        out = _status_of(status, milestone_date, due_date, as_of, policy_range)
        return "" if out is None else (out["flag"] or "")
    return _safe(run)


@func
def POAM_IS_OVERDUE(status, milestone_date, due_date, as_of=None,  # type: ignore[no-untyped-def] # noqa: N802,E501
                    policy_range=None) -> Any:
    """TRUE when an open item is past its Milestone Date (else its Due Date)."""
    def run() -> Any:
        out = _status_of(status, milestone_date, due_date, as_of, policy_range)
        if out is None:
            return ""
        return bool(out["days_overdue"] is not None and out["days_overdue"] > 0)
    return _safe(run)
