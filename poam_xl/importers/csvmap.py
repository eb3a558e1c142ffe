"""Generic CSV findings with a column mapping (`--map "description=Title,risk_level=Severity"`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import model, safeload
from ..dates import held, to_date
from ..errors import UsageError, WorkbookError
from .base import DEFAULT_OPTIONS, NOT_A_FINDING, OPEN, ImportOptions, Record, clean, unique

EXTRA_KEYS = ("cve",)  # mappable besides the items table's own columns
CLOSED_WORDS = {
    "closed",
    "pass",
    "passed",
    "fixed",
    "resolved",
    "not a finding",
    "notafinding",
    "not_a_finding",
    "completed",
    "remediated",
}


def parse_mapping(text: str | None = None, file: str | Path | None = None) -> dict[str, str]:
    """'key=Header,key2=Header 2' and/or a mapping file (JSON object or key=Header lines)."""
    pairs: list[tuple[str, str]] = []
    if file is not None:
        from ..package import not_regular

        if why := not_regular(file):  # a named pipe would wait for a writer forever
            raise UsageError(f"--map-file {file} {why}")
        body = Path(file).read_text(encoding="utf-8-sig")
        if body.lstrip().startswith("{"):
            try:
                pairs += [(str(k), str(v)) for k, v in json.loads(body).items()]
            except (ValueError, AttributeError):
                raise UsageError("mapping file is not a JSON object", path=str(file)) from None
        else:
            pairs += [
                _pair(line)
                for line in body.splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
    if text:
        pairs += [_pair(part) for part in text.split(",") if part.strip()]
    return {resolve_key(k): v.strip() for k, v in pairs}


def _pair(text: str) -> tuple[str, str]:
    key, sep, header = text.partition("=")
    if not sep or not key.strip() or not header.strip():
        raise UsageError(f"mapping entry {text.strip()!r} is not KEY=CSV HEADER")
    return key.strip(), header.strip()


def resolve_key(name: str) -> str:
    """A model key or any header text/alias of an items column -> the model key."""
    if name in model.ITEMS.keys or name in EXTRA_KEYS:
        return name
    wanted = model.normalise_header(name)
    for col in model.ITEMS.columns:
        if wanted in col.names() or wanted == model.normalise_header(col.key):
            return col.key
    if wanted in ("cve", "cves"):
        return "cve"
    known = ", ".join(k for k in model.ITEMS.keys if not model.ITEMS.column(k).derived)
    raise UsageError(f"mapping key {name!r} is not a POA&M column (use one of: {known}, cve)")


def auto_mapping(headers: list[str]) -> dict[str, str]:
    """CSV headers that already name a POA&M column (by header text or alias) map themselves."""
    out: dict[str, str] = {}
    for h in headers:
        try:
            key = resolve_key(h)
        except UsageError:
            continue
        if key in model.ITEMS.keys and model.ITEMS.column(key).derived:
            continue
        out.setdefault(key, h)
    return out


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """One record per row with a description; columns from ``options.mapping`` (plus headers
    that name POA&M columns), or a scanner export's own columns with ``options.preset``.

    Raises UsageError naming the file for mapped columns the CSV lacks or no description
    column, WorkbookError when it is not UTF-8 text.
    """
    if options.preset:
        from .presets import parse as preset_parse

        yield from preset_parse(path, options)
        return
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise WorkbookError("CSV is not UTF-8 text", path=str(path)) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)  # quoted newlines kept
    headers = [h for h in reader.fieldnames or [] if h]
    mapping = {**auto_mapping(headers), **options.mapping}
    missing = sorted({h for h in mapping.values() if h not in headers})
    if missing:
        raise UsageError(
            f"mapped CSV column(s) not found: {', '.join(missing)} "
            f"(the CSV has: {', '.join(headers)})",
            path=str(path),
        )
    if "description" not in mapping:
        raise UsageError(
            "no CSV column maps to description (use --map description=HEADER)", path=str(path)
        )
    for row in safeload.csv_rows(reader, path):
        values = {k: clean(row.get(h)) for k, h in mapping.items()}
        if values.get("description"):
            yield _record(values, path.name)


def _record(values: dict[str, str], file: str) -> Record:
    risk = model.canonical_choice(
        values.get("risk_level"), model.RISK_LEVELS, model.RISK_SYNONYMS
    ) or model.risk_level(values.get("risk_level", "").lower())
    typed = to_date(values.get("date_identified")) if values.get("date_identified") else None
    day = held(typed) if isinstance(typed, dt.date) else None  # BAD, or a year 0001 / 2300: none
    how = model.canonical_choice(values.get("how_identified"), model.HOW_IDENTIFIED) or "Other"
    status = NOT_A_FINDING if values.get("status", "").lower() in CLOSED_WORDS else OPEN
    cves = unique(re.findall(r"CVE-\d{4}-\d+", values.get("cve", ""), flags=re.I))
    given = values.get("risk_level", "")
    notes = [("severity", f"{given!r} in {file}")] if given and risk is None else []
    used = {
        "description",
        "risk_level",
        "date_identified",
        "how_identified",
        "status",
        "source_id",
        "assets",
        "cws",
        "mitigation",
        "cve",
    }
    return Record(
        source="csv",
        source_id=values.get("source_id", ""),
        title=values["description"],
        description=values["description"],
        risk=risk,
        controls=unique(re.split(r"[;\n]", values.get("cws", ""))),
        hosts=unique(re.split(r"[,;\n]", values.get("assets", ""))),
        cves=cves,
        fix=values.get("mitigation", ""),
        detected=day,
        status=status,
        how=how,
        file=file,
        values={k: v for k, v in values.items() if k not in used and v},
        notes=notes,
    )
