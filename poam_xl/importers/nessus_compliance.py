"""Nessus compliance-audit results: one record per check (not per plugin), grouped across hosts.

A compliance scan reports every audit check under the same plugin (21156 Windows, 21157 Unix
Compliance Checks, and the other audit plugins of the "Policy Compliance" family); the check
itself is in the ReportItem's cm:compliance-* children (namespace http://www.nessus.org/cm;
Tenable, "Nessus Compliance Checks Reference" and the .nessus v2 format). Results:
FAILED -> open; WARNING -> needs a manual check (not reviewed); ERROR -> the check could not run
(error: never passing, never closes an item); PASSED -> passing (skipped).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import cci, model
from .base import (
    ERROR,
    NOT_A_FINDING,
    NOT_REVIEWED,
    OPEN,
    Record,
    clean,
    unique,
)
from .ckl import stig_source_id

CM = "{http://www.nessus.org/cm}"
PLUGINS = {"21156", "21157"}  # Windows / Unix Compliance Checks (detection also by cm:* children)
FAMILY = "Policy Compliance"
RESULTS = {"PASSED": NOT_A_FINDING, "FAILED": OPEN, "WARNING": NOT_REVIEWED, "ERROR": ERROR}
REVIEW = {
    "WARNING": "Nessus compliance result WARNING: the check needs a manual review before this "
    "item is trusted.",
    "ERROR": "Nessus compliance result ERROR: the check could not run; it is not passing, "
    "check it by hand.",
}
SEVERITY = {4: "High", 3: "High", 2: "Medium", 1: "Low", 0: "Low"}
DEFAULT_CONTROLS = ("CM-6",)  # a configuration check citing no control: 800-53 CM-6 (our mapping)
_OLD_STYLE = re.compile(r'^\s*"(?P<name>.+?)"\s*:\s*\[(?P<result>[A-Z]+)\]', re.M)


def fields(el: Any) -> dict[str, str] | None:
    """The compliance fields of a ReportItem ({'check-name': ..., 'result': ...}), or None when
    it is an ordinary vulnerability plugin. Older reports without cm:* children carry
    '"Check name": [FAILED]' in the description of a compliance plugin."""
    found = {
        child.tag[len(CM) + len("compliance-"):]: (child.text or "").strip()
        for child in el
        if isinstance(child.tag, str) and child.tag.startswith(CM + "compliance-")
    }
    if found:
        return found
    plugin = el.get("pluginID") or ""
    if plugin in PLUGINS or el.get("pluginFamily") == FAMILY or el.findtext("compliance") == "true":
        m = _OLD_STYLE.search(el.findtext("description") or "")
        if m:
            return {"check-name": m.group("name"), "result": m.group("result")}
    return None


def references(text: str) -> dict[str, list[str]]:
    """'800-53|CM-6,CAT|II,Rule-ID|SV-1r1_rule' -> {'800-53': ['CM-6'], 'CAT': ['II'], ...}."""
    out: dict[str, list[str]] = {}
    for pair in text.split(","):
        key, sep, value = pair.partition("|")
        if sep and value.strip():
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def add(groups: dict[tuple[str, str], dict[str, Any]], el: Any, host: str,
        day: dt.date | None) -> bool:
    """Add a compliance ReportItem to ``groups`` (by check and result); False if it is none."""
    f = fields(el)
    if f is None:
        return False
    refs = references(f.get("reference", ""))
    rule, vuln = _first(refs, "Rule-ID"), _first(refs, "Vuln-ID")
    stig_id = _first(refs, "STIG-ID")
    name = f.get("check-name") or el.get("pluginName") or ""
    source_id = stig_source_id(rule, vuln) or stig_id or f"Nessus compliance check: {name}"
    result = (f.get("result") or "").strip().upper()
    key = (source_id, result)
    g = groups.get(key)
    if g is None:
        try:
            severity = int(el.get("severity") or 0)
        except ValueError:
            severity = 0
        g = groups[key] = {
            "source_id": source_id,
            "name": name,
            "result": result,
            "refs": refs,
            "stig_id": stig_id,
            "severity": severity,
            # the plugin's own description / solution are the same for every check: not used
            "info": clean(f.get("info")),
            "solution": clean(f.get("solution")),
            "actual": clean(f.get("actual-value"))[:500],
            "policy": clean(f.get("policy-value"))[:500],
            "audit": f.get("audit-file", ""),
            "check_id": f.get("check-id", ""),
            "hosts": [],
            "date": day,
        }
    g["hosts"].append(host)
    if day and (g["date"] is None or day < g["date"]):
        g["date"] = day
    return True


def record(g: dict[str, Any], scan_date: dt.date | None, file: str, scan: str) -> Record:
    """The record of one check result: title = the check name; C/W/S = the 800-53 controls of
    its CCI references (else its 800-53 references, else CM-6); risk = its CAT (else the plugin
    severity)."""
    refs = g["refs"]
    risk = model.risk_level(_first(refs, "CAT")) or SEVERITY.get(g["severity"], "Low")
    nist = refs.get("800-53r5") or refs.get("800-53") or []
    if refs.get("CCI") or nist:
        controls, notes = cci.cws(refs.get("CCI", []), [n.rstrip(".") for n in nist])
    else:
        controls, notes = DEFAULT_CONTROLS, []
    status = RESULTS.get(g["result"], NOT_REVIEWED)
    details = [f"Nessus compliance result: {g['result'] or 'none'}"]
    if scan:
        details.append(f"Scan: {scan}")
    if g["audit"]:
        details.append(f"Audit file: {g['audit']}")
    if g["stig_id"]:
        details.append(f"STIG ID: {g['stig_id']}")
    if g["check_id"]:
        details.append(f"Check ID: {g['check_id']}")
    if g["actual"]:
        details.append(f"Actual value: {g['actual']}")
    if g["policy"]:
        details.append(f"Policy value: {g['policy']}")
    parts = [g["name"]] + ([g["info"]] if g["info"] else [])
    return Record(
        source="nessus",
        source_id=g["source_id"],
        title=g["name"],
        description=clean("\n".join(parts)),
        risk=risk,
        controls=controls,
        hosts=unique(g["hosts"]),
        fix=g["solution"],
        detected=g["date"] or scan_date,
        status=status,
        how="STIG Review" if g["source_id"].startswith(("SV-", "V-")) else "Assessment",
        file=file,
        details=clean("\n".join(details)),
        review=REVIEW.get(g["result"], "" if status != NOT_REVIEWED else
                          f"Nessus compliance result {g['result'] or 'missing'}: review it."),
        notes=notes,
    )


def _first(refs: dict[str, list[str]], key: str) -> str:
    values = refs.get(key) or []
    return values[0] if values else ""
