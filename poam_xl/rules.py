"""Cross-field, cross-row and header rules of the DSS profile, as plain functions of a Context.

Each rule function takes a Context and returns findings; ``CORE`` lists them in the order they
run, and ``RULES`` declares their ids, severities and hints. Sources: the product brief's DSS sample and
POA&M components (formats.md §1); where a rule is our default rather than a regulation, its
source says "poam-xl default".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from . import derive, model, policy, values
from .findings import Finding, RuleSet
from .profiles.base import Context
from .textdates import text_dates
from .values import blank_mask, cell_text, excerpt, plain_column

BRIEF = "DSS sample POA&M and POA&M components (product brief, formats.md §1)"


def listed(fn: Callable[[Context], Iterator[Finding]]) -> Callable[[Context], list[Finding]]:
    """A generator of findings as a function returning a list (what validation calls)."""
    def run(ctx: Context) -> list[Finding]:
        return list(fn(ctx))

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


RULES = RuleSet()
RULES.rule("description.placeholder", "error", "Non-Compliance Description is a real description",
     "Describe the specific weakness, e.g. 'shutdown configuration missing authentication'.", BRIEF)
RULES.rule("mitigation.required-open", "error", "Open items have a Mitigation Plan",
     "Say how the weakness will be corrected (procedure, technical fix, upgrade).", BRIEF)
RULES.rule("milestone-date.before-identified", "error", "Milestone Date is not before Date Identified",
     "Correct either date: mitigation cannot complete before the weakness was found.")
RULES.rule("milestone-date.after-due", "warning", "Milestone Date is within the policy due date",
     "Justify the later date in Milestone Changes and get ISSM/FSO approval, or bring it forward.")
RULES.rule("milestone-date.missing", "warning", "Open items have a Milestone Date",
     "Enter a Milestone Date; `poam-xl update` proposes the policy due date.")
RULES.rule("date-identified.future", "error", "Date Identified is not in the future",
     "Enter the date the weakness was actually found.")
RULES.rule("completion-date.required", "error", "Completed/Closed items have a Completion Date",
     "Enter the date the fix was completed and verified.", BRIEF)
RULES.rule("completion-date.future", "error", "Completion Date is not in the future",
     "A completion date is a past date: enter when the fix was verified.")
RULES.rule("completion-date.before-identified", "error", "Completion Date is not before Date Identified",
     "Correct the dates.")
RULES.rule("approval.required-closed", "error", "Completed/Closed items are approved by the ISSM/FSO",
     "Set ISSM/FSO Approval to Yes once the ISSM/FSO has reviewed the closure.", BRIEF)
RULES.rule("determination.closed-open-item", "error", "A DSS determination of Closed is on a closed item",
     "Set Status to Closed/Completed with its Completion Date, or correct the determination.", BRIEF)
RULES.rule("deferred.reason", "error", "Deferred items give a reason",
     "Say why in Milestone Changes, Comments or Resources Required (e.g. awaiting funding).", BRIEF)
RULES.rule("deferred.new-date", "error", "Deferred items have a new future Milestone Date",
     "Enter the new planned Milestone Date.", BRIEF)
RULES.rule("residual-risk.required", "error", "Items closed by risk acceptance describe the residual risk",
     "Describe the risk that remains and the controls still in place.", BRIEF)
RULES.rule("milestone.item-unknown", "error", "Milestones point to existing items",
     "Use the Item Number of an item on the POA&M sheet.")
RULES.rule("milestone.after-item-date", "warning", "Milestones are planned before the item's Milestone Date",
     "Move the milestone earlier or the item's Milestone Date later (with justification).", BRIEF)
RULES.rule("milestone.missing", "warning", "Open items are broken into dated milestones",
     "Add at least one milestone for the item on the Milestones sheet.", BRIEF)
RULES.rule("header.cage-code.format", "error", "CAGE Code is 5 letters or digits",
     "Enter the 5-character CAGE code, e.g. 1ABC2.", "CAGE code format (formats.md §1)")
RULES.rule("header.issm-phone.format", "warning", "ISSM phone numbers look like phone numbers",
     "Enter phone numbers like (703) 555-0142; separate several with '/'.")
RULES.rule("header.last-review.stale", "warning", "The POA&M was reviewed within the review interval",
     "Review the POA&M (at least quarterly) and update Last Review Date.",
     "Quarterly review (product brief); interval from the Policy sheet")
RULES.rule("header.last-review.missing", "warning", "Last Review Date is filled in",
     "Enter the date of the last POA&M review.")
RULES.rule("date.text", "warning", "Date cells hold dates, not text that reads as a date",
     "Re-enter it as a date, or run `poam-xl update FILE --fix-text-dates` (the text is kept in a note).",
     "Excel sorts, filters and colours text as text, not by date (poam-xl default)")
RULES.rule("policy.blank", "warning", "Policy sheet values are filled in",
     "Enter the value (a whole number of days, or calendar/business for Day count); until then the "
     "default named in the message is used.")
for _f in model.HEADER_FIELDS:
    if _f.required:
        RULES.rule(f"header.{_f.key.replace('_', '-')}.required", "error", f"{_f.label} is filled in",
             f"Enter the {_f.label} in the header block above the table.", BRIEF)

PLACEHOLDERS = {"", "tbd", "tbc", "todo", "na", "n/a", "none", "xxx", "x", "-", "?", "description",
                "text", "see above", "same as above", "placeholder", "enter description",
                "non-compliance description", "lorem ipsum"}
_LONGEST = max(map(len, PLACEHOLDERS))
CAGE = re.compile(r"^[A-Za-z0-9]{5}$")
PHONE = re.compile(r"^\+?[\d\s().\-x/ext]{7,}$")


# ---------------------------------------------------------------- helpers
def _numbers(ctx: Context, table: str = "items") -> dict[Any, Any]:
    """Excel row -> item number, computed once per validation (findings name their item)."""
    key = f"_numbers_{table}"
    if key not in ctx.extra:
        frame = ctx.items if table == "items" else ctx.milestones
        s = frame["item_number"] if frame is not None else pd.Series(dtype=object)
        ctx.extra[key] = dict(zip(s.index, plain_column(s), strict=True))
    return ctx.extra[key]  # type: ignore[no-any-return]


def _plain(column: pd.Series) -> pd.Series:
    """``column.map(values.plain)`` as an object Series (typed columns converted in bulk)."""
    return pd.Series(plain_column(column), index=column.index, dtype=object)


def _where(ctx: Context, key: str, row: Any, table: str = "items") -> dict[str, Any]:
    data = ctx.poam.items if table == "items" else ctx.poam.milestones
    assert data is not None
    col = data.letters.get(key)
    tbl = model.ITEMS if table == "items" else model.MILESTONES
    # no such column: no cell, but the sheet the item is on (validation._relocate places cells)
    sheet = data.locate(int(row))[0] if col is None and data.locate else data.sheet
    return {"sheet": sheet, "cell": f"{col}{row}" if col else None,
            "item": _numbers(ctx, table).get(row), "column": tbl.column(key).header}


def _many(ctx: Context, rule_id: str, key: str, rows: pd.Index, messages: list[str],
          table: str = "items") -> list[Finding]:
    """Findings of one rule on column ``key`` at Excel ``rows``, one message each: ``_where``
    for a whole column at once."""
    data = ctx.poam.items if table == "items" else ctx.poam.milestones
    assert data is not None
    col = data.letters.get(key)
    if col is None or data.locate:
        return [RULES.make(rule_id, m, **_where(ctx, key, r, table))
                for r, m in zip(rows, messages, strict=True)]
    rule, numbers = RULES[rule_id], _numbers(ctx, table)
    column = (model.ITEMS if table == "items" else model.MILESTONES).column(key).header
    return [rule.finding(m, sheet=data.sheet, cell=f"{col}{r}", item=numbers.get(r), column=column)
            for r, m in zip(rows.tolist(), messages, strict=True)]


def _days(column: pd.Series) -> list[str]:
    """A datetime64 column's days as ISO text ('NaT' for none): ``_d`` a column at a time."""
    return [d or "NaT" for d in derive.iso_days(column)]


