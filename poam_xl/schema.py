"""Row rules as pandera schemas, built from the column model (one declaration, no copies).

Every column's required/allowed/positive/unique constraint becomes a pandera ``Column`` whose
checks are *named with the rule id*; ``lazy=True`` collects all failures, and the failure
table's ``index`` (= Excel row) and ``column`` (= model key) give each finding its cell.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import model
from .findings import Finding, RuleSet, Severity
from .values import excerpt, item_prefix, plain

if TYPE_CHECKING:
    import pandera.pandas as pa

# pandera's built-in check names -> our rule suffixes
_BUILTIN = {"not_nullable": "required", "field_uniqueness": "unique"}
MAJOR_CHOICES = ("status", "risk_level")  # a wrong value here breaks due dates: error


def is_items(table: model.Table) -> bool:
    """The items table of any layout (its sheet is named as the model's; milestones are not)."""
    return table.sheet == model.ITEMS.sheet


def rule_id(key: str, suffix: str, table: model.Table = model.ITEMS) -> str:
    prefix = "" if is_items(table) else "milestone."
    return f"{prefix}{key.replace('_', '-')}.{suffix}"


def declare_rules(rules: RuleSet, table: model.Table) -> None:
    """A rule for every column constraint of ``table`` (required, allowed, spelled, positive,
    unique), read from the column model."""
    for c in table.columns:
        if c.derived:
            continue
        if c.required:
            rules.rule(rule_id(c.key, "required", table), "error", f"{c.header} is filled in",
                 f"Enter the {c.header}.")
        if c.kind == "choice":
            sev: Severity = ("error" if c.key in MAJOR_CHOICES or not is_items(table)
                             else "warning")
            rules.rule(rule_id(c.key, "allowed", table), sev, f"{c.header} is one of the allowed values",
                 f"Use the dropdown: {', '.join(c.allowed)}.")
            rules.rule(rule_id(c.key, "normalised", table), "warning",
                 f"{c.header} is spelled exactly as listed",
                 f"Use the dropdown spelling: {', '.join(c.allowed)}.")
        if c.key == "item_number":
            rules.rule(rule_id(c.key, "positive", table), "error", "Item Number is a positive whole number",
                 "Number items 1, 2, 3 ...")
    if is_items(table):
        rules.rule("item-number.unique", "error", "Item Numbers are unique",
             "Give each item its own number; never re-use the number of a deleted item.")


RULES = RuleSet()
declare_rules(RULES, model.ITEMS)
declare_rules(RULES, model.MILESTONES)


@functools.lru_cache(maxsize=32)
def build(table: model.Table, present: frozenset[str]) -> pa.DataFrameSchema:
    """The pandera schema for the columns of ``table`` that the workbook has (pandera is
    imported here, when a table is first checked, not when the rule catalogue is read)."""
    import pandera.pandas as pa

    columns: dict[str, pa.Column] = {}
    for c in table.columns:
        if c.derived or c.key not in present:
            continue
        checks = []
        if c.kind == "choice":
            checks.append(pa.Check.isin(list(c.allowed), error=rule_id(c.key, "allowed", table)))
        if c.key == "item_number" and c.kind == "int":  # text ids (generic layouts): no check
            checks.append(pa.Check.gt(0, error=rule_id(c.key, "positive", table)))
        columns[c.key] = pa.Column(
            nullable=not c.required, checks=checks, required=False, coerce=False,
            unique=(c.key == "item_number" and is_items(table)),
        )
    return pa.DataFrameSchema(columns, name=table.sheet, strict=False)


def column_findings(frame: pd.DataFrame, table: model.Table, present: set[str], letters: dict[str, str],
          sheet: str, items: pd.Series | None = None) -> list[Finding]:
    """Run the schema lazily and turn its failure table into findings at cells."""
    from pandera.errors import SchemaErrors

    schema = build(table, frozenset(present))
    try:
        schema.validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    out: list[Finding] = []
    seen: set[tuple[str, Any]] = set()
    for rec in cases.itertuples(index=False):
        key, row, check_name = rec.column, rec.index, str(rec.check)
        if key not in letters or row is None or pd.isna(row):
            continue
        base = check_name.split("(")[0]
        rid = rule_id(key, _BUILTIN[base], table) if base in _BUILTIN else check_name
        if (rid, row) in seen:
            continue
        seen.add((rid, row))
        col = table.column(key)
        value = rec.failure_case
        item = None if items is None else _item(items, row)
        out.append(RULES.make(rid, _message(rid, col, value, item), sheet=sheet,
                        cell=f"{letters[key]}{int(row)}", item=item, column=col.header,
                        value=None if value is None or pd.isna(value) else excerpt(value)))
    return out


def _item(items: pd.Series, row: Any) -> Any:
    return plain(items.get(row))  # a plain int, never np.int64


def _message(rid: str, col: model.Column, value: Any, item: Any) -> str:
    who = item_prefix(item)
    if rid.endswith(".required"):
        return f"{who}{col.header} is empty"
    if rid.endswith(".allowed"):
        return f"{who}{col.header} {excerpt(value)!r} is not one of {', '.join(col.allowed)}"
    if rid.endswith(".positive"):
        return f"{who}Item Number {excerpt(value)} is not a positive number"
    if rid.endswith(".unique"):
        return f"Item Number {excerpt(value)} is used more than once"
    return f"{who}{col.header}: {excerpt(value)}"
