"""Import findings into a workbook: parse, merge, then patch the new and changed cells in place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import model, xlsxrows
from ..crypto import in_place_refused, readable
from ..errors import EncryptedWorkbookError, PoamXlError, UsageError, ValuesLostError, WriteError, shown
from ..policy import DEFAULT
from ..reader import Poam, read
from ..write import Snapshot, atomic_path, check_extension, private_copy, same_file, snapshot, swap_in_place
from ..xlsxpatch import Workbook
from . import parse_scans
from .base import DEFAULT_OPTIONS, MAX_TEXT, ImportOptions, Record
from .merge import Plan, merge


@dataclass
class ImportResult:
    path: Path
    records: int
    plan: Plan
    first_item: int | None = None
    written: list[str] = field(default_factory=list)  # what writing did to the layout (columns)

    def line(self) -> str:
        p = self.plan
        added = len(p.new_rows)
        span = ""
        if added:
            last = p.new_rows[-1]["item_number"]
            span = (
                f" (items {p.new_rows[0]['item_number']}-{last})"
                if added > 1
                else f" (item {last})"
            )
        parts = [
            f"wrote {shown(self.path)}: {_n(self.records, 'finding')} read",
            f"{_n(added, 'item')} added{span}",
            f"{len(p.updates) - p.reopened} updated",
            f"{p.reopened} reopened",
            f"{p.unchanged} already up to date",
        ]
        if p.unmatched:
            parts.append(f"warning: {p.unmatched} new items have no Source Identifier, so a later "
                         "import cannot recognise them (map an ID column: --map source_id=ID)")
        if p.skipped:
            parts.append(
                "skipped " + ", ".join(f"{n} {why}" for why, n in sorted(p.skipped.items()))
            )
            undecided = p.skipped.get("error", 0) + p.skipped.get("not reviewed", 0)
            if undecided:
                parts.append(f"{_n(undecided, 'error or not-reviewed check')} not passing (none "
                             "closes an item; --include-not-reviewed adds them as items to review)")
        if p.resolved:
            parts.append(
                "now passing (close them after review): items "
                + ", ".join(str(i) for i in p.resolved)
            )
        if p.absent:
            parts.append("not found on a rescanned host (close after review): items "
                         + ", ".join(str(i) for i in p.absent))
        if p.partly:
            parts.append("partly passing, left open: " + ", ".join(x.text() for x in p.partly))
        parts.extend(left_closed_lines(p))
        parts.extend(self.written)
        parts.extend(note_lines(p))
        return "; ".join(parts)


def left_closed_lines(plan: Plan) -> list[str]:
    """Closed items a scan still finds that stay closed (risk accepted, false positive, not
    applicable), and the hosts found that they do not list (not added)."""
    if not plan.left_closed:
        return []
    by_reason: dict[str, list[str]] = {}
    for u in plan.left_closed:
        by_reason.setdefault(str(u.kept_closed), []).append(str(u.item))
    said = []
    for reason, items in by_reason.items():
        kind = reason.lower().replace(" ", "-") + " item"
        said.append(f"{_n(len(items), kind)} left closed "
                    f"({'item' if len(items) == 1 else 'items'} {', '.join(items)})")
    out = ["still found: " + ", ".join(said)]
    out += [f"item {u.item} ({u.kept_closed}) also found on {', '.join(u.outside)}, not in its "
            "Affected Assets (not added: check the closure covers them)"
            for u in plan.left_closed if u.outside]
    return out


# note kind -> summary text; {n}: "2 findings", {what}: the first details
NOTES = {
    "unknown-cci": "warning: CCI not in the DISA CCI list in {n} ({what}): C/W/S keeps the CCI",
    "no-control": "warning: no CCI or 800-53 control in {n} ({what}): C/W/S holds the STIG ID; "
    "fill in the control",
    "no-host": "warning: no host (host name, FQDN or IP) in {n} from {what}: Affected Assets "
    "left blank",
    "severity": "warning: severity that maps to no risk level in {n} ({what}): Risk Level left "
    "blank; set it by hand",
}


def losses(plan: Plan) -> list[str]:
    """``--strict``: what an import would alter: a severity that maps to no risk level (left
    blank), a text longer than a cell holds (cut)."""
    out = [f"Risk Level: severity {detail} maps to no risk level (left blank)"
           for detail in plan.notes.get("severity", {})]
    for rec in (*plan.new_rows, *(u.changes for u in plan.updates)):
        for key, value in rec.items():
            if isinstance(value, str) and len(value) >= MAX_TEXT and value.endswith("…"):
                out.append(f"item {rec.get('item_number', '?')} {key}: text of more than "
                           f"{MAX_TEXT:,} characters cut")
    return out


def note_lines(plan: Plan) -> list[str]:
    """Summary parts for the parsers' notes: warnings (counted per finding written) and the
    severity mapping a CSV preset used."""
    out: list[str] = []
    for kind, counts in plan.notes.items():
        details = [d for d in counts if d]
        what = ", ".join(details[:5]) + (f" and {len(details) - 5} more" if len(details) > 5 else "")
        if kind == "mapping":
            out.extend(f"severity mapping {d}" for d in details)
        elif kind in NOTES:
            out.append(NOTES[kind].format(n=_n(sum(counts.values()), "finding"), what=what))
    return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def import_into(
    findings: Sequence[str | Path],
    workbook: str | Path,
    output: str | Path | None = None,
    *,
    in_place: bool = False,
    options: ImportOptions = DEFAULT_OPTIONS,
    as_of: dt.date | None = None,
    strict: bool = False,
    password: str | None = None,
) -> ImportResult:
    """Add/update items of ``workbook`` from ``findings`` files; write ``output`` (or in place).

    An encrypted ``workbook`` is read with ``password`` and the result written to ``output``
    unencrypted; in place it is refused. Raises UsageError (options, findings files, a
    workbook import cannot add rows to), WorkbookError, ValuesLostError (``strict``) or
    WriteError, each naming the file."""
    src = Path(workbook)
    if in_place == (output is not None):
        raise UsageError("give exactly one of --output OUT or --in-place")
    dst = src if in_place else Path(output)  # type: ignore[arg-type]
    if not in_place and same_file(src, dst):
        raise UsageError("--output is the input workbook: use --in-place to change it")
    if any(same_file(f, dst) for f in findings):
        raise UsageError("--output would overwrite a findings file")
    if in_place:
        from ..update import lock_file

        if lock_file(src):
            raise WriteError("the workbook is open in Excel (close it first)", path=str(src))
    as_of = as_of or dt.date.today()
    records, scanned = parse_scans(findings, options)
    if not in_place:
        with readable(src, password) as plain:
            poam = read(plain)
            poam.source = str(src)
            writable(poam, src)
            plan = _plan(poam, records, scanned, as_of, options, strict, dst)
            written = write_items(plain, dst, plan, poam)
        return ImportResult(dst, len(records), plan, written=written)
    # in place: read the bytes once, merge into and patch that version, swap only if unchanged
    snap = snapshot(src)
    with private_copy(snap) as copy:
        try:
            poam = read(copy)
        except EncryptedWorkbookError:
            raise in_place_refused(src, "import") from None
        except PoamXlError as exc:  # name the user's file, not the private copy
            raise type(exc)(exc.reason, path=str(src), cell=exc.cell) from None
        poam.source = str(src)
        writable(poam, src)
        plan = _plan(poam, records, scanned, as_of, options, strict, dst)
        written = write_items(copy, src, plan, poam, snap=snap)
    return ImportResult(dst, len(records), plan, written=written)


def writable(poam: Poam, path: str | Path) -> None:
    """Refuse, in one line, a workbook import cannot add rows to: an eMASS or FedRAMP workbook
    (their rows follow another template: one row per milestone, Open/Closed sheets, guidance
    rows) and items spread over several sheets (which sheet a new item goes on is the
    sender's rule). Raises UsageError."""
    family = poam.template.partition("-")[0]
    if family in ("emass", "fedramp"):
        name = "an eMASS" if family == "emass" else "a FedRAMP"
        raise UsageError(
            f"{path}: {name} workbook ({poam.template}); import adds items to a DSS-style "
            f"POA&M workbook: convert it (poam-xl convert {Path(path).name} poam.xlsx), "
            f"import into that, then convert back with --to {family}")
    if poam.items.locate is not None:
        raise UsageError(
            f"{path}: its items are on several sheets ({poam.items.sheet} and others); import "
            f"adds items to one POA&M sheet: convert it to one (poam-xl convert "
            f"{Path(path).name} poam.xlsx) and import into that")


def _plan(poam: Poam, records: list[Record], scanned: list[Record], as_of: dt.date,
          options: ImportOptions, strict: bool, dst: Path) -> Plan:
    """The merge of ``records`` into ``poam``; with ``strict`` nothing lost or cut, else
    ValuesLostError."""
    plan = merge(poam.items.frame, records, DEFAULT if not poam.policy_found else poam.policy,
                 as_of, options, scanned)
    if strict and (lost := losses(plan)):
        raise ValuesLostError(lost, path=dst)
    return plan


def write_items(src: str | Path, dst: str | Path, plan: Plan, poam: Poam,
                snap: Snapshot | None = None) -> list[str]:
    """Write new rows (styled like the row above) and updated cells; every other byte kept.
    With ``snap`` (in place) the result replaces ``dst`` only if it is still that version.
    Returns what the summary must say about the layout: the columns added (a sender's own
    layout lacks some), the milestones that had no Milestones sheet to go to."""
    check_extension(src, dst)
    items = poam.items
    letters = dict(items.letters)
    said: list[str] = []
    with Workbook(src) as wb:
        sheet = wb.sheet(items.sheet)
        needed = {k for row in plan.new_rows for k, v in row.items() if v is not None}
        needed |= {k for u in plan.updates for k in u.changes}
        # computed columns (Due Date, Days Open, ...) are written where the workbook has them,
        # never added: they are no finding's data, and `poam-xl update` computes them
        needed -= {c.key for c in model.ITEMS.columns if c.derived}
        added = xlsxrows.add_columns(sheet, items.header_row, letters, needed)
        if added.headers:
            span = added.letters[0] + (f"-{added.letters[-1]}" if len(added.letters) > 1 else "")
            where = f", inside table {', '.join(added.tables)}" if added.tables else ""
            said.append(f"added {_n(len(added.headers), 'column')} {span} to {items.sheet} "
                        f"(this workbook lacked them{where}): {', '.join(added.headers)}")
        for u in plan.updates:
            sheet.set_many({f"{letters[k]}{u.row}": v for k, v in u.changes.items()})
        xlsxrows.append(
            sheet,
            items.header_row,
            max(items.frame.index, default=items.header_row) + 1,
            letters,
            plan.new_rows,
        )
        ms = poam.milestones
        if ms is None and plan.milestones:
            said.append(f"no Milestones sheet: {_n(len(plan.milestones), 'milestone')} not "
                        "written (each new item's Milestone Date holds its date)")
        if ms is not None and plan.milestones:
            xlsxrows.append(
                wb.sheet(ms.sheet),
                ms.header_row,
                max(ms.frame.index, default=ms.header_row) + 1,
                ms.letters,
                plan.milestones,
            )
        with atomic_path(dst) if snap is None else swap_in_place(snap, dst) as tmp:
            wb.save(tmp)
    return said
