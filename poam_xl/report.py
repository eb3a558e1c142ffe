"""Render validation results: console (rich, on a terminal), plain text, JSON, CSV, JUnit XML.
Formatting only, no verdicts.

Every renderer takes per-file dicts in the shape of ``Report.to_dict()`` (also what the batch
runner returns), so one file and a folder of files render the same way.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from . import __version__
from .errors import shown as shown_path
from .values import escape_formula, plural

FINDING_FIELDS = ("path", "rule", "severity", "where", "sheet", "cell", "item", "column",
                  "message", "hint", "value")
SUMMARY_FIELDS = ("file", "company", "cage_code", "template", "items", "open", "overdue",
                  "errors", "warnings", "status", "error", "report", "feedback")


def document(files: list[dict[str, Any]], as_of: str | None = None) -> dict[str, Any]:
    """The JSON document: {tool, version, as_of, files: [...]} (see README, "JSON report")."""
    return {"tool": "poam-xl", "version": __version__,
            "as_of": as_of or (files[0].get("as_of") if files else None), "files": files}


def to_json(files: list[dict[str, Any]], as_of: str | None = None) -> str:
    return json.dumps(document(files, as_of), indent=2, ensure_ascii=False, default=str) + "\n"


def to_csv(files: list[dict[str, Any]], escape_formulas: bool = True) -> str:
    """One finding per row (files that could not be read get one row with their error)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FINDING_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for f in files:
        rows: Iterable[dict[str, Any]] = f.get("findings") or []
        if f.get("error"):
            rows = [{"rule": "file.unreadable", "severity": "error", "message": f["error"]}]
        for row in rows:
            out = {"path": f.get("path"), **row}
            w.writerow({k: escape_formula(v) if escape_formulas else v for k, v in out.items()})
    return buf.getvalue()


def summary_csv(files: list[dict[str, Any]], escape_formulas: bool = True) -> str:
    """One row per file: file, company, CAGE code, items, open, overdue, errors, warnings, status."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for f in files:
        s = f.get("summary") or {}
        row = {"file": f.get("path"), "status": f.get("status"), "error": f.get("error"),
               "report": f.get("report"), "feedback": f.get("feedback"),
               "template": f.get("template"), **{k: s.get(k) for k in SUMMARY_FIELDS if k in s}}
        row["errors"] = s.get("errors", 0 if not f.get("error") else None)
        w.writerow({k: escape_formula(v) if escape_formulas else v for k, v in row.items()})
    return buf.getvalue()


def to_junit(files: list[dict[str, Any]], fail_on: str = "error") -> str:
    """JUnit XML: one test suite per file, one test case per rule.

    A rule's case fails when it has findings at or above ``fail_on`` ("error", "warning" or
    "never", as ``validate --fail-on``), so the XML agrees with the exit code; findings below it
    go to ``<system-out>``. A file that could not be read is one ``<error>`` case
    (``file.readable``); a file passed over on purpose (an Office lock or macOS resource file) is
    one ``<skipped>`` case, neither failing nor erroring.
    """
    from xml.sax.saxutils import quoteattr

    from .catalogue import applicable
    from .findings import SEVERITY_ORDER

    threshold = SEVERITY_ORDER.get(fail_on, SEVERITY_ORDER["error"])
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites name=\"poam-xl\">"]
    for f in files:
        path = str(f.get("path"))
        if f.get("error"):
            skipped = f.get("status") == "skipped"
            out.append(f"  <testsuite name={quoteattr(path)} tests=\"1\" failures=\"0\" "
                       f"errors=\"{0 if skipped else 1}\" skipped=\"{1 if skipped else 0}\">")
            out.append(f"    <testcase classname={quoteattr(path)} name=\"file.readable\">")
            out.append(f"      <{'skipped' if skipped else 'error'} "
                       f"message={quoteattr(str(f['error']))}/>")
            out.append("    </testcase>\n  </testsuite>")
            continue
        by_rule: dict[str, list[dict[str, Any]]] = {}
        for x in f.get("findings") or []:
            by_rule.setdefault(x["rule"], []).append(x)
        rule_ids = sorted({r.id for r in applicable(f.get("profile", "dss"))} | set(by_rule))

        def failing(x: dict[str, Any]) -> bool:
            return SEVERITY_ORDER.get(x.get("severity", ""), 0) >= threshold

        failures = sum(1 for r in rule_ids if any(failing(x) for x in by_rule.get(r, [])))
        out.append(f"  <testsuite name={quoteattr(path)} tests=\"{len(rule_ids)}\" "
                   f"failures=\"{failures}\" errors=\"0\" skipped=\"0\">")
        for rid in rule_ids:
            hits = by_rule.get(rid, [])
            out.append(f"    <testcase classname={quoteattr(path)} name={quoteattr(rid)}>")
            failed = [x for x in hits if failing(x)]
            if failed:
                text = "\n".join(_line(x) for x in failed)
                out.append(f"      <failure message={quoteattr(failed[0]['message'])} "
                           f"type={quoteattr(failed[0]['severity'])}>{_xml_text(text)}</failure>")
            rest = [x for x in hits if not failing(x)]
            if rest:
                out.append(f"      <system-out>{_xml_text(chr(10).join(map(_line, rest)))}"
                           "</system-out>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def _line(x: dict[str, Any]) -> str:
    return f"{x['where']}: {x['message']}" if x.get("where") else x["message"]


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape("".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32))


def mapping_lines(f: dict[str, Any]) -> list[str]:
    """How one file's headers were read: the template, then 'Sheet!C  Header -> field' (or
    'kept') per column; the rows skipped as not items."""
    out = [f"{f.get('path')}: template {f.get('template')}, profile {f.get('profile')}"]
    for m in f.get("mapping") or []:
        target = m.get("field") or ("kept (no field)" if not m.get("duplicate_of")
                                    else f"kept ({m['duplicate_of']} taken by another column)")
        out.append(f"  {m.get('sheet')}!{m.get('column')}  {m.get('header')!s} -> {target}")
    for s in f.get("skipped") or []:
        out.append(f"  skipped {s.get('sheet')}!{s.get('row')}: {s.get('reason')}")
    return out


def _q(count: Any) -> str:
    return "?" if count is None else str(count)


SUMMARY_OVER = 60  # more findings than this: the table summarises by rule (--all: every one)
FIRST_PER_RULE = 3  # rows shown per rule in a summarised table
FIRST_CELLS = 4  # cells named per rule in the summary


def rule_summary(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per rule, most findings first: {rule, severity, count, title, cells (the first
    FIRST_CELLS 'where's), findings (all of that rule, in sheet order)}."""
    from .catalogue import all_rules

    titles = {rid: r.title for rid, r in all_rules().items()}
    groups: dict[str, list[dict[str, Any]]] = {}
    for x in findings:
        groups.setdefault(x["rule"], []).append(x)
    rows = [{"rule": rid, "severity": xs[0]["severity"], "count": len(xs),
             "title": titles.get(rid, ""), "cells": [x["where"] for x in xs if x.get("where")][:FIRST_CELLS],
             "findings": xs} for rid, xs in groups.items()]
    rows.sort(key=lambda r: (r["severity"] != "error", -r["count"], r["rule"]))
    return rows


