"""The hostile-input corpus: every bad workbook a reviewer may receive, generated on demand.

``build(folder)`` writes each case into ``folder`` and returns ``{name: (path, Case)}``. Each
case says what a user must see: an unreadable file with a one-line error matching ``says``,
or a readable file whose findings include ``rules`` (and whose read values ``check`` accepts).
Nothing here is checked in: the files are made from the generated template, by raw zip/XML
edits, with msoffcrypto-tool (encryption) and a tiny compound-file writer (legacy .xls).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.workbook import Workbook

from poam_xl import model, template
from tests.helpers import col_letter, make_book

ITEMS_PART = "xl/worksheets/sheet2.xml"  # the POA&M sheet of a generated workbook
PASSWORD = "s3cret"
LONG_TEXT = ("Ω lorem ipsum " * 3000)[:32_767]  # Excel's cell limit


@dataclass(frozen=True)
class Case:
    name: str  # file name in the corpus folder
    build: Callable[[Path], Any]  # writes the file at the given path
    unreadable: bool  # True: a one-line error, exit 2, status "unreadable"
    says: str = ""  # regex the error (or one finding message) must match
    rules: tuple[str, ...] = ()  # finding rule ids that must be reported
    note: str = ""  # the behaviour, for the README table


# ---------------------------------------------------------------- raw zip helpers
@functools.cache
def base_bytes(sample: int = 6) -> bytes:
    buf = io.BytesIO()
    template.build(sample_items=sample, as_of=dt.date(2026, 11, 25)).save(buf)
    return buf.getvalue()


def rewrite(data: bytes, edits: dict[str, bytes | Callable[[bytes], bytes]]) -> bytes:
    """A copy of the zip ``data`` with parts replaced (bytes) or transformed (callables)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w",
                                                                    zipfile.ZIP_DEFLATED) as zo:
        names = zin.namelist()
        for name in names:
            new = edits.get(name, zin.read(name))
            zo.writestr(name, new(zin.read(name)) if callable(new) else new)
        for name, new in edits.items():
            if name not in names:
                zo.writestr(name, new if isinstance(new, bytes) else new(b""))
    return out.getvalue()


def _write(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    """A builder writing ``data`` (or what the thunk returns: heavy cases build only on demand)."""
    return lambda p: p.write_bytes(data() if callable(data) else data)


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def _with_prolog(prolog: bytes, body_ref: bytes) -> Callable[[bytes], bytes]:
    """Put a DTD before the root element and an entity reference into the first cell text."""

    def edit(xml: bytes) -> bytes:
        root = xml.index(b"<", xml.index(b"?>") + 2) if xml.startswith(b"<?xml") else 0
        xml = xml[:root] + prolog + xml[root:]
        return xml.replace(b"<t>", b"<t>" + body_ref, 1) if b"<t>" in xml else xml

    return edit


LOL = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
    for i in range(1, 10)) + b"]>")
XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


# ---------------------------------------------------------------- hand-built containers
def encrypted(plain: bytes, password: str = PASSWORD) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def legacy_xls() -> bytes:
    """A minimal compound file (CFB v3) holding a 'Workbook' stream that starts with a BIFF8 BOF."""
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    stream = (struct.pack("<HHHHIIII", 0x0809, 16, 0x0600, 0x0005, 0, 0, 0, 0)).ljust(4096, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 0x1000, end, 0,
                            end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = [fat_sect, end] + [i + 1 for i in range(2, 9)] + [end] + [free] * 118
    fat_sector = struct.pack("<128I", *fat)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, free, free, child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, free, 2, 4096)
                 + entry("", 0, free, 0, 0) * 2)
    return header + fat_sector + directory + stream


def bomb_sheet(megabytes: int = 80) -> bytes:
    """A sheet part of ``megabytes`` that deflates to a tiny fraction (a zip bomb's part)."""
    head = (b'<?xml version="1.0"?><worksheet xmlns="' + model_ns() + b'"><sheetData>')
    return head + b" " * (megabytes * 1024**2) + b"</sheetData></worksheet>"


