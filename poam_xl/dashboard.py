"""The Dashboard sheet: counts by status and risk, overdue, aging, closed per month, and charts.

The numbers are values written by poam-xl (template, `update`, the Refresh button), laid out
in fixed blocks so the native Excel charts always point at the same ranges.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from . import derive, model
from .policy import Policy
from .values import is_blank

AGING = (("0-30 days", 0, 30), ("31-90 days", 31, 90), ("91-180 days", 91, 180), ("180+ days", 181, None))
MONTHS = 12
BLANK, OTHER = "(blank)", "(other)"  # items with no Status / a Status not in the list
STATUS_ROWS = (*model.STATUSES, BLANK, OTHER)  # the status table's rows: they add up to the items
# the bar charts' titles and the summary figures each one plots (for their count axes)
CHARTS = {"Items by risk level": ("by_risk", "open_by_risk"), "Open items by age": ("aging",),
          "Items closed per month": ("closed_per_month",)}


def summary(items: pd.DataFrame, derived: pd.DataFrame, as_of: dt.date, pol: Policy) -> dict[str, Any]:
    """All dashboard figures from canonical items and their derived columns (counts of values
    taken once per column, a table at a time)."""
    status = items["status"]
    is_open = derive.is_open(status).to_numpy(dtype=bool)
    flags = _counts(derived["flag"].fillna("").tolist())
    overdue = is_open & (derived["days_overdue"].fillna(0).to_numpy(dtype="int64") > 0)
    days_open = derived["days_open"].to_numpy(dtype="float64", na_value=np.nan)[is_open]
    aging = {label: int(((days_open >= lo) & (days_open <= (np.inf if hi is None else hi))).sum())
             for label, lo, hi in AGING}
    first = dt.date(as_of.year, as_of.month, 1)
    done = Counter(items["completion_date"].to_numpy("datetime64[ns]")[~is_open]
                   .astype("datetime64[M]").tolist())  # closed items per month (NaT: None)
    months = []
    for k in range(MONTHS - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - k, 12)
        months.append((f"{y:04d}-{m + 1:02d}", done.get(dt.date(y, m + 1, 1), 0)))
    risk = items["risk_level"].tolist()
    by_risk = _counts(risk)
    open_risk = _counts([r for r, o in zip(risk, is_open.tolist(), strict=True) if o])
    return {
        "as_of": as_of,
        "items": len(items),
        "open": int(is_open.sum()),
        "overdue": int(overdue.sum()),
        "due_soon": flags.get("DUE SOON", 0),
        "late": sum(n for f, n in flags.items() if isinstance(f, str) and f.endswith("DAYS LATE")),
        "by_status": by_status(status),
        "by_risk": {r: by_risk.get(r, 0) for r in model.RISK_LEVELS},
        "open_by_risk": {r: open_risk.get(r, 0) for r in model.RISK_LEVELS},
        "aging": aging,
        "closed_per_month": months,
    }


def by_status(status: pd.Series) -> dict[str, int]:
    """Items per status (STATUS_ROWS order): every item counted once, so the counts add up to
    the number of items; a blank Status and one not in the list have rows of their own."""
    values = _counts(status.tolist())
    counts = {s: values.get(s, 0) for s in model.STATUSES}
    counts[BLANK] = sum(n for v, n in values.items() if is_blank(v))
    counts[OTHER] = len(status) - sum(counts.values())
    return counts


def _counts(values: list[Any]) -> Counter[Any]:
    """How often each value occurs; a value that cannot be a key (a list) counts as one no
    figure names (the "(other)" status)."""
    try:
        return Counter(values)
    except TypeError:
        return Counter(map(_key, values))


def _key(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return _UNHASHABLE
    return value


_UNHASHABLE = object()


def count_step(largest: int) -> int:
    """The major unit of a count axis: whole items (1, 2, 5, 10, 20, 50 ...), at most 8 steps."""
    step = 1
    while largest > 8 * step:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def axis_steps(s: dict[str, Any]) -> dict[str, int]:
    """Bar chart title -> the major unit of its count axis for these figures."""
    out = {}
    for title, keys in CHARTS.items():
        values = [v for k in keys for v in (s[k].values() if isinstance(s[k], dict)
                                            else (n for _, n in s[k]))]
        out[title] = count_step(max(values, default=0))
    return out


def cells(s: dict[str, Any]) -> dict[str, Any]:
    """Dashboard cell -> value (the one layout; the sheet builder and `update` both use it)."""
    out: dict[str, Any] = {"B3": s["as_of"], "B5": s["items"], "B6": s["open"], "B7": s["overdue"],
                           "B8": s["due_soon"], "B9": s["late"]}
    for i, (k, v) in enumerate(s["by_status"].items()):
        out[f"D{5 + i}"], out[f"E{5 + i}"] = k, v
    for i, r in enumerate(model.RISK_LEVELS):
        out[f"G{5 + i}"], out[f"H{5 + i}"], out[f"I{5 + i}"] = r, s["by_risk"][r], s["open_by_risk"][r]
    for i, (k, v) in enumerate(s["aging"].items()):
        out[f"K{5 + i}"], out[f"L{5 + i}"] = k, v
    for i, (k, v) in enumerate(s["closed_per_month"]):
        out[f"N{5 + i}"], out[f"O{5 + i}"] = k, v
    if "sprs_score" in s:  # CMMC profile (32 CFR 170.24 scoring): shown under the counts
        out["A11"], out["B11"] = "SPRS score (CMMC)", s["sprs_score"]
        out["A12"], out["B12"] = "Conditional status eligible", (
            "Yes" if s.get("cmmc_conditional_eligible") else "No")
    return out


LABELS = {"A3": "As of", "A5": "Items", "A6": "Open", "A7": "Overdue", "A8": "Due soon",
          "A9": "Late (past threshold)", "D4": "Status", "E4": "Items", "G4": "Risk", "H4": "All",
          "I4": "Open", "K4": "Open items by age", "L4": "Items", "N4": "Month", "O4": "Closed"}
