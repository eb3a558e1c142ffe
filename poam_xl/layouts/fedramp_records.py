"""FedRAMP rows <-> DSS records: every FedRAMP-only field kept as a tag, restored on the way back.

``to_dss`` turns a FedRAMP row into a DSS record whose Comments keep what DSS has no column
for; ``to_fedramp`` does the reverse. A kept field that the other side can derive again is not
kept twice (the round trip is checked field by field in the tests).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from typing import Any

import pandas as pd

from .. import dates, kept, model, records
from ..values import mapped
from .fedramp import (
    CLOSED,
    CONFIG,
    DIRECT,
    DSS_LABEL,
    DSS_ONLY,
    FIELDS,
    FR_LABELS,
    HEAD_ONLY,
    HEADER,
    KIND,
    LABEL,
    MILESTONE_LABEL,
    ONLY,
    OPEN,
    SCANNERS,
    SHEET_LABEL,
    SHEETS,
    TO_FEDRAMP_RISK,
    YES_NO_PENDING,
    format_milestones,
    milestone_json,
    milestone_pairs,
    parse_milestones,
    side,
)


# ---------------------------------------------------------------- one row each way
def _value(kind: str, text: Any) -> Any:
    if text is None:  # most kept fields are absent
        return None
    if kind == "date":
        d = dates.to_date(text)
        # a text that is no date ("pending review") stays text: written back into its cell,
        # or kept as its tag by coerce.frame_from_records; never dropped
        return d if isinstance(d, dt.date) else kept.text_of(text)
    return kept.text_of(text)


def how_identified(source: str | None) -> str | None:
    """Weakness Detector Source -> How Identified ('Nessus' -> 'Vulnerability Scan')."""
    if not source:
        return None
    exact = model.canonical_choice(source, model.HOW_IDENTIFIED)
    if exact:
        return exact
    low = source.lower()
    if "penetration" in low or "pen test" in low:
        return "Penetration Test"
    if "assessment" in low or "sar" in low.split():
        return "Assessment"
    if any(s in low for s in SCANNERS):
        return "Vulnerability Scan"
    return "Other"


_RISK = functools.partial(model.canonical_choice, allowed=model.RISK_LEVELS,
                          synonyms=model.RISK_SYNONYMS)
_YES_NO_PENDING = functools.partial(model.canonical_choice, allowed=YES_NO_PENDING)


def _number(poam_id: str | None) -> int | None:
    """The item number a POA&M ID ends with ('V-12' -> 12; 1 to 999,999,999), else None."""
    m = _LAST_NUMBER.search(poam_id or "")
    if m is None:
        return None
    n = int(m.group(1))
    return n if 0 < n < 10**9 else None


_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def base_dss(fr: dict[str, Any], sheet: str, *, milestones: bool = True
             ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A FedRAMP row -> (DSS record, milestones), restoring anything a kept block carries;
    ``milestones=False``: the record only (no milestones parsed, an empty list)."""
    user, block = kept.unpack(fr.get("comments"))
    if block:  # most Comments keep nothing: the row is read as it is
        fr = dict(fr)
        for key in ONLY:  # a kept FedRAMP field fills a column this file lacks (Rev4 Service Name)
            if fr.get(key) is None and LABEL[key] in block:
                fr[key] = _value(KIND[key], block[LABEL[key]])
        sheet = {CONFIG: CONFIG, CLOSED: CLOSED}.get(block.get(SHEET_LABEL, sheet), sheet)
    rec: dict[str, Any] = {k: fr.get(k) for k in DIRECT}
    rec["comments"] = user
    rec.update(_derived(fr, sheet))
    miles = parse_milestones(fr.get("fr_planned_milestones")) if milestones else []
    if milestones and MILESTONE_LABEL in block:
        try:
            stored = json.loads(block[MILESTONE_LABEL])
            if milestone_pairs(stored) == milestone_pairs(miles) or not miles:
                miles = [
                    {
                        **m,
                        "planned_date": _value("date", m.get("planned_date")),
                        "completed_date": _value("date", m.get("completed_date")),
                    }
                    for m in stored
                ]
        except (ValueError, TypeError, AttributeError):
            pass
    for key in DSS_ONLY:
        if DSS_LABEL[key] in block:
            col = model.ITEMS.column(key)
            text = block[DSS_LABEL[key]]
            # a text that is no date or number ("pending") stays text: coerce.frame_from_records
            # keeps it as its tag and the DSS writer puts it back into its cell
            rec[key] = (
                _value("date", text)
                if col.kind == "date"
                else (int(text) if col.kind == "int" and text.isdigit() else text)
            )
    for label, tag_text in block.items():  # "TBD" as the Milestone Date: DSS could not type it
        direct = _KEY_OF.get(label)
        if direct in DIRECT and rec.get(direct) is None:
            rec[direct] = tag_text
    return rec, miles