def _who(ctx: Context, row: Any) -> str:
    return values.who(_numbers(ctx).get(row), row)


def _has(ctx: Context, key: str) -> bool:
    return key in ctx.poam.items.letters


def _open(ctx: Context) -> pd.Series:
    return derive.is_open(ctx.items["status"])


def _d(v: Any) -> str:
    if isinstance(v, dt.datetime):  # pandas Timestamps too: no conversion
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(pd.Timestamp(v).date().isoformat())


# ---------------------------------------------------------------- item rules
@listed
def description_placeholder(ctx: Context) -> Iterator[Finding]:
    desc = ctx.items["description"]
    # lowercase only what is short enough to be a placeholder (lower() never shortens text)
    bad = desc.notna() & pd.Series([len(t := cell_text(v).strip()) <= _LONGEST
                                    and t.lower() in PLACEHOLDERS for v in desc.tolist()],
                                   index=desc.index, dtype=bool)
    for row in desc.index[bad]:
        yield RULES.make("description.placeholder",
                   f"{_who(ctx, row)}: description {excerpt(desc[row])!r} is a placeholder",
                   **_where(ctx, "description", row))


@listed
def mitigation_required(ctx: Context) -> Iterator[Finding]:
    if not _has(ctx, "mitigation"):
        return
    bad = _open(ctx) & blank_mask(ctx.items["mitigation"])
    for row in ctx.items.index[bad]:
        yield RULES.make("mitigation.required-open",
                   f"{_who(ctx, row)} is {excerpt(ctx.items['status'][row])} but has no Mitigation Plan",
                   **_where(ctx, "mitigation", row))


