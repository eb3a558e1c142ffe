"""Findings and the rule catalogue: every rule's stable id, severity, message, hint and source.

A finding is data (never an exception): which rule, where (sheet + cell), which item and
column, a one-line message a submitter can act on, and a hint saying how to fix it.
Rules register themselves here with ``rule(...)``; the README's rules table is generated
from this catalogue (``poam-xl rules``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from .values import parse_ref

Severity = Literal["error", "warning"]
SEVERITY_ORDER = {"error": 2, "warning": 1, "never": 99}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str  # one line: what the rule checks
    hint: str  # default fix hint
    source: str = "poam-xl default"  # the regulation or guidance it comes from
    profiles: tuple[str, ...] = ("dss",)


RULES: dict[str, Rule] = {}


def rule(id: str, severity: Severity, title: str, hint: str, source: str = "poam-xl default",
         profiles: tuple[str, ...] = ("dss",)) -> Rule:
    """Declare a rule in the catalogue (idempotent for the same declaration)."""
    r = Rule(id, severity, title, hint, source, profiles)
    old = RULES.get(id)
    if old is not None and old != r:
        raise ValueError(f"rule {id} declared twice differently")
    RULES[id] = r
    return r


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    hint: str = ""
    sheet: str | None = None
    cell: str | None = None  # "E12" (no sheet); None for whole-workbook findings
    item: int | str | None = None  # the item number the finding is about
    column: str | None = None  # header text of the column
    value: str | None = None  # short escaped excerpt of the offending value

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["where"] = self.where
        return d


def make(rule_id: str, message: str, *, hint: str | None = None, **where: Any) -> Finding:
    """A finding of a catalogued rule (severity and default hint come from the catalogue)."""
    r = RULES[rule_id]
    return Finding(rule=r.id, severity=r.severity, message=message,
                   hint=r.hint if hint is None else hint, **where)


def sort_key(f: Finding) -> tuple[Any, ...]:
    row, col = parse_ref(f.cell, excel=False) or (0, 0)
    return (f.sheet or "", row, col, -SEVERITY_ORDER[f.severity], f.rule)
