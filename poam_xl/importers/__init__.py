"""Scanner and checklist importers: each parser turns one file into neutral finding records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError, WorkbookError

OPEN, NOT_REVIEWED, NOT_A_FINDING, NOT_APPLICABLE = (
    "open",
    "not_reviewed",
    "not_a_finding",
    "not_applicable",
)
# a check that could not run (XCCDF/HDF error, Nessus compliance ERROR): never passing, never
# closes an item; skipped (and counted) unless --include-not-reviewed, then an item to review
ERROR = "error"
# skipped and counted, never items: XCCDF notchecked / notselected / informational results
NOT_CHECKED, NOT_SELECTED, INFORMATIONAL = "not_checked", "not_selected", "informational"
MAX_TEXT = 32_000  # Excel holds 32,767 characters in a cell


@dataclass
class Record:
    """One finding from a scan or checklist, before it becomes (or updates) a POA&M item."""

    source: str  # ckl | cklb | nessus | hdf | xccdf | csv
    source_id: str  # text written to Source Identifier ("SV-257777r925318_rule (V-257777)")
    title: str
    description: str = ""
    risk: str | None = None  # High | Medium | Low (None: unknown)
    controls: tuple[str, ...] = ()  # C/W/S: NIST SP 800-53 controls, then the CCIs cited
    hosts: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()
    fix: str = ""
    detected: dt.date | None = None
    status: str = OPEN
    how: str = "Vulnerability Scan"  # a model.HOW_IDENTIFIED value
    file: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # extra model-key values (CSV mapping)
    details: str = ""  # scanner evidence (finding details, overrides): kept in Comments
    review: str = ""  # why an error / not-reviewed result needs a look (Comments, if imported)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail) for the summary


@dataclass(frozen=True)
class Options:
    min_severity: str = "Low"
    include_not_reviewed: bool = False
    include_info: bool = False  # Nessus severity 0 (informational) plugins
    scan_date: dt.date | None = None  # overrides the date read from the file
    mapping: dict[str, str] = field(default_factory=dict)  # CSV: model key -> CSV header
    preset: str | None = None  # CSV: qualys | tenable | nessus-csv (importers/presets.py)


DEFAULT_OPTIONS = Options()


def clean(text: object) -> str:
    """Stripped text, capped to what an Excel cell holds."""
    s = "" if text is None else str(text).strip()
    return s if len(s) <= MAX_TEXT else s[: MAX_TEXT - 1] + "…"


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def pick_host(name: object = "", fqdn: object = "", ip: object = "") -> tuple[str, ...]:
    """Affected Assets of one target: host name, else FQDN, else IP (every parser's rule).

    () when none is known: merge then reports "no host" in the import summary.
    """
    for value in (name, fqdn, ip):
        text = " ".join(str(value or "").split())
        if text:
            return (text,)
    return ()


def parse_timestamp(text: object) -> dt.date | None:
    """'2025-09-02T20:38:17', 'Tue Sep  2 20:38:17 2025', '2024-04-24' -> date."""
    from ..dates import parse_text

    s = " ".join(str(text or "").split())
    if not s:
        return None
    for fmt in ("%a %b %d %H:%M:%S %Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(s[:24], fmt).date()
        except ValueError:
            pass
    return parse_text(s[:10]) or parse_text(s)


KINDS = ("ckl", "cklb", "nessus", "hdf", "xccdf", "csv")
_XML_ROOTS = {
    "CHECKLIST": "ckl",
    "NessusClientData_v2": "nessus",
    "Benchmark": "xccdf",
    "TestResult": "xccdf",
    "asset-report-collection": "xccdf",  # SCAP ARF (NIST IR 7694) wrapping XCCDF results
}


def kind_of(path: Path) -> str:
    """ckl | cklb | nessus | hdf | xccdf | csv: by content (XML root element, JSON keys), then
    by extension (.csv; a .ckl/.cklb/.nessus whose content is unreadable goes to its parser,
    which names the fault).

    Raises UsageError for anything else, WorkbookError for XML that is malformed or declares
    entities (never expanded).
    """
    ext = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(4096)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] == b"{":
        return "cklb" if b'"stigs"' in head or b'"cklb_version"' in head else "hdf"
    refused = ""
    if body[:1] == b"<":
        root, refused = _xml_root(path)
        if root in _XML_ROOTS:
            return _XML_ROOTS[root]
    if ext in (".ckl", ".cklb", ".nessus", ".csv"):
        return ext[1:]
    if refused:
        raise WorkbookError(f"not readable XML ({refused})", path=str(path))
    if ext == ".json":
        return "hdf"
    raise UsageError(
        "unknown findings format (expected .ckl, .cklb, .nessus, XCCDF/ARF results .xml, "
        "HDF .json or .csv)",
        path=str(path),
    )


def _xml_root(path: Path) -> tuple[str | None, str]:
    """(local name of the root element, "") by defusedxml, stopping at the first start tag;
    (None, reason) when the XML is malformed or declares entities / a DTD."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        for _event, el in iterparse(str(path), events=("start",)):
            return str(el.tag).rsplit("}", 1)[-1], ""
    except (SyntaxError, DefusedXmlException, ValueError) as exc:
        return None, str(exc)[:120]
    return None, "no element"


def parse(path: str | Path, options: Options = DEFAULT_OPTIONS) -> Iterator[Record]:
    """Every record of one findings file (all statuses; filtering happens in merge).

    Raises UsageError (missing file, unknown format) or WorkbookError (unreadable content),
    each naming the file.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError("findings file not found", path=str(p))
    kind = kind_of(p)
    if kind == "ckl":
        from .ckl import parse as run
    elif kind == "cklb":
        from .cklb import parse as run
    elif kind == "nessus":
        from .nessus import parse as run
    elif kind == "hdf":
        from .hdf import parse as run
    elif kind == "xccdf":
        from .xccdf import parse as run
    else:
        from .csvmap import parse as run
    for rec in run(p, options):
        if options.scan_date is not None:
            rec.detected = options.scan_date
        yield rec


def parse_all(paths: Iterable[str | Path], options: Options = DEFAULT_OPTIONS) -> list[Record]:
    return [rec for p in paths for rec in parse(p, options)]