@listed
def milestone_dates(ctx: Context) -> Iterator[Finding]:
    it, dv = ctx.items, ctx.derived
    ms, ident = it["milestone_date"], it["date_identified"]
    for row in it.index[(ms < ident).fillna(False).astype(bool)]:
        yield RULES.make("milestone-date.before-identified",
                   f"{_who(ctx, row)}: Milestone Date {_d(ms[row])} is before Date Identified "
                   f"{_d(ident[row])}", **_where(ctx, "milestone_date", row))
    justified = ~blank_mask(it["milestone_changes"])
    late = (ms > dv["due_date"]).fillna(False).astype(bool) & _open(ctx) & ~justified
    for row in it.index[late]:
        yield RULES.make("milestone-date.after-due",
                   f"{_who(ctx, row)}: Milestone Date {_d(ms[row])} is after the policy due date "
                   f"{_d(dv['due_date'][row])} ({it['risk_level'][row]}) with no justification",
                   **_where(ctx, "milestone_date", row))
    if _has(ctx, "milestone_date"):
        missing = _open(ctx) & ms.isna()
        for row in it.index[missing]:
            due = dv["due_date"][row]
            prop = f"; proposed {_d(due)} from the policy" if not pd.isna(due) else ""
            yield RULES.make("milestone-date.missing", f"{_who(ctx, row)} has no Milestone Date{prop}",
                       **_where(ctx, "milestone_date", row))


@listed
def dates_vs_today(ctx: Context) -> Iterator[Finding]:
    today = pd.Timestamp(ctx.as_of)
    it = ctx.items
    for row in it.index[(it["date_identified"] > today).fillna(False).astype(bool)]:
        yield RULES.make("date-identified.future", f"{_who(ctx, row)}: Date Identified "
                   f"{_d(it['date_identified'][row])} is after {ctx.as_of.isoformat()}",
                   **_where(ctx, "date_identified", row))
    comp = it["completion_date"]
    for row in it.index[(comp > today).fillna(False).astype(bool)]:
        yield RULES.make("completion-date.future", f"{_who(ctx, row)}: Completion Date {_d(comp[row])} "
                   f"is after {ctx.as_of.isoformat()}", **_where(ctx, "completion_date", row))
    for row in it.index[(comp < it["date_identified"]).fillna(False).astype(bool)]:
        yield RULES.make("completion-date.before-identified", f"{_who(ctx, row)}: Completion Date "
                   f"{_d(comp[row])} is before Date Identified {_d(it['date_identified'][row])}",
                   **_where(ctx, "completion_date", row))