def _derived(fr: dict[str, Any], sheet: str) -> dict[str, Any]:
    """The DSS fields a FedRAMP row gives of itself (no kept block): status and completion
    from its sheet, risk level, how identified, closure reason and item number from its cells."""
    closed = sheet == CLOSED
    fp = mapped(_YES_NO_PENDING, fr.get("fr_false_positive")) == "Yes"
    return {"status": "Closed" if closed else "Open",
            "risk_level": mapped(_RISK, fr.get("fr_original_risk")),
            "how_identified": mapped(how_identified, fr.get("fr_detector_source")),
            "completion_date": fr.get("fr_status_date") if closed else None,
            "closure_reason": ("False Positive" if fp else "Remediated") if closed else None,
            "item_number": _number(fr.get("fr_poam_id"))}


# labels the FedRAMP code reads itself; any other kept label rides on as it is (_unclaimed)
_CLAIMED = {*FR_LABELS, MILESTONE_LABEL, *HEAD_ONLY.values()}
_KEY_OF = {header: key for key, header in DSS_LABEL.items()}


def _unclaimed(block: dict[str, str], rec: dict[str, Any],
               placed: tuple[str, ...] = ()) -> dict[str, str]:
    """The kept labels of ``block`` that neither side reads, for a field ``rec`` leaves blank
    (a DSS value its column could not hold: "TBD" as a date) or a label no field has (another
    tool's): carried on in Comments as they are, never dropped. ``placed``: keys whose label
    went into a cell of their own (base_fedramp's DIRECT columns)."""
    out = {}
    for label, text in block.items():
        key = _KEY_OF.get(label)
        if label not in _CLAIMED and (key is None or (rec.get(key) is None
                                                      and key not in placed)):
            out[label] = text
    return out


