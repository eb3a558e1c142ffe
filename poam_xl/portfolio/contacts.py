"""Owners' e-mail addresses: from a Contacts sheet of the POA&M, a CSV file (``--contacts``),
or an address written in the Responsible Owner cell itself ("J. Doe <jdoe@example.mil>").

A contacts table has a heading row with an owner column (Responsible Owner, Owner, Name) and an
address column (Email, E-mail, Address); other columns are ignored. Names match ignoring case
and spacing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import WorkbookError

SHEET = "contacts"  # the sheet's name, any case
OWNER_HEADS = ("responsible owner", "owner", "name", "contact")
ADDRESS_HEADS = ("email", "e-mail", "email address", "e-mail address", "address", "mail")
ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def key(name: str) -> str:
    return " ".join(name.split()).casefold()


def from_rows(rows: Iterable[list[Any]], where: str) -> dict[str, str]:
    """{owner key: address} of a table whose first non-empty row is its heading row; a table
    with no owner or address column is a WorkbookError naming ``where``."""
    it = iter(rows)
    head: list[str] = []
    for row in it:
        head = [str(v or "").strip().casefold() for v in row]
        if any(head):
            break
    who = next((i for i, h in enumerate(head) if h in OWNER_HEADS), None)
    mail = next((i for i, h in enumerate(head) if h in ADDRESS_HEADS), None)
    if who is None or mail is None:
        raise WorkbookError("a contacts table needs an owner column (Responsible Owner, Owner or "
                            "Name) and an address column (Email)", path=where)
    out: dict[str, str] = {}
    for row in it:
        cells = list(row) + [None] * (max(who, mail) + 1 - len(row))
        name, address = str(cells[who] or "").strip(), str(cells[mail] or "").strip()
        if name and ADDRESS.fullmatch(address):
            out[key(name)] = address
    return out


def from_csv(path: str | Path) -> dict[str, str]:
    """Contacts of a CSV file (UTF-8, a heading row); WorkbookError naming it when unreadable."""
    from ..package import not_regular
    from ..safeload import csv_rows

    if why := not_regular(path):  # a named pipe would wait for a writer forever
        raise WorkbookError(why, path=str(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return from_rows(csv_rows(csv.reader(fh), path), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise WorkbookError(f"cannot read the contacts file ({why})", path=str(path)) from None


def from_workbook(path: str | Path, limits: Any = None) -> dict[str, str]:
    """Contacts of the workbook's Contacts sheet ({} when it has none), read under the same
    limits (and isolation) as the POA&M itself."""
    from ..grids import load_grids
    from ..package import Limits, inspect

    limits = limits or Limits()
    info = inspect(Path(path), limits)
    names = [n for n in info.sheet_parts if n.strip().casefold() == SHEET]
    if not names:
        return {}
    grids = load_grids(info, limits, sheets=names[:1])
    grid = grids.get(names[0])
    return from_rows(grid.rows, f"{path} (sheet {names[0]})") if grid else {}


def address(owner: str, contacts: dict[str, str]) -> str | None:
    """The owner's address: the contacts' entry, else one written in the owner's cell."""
    found = contacts.get(key(owner))
    if found:
        return found
    m = ADDRESS.search(owner)
    return m.group() if m else None