@listed
def closed_items(ctx: Context) -> Iterator[Finding]:
    it = ctx.items
    closed = it["status"].isin(model.CLOSED_STATUSES)
    for row in it.index[closed & it["completion_date"].isna()]:
        yield RULES.make("completion-date.required",
                   f"{_who(ctx, row)} is {it['status'][row]} but has no Completion Date",
                   **_where(ctx, "completion_date", row))
    if _has(ctx, "issm_approval"):
        for row in it.index[closed & (it["issm_approval"] != "Yes")]:
            got = it["issm_approval"][row]
            yield RULES.make("approval.required-closed", f"{_who(ctx, row)} is {it['status'][row]} but "
                       f"ISSM/FSO Approval is {'empty' if pd.isna(got) else repr(got)}",
                       **_where(ctx, "issm_approval", row))
    det_closed = it["dss_determination"] == "Closed"
    for row in it.index[det_closed & ~closed & it["status"].notna()]:
        yield RULES.make("determination.closed-open-item", f"{_who(ctx, row)}: DSS determination is "
                   f"Closed but Status is {excerpt(it['status'][row])}",
                   **_where(ctx, "dss_determination", row))
    accepted = closed & (it["closure_reason"] == "Risk Accepted")
    for row in it.index[accepted & blank_mask(it["residual_risk"])]:
        yield RULES.make("residual-risk.required", f"{_who(ctx, row)} was closed by risk acceptance but "
                   "Residual Risk is empty", **_where(ctx, "residual_risk", row))


@listed
def deferred_items(ctx: Context) -> Iterator[Finding]:
    it = ctx.items
    deferred = it["status"] == "Deferred"
    # the DSS form records a slipped or deferred date's reason in Milestone Changes
    rows = deferred.to_numpy(dtype=bool)
    sub = it.loc[rows]  # the blank cells of the (few) deferred rows only
    blank = np.zeros(len(it), dtype=bool)
    blank[rows] = (blank_mask(sub["milestone_changes"]) & blank_mask(sub["comments"])
                   & blank_mask(sub["resources"])).to_numpy(dtype=bool)
    no_reason = pd.Series(blank, index=it.index)
    where = next((k for k in ("comments", "resources", "milestone_changes") if _has(ctx, k)), "comments")
    for row in it.index[no_reason]:
        yield RULES.make("deferred.reason", f"{_who(ctx, row)} is Deferred with no reason in Milestone "
                   "Changes, Comments or Resources Required", **_where(ctx, where, row))
    stale = deferred & ~(it["milestone_date"] >= pd.Timestamp(ctx.as_of)).fillna(False).astype(bool)
    for row in it.index[stale]:
        ms = it["milestone_date"][row]
        what = "no Milestone Date" if pd.isna(ms) else f"Milestone Date {_d(ms)} already passed"
        yield RULES.make("deferred.new-date", f"{_who(ctx, row)} is Deferred with {what}",
                   **_where(ctx, "milestone_date", row))


@listed
def milestones_sheet(ctx: Context) -> Iterator[Finding]:
    ms = ctx.milestones
    if ms is None or ctx.poam.milestones is None:
        return
    items = ctx.items.dropna(subset=["item_number"]).drop_duplicates("item_number")
    # plain values on both sides: whole-number ids (DSS) and text ids (generic layouts) alike
    by_number = pd.Series(items.index, index=_plain(items["item_number"]))
    numbers = _plain(ms["item_number"])
    known = numbers.isin(by_number.index)
    for row in ms.index[numbers.notna() & ~known]:
        yield RULES.make("milestone.item-unknown", f"milestone on row {row} points to item "
                   f"{numbers[row]}, which is not on the POA&M sheet",
                   **_where(ctx, "item_number", row, "milestones"))
    item_dates = pd.Series(ctx.items.loc[by_number.to_numpy(), "milestone_date"].to_numpy(),
                           index=by_number.index)
    target = pd.Series(pd.NaT, index=ms.index, dtype="datetime64[ns]")
    if len(item_dates):
        target = pd.to_datetime(numbers.map(item_dates))
    late = (ms["planned_date"] > target).fillna(False).astype(bool)
    sub = ms.loc[late]  # thousands in a big workbook: messages built a column at a time
    yield from _many(ctx, "milestone.after-item-date", "planned_date", sub.index, [
        f"milestone {excerpt(text)!r} of item {number} is planned {planned}, after the item's "
        f"Milestone Date {due}" for text, number, planned, due in zip(
            sub["milestone"].tolist(), sub["item_number"].tolist(), _days(sub["planned_date"]),
            _days(target[late]), strict=True)], "milestones")
    numbered = _plain(ctx.items["item_number"])
    lacking = _open(ctx) & numbered.notna() & ~numbered.isin(list(numbers.dropna().unique()))
    for row in ctx.items.index[lacking.fillna(False).astype(bool)]:
        yield RULES.make("milestone.missing", f"{_who(ctx, row)} is open but has no milestones on the "
                   "Milestones sheet", **_where(ctx, "item_number", row))


