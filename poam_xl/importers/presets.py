"""Scanner CSV exports with known columns: `--preset qualys | tenable | nessus-csv`.

Column names are the exports' own (Qualys VM "Scan Results" / scan report CSV; Tenable.sc
vulnerability detail list and Tenable Vulnerability Management (Tenable.io) export; Nessus
"Export > CSV"); the first of a preset's candidate headers present in the file is used.
Severity scales:
- Qualys 1-5 (Qualys KB "Vulnerability severity levels": 5 Urgent, 4 Critical, 3 Serious,
  2 Medium, 1 Minimal) -> 5, 4 High; 3 Medium; 2, 1 Low.
- Tenable / Nessus words (Critical, High, Medium, Low; None / Info skipped) and 0-4 numbers
  (Nessus v2 severity: 4 Critical, 3 High, 2 Medium, 1 Low, 0 Info).
- Blank severity: CVSS v3 base score (FIRST CVSS v3.1 §5 qualitative scale: >=9.0 Critical,
  >=7.0 High, >=4.0 Medium, >0 Low), else CVSS v2 (NVD: >=7.0 High, >=4.0 Medium, else Low).
Critical counts as High (the workbook's three levels).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError, WorkbookError
from .base import (
    DEFAULT_OPTIONS,
    INFORMATIONAL,
    NOT_A_FINDING,
    OPEN,
    ImportOptions,
    Record,
    clean,
    parse_timestamp,
    pick_host,
    unique,
)
from .nessus import CONTROLS

NAMES = ("qualys", "tenable", "nessus-csv")
WORDS = {"critical": "High", "high": "High", "medium": "Medium", "moderate": "Medium", "low": "Low"}
INFO_WORDS = {"none", "info", "informational"}
FIXED_WORDS = {"fixed", "closed", "remediated", "resolved"}


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    columns: dict[str, tuple[str, ...]]  # field -> candidate headers: first non-empty cell wins
    scale: str  # qualys | tenable (words or 0-4)
    id_format: str  # Source Identifier of a row ('Nessus plugin {}' matches the .nessus parser)
    mapping: str  # shown in the import summary

    def header(self, row: list[str]) -> dict[str, list[int]]:
        """field -> indexes of its candidate columns in ``row`` (a header row); {} when the row
        is not this export's header (no ID or title column)."""
        cells = {c.strip(): i for i, c in reversed(list(enumerate(row)))}
        found = {f: [cells[h] for h in hs if h in cells] for f, hs in self.columns.items()}
        return {f: i for f, i in found.items() if i} if found["id"] and found["title"] else {}


_NUMERIC = "; blank Severity: CVSS v3 >=7.0 High, >=4.0 Medium, >0 Low (else CVSS v2)"
PRESETS = {
    "qualys": Preset(
        "qualys", "Qualys vulnerability scan CSV",
        {
            "id": ("QID",), "title": ("Title", "VULN TITLE"), "severity": ("Severity", "SEVERITY"),
            "cvss3": ("CVSS3.1 Base", "CVSS3 Base", "CVSS3.1", "CVSS3"),
            "cvss2": ("CVSS Base", "CVSS", "CVSS_BASE"), "name": ("NetBIOS", "DNS", "HOSTNAME"),
            "fqdn": ("FQDN",), "ip": ("IP",), "cve": ("CVE ID", "CVEID"), "fix": ("Solution", "SOLUTION"),
            "synopsis": ("Threat", "THREAT"), "description": ("Impact", "IMPACT"),
            "output": ("Results", "RESULT"), "first": ("First Detected",), "last": ("Last Detected",),
            "state": ("Vuln Status",), "type": ("Type", "TYPE"), "port": ("Port", "PORT"),
            "protocol": ("Protocol", "PROTOCOL"),
        },
        "qualys", "Qualys QID {}",
        "(qualys): Qualys 5 Urgent / 4 Critical -> High, 3 Serious -> Medium, 2 Medium / 1 Minimal "
        "-> Low" + _NUMERIC + "; Type Ig (information gathered) skipped",
    ),
    "tenable": Preset(
        "tenable", "Tenable.sc / Tenable Vulnerability Management CSV",
        {
            "id": ("Plugin", "Plugin ID"), "title": ("Plugin Name", "Name"),
            "severity": ("Severity", "Risk", "Risk Factor"),
            "cvss3": ("CVSS V3 Base Score", "CVSS3 Base Score"),
            "cvss2": ("CVSS V2 Base Score", "CVSS Base Score", "CVSS"),
            "name": ("NetBIOS Name", "NetBios"), "fqdn": ("DNS Name", "FQDN"),
            "ip": ("IP Address", "Host"), "cve": ("CVE",), "fix": ("Solution", "Steps to Remediate"),
            "synopsis": ("Synopsis",), "description": ("Description",),
            "output": ("Plugin Output", "Plugin Text"),
            "first": ("First Discovered", "First Found", "First Seen"),
            "last": ("Last Observed", "Last Found", "Last Seen"),
            "state": ("Vulnerability State", "State"), "port": ("Port",), "protocol": ("Protocol",),
        },
        "tenable", "Nessus plugin {}",
        "(tenable): Critical / High -> High, Medium -> Medium, Low -> Low, Info skipped; 4 / 3 -> "
        "High, 2 -> Medium, 1 -> Low, 0 skipped" + _NUMERIC,
    ),
    "nessus-csv": Preset(
        "nessus-csv", "Nessus CSV export",
        {
            "id": ("Plugin ID",), "title": ("Name",), "severity": ("Risk", "Risk Factor"),
            "cvss3": ("CVSS v3.0 Base Score", "CVSS v3.1 Base Score"),
            "cvss2": ("CVSS v2.0 Base Score", "CVSS"), "name": (), "fqdn": (), "ip": ("Host",),
            "cve": ("CVE",), "fix": ("Solution",), "synopsis": ("Synopsis",),
            "description": ("Description",), "output": ("Plugin Output",), "port": ("Port",),
            "protocol": ("Protocol",),
        },
        "tenable", "Nessus plugin {}",
        "(nessus-csv): Risk Critical / High -> High, Medium -> Medium, Low -> Low, None skipped"
        + _NUMERIC,
    ),
}


