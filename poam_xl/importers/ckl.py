"""DISA STIG Viewer checklist (.ckl, XML): one record per VULN, streamed with defusedxml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .. import cci, model
from ..errors import WorkbookError
from .base import (
    DEFAULT_OPTIONS,
    NOT_A_FINDING,
    NOT_APPLICABLE,
    NOT_REVIEWED,
    OPEN,
    ImportOptions,
    Record,
    clean,
    named,
    pick_host,
)

# STIG Viewer STATUS words (CKL: Open / NotAFinding / Not_Applicable / Not_Reviewed; CKLB:
# open / not_a_finding / not_applicable / not_reviewed)
STATUS = {
    "open": OPEN,
    "notafinding": NOT_A_FINDING,
    "not_a_finding": NOT_A_FINDING,
    "not_applicable": NOT_APPLICABLE,
    "notapplicable": NOT_APPLICABLE,
    "not_reviewed": NOT_REVIEWED,
    "notreviewed": NOT_REVIEWED,
    # XCCDF result words (pass / fail), which some checklist converters write into CKLB
    "fail": OPEN,
    "failed": OPEN,
    "pass": NOT_A_FINDING,
    "passed": NOT_A_FINDING,
}
CATS = {"High": "CAT I", "Medium": "CAT II", "Low": "CAT III"}  # DISA: high/medium/low = CAT I-III


def stig_source_id(rule_id: str, vuln_id: str) -> str:
    """'SV-257777r925318_rule (V-257777)': both identifiers, so either one de-duplicates."""
    if rule_id and vuln_id:
        return f"{rule_id} ({vuln_id})"
    return rule_id or vuln_id


def cat(severity: object) -> str:
    """Any spelling of a STIG severity -> 'CAT I' / 'CAT II' / 'CAT III'.

    'high', 'CAT I', 'cat i', 'I' are the same severity: newer STIG Viewers write high/medium/low,
    older ones (and SEVERITY_OVERRIDE typed by hand) 'CAT III'. Text naming no CAT is returned
    stripped, as written.
    """
    level = model.risk_level(severity)
    return CATS[level] if level else " ".join(str(severity or "").split())


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
    comments: str = "",
) -> Record:
    """A record from STIG rule fields (shared by .ckl and .cklb).

    ``data``: rule_id, vuln_id, rule_ver (the STIG ID), severity, title, fix, ccis. The
    description is the rule title (what is wrong); C/W/S the 800-53 controls of the CCIs (then
    the CCIs); Comments get the evidence: a severity override with its justification (both CATs
    normalised), the STIG name, STIG ID, the reviewer's comments, the finding details.
    """
    rule_id, vuln_id = data.get("rule_id", ""), data.get("vuln_id", "")
    stig_id = str(data.get("rule_ver") or "").strip()
    original = str(data.get("severity") or "").strip()
    title = clean(data.get("title")) or rule_id or vuln_id
    evidence = []
    if override.strip() and cat(override) != cat(original):
        evidence.append(f"Severity override: {cat(original)} -> {cat(override)}"
                        + (f" ({clean(justification)})" if justification.strip() else ""))
    if stig:
        evidence.append(f"STIG: {stig}")
    if stig_id:
        evidence.append(f"STIG ID: {stig_id}")
    if comments.strip():
        evidence.append(f"Reviewer comments: {comments.strip()}")
    if details:
        evidence.append(f"Finding details: {details}")
    controls, notes = cci.cws(data.get("ccis", ()), fallback=[stig_id or vuln_id])
    return Record(
        source=source,
        source_id=stig_source_id(rule_id, vuln_id),
        title=title,
        description=title,
        risk=model.risk_level(override.strip() or original),
        controls=controls,
        hosts=hosts,
        fix=clean(data.get("fix")),
        status=STATUS.get(status.strip().lower(), status.strip().lower() or NOT_REVIEWED),
        how="STIG Review",
        file=file,
        details=clean("\n".join(evidence)),
        notes=notes,
    )


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """One record per VULN of every iSTIG; host from ASSET (HOST_NAME, else HOST_FQDN, else
    HOST_IP). Raises WorkbookError naming the file for malformed XML, DTDs or entities."""
    hosts: tuple[str, ...] = ()
    names: dict[str, tuple[str, ...]] = {}
    stig = ""
    try:
        for _event, el in iterparse(str(path), events=("end",)):
            tag = el.tag
            if tag == "ASSET":
                asset = (el.findtext("HOST_NAME"), el.findtext("HOST_FQDN"), el.findtext("HOST_IP"))
                hosts, names = pick_host(*asset), named(pick_host(*asset), *asset)
                el.clear()
            elif tag == "STIG_INFO":
                info = {
                    (s.findtext("SID_NAME") or ""): (s.findtext("SID_DATA") or "")
                    for s in el.iter("SI_DATA")
                }
                stig = info.get("title", "")
                el.clear()
            elif tag == "VULN":
                rec = _vuln(el, hosts, stig, path.name)
                rec.names = names
                yield rec
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
        clean(el.findtext("COMMENTS")),
    )
