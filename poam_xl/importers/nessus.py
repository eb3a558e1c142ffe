"""Nessus v2 (.nessus, XML): one record per plugin, grouped across hosts, streamed (iterparse).

Compliance-audit results (cm:compliance-* children, plugins 21156/21157 and the other audit
plugins) are one record per check instead: importers/nessus_compliance.py.
Source: Tenable, "Nessus v2 File Format" (ReportHost / HostProperties / ReportItem).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..errors import WorkbookError
from . import nessus_compliance as compliance
from .base import (
    DEFAULT_OPTIONS,
    OPEN,
    SCANNED,
    ImportOptions,
    Record,
    clean,
    host_forms,
    parse_timestamp,
    unique,
)

SEVERITY = {
    4: "High",
    3: "High",
    2: "Medium",
    1: "Low",
    0: "Low",
}  # Critical/High, Medium, Low, Info
CONTROLS = ("SI-2", "RA-5")  # flaw remediation; vulnerability monitoring and scanning


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """Plugin records (hosts grouped), then compliance-check records, then one SCANNED record
    per ReportHost (the hosts this file scanned). Each host is named by its host name
    (HostProperties hostname / netbios-name), else FQDN (host-fqdn), else IP; its other names
    (the ReportHost name, host-ip) ride in ``Record.names``.

    Raises WorkbookError naming the file for malformed XML, DTDs or entities.
    """
    groups: dict[str, dict[str, Any]] = {}
    checks: dict[tuple[str, str], dict[str, Any]] = {}
    name, host, host_date = "", "", None
    props: dict[str, str] = {}
    scan_date: dt.date | None = None
    scan = ""
    forms: dict[str, tuple[str, ...]] = {}  # host -> all its names, for every ReportHost
    try:
        for event, el in iterparse(str(path), events=("start", "end")):
            if event == "start":
                if el.tag == "ReportHost":
                    name, host_date, props = el.get("name") or "", None, {}
                    host = name
                elif el.tag == "Report":
                    scan = el.get("name") or ""
                continue
            if el.tag == "tag" and el.get("name"):
                props[el.get("name")] = (el.text or "").strip()
                if el.get("name") in ("HOST_END", "HOST_START"):
                    day = parse_timestamp(el.text)
                    if day and (host_date is None or el.get("name") == "HOST_END"):
                        host_date = day
            elif el.tag == "HostProperties":
                names = _host(name, props)
                host = names[0] if names else ""
                forms[host] = tuple(dict.fromkeys((*forms.get(host, ()), *names)))
            elif el.tag == "ReportItem":
                if not compliance.add(checks, el, host, host_date):
                    _add(groups, el, host, host_date, options)
                el.clear()
            elif el.tag == "ReportHost":
                forms.setdefault(host, (host,))  # no HostProperties: the ReportHost name
                if host_date and (scan_date is None or host_date > scan_date):
                    scan_date = host_date
                el.clear()
    except (SyntaxError, DefusedXmlException) as exc:  # ParseError, entities, DTDs
        raise WorkbookError(
            f"not a readable .nessus file ({str(exc)[:120]})", path=str(path)
        ) from None
    records = [_record(plugin, g, scan_date, path.name, scan) for plugin, g in groups.items()]
    records += [compliance.record(g, scan_date, path.name, scan) for g in checks.values()]
    records += [Record("nessus", "", "", hosts=(h,), status=SCANNED, file=path.name)
                for h in forms if h]
    for rec in records:
        rec.names = {h: forms[h] for h in rec.hosts if len(forms.get(h, ())) > 1}
        yield rec


def _host(name: str, props: dict[str, str]) -> tuple[str, ...]:
    """Every name of a ReportHost, the one Affected Assets takes first: hostname / netbios-name,
    else host-fqdn, else the scanned name or host-ip; then the others (host-ip, the ReportHost
    name), so a rescan naming the host by its FQDN finds the item that lists its IP."""
    short = props.get("hostname") or props.get("netbios-name", "").rpartition("\\")[2]
    scanned_ip = _is_ip(name)
    fqdn = props.get("host-fqdn") or ("" if scanned_ip else name)
    return host_forms(short, fqdn, props.get("host-ip") or name, name)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# Nessus v2: ReportItem severity 0-4 (Info, Low, Medium, High, Critical); its child
# <risk_factor> (None, Low, Medium, High, Critical) says the same in words
_RISK_FACTOR = {"none": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def _severity(el: Any) -> int:
    """A ReportItem's severity 0-4: its attribute ("3", "3.0"), else its risk_factor (an
    attribute missing, unreadable or out of 0-4 never drops or downgrades a High finding)."""
    text = (el.get("severity") or "").strip()
    try:
        value = int(float(text))
        if 0 <= value <= 4:
            return value
    except (ValueError, OverflowError):
        pass
    factor = el.findtext("risk_factor") if hasattr(el, "findtext") else None
    return _RISK_FACTOR.get((factor or "").strip().lower(), 0)


def _add(
    groups: dict[str, dict[str, Any]], el: Any, host: str, day: dt.date | None, options: ImportOptions
) -> None:
    severity = _severity(el)
    if severity == 0 and not options.include_info:
        return
    plugin = el.get("pluginID") or ""
    g = groups.get(plugin)
    if g is None:
        g = groups[plugin] = {
            "name": el.get("pluginName") or "",
            "severity": severity,
            "hosts": [],
            "cves": [],
            "synopsis": clean(el.findtext("synopsis")),
            "description": clean(el.findtext("description")),
            "solution": clean(el.findtext("solution")),
            "date": day,
        }
    g["severity"] = max(g["severity"], severity)
    g["hosts"].append(host)
    g["cves"].extend(c.text or "" for c in el.findall("cve"))
    if day and (g["date"] is None or day < g["date"]):
        g["date"] = day


def _record(plugin: str, g: dict[str, Any], scan_date: dt.date | None, file: str,
            scan: str) -> Record:
    cves = unique(g["cves"])
    parts = [f"{g['name']}: {g['synopsis']}" if g["synopsis"] else g["name"]]
    if g["description"]:
        parts.append(g["description"])
    if cves:
        parts.append("CVE: " + ", ".join(cves))
    return Record(
        source="nessus",
        source_id=f"Nessus plugin {plugin}",
        title=g["name"],
        description=clean("\n".join(parts)),
        risk=SEVERITY.get(g["severity"], "Low"),
        controls=CONTROLS,
        hosts=unique(g["hosts"]),
        cves=cves,
        fix=g["solution"],
        detected=g["date"] or scan_date,
        status=OPEN,
        how="Vulnerability Scan",
        file=file,
        details=f"Scan: {scan}" if scan else "",
    )