def risk_of(preset: Preset, severity: str, cvss3: str, cvss2: str) -> str | None:
    """High / Medium / Low, INFORMATIONAL for info rows, None when nothing maps."""
    s = severity.strip().lower()
    if s in WORDS:
        return WORDS[s]
    if s in INFO_WORDS:
        return INFORMATIONAL
    if s.isdigit():
        n = int(s)
        if preset.scale == "qualys" and 1 <= n <= 5:
            return "High" if n >= 4 else "Medium" if n == 3 else "Low"
        if preset.scale == "tenable" and 0 <= n <= 4:
            return INFORMATIONAL if n == 0 else "High" if n >= 3 else "Medium" if n == 2 else "Low"
        return None
    if s:
        return None
    for score, high in ((cvss3, 7.0), (cvss2, 7.0)):
        m = re.match(r"\s*(\d+(?:\.\d+)?)", score or "")
        if m and 0 <= float(m.group(1)) <= 10:
            value = float(m.group(1))
            return "High" if value >= high else "Medium" if value >= 4.0 else "Low" if value > 0 \
                else INFORMATIONAL
    return None


def parse(path: Path, options: ImportOptions = DEFAULT_OPTIONS) -> Iterator[Record]:
    """One record per data row of the export (merge groups a plugin / QID across hosts).

    Raises UsageError naming the file when no row has the preset's columns (wrong preset or
    file), WorkbookError when the file is not UTF-8 text.
    """
    preset = PRESETS.get(options.preset or "")
    if preset is None:
        raise UsageError(f"--preset must be one of {', '.join(NAMES)}, not {options.preset!r}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise WorkbookError("CSV is not UTF-8 text", path=str(path)) from None
    delimiter = max(",;\t", key=lambda d: text[:4096].count(d))
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    cols: dict[str, list[int]] = {}
    for n, row in enumerate(rows):
        cols = preset.header(row)
        if cols or n > 60:  # Qualys puts a few report lines above the header
            break
    if not cols:
        wanted = f"{preset.columns['id'][0]} and {preset.columns['title'][0]}"
        raise UsageError(f"not a {preset.label} (no header row with {wanted})", path=str(path))
    for row in rows:
        cell = {f: next((v for i in ix if i < len(row) and (v := clean(row[i]))), "")
                for f, ix in cols.items()}
        if cell.get("id"):
            yield _record(preset, cell, path.name, options)


def _record(preset: Preset, cell: dict[str, str], file: str, options: ImportOptions) -> Record:
    risk = risk_of(preset, cell.get("severity", ""), cell.get("cvss3", ""), cell.get("cvss2", ""))
    notes = [("mapping", preset.mapping)]
    status = OPEN
    if risk == INFORMATIONAL or cell.get("type", "").lower() in ("ig", "info", "information gathered"):
        status, risk = (OPEN, "Low") if options.include_info else (INFORMATIONAL, "Low")
    elif risk is None:
        notes.append(("severity", f"{cell.get('severity') or 'blank'!r} in {file}"))
    if cell.get("state", "").lower() in FIXED_WORDS:
        status = NOT_A_FINDING
    title = cell.get("title") or cell["id"]
    synopsis = cell.get("synopsis", "")
    parts = [f"{title}: {synopsis}" if synopsis else title]
    if cell.get("description"):
        parts.append(cell["description"])
    cves = unique(re.findall(r"CVE-\d{4}-\d+", cell.get("cve", ""), flags=re.I))
    if cves:
        parts.append("CVE: " + ", ".join(cves))
    details = [f"{preset.label}: {preset.id_format.format(cell['id'])}"]
    if cell.get("port"):
        details.append(f"Port: {cell['port']}/{cell.get('protocol', '').lower()}".rstrip("/"))
    if cell.get("output"):
        details.append("Output: " + cell["output"][:500])
    netbios = cell.get("name", "").rpartition("\\")[2]  # Tenable.sc writes DOMAIN\HOST
    return Record(
        source="csv",
        source_id=preset.id_format.format(cell["id"]),
        title=title,
        description=clean("\n".join(parts)),
        risk=risk,
        controls=CONTROLS,
        hosts=pick_host(netbios, cell.get("fqdn"), cell.get("ip")),
        cves=cves,
        fix=cell.get("fix", ""),
        detected=_date(cell.get("first", "")),
        status=status,
        how="Vulnerability Scan",
        file=file,
        details=clean("\n".join(details)),
        notes=notes,
    )


def _date(text: str) -> dt.date | None:
    """'05/13/2021 07:08:28' (Qualys), 'Feb 9, 2024 10:48:42 UTC' (Tenable.sc), ISO (Tenable VM)."""
    return parse_timestamp(text, "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
                           "%b %d, %Y %H:%M:%S %Z", "%b %d, %Y")