def _ordered(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda x: (x.get("item") is None, str(x.get("item") or ""),
                                           x.get("sheet") or "", x.get("cell") or ""))


def _summary_line(f: dict[str, Any], path: str) -> str:
    s = f.get("summary") or {}
    status = f.get("status", "ok")
    return (f"{path}: {status.upper()} — {plural(s.get('errors', 0), 'error')}, "
            f"{plural(s.get('warnings', 0), 'warning')}; "
            f"{plural(s.get('items', 0), 'item')}, {_q(s.get('open', 0))} open, "
            f"{_q(s.get('overdue', 0))} overdue, {_q(s.get('due_soon', 0))} due soon"
            f"{_profile_figures(s)} (as of {f.get('as_of')}, template {f.get('template')})")


def _profile_figures(s: dict[str, Any]) -> str:
    """A profile's own figures on the summary line (the CMMC profile's SPRS-style score)."""
    if s.get("sprs_score") is None:
        return ""
    eligible = "eligible" if s.get("cmmc_conditional_eligible") else "not eligible"
    return (f"; SPRS score {s['sprs_score']} of {s.get('sprs_max')} (Conditional status "
            f"{eligible}; needs {s.get('sprs_threshold')} and only POA&M-eligible gaps)")


def _more(shown: int, total: int) -> str:
    return f"… {total - shown:,} more (--all prints every finding)"


