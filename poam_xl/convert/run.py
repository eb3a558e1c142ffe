"""One conversion end to end: guess formats (content, then extension), read, write, report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect as pyinspect
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import bulk
from ..errors import PoamXlError, UsageError, ValuesLostError, WorkbookError, WriteError, shown
from ..grids import Grid, load_grids
from ..package import inspect, not_regular
from ..values import plain
from ..write import atomic_path, same_file
from . import FORMATS, Conversion, get

# content sniffing order: the most specific layouts first (a DSS reader accepts a lot)
DETECT_ORDER = ("emass", "fedramp", "oscal", "json", "dss", "csv")
BY_EXTENSION = {".csv": "csv", ".json": "json", ".xlsx": "dss", ".xlsm": "dss"}


class _Sheets:
    """A workbook's sheets loaded once for every format's content check (None: not a workbook)."""

    def __init__(self, path: Path) -> None:
        self.path, self.loaded = path, False
        self.grids: dict[str, Grid] | None = None

    def get(self) -> dict[str, Grid] | None:
        if not self.loaded:
            self.loaded = True
            try:
                self.grids = load_grids(inspect(self.path))
            except PoamXlError:
                self.grids = None
        return self.grids


def sniff(path: Path, sheets: _Sheets | None = None, *, by_extension: bool = False) -> str | None:
    """The first format whose content check accepts the file. Workbook formats check the sheets
    loaded once (``sheets``). ``by_extension``: the DSS reader's check (a whole read) is skipped
    when the extension names DSS: the answer is DSS either way."""
    sheets = sheets or _Sheets(path)
    for name in DETECT_ORDER:
        fmt = get(name)
        if fmt is not None and fmt.read is not None:
            if by_extension and name == "dss" and BY_EXTENSION.get(path.suffix.lower()) == "dss":
                return name
            try:
                if fmt.detect_grids is not None:
                    grids = sheets.get()
                    if grids is not None and fmt.detect_grids(grids):
                        return name
                elif fmt.detect(path):
                    return name
            except Exception:
                continue
    return None


def input_format(path: Path, explicit: str | None, sheets: _Sheets | None = None) -> str:
    if explicit:
        get(explicit)  # unknown names raise UsageError
        return explicit
    found = sniff(path, sheets, by_extension=True) or BY_EXTENSION.get(path.suffix.lower())
    if found is None:
        raise UsageError(
            f"{path}: cannot tell the input format from its content or extension; "
            f"pass --from ({', '.join(sorted(FORMATS))})"
            + ("; scanner and checklist files are added with `poam-xl import`"
               if path.suffix.lower() in (".ckl", ".cklb", ".nessus") else "")
        )
    return found


def output_format(path: Path, explicit: str | None) -> str:
    if explicit:
        get(explicit)
        return explicit
    found = BY_EXTENSION.get(path.suffix.lower())
    if found is None:
        raise UsageError(
            f"{path}: cannot tell the output format from its extension; pass --to "
            f"({', '.join(sorted(FORMATS))})"
        )
    return found


def _call(fn: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """Call a format's read/write with the options it accepts (formats differ in what they take)."""
    params = pyinspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        options = {k: v for k, v in options.items() if k in params}
    return fn(*args, **options)


@bulk.paused()  # records, documents and cells by the hundred thousand: no collector pauses
def convert(
    src: str | Path,
    out: str | Path,
    *,
    from_: str | None = None,
    to: str | None = None,
    profile: str | None = None,
    as_of: dt.date | None = None,
    escape_formulas: bool = True,
    force: bool = False,
    mapping: tuple[tuple[str, str | None], ...] = (),
    strict: bool = False,
    layout: str | None = None,
    password: str | None = None,
) -> Conversion:
    """Read ``src`` in its format and write ``out`` in the target format; never touches ``src``.

    ``mapping``: your own header -> field pairs for the workbook's table (``usermap``).
    ``strict``: write nothing and raise ValuesLostError when a value would be lost (no home in
    the target, not even Comments) or altered (a cell that does not fit its field, kept only
    as tagged text), listing sheet, cell, field and value of each. ``password``: an encrypted
    workbook is read decrypted (``out`` is not encrypted). Raises WorkbookError, UsageError,
    WriteError or ValuesLostError naming the file.
    """
    from ..crypto import readable

    src, out = Path(src), Path(out)
    if not src.exists():
        raise WorkbookError("file not found", path=src)
    if special := not_regular(src):  # never opened: format sniffing would wait on a pipe
        raise WorkbookError(special, path=src)
    if same_file(src, out):
        raise WriteError("refusing to overwrite the input file; choose another output", path=out)
    if out.exists() and not force:
        raise WriteError("already exists (use --force to overwrite)", path=out)
    with readable(src, password) as readable_src:
        conv = _convert(readable_src, out, from_, to, profile, as_of, escape_formulas, mapping, strict,
                        layout)
    return dataclasses.replace(conv, source=str(src))