# ---------------------------------------------------------------- header rules
@listed
def header_block(ctx: Context) -> Iterator[Finding]:
    head, cells = ctx.poam.header, ctx.poam.header_cells
    sheet = ctx.poam.items.sheet
    fields = {f.key: f for f in ctx.poam.layout.header_fields}

    def at(key: str) -> dict[str, Any]:
        return {"sheet": sheet, "cell": cells.get(key), "column": fields[key].label}

    for f in fields.values():
        if f.required and head.get(f.key) in (None, ""):
            where = "" if f.key in cells else " (label not found in the header block)"
            yield RULES.make(f"header.{f.key.replace('_', '-')}.required", f"{f.label} is empty{where}",
                       **at(f.key))
    cage = head.get("cage_code")
    if cage and not CAGE.match(str(cage).strip()):
        yield RULES.make("header.cage-code.format", f"CAGE Code {excerpt(cage)!r} is not 5 letters or "
                   "digits", **at("cage_code"))
    phone = head.get("issm_phone")
    if phone and not all(PHONE.match(p.strip()) for p in re.split(r"[;/,]| or ", str(phone))
                         if p.strip()):
        yield RULES.make("header.issm-phone.format", f"ISSM phone {excerpt(phone)!r} does not look like a "
                   "phone number", **at("issm_phone"))
    if "last_review" in fields:
        review = head.get("last_review")
        if review is None:
            yield RULES.make("header.last-review.missing", "Last Review Date is empty", **at("last_review"))
        elif (ctx.as_of - review).days > ctx.policy.review_days:
            yield RULES.make("header.last-review.stale", f"last reviewed {review.isoformat()}, "
                       f"{(ctx.as_of - review).days} days before {ctx.as_of.isoformat()} (interval "
                       f"{ctx.policy.review_days} days)", **at("last_review"))


@listed
def dates_typed_as_text(ctx: Context) -> Iterator[Finding]:
    """One warning per date cell holding text: Excel neither sorts nor filters it as a date."""
    for t in text_dates(ctx.poam):
        where = _where(ctx, t.key, t.row, t.table)
        who = values.item_prefix(where["item"])
        yield RULES.make("date.text", f"{who}{where['column']} {excerpt(t.text)!r} is text, not a "
                   f"date (read as {t.day.isoformat()})", value=excerpt(t.text), **where)


@listed
def policy_blank(ctx: Context) -> Iterator[Finding]:
    """A Policy-sheet setting whose value cell is blank: the default is used, and said so (an
    invalid value is structure's policy.invalid; a setting row the sheet lacks is no finding)."""
    poam = ctx.poam
    if not poam.policy_found:
        return
    name = model.normalise_header(model.POLICY_SHEET)
    sheet = next((n for n in poam.sheet_states if model.normalise_header(n) == name), model.POLICY_SHEET)
    invalid = {i.key for i in poam.invalid if i.table == "policy"}
    settings = {s.key: s for s in model.POLICY_SETTINGS}
    pol = poam.policy
    for key, cell in poam.policy_cells.items():
        if key in invalid or pol.source_of(key) == policy.SHEET:
            continue
        value = f"{pol.to_settings()[key]}{'' if key == 'day_count' else ' days'}"
        yield RULES.make("policy.blank", f"{settings[key].label} is blank; {value} "
                   f"({pol.source_of(key)}) is used", sheet=sheet, cell=cell, column=settings[key].label)


# the core rules, in the order they run
CORE: tuple[Callable[[Context], list[Finding]], ...] = (
    description_placeholder,
    mitigation_required,
    milestone_dates,
    dates_vs_today,
    closed_items,
    deferred_items,
    milestones_sheet,
    header_block,
    dates_typed_as_text,
    policy_blank,
)
