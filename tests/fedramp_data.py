"""Realistic FedRAMP POA&M items typed into the real Rev5 template (shared/realworld)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl

from poam_xl.convert import fedramp
from poam_xl.layouts import fedramp as fr_layout
from tests.helpers import REALWORLD, require_shared

TEMPLATE = REALWORLD / "workbooks" / "fedramp-gov__FedRAMP-POAM-Template.xlsx"
D = dt.date

OPEN_ITEMS: list[dict[str, Any]] = [
    {
        "POAM ID": "V-101",
        "Controls": "RA-5, SI-2",
        "Weakness Name": "OpenSSL 3.0 out of date",
        "Weakness Description": "OpenSSL 3.0.7 on web tier is vulnerable (CVE-2023-0286).",
        "Weakness Detector Source": "Nessus",
        "Weakness Source Identifier": "171356",
        "Asset Identifier": "10.0.4.11 (443/tcp)\n10.0.4.12 (443/tcp)",
        "Point of Contact": "J. Rivera - Acme Cloud",
        "Resources Required": "None",
        "Overall Remediation Plan": "Upgrade OpenSSL through the vendor image.",
        "Original Detection Date": D(2026, 9, 1),
        "Scheduled Completion Date": D(2026, 11, 30),
        "Planned Milestones": "(1) 2026/09/20: Vendor image released\n\n(2) 2026-10-15: Roll out "
        "to production\nand verify",
        "Milestone Changes": "(2) Update 2026-10-20 : vendor image delayed",
        "Status Date": D(2026, 10, 20),
        "Vendor Dependency": "Yes",
        "Last Vendor Check-in Date": D(2026, 11, 10),
        "Vendor Dependent Product Name": "Acme Linux",
        "Original Risk Rating": "High",
        "Adjusted Risk Rating": "Moderate",
        "Risk Adjustment": "Yes",
        "False Positive": "No",
        "Operational Requirement": "No",
        "Deviation Rationale": "Risk Adjustment : TLS endpoint only reachable from the VPN",
        "Supporting Documents": "Deviation Request : DR-101.docx\nEvidence : scan-0915.pdf",
        "Comments": "Tracked in JIRA SEC-4411",
        "Auto-Approve": "No",
        "Binding Operational Directive 22-01 tracking": "Yes",
        "Binding Operational Directive 22-01 Due Date": D(2026, 12, 15),
        "CVE": "CVE-2023-0286",
        "Service Name": "Acme Web Platform",
    },
    {
        "POAM ID": "V-102",
        "Controls": "CM-6",
        "Weakness Name": "SSH weak MACs",
        "Weakness Description": "sshd allows hmac-sha1.",
        "Weakness Detector Source": "Qualys",
        "Weakness Source Identifier": "38739",
        "Asset Identifier": "bastion-1",
        "Point of Contact": "K. Osei",
        "Overall Remediation Plan": "Harden sshd_config.",
        "Original Detection Date": D(2026, 10, 5),
        "Scheduled Completion Date": D(2027, 1, 3),
        "Planned Milestones": "(1) 2026-11-01: Update baseline",
        "Original Risk Rating": "Moderate",
        "False Positive": "Pending",
        "Deviation Rationale": "False Positive : FIPS mode rejects SHA1",
        "Service Name": "Acme Web Platform",
    },
    {
        "POAM ID": "V-103",
        "Controls": "AC-2",
        "Weakness Name": "Stale service account",
        "Weakness Description": "Service account unused for 120 days.",
        "Weakness Detector Source": "Security Assessment Report",
        "Weakness Source Identifier": "SAR-2026-07",
        "Original Detection Date": D(2026, 3, 2),
        "Scheduled Completion Date": D(2026, 8, 29),
        "Original Risk Rating": "Low",
        "Operational Requirement": "Yes",
        "Deviation Rationale": "Operational Requirement : needed for quarterly batch job",
    },
]
CLOSED_ITEMS: list[dict[str, Any]] = [
    {
        "POAM ID": "V-090",
        "Controls": "SI-2",
        "Weakness Name": "Apache httpd banner",
        "Weakness Description": "Scanner flagged httpd 2.4.49 from a cached banner.",
        "Weakness Detector Source": "Nessus",
        "Weakness Source Identifier": "153584",
        "Original Detection Date": D(2026, 6, 1),
        "Scheduled Completion Date": D(2026, 7, 1),
        "Status Date": D(2026, 6, 20),
        "Original Risk Rating": "High",
        "False Positive": "Yes",
        "Deviation Rationale": "False Positive : httpd 2.4.58 installed; banner cached",
    },
]
CONFIG_ITEMS: list[dict[str, Any]] = [
    {
        "POAM ID": "C-7",
        "Controls": "CM-7",
        "Weakness Name": "Unused service enabled",
        "Weakness Description": "telnet service enabled on build host.",
        "Weakness Detector Source": "CIS-CAT",
        "Weakness Source Identifier": "xccdf_cis_2.1.1",
        "Original Detection Date": D(2026, 11, 1),
        "Scheduled Completion Date": D(2026, 12, 1),
        "Original Risk Rating": "Critical",
    },
]
HEADER = {
    "CSP": "Acme Cloud Inc.",
    "System Name": "Acme Web Platform",
    "Impact Level": "Moderate",
    "POAM Date": D(2026, 11, 20),
}


def need_template() -> Path:
    return require_shared(TEMPLATE)


def blank_book(path: Path) -> Path:
    """An empty workbook from our writer (the real template read, 0 items, written back)."""
    from poam_xl.convert.fedramp import read_workbook

    if not path.exists():
        fedramp.write(read_workbook(need_template())[0], path)
    return path


def filled_template(
    path: Path,
    *,
    open_items: list[dict[str, Any]] = OPEN_ITEMS,
    closed: list[dict[str, Any]] = CLOSED_ITEMS,
    config: list[dict[str, Any]] = CONFIG_ITEMS,
    first_open_row: int = 9,
    base: Path | None = None,
) -> Path:
    """The real template (or ``base``) with items typed below its guidance and example rows.

    The real template with the default items is built once per test process and copied (an
    openpyxl load and save of the 4,000-formula template takes seconds)."""
    default = (base is None and first_open_row == 9 and open_items is OPEN_ITEMS
               and closed is CLOSED_ITEMS and config is CONFIG_ITEMS)
    if default:
        with _shared_lock():  # one build per test run, shared by the xdist workers
            keep = _shared_dir() / "filled.xlsx"
            if not keep.exists():
                _fill(keep, open_items, closed, config, first_open_row, base)
            shutil.copyfile(keep, path)
        return path
    return _fill(path, open_items, closed, config, first_open_row, base)


def _shared_dir() -> Path:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    folder = Path(tempfile.gettempdir()) / f"poam-fedramp-{run}"
    folder.mkdir(exist_ok=True)
    return folder


@contextlib.contextmanager
def _shared_lock() -> Iterator[None]:
    import fcntl

    with (_shared_dir() / "lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fill(path: Path, open_items: list[dict[str, Any]], closed: list[dict[str, Any]],
          config: list[dict[str, Any]], first_open_row: int, base: Path | None) -> Path:
    wb = openpyxl.load_workbook(base or need_template())
    for sheet, items, first in (
        (fr_layout.OPEN, open_items, first_open_row),
        (fr_layout.CLOSED, closed, 6),
        (fr_layout.CONFIG, config, 6),
    ):
        ws = wb[sheet]
        col = {ws.cell(5, j).value: j for j in range(1, 32)}
        for j, label in enumerate(("CSP", "System Name", "Impact Level", "POAM Date"), start=1):
            ws.cell(3, j, HEADER[label])
        for i, item in enumerate(items):
            for label, value in item.items():
                ws.cell(first + i, col[label], value)
    wb.save(path)
    return path