def _convert(src: Path, out: Path, from_: str | None, to: str | None, profile: str | None,
             as_of: dt.date | None, escape_formulas: bool,
             mapping: tuple[tuple[str, str | None], ...], strict: bool,
             layout: str | None) -> Conversion:
    sheets = _Sheets(src)
    fin, fout = input_format(src, from_, sheets), output_format(out, to)
    reader, writer = get(fin), get(fout)
    if layout is not None and fout not in ("emass", "fedramp"):
        raise UsageError(f"--layout chooses an eMASS or FedRAMP output layout; {fout!r} has none")
    if reader.read is None:
        raise UsageError(f"format {fin!r} can only be written, not read")
    if writer.write is None:
        raise UsageError(f"format {fout!r} can only be read, not written")
    try:
        poam, got = _call(reader.read, src, mapping=mapping,
                          grids=sheets.grids if sheets.loaded else None)
    except PoamXlError as exc:
        seen = sniff(src)
        if seen and seen != fin:
            raise type(exc)(
                f"{exc.reason}; it looks like {get(seen).title} (try --from {seen})",
                path=exc.path,
                cell=exc.cell,
            ) from None
        raise
    except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:
        if fin not in DOCUMENTS:
            raise
        # a JSON/OSCAL/CSV document whose parts have the wrong types ("items": ["x", 1],
        # a poam-item that is a string): one line naming the file, never an internal error
        raise WorkbookError(f"not a valid {reader.title} document ({type(exc).__name__}: "
                            f"{str(exc)[:120]})", path=src) from None
    notes = list(got.notes)
    from .. import profiles

    chosen = (profiles.for_template(poam.template) if profile in (None, profiles.AUTO)
              else profiles.get(profile))
    if chosen is not profiles.DSS and not poam.policy_found:
        poam.policy = chosen.policy
        notes.append(f"due-date policy: {chosen.name} profile defaults ({poam.policy.describe()})")
    target = out
    if strict:  # written beside the target, kept only when nothing is lost
        target = out.with_name(f".{out.stem[:80]}.strict{out.suffix}")
    put = _call(
        writer.write,
        poam,
        target,
        as_of=as_of or dt.date.today(),
        escape_formulas=escape_formulas,
        profile=profile,
        layout=layout,
    )
    put.dropped += (policy_dropped(poam, fout) + orphan_milestones(poam, fout)
                    + header_texts_dropped(poam))
    if strict:
        lost = losses(poam, put, got)
        if lost:
            target.unlink(missing_ok=True)
            raise ValuesLostError(lost, path=src)
        os.replace(target, out)
    incoming = [{**d, "direction": f"{fin}->dss"} for d in got.dropped]
    outgoing = put.dropped + kept_columns(poam, fout)
    direction = f"dss->{fout}"
    for d in outgoing:  # made for this report (tens of thousands): marked in place, not copied
        d["direction"] = direction
    return Conversion(
        source=str(src),
        target=str(out),
        items=put.items or got.items,
        dropped=incoming + outgoing,
        notes=[f"from {fin} ({reader.title}) to {fout} ({writer.title})", *notes, *put.notes],
        mapping=poam.mapping(),
    )


KEPT_IN = {"oscal": "remarks"}  # where a target keeps the Comments text (tags included)


def kept_columns(poam: Any, fout: str) -> list[dict[str, Any]]:
    """The source's columns that no field takes (kept by the reader as ``[column Header]``
    tags, ``TableData.kept``), as report entries: one per item and column. A DSS target
    writes them back as columns of their own: nothing to report."""
    if fout == "dss":
        return []
    out = []
    for data, field in ((poam.items, "Comments"), (poam.milestones, "Changes")):
        if data is None or not data.kept:
            continue
        numbers = data.frame.get("item_number")
        for row, tags in data.kept.items():
            item = numbers.get(row) if numbers is not None else None
            for side, label, text in tags:
                if side == "column":
                    out.append({"item": plain(item),  # NA (no whole number): None
                                "field": label, "value": text,
                                "kept_in": KEPT_IN.get(fout, field) if field == "Comments"
                                else field})
    return out


def header_texts_dropped(poam: Any) -> list[dict[str, Any]]:
    """Header-block cells that are not what their field holds ("when funded" as the POA&M
    Date): every target's header takes a date there, so the text is listed as dropped
    (``--strict`` refuses), naming the cell."""
    from ..model import HEADER_FIELDS

    labels = {f.key: f.label for f in HEADER_FIELDS}
    return [{"item": None, "field": f"{labels.get(bad.key, bad.key)} ({bad.sheet}!{bad.cell})",
             "value": str(bad.value), "kept_in": None}
            for bad in poam.invalid if bad.table == "header" and str(bad.value).strip()]


NESTS_MILESTONES = ("oscal", "fedramp", "emass")  # milestones written inside their item


def orphan_milestones(poam: Any, fout: str) -> list[dict[str, Any]]:
    """Milestones whose Item Number names no item, for the targets that write a milestone
    inside its item (OSCAL tasks, FedRAMP Planned Milestones, eMASS milestone lines): each
    listed as dropped (``--strict`` refuses). JSON keeps them apart (unlinked_milestones), DSS
    as rows, CSV says so itself."""
    from ..values import plain_column

    data = poam.milestones
    if fout not in NESTS_MILESTONES or data is None or data.frame.empty:
        return []
    numbers = set(plain_column(poam.items.frame["item_number"]))
    frame = data.frame
    return [{"item": n, "field": "Milestone", "value": text or "", "kept_in": None}
            for n, text in zip(plain_column(frame["item_number"]),
                               plain_column(frame["milestone"]), strict=True)
            if n is not None and n not in numbers]


