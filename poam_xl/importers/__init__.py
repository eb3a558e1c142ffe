"""Scanner and checklist importers: each parser turns one file into neutral finding records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

OPEN, NOT_REVIEWED, NOT_A_FINDING, NOT_APPLICABLE = (
    "open",
    "not_reviewed",
    "not_a_finding",
    "not_applicable",
)
MAX_TEXT = 32_000  # Excel holds 32,767 characters in a cell


@dataclass
class Record:
    """One finding from a scan or checklist, before it becomes (or updates) a POA&M item."""

    source: str  # ckl | cklb | nessus | hdf | csv
    source_id: str  # text written to Source Identifier ("SV-257777r925318_rule (V-257777)")
    title: str
    description: str = ""
    risk: str | None = None  # High | Medium | Low (None: unknown)
    controls: tuple[str, ...] = ()  # rule/vuln IDs, CCIs, NIST controls: written to C/W/S
    hosts: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()
    fix: str = ""
    detected: dt.date | None = None
    status: str = OPEN
    how: str = "Vulnerability Scan"  # a model.HOW_IDENTIFIED value
    file: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # extra model-key values (CSV mapping)
    details: str = ""  # scanner evidence (finding details, overrides): kept in Comments


@dataclass(frozen=True)
class Options:
    min_severity: str = "Low"
    include_not_reviewed: bool = False
    include_info: bool = False  # Nessus severity 0 (informational) plugins
    scan_date: dt.date | None = None  # overrides the date read from the file
    mapping: dict[str, str] = field(default_factory=dict)  # CSV: model key -> CSV header


DEFAULT_OPTIONS = Options()


def clean(text: object) -> str:
    """Stripped text, capped to what an Excel cell holds."""
    s = "" if text is None else str(text).strip()
    return s if len(s) <= MAX_TEXT else s[: MAX_TEXT - 1] + "…"


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


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


def kind_of(path: Path) -> str:
    """ckl | cklb | nessus | hdf | csv, from the extension (and a peek for .json/.xml)."""
    ext = path.suffix.lower()
    if ext in (".ckl", ".cklb", ".nessus", ".csv"):
        return ext[1:]
    head = path.open("rb").read(4096).lstrip()
    if ext == ".json" or head[:1] == b"{":
        return "cklb" if b'"stigs"' in head or b'"cklb_version"' in head else "hdf"
    if b"NessusClientData_v2" in head:
        return "nessus"
    if b"<CHECKLIST" in head:
        return "ckl"
    raise UsageError(
        "unknown findings format (expected .ckl, .cklb, .nessus, HDF .json or .csv)", path=str(path)
    )


def parse(path: str | Path, options: Options = DEFAULT_OPTIONS) -> Iterator[Record]:
    """Every record of one findings file (all statuses; filtering happens in merge)."""
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
    else:
        from .csvmap import parse as run
    for rec in run(p, options):
        if options.scan_date is not None:
            rec.detected = options.scan_date
        yield rec


def parse_all(paths: Iterable[str | Path], options: Options = DEFAULT_OPTIONS) -> list[Record]:
    return [rec for p in paths for rec in parse(p, options)]