def model_ns() -> bytes:
    return b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows: bytes, dimension: str = "A1") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + model_ns()
            + b'"><dimension ref="' + dimension.encode() + b'"/><sheetData>' + rows
            + b"</sheetData></worksheet>")


def million_rows(n: int = 1_000_000) -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i)
                    for i in range(1, n + 1))
    return sheet_xml(rows, f"A1:A{n}")


NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
FAR = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def prefixed_sheet(rows: bytes) -> bytes:
    """A sheet whose elements carry a namespace prefix (<x:row>, <x:c>): valid XML."""
    body = rows.replace(b"<row", b"<x:row").replace(b"</row>", b"</x:row>").replace(
        b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>").replace(b"<v>", b"<x:v>").replace(
        b"</v>", b"</x:v>")
    return (b'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="' + NS
            + b'"><x:sheetData>' + body + b"</x:sheetData></x:worksheet>")


def strict(data: bytes) -> bytes:
    """The whole package moved to ISO/IEC 29500 Strict namespaces."""
    def edit(xml: bytes) -> bytes:
        return xml.replace(NS, STRICT).replace(REL, STRICT_REL)

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = [n for n in zf.namelist() if n.endswith((".xml", ".rels"))]
    return rewrite(data, {n: edit for n in names})


def libreoffice_rows(xml: bytes) -> bytes:
    """LibreOffice's save: empty formatted rows (and styled empty cells) down to 1,048,576."""
    tail = b"".join(b'<row r="%d" s="1" customFormat="true" ht="12.8"><c r="A%d" s="1"/></row>'
                    % (r, r) for r in range(300, 1_048_577, 7))
    return xml.replace(b"</sheetData>", tail + b"</sheetData>", 1)


def many_sheets(data: bytes, n: int) -> bytes:
    """``n`` extra small sheets (each a few cells)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        wb, rels, types = (zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels"),
                           zf.read("[Content_Types].xml"))
    sheet = sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>', "A1:B1")
    extra = {f"xl/worksheets/extra{i}.xml": sheet for i in range(n)}
    wb = wb.replace(b"</sheets>", b"".join(b'<sheet xmlns:r="' + REL + b'" name="x%d" sheetId="%d" '
                                          b'r:id="rX%d"/>' % (i, 1000 + i, i) for i in range(n))
                    + b"</sheets>")
    rels = rels.replace(b"</Relationships>", b"".join(
        b'<Relationship Id="rX%d" Type="' % i + REL + b'/worksheet" Target="worksheets/extra%d.xml"/>'
        % i for i in range(n)) + b"</Relationships>")
    types = types.replace(b"</Types>", b"".join(
        b'<Override PartName="/xl/worksheets/extra%d.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % i for i in range(n))
        + b"</Types>")
    return rewrite(data, {"xl/workbook.xml": wb, "xl/_rels/workbook.xml.rels": rels,
                          "[Content_Types].xml": types, **extra})


def wide_sheets(data: bytes, n: int = 4, rows: int = 8_000, cols: int = 400) -> bytes:
    """``n`` sheets each within the per-sheet limits; together over the workbook's cells."""
    row = b"".join(b'<c r="%s%%d"><v>1</v></c>' % col_letter_of(c).encode() for c in (1, cols))
    body = b"".join(b'<row r="%d">' % r + (row.replace(b"%d", b"%d" % r)) + b"</row>"
                    for r in range(1, rows + 1))
    data = many_sheets(data, n)
    return rewrite(data, {f"xl/worksheets/extra{i}.xml": sheet_xml(body) for i in range(n)})


