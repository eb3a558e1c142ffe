"""What a profile is: a framework's reader, due-date policy defaults, extra rules and the core
rules it turns off; and the Context every rule function sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..policy import DEFAULT, Policy

if TYPE_CHECKING:
    import pandas as pd

    from ..findings import Finding
    from ..reader import Poam


@dataclass
class Context:
    """What a rule function sees: the workbook as read, canonical items, derived columns."""

    poam: Poam
    items: pd.DataFrame  # canonical values (risk/status normalised), index = Excel row
    milestones: pd.DataFrame | None
    derived: pd.DataFrame
    policy: Policy
    as_of: dt.date
    extra: dict[str, Any] = field(default_factory=dict)  # per-validation scratch (e.g. item numbers)


RuleFn = Callable[[Context], "list[Finding]"]


@dataclass(frozen=True)
class Profile:
    """A framework's rule set over the one column model (DSS is the default and the base)."""

    name: str
    title: str
    policy: Policy = DEFAULT  # used when the workbook has no Policy sheet
    # the layouts this profile reads natively, tried in order (the last one is the fallback)
    layouts: tuple[str, ...] = ("dss",)
    rules: tuple[RuleFn, ...] = ()  # extra rules, run after the core rules
    disabled: frozenset[str] = frozenset()  # core rule ids that do not apply to this profile
    summary: Callable[[Context], dict[str, Any]] | None = None  # extra summary figures
    describe: str = ""

    def read(self, path: str | Path, **options: Any) -> Poam:
        """The workbook in the first of this profile's layouts it uses (reader.read)."""
        from ..reader import read

        return read(path, layout=self.layouts, **options)


DSS = Profile("dss", "DSS-style POA&M (DCSA classified systems)",
              describe="Default. Columns and header block from the DSS sample POA&M.")