DOCUMENTS = ("json", "oscal", "csv")  # inputs read from documents, not workbooks
KEEPS_POLICY = ("dss", "json")  # the targets with a home for the due-date policy


def policy_dropped(poam: Any, fout: str) -> list[dict[str, Any]]:
    """The source's own due-date policy (its Policy sheet, or a JSON document's policy) where
    the target has no home for it: each setting that differs from what reading the target
    back will use (that format's profile defaults), as dropped (``kept_in`` None:
    ``--strict`` refuses). Equal settings lose nothing."""
    from .. import profiles
    from ..model import POLICY_SETTINGS

    if fout in KEEPS_POLICY or not poam.policy_found:
        return []
    ours = poam.policy.to_settings()
    back = profiles.for_template(fout).policy.to_settings()
    out = [{"item": None, "field": f"Policy: {s.label}", "value": str(ours[s.key]),
            "kept_in": None} for s in POLICY_SETTINGS if ours[s.key] != back[s.key]]
    if poam.policy.holidays:
        out.append({"item": None, "field": "Policy: Holidays", "kept_in": None,
                    "value": ", ".join(d.isoformat() for d in poam.policy.holidays)})
    return out


def losses(poam: Any, put: Conversion, got: Conversion | None = None) -> list[str]:
    """Each value a conversion would lose or alter, as 'Sheet!Cell field: value (why)': what
    the writer (``put``) and the reader (``got``: a JSON policy value that is none) drop."""
    from ..values import excerpt

    out = [f"{u['sheet']}!A{u['header_row']}: another POA&M table ({u['rows']} row(s)) with "
           "other columns, not read" for u in poam.native.get("unread", [])]
    for bad in poam.invalid:
        if bad.table == "header":  # its text has no place to ride: reported as dropped below
            continue
        out.append(f"{bad.sheet}!{bad.cell} {bad.key}: {excerpt(bad.value)!r} is not "
                   f"{bad.expected} (kept only as text)")
    where = _source_cell(poam)
    for d in put.dropped + (got.dropped if got is not None else []):
        if d.get("kept_in") is None:
            item = f"item {d['item']} " if d.get("item") is not None else ""
            out.append(f"{where(d)}{item}{d['field']}: {excerpt(d.get('value'))!r} has no home "
                       "in the target (dropped)")
    return out + put.altered


def _source_cell(poam: Any) -> Callable[[dict[str, Any]], str]:
    """'Sheet!Cell ' of a dropped value in the source (a header field, or an item's column by
    its header), '' where the source has no such cell (a JSON document, a derived value)."""
    from ..model import HEADER_FIELDS, ITEMS

    head = {f.label: f.key for f in HEADER_FIELDS}
    cols = {c.header: c.key for c in ITEMS.columns}
    data = poam.items
    rows: dict[Any, int] = {}
    if data is not None and "item_number" in data.frame:
        for index, number in data.frame["item_number"].items():
            rows.setdefault(number, index)

    def where(d: dict[str, Any]) -> str:
        if d.get("item") is None:
            cell = poam.header_cells.get(head.get(d["field"], ""))
            return f"{data.sheet}!{cell} " if cell and data is not None else ""
        letter = data.letters.get(cols.get(d["field"], "")) if data is not None else None
        index = rows.get(d["item"])
        if letter is None or index is None:
            return ""
        sheet, row = data.locate(index) if data.locate else (data.sheet, index)
        return f"{sheet}!{letter}{row} "

    return where


def render(conv: Conversion) -> list[str]:
    """Console lines: what was converted, what was kept in Comments, what was dropped."""
    lines = [f"converted {shown(conv.source)} -> {shown(conv.target)}: {conv.items} item(s)"]
    kept = Counter((d["field"], d.get("kept_in"), d.get("item") is None) for d in conv.dropped)
    for (fld, where, whole), n in sorted(kept.items(), key=lambda kv: (kv[0][1] is None, kv[0][0])):
        if where is None:
            lines.append(f"  dropped (no home in the target): {fld}")
        elif whole:
            lines.append(f"  kept in {where}: {fld}")
        else:
            lines.append(f"  kept in {where}: {fld} ({n} item{'s' * (n != 1)})")
    lines += [f"  note: {n}" for n in conv.notes]
    return lines


def write_report(conv: Conversion, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(dataclasses.asdict(conv), indent=2, default=str) + "\n", encoding="utf-8"
        )


def mapping_lines(name: str) -> list[str]:
    fmt = get(name)
    rows = [("poam-xl column", f"{fmt.name} field", "note"), *fmt.mapping()]
    w0 = min(40, max(len(r[0]) for r in rows))
    w1 = min(48, max(len(r[1]) for r in rows))
    out = [f"{fmt.title}"]
    out += [f"{a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in rows]
    return out
