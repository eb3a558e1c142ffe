"""The rule catalogue: every rule set, assembled here in one explicit list.

Each checking module declares its rules in a ``RuleSet`` of its own; this module is the one
place that gathers them (for `poam-xl rules`, the README's rules table and the JUnit report's
test cases). Nothing depends on import order.
"""

from __future__ import annotations

from . import diff, profiles, rules, schema, structure
from .findings import Rule, RuleSet
from .profiles import cmmc, emass, fedramp

RULE_SETS: tuple[RuleSet, ...] = (
    structure.RULES, schema.RULES, rules.RULES, diff.RULES,
    fedramp.RULES, emass.RULES, cmmc.RULES,
)


def all_rules() -> dict[str, Rule]:
    """Every rule by id; ValueError if two rule sets declare the same id."""
    out: dict[str, Rule] = {}
    for rule_set in RULE_SETS:
        for r in rule_set:
            if r.id in out:
                raise ValueError(f"rule {r.id} declared in two rule sets")
            out[r.id] = r
    return out


def applicable(name: str) -> list[Rule]:
    """The rules a validation under profile ``name`` can raise: its own plus the core rules it
    does not disable (the `rules --profile` table and the JUnit test cases). Sorted by id."""
    prof = profiles.get(profiles.DSS.name if name == profiles.AUTO else name)
    return sorted((r for r in all_rules().values()
                   if name in r.profiles or ("dss" in r.profiles and not r.id.startswith("diff.")
                                             and r.id not in prof.disabled)),
                  key=lambda r: r.id)


def ordered() -> list[Rule]:
    """Every rule, DSS rules first, then each profile's (the README table's order)."""
    return sorted(all_rules().values(), key=lambda r: (r.profiles != ("dss",), r.profiles, r.id))
