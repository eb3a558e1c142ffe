"""Worksheet functions (xlwings UDFs): POAM_DUE_DATE, POAM_DAYS_OPEN, POAM_FLAG, POAM_IS_OVERDUE.

Each converts its cell arguments, then calls the one implementation of the day rules in
``derive`` (``derive.due_date`` / ``derive.item_status``: the scalar entry points of the rules
``derive.derive`` applies to a table in `poam-xl update`). Bad input gives Excel's #VALUE!
error (a real error value on Windows, see ``VALUE``), a blank input an empty result (None:
xlwings writes an empty string; Excel's ISBLANK is FALSE for every formula cell, use
``=LEN(cell)=0``), never a Python traceback. A call takes
microseconds (benchmarks/bench_udf.py): no table is built per cell, and a policy range is
parsed once per distinct content. Import with the "Import Functions" button (xlwings.conf:
UDF Modules = poam_xl.udf).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from . import dates, derive, model, policy
from .values import is_blank

F = TypeVar("F", bound=Callable[..., Any])
# CVErr(xlErrValue = 2015) as COM carries it: a VT_ERROR VARIANT holding SCODE 0x800A07DF (the
# code xlwings itself reads back for a #VALUE! cell, xlwings/_xlwindows.py cell_errors).
XL_ERR_VALUE = -2146826273


def _value_error() -> Any:
    """#VALUE! as Excel takes it from the UDF server: a real error (ISERROR is TRUE) through
    pywin32 on Windows; the text "#VALUE!" where there is no COM (macOS, headless tests)."""
    try:
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:
        return "#VALUE!"
    return VARIANT(pythoncom.VT_ERROR, XL_ERR_VALUE)


VALUE = _value_error()

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
    if type(v) is dt.datetime:  # what xlwings hands over for a date cell
        return v.date()
    d = dates.to_date(v)
    if d is dates.BAD:
        raise _Bad
    return d  # type: ignore[return-value]


def _as_of(v: Any) -> dt.date:
    d = _date(v)
    return d if d is not None else dt.date.today()  # the clock, read in the shell only


class _Choices(dict[Any, "str | None"]):
    """Typed value -> canonical choice (model.canonical_choice), remembered per typed value."""

    def __init__(self, allowed: tuple[str, ...], synonyms: dict[str, str]) -> None:
        super().__init__()
        self.allowed, self.synonyms = allowed, synonyms

    def __missing__(self, v: Any) -> str | None:
        r = None if is_blank(v) else model.canonical_choice(v, self.allowed, self.synonyms)
        if type(v) is str and len(self) < 1000:  # equal numbers (1, 1.0, True) share a key
            self[v] = r
        return r


_RISK = _Choices(model.RISK_LEVELS, model.RISK_SYNONYMS)
_STATUS = _Choices(model.STATUSES, model.CHOICE_SYNONYMS)  # as validate reads it


def _canonical(v: Any, choices: _Choices) -> str | None:
    """None for a blank cell, the canonical spelling, else _Bad."""
    try:
        r = choices[v]
    except TypeError:  # an unhashable value (a range where a cell was expected)
        raise _Bad from None
    if r is None and not is_blank(v):
        raise _Bad
    return r


def _policy_of(rng: Any) -> policy.Policy:
    """A Policy from the Policy sheet's range (the name ``policy_table`` covers its settings and
    holidays; a label/value range such as Policy!A4:B10 works too), else the defaults."""
    if rng is None:
        return policy.DEFAULT
    rows = rng if isinstance(rng, list) and rng and isinstance(rng[0], list) else [rng]
    try:
        key = tuple(tuple(r) for r in rows)
        hash(key)
    except TypeError:
        raise _Bad from None
    return _policy_cached(key)


@lru_cache(maxsize=32)
def _policy_cached(rows: tuple[tuple[Any, ...], ...]) -> policy.Policy:
    from .reader import Grid, policy_from_grids

    invalid: list[Any] = []
    pol, _cells, _found = policy_from_grids({model.POLICY_SHEET: Grid([list(r) for r in rows])},
                                            False, invalid)
    if invalid:
        raise _Bad
    return pol


@func
def POAM_DUE_DATE(risk_level, date_identified, policy_range=None) -> Any:  # type: ignore[no-untyped-def] # noqa: N802,E501
    """Date Identified + the policy's days for the Risk Level (empty if either is blank)."""
    try:
        risk, ident = _canonical(risk_level, _RISK), _date(date_identified)
        if risk is None or ident is None:
            return None
        return derive.due_date(risk, ident, _policy_of(policy_range))
    except Exception:  # _Bad or anything else: never a traceback in a cell
        return VALUE


@func
def POAM_DAYS_OPEN(date_identified, as_of=None) -> Any:  # type: ignore[no-untyped-def] # noqa: N802
    """Days since Date Identified, as of today or the given date."""
    try:
        ident = _date(date_identified)
        if ident is None:
            return None
        return derive.days_open_of(ident, _as_of(as_of))
    except Exception:
        return VALUE


def _status_of(status: Any, milestone_date: Any, due_date: Any, as_of: Any,
               policy_range: Any) -> dict[str, Any] | None:
    s = _canonical(status, _STATUS)
    if s is None:
        return None
    return derive.item_status(s, None, None, _date(milestone_date), _policy_of(policy_range),
                              _as_of(as_of), due=_date(due_date))


@func
def POAM_FLAG(status, milestone_date, due_date, as_of=None,  # type: ignore[no-untyped-def] # noqa: N802
              policy_range=None) -> Any:
    """OVERDUE, DUE SOON, 90+ DAYS LATE or empty, from the Milestone Date (else the Due Date)."""
    try:
        out = _status_of(status, milestone_date, due_date, as_of, policy_range)
        return None if out is None else (out["flag"] or None)
    except Exception:
        return VALUE


@func
def POAM_IS_OVERDUE(status, milestone_date, due_date, as_of=None,  # type: ignore[no-untyped-def] # noqa: N802,E501
                    policy_range=None) -> Any:
    """TRUE when an open item is past its Milestone Date (else its Due Date)."""
    try:
        out = _status_of(status, milestone_date, due_date, as_of, policy_range)
        if out is None:
            return None
        return bool(out["days_overdue"] is not None and out["days_overdue"] > 0)
    except Exception:
        return VALUE
