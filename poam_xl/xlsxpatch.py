"""Surgery on an .xlsx/.xlsm package: change only the cells, notes and parts that must change.

Every zip member not touched is copied byte for byte (raw compressed stream, same order, same
compression), so styles, validations (x14 too), drawings, form controls, charts, pivot tables
and ``xl/vbaProject.bin`` survive exactly. Strings are written inline (``t="inlineStr"``) so
sharedStrings.xml is left alone; styles.xml gains an entry only for a new date format or fill.
Model-agnostic: callers address cells by sheet name and A1 reference.
"""

from __future__ import annotations

import copy
import datetime as dt
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter

from .dates import to_serial
from .errors import WorkbookError
from .package import Limits, inspect
from .xlsxnotes import Notes

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_SHEET = R_NS + "/worksheet"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DATE_FORMAT = "yyyy-mm-dd"
MAX_TEXT = 32767  # Excel's limit for one cell
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# CT_Worksheet child order: a new child goes before the first existing one listed after it
ORDER = ("sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
         "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews "
         "mergeCells phoneticPr conditionalFormatting dataValidations hyperlinks printOptions "
         "pageMargins pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches "
         "ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture "
         "oleObjects controls webPublishItems tableParts extLst").split()


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def split_ref(ref: str) -> tuple[int, int]:
    """'AB12' -> (12, 28)."""
    letters = ref.rstrip("0123456789")
    return int(ref[len(letters):]), column_index_from_string(letters.replace("$", ""))


def clean_text(text: str) -> str:
    """Escape characters XML cannot hold the way Excel does (_x0001_), cap at Excel's limit."""
    text = _BAD_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text[:MAX_TEXT]


def insert_ordered(root: etree._Element, child: etree._Element) -> etree._Element:
    """Insert ``child`` into a worksheet root at its schema position."""
    name = etree.QName(child).localname
    later = set(ORDER[ORDER.index(name) + 1:])
    for i, existing in enumerate(root):
        local = etree.QName(existing).localname if isinstance(existing.tag, str) else ""
        if local in later or local == "AlternateContent":
            root.insert(i, child)
            return child
    root.append(child)
    return child


