"""`remind` as one call: a POA&M's digests and calendars per Responsible Owner, their addresses,
written to a folder (``write``); sending is ``mail.send``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import calendar, contacts, remind
from .records import file_records


@dataclass
class OwnerFiles:
    owner: str
    stem: str  # file name (without suffix) of the owner's .md, .html and .ics
    digest: remind.Digest
    ics: bytes
    address: str | None


def plan(path: str | Path, as_of: dt.date, within: int, *, profile: str = "auto",
         contacts_file: str | Path | None = None, **read_options: Any) -> list[OwnerFiles]:
    """Read and validate the POA&M, group its items and milestones by owner. Addresses come
    from ``contacts_file`` (CSV) when given, else from the workbook's Contacts sheet, else from
    the owner's cell. Raises PoamXlError naming a file that cannot be read."""
    from ..errors import TemplateError
    from ..validation import validate

    report = validate(path, profile=profile, as_of=as_of, **read_options)
    records = file_records(report)
    if records is None:
        reason = report.findings[0].message if report.findings else "not a POA&M workbook"
        raise TemplateError(reason, path=str(path))
    if contacts_file is not None:
        book = contacts.from_csv(contacts_file)
    else:  # the Contacts sheet of the workbook, decrypted with the same --password
        from ..crypto import readable

        with readable(path, read_options.get("password")) as plain:
            book = contacts.from_workbook(plain, read_options.get("limits"))
    header = records["header"]
    ident = calendar.identity(header, path)
    seq = calendar.sequence(header.get("poam_date"), as_of)
    taken: set[str] = set()
    out = []
    for owner, d in remind.digests(records, as_of, within).items():
        address = None if owner == remind.NO_OWNER else contacts.address(owner, book)
        out.append(OwnerFiles(owner, remind.file_stem(owner, taken), d,
                              calendar.to_ics(d, ident, seq), address))
    return out


def write(owners: list[OwnerFiles], folder: str | Path) -> list[Path]:
    """Each owner's NAME.md, NAME.html and NAME.ics in ``folder`` (created), atomically."""
    from ..batch.output import prepare
    from ..write import atomic_path

    out_dir = Path(folder)
    prepare(out_dir)
    written = []
    for o in owners:
        for suffix, data in ((".md", remind.to_markdown(o.digest).encode()),
                             (".html", remind.to_html(o.digest).encode()), (".ics", o.ics)):
            target = out_dir / f"{o.stem}{suffix}"
            with atomic_path(target) as tmp:
                tmp.write_bytes(data)
            written.append(target)
    return written
