"""The due-date policy: days per risk level, calendar or business days, windows.

Defaults are ours, not regulation (formats.md §1): High 30 / Medium 90 / Low 180 calendar days
from Date Identified, due-soon 14 days, 90+ days late, quarterly review. Users change them on
the workbook's Policy sheet; profiles (FedRAMP, eMASS, CMMC) bring their own defaults. Each
value knows where it came from (``Policy.source_of``): a Policy-sheet cell left blank or invalid
keeps the default, and explanations name that default as the source, not the sheet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from . import model
from .findings import OURS  # "poam-xl default": the source of a value nobody set

SHEET = "Policy sheet"  # the source of a value read from the workbook's Policy sheet
DAYS_KEYS = {"High": "days_high", "Medium": "days_medium", "Low": "days_low"}  # risk -> setting
_EXTRAS = (("due_soon_days", "due soon"), ("late_days", "late threshold"), ("review_days", "review"))


@dataclass(frozen=True)
class Policy:
    days: dict[str, int] = field(default_factory=lambda: {"High": 30, "Medium": 90, "Low": 180})
    day_count: str = "calendar"  # or "business": Mon-Fri, less holidays
    holidays: tuple[dt.date, ...] = ()
    due_soon_days: int = 14
    late_days: int = 90
    review_days: int = 90
    source: str = OURS  # where these values came from, for explanations
    # setting key (model.POLICY_SETTINGS) -> its source, for the values whose source is not ``source``
    sources: dict[str, str] = field(default_factory=dict)

    def source_of(self, key: str) -> str:
        """Where the value of setting ``key`` ('days_low', 'day_count', ...) came from."""
        return self.sources.get(key, self.source)

    def days_sources(self) -> dict[str, str]:
        """Risk level -> the source of its number of days ({'Low': 'poam-xl default', ...})."""
        return {risk: self.source_of(key) for risk, key in DAYS_KEYS.items()}

    def describe(self) -> str:
        """'High 30, Medium 90, Low 180 calendar days (Policy sheet)'; values from another source
        are named with theirs: '...; Low 180 calendar days (poam-xl default)'."""
        groups: dict[str, list[str]] = {}
        for risk, src in self.days_sources().items():
            groups.setdefault(src, []).append(f"{risk} {self.days[risk]}")
        parts = [f"{', '.join(d)} {self.day_count} days ({src})" for src, d in groups.items()]
        if self.source_of("day_count") != self.source:
            parts.append(f"day count {self.day_count} ({self.source_of('day_count')})")
        parts += [f"{label} {getattr(self, key)} days ({self.source_of(key)})"
                  for key, label in _EXTRAS if self.source_of(key) != self.source]
        return "; ".join(parts)

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
                  base: Policy = DEFAULT, source: str = SHEET) -> tuple[Policy, list[str]]:
    """Build a Policy from Policy-sheet values; returns (policy, keys whose value was invalid).

    A key that is absent, blank or invalid keeps ``base``'s value and ``base``'s source for it
    (``Policy.source_of``); the others are from ``source``.
    """
    bad: list[str] = []
    ints: dict[str, int] = {}
    given = {k: v for k, v in values.items() if not (v is None or str(v).strip() == "")}
    for key in ("days_high", "days_medium", "days_low", "due_soon_days", "late_days", "review_days"):
        if key not in given:
            continue
        try:
            number = float(str(given[key]).strip())
            if number < 0 or number != int(number) or number > 36500:
                raise ValueError
            ints[key] = int(number)
        except ValueError:
            bad.append(key)
    read = set(ints)
    day_count = base.day_count
    if "day_count" in given:
        dc = model.canonical_choice(given["day_count"], model.DAY_COUNTS)
        if dc is None:
            bad.append("day_count")
        else:
            day_count = dc
            read.add("day_count")
    days = {risk: ints.get(key, base.days[risk]) for risk, key in DAYS_KEYS.items()}
    main = source if read else base.source
    sources = {k: source if k in read else base.source_of(k) for k in (s.key for s in model.POLICY_SETTINGS)}
    pol = replace(base, days=days, day_count=day_count, holidays=tuple(sorted(set(holidays))),
                  due_soon_days=ints.get("due_soon_days", base.due_soon_days),
                  late_days=ints.get("late_days", base.late_days),
                  review_days=ints.get("review_days", base.review_days),
                  source=main, sources={k: v for k, v in sources.items() if v != main})
    return pol, bad
