"""Surgery on an .xlsx/.xlsm package: change only the cells, notes and parts that must change.

Every zip member not touched is copied byte for byte (raw compressed stream, same order, same
compression), so styles, validations (x14 too), drawings, form controls, charts, pivot tables
and ``xl/vbaProject.bin`` survive exactly. Model-agnostic: callers address cells by sheet name
and A1 reference (see xlsxsheet for cells and styles, xlsxnotes for notes).
"""

from __future__ import annotations

import copy
import posixpath
import struct
import zipfile
from pathlib import Path

from lxml import etree

from .errors import WorkbookError
from .package import Limits, inspect
from .xlsxnotes import Notes
from .xlsxsheet import NS, R_NS, Sheet, Styles, clean_text, insert_ordered, parse, q

__all__ = ["Workbook", "Sheet", "Styles", "clean_text", "insert_ordered", "q"]
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_SHEET = R_NS + "/worksheet"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


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
        """A part's bytes; WorkbookError naming the file for a part the package lacks
        ([Content_Types].xml, xl/styles.xml: write-back needs them; reading does not)."""
        if part in self.new:
            return self.new[part]
        try:
            return self.zip.read(part)
        except KeyError:
            raise WorkbookError(f"the workbook has no {part} part, which writing back into it "
                                "needs: open and save it in Excel, then try again",
                                path=str(self.path)) from None

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

    def content_type(self, part: str | None = None, ctype: str = "",
                     ext: str | None = None) -> None:
        """Declare a part's content type (an Override), or a Default for an extension."""
        types = self.xml("[Content_Types].xml")
        default = f"{{{CT_NS}}}Default"
        if ext is None:
            etree.SubElement(types, f"{{{CT_NS}}}Override", PartName=f"/{part}", ContentType=ctype)
        elif not any(d.get("Extension", "").lower() == ext for d in types.iterfind(default)):
            types.insert(0, etree.Element(default, Extension=ext, ContentType=ctype))

    def free_name(self, pattern: str) -> str:
        """First unused part name for a pattern like 'xl/comments{}.xml'."""
        n = 1
        while self.exists(pattern.format(n)) or pattern.format(n) in self.parts:
            n += 1
        return pattern.format(n)

    def add_sheet(self, name: str, *, landscape: bool = False) -> Sheet:
        """A new, empty worksheet at the end of the workbook (name made unique); ``landscape``
        prints it landscape, one page wide."""
        base, n = name[:31], 2
        lower = {s.lower() for s in self.sheet_parts}
        while name.lower() in lower:
            name = f"{base[:26]} ({n})"
            n += 1
        part = self.free_name("xl/worksheets/sheet{}.xml")
        root = etree.Element(q("worksheet"), nsmap={None: NS, "r": R_NS})
        if landscape:  # CT_Worksheet order: sheetPr first, pageMargins/pageSetup after sheetData
            etree.SubElement(etree.SubElement(root, q("sheetPr")), q("pageSetUpPr"), fitToPage="1")
        etree.SubElement(root, q("sheetData"))
        if landscape:
            etree.SubElement(root, q("pageMargins"), left="0.4", right="0.4", top="0.75",
                             bottom="0.75", header="0.3", footer="0.3")
            etree.SubElement(root, q("pageSetup"), orientation="landscape", fitToWidth="1",
                             fitToHeight="0")
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
        if Path(dst).resolve() == self.path.resolve():
            raise ValueError("save to a new path (e.g. write.atomic_path), never over the source")
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
    zout.start_dir = zout.fp.tell()