class Styles:
    """styles.xml: derive new cellXfs entries (date format, fill) from existing ones, cached."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.xfs = root.find(q("cellXfs"))
        if self.xfs is None or len(self.xfs) == 0:
            raise WorkbookError("styles.xml has no cellXfs")
        self.codes = {int(n.get("numFmtId")): n.get("formatCode", "")
                      for n in root.iterfind(f"{q('numFmts')}/{q('numFmt')}")}
        self.dirty = False
        self._cache: dict[tuple[int, str, str], int] = {}

    def is_date(self, s: int) -> bool:
        xf = self.xfs[s] if s < len(self.xfs) else self.xfs[0]
        fid = int(xf.get("numFmtId", "0"))
        code = self.codes.get(fid, BUILTIN_FORMATS.get(fid, ""))
        return fid in (14, 15, 16, 17, 22) or bool(code and is_date_format(code))

    def as_date(self, s: int) -> int:
        """A style like ``s`` that shows a date (``s`` itself if it already does)."""
        if self.is_date(s):
            return s
        fid = next((i for i, c in self.codes.items() if c == DATE_FORMAT), None)
        if fid is None:
            fid = max([163, *self.codes]) + 1
            fmts = self.root.find(q("numFmts"))
            if fmts is None:
                fmts = etree.Element(q("numFmts"))
                self.root.insert(0, fmts)
            etree.SubElement(fmts, q("numFmt"), numFmtId=str(fid), formatCode=DATE_FORMAT)
            fmts.set("count", str(len(fmts)))
            self.codes[fid] = DATE_FORMAT
        return self._derive(s, "numFmtId", str(fid), applyNumberFormat="1")

    def with_fill(self, s: int, rgb: str) -> int:
        """A style like ``s`` with a solid fill of colour ``rgb`` ('FFC7CE')."""
        fills = self.root.find(q("fills"))
        key = (s, "fill", rgb)
        if key in self._cache:
            return self._cache[key]
        if fills is None:
            raise WorkbookError("styles.xml has no fills")
        fill = etree.SubElement(fills, q("fill"))
        pf = etree.SubElement(fill, q("patternFill"), patternType="solid")
        etree.SubElement(pf, q("fgColor"), rgb="FF" + rgb.upper())
        etree.SubElement(pf, q("bgColor"), indexed="64")
        fills.set("count", str(len(fills)))
        return self._derive(s, "fillId", str(len(fills) - 1), applyFill="1")

    def _derive(self, s: int, attr: str, value: str, **extra: str) -> int:
        key = (s, attr, value)
        if key not in self._cache:
            xf = copy.deepcopy(self.xfs[s] if s < len(self.xfs) else self.xfs[0])
            xf.set(attr, value)
            for k, v in extra.items():
                xf.set(k, v)
            self.xfs.append(xf)
            self.xfs.set("count", str(len(self.xfs)))
            self.dirty = True
            self._cache[key] = len(self.xfs) - 1
            if attr == "fillId":
                self._cache[(s, "fill", value)] = len(self.xfs) - 1
        return self._cache[key]


class Sheet:
    """One worksheet's XML with a row index; cells are set in place, rows kept in order."""

    def __init__(self, book: Workbook, name: str, part: str, root: etree._Element) -> None:
        self.book, self.name, self.part, self.root = book, name, part, root
        data = root.find(q("sheetData"))
        if data is None:
            data = insert_ordered(root, etree.Element(q("sheetData")))
        self.data = data
        self.rows: dict[int, etree._Element] = {}
        self._cells: dict[int, dict[int, etree._Element]] = {}
        last = 0
        for row in data.iterchildren(q("row")):
            last = int(row.get("r") or last + 1)
            row.set("r", str(last))
            self.rows[last] = row
        self.col_styles: list[tuple[int, int, int]] = [
            (int(c.get("min", "0")), int(c.get("max", "0")), int(c.get("style", "0")))
            for c in root.iterfind(f"{q('cols')}/{q('col')}")]
        self.formulas_removed = False
        self.max_row = max(self.rows, default=0)
        self.max_col = 0

    # ------------------------------------------------------------ cells
    def row(self, r: int) -> etree._Element:
        row = self.rows.get(r)
        if row is None:
            row = etree.Element(q("row"), r=str(r))
            after = [n for n in self.rows if n < r]
            if after:
                self.rows[max(after)].addnext(row)
            else:
                self.data.insert(0, row)
            self.rows[r] = row
            self.max_row = max(self.max_row, r)
        return row

    def cells_of(self, r: int) -> dict[int, etree._Element]:
        cells = self._cells.get(r)
        if cells is None:
            cells = {}
            last = 0
            for c in self.row(r).iterchildren(q("c")):
                ref = c.get("r")
                last = split_ref(ref)[1] if ref else last + 1
                if not ref:
                    c.set("r", f"{get_column_letter(last)}{r}")
                cells[last] = c
            self._cells[r] = cells
        return cells

    def cell(self, ref: str) -> etree._Element:
        """The <c> element at ``ref``, created in column order (with the row/column style)."""
        r, col = split_ref(ref)
        cells = self.cells_of(r)
        c = cells.get(col)
        if c is not None:
            return c
        row = self.rows[r]
        c = etree.Element(q("c"), r=f"{get_column_letter(col)}{r}")
        style = self._default_style(row, col)
        if style:
            c.set("s", str(style))
        before = [k for k in cells if k > col]
        if before:
            cells[min(before)].addprevious(c)
        else:
            row.append(c)
        cells[col] = c
        spans = row.get("spans")
        if spans and ":" in spans:
            lo, hi = (int(x) for x in spans.split(":"))
            row.set("spans", f"{min(lo, col)}:{max(hi, col)}")
        self.max_col = max(self.max_col, col)
        return c

    def _default_style(self, row: etree._Element, col: int) -> int:
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return int(row.get("s", "0"))
        return next((s for lo, hi, s in self.col_styles if lo <= col <= hi), 0)

    def set(self, ref: str, value: Any) -> None:
        """Write a value (None, bool, number, date, datetime or text) keeping the cell's style."""
        c = self.cell(ref)
        for child in list(c):
            if child.tag in (q("f"), q("v"), q("is")):
                if child.tag == q("f"):
                    self._drop_formula(c, child)
                c.remove(child)
        for attr in ("t", "vm", "cm"):
            c.attrib.pop(attr, None)
        if value is None or (isinstance(value, float) and value != value):
            return
        if isinstance(value, bool):
            c.set("t", "b")
            self._v(c, "1" if value else "0")
        elif isinstance(value, int | float):
            self._v(c, str(int(value)) if float(value).is_integer() else repr(float(value)))
        elif isinstance(value, dt.date):
            serial: float = to_serial(value, self.book.date1904)
            if isinstance(value, dt.datetime):
                serial += (value - dt.datetime.combine(value.date(), dt.time())).seconds / 86400
            self._v(c, str(serial))
            style = self.book.styles().as_date(int(c.get("s", "0")))
            if style:
                c.set("s", str(style))
        else:
            c.set("t", "inlineStr")
            text = clean_text(str(value))
            t = etree.SubElement(etree.Element(q("is")), q("t"))
            t.text = text
            if text != text.strip():
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            c.insert(0, t.getparent())

    @staticmethod
    def _v(c: etree._Element, text: str) -> None:
        v = etree.Element(q("v"))
        v.text = text
        c.insert(0, v)

    def _drop_formula(self, c: etree._Element, f: etree._Element) -> None:
        """Removing a shared-formula master: its dependents get their own translated formula."""
        self.formulas_removed = True
        if f.get("t") != "shared" or not f.text or f.get("si") is None:
            return
        si, origin = f.get("si"), c.get("r", "A1")
        for other in self.data.iterfind(f"{q('row')}/{q('c')}/{q('f')}[@si='{si}']"):
            if other is f or other.get("t") != "shared":
                continue
            target = other.getparent().get("r", "A1")
            other.text = Translator("=" + f.text, origin=origin).translate_formula(target)[1:]
            for attr in ("t", "si", "ref"):
                other.attrib.pop(attr, None)

    def set_many(self, values: Mapping[str, Any]) -> None:
        for ref, value in values.items():
            self.set(ref, value)

    def fill(self, refs: Iterable[str], rgb: str) -> None:
        """Give cells a solid fill, keeping the rest of their style."""
        styles = self.book.styles()
        for ref in refs:
            c = self.cell(ref)
            c.set("s", str(styles.with_fill(int(c.get("s", "0")), rgb)))

    def link(self, ref: str, location: str, display: str | None = None) -> None:
        """An in-workbook hyperlink on ``ref`` to ``location`` ('Sheet'!A1)."""
        links = self.root.find(q("hyperlinks"))
        if links is None:
            links = insert_ordered(self.root, etree.Element(q("hyperlinks")))
        etree.SubElement(links, q("hyperlink"), ref=ref, location=location,
                         display=clean_text(display or location)[:255])

    def widths(self, widths: Mapping[int, float]) -> None:
        cols = self.root.find(q("cols"))
        if cols is None:
            cols = insert_ordered(self.root, etree.Element(q("cols")))
        for col, width in sorted(widths.items()):
            etree.SubElement(cols, q("col"), min=str(col), max=str(col), width=str(width),
                             customWidth="1")

    def notes(self, notes: Mapping[str, str], author: str = "poam-xl", merge: bool = False) -> None:
        """Add or replace cell notes (``merge`` keeps an existing note's text below ours)."""
        self.book.notes(self).put(notes, author, merge)

    # ------------------------------------------------------------ rows
    def move_rows(self, mapping: Mapping[int, int]) -> None:
        """Renumber rows (old -> new, a permutation of the same row numbers), cells move along."""
        if sorted(mapping) != sorted(mapping.values()):
            raise ValueError("row mapping must be a permutation")
        moved = {old: self.rows[old] for old in mapping if old in self.rows}
        for old, row in moved.items():
            new = mapping[old]
            row.set("r", str(new))
            for c in row.iterchildren(q("c")):
                ref = c.get("r", "")
                c.set("r", ref.rstrip("0123456789") + str(new))
        for old in moved:
            self.rows.pop(old)
        self.rows.update({mapping[o]: row for o, row in moved.items()})
        self._cells.clear()
        ordered = sorted(self.rows.items())
        for row in moved.values():
            self.data.remove(row)
        prev: etree._Element | None = None
        for _r, row in ordered:
            if row.getparent() is None:
                if prev is None:
                    self.data.insert(0, row)
                else:
                    prev.addnext(row)
            prev = row
        links = self.root.find(q("hyperlinks"))
        for h in links if links is not None else ():
            r, col = split_ref(h.get("ref", "A1"))
            if ":" not in h.get("ref", "") and r in mapping:
                h.set("ref", f"{get_column_letter(col)}{mapping[r]}")
        self.book.notes(self).move(mapping)

    def serialise(self) -> bytes:
        dim = self.root.find(q("dimension"))
        if dim is not None and self.max_col:
            ref = dim.get("ref", "A1").split(":")
            r1, c1 = split_ref(ref[0])
            r2, c2 = split_ref(ref[-1])
            dim.set("ref", f"{get_column_letter(min(c1, self.max_col))}{min(r1, self.max_row)}:"
                           f"{get_column_letter(max(c2, self.max_col))}{max(r2, self.max_row)}")
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


