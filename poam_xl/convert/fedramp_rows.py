"""DSS records -> FedRAMP rows for the writer: ``layouts.fedramp_records.to_fedramp`` with its
two costly steps done the short way, the same row, sheet and kept fields for every record.

- the Milestone Records tag: the JSON text ``json.dumps(..., ensure_ascii=False)`` writes,
  put together directly (its string escape, ``json.encoder.encode_basestring``; its ", " and
  ": " separators);
- the round-trip check (``_without_derivable``: what reading the row back derives on its own)
  reads the row back without first packing the other kept fields into its Comments and
  parsing them out again, when none of them is a label ``base_dss`` reads (the header fields
  kept on the first item, Milestone Records: read only with the milestones, not asked for
  here) and the row's own Comments hold no tag;
- a record whose Comments hold no tag (most) is turned into its row and read back by
  ``base_fedramp`` and ``base_dss`` as they go for an empty kept block (``_row``, ``_back``):
  no tag to look up for each FedRAMP field. Any other record takes them as they are.

``tests/test_fedramp_rows.py`` compares it with ``to_fedramp`` on a grid of hostile records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from .. import dates, kept, model
from ..layouts import fedramp_records as records
from ..layouts.fedramp import (
    CLOSED,
    DIRECT,
    DSS_LABEL,
    DSS_ONLY,
    LABEL,
    MILESTONE_LABEL,
    ONLY,
    OPEN,
    SHEET_LABEL,
    TO_FEDRAMP_RISK,
    YES_NO_PENDING,
    format_milestones,
    milestone_pairs,
    parse_milestones,
    side,
)
from ..records import SIMPLE

_ENCODE = json.encoder.encode_basestring  # what dumps(ensure_ascii=False) escapes strings with
_MILESTONE_KEYS = ("milestone", "planned_date", "status", "completed_date", "changes")
# the kept labels base_dss reads without milestones (a FedRAMP field, the sheet, a DSS column)
_READ_BACK = frozenset(LABEL.values()) | {SHEET_LABEL} | frozenset(DSS_LABEL.values())
_DSS_ONLY_LABELS = {DSS_LABEL[key]: key for key in DSS_ONLY}


def milestone_json(miles: list[dict[str, Any]]) -> str:
    """The Milestone Records text: ``json.dumps([{key: text} ...], ensure_ascii=False)`` of each
    milestone's non-blank values (``kept.text_of``) in the order milestone, planned_date,
    status, completed_date, changes."""
    text_of = kept.text_of
    out = []
    for m in miles:
        pairs = []
        for key in _MILESTONE_KEYS:
            value = m.get(key)
            if value is None:
                continue
            if type(value) is dt.date:  # text_of gives its ISO form: nothing for JSON to escape
                pairs.append(f'"{key}": "{value.isoformat()}"')
                continue
            text = value.strip() if type(value) is str else text_of(value)  # text_of, inline
            if text:
                pairs.append(f'"{key}": {_ENCODE(text)}')
        out.append("{" + ", ".join(pairs) + "}")
    return "[" + ", ".join(out) + "]"


_NO_FIELDS = dict.fromkeys(ONLY)  # base_fedramp's FedRAMP-only fields from an empty block
_CLOSED = model.CLOSED_STATUSES


def _row(rec: dict[str, Any], miles: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """``records.base_fedramp(rec, miles)``: its steps for an empty kept block when the
    record's Comments hold no tag (no "["), else base_fedramp itself."""
    comments = rec.get("comments")
    if comments is not None and (type(comments) is not str or "[" in comments):
        return records.base_fedramp(rec, miles)
    fr: dict[str, Any] = {k: rec.get(k) for k in DIRECT}
    fr["comments"] = comments.strip() or None if comments is not None else None
    fr.update(_NO_FIELDS)
    desc = (rec.get("description") or "").strip()
    if rec.get("item_number") is not None:
        fr["fr_poam_id"] = f"V-{rec['item_number']}"
    if desc:
        fr["fr_weakness_name"] = desc.split("\n")[0][:100]
    fr["fr_detector_source"] = rec.get("how_identified")
    fr["fr_original_risk"] = TO_FEDRAMP_RISK.get(rec.get("risk_level") or "")
    closed = rec.get("status") in _CLOSED
    if closed:
        done = rec.get("completion_date")  # text ("TBD") goes into the cell as it is
        fr["fr_status_date"] = done if isinstance(done, str) else dates.as_date(done)
    if rec.get("closure_reason") == "False Positive":
        fr["fr_false_positive"] = "Yes"
    fr["fr_planned_milestones"] = _planned(miles)
    return fr, CLOSED if closed else OPEN


