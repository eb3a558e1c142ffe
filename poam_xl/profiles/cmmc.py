"""The CMMC Level 2 profile: POA&M limits of 32 CFR 170.21 and the SPRS-style score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd

from .. import derive, model, values
from ..findings import Finding, RuleSet
from ..sp800171 import Requirement, requirements, weights
from ..values import excerpt
from .base import Context, Profile

CFR = "32 CFR 170.21 (CMMC Level 2 conditional status)"
METHOD = "NIST SP 800-171 DoD Assessment Methodology v1.2.1, Annex A; 32 CFR 170.24"
P = ("cmmc",)
MAX_SCORE = 110
THRESHOLD = 88  # 32 CFR 170.21(a)(2)(i): score / 110 >= 0.8
CLOSEOUT_DAYS = 180  # 32 CFR 170.21(b): POA&M closeout within 180 days of conditional status

RULES = RuleSet(profiles=("cmmc",), source=CFR)
RULES.rule(
    "cmmc.requirement.unknown",
    "warning",
    "C/W/S names a NIST SP 800-171 requirement",
    "Write the requirement as AC.L2-3.1.1 or 3.1.1 so the item can be scored.",
    METHOD,
    P,
)
RULES.rule(
    "cmmc.poam.never-allowed",
    "error",
    "The six requirements that may never be on a POA&M are not",
    "Implement AC.L2-3.1.20, AC.L2-3.1.22, CA.L2-3.12.4, PE.L2-3.10.3/4/5 before the assessment.",
    f"{CFR}(a)(2)(iii)",
    P,
)
RULES.rule(
    "cmmc.poam.weight",
    "error",
    "Only 1-point requirements (and SC.L2-3.13.11) are on the POA&M",
    "Implement 3- and 5-point requirements before the assessment; they cannot be deferred.",
    f"{CFR}(a)(2)(ii)",
    P,
)
RULES.rule(
    "cmmc.score.below-threshold",
    "error",
    "The SPRS score is at least 88 of 110",
    "Close enough POA&M items to reach 88 (80%) for Conditional Level 2 status.",
    f"{CFR}(a)(2)(i); {METHOD}",
    P,
)
RULES.rule(
    "cmmc.closeout.deadline",
    "error",
    "Every item closes within 180 days of the conditional status date",
    "Plan (or complete) the item by the closeout deadline, or the conditional status expires.",
    f"{CFR}(b)",
    P,
)
RULES.rule(
    "cmmc.closeout.expired",
    "error",
    "No item is open past the 180-day closeout",
    "The conditional status has expired; close the items and request a new assessment.",
    f"{CFR}(b)",
    P,
)
RULES.rule(
    "cmmc.conditional-date.missing",
    "warning",
    "The POA&M Date (conditional status date) is filled in",
    "Enter the conditional status date as the POA&M Date; the 180-day closeout counts from it.",
    "poam-xl default (the closeout date is taken from the header's POA&M Date)",
    P,
)


def on_poam_weight(req: Requirement) -> int:
    """Points an open POA&M item costs: 3.13.11 may only be there in its 3-point case."""
    return req.partial if req.id == "3.13.11" and req.partial else req.weight


def _open(ctx: Context) -> pd.Series:
    return derive.is_open(ctx.items["status"])


def score(ctx: Context) -> tuple[int, dict[str, int]]:
    """110 minus the weight of each distinct requirement still open on the POA&M."""
    unmet: dict[str, int] = {}
    for row in ctx.items.index[_open(ctx)]:
        for r in requirements(ctx.items.at[row, "cws"]):
            unmet[r] = on_poam_weight(weights()[r])
    return MAX_SCORE - sum(unmet.values()), unmet


def closeout_deadline(ctx: Context) -> dt.date | None:
    """Conditional status date (header POA&M Date) + 180 days."""
    start = ctx.poam.header.get("poam_date")
    return start + dt.timedelta(days=CLOSEOUT_DAYS) if isinstance(start, dt.date) else None


def _where(ctx: Context, key: str, row: Any) -> dict[str, Any]:
    letter = ctx.poam.items.letters.get(key)
    number = values.plain(ctx.items["item_number"].get(row))
    return {
        "sheet": ctx.poam.items.sheet,
        "cell": f"{letter}{row}" if letter else None,
        "item": number,
        "column": model.ITEMS.column(key).header,
    }


def _requirements(ctx: Context) -> Iterator[Finding]:
    is_open = _open(ctx)
    for row in ctx.items.index:
        cws = ctx.items.at[row, "cws"]
        who = values.who(ctx.items["item_number"].get(row), row)
        reqs = requirements(cws)
        if not reqs:
            if values.plain(cws) is not None or is_open[row]:
                yield RULES.make(
                    "cmmc.requirement.unknown",
                    f"{who}: C/W/S {excerpt(cws)!r} names no NIST SP 800-171 requirement",
                    value=excerpt(cws),
                    **_where(ctx, "cws", row),
                )
            continue
        if not is_open[row]:
            continue
        for r in reqs:
            req = weights()[r]
            if r in NEVER:
                yield RULES.make(
                    "cmmc.poam.never-allowed",
                    f"{who}: {req.practice} may never be on a POA&M",
                    **_where(ctx, "cws", row),
                )
            elif not req.poam_allowed:
                yield RULES.make(
                    "cmmc.poam.weight",
                    f"{who}: {req.practice} is worth {req.weight} points;"
                    " only 1-point requirements (and SC.L2-3.13.11) may be on a POA&M",
                    **_where(ctx, "cws", row),
                )
    total, _unmet = score(ctx)
    if total < THRESHOLD:
        yield RULES.make(
            "cmmc.score.below-threshold",
            f"SPRS score {total} of {MAX_SCORE} is below "
            f"{THRESHOLD} (80%) needed for Conditional Level 2 status",
        )
    yield from _closeout(ctx, is_open)


NEVER = frozenset({"3.1.20", "3.1.22", "3.12.4", "3.10.3", "3.10.4", "3.10.5"})  # 170.21(a)(2)(iii)


def _closeout(ctx: Context, is_open: pd.Series) -> Iterator[Finding]:
    deadline = closeout_deadline(ctx)
    if deadline is None:
        if is_open.any():
            yield RULES.make(
                "cmmc.conditional-date.missing",
                "POA&M Date is empty: the 180-day closeout cannot be checked",
                sheet=ctx.poam.items.sheet,
                cell=ctx.poam.header_cells.get("poam_date"),
                column="POA&M Date",
            )
        return
    end = pd.Timestamp(deadline)
    for row in ctx.items.index:
        who = values.who(ctx.items["item_number"].get(row), row)
        if is_open[row]:
            planned = ctx.items.at[row, "milestone_date"]
            key = "milestone_date"
            if pd.isna(planned):
                planned, key = ctx.derived.at[row, "due_date"], "date_identified"
            if ctx.as_of > deadline:
                yield RULES.make(
                    "cmmc.closeout.expired",
                    f"{who} is still open after the closeout deadline {deadline.isoformat()}",
                    **_where(ctx, "status", row),
                )
            elif not pd.isna(planned) and planned > end:
                yield RULES.make(
                    "cmmc.closeout.deadline",
                    f"{who} is planned for "
                    f"{planned.date().isoformat()}, after the closeout deadline "
                    f"{deadline.isoformat()}",
                    **_where(ctx, key, row),
                )
        else:
            done = ctx.items.at[row, "completion_date"]
            if not pd.isna(done) and done > end:
                yield RULES.make(
                    "cmmc.closeout.deadline",
                    f"{who} closed {done.date().isoformat()}, after "
                    f"the closeout deadline {deadline.isoformat()}",
                    **_where(ctx, "completion_date", row),
                )


def cmmc_rules(ctx: Context) -> list[Finding]:
    """Every CMMC finding: requirement ids, POA&M eligibility, the 88-of-110 score, closeout."""
    return list(_requirements(ctx))


def summary(ctx: Context) -> dict[str, Any]:
    """SPRS-style score for the report and the Dashboard."""
    total, unmet = score(ctx)
    deadline = closeout_deadline(ctx)
    blocked = any(r in NEVER or not weights()[r].poam_allowed for r in unmet)
    return {
        "sprs_score": total,
        "sprs_max": MAX_SCORE,
        "sprs_threshold": THRESHOLD,
        "sprs_unmet": {weights()[r].practice: w for r, w in sorted(unmet.items())},
        "cmmc_conditional_eligible": total >= THRESHOLD and not blocked,
        "cmmc_closeout_deadline": deadline,
    }


PROFILE = Profile(
    "cmmc",
    "CMMC Level 2 POA&M (32 CFR 170.21)",
    rules=(cmmc_rules,),
    summary=summary,
    describe="DSS workbook with NIST SP 800-171 requirement ids in C/W/S: POA&M "
    "eligibility, 88-of-110 score, 180-day closeout, SPRS score.",
)
