"""Read OSCAL POA&M JSON into a Poam (ours losslessly; others' for the fields OSCAL holds)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .. import kept, model, safeload
from ..coerce import frame_from_records
from ..errors import LimitExceededError, TemplateError, WorkbookError
from ..layouts.fedramp import side
from ..poam import Conversion, Poam, TableData
from ..policy import DEFAULT
from .oscal_model import (
    DSS_BY_PROP,
    FEDRAMP_NS,
    FR_BY_SLUG,
    FR_ONLY,
    MAX_BYTES,
    NO_PLAN,
    NS,
    PROP_KEYS,
    day_of,
    slug,
)

EXPECTED = (
    "OSCAL POA&M JSON (a JSON object with a 'plan-of-action-and-milestones' root "
    "holding 'poam-items')"
)
FROM_STATUS = {"closed": "Closed", "remediating": "In Progress"}


def detect(path: Path) -> bool:
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096).lstrip()
    except OSError:
        return False
    return head.startswith(b"{") and b"plan-of-action-and-milestones" in head


def _load(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LimitExceededError(
                f"file is {size / 1024**2:.0f} MB, over the OSCAL limit", path=str(path)
            )
        doc = safeload.load_json(path, what="OSCAL JSON")  # NaN, Infinity, 1e400, depth: refused
    except FileNotFoundError:
        raise WorkbookError("file not found", path=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TemplateError(f"not {EXPECTED}: the file is not JSON text", path=str(path)) from None
    root = doc.get("plan-of-action-and-milestones") if isinstance(doc, dict) else None
    if not isinstance(root, dict) or not isinstance(root.get("poam-items"), list):
        raise TemplateError(f"not {EXPECTED}", path=str(path))
    return root


def _props(obj: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (p.get("ns") or "", p.get("name", "")): p.get("value", "") for p in obj.get("props", [])
    }


def _typed(key: str, text: str, table: model.Table = model.ITEMS) -> Any:
    """A prop or tag text as its column's value; a text that is none ("pending" as a date)
    stays text: ``coerce.frame_from_records`` keeps it as a tag, never drops it."""
    kind = table.column(key).kind
    if kind == "date":
        day = day_of(text)
        return text if day is None else day
    if kind == "int":
        return int(text) if text.strip().isdigit() else text
    return text


def read(path: str | Path, **_options: Any) -> tuple[Poam, Conversion]:
    """OSCAL POA&M JSON -> (Poam, Conversion)."""
    p = Path(path)
    root = _load(p)
    conv = Conversion(source="oscal", target="poam")
    observations = {o.get("uuid"): o for o in root.get("observations", [])}
    risks = {r.get("uuid"): r for r in root.get("risks", [])}
    items: list[dict[str, Any]] = []
    miles: list[dict[str, Any]] = []
    for n, item in enumerate(root["poam-items"], start=1):
        obs: dict[str, Any] = next(
            (
                observations[o["observation-uuid"]]
                for o in item.get("related-observations", [])
                if o.get("observation-uuid") in observations
            ),
            {},
        )
        risk: dict[str, Any] = next(
            (
                risks[r["risk-uuid"]]
                for r in item.get("related-risks", [])
                if r.get("risk-uuid") in risks
            ),
            {},
        )
        rec, ms = _record(item, obs, risk, n)
        items.append(rec)
        miles += ms
    numbers = [r["item_number"] for r in items]
    if len(set(numbers)) != len(numbers):
        for n, rec in enumerate(items, start=1):
            for m in miles:
                if m.get("_rec") is rec:
                    m["item_number"] = n
            rec["item_number"] = n
        conv.notes.append("item numbers were not unique: renumbered 1..n in document order")
    for m in miles:
        m.pop("_rec", None)
    header = _header(root)
    frame = frame_from_records(model.ITEMS, items, range(1, len(items) + 1))
    ms_frame = frame_from_records(model.MILESTONES, miles, range(1, len(miles) + 1))
    poam = Poam(
        header=header,
        header_cells={},
        items=TableData(frame, "poam-items", 0, {}, raw=frame.copy()),
        milestones=TableData(ms_frame, "tasks", 0, {}, raw=ms_frame.copy()),
        policy=DEFAULT,
        source=str(p),
        layout=model.Layout("oscal"),
    )
    conv.items = len(items)
    return poam, conv


def _header(root: dict[str, Any]) -> dict[str, Any]:
    meta = root.get("metadata", {})
    header: dict[str, Any] = {f.key: None for f in model.HEADER_FIELDS}
    fields = {f.key: f for f in model.HEADER_FIELDS}
    for (ns, name), value in _props(meta).items():
        key = name.replace("-", "_")
        if ns == NS and key in fields:
            header[key] = day_of(value) if fields[key].kind == "date" else value
    _user, extra = kept.unpack(meta.get("remarks"))
    labels = {f.label: f.key for f in model.HEADER_FIELDS}
    for label, value in extra.items():
        key = labels.get(label, label)
        header[key] = day_of(value) if key in fields and fields[key].kind == "date" else value
    if header.get("company_name") is None:
        party: dict[str, Any] = next(iter(meta.get("parties", [])), {})
        if party.get("name") and party.get("name") != "Unknown organization":
            header["company_name"] = party["name"]
    return header


def _record(
    item: dict[str, Any], obs: dict[str, Any], risk: dict[str, Any], n: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    props = {**_props(obs), **_props(risk), **_props(item)}
    rec: dict[str, Any] = {k: None for k in model.ITEMS.keys}
    fr: dict[str, str] = {}
    for (ns, name), value in props.items():
        if ns == NS and name in DSS_BY_PROP:
            rec[DSS_BY_PROP[name]] = _typed(DSS_BY_PROP[name], value)
        elif ns == NS and name.startswith("fedramp-") and name[8:] in FR_BY_SLUG:
            fr[FR_BY_SLUG[name[8:]]] = value
        elif (
            ns != NS
            and slug(name) in FR_BY_SLUG
            and slug(name) != "poam-id"
            and FR_BY_SLUG[slug(name)] not in fr
        ):
            fr[FR_BY_SLUG[slug(name)]] = value  # e.g. trestle's bare 'false-positive' props
    fr_ns = {name.lower(): v for (ns, name), v in props.items() if ns in (FEDRAMP_NS, "")}
    for label in ("Risk Adjustment", "False Positive", "Operational Requirement"):
        if label not in fr and slug(label) in fr_ns:
            fr[label] = {"yes": "Yes", "pending": "Pending"}.get(
                fr_ns[slug(label)], fr_ns[slug(label)]
            )
    number = props.get((NS, "item-number"))
    poam_id = fr_ns.get("poam-id")
    digits = re.search(r"(\d+)(?!.*\d)", poam_id or "")
    # our item-number prop as it was ("POAM-2026-001" stays text: kept, put back in its cell)
    rec["item_number"] = (
        int(number) if number and number.isdigit() else number.strip() if number and
        number.strip() else (int(digits.group(1)) if digits else n)
    )
    if poam_id and poam_id != f"V-{rec['item_number']}":
        fr["POAM ID"] = poam_id
    rec["description"] = item.get("description") or risk.get("description")
    title = item.get("title") or ""
    if title and title != (rec["description"] or "").split("\n")[0][:100]:
        fr["Weakness Name"] = title
    if rec["date_identified"] is None and (NS, "date-identified-missing") not in props:
        rec["date_identified"] = day_of(obs.get("collected"))
    # a deadline that is no date ("tomorrow") stays text: kept as its tag, never dropped
    deadline = risk.get("deadline")
    rec["milestone_date"] = rec["milestone_date"] or (
        _typed("milestone_date", str(deadline)) if deadline else None)
    for ch in risk.get("characterizations", []):
        for facet in ch.get("facets", []):
            key = {"risk": "risk_level", "likelihood": "likelihood", "impact": "impact"}.get(
                facet.get("name", "")
            )
            if key and rec[key] is None:
                rec[key] = model.risk_level(facet.get("value"))
    if rec["status"] is None:
        rec["status"] = FROM_STATUS.get(risk.get("status", ""), "Open")
    if rec["cws"] is None:
        controls = [v for (ns, name), v in props.items() if name == "control-id"]
        rec["cws"] = ", ".join(controls) or None
    remediation: dict[str, Any] = next(iter(risk.get("remediations", [])), {})
    if remediation.get("description") not in (None, NO_PLAN):
        rec["mitigation"] = remediation["description"]
    if rec["residual_risk"] is None and risk.get("statement") not in (None, rec["description"]):
        rec["residual_risk"] = risk["statement"]
    user, tags = kept.unpack(item.get("remarks"))
    dss_labels = {c.header: c.key for c in model.ITEM_COLUMNS}
    for label in list(tags):
        if label in dss_labels and dss_labels[label] in PROP_KEYS:
            rec[dss_labels[label]] = _typed(dss_labels[label], tags.pop(label))
        elif label in dss_labels and rec.get(dss_labels[label]) is None:
            # a value its field could not hold on the way out ("TBD" as the Milestone Date,
            # the risk deadline left out): back as it went; a text that is still no date
            # rides on as its tag (coerce.frame_from_records), the DSS writer puts it back
            rec[dss_labels[label]] = tags.pop(label)
    fr.update({k: v for k, v in tags.items() if k in FR_ONLY.values() or k not in dss_labels})
    rec["comments"] = kept.pack(user, fr, side)
    miles = []
    for task in remediation.get("tasks", []):
        if task.get("type") != "milestone":
            continue
        tprops = _props(task)
        miles.append(
            {
                "item_number": rec["item_number"],
                "_rec": rec,
                "milestone": task.get("description") or task.get("title"),
                "planned_date": day_of(
                    task.get("timing", {}).get("on-date", {}).get("date")
                    or task.get("timing", {}).get("within-date-range", {}).get("end")
                ),
                "status": tprops.get((NS, "status")),
                "completed_date": day_of(tprops.get((NS, "completed-date"))),
                "changes": task.get("remarks"),
            }
        )
    return rec, miles


def mapping() -> list[tuple[str, str, str]]:
    """(our column, OSCAL field, note) for `convert --show-mapping oscal`."""
    native = [
        ("Item Number", "poam-item prop item-number; FedRAMP prop POAM-ID", "uuid5 key"),
        ("Non-Compliance Description", "poam-item/risk/observation description", ""),
        ("Date Identified", "observation collected", "midnight UTC"),
        ("Milestone Date (Based Upon Risk Level)", "risk deadline", ""),
        ("Risk Level (Low/Medium/High)", "risk characterization facet 'risk'", "NIST facets"),
        ("Likelihood", "risk characterization facet 'likelihood'", ""),
        ("Impact", "risk characterization facet 'impact'", ""),
        ("Mitigation Plans & Adjustments", "risk remediation description", "lifecycle planned"),
        ("Milestones sheet", "remediation tasks type=milestone, timing on-date", ""),
        ("Status", "risk status + prop status", "open/remediating/closed; FedRAMP deviations"),
        ("Comments", "poam-item remarks", "plus [poam-xl ...]/[FedRAMP ...] tags"),
    ]
    props = [
        (
            model.ITEMS.column(k).header,
            f"prop {k.replace('_', '-')} (ns {NS})",
            "multi-line values: a remarks tag",
        )
        for k in PROP_KEYS
    ]
    return native + props
