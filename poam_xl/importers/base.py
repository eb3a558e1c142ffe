"""What every importer shares: the neutral finding ``Record``, the import options, statuses, and
the small text/date/host helpers each parser uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..dates import held, parse_text

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
# not a finding: a host the file scanned (a Nessus ReportHost), so an open item's finding that
# is absent there can be listed for review; ``parse_all`` leaves these out
SCANNED = "scanned"
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
    # host (as in ``hosts``) -> every name the file gives it (host name, FQDN, IP): one host
    # however a file or the workbook names it
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportOptions:
    min_severity: str = "Low"
    include_not_reviewed: bool = False
    include_info: bool = False  # Nessus severity 0 (informational) plugins
    scan_date: dt.date | None = None  # overrides the date read from the file
    mapping: dict[str, str] = field(default_factory=dict)  # CSV: model key -> CSV header
    preset: str | None = None  # CSV: qualys | tenable | nessus-csv (importers/presets.py)


DEFAULT_OPTIONS = ImportOptions()


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
    return host_forms(name, fqdn, ip)[:1]


def host_forms(*values: object) -> tuple[str, ...]:
    """Every name of one target, in ``pick_host``'s order (host name, FQDN, IP), each once."""
    texts = (" ".join(str(value or "").split()) for value in values)
    return tuple(dict.fromkeys(t for t in texts if t))


def named(hosts: tuple[str, ...], *values: object) -> dict[str, tuple[str, ...]]:
    """``Record.names`` of a file that names one target (``hosts`` from ``pick_host``)."""
    forms = host_forms(*values)
    return {hosts[0]: forms} if hosts and len(forms) > 1 else {}


def parse_timestamp(text: object, *formats: str) -> dt.date | None:
    """'2025-09-02T20:38:17', 'Tue Sep  2 20:38:17 2025', '2024-04-24' (or one of a parser's
    own ``formats``, tried first) -> date; None when there is none, or when it is outside what
    a date column holds (``dates.held``: a scanner's year 0001 or 2300 is no date)."""
    s = " ".join(str(text or "").split())
    if not s:
        return None
    for fmt in formats:
        try:
            return held(dt.datetime.strptime(s, fmt).date())
        except ValueError:
            pass
    for fmt in ("%a %b %d %H:%M:%S %Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return held(dt.datetime.strptime(s[:24], fmt).date())
        except ValueError:
            pass
    return held(parse_text(s[:10]) or parse_text(s))


