"""MITRE Heimdall Data Format (HDF) JSON: InSpec controls become records (failed and errors)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import cci, model, safeload
from ..errors import WorkbookError
from .base import (
    DEFAULT_OPTIONS,
    ERROR,
    NOT_A_FINDING,
    NOT_APPLICABLE,
    NOT_REVIEWED,
    OPEN,
    ImportOptions,
    Record,
    clean,
    parse_timestamp,
    pick_host,
)
from .ckl import stig_source_id

ERROR_REVIEW = "InSpec reported an error for this control: it is not passing; check it by hand."


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """One record per control of every profile; host = platform.target_id.

    Raises WorkbookError naming the file for unreadable JSON or a document with no 'profiles'.
    """
    try:
        doc = safeload.load_json(path, what="HDF JSON")  # NaN, Infinity, 1e400, depth: refused
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkbookError(f"not a readable HDF file ({str(exc)[:120]})", path=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("profiles"), list):
        raise WorkbookError("not an HDF results file (no 'profiles' list)", path=str(path))
    platform = doc.get("platform") or {}
    target = platform.get("target_id") if isinstance(platform, dict) else ""
    # `saf convert ckl2hdf` keeps the checklist's asset in passthrough (MITRE SAF CLI):
    # its host name, FQDN and IP name the target when platform.target_id does not
    passthrough = doc.get("passthrough")
    checklist = passthrough.get("checklist") if isinstance(passthrough, dict) else None
    asset = checklist.get("asset") if isinstance(checklist, dict) else None
    asset = asset if isinstance(asset, dict) else {}
    hosts = pick_host(target or asset.get("hostname"), asset.get("hostfqdn"),
                      asset.get("hostip"))
    for profile in doc["profiles"]:
        if not isinstance(profile, dict):
            continue
        for control in profile.get("controls") or []:
            if isinstance(control, dict):
                yield _control(
                    control,
                    hosts,
                    str(profile.get("title") or profile.get("name") or ""),
                    path.name,
                )


def status_of(control: dict[str, Any]) -> str:
    """A control's outcome, in Heimdall's order of precedence (inspecjs / Heimdall
    compute_status): any 'error' result -> error ("Profile Error": never passing, even beside
    passed results); impact 0 -> not applicable; any failed -> open; any passed -> passing;
    skipped or no results -> not reviewed."""
    statuses = [
        str(r.get("status") or "") for r in control.get("results") or [] if isinstance(r, dict)
    ]
    if "error" in statuses:
        return ERROR
    if _impact(control) == 0:
        return NOT_APPLICABLE
    if "failed" in statuses:
        return OPEN
    if "passed" in statuses:
        return NOT_A_FINDING
    return NOT_REVIEWED


def risk_of(control: dict[str, Any]) -> str | None:
    """tags.severity (high/medium/low), else InSpec impact: >=0.7 High, >=0.4 Medium, >0 Low."""
    raw = control.get("tags")
    tags: dict[str, Any] = raw if isinstance(raw, dict) else {}
    sev = model.risk_level(str(tags.get("severity") or "").lower())
    if sev:
        return sev
    impact = _impact(control)
    return "High" if impact >= 0.7 else "Medium" if impact >= 0.4 else "Low" if impact > 0 else None


def _impact(control: dict[str, Any]) -> float:
    try:
        return float(control.get("impact") or 0)
    except (TypeError, ValueError):
        return 0.0


def _control(control: dict[str, Any], hosts: tuple[str, ...], profile: str, file: str) -> Record:
    tags = control.get("tags") or {}
    if not isinstance(tags, dict):
        tags = {}
    descs = {
        str(d.get("label")): str(d.get("data") or "")
        for d in control.get("descriptions") or []
        if isinstance(d, dict)
    }
    results = [r for r in control.get("results") or [] if isinstance(r, dict)]
    cid = str(control.get("id") or "")
    rule_id = str(tags.get("rid") or "")
    vuln_id = str(tags.get("gid") or (cid if cid.startswith("V-") else ""))
    source_id = stig_source_id(rule_id, vuln_id) or cid
    title = clean(control.get("title")) or cid
    parts = [title]
    for word, label in (("failed", "Failed"), ("error", "Error")):
        messages = [str(r.get("message") or r.get("code_desc") or "").strip()
                    for r in results if r.get("status") == word]
        if any(messages):
            parts.append(f"{label}: " + "; ".join(m for m in messages if m))
    if profile:
        parts.append(f"Profile: {profile}")
    dates = [d for r in results if (d := parse_timestamp(r.get("start_time")))]
    nist = [str(n) for n in _list(tags.get("nist")) if str(n) not in ("unmapped", "Rev_4", "Rev_5")]
    stig_id = str(tags.get("stig_id") or "")
    ccis = [str(c) for c in _list(tags.get("cci"))]
    controls, notes = cci.cws(ccis, nist, fallback=[stig_id or vuln_id or cid])
    status = status_of(control)
    details = [f"STIG ID: {stig_id}"] if stig_id else []
    return Record(
        source="hdf",
        source_id=source_id,
        title=title,
        description=clean("\n".join(parts)),
        risk=risk_of(control),
        controls=controls,
        hosts=hosts,
        fix=clean(descs.get("fix") or tags.get("fix") or ""),
        detected=min(dates) if dates else None,
        status=status,
        how="STIG Review" if rule_id or vuln_id else "Assessment",
        file=file,
        details="\n".join(details),
        review=ERROR_REVIEW if status == ERROR else "",
        notes=notes,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []
