"""What an imported finding determines on eMASS output (`poam-xl convert X.xlsx out.xlsx --to
emass`): the rest of the eMASS row is left to the eMASS profile's rules and their findings.

For items from a checklist, XCCDF, HDF or compliance scan (a STIG rule): Security Control
Number = the NIST SP 800-53 controls (from the CCIs in C/W/S, DISA CCI list; STIG IDs and CCIs
themselves dropped), Raw Severity = the STIG's CAT as found (before a severity override noted in
Comments), Security Checks = the rule and vuln ids plus the STIG ID. For every imported item:
Source Identifying Vulnerability = the STIG / benchmark / scan name the importer wrote in
Comments. Source: eMASS POA&M import template (Security Control Number, Raw Severity I/II/III,
Source Identifying Vulnerability, Security Checks), as SAF's ckl2POAM fills them.
"""

from __future__ import annotations

import re
from typing import Any

from .. import cci

_STIG_RULE = re.compile(r"(?<![A-Za-z0-9])S?V-\d+")
_CONTROL = re.compile(r"^[A-Z]{2}-\d{1,2}\b")  # AC-2, CM-6 b, AC-17 (2)
_OVERRIDE = re.compile(r"Severity override: (CAT I{1,3})\b")
_RAW = {"CAT I": "I", "CAT II": "II", "CAT III": "III"}
_SOURCES = (("STIG: ", ""), ("Benchmark: ", ""), ("Scan: ", "Nessus scan "))
_STIG_ID = "STIG ID: "


def finding_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """eMASS values (emass_layout short keys: control, raw_severity, source, checks) that an
    imported finding determines; {} for items that did not come from an import."""
    comments = str(rec.get("comments") or "")
    # a line looked for starts "<label>: ": labels the text does not hold need no lines split
    # (most Comments hold none)
    sources = [(prefix, label) for prefix, label in _SOURCES if prefix in comments]
    stig = _STIG_ID in comments
    lines = [line.strip() for line in comments.splitlines()] if sources or stig else []
    out: dict[str, Any] = {}
    for prefix, label in sources:
        name = next((line[len(prefix):].strip() for line in lines if line.startswith(prefix)), "")
        if name:
            out["source"] = label + name
            break
    source_id = str(rec.get("source_id") or "")
    if rec.get("how_identified") != "STIG Review" and not _STIG_RULE.search(source_id):
        return out
    control = control_number(rec.get("cws"))
    if control is not None:
        out["control"] = control
    m = _OVERRIDE.search(comments)
    if m:
        out["raw_severity"] = _RAW[m.group(1)]
    stig_ids = [line[len(_STIG_ID):].strip() for line in lines if line.startswith(_STIG_ID)]
    extra = [s for s in dict.fromkeys(stig_ids) if s and s not in source_id]
    if source_id and extra:
        out["checks"] = "; ".join([source_id, *extra])
    return out


def control_number(cws: Any) -> str | None:
    """'CM-6 b; CCI-000366' -> 'CM-6 b'; 'V-1001; APP-1001; CCI-000381' (older imports) ->
    'CM-7 a'. None when C/W/S holds no CCI (nothing to change)."""
    tokens = [t.strip() for t in re.split(r"[;,\n]+", str(cws or "")) if t.strip()]
    ccis = [c for t in tokens if (c := cci.normalise(t)) and t.upper().startswith("CCI")]
    if not ccis:
        return None
    kept = [t for t in tokens if _CONTROL.match(t)]
    mapped, _unknown = cci.controls(ccis)
    return "; ".join(dict.fromkeys([*kept, *mapped])) or None