def _planned(miles: list[dict[str, Any]]) -> str | None:
    """``layouts.fedramp.format_milestones(miles)``: a planned date that is a date (most) taken
    as it is, what ``dates.as_date`` gives it."""
    parts = []
    for i, m in enumerate(miles, start=1):
        day = m.get("planned_date")
        d = day if type(day) is dt.date else dates.as_date(day)
        text = (m.get("milestone") or "").strip()
        parts.append(f"({i}) {d.isoformat()}: {text}" if d else f"({i}) {text}")
    return "\n\n".join(parts) or None


def _back(fr: dict[str, Any], sheet: str) -> dict[str, Any]:
    """The DSS-only fields ``records.base_dss(fr, sheet, milestones=False)`` derives from a row
    whose Comments hold no tag: Item Number, Status, Risk Level, How Identified, Completion
    Date, Closure Reason (the others it leaves out)."""
    closed = sheet == CLOSED
    fp = model.canonical_choice(fr.get("fr_false_positive"), YES_NO_PENDING) == "Yes"
    return {
        "status": "Closed" if closed else "Open",
        "risk_level": model.canonical_choice(fr.get("fr_original_risk"), model.RISK_LEVELS,
                                             model.RISK_SYNONYMS),
        "how_identified": records.how_identified(fr.get("fr_detector_source")),
        "completion_date": fr.get("fr_status_date") if closed else None,
        "closure_reason": ("False Positive" if fp else "Remediated") if closed else None,
        "item_number": records._number(fr.get("fr_poam_id")),
    }


def to_fedramp(rec: dict[str, Any], miles: list[dict[str, Any]],
               extra: dict[str, Any] | None = None
               ) -> tuple[dict[str, Any], str, dict[str, str | None]]:
    """What ``layouts.fedramp_records.to_fedramp(rec, miles, extra)`` returns: (FedRAMP row whose
    Comments keep every DSS-only field, sheet, label -> the text its tag holds)."""
    fr, sheet = _row(rec, miles)
    fields: dict[str, Any] = {k: v for k, v in (extra or {}).items() if kept.text_of(v)}
    for key in DSS_ONLY:
        if rec.get(key) is not None and not (isinstance(rec[key], float) and rec[key] != rec[key]):
            fields[DSS_LABEL[key]] = rec[key]
    if any(m.get("status") or m.get("completed_date") or m.get("changes") for m in miles) or (
        milestone_pairs(parse_milestones(format_milestones(miles))) != milestone_pairs(miles)
    ):
        fields[MILESTONE_LABEL] = milestone_json(miles)
    user = fr["comments"]

    def back(rest: dict[str, Any]) -> dict[str, Any]:
        if (user is None or "[" not in user) and _READ_BACK.isdisjoint(rest):
            # no tag base_dss would read: packed or not, it derives the same
            return _back(fr, sheet)
        return records.base_dss({**fr, "comments": records.pack(user, rest)}, sheet,
                                milestones=False)[0]

    fields = _without_derivable(fields, rec, back)
    comments = rec.get("comments")
    if comments and "[" in comments:  # tags only: most Comments hold none
        for label, text in records._unclaimed(kept.unpack(comments)[1], rec, DIRECT).items():
            fields.setdefault(label, text)
    texts = {label: kept.text_of(value) for label, value in fields.items()}
    # records.pack(fr["comments"], fields), each text worked out once
    fr["comments"] = kept.join_tags((fr["comments"] or "").strip() or None,
                                    [(side(label), label, text) for label, text in texts.items()
                                     if text is not None])
    return fr, sheet, texts


def _without_derivable(fields: dict[str, Any], want: dict[str, Any],
                       back: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """``records._without_derivable(fields, <the DSS-only labels>, want, back)``: ``fields``
    less each DSS-only label whose value reading the row back (``back``) derives again, equal
    as ``records._same`` says (its first check inline)."""
    present = {label: key for label, key in _DSS_ONLY_LABELS.items() if label in fields}
    if not present:
        return fields
    derived = back({k: v for k, v in fields.items() if k not in present})
    same = records._same
    out = {}
    for label, value in fields.items():
        key = present.get(label)
        if key is not None:
            a, b = derived.get(key), want.get(key)
            if a is b or (type(a) is type(b) and type(a) in SIMPLE and a == b) or same(a, b):
                continue
        out[label] = value
    return out