def base_fedramp(rec: dict[str, Any], miles: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """A DSS record (+ milestones) -> (FedRAMP row, sheet), using any kept FedRAMP fields."""
    user, block = kept.unpack(rec.get("comments"))
    fr: dict[str, Any] = {k: rec.get(k) for k in DIRECT}
    if block:  # most Comments keep nothing: every FedRAMP-only field is then None
        for k in DIRECT:  # a DSS value its column could not hold ("TBD" as the Milestone Date)
            if fr[k] is None and DSS_LABEL.get(k) in block:
                fr[k] = block[DSS_LABEL[k]]
        fr["comments"] = user
        for key in ONLY:
            fr[key] = _value(KIND[key], block.get(LABEL[key]))
    else:
        fr["comments"] = user
        fr.update(_NO_FIELDS)
    desc = (rec.get("description") or "").strip()
    if fr["fr_poam_id"] is None and rec.get("item_number") is not None:
        fr["fr_poam_id"] = f"V-{rec['item_number']}"
    if fr["fr_weakness_name"] is None and desc:
        fr["fr_weakness_name"] = desc.split("\n")[0][:100]
    if fr["fr_detector_source"] is None:
        fr["fr_detector_source"] = rec.get("how_identified")
    if fr["fr_original_risk"] is None:
        fr["fr_original_risk"] = TO_FEDRAMP_RISK.get(rec.get("risk_level") or "")
    closed = rec.get("status") in model.CLOSED_STATUSES
    if fr["fr_status_date"] is None and closed:
        done = rec.get("completion_date")  # text ("TBD") goes into the cell as it is
        fr["fr_status_date"] = done if isinstance(done, str) else dates.as_date(done)
    if fr["fr_false_positive"] is None and rec.get("closure_reason") == "False Positive":
        fr["fr_false_positive"] = "Yes"
    raw = fr["fr_planned_milestones"]
    if raw is None or milestone_pairs(parse_milestones(raw)) != milestone_pairs(miles):
        fr["fr_planned_milestones"] = format_milestones(miles)
    chosen = block.get(SHEET_LABEL)
    sheet = chosen if chosen in SHEETS else (CLOSED if closed else OPEN)
    return fr, sheet


_NO_FIELDS = dict.fromkeys(ONLY)  # base_fedramp's FedRAMP-only fields from an empty block


def _same(a: Any, b: Any) -> bool:
    if a is b or (type(a) is type(b) and type(a) in records.SIMPLE and a == b):
        return True  # equal values: equal texts
    if a is None:  # nothing derived (most kept fields): the same when the other has no text
        return kept.text_of(dates.as_date(b) if isinstance(b, pd.Timestamp) else b) is None
    return kept.text_of(dates.as_date(a) if isinstance(a, pd.Timestamp) else a) == kept.text_of(
        dates.as_date(b) if isinstance(b, pd.Timestamp) else b
    )


def to_dss(
    fr: dict[str, Any], sheet: str, extra: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """A FedRAMP row -> (DSS record whose Comments keep every FedRAMP-only field, milestones,
    labels kept). ``extra`` = header fields to keep on this item (Impact Level)."""
    rec, miles = base_dss(fr, sheet)
    user, block = kept.unpack(fr.get("comments"))
    if user is None and rec["comments"] is not None:  # a Comments value kept as its tag
        user, block = rec["comments"], {k: v for k, v in block.items() if k != _COMMENTS}
    # our own tags were restored into the record; header fields ride on (the reader lifts them)
    fields: dict[str, Any] = {
        k: v for k, v in block.items() if k in HEAD_ONLY.values() or k in FR_LABELS
    }
    fields.update(extra or {})
    if sheet == CONFIG:
        fields[SHEET_LABEL] = CONFIG
    for key in ONLY:
        if fr.get(key) is not None:
            fields[LABEL[key]] = fr[key]
    derivable = (
        "fr_poam_id",
        "fr_weakness_name",
        "fr_planned_milestones",
        "fr_original_risk",
        "fr_detector_source",
        "fr_status_date",
        "fr_false_positive",
    )
    fields = _without_derivable(fields, {LABEL[key]: key for key in derivable}, fr, lambda rest:
                                base_fedramp({**rec, "comments": pack(user, rest)}, miles)[0])
    for label, text in _unclaimed(block, rec).items():
        fields.setdefault(label, text)
    rec["comments"] = pack(user, fields)
    return rec, miles, list(fields)


def to_fedramp(
    rec: dict[str, Any], miles: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str, dict[str, str | None]]:
    """A DSS record -> (FedRAMP row whose Comments keep every DSS-only field, sheet, the kept
    fields: label -> the text its tag holds, None for a blank one)."""
    fr, sheet = base_fedramp(rec, miles)
    comments = rec.get("comments")
    if not extra and (comments is None or (type(comments) is str and "[" not in comments)):
        return fr, sheet, _plain_kept(rec, miles, fr, sheet)  # most items: the short way
    fields: dict[str, Any] = {k: v for k, v in (extra or {}).items() if kept.text_of(v)}
    for label, key in _DSS_ONLY_LABELS.items():  # in DSS_ONLY's order
        if (value := rec.get(key)) is not None and not (isinstance(value, float) and value != value):
            fields[label] = value
    if (records_text := _milestone_records(miles)) is not None:
        fields[MILESTONE_LABEL] = records_text
    user = fr["comments"]

    def back(rest: dict[str, Any]) -> dict[str, Any]:  # what reading the row back derives
        if (user is None or "[" not in user) and _READ_BACK.isdisjoint(rest):
            return _derived(fr, sheet)  # no tag base_dss reads: the DSS-only fields it derives
        return base_dss({**fr, "comments": pack(user, rest)}, sheet, milestones=False)[0]

    fields = _without_derivable(fields, _DSS_ONLY_LABELS, rec, back)  # what the row gives back
    if comments and "[" in comments:  # tags only: most Comments hold none
        block = kept.unpack(comments)[1]
        for label, text in _unclaimed(block, rec, DIRECT).items():
            fields.setdefault(label, text)  # "TBD" as a DSS date, another tool's tag: as it is
        if _COMMENTS in block:  # a Comments value the DSS reader kept as its tag (a formula's
            fields.setdefault(_COMMENTS, block[_COMMENTS])  # text): base_dss puts it back
    texts = {label: kept.text_of(value) for label, value in fields.items()}
    fr["comments"] = pack(fr["comments"], texts)  # the texts pack would take of the values
    return fr, sheet, texts


def _plain_kept(rec: dict[str, Any], miles: list[dict[str, Any]], fr: dict[str, Any],
                sheet: str) -> dict[str, str | None]:
    """to_fedramp's kept fields (and ``fr``'s Comments) for an item whose Comments hold no
    tag, without extra fields: the same as the general way, which builds the fields, reads the
    row back once (``_derived``: no tag base_dss reads is kept then) and drops the derivable
    ones (``_without_derivable``); here each DSS-only value is compared as it is taken."""
    derived = _derived(fr, sheet)
    texts: dict[str, str | None] = {}
    for label, key in _DSS_ONLY_LABELS.items():  # in DSS_ONLY's order
        value = rec.get(key)
        if (value is None or (isinstance(value, float) and value != value)
                or _same(derived.get(key), value)):
            continue
        texts[label] = kept.text_of(value)
    if (records_text := _milestone_records(miles)) is not None:
        texts[MILESTONE_LABEL] = kept.text_of(records_text)
    fr["comments"] = pack(fr["comments"], texts)
    return texts


def _milestone_records(miles: list[dict[str, Any]]) -> str | None:
    """The Milestone Records JSON to keep, when the Planned Milestones text does not carry the
    milestones whole (a status, a completion date or changes; a text or date that does not
    read back), else None."""
    if any(m.get("status") or m.get("completed_date") or m.get("changes") for m in miles) or (
        milestone_pairs(parse_milestones(format_milestones(miles))) != milestone_pairs(miles)
    ):
        return milestone_json(miles)
    return None


def _without_derivable(fields: dict[str, Any], labels: dict[str, str], want: dict[str, Any],
                       back: Any) -> dict[str, Any]:
    """``fields`` without each kept label (of ``labels``: label -> key) whose value the other
    side derives again on its own: ``back(fields without every such label)`` gives the derived
    row once (each derived key depends on its own tag only), compared with ``want`` key by key."""
    present = {label: labels[label] for label in fields if label in labels}
    if not present:
        return fields
    derived = back({k: v for k, v in fields.items() if k not in present})
    return {k: v for k, v in fields.items()
            if k not in present or not _same(derived.get(present[k]), want.get(present[k]))}


# the kept labels base_dss reads without milestones (a FedRAMP field, the sheet, a DSS column)
_READ_BACK = frozenset(LABEL.values()) | {SHEET_LABEL} | frozenset(DSS_LABEL.values())
_DSS_ONLY_LABELS = {DSS_LABEL[key]: key for key in DSS_ONLY}
_COMMENTS = DSS_LABEL["comments"]


def pack(comments: str | None, fields: dict[str, Any]) -> str | None:
    return kept.pack(comments, fields, side)


# FedRAMP fields kept in Comments that also set a DSS column on read (the notes in FIELDS)
_DERIVES = {
    "fr_poam_id": f"{DSS_LABEL['item_number']} (and kept in Comments)",
    "fr_detector_source": f"{DSS_LABEL['how_identified']} (and kept in Comments)",
    "fr_planned_milestones": "Milestones sheet",
    "fr_status_date": f"{DSS_LABEL['completion_date']} (and kept in Comments)",
    "fr_original_risk": f"{DSS_LABEL['risk_level']} (and kept in Comments)",
    "fr_false_positive": f"{DSS_LABEL['closure_reason']} (and kept in Comments)",
}


def mapping() -> list[tuple[str, str, str]]:
    """(our column, FedRAMP column, note) for `convert --show-mapping fedramp`."""
    rows = [(DSS_LABEL.get(k) or _DERIVES.get(k, "(kept in Comments)"), h, note)
            for h, k, _kind, note in FIELDS]
    rows += [
        (DSS_LABEL[k], "(kept in Comments)", "restored when converted back")
        for k in DSS_ONLY
        if k not in ("risk_level", "how_identified", "item_number")
    ]
    rows += [
        (f.label, h, "header block row 3")
        for h, k in HEADER
        for f in model.HEADER_FIELDS
        if f.key == k
    ]
    rows += [("Status", "sheet", "Open/Closed POA&M Items sheet; Configuration Findings kept")]
    return rows


