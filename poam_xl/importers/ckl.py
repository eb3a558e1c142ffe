"""DISA STIG Viewer checklist (.ckl, XML): one record per VULN, streamed with defusedxml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .. import model
from ..errors import WorkbookError
from . import (
    DEFAULT_OPTIONS,
    NOT_A_FINDING,
    NOT_APPLICABLE,
    NOT_REVIEWED,
    OPEN,
    Options,
    Record,
    clean,
    unique,
)

STATUS = {
    "open": OPEN,
    "notafinding": NOT_A_FINDING,
    "not_a_finding": NOT_A_FINDING,
    "not_applicable": NOT_APPLICABLE,
    "notapplicable": NOT_APPLICABLE,
    "not_reviewed": NOT_REVIEWED,
    "notreviewed": NOT_REVIEWED,
}


def stig_source_id(rule_id: str, vuln_id: str) -> str:
    """'SV-257777r925318_rule (V-257777)': both identifiers, so either one de-duplicates."""
    if rule_id and vuln_id:
        return f"{rule_id} ({vuln_id})"
    return rule_id or vuln_id


def stig_record(
    source: str,
    data: dict[str, Any],
    status: str,
    details: str,
    hosts: tuple[str, ...],
    file: str,
    stig: str = "",
    override: str = "",
    justification: str = "",
) -> Record:
    """A record from STIG rule fields (shared by .ckl and .cklb).

    The description is the rule title (what is wrong); the checklist's finding details and any
    severity override with its justification are evidence, kept in the item's Comments.
    """
    rule_id, vuln_id = data.get("rule_id", ""), data.get("vuln_id", "")
    original = (data.get("severity") or "").strip().lower()
    severity = (override or original).strip().lower()
    title = clean(data.get("title")) or rule_id or vuln_id
    evidence = []
    if override and override.strip().lower() != original:
        cat = {"high": "CAT I", "medium": "CAT II", "low": "CAT III"}
        evidence.append(f"Severity override: {cat.get(original, original)} -> "
                        f"{cat.get(severity, severity)}"
                        + (f" ({clean(justification)})" if justification else ""))
    if stig:
        evidence.append(f"STIG: {stig}")
    if details:
        evidence.append(f"Finding details: {details}")
    controls = unique([vuln_id, data.get("rule_ver", ""), *data.get("ccis", ())])
    return Record(
        source=source,
        source_id=stig_source_id(rule_id, vuln_id),
        title=title,
        description=title,
        risk=model.risk_level(severity),
        controls=controls,
        hosts=hosts,
        fix=clean(data.get("fix")),
        status=STATUS.get(status.strip().lower(), status.strip().lower() or NOT_REVIEWED),
        how="STIG Review",
        file=file,
        details=clean("\n".join(evidence)),
    )


def parse(path: Path, options: Options = DEFAULT_OPTIONS) -> Iterator[Record]:
    hosts: tuple[str, ...] = ()
    stig = ""
    try:
        for _event, el in iterparse(str(path), events=("end",)):
            tag = el.tag
            if tag == "ASSET":
                hosts = unique([el.findtext("HOST_NAME") or el.findtext("HOST_IP") or ""])
                el.clear()
            elif tag == "STIG_INFO":
                info = {
                    (s.findtext("SID_NAME") or ""): (s.findtext("SID_DATA") or "")
                    for s in el.iter("SI_DATA")
                }
                stig = info.get("title", "")
                el.clear()
            elif tag == "VULN":
                yield _vuln(el, hosts, stig, path.name)
                el.clear()
    except (SyntaxError, DefusedXmlException) as exc:  # ParseError, entities, DTDs
        raise WorkbookError(
            f"not a readable checklist ({str(exc)[:120]})", path=str(path)
        ) from None


def _vuln(el: Any, hosts: tuple[str, ...], stig: str, file: str) -> Record:
    attrs: dict[str, list[str]] = {}
    for sd in el.iter("STIG_DATA"):
        attrs.setdefault(sd.findtext("VULN_ATTRIBUTE") or "", []).append(
            (sd.findtext("ATTRIBUTE_DATA") or "").strip()
        )
    one = {k: v[0] for k, v in attrs.items()}
    data = {
        "rule_id": one.get("Rule_ID", ""),
        "vuln_id": one.get("Vuln_Num", ""),
        "rule_ver": one.get("Rule_Ver", ""),
        "severity": one.get("Severity", ""),
        "title": one.get("Rule_Title", ""),
        "fix": one.get("Fix_Text", ""),
        "ccis": attrs.get("CCI_REF", []),
    }
    return stig_record(
        "ckl",
        data,
        el.findtext("STATUS") or "",
        clean(el.findtext("FINDING_DETAILS")),
        hosts,
        file,
        stig,
        el.findtext("SEVERITY_OVERRIDE") or "",
        el.findtext("SEVERITY_JUSTIFICATION") or "",
    )
