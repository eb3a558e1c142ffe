"""Workbooks for the portfolio tests (rollup, history, remind): the generated template with the
header, items and milestones given as dicts keyed by model keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from poam_xl import model, template

AS_OF = dt.date(2026, 3, 31)


def write_poam(path: Path, header: dict[str, Any], items: list[dict[str, Any]],
               milestones: list[dict[str, Any]] = (), contacts: list[tuple[str, str]] = ()
               ) -> Path:
    """A bare DSS-layout workbook (the template's header block, items and milestones tables,
    values only: fast to write) with these header fields, item rows and milestone rows;
    ``contacts``: (owner, address) rows of a Contacts sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = model.ITEMS.sheet
    keys = [f.key for f in model.HEADER_FIELDS]
    for i, f in enumerate(model.HEADER_FIELDS):
        ws.cell(template.HEADER_TOP + i, 2, f.label)
    for key, value in header.items():
        ws.cell(template.HEADER_TOP + keys.index(key), 3, value)
    for j, col in enumerate(model.ITEM_COLUMNS, start=1):
        ws.cell(template.TABLE_HEADER_ROW, j, col.header)
    for i, item in enumerate(items):
        for key, value in item.items():
            ws.cell(template.FIRST_ROW + i, model.ITEMS.keys.index(key) + 1, value)
    ms = wb.create_sheet(model.MILESTONES.sheet)
    ms.append([c.header for c in model.MILESTONE_COLUMNS])
    for i, m in enumerate(milestones):
        for key, value in m.items():
            ms.cell(2 + i, model.MILESTONES.keys.index(key) + 1, value)
    if contacts:
        cs = wb.create_sheet("Contacts")
        cs.append(["Responsible Owner", "Email"])
        for row in contacts:
            cs.append(list(row))
    wb.save(path)
    return path


def header(company: str = "Acme Corp", system: str = "Lab LAN", day: dt.date | None = AS_OF,
           cage: str = "1AB23") -> dict[str, Any]:
    return {"company_name": company, "cage_code": cage, "dss_uid": "ISFO-1", "issm_names": "K. Chen",
            "system_name": system, "poam_date": day}


def item(n: int, risk: str, identified: dt.date, status: str = "Open", **more: Any) -> dict[str, Any]:
    return {"item_number": n, "description": f"Weakness number {n}: {DESCRIPTIONS[n % len(DESCRIPTIONS)]}",
            "cws": "AC-2", "risk_level": risk, "date_identified": identified, "status": status,
            **more}


DESCRIPTIONS = ("audit logs not reviewed weekly", "accounts not disabled after 90 days",
                "USB storage not blocked on workstations", "login banner missing on servers",
                "backups not tested quarterly", "patches not applied within policy",
                "media sanitisation not recorded")
