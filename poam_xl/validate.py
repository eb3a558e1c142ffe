"""validate(): the one call every shell makes. Reads, normalises, checks, derives, summarises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .findings import Finding
from .read import Poam


@dataclass
class Report:
    """The result of validating one workbook (or the reason it could not be read)."""

    source: str | None
    profile: str
    as_of: dt.date
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    template: str = "unknown"  # recognised template/version, e.g. "dss", "fedramp-rev5"
    poam: Poam | None = None
    items: pd.DataFrame | None = None  # canonical items (risk/status normalised); index = Excel row
    derived: pd.DataFrame | None = None  # index = items' Excel rows; columns = derive.DERIVED
    dashboard: dict[str, Any] = field(default_factory=dict)  # dashboard.summary(...) figures
    error: str | None = None  # set when the file could not be read at all

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def status(self) -> str:
        if self.error:
            return "unreadable"
        return "errors" if self.errors else ("warnings" if self.warnings else "ok")


def validate(source: str | Path | Poam, *, profile: str = "dss", as_of: dt.date | None = None,
             **read_options: Any) -> Report:
    raise NotImplementedError  # being written: see issue 4
