"""Structure and value rules: the table's columns, cells that hold no usable value, spellings.

These run before the item rules: a missing column, a date that is not a date, an Excel error
value or a formula without a cached value is reported here, at its cell; choice values are
mapped onto their allowed spelling ('high' -> 'High', 'Moderate' -> 'Medium') with a warning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from . import model, schema
from .findings import Finding, RuleSet
from .layouts import OUTDATED
from .reader import TOO_LONG, UNCACHED, Invalid, Poam, TableData
from .values import excerpt, item_prefix, parse_ref, plain

RULES = RuleSet()
RULES.rule("table.missing-columns", "error", "The items table has every required column",
     "Add the missing column headers (see the Instructions sheet), or use the current template.")
RULES.rule("table.duplicate-header", "error", "No column header appears twice",
     "Rename or delete the duplicate column; only the first one is read.")
RULES.rule("table.empty", "warning", "The POA&M lists at least one item",
     "Add the open weaknesses; an empty POA&M is unusual for a system under review.")
RULES.rule("table.not-read", "warning", "Every sheet's POA&M table is read",
     "Give the sheet the same columns as the first POA&M table (or move its items there), or "
     "save it as a workbook of its own and validate that.")
RULES.rule("milestones.missing-sheet", "warning", "The workbook has a Milestones sheet",
     "Add the Milestones sheet from the current template (`poam-xl new`).")
RULES.rule("date.invalid", "error", "Date cells hold real dates",
     "Enter a date (e.g. 2026-03-31) or format the cell as a date.")
RULES.rule("number.invalid", "error", "Number cells hold numbers", "Enter a whole number.")
RULES.rule("value.error", "error", "Cells hold values, not Excel errors",
     "Fix the formula or type the value (#N/A, #REF! and the like are not values).")
RULES.rule("value.uncached", "error", "Formula cells have cached values",
     "Open and save the workbook in Excel (or recalculate it) so the computed values are stored.")
RULES.rule("text.too-long", "warning", "Text cells fit Excel's 32,767-character cell limit",
     "Shorten the text (or move it to an attachment): Excel cuts a cell at 32,767 characters.")
RULES.rule("policy.invalid", "error", "Policy sheet values are valid",
     "Enter a whole number of days (or calendar/business for Day count).")
RULES.rule("template.unknown", "error", "The workbook uses a recognised POA&M template",
     "Copy the items into the current template (`poam-xl new`).")
RULES.rule("template.outdated", "warning", "The workbook uses the current version of its template",
     "Move the items to the current template (`poam-xl convert IN OUT --to <format>`).")
RULES.rule("template.other-profile", "error", "The workbook matches the profile it is validated under",
     "Validate with the matching --profile, or convert it with `poam-xl convert`.")


def outdated(template: str) -> list[Finding]:
    current = OUTDATED.get(template)
    if not current:
        return []
    return [RULES.make("template.outdated", f"this workbook uses the {template} template; the current "
                 f"one is {current}")]


def table_structure(poam: Poam) -> list[Finding]:
    out: list[Finding] = []
    for data, table in ((poam.items, poam.layout.items), (poam.milestones, poam.layout.milestones)):
        if data is None or table is None:
            continue
        missing = [table.column(k).header for k in data.missing if table.column(k).required]
        if missing:
            out.append(RULES.make("table.missing-columns", f"{data.sheet} table (header row "
                            f"{data.header_row}) has no column {', '.join(repr(m) for m in missing)}",
                            sheet=data.sheet, cell=f"A{data.header_row}"))
        for header, letters in data.duplicates:
            out.append(RULES.make("table.duplicate-header", f"column {header!r} appears {len(letters)} "
                            f"times ({', '.join(letters)}); only {letters[0]} is read",
                            sheet=data.sheet, cell=f"{letters[1]}{data.header_row}", column=header))
    if poam.items.frame.empty:
        out.append(RULES.make("table.empty", f"the {poam.items.sheet} table has no items",
                        sheet=poam.items.sheet, cell=f"A{poam.items.header_row + 1}"))
    for u in poam.native.get("unread", []):
        out.append(RULES.make("table.not-read", f"sheet {u['sheet']!r} holds another POA&M table "
                              f"({u['rows']} row(s) under header row {u['header_row']}) with "
                              f"other columns than {poam.items.sheet!r}: its items are not read",
                              sheet=u["sheet"], cell=f"A{u['header_row']}"))
    if poam.milestones is None and poam.layout.milestones is not None:
        out.append(RULES.make("milestones.missing-sheet", "no Milestones sheet found"))
    return out


def invalid_values(poam: Poam) -> list[Finding]:
    out: list[Finding] = []
    for inv in poam.invalid:
        # a date before 1900 or a bare time (what a serial of 0 or less reads as): no repr
        raw = inv.value.date() if isinstance(inv.value, dt.datetime) else inv.value
        value = excerpt(raw.isoformat() if isinstance(raw, dt.date | dt.time) else raw)
        if isinstance(inv.value, str) and inv.value.strip().startswith("#") and inv.value.strip(
                ).upper().rstrip("!?0/") in ("#N/A", "#REF", "#VALUE", "#DIV", "#NAME", "#NUM", "#NULL"):
            rid = "value.error"
        elif inv.expected == UNCACHED:
            item = _item_at(poam, inv)
            who = item_prefix(item)
            out.append(RULES.make("value.uncached", f"{who}{_label(poam, inv.table, inv.key)} is a formula "
                            "with no cached value", sheet=inv.sheet, cell=inv.cell, item=item,
                            column=_label(poam, inv.table, inv.key)))
            continue
        elif inv.expected == TOO_LONG:  # value = the text's length (issue 14)
            out.append(RULES.make("text.too-long", f"{inv.sheet}!{inv.cell} holds {inv.value:,} "
                                  "characters, over Excel's 32,767-character cell limit (read "
                                  "cut at 32,767)",
                                  sheet=inv.sheet, cell=inv.cell, item=_item_at(poam, inv)
                                  if inv.sheet != poam.items.sheet else _item_at(
                                      poam, Invalid("items", "", inv.sheet, inv.cell, None, ""))))
            continue
        elif inv.table == "policy":
            rid = "policy.invalid"
        else:
            rid = "date.invalid" if inv.expected == "a date" else "number.invalid"
        label = _label(poam, inv.table, inv.key)
        item = _item_at(poam, inv)
        who = item_prefix(item)
        out.append(RULES.make(rid, f"{who}{label} {value!r} is not {inv.expected}", sheet=inv.sheet,
                        cell=inv.cell, item=item, column=label, value=value))
    return out


def _label(poam: Poam, table: str, key: str) -> str:
    try:
        if table == "items":
            return poam.layout.items.column(key).header
        if table == "milestones" and poam.layout.milestones is not None:
            return poam.layout.milestones.column(key).header
    except KeyError:
        pass
    for f in poam.layout.header_fields:
        if f.key == key:
            return f.label
    for s in model.POLICY_SETTINGS:
        if s.key == key:
            return s.label
    return key


def _item_at(poam: Poam, inv: Invalid) -> int | str | None:
    """The item a bad cell belongs to: its row's Item Number (items and milestones alike)."""
    data = {"items": poam.items, "milestones": poam.milestones}.get(inv.table)
    if data is None:
        return None
    row = (parse_ref(inv.cell, excel=False) or (0, 0))[0]
    return _item_value(data.frame["item_number"].get(row))