def to_text(f: dict[str, Any], all_findings: bool = False) -> str:
    """One file's report as plain text (for a file or a pipe: no terminal layout, so thousands
    of findings print as fast as JSON). Over SUMMARY_OVER findings (unless ``all_findings``): a
    summary by rule (rule, severity, count, title, first cells), then the first FIRST_PER_RULE
    findings of each rule; else every finding grouped by item. Ends with the summary line."""
    path = str(shown_path(f.get("path")))
    if f.get("error"):
        label = "SKIPPED" if f.get("status") == "skipped" else "UNREADABLE"
        return f"{path}: {label}: {shown_path(f['error'])}\n"
    findings = f.get("findings") or []
    out: list[str] = []

    def row(x: dict[str, Any], item: str) -> None:
        out.append(f"  {item:<8} {x.get('where') or '':<16} {x['severity']:<8} {x['rule']}  {x['message']}")
        if x.get("hint"):
            out.append(f"  {'':<8} {'':<16} {'':<8} → {x['hint']}")

    if findings and (all_findings or len(findings) <= SUMMARY_OVER):
        out.append(f"{path}: {plural(len(findings), 'finding')}")
        last: object = object()
        for x in _ordered(findings):
            item = x.get("item")
            row(x, "" if item == last else ("-" if item is None else str(item)))
            last = item
    elif findings:
        rules = rule_summary(findings)
        out.append(f"{path}: {len(findings):,} findings of {plural(len(rules), 'rule')} (the first "
                   f"{FIRST_PER_RULE} of each below; --all prints every finding)")
        out.append(f"  {'rule':<34} {'severity':<8} {'count':>7}  title / first cells")
        for r in rules:
            out.append(f"  {r['rule']:<34} {r['severity']:<8} {r['count']:>7,}  {r['title']}")
            if r["cells"]:
                more = ", …" if r["count"] > len(r["cells"]) else ""
                out.append(f"  {'':<34} {'':<8} {'':>7}  {', '.join(r['cells'])}{more}")
        for r in rules:
            out.append("")
            out.append(f"{r['rule']} ({r['severity']}, {r['count']:,}): {r['title']}")
            for x in r["findings"][:FIRST_PER_RULE]:
                row(x, "-" if x.get("item") is None else str(x["item"]))
            if r["count"] > FIRST_PER_RULE:
                out.append(f"  {_more(FIRST_PER_RULE, r['count'])}")
        out.append("")
    out.append(_summary_line(f, path))
    return "\n".join(out) + "\n"


def to_console(f: dict[str, Any], console: Any, all_findings: bool = False) -> None:
    """A rich table of one file's findings, grouped by item, then its summary line (on a
    terminal). Over SUMMARY_OVER findings (unless ``all_findings``): a table by rule, then the
    first FIRST_PER_RULE findings of each rule."""
    from rich.table import Table
    from rich.text import Text

    path = shown_path(f.get("path"))  # control/bidi characters escaped (issue 14)
    if f.get("error"):
        label = "SKIPPED" if f.get("status") == "skipped" else "UNREADABLE"
        console.print(Text(f"{path}: {label}: {shown_path(f['error'])}", style="bold red"), soft_wrap=True)
        return
    findings = f.get("findings") or []
    many = len(findings) > SUMMARY_OVER and not all_findings
    if many:
        rules = rule_summary(findings)
        summary = Table(title=f"{path}: {len(findings):,} findings by rule (--all prints every "
                        "finding)", title_justify="left")
        for name in ("Rule", "Severity", "Count", "Title", "First cells"):
            summary.add_column(name, overflow="fold", justify="right" if name == "Count" else "left")
        for r in rules:
            style = "red" if r["severity"] == "error" else "yellow"
            summary.add_row(r["rule"], Text(r["severity"], style=style), f"{r['count']:,}", r["title"],
                            ", ".join(r["cells"]) + (", …" if r["count"] > len(r["cells"]) else ""))
        console.print(summary)
        findings = [x for r in rules for x in r["findings"][:FIRST_PER_RULE]]
    if findings:
        table = Table(title=str(path) + (f" (the first {FIRST_PER_RULE} of each rule)" if many else ""),
                      show_lines=False, title_justify="left")
        table.add_column("Item", no_wrap=True)
        table.add_column("Cell", no_wrap=True)
        table.add_column("Severity", no_wrap=True)
        table.add_column("Rule", overflow="fold", max_width=28)
        table.add_column("Message / hint", overflow="fold", ratio=1)
        last = object()
        for x in findings if many else _ordered(findings):
            item = x.get("item")
            shown = "" if item == last and not many else ("-" if item is None else str(item))
            last = item
            style = "red" if x["severity"] == "error" else "yellow"
            msg = Text(x["message"])
            if x.get("hint"):
                msg.append("\n→ " + x["hint"], style="dim")
            table.add_row(shown, x.get("where") or "", Text(x["severity"], style=style), x["rule"], msg)
        console.print(table)
    status = f.get("status", "ok")
    style = {"ok": "green", "warnings": "yellow"}.get(status, "red")
    console.print(Text(_summary_line(f, str(path)), style=style), soft_wrap=True)
