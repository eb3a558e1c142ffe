"""STIG Viewer 3 checklist (.cklb, JSON): every rule of every STIG in the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import safeload
from ..errors import WorkbookError
from .base import DEFAULT_OPTIONS, ImportOptions, Record, named, parse_timestamp, pick_host
from .ckl import stig_record


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """Every rule of every STIG; host from target_data (host_name, else fqdn, else ip_address).

    Raises WorkbookError naming the file for unreadable JSON or a document with no 'stigs'.
    """
    try:
        doc = safeload.load_json(path, what="CKLB JSON")
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkbookError(
            f"not a readable CKLB checklist ({str(exc)[:120]})", path=str(path)
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("stigs"), list):
        raise WorkbookError("not a CKLB checklist (no 'stigs' list)", path=str(path))
    target = doc.get("target_data") or {}
    if not isinstance(target, dict):
        target = {}
    asset = (target.get("host_name"), target.get("fqdn"), target.get("ip_address"))
    hosts, names = pick_host(*asset), named(pick_host(*asset), *asset)
    detected = _title_date(doc.get("title"))
    for stig in doc["stigs"]:
        if not isinstance(stig, dict):
            continue
        name = str(stig.get("display_name") or stig.get("stig_name") or "")
        rules = stig.get("rules")
        for rule in rules if isinstance(rules, list) else []:
            if not isinstance(rule, dict):
                continue
            rec = _rule(rule, hosts, name, path.name)
            rec.detected = _details_date(rule) or detected
            rec.names = names
            yield rec


def _rule(rule: dict[str, Any], hosts: tuple[str, ...], stig: str, file: str) -> Record:
    rule_id = str(rule.get("rule_id_src") or rule.get("rule_id") or "")
    data = {
        "rule_id": rule_id,
        "vuln_id": str(rule.get("group_id") or ""),
        "rule_ver": str(rule.get("rule_version") or ""),
        "severity": str(rule.get("severity") or ""),
        "title": rule.get("rule_title"),
        "fix": rule.get("fix_text"),
        "ccis": _strings(rule.get("ccis")),
    }
    override = justification = ""
    ov = rule.get("overrides")
    if isinstance(ov, dict) and isinstance(ov.get("severity"), dict):
        override = str(ov["severity"].get("severity") or "")
        justification = str(ov["severity"].get("reason") or ov["severity"].get("justification")
                            or "")
    return stig_record(
        "cklb",
        data,
        str(rule.get("status") or ""),
        str(rule.get("finding_details") or "").strip(),
        hosts,
        file,
        stig,
        override,
        justification,
        str(rule.get("comments") or ""),
    )


def _strings(value: object) -> list[str]:
    """A list of strings from a JSON list, or one string (hand-edited files)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _title_date(title: object) -> Any:
    text = str(title or "")
    return parse_timestamp(text.split("at:")[-1]) if "at:" in text else None


def _details_date(rule: dict[str, Any]) -> Any:
    for line in str(rule.get("finding_details") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "time" and value.strip():
            return parse_timestamp(value)
    return None