def _item_value(v: Any) -> int | str | None:
    """An Item Number as a finding names it: a whole number, or the text a generic layout's
    id column holds ("V-102")."""
    item = plain(v)
    return item if isinstance(item, int | str) and not isinstance(item, bool) else None


def _closure_from_status(frame: pd.DataFrame, raw: pd.Series) -> None:
    """A blank Closure Reason of an item whose Status named one ("Closed - Risk Accepted"):
    the reason the Status gives (the rules and due dates then read the item as it means)."""
    named = raw.map(lambda v: model.closed_as(v) if isinstance(v, str) else None)
    blank = frame["closure_reason"].isna() & named.notna()
    if blank.any():
        frame.loc[blank, "closure_reason"] = named[blank]


def canonical(data: TableData, table: model.Table) -> tuple[pd.DataFrame, list[Finding]]:
    """Choice columns mapped to their allowed spelling ('high' -> 'High', 'Moderate' -> 'Medium')."""
    frame = data.frame.copy()
    out: list[Finding] = []
    for col in table.columns:
        if col.kind != "choice" or col.key not in data.letters:
            continue
        raw = frame[col.key]
        uniq = {v for v in set(raw.tolist()) if pd.isna(v) is not True}  # each value once
        syn = model.RISK_SYNONYMS if col.allowed == model.RISK_LEVELS else model.CHOICE_SYNONYMS
        mapping = {v: (model.canonical_status(v) if col.key == "status" and schema.is_items(table)
                       else model.canonical_choice(v, col.allowed, syn)) for v in uniq}
        changed = {v: c for v, c in mapping.items() if c is not None and c != v}
        if not changed:
            continue
        frame[col.key] = raw.map(lambda v, m=changed: m.get(v, v) if v is not None else v)
        if col.key == "status" and schema.is_items(table) and "closure_reason" in frame:
            _closure_from_status(frame, raw)
        rid = schema.rule_id(col.key, "normalised", table)
        for row in raw.index[raw.isin(list(changed))]:
            item = _item_value(frame["item_number"].get(row)) if "item_number" in frame else None
            who = item_prefix(item)
            out.append(schema.RULES.make(rid, f"{who}{col.header} {excerpt(raw[row])!r} read as "
                            f"{changed[raw[row]]!r}", sheet=data.sheet,
                            cell=f"{data.letters[col.key]}{row}", item=item, column=col.header,
                            value=excerpt(raw[row])))
    return frame, out
