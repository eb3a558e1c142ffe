"""Scanner and checklist importers: each parser turns one file into neutral finding records.

``parse`` recognises a file by its content (``kind_of``) and hands it to the parser in
``PARSERS``; ``merge`` turns records into workbook changes; ``apply`` writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import UsageError, WorkbookError
from . import ckl, cklb, csvmap, hdf, nessus, xccdf
from .base import (
    DEFAULT_OPTIONS,
    ERROR,
    INFORMATIONAL,
    MAX_TEXT,
    NOT_A_FINDING,
    NOT_APPLICABLE,
    NOT_CHECKED,
    NOT_REVIEWED,
    NOT_SELECTED,
    OPEN,
    SCANNED,
    ImportOptions,
    Record,
    clean,
    parse_timestamp,
    pick_host,
    unique,
)

__all__ = ["DEFAULT_OPTIONS", "ERROR", "INFORMATIONAL", "KINDS", "MAX_TEXT", "NOT_APPLICABLE",
           "NOT_A_FINDING", "NOT_CHECKED", "NOT_REVIEWED", "NOT_SELECTED", "OPEN", "PARSERS",
           "SCANNED", "ImportOptions", "Record", "clean", "kind_of", "parse", "parse_all",
           "parse_scans", "parse_timestamp", "pick_host", "unique"]

Parser = Callable[[Path, ImportOptions], Iterator[Record]]
PARSERS: dict[str, Parser] = {
    "ckl": ckl.parse, "cklb": cklb.parse, "nessus": nessus.parse, "hdf": hdf.parse,
    "xccdf": xccdf.parse, "csv": csvmap.parse,
}

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
        # HDF (profiles + platform) may carry a checklist's "stigs" in its passthrough
        # (`saf convert ckl2hdf`): the HDF keys win
        hdf = b'"profiles"' in head and b'"platform"' in head
        return "cklb" if not hdf and (b'"stigs"' in head or b'"cklb_version"' in head) else "hdf"
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


def parse(path: str | Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """Every record of one findings file (all statuses; filtering happens in merge).

    Raises UsageError (missing file, a named pipe or device, unknown format) or WorkbookError
    (unreadable content), each naming the file.
    """
    from ..package import not_regular

    p = Path(path)
    if special := not_regular(p):
        raise UsageError(special, path=str(p))
    if not p.is_file():
        raise UsageError("findings file not found", path=str(p))
    for rec in PARSERS[kind_of(p)](p, options):
        if options.scan_date is not None:
            rec.detected = options.scan_date
        yield rec


def parse_all(paths: Iterable[str | Path], options: ImportOptions = DEFAULT_OPTIONS) -> list[Record]:
    """The findings of every file (not the SCANNED host records)."""
    return parse_scans(paths, options)[0]


def parse_scans(paths: Iterable[str | Path], options: ImportOptions = DEFAULT_OPTIONS
                ) -> tuple[list[Record], list[Record]]:
    """(findings, SCANNED records: the hosts each file scanned) of every file."""
    found: list[Record] = []
    scanned: list[Record] = []
    for p in paths:
        for rec in parse(p, options):
            (scanned if rec.status == SCANNED else found).append(rec)
    return found, scanned


KINDS = tuple(PARSERS)
