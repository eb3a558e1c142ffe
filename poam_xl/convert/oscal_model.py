"""OSCAL POA&M vocabulary shared by the writer and the reader: namespaces, prop names, levels.

NIST OSCAL 1.2.3 POA&M model (plan-of-action-and-milestones); FedRAMP's OSCAL POA&M guide
props (POAM-ID); our own props in the ``urn:poam-xl:oscal`` namespace.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from typing import Any

from .. import model
from ..layouts.fedramp import LABEL as FR_LABEL

NS = "urn:poam-xl:oscal"  # our prop namespace (a URN: no web address is implied)
FEDRAMP_NS = "https://fedramp.gov/ns/oscal"  # FedRAMP OSCAL POA&M guide props (POAM-ID, ...)
NIST = "http://csrc.nist.gov/ns/oscal"
OSCAL_VERSION = "1.2.3"  # the shipped schema's version (data/oscal/README.md)
UUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, NS)
_NS_BYTES = UUID_NS.bytes


def uuid5(name: str) -> str:
    """``str(uuid.uuid5(UUID_NS, name))`` (RFC 4122 §4.3: SHA-1 of namespace + name, version 5,
    RFC 4122 variant) without building UUID objects: a document has ~8 per item."""
    h = hashlib.sha1(_NS_BYTES + name.encode("utf-8"), usedforsecurity=False).hexdigest()
    # version 5 in the high nibble of byte 6; variant 10xx in the high bits of byte 8
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {c: "89ab"[int(c, 16) & 0x3] for c in "0123456789abcdef"}
NO_PLAN = "No mitigation plan recorded."
MAX_BYTES = 200 * 1024**2
# DSS columns that have a native OSCAL home (the rest travel as NS props)
NATIVE = {
    "item_number",
    "description",
    "date_identified",
    "milestone_date",
    "risk_level",
    "likelihood",
    "impact",
    "mitigation",
    "comments",
}
PROP_KEYS = tuple(c.key for c in model.ITEM_COLUMNS if not c.derived and c.key not in NATIVE)
LEVEL = {"High": "high", "Medium": "moderate", "Low": "low"}
METHOD = {
    "Vulnerability Scan": "TEST",
    "Penetration Test": "TEST",
    "STIG Review": "TEST",
    "Audit": "EXAMINE",
    "Assessment": "EXAMINE",
    "Self-Inspection": "EXAMINE",
}
FR_ONLY = {k: v for k, v in FR_LABEL.items() if k.startswith("fr_")}
DEVIATIONS = ("fr_risk_adjustment", "fr_false_positive", "fr_operational_requirement")


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


FR_BY_SLUG = {slug(label): label for label in FR_ONLY.values()}
DSS_BY_PROP = {k.replace("_", "-"): k for k in PROP_KEYS}


def ts(day: Any) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if isinstance(day, dt.date) else None


def day_of(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return None


def identity(header: dict[str, Any]) -> str:
    """The workbook identity UUIDs hang on: company/CAGE and system name."""
    parts = [header.get("cage_code") or header.get("company_name"), header.get("system_name")]
    return "|".join(str(p) for p in parts if p) or "poam-xl"
