"""Excel dates: serials (1900 and 1904 systems), datetimes with time parts, text dates.

The only module that knows Excel's date quirks. Everything returns ``datetime.date`` (time
parts are dropped: a POA&M date is a day) or ``None`` for blank; ``BAD`` marks a value that
is present but is not a date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import UsageError
from .memo import text_memo

EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, through Excel's fake 1900-02-29
EPOCH_1904 = dt.date(1904, 1, 1)
MAX_SERIAL = 2958465  # 9999-12-31
# Excel's first date (serial 1). An earlier date cell is serial 0 or less, or a NaN the reader
# placed on the epoch: not a date a POA&M can hold.
MIN_DATE = dt.date(1900, 1, 1)
# The last day a date column holds (pandas' datetime64[ns] ends on 2262-04-11; a workbook
# cell, on 9999-12-31): a later day read from a file is no date.
MAX_DATE = dt.date(2262, 4, 11)


class _Bad:
    __slots__ = ()

    def __repr__(self) -> str:
        return "BAD"


BAD = _Bad()

_TEXT_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%m-%d-%y", "%d %b %Y",
    "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y", "%Y%m%d", "%d.%m.%Y",
)
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE_IN_TEXT = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})")


def from_serial(serial: float, date1904: bool = False) -> dt.date | None:
    """Excel serial number -> date (fraction = time of day, dropped)."""
    if not (0 < serial <= MAX_SERIAL) or serial != serial:
        return None
    days = int(serial)
    if date1904:
        return EPOCH_1904 + dt.timedelta(days=days)
    if days == 60:  # Excel's phantom 1900-02-29: nearest real day
        return dt.date(1900, 2, 28)
    if days < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=days)
    return EPOCH_1900 + dt.timedelta(days=days)


def to_serial(day: dt.date, date1904: bool = False) -> int:
    """date -> Excel serial in the workbook's date system."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if date1904:
        return (day - EPOCH_1904).days
    serial = (day - EPOCH_1900).days
    return serial - 1 if serial <= 60 else serial


def held(day: dt.date | None) -> dt.date | None:
    """``day`` (a date, its time dropped) when a date column can hold it (MIN_DATE to
    MAX_DATE), else None: a scanner's year 0001 or 2300 is no date."""
    if day is None:
        return None
    if isinstance(day, dt.datetime):
        day = day.date()
    return day if MIN_DATE <= day <= MAX_DATE else None


def check_day(day: dt.date, option: str) -> dt.date:
    """``day`` when a date column can hold it; raises UsageError naming ``option`` otherwise."""
    if held(day) is None:
        raise UsageError(f"{option} must be a date from {MIN_DATE} to {MAX_DATE}, not {day}")
    return day


@text_memo(4096)  # a POA&M repeats its dates: parse each text once
def parse_text(text: str) -> dt.date | None:
    """A text date in a common format ('2024-03-01', '3/1/2024', '1 Mar 2024', with time)."""
    s = " ".join(text.replace(",", " ").split())
    if not s:
        return None
    m = _ISO_TIME.match(s)
    if m:
        s = m.group(1)
    for fmt in _TEXT_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    # "3/1/2024 10:15 AM" and similar: date then a time
    head = s.split(" ")[0]
    if head != s:
        for fmt in _TEXT_FORMATS[:6]:
            try:
                return dt.datetime.strptime(head, fmt).date()
            except ValueError:
                continue
    return None


def find_date_in_text(text: str) -> dt.date | None:
    """A date inside a sentence ('Completed 11/13/2018', 'Patch servers 10/31/2018')."""
    m = _DATE_IN_TEXT.search(text)
    return parse_text(m.group(1)) if m else None


def to_date(value: object, date1904: bool = False) -> dt.date | None | _Bad:
    """Any cell value -> date, None (blank) or BAD (present but not a date)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.year >= MIN_DATE.year else BAD
    if isinstance(value, dt.date):
        return value if value >= MIN_DATE else BAD
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else to_date(value.to_pydatetime(), date1904)
    if isinstance(value, bool):
        return BAD
    if isinstance(value, int | float | np.integer | np.floating):
        if value != value:  # NaN
            return None
        day = from_serial(float(value), date1904)
        return BAD if day is None else day
    if isinstance(value, str):
        if not value.strip():
            return None
        stripped = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", stripped) and len(stripped) != 8:
            day = from_serial(float(stripped), date1904)  # a serial typed as text
            return BAD if day is None else day
        day = parse_text(stripped)
        return BAD if day is None else day
    return BAD


def column_to_dates(values: Iterable[object], date1904: bool = False) -> tuple[pd.Series, list[int]]:
    """Convert a column of cell values; returns (datetime64 series, positions that were BAD).

    Fast path: a column of naive datetimes from MIN_DATE on and blanks (what calamine gives
    for date-formatted cells) converts in one vectorised step; any other column goes cell by
    cell (``dates_one_by_one``: the rule the fast path is tested equal to).
    """
    vals = list(values)
    fast = _datetimes(vals)
    return (fast, []) if fast is not None else dates_one_by_one(vals, date1904)


_DATETIMES: set[type] = {dt.datetime, dt.date, type(None), str}


def only_types(cells: list[object], types: set[type]) -> bool:
    """True when every cell's type is one of ``types`` and every text among them is ''
    (what calamine gives for an empty cell that has a style)."""
    found = set(map(type, cells))
    return found <= types and (str not in found or not any(type(v) is str and v for v in cells))


def _datetimes(vals: list[object]) -> pd.Series | None:
    """``vals`` as a datetime64[ns] series of days when every cell is blank (None, '') or a
    naive date or datetime on or after MIN_DATE, else None (the cell-by-cell path decides)."""
    if not vals or not only_types(vals, _DATETIMES):
        return None
    if "" in vals:  # the empty texts as blanks: pandas parses each '' as text otherwise
        vals = [None if type(v) is str else v for v in vals]
    try:
        days = pd.DatetimeIndex(vals)
    except (TypeError, ValueError, AttributeError):  # tz-aware among naive; an odd tzinfo
        return None
    if days.tz is not None or (days.notna().any() and days.min() < pd.Timestamp(MIN_DATE)):
        return None
    return pd.Series(days.normalize()).astype("datetime64[ns]")  # past 2262: OutOfBoundsDatetime


def dates_one_by_one(vals: list[object], date1904: bool = False) -> tuple[pd.Series, list[int]]:
    """``column_to_dates`` a cell at a time: datetimes keep their day, anything else goes
    through ``to_date``."""
    out: list[object] = [None] * len(vals)
    bad: list[int] = []
    for i, v in enumerate(vals):
        if v is None or v == "":
            continue
        if isinstance(v, dt.datetime) and v.year >= MIN_DATE.year:
            out[i] = v.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
            continue
        d = v if type(v) is dt.date else to_date(v, date1904)
        if d is BAD:
            bad.append(i)
        elif d is not None:
            out[i] = d
    series = pd.Series(pd.to_datetime(pd.Series(out, dtype=object), errors="coerce"))
    return series.astype("datetime64[ns]"), bad


def as_date(value: object) -> dt.date | None:
    """A pandas/NumPy datetime-like (or None/NaT) -> date or None; text goes through
    ``to_date`` (a text that is no date, "TBD", is None: never an error)."""
    if isinstance(value, str):
        day_of_text = to_date(value)
        return day_of_text if isinstance(day_of_text, dt.date) else None
    if value is None or pd.isna(value):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    day: dt.date = pd.Timestamp(value).date()
    return day
