"""Findings and rules: every rule's stable id, severity, title, hint and source.

A finding is data (never an exception): which rule, where (sheet + cell), which item and
column, a one-line message a submitter can act on, and a hint saying how to fix it.

Each module that checks something declares its rules in a ``RuleSet`` of its own and makes
its findings through it (``RULES.make(id, message, ...)``); nothing is registered globally.
``catalogue.py`` assembles every rule set in one explicit list (the `rules` verb, the README's
rules table and the JUnit test cases read it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .values import excerpt, parse_ref, plain

Severity = Literal["error", "warning"]
SEVERITY_ORDER = {"error": 2, "warning": 1, "never": 99}
OURS = "poam-xl default"  # the source of a rule that is our choice, not a regulation's


@dataclass(frozen=True)
class Finding:
    """One problem at one place: ``where`` is 'Sheet!E12' (or the sheet, or '')."""

    rule: str
    severity: Severity
    message: str
    hint: str = ""
    sheet: str | None = None
    cell: str | None = None  # "E12" (no sheet); None for whole-workbook findings
    item: int | str | None = None  # the item number the finding is about
    column: str | None = None  # header text of the column
    value: str | None = None  # short escaped excerpt of the offending value

    def __post_init__(self) -> None:
        # plain Python values only (an item number straight from a frame is a NumPy scalar)
        if self.item is not None and type(self.item) is not int and not isinstance(self.item, str):
            object.__setattr__(self, "item", plain(self.item))
        if self.value is not None and not isinstance(self.value, str):
            object.__setattr__(self, "value", excerpt(self.value))

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["where"] = self.where
        return d


@dataclass(frozen=True)
class Rule:
    """A check's catalogue entry: ``id`` is stable ('milestone-date.after-due')."""

    id: str
    severity: Severity
    title: str  # one line: what the rule checks
    hint: str  # default fix hint
    source: str = OURS  # the regulation or guidance it comes from
    profiles: tuple[str, ...] = ("dss",)

    def finding(self, message: str, *, hint: str | None = None, sheet: str | None = None,
                cell: str | None = None, item: Any = None, column: str | None = None,
                value: Any = None) -> Finding:
        """A finding of this rule at ``sheet``/``cell``, about ``item`` and ``column``, with an
        excerpt of ``value`` (converted as ``Finding`` converts them)."""
        hint = self.hint if hint is None else hint
        if ((item is None or type(item) is int or isinstance(item, str))
                and (value is None or isinstance(value, str))):
            # nothing for __post_init__ to convert: filled in directly, a third of the time
            # of the frozen dataclass's __init__ (validate makes findings by the thousand)
            f = _new(Finding)
            f.__dict__.update(rule=self.id, severity=self.severity, message=message, hint=hint,
                              sheet=sheet, cell=cell, item=item, column=column, value=value)
            return f
        return Finding(rule=self.id, severity=self.severity, message=message, hint=hint,
                       sheet=sheet, cell=cell, item=item, column=column, value=value)


_new = object.__new__


class RuleSet:
    """The rules one module declares, keyed by id.

    ``profiles`` and ``source`` are the defaults of every rule declared here. Declaring an id
    twice raises ValueError (two modules would otherwise disagree on one rule).
    """

    def __init__(self, profiles: tuple[str, ...] = ("dss",), source: str = OURS) -> None:
        self.profiles = profiles
        self.source = source
        self._rules: dict[str, Rule] = {}

    def rule(self, id: str, severity: Severity, title: str, hint: str, source: str | None = None,
             profiles: tuple[str, ...] | None = None) -> Rule:
        """Declare a rule of this set and return it."""
        if id in self._rules:
            raise ValueError(f"rule {id} declared twice")
        r = Rule(id, severity, title, hint, source or self.source, profiles or self.profiles)
        self._rules[id] = r
        return r

    def make(self, rule_id: str, message: str, *, hint: str | None = None, **where: Any) -> Finding:
        """A finding of rule ``rule_id`` of this set (KeyError for an undeclared id)."""
        return self._rules[rule_id].finding(message, hint=hint, **where)

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)


def sort_key(f: Finding) -> tuple[Any, ...]:
    """Sheet, then row, then column, errors before warnings, then rule id."""
    row, col = parse_ref(f.cell, excel=False) or (0, 0)
    return (f.sheet or "", row, col, -SEVERITY_ORDER[f.severity], f.rule)
