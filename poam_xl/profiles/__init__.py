"""Profiles: a framework's column set, allowed values, due-date policy defaults and extra rules.

Each profile module (``profiles/<name>.py``) defines ``PROFILE = Profile(...)``. The DSS profile
is the default and the base: a profile changes what it must and reuses the rest (the column
model, the core rules, the derived columns).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..policy import DEFAULT, Policy

if TYPE_CHECKING:
    import pandas as pd

    from ..findings import Finding
    from ..reader import Poam

NAMES = ("dss", "fedramp", "emass", "cmmc")


@dataclass
class Context:
    """What a rule function sees: the workbook as read, canonical items, derived columns."""

    poam: Poam
    items: pd.DataFrame  # canonical values (risk/status normalised), index = Excel row
    milestones: pd.DataFrame | None
    derived: pd.DataFrame
    policy: Policy
    as_of: dt.date
    extra: dict[str, Any] = field(default_factory=dict)  # profile-specific data (e.g. CMMC score)


RuleFn = Callable[[Context], "list[Finding]"]


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    policy: Policy = DEFAULT  # used when the workbook has no Policy sheet
    # read a workbook of this profile's layout into a Poam (None = the DSS reader)
    reader: Callable[..., Poam] | None = None
    rules: tuple[RuleFn, ...] = ()  # extra rules, run after the core rules
    disabled: frozenset[str] = frozenset()  # core rule ids that do not apply to this profile
    summary: Callable[[Context], dict[str, Any]] | None = None  # extra summary figures
    describe: str = ""

    def read(self, path: str | Path, **options: Any) -> Poam:
        if self.reader is None:
            from ..reader import read

            return read(path, **options)
        return self.reader(path, **options)


def get(name: str) -> Profile:
    """The profile called ``name`` (dss, fedramp, emass, cmmc)."""
    from ..errors import UsageError

    if name not in NAMES:
        raise UsageError(f"unknown profile {name!r}: choose one of {', '.join(NAMES)}")
    if name == "dss":
        return DSS
    module = importlib.import_module(f".{name}", __name__)
    return module.PROFILE  # type: ignore[no-any-return]


def applicable(name: str) -> list[Any]:
    """The rules a validation under profile ``name`` can raise: its own plus the core rules it
    does not disable (the `rules --profile` table and the JUnit test cases)."""
    from .. import validation  # noqa: F401  (declares the core rules)
    from ..findings import RULES

    prof = get(name)
    return sorted((r for r in RULES.values()
                   if name in r.profiles or ("dss" in r.profiles and not r.id.startswith("diff.")
                                             and r.id not in prof.disabled)),
                  key=lambda r: r.id)


DSS = Profile("dss", "DSS-style POA&M (DCSA classified systems)",
              describe="Default. Columns and header block from the DSS sample POA&M.")