def col_letter_of(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def odd_attributes(xml: bytes) -> bytes:
    """Single quotes, r after s, cells and rows without r, error cell prefixed: all valid XML."""
    return xml.replace(b'<row r="1" ht="26"', b"<row ht='26' r='1'", 1).replace(
        b'<c r="A1" s="6"', b"<c s='6' r='A1'", 1).replace(b'<row r="2">', b"<row>", 1)


def phantom_dimension(xml: bytes) -> bytes:
    import re

    return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:Z1048576"/>', xml, count=1)


def lock_file() -> bytes:
    """What Excel writes as ~$name.xlsx while a workbook is open: owner name, padded."""
    name = "J. Reviewer"
    return bytes([len(name)]) + name.encode() + b"\x20" * (54 - len(name)) + \
        bytes([len(name), 0]) + name.encode("utf-16-le") + b"\0" * 40


# ---------------------------------------------------------------- workbook edits (openpyxl)
def _items(wb: Workbook) -> Any:
    return wb[model.ITEMS.sheet]


def _row(i: int) -> int:
    return template.FIRST_ROW + i - 1


def edit_hidden(wb: Workbook) -> None:
    hidden = wb.create_sheet("Scratch")
    hidden["A1"] = "notes nobody should see"
    hidden.sheet_state = "hidden"
    secret = wb.create_sheet("Macro data")
    secret["A1"] = "very hidden"
    secret.sheet_state = "veryHidden"


def edit_merged(wb: Workbook) -> None:
    ws = _items(wb)
    d = col_letter("description")
    ws.merge_cells(f"{d}{_row(1)}:{d}{_row(2)}")


def edit_moved(wb: Workbook) -> None:
    ws = _items(wb)
    ws.insert_rows(template.TABLE_HEADER_ROW, amount=3)
    # shuffle: swap the Status and Non-Compliance Description columns, header and values
    a, b = model.ITEMS.keys.index("status") + 1, model.ITEMS.keys.index("description") + 1
    for r in range(template.TABLE_HEADER_ROW + 3, ws.max_row + 1):
        ca, cb = ws.cell(r, a), ws.cell(r, b)
        ca.value, cb.value = cb.value, ca.value


def edit_duplicate(wb: Workbook) -> None:
    ws = _items(wb)
    extra = len(model.ITEM_COLUMNS) + 2
    ws.cell(template.TABLE_HEADER_ROW, extra, "Status")
    ws.cell(_row(1), extra, "Closed")


def edit_formulas(wb: Workbook) -> None:
    """Formulas poam-xl will not compute (they depend on the clock or on indirection)."""
    ws = _items(wb)
    ws[f"{col_letter('date_identified')}{_row(1)}"] = "=TODAY()-30"
    ws[f"{col_letter('mitigation')}{_row(2)}"] = '=INDIRECT("B1")'


def edit_computable(wb: Workbook) -> None:
    """Formulas the formulas package computes on read (no cached values stored)."""
    ws = _items(wb)
    ws[f"{col_letter('date_identified')}{_row(1)}"] = "=DATE(2026,1,5)"
    ws[f"{col_letter('mitigation')}{_row(2)}"] = '=CONCAT("Patch ","now")'


def edit_errors(wb: Workbook) -> None:
    ws = _items(wb)
    ws[f"{col_letter('date_identified')}{_row(1)}"] = "#N/A"  # openpyxl writes these as t="e"
    ws[f"{col_letter('cws')}{_row(2)}"] = "#REF!"


TEXT_DATES = ("2026-03-31", "03/31/2026", "31 Mar 2026", "March 31 2026", 46112, "46112")


def edit_text_dates(wb: Workbook) -> None:
    ws = _items(wb)
    col = col_letter("date_identified")
    for i, value in enumerate(TEXT_DATES, start=1):
        ws[f"{col}{_row(i)}"] = value
    ws[f"{col}{_row(len(TEXT_DATES) + 1)}"] = "31/31/2026"  # not a date in any format


def edit_1904(wb: Workbook) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb.epoch = CALENDAR_MAC_1904


def edit_unicode(wb: Workbook) -> None:
    ws = _items(wb)
    d = col_letter("description")
    ws[f"{d}{_row(1)}"] = LONG_TEXT
    ws[f"{d}{_row(2)}"] = "تكوين إيقاف التشغيل بدون مصادقة — שגיאה בהרשאות"
    ws[f"{d}{_row(3)}"] = "Unpatched 🔥 server «prod» ñandú 中文"


def over_long(xml: bytes) -> bytes:
    """The first item's description 40,000 characters long (openpyxl and Excel cut at 32,767)."""
    head = xml.index(b"<t>", xml.index(b'r="%d"' % template.FIRST_ROW))
    return xml[:head + 3] + b"x" * 40_000 + xml[head + 3:]


def _book(edit: Callable[[Workbook], None] | None = None, sample: int = 8) -> Callable[[Path], Any]:
    return lambda p: make_book(p, sample=sample, edit=edit)


# ---------------------------------------------------------------- the corpus
def cases() -> list[Case]:
    base = base_bytes

    def edited(edits: dict[str, bytes | Callable[[bytes], bytes]], sample: int = 6
               ) -> Callable[[Path], None]:
        return _write(lambda: rewrite(base_bytes(sample), edits))

    return [
        Case("not-a-zip.xlsx", _write(b"\x89\x00\xffgarbage" * 64), True, r"not a zip",
             note="not a zip at all"),
        Case("zip-not-workbook.xlsx", _write(_zip({"readme.txt": b"hello"})), True,
             r"not an Excel workbook: it is a zip archive"),
        Case("word-document.xlsx", _write(_zip({"word/document.xml": b"<w/>"})), True,
             r"a Word document"),
        Case("truncated.xlsx", _write(lambda: base()[: len(base()) // 2]), True, r"corrupt or truncated"),
        Case("empty.xlsx", _write(b""), True, r"empty file \(0 bytes\)"),
        Case("encrypted.xlsx", _write(lambda: encrypted(base())), True, r"encrypted.*--password"),
        Case("legacy.xls", _write(legacy_xls()), False, rules=("template.unknown",),
             note="read through python-calamine (an empty BIFF8 workbook: no POA&M table)"),
        Case("binary.xlsb", edited({"xl/workbook.bin": b"\0" * 64}), True,
             r"\.xlsb.*Save As"),
        Case("csv-renamed.xlsx", _write(b"Item Number,Status\n1,Open\n"), True, r"CSV"),
        Case("zip-bomb.xlsx", _write(lambda: rewrite(base(), {ITEMS_PART: bomb_sheet()})), True,
             r"zip bomb"),
        Case("entity-bomb-workbook.xlsx",
             edited({"xl/workbook.xml": _with_prolog(LOL, b"")}), True,
             r"unsafe XML in part xl/workbook\.xml"),
        Case("entity-bomb-sheet.xlsx",
             edited({ITEMS_PART: _with_prolog(LOL, b"&lol9;")}), True,
             r"unsafe XML in part xl/worksheets/sheet2\.xml"),
        Case("external-entity-sheet.xlsx",
             edited({ITEMS_PART: _with_prolog(XXE, b"&xxe;")}), True,
             r"unsafe XML in part xl/worksheets/sheet2\.xml"),
        Case("external-entity-styles.xlsx",
             edited({"xl/styles.xml": _with_prolog(XXE, b"")}), True,
             r"unsafe XML in part xl/styles\.xml"),
        Case("sparse-far-cell.xlsx", edited({"xl/worksheets/sheet1.xml": sheet_xml(
            b'<row r="1"><c r="A1"><v>1</v></c></row>'
            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')}), True,
             r"sheet 'Instructions' reaches column 16,384, over the limit of 500 columns",
             note="two cells, A1 and XFD1048576 (python-calamine would allocate 550 GB and abort)"),
        Case("million-rows.xlsx", _write(lambda: rewrite(base(), {"xl/worksheets/sheet1.xml":
                                                       million_rows()})), True,
             r"sheet 'Instructions' has [\d,]+\+ rows with content, over the limit of 200,000"),
        Case("phantom-range.xlsx", edited({ITEMS_PART: phantom_dimension}, sample=10),
             False, note="dimension claims A1:Z1048576, 10 items: read fast, 10 items"),
        Case("hidden-sheets.xlsx", _book(edit_hidden), False,
             note="hidden and very-hidden sheets are read; the table is found on the visible one"),
        Case("merged-cells.xlsx", _book(edit_merged), False, rules=("description.required",),
             note="merged cells in the table: the covered cell reads blank and is reported"),
        Case("header-moved-shuffled.xlsx", _book(edit_moved), False,
             note="3 rows inserted above the header, Status/Description swapped: same items"),
        Case("duplicate-headers.xlsx", _book(edit_duplicate), False,
             rules=("table.duplicate-header",)),
        Case("formulas-no-cache.xlsx", _book(edit_formulas), False, rules=("value.uncached",),
             says=r"formula with no cached value",
             note="formulas saved without values that depend on the clock or indirection"),
        Case("formulas-computed.xlsx", _book(edit_computable), False,
             note="formulas saved without values (openpyxl/xlsx-populate output): computed"),
        Case("error-values.xlsx", _book(edit_errors), False, rules=("value.error",),
             says=r"#N/A"),
        Case("text-dates.xlsx", _book(edit_text_dates), False, rules=("date.invalid",),
             says=r"31/31/2026"),
        Case("date1904.xlsx", _book(edit_1904), False, note="1904 date system: same dates"),
        Case("unicode-long.xlsx", _book(edit_unicode), False,
             note="RTL, emoji, CJK and a 32,767-character cell: read intact"),
        Case("over-long-text.xlsx", edited({ITEMS_PART: over_long}), False,
             rules=("text.too-long",), says=r"40,0\d\d characters, over Excel's 32,767",
             note="a 40,000-character cell: read whole, reported (Excel cuts at 32,767)"),
        Case("far-ns-prefix.xlsx", edited({"xl/worksheets/sheet1.xml": prefixed_sheet(FAR)}), True,
             r"sheet 'Instructions' reaches column 16,384, over the limit",
             note="the same two cells as <x:row>/<x:c> (namespace prefix): tokenized, refused"),
        Case("far-single-quotes.xlsx", edited({"xl/worksheets/sheet1.xml": sheet_xml(
            FAR.replace(b'"', b"'").replace(b"<c r='XFD", b"<c s='0' r='XFD"))}), True,
             r"sheet 'Instructions' reaches column 16,384",
             note="far cell with single quotes and r not first"),
        Case("far-no-r.xlsx", edited({"xl/worksheets/sheet1.xml": sheet_xml(
            b"<row><c><v>1</v></c>" + b"<c><v>2</v></c>" * 600 + b"</row>")}), True,
             r"reaches column 601, over the limit of 500",
             note="cells without r: placed one after another, as calamine places them"),
        Case("strict-ooxml.xlsx", _write(lambda: strict(base())), False,
             note="ISO/IEC 29500 Strict namespaces: read (write-back refused with one line)"),
        Case("odd-attributes.xlsx", edited({ITEMS_PART: odd_attributes}), False,
             note="single-quoted attributes, r not first: read like any workbook"),
        Case("prefixed-errors.xlsx", edited({"xl/worksheets/sheet1.xml": prefixed_sheet(
            b'<row r="1"><c r="A1" t="e"><v>#REF!</v></c></row>')}), False,
             note="error value in a prefixed sheet: still found"),
        Case("libreoffice-empty-rows.xlsx", edited({ITEMS_PART: libreoffice_rows}, sample=10),
             False, note="empty formatted rows down to 1,048,576 (LibreOffice): 10 items read"),
        Case("budget-four-sheets.xlsx", _write(lambda: wide_sheets(base())), True,
             r"workbook is over the limit of 10,000,000 cells",
             note="four sheets each within the per-sheet limits, over the workbook's cells"),
        Case("many-sheets.xlsx", _write(lambda: many_sheets(base(), 1_200)), True,
             r"has 1,206 sheets, over the limit of 1,000",
             note="1,206 sheets: refused at once (scanning is linear in the sheets)"),
        Case("~$poam.xlsx", _write(lock_file()), True, r"lock file",
             note="skipped in folders; named explicitly: one-line error"),
    ]


def build(folder: Path, only: set[str] | None = None) -> dict[str, tuple[Path, Case]]:
    """Write the corpus (or the named cases) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Path, Case]] = {}
    for case in cases():
        if only is not None and case.name not in only:
            continue
        path = folder / case.name
        case.build(path)
        out[case.name] = (path, case)
    return out
