"""XCCDF 1.1 / 1.2 results (OpenSCAP, SCC), bare or wrapped in SCAP ARF: one record per
rule-result of every TestResult, streamed with defusedxml (memory bounded by the rule texts kept).

Sources: NIST IR 7275 rev 4 (XCCDF 1.2) §6.6 TestResult, rule-result and its result values
(Table 27); NIST IR 7694 (ARF 1.1) for the asset-report-collection wrapper; DISA STIG
benchmarks for the id shapes (Group "V-230221" / "xccdf_mil.disa.stig_group_V-230221", Rule
"SV-230221r743913_rule", <version> = the STIG ID, <ident system="http://cyber.mil/cci">).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from .. import cci, model
from ..errors import WorkbookError
from .base import (
    DEFAULT_OPTIONS,
    ERROR,
    INFORMATIONAL,
    NOT_A_FINDING,
    NOT_APPLICABLE,
    NOT_CHECKED,
    NOT_REVIEWED,
    NOT_SELECTED,
    OPEN,
    ImportOptions,
    Record,
    clean,
    parse_timestamp,
    pick_host,
)
from .ckl import stig_source_id

XCCDF = ("http://checklists.nist.gov/xccdf/1.1", "http://checklists.nist.gov/xccdf/1.2")
# XCCDF 1.2 Table 27: pass/fixed satisfy the rule; error/unknown decide nothing (not passing);
# notchecked (manual), notselected, notapplicable, informational are no finding either way
RESULTS = {
    "pass": NOT_A_FINDING,
    "fixed": NOT_A_FINDING,
    "fail": OPEN,
    "error": ERROR,
    "unknown": NOT_REVIEWED,
    "notapplicable": NOT_APPLICABLE,
    "notchecked": NOT_CHECKED,
    "notselected": NOT_SELECTED,
    "informational": INFORMATIONAL,
}
REVIEW = {
    "error": "XCCDF result error: the checking engine could not evaluate the rule; it is not "
    "passing, check it by hand.",
    "unknown": "XCCDF result unknown: the scanner could not interpret the check; review it.",
}
SEVERITY = {"high": "High", "medium": "Medium", "low": "Low", "info": "Low"}  # XCCDF @severity
TEXT_CAP = 2000  # characters kept per rule text (description, fix): bounded memory
_SV = re.compile(r"(?<![A-Za-z0-9])(SV-\d+(?:r\d+)?(?:_rule)?)")
_V = re.compile(r"(?<![A-Za-z0-9])(V-\d+)\b")
_STIG_ID = re.compile(r"^[A-Z][A-Z0-9]{1,15}-[A-Z0-9]{2,4}-\d{5,6}$")  # RHEL-08-010000
_DISCUSSION = re.compile(r"<VulnDiscussion>(.*?)</VulnDiscussion>", re.S)
_LOOPBACK = ("127.", "::1", "0:0:0:0:0:0:0:1")
_KEEP_IN = ("Rule", "rule-result")  # their children are read when they end


def _local(tag: object) -> tuple[str, str]:
    text = str(tag)
    if text.startswith("{"):
        ns, _, name = text[1:].partition("}")
        return ns, name
    return "", text


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """Records of every rule-result (the last TestResult's, when several test the same target);
    rule titles, severities, idents and fix texts come from the Benchmark's Rules (before the
    TestResult, also inside ARF report-requests), else from the rule-result alone (a bare
    TestResult document).

    Raises WorkbookError naming the file for malformed XML, DTDs, entities or a document
    without any XCCDF TestResult.
    """
    rules: dict[str, dict[str, Any]] = {}
    # (host, rule) -> its record: a later TestResult for the same target supersedes an earlier
    # one (OpenSCAP --remediate writes the scan, then the rescan with 'fixed' results)
    latest: dict[tuple[tuple[str, ...], str], Record] = {}
    stack: list[Any] = []
    state: dict[str, Any] = {"benchmark": "", "asset": {}, "results": 0}
    test: dict[str, Any] = {}
    try:
        for event, el in iterparse(str(path), events=("start", "end")):
            ns, name = _local(el.tag)
            if event == "start":
                stack.append(el)
                if name == "TestResult" and ns in XCCDF:
                    test = _new_test(el)
                    state["results"] += 1
                continue
            stack.pop()
            parent = stack[-1] if stack else None
            if any(_local(a.tag)[1] in _KEEP_IN for a in stack) and name not in _KEEP_IN:
                continue  # a child of a Rule / rule-result: read when its owner ends
            if ns in XCCDF:
                if name == "Rule":
                    rules[el.get("id") or ""] = _rule(el, stack)
                elif name == "rule-result" and test:
                    rec = _record(el, rules, test, state, path.name)
                    key = (rec.hosts, el.get("idref") or "")
                    latest.pop(key, None)
                    latest[key] = rec
                elif name == "title" and parent is not None and _local(parent.tag)[1] == "Benchmark":
                    state["benchmark"] = clean(el.text)
                else:
                    _test_field(name, el, test)
            elif ns.startswith("http://scap.nist.gov/schema/asset-identification"):
                _asset_field(name, el, state["asset"])
            if parent is not None:
                parent.remove(el)
    except (SyntaxError, DefusedXmlException) as exc:  # ParseError, entities, DTDs
        raise WorkbookError(f"not readable XCCDF results ({str(exc)[:120]})", path=str(path)) from None
    if not state["results"]:
        raise WorkbookError(
            "no XCCDF TestResult in the file (a benchmark without results? scan with "
            "`oscap xccdf eval --results` or SCC)",
            path=str(path),
        )
    yield from latest.values()


def _new_test(el: Any) -> dict[str, Any]:
    when = parse_timestamp(el.get("end-time")) or parse_timestamp(el.get("start-time"))
    return {"date": when, "target": "", "facts": {}, "addresses": [], "id": el.get("id") or ""}


def _test_field(name: str, el: Any, test: dict[str, Any]) -> None:
    """target, target-address and target-facts/fact of the current TestResult."""
    if not test:
        return
    text = " ".join((el.text or "").split())
    if name == "target":
        test["target"] = text
    elif name == "target-address":
        test["addresses"].append(text)
    elif name == "fact":
        # OpenSCAP: urn:xccdf:fact:asset:identifier:fqdn; SCC: urn:scap:fact:asset:identifier:...
        kind = (el.get("name") or "").rsplit(":", 1)[-1].lower()
        if text:
            test["facts"].setdefault(kind, []).append(text)


def _asset_field(name: str, el: Any, asset: dict[str, str]) -> None:
    """ARF <ai:computing-device>: ai:hostname, ai:fqdn, ai:ip-v4 / ai:ip-v6 (NIST IR 7693)."""
    text = " ".join((el.text or "").split())
    if text and name in ("hostname", "fqdn", "ip-v4", "ip-v6"):
        asset.setdefault("ip" if name.startswith("ip-") else name, text)


def _host(test: dict[str, Any], asset: dict[str, str]) -> tuple[str, ...]:
    """Host name (fact host_name, else <target>), else FQDN, else the first non-loopback
    address; the ARF asset when the TestResult names none."""
    facts = {k: v[0] for k, v in test["facts"].items()}
    ips = [a for a in (*test["addresses"], *test["facts"].get("ipv4", []),
                       *test["facts"].get("ipv6", [])) if not a.startswith(_LOOPBACK)]
    name = facts.get("host_name") or facts.get("hostname") or test["target"]
    if name.lower() in ("localhost", "localhost.localdomain"):
        name = ""
    return (pick_host(name, facts.get("fqdn"), ips[0] if ips else "")
            or pick_host(asset.get("hostname"), asset.get("fqdn"), asset.get("ip")))


def _rule(el: Any, stack: list[Any]) -> dict[str, Any]:
    """What a record needs from a Rule: title, severity, ids, CCIs, 800-53 references, texts."""
    group = next((a for a in reversed(stack) if _local(a.tag)[1] == "Group"), None)
    meta: dict[str, Any] = {
        "severity": el.get("severity") or "",
        "group": (group.get("id") or "") if group is not None else "",
        "texts": [],
        "nist": [],
    }
    for child in el:
        _ns, name = _local(child.tag)
        text = " ".join("".join(child.itertext()).split()) if name != "description" else ""
        if name == "title":
            meta["title"] = clean(text)
        elif name == "version":
            meta["version"] = text
        elif name == "description":
            raw = "".join(child.itertext())
            m = _DISCUSSION.search(raw)
            meta["description"] = clean(" ".join((m.group(1) if m else raw).split()))[:TEXT_CAP]
        elif name == "fixtext":
            meta["fix"] = clean("".join(child.itertext()))[:TEXT_CAP]
        elif name in ("ident", "reference"):
            meta["texts"].append(text)
            href = child.get("href") or ""
            if name == "reference" and "800-53" in href:
                meta["nist"].extend(t.strip() for t in text.split(",") if t.strip())
    return meta


def _record(el: Any, rules: dict[str, dict[str, Any]], test: dict[str, Any],
            state: dict[str, Any], file: str) -> Record:
    idref = el.get("idref") or ""
    meta = rules.get(idref, {})
    result = " ".join((el.findtext(f"{{{_local(el.tag)[0]}}}result") or "").split()).lower()
    idents = [" ".join((c.text or "").split()) for c in el if _local(c.tag)[1] == "ident"]
    messages = [clean(c.text) for c in el if _local(c.tag)[1] == "message" and (c.text or "").strip()]
    texts = [idref, *meta.get("texts", []), *idents]
    rule_id = next((m.group(1) for t in texts if (m := _SV.search(t))), "")
    vuln_id = next((m.group(1) for t in (meta.get("group", ""), *texts) if (m := _V.search(t))), "")
    # the STIG ID: DISA benchmarks put it in Rule <version> (and rule-result @version),
    # ComplianceAsCode in a reference; anything shaped like RHEL-08-010000
    versions = [v for v in (meta.get("version", ""), el.get("version") or "") if v]
    stig_id = next((t for t in (*versions, *texts) if _STIG_ID.match(t)), "")
    if not stig_id and rule_id and versions:
        stig_id = versions[0]
    ccis = [c for t in texts for c in cci.find(t)]
    controls, notes = cci.cws(ccis, meta.get("nist", []), fallback=[stig_id or vuln_id or idref])
    severity = (el.get("severity") or meta.get("severity") or "").lower()
    risk = SEVERITY.get(severity) or model.risk_level(severity)
    if risk is None:
        notes.append(("severity", f"{severity or 'none'!r} in {file}"))
    status = RESULTS.get(result, NOT_REVIEWED)
    title = meta.get("title") or idref
    bench = state["benchmark"]
    details = [f"XCCDF result: {result or 'none'} (rule {idref})"]
    if bench:
        word = "STIG" if "STIG" in bench or "Security Technical Implementation" in bench else "Benchmark"
        details.append(f"{word}: {bench}")
    if stig_id:
        details.append(f"STIG ID: {stig_id}")
    details += [f"Scanner message: {m}" for m in messages[:3]]
    description = "\n".join(p for p in (title, meta.get("description", "")) if p)
    when = test["date"] or parse_timestamp(el.get("time"))
    return Record(
        source="xccdf",
        source_id=stig_source_id(rule_id, vuln_id) or idref,
        title=title,
        description=clean(description),
        risk=risk,
        controls=controls,
        hosts=_host(test, state["asset"]),
        fix=meta.get("fix", ""),
        detected=when if isinstance(when, dt.date) else None,
        status=status,
        how="STIG Review" if rule_id or vuln_id else "Assessment",
        file=file,
        details=clean("\n".join(details)),
        review=REVIEW.get(result, "" if status != NOT_REVIEWED else "XCCDF result not understood: "
                          "review it."),
        notes=notes,
    )
