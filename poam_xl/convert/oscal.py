"""OSCAL POA&M JSON (NIST OSCAL 1.2.3) <-> Poam: one poam-item + observation + risk per item.

Mapping (NIST OSCAL POA&M model; FedRAMP OSCAL POA&M guide: prop POAM-ID, one risk per item,
milestones as tasks): Description -> poam-item/risk/observation description; Date Identified ->
observation collected; Milestone Date -> risk deadline; Risk Level/Likelihood/Impact -> risk
characterization facets; Mitigation -> remediation description; Milestones -> remediation tasks
(type milestone, on-date timing); Status -> risk status (FedRAMP deviations: deviation-requested
/approved, with risk-log entries). Every other field is a prop in namespace ``NS`` (one-line
values) or a ``[poam-xl Label]``/``[FedRAMP Label]`` tag in the poam-item remarks (multi-line).
UUIDs are uuid5 of the workbook identity and the item number: re-converting never churns them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .. import jsontext, kept, model, records
from ..errors import PoamXlError
from ..layouts.fedramp import LABEL as FR_LABEL
from ..layouts.fedramp import side
from ..poam import Conversion
from . import oscal_read
from .format import Format
from .oscal_model import (
    DEVIATIONS,
    FEDRAMP_NS,
    FR_ONLY,
    LEVEL,
    METHOD,
    NIST,
    NO_PLAN,
    NS,
    OSCAL_VERSION,
    PROP_KEYS,
    identity,
    slug,
    ts,
    uuid5,
)
from .oscal_schema import errors as schema_errors


# ---------------------------------------------------------------- writing
def build(poam: Any, *, as_of: dt.date | None = None) -> tuple[dict[str, Any], Conversion]:
    """The OSCAL document (a dict) and the conversion report."""
    header = dict(poam.header)
    as_of = as_of or header.get("poam_date") or dt.date.today()
    who = identity(header)

    def uid(*parts: object) -> str:
        return uuid5("/".join([who, *map(str, parts)]))

    stamp = ts(as_of)
    conv = Conversion(source="poam", target="oscal")
    party = uid("party")
    by_item = records.milestones_by_item(poam)
    items, observations, risks = [], [], []
    for n, rec in enumerate(records.item_records(poam), start=1):
        key = records.item_key(rec)  # a text Item Number ("POAM-2026-001") is the item's id
        num = key[1] if isinstance(key, tuple) else (rec.get("item_number") or n)
        mine = by_item.get(key, [])
        prefix = f"{who}/{num}/"  # uid(num, *parts), the item's part joined once
        item, obs, risk = _item(rec, mine, num,
                                lambda *p, _pre=prefix: uuid5(_pre + "/".join(map(str, p))),
                                stamp, party, conv)
        items.append(item)
        observations.append(obs)
        risks.append(risk)
    meta_props = [
        _prop(f.key.replace("_", "-"), header.get(f.key))
        for f in model.HEADER_FIELDS
        if not _multiline(kept.text_of(header.get(f.key)) or "\n")
    ]
    other = {
        k: v
        for k, v in header.items()
        if k not in {f.key for f in model.HEADER_FIELDS} or _multiline(kept.text_of(v) or "")
    }
    system = header.get("system_name") or header.get("company_name") or "system"
    metadata: dict[str, Any] = {
        "title": f"Plan of Action and Milestones: {system}",
        "last-modified": stamp,
        "version": (header.get("poam_date") or as_of).isoformat(),
        "oscal-version": OSCAL_VERSION,
        "props": meta_props or None,
        "parties": [
            {
                "uuid": party,
                "type": "organization",
                "name": header.get("company_name") or "Unknown organization",
            }
        ],
        "remarks": kept.pack(None, {_label(k): v for k, v in other.items()}, lambda _l: "poam-xl"),
    }
    doc = {  # items, observations and risks are clean already (_item)
        "plan-of-action-and-milestones": {
            k: v
            for k, v in {
                "uuid": uid("poam"),
                "metadata": _clean(metadata),
                "system-id": {
                    "identifier-type": "http://ietf.org/rfc/rfc4122",
                    "id": uid("system"),
                },
                "observations": observations or None,
                "risks": risks or None,
                "poam-items": items,
            }.items()
            if v is not None and v != [] and v != {}
        }
    }
    conv.items = len(items)
    conv.notes.append(
        "derived columns (Due Date, Days Open, Days Overdue, Flag) are recomputed, "
        "not exported; fields with no OSCAL home are props in " + NS
    )
    return doc, conv


# ECMA-262 line terminators: OSCAL's one-line string patterns (^\S(.*\S)?$) reject any of them
_LINE_BREAK = re.compile("[\n\r\u2028\u2029]")


def _multiline(text: str) -> bool:
    """Text that needs a multi-line home (remarks, description), not a one-line prop/title."""
    return _LINE_BREAK.search(text) is not None


def _first_line(text: str) -> str:
    return _LINE_BREAK.split(text, 1)[0]


def _label(key: str) -> str:
    f = {f.key: f.label for f in model.HEADER_FIELDS}
    return f.get(key, key)


RISK_FACETS = {"risk": "risk_level", "likelihood": "likelihood", "impact": "impact"}
PROP_NAME = {key: key.replace("_", "-") for key in PROP_KEYS}  # item-number, date-identified ...


def _prop(name: str, value: Any, ns: str = NS) -> dict[str, str]:
    return {"name": name, "ns": ns, "value": kept.text_of(value) or ""}


def _item(
    rec: dict[str, Any],
    miles: list[dict[str, Any]],
    num: int,
    uid: Any,
    stamp: str | None,
    party: str,
    conv: Conversion,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    user, block = kept.unpack(rec.get("comments"))
    fr = {key: block.pop(label) for key, label in FR_ONLY.items() if label in block}
    desc = rec.get("description") or ""
    title = fr.get("fr_weakness_name") or (_first_line(desc)[:100] if desc else f"Item {num}")
    props = [
        _prop("POAM-ID", fr.get("fr_poam_id") or f"V-{num}", FEDRAMP_NS),
        _prop("item-number", num),
    ]
    tags: dict[str, Any] = {}
    for key in PROP_KEYS:
        value = kept.text_of(rec.get(key))
        if value is None:
            continue
        if _multiline(value):
            tags[model.ITEMS.column(key).header] = value
        else:
            props.append({"name": PROP_NAME[key], "ns": NS, "value": value})  # text already
        conv.dropped.append(
            {
                "item": num,
                "field": model.ITEMS.column(key).header,
                "value": value,
                "kept_in": "remarks" if _multiline(value) else "props",
            }
        )
    for key, value in fr.items():
        text = kept.text_of(value)
        if key in ("fr_poam_id", "fr_weakness_name") or text is None:
            continue
        if _multiline(text):
            tags[FR_LABEL[key]] = text
        else:
            props.append(_prop("fedramp-" + slug(FR_LABEL[key]), text))
    for key in RISK_FACETS.values():  # a word no NIST facet value stands for: kept, reported
        word = kept.text_of(rec.get(key))
        if word is not None and model.risk_level(word) is None:
            header = model.ITEMS.column(key).header
            tags[header] = word
            conv.dropped.append({"item": num, "field": header, "value": word,
                                 "kept_in": "remarks"})
    tags.update(block)  # tags of ours that no field claimed (header fields of a FedRAMP trip)
    if rec.get("date_identified") is None:
        props.append(_prop("date-identified-missing", "true"))
    obs_uuid, risk_uuid = uid("observation"), uid("risk")
    item = _compact({
        "uuid": uid("item"),
        "title": title,
        "description": desc or title,
        "props": props,
        "related-observations": [{"observation-uuid": obs_uuid}],
        "related-risks": [{"risk-uuid": risk_uuid}],
        "remarks": kept.pack(user, tags, side),
    })
    obs = {
        "uuid": obs_uuid,
        "title": title,
        "description": desc or title,
        "methods": [METHOD.get(rec.get("how_identified") or "", "UNKNOWN")],
        "types": ["finding"],
        "collected": ts(rec.get("date_identified")) or stamp,
    }
    if obs["collected"] is None:
        del obs["collected"]
    risk = _risk(rec, fr, miles, uid, title, desc or title, stamp, party, obs_uuid)
    return item, obs, risk


def _status(rec: dict[str, Any], fr: dict[str, Any]) -> str:
    if rec.get("status") in model.CLOSED_STATUSES:
        return "closed"
    answers = {str(fr.get(k) or "").strip().lower() for k in DEVIATIONS}
    if "yes" in answers:
        return "deviation-approved"
    if "pending" in answers:
        return "deviation-requested"
    return "remediating" if rec.get("status") == "In Progress" else "open"


def _risk(
    rec: dict[str, Any],
    fr: dict[str, Any],
    miles: list[dict[str, Any]],
    uid: Any,
    title: str,
    desc: str,
    stamp: str | None,
    party: str,
    obs_uuid: str,
) -> dict[str, Any]:
    # any spelling the workbook reader accepts ("moderate", "CAT II", "Med") as its NIST value
    facets = [
        {"name": name, "system": NIST, "value": LEVEL[level]}
        for name, key in RISK_FACETS.items()
        if (level := model.risk_level(rec.get(key))) in LEVEL
    ]
    tasks = []
    for i, m in enumerate(miles, start=1):
        text = (m.get("milestone") or f"Milestone {i}").strip()
        when = ts(m.get("planned_date")) if m.get("planned_date") else None
        task = _compact({
            "uuid": uid("task", i),
            "type": "milestone",
            "title": _first_line(text),
            "description": text if _multiline(text) else None,
            "props": [
                {"name": name, "ns": NS, "value": value}
                for name, k in (("status", "status"), ("completed-date", "completed_date"))
                if (value := kept.text_of(m.get(k)))
            ]
            or None,
            "timing": {"on-date": {"date": when}} if when else None,
            "remarks": kept.text_of(m.get("changes")),
        })
        tasks.append(task)
    closed = rec.get("status") in model.CLOSED_STATUSES
    remediation = (
        _compact({
            "uuid": uid("remediation"),
            "lifecycle": "completed" if closed else "planned",
            "title": "Mitigation plan",
            "description": rec.get("mitigation") or NO_PLAN,
            "tasks": tasks or None,
        })
        if rec.get("mitigation") or tasks
        else None
    )
    log = []
    when = ts(fr.get("fr_status_date")) or ts(rec.get("date_identified")) or stamp
    for key in DEVIATIONS:
        answer = str(fr.get(key) or "").strip().lower()
        if answer in ("yes", "pending"):
            log.append(
                _compact({
                    "uuid": uid("log", key),
                    "title": f"{FR_LABEL[key]} deviation",
                    "description": kept.text_of(fr.get("fr_deviation_rationale")),
                    "start": when,
                    "status-change": "deviation-approved"
                    if answer == "yes"
                    else "deviation-requested",
                })
            )
    if closed:
        log.append(
            {
                "uuid": uid("log", "closed"),
                "title": "Closed",
                "start": ts(rec.get("completion_date")) or when,
                "status-change": "closed",
            }
        )
    fedramp = [
        _prop(slug(FR_LABEL[k]), str(fr[k]).strip().lower(), FEDRAMP_NS)
        for k in DEVIATIONS
        if str(fr.get(k) or "").strip().lower() in ("yes", "pending")
    ]
    return _compact({
        "uuid": uid("risk"),
        "title": title,
        "description": desc,
        "statement": rec.get("residual_risk") or desc,
        "props": fedramp or None,
        "status": _status(rec, fr),
        "characterizations": [
            {"origin": {"actors": [{"type": "party", "actor-uuid": party}]}, "facets": facets}
        ]
        if facets
        else None,
        "deadline": ts(rec.get("milestone_date")),
        "remediations": [remediation] if remediation else None,
        "risk-log": {"entries": log} if log else None,
        "related-observations": [{"observation-uuid": obs_uuid}],
    })


def _compact(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without None values and empty lists or objects, one level deep (OSCAL forbids
    nulls and empty arrays; the writers build nested objects with it from the inside out)."""
    return {k: v for k, v in obj.items() if v is not None and v != [] and v != {}}