class Workbook:
    """An opened package: parts are parsed on demand and only changed parts are rewritten."""

    def __init__(self, path: str | Path, limits: Limits = Limits()) -> None:
        self.path = Path(path)
        info = inspect(self.path, limits)  # format, size and zip-bomb checks first
        self.date1904, self.has_vba = info.date1904, info.has_vba
        self.zip = zipfile.ZipFile(self.path)
        self.names = [i.filename for i in self.zip.infolist()]
        self.sheet_parts = dict(info.sheet_parts)
        self.parts: dict[str, etree._Element] = {}  # parsed, to re-serialise on save
        self.new: dict[str, bytes] = {}  # replaced or added raw parts
        self.removed: set[str] = set()
        self.sheets: dict[str, Sheet] = {}
        self._styles: Styles | None = None
        self._notes: dict[str, Notes] = {}

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def exists(self, part: str) -> bool:
        return (part in self.names or part in self.new) and part not in self.removed

    def read(self, part: str) -> bytes:
        if part in self.new:
            return self.new[part]
        return self.zip.read(part)

    def xml(self, part: str) -> etree._Element:
        """A part parsed (safely) and marked for rewriting on save."""
        if part not in self.parts:
            try:
                self.parts[part] = parse(self.read(part))
            except etree.XMLSyntaxError as exc:
                raise WorkbookError(f"corrupt XML in {part} ({exc})", path=str(self.path)) from None
        return self.parts[part]

    def sheet(self, name: str) -> Sheet:
        if name not in self.sheets:
            part = self.sheet_parts.get(name)
            if part is None:
                raise WorkbookError(f"no sheet named {name!r}", path=str(self.path))
            root = self.xml(part)
            if root.tag != q("worksheet"):
                raise WorkbookError(f"sheet {name!r} is not a worksheet", path=str(self.path))
            self.sheets[name] = Sheet(self, name, part, root)
        return self.sheets[name]

    def styles(self) -> Styles:
        if self._styles is None:
            self._styles = Styles(self.xml("xl/styles.xml"))
        return self._styles

    def notes(self, sheet: Sheet) -> Notes:
        if sheet.part not in self._notes:
            self._notes[sheet.part] = Notes(self, sheet)
        return self._notes[sheet.part]

    # ------------------------------------------------------------ package plumbing
    def rels(self, part: str) -> tuple[str, etree._Element]:
        """(rels part name, parsed rels) of ``part``; an empty rels part is created if absent."""
        folder, base = posixpath.split(part)
        name = posixpath.join(folder, "_rels", base + ".rels")
        if name not in self.parts and not self.exists(name):
            self.parts[name] = etree.Element(f"{{{PKG_NS}}}Relationships", nsmap={None: PKG_NS})
        return name, self.xml(name)

    def targets(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (type, absolute part name) of ``part``'s relationships."""
        _, rels = self.rels(part)
        folder = posixpath.dirname(part)
        out = {}
        for rel in rels:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            out[rel.get("Id", "")] = (rel.get("Type", ""), path)
        return out

    def relate(self, part: str, target: str, rel_type: str) -> str:
        """Add a relationship from ``part`` to ``target`` (both absolute); returns its rId."""
        _, rels = self.rels(part)
        ids = {r.get("Id") for r in rels}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rel = posixpath.relpath(target, posixpath.dirname(part))
        etree.SubElement(rels, f"{{{PKG_NS}}}Relationship", Id=f"rId{n}", Type=rel_type, Target=rel)
        return f"rId{n}"

    def content_type(self, part: str | None = None, ctype: str = "", ext: str | None = None) -> None:
        types = self.xml("[Content_Types].xml")
        if ext is not None:
            if not any(d.get("Extension", "").lower() == ext for d in types.iterfind(f"{{{CT_NS}}}Default")):
                types.insert(0, etree.Element(f"{{{CT_NS}}}Default", Extension=ext, ContentType=ctype))
        else:
            etree.SubElement(types, f"{{{CT_NS}}}Override", PartName="/" + str(part), ContentType=ctype)

    def free_name(self, pattern: str) -> str:
        """First unused part name for a pattern like 'xl/comments{}.xml'."""
        n = 1
        while self.exists(pattern.format(n)) or pattern.format(n) in self.parts:
            n += 1
        return pattern.format(n)

    def add_sheet(self, name: str) -> Sheet:
        """A new, empty worksheet at the end of the workbook (name made unique)."""
        base, n = name[:31], 2
        lower = {s.lower() for s in self.sheet_parts}
        while name.lower() in lower:
            name = f"{base[:26]} ({n})"
            n += 1
        part = self.free_name("xl/worksheets/sheet{}.xml")
        root = etree.Element(q("worksheet"), nsmap={None: NS, "r": R_NS})
        etree.SubElement(root, q("sheetData"))
        self.parts[part] = root
        wb = self.xml("xl/workbook.xml")
        sheets = wb.find(q("sheets"))
        ids = [int(s.get("sheetId", "0")) for s in sheets]
        rid = self.relate("xl/workbook.xml", part, REL_SHEET)
        etree.SubElement(sheets, q("sheet"), name=name, sheetId=str(max(ids, default=0) + 1),
                         attrib={f"{{{R_NS}}}id": rid})
        self.content_type(part, CT_SHEET)
        self.sheet_parts[name] = part
        self.sheets[name] = Sheet(self, name, part, root)
        return self.sheets[name]

    def _drop_calc_chain(self) -> None:
        """Removed formulas make calcChain.xml stale; Excel rebuilds it when it is absent."""
        part = "xl/calcChain.xml"
        if not self.exists(part):
            return
        self.removed.add(part)
        _, rels = self.rels("xl/workbook.xml")
        for rel in list(rels):
            if rel.get("Target", "").endswith("calcChain.xml"):
                rels.remove(rel)
        types = self.xml("[Content_Types].xml")
        for o in list(types):
            if o.get("PartName") == "/" + part:
                types.remove(o)

    # ------------------------------------------------------------ save
    def save(self, dst: str | Path) -> None:
        """Write the package to ``dst``: changed parts re-serialised, the rest copied raw."""
        if any(s.formulas_removed for s in self.sheets.values()):
            self._drop_calc_chain()
        for notes in self._notes.values():
            notes.flush()
        out: dict[str, bytes] = dict(self.new)
        for part, root in self.parts.items():
            sheet = next((s for s in self.sheets.values() if s.part == part), None)
            if sheet is not None:
                out[part] = sheet.serialise()
            elif part == "xl/styles.xml" and not (self._styles and self._styles.dirty):
                continue
            else:
                out[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                           standalone=True)
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.zip.infolist():
                if info.filename in self.removed:
                    continue
                if info.filename in out:
                    zi = zipfile.ZipInfo(info.filename, info.date_time)
                    zi.compress_type, zi.external_attr = info.compress_type, info.external_attr
                    zout.writestr(zi, out.pop(info.filename), compresslevel=6)
                else:
                    _copy_raw(self.zip, zout, info)
            for part, data in out.items():
                zi = zipfile.ZipInfo(part, (1980, 1, 1, 0, 0, 0))
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, data, compresslevel=6)


def _copy_raw(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy one member's compressed bytes unchanged (no inflate/deflate round trip)."""
    fp = zin.fp
    assert fp is not None and zout.fp is not None
    fp.seek(info.header_offset)
    head = fp.read(30)
    if head[:4] != b"PK\x03\x04":
        raise WorkbookError(f"corrupt zip member {info.filename}", path=zin.filename)
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fp.read(info.compress_size)
    zi = copy.copy(info)
    zi.flag_bits &= ~0x08  # sizes and CRC go in the local header: no data descriptor
    zi.extra = b""
    zi.header_offset = zout.fp.tell()
    zout.fp.write(zi.FileHeader(zip64=info.file_size > 0x7FFFFFFF))
    zout.fp.write(raw)
    zout.filelist.append(zi)
    zout.NameToInfo[zi.filename] = zi
    zout.start_dir = zout.fp.tell()  # type: ignore[attr-defined]
