"""The due-date policy: days per risk level, calendar or business days, windows.

Defaults are ours, not regulation (formats.md §1): High 30 / Medium 90 / Low 180 calendar days
from Date Identified, due-soon 14 days, 90+ days late, quarterly review. Users change them on
the workbook's Policy sheet; profiles (FedRAMP, eMASS, CMMC) bring their own defaults.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from . import model


@dataclass(frozen=True)
class Policy:
    days: dict[str, int] = field(default_factory=lambda: {"High": 30, "Medium": 90, "Low": 180})
    day_count: str = "calendar"  # or "business": Mon-Fri, less holidays
    holidays: tuple[dt.date, ...] = ()
    due_soon_days: int = 14
    late_days: int = 90
    review_days: int = 90
    source: str = "defaults"  # where these values came from, for explanations

    def describe(self) -> str:
        d = ", ".join(f"{k} {v}" for k, v in self.days.items())
        return f"{d} {self.day_count} days ({self.source})"

    def to_settings(self) -> dict[str, object]:
        """Values keyed like model.POLICY_SETTINGS (for writing the Policy sheet)."""
        return {
            "days_high": self.days["High"], "days_medium": self.days["Medium"],
            "days_low": self.days["Low"], "day_count": self.day_count,
            "due_soon_days": self.due_soon_days, "late_days": self.late_days,
            "review_days": self.review_days,
        }


DEFAULT = Policy()


def from_settings(values: dict[str, object], holidays: tuple[dt.date, ...] = (),
                  base: Policy = DEFAULT, source: str = "Policy sheet") -> tuple[Policy, list[str]]:
    """Build a Policy from Policy-sheet values; returns (policy, keys whose value was invalid)."""
    bad: list[str] = []
    ints: dict[str, int] = {}
    for key in ("days_high", "days_medium", "days_low", "due_soon_days", "late_days", "review_days"):
        if key not in values or values[key] in (None, ""):
            continue
        try:
            number = float(str(values[key]).strip())
            if number < 0 or number != int(number) or number > 36500:
                raise ValueError
            ints[key] = int(number)
        except ValueError:
            bad.append(key)
    day_count = base.day_count
    if values.get("day_count") not in (None, ""):
        dc = model.canonical_choice(values["day_count"], model.DAY_COUNTS)
        if dc is None:
            bad.append("day_count")
        else:
            day_count = dc
    days = {
        "High": ints.get("days_high", base.days["High"]),
        "Medium": ints.get("days_medium", base.days["Medium"]),
        "Low": ints.get("days_low", base.days["Low"]),
    }
    pol = replace(base, days=days, day_count=day_count, holidays=tuple(sorted(set(holidays))),
                  due_soon_days=ints.get("due_soon_days", base.due_soon_days),
                  late_days=ints.get("late_days", base.late_days),
                  review_days=ints.get("review_days", base.review_days),
                  source=source if values else base.source)
    return pol, bad