def _clean(obj: Any) -> Any:
    """Drop None values and empty lists (OSCAL forbids empty arrays and nulls)."""
    kind = type(obj)
    if kind is dict:
        out = {}
        for k, v in obj.items():
            if v is None:
                continue
            if type(v) is dict or type(v) is list:
                v = _clean(v)
                if not v:  # {} or [] (also a dict left empty by its own None values)
                    continue
            out[k] = v
        return out
    if kind is list:
        return [_clean(v) if type(v) is dict or type(v) is list else v for v in obj]
    return obj


def write(poam: Any, path: str | Path, *, as_of: dt.date | None = None, **_: Any) -> Conversion:
    """Write OSCAL POA&M JSON, validated against the shipped official schema first."""
    if len(poam.items.frame) == 0:  # the schema's poam-items has minItems 1
        raise PoamXlError(
            "no items to write: an OSCAL POA&M needs at least one poam-item", path=str(path)
        )
    doc, conv = build(poam, as_of=as_of)
    problems = schema_errors(doc)
    if problems:
        raise PoamXlError(
            f"OSCAL output fails the OSCAL {OSCAL_VERSION} schema: {problems[0]}", path=str(path)
        )
    jsontext.write(Path(path), doc)
    return conv


FORMAT = Format(
    name="oscal",
    title="OSCAL POA&M JSON (NIST OSCAL 1.2.3)",
    extensions=(".json",),
    detect=oscal_read.detect,
    read=oscal_read.read,
    write=write,
    mapping=oscal_read.mapping,
)
