"""MITRE Heimdall Data Format (HDF) JSON: failed controls become records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    parse_timestamp,
    unique,
)
from .ckl import stig_source_id


def parse(path: Path, options: Options = DEFAULT_OPTIONS) -> Iterator[Record]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkbookError(f"not a readable HDF file ({str(exc)[:120]})", path=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("profiles"), list):
        raise WorkbookError("not an HDF results file (no 'profiles' list)", path=str(path))
    platform = doc.get("platform") or {}
    hosts = unique([str(platform.get("target_id") or "")])
    for profile in doc["profiles"]:
        for control in profile.get("controls") or []:
            if isinstance(control, dict):
                yield _control(
                    control,
                    hosts,
                    str(profile.get("title") or profile.get("name") or ""),
                    path.name,
                )


def status_of(control: dict[str, Any]) -> str:
    """HDF's own rule: impact 0 -> not applicable; any failed -> open; passed; else not reviewed."""
    statuses = [
        str(r.get("status") or "") for r in control.get("results") or [] if isinstance(r, dict)
    ]
    if float(control.get("impact") or 0) == 0:
        return NOT_APPLICABLE
    if "failed" in statuses:
        return OPEN
    if "passed" in statuses:
        return NOT_A_FINDING
    return NOT_REVIEWED


def risk_of(control: dict[str, Any]) -> str | None:
    tags = control.get("tags") or {}
    sev = model.risk_level(str(tags.get("severity") or "").lower())
    if sev:
        return sev
    impact = float(control.get("impact") or 0)
    return "High" if impact >= 0.7 else "Medium" if impact >= 0.4 else "Low" if impact > 0 else None


def _control(control: dict[str, Any], hosts: tuple[str, ...], profile: str, file: str) -> Record:
    tags = control.get("tags") or {}
    descs = {
        str(d.get("label")): str(d.get("data") or "")
        for d in control.get("descriptions") or []
        if isinstance(d, dict)
    }
    results = [r for r in control.get("results") or [] if isinstance(r, dict)]
    failed = [r for r in results if r.get("status") == "failed"]
    cid = str(control.get("id") or "")
    rule_id = str(tags.get("rid") or "")
    vuln_id = str(tags.get("gid") or (cid if cid.startswith("V-") else ""))
    source_id = stig_source_id(rule_id, vuln_id) or cid
    title = clean(control.get("title")) or cid
    parts = [title]
    messages = [str(r.get("message") or r.get("code_desc") or "").strip() for r in failed]
    if any(messages):
        parts.append("Failed: " + "; ".join(m for m in messages if m))
    if profile:
        parts.append(f"Profile: {profile}")
    dates = [d for r in results if (d := parse_timestamp(r.get("start_time")))]
    ccis = [str(c) for c in _list(tags.get("cci"))]
    nist = [str(n) for n in _list(tags.get("nist")) if str(n) != "unmapped"]
    return Record(
        source="hdf",
        source_id=source_id,
        title=title,
        description=clean("\n".join(parts)),
        risk=risk_of(control),
        controls=unique([vuln_id or cid, *ccis, *nist]),
        hosts=hosts,
        fix=clean(descs.get("fix") or tags.get("fix") or ""),
        detected=min(dates) if dates else None,
        status=status_of(control),
        how="STIG Review" if rule_id or vuln_id else "Assessment",
        file=file,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []
