"""DSS records -> FedRAMP rows for the writer: ``layouts.fedramp_records.to_fedramp`` with its
two costly steps done the short way, the same row, sheet and kept fields for every record.

- the Milestone Records tag: the JSON text ``json.dumps(..., ensure_ascii=False)`` writes,
  put together directly (its string escape, ``json.encoder.encode_basestring``; its ", " and
  ": " separators);
- the round-trip check (``_without_derivable``: what reading the row back derives on its own)
  reads the row back without first packing the other kept fields into its Comments and
  parsing them out again, when none of them is a label ``base_dss`` reads (the header fields
  kept on the first item, Milestone Records: read only with the milestones, not asked for
  here) and the row's own Comments hold no tag.

``tests/test_fedramp_rows.py`` compares it with ``to_fedramp`` on a grid of hostile records.
"""

from __future__ import annotations

import json
from typing import Any

from .. import kept
from ..layouts import fedramp_records as records
from ..layouts.fedramp import (
    DIRECT,
    DSS_LABEL,
    DSS_ONLY,
    LABEL,
    MILESTONE_LABEL,
    SHEET_LABEL,
    format_milestones,
    milestone_pairs,
    parse_milestones,
)

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
        pairs = [f'"{key}": {_ENCODE(text)}' for key in _MILESTONE_KEYS
                 if (text := text_of(m.get(key)))]
        out.append("{" + ", ".join(pairs) + "}")
    return "[" + ", ".join(out) + "]"


def to_fedramp(rec: dict[str, Any], miles: list[dict[str, Any]],
               extra: dict[str, Any] | None = None
               ) -> tuple[dict[str, Any], str, dict[str, str | None]]:
    """What ``layouts.fedramp_records.to_fedramp(rec, miles, extra)`` returns: (FedRAMP row whose
    Comments keep every DSS-only field, sheet, label -> the text its tag holds)."""
    fr, sheet = records.base_fedramp(rec, miles)
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
            return records.base_dss({**fr, "comments": None}, sheet, milestones=False)[0]
        return records.base_dss({**fr, "comments": records.pack(user, rest)}, sheet,
                                milestones=False)[0]

    fields = records._without_derivable(fields, _DSS_ONLY_LABELS, rec, back)
    comments = rec.get("comments")
    if comments and "[" in comments:  # tags only: most Comments hold none
        for label, text in records._unclaimed(kept.unpack(comments)[1], rec, DIRECT).items():
            fields.setdefault(label, text)
    fr["comments"] = records.pack(fr["comments"], fields)
    return fr, sheet, {label: kept.text_of(value) for label, value in fields.items()}
