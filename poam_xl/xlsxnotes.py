"""Cell notes for xlsxpatch: the comments part plus its legacy VML drawing, edited in place.

The VML part also holds form-control buttons and is often not well-formed XML, so it is
edited as text (latin-1 round trip keeps every byte): new note shapes are inserted before the
closing tag and nothing else in it changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lxml import etree
from openpyxl.utils import get_column_letter

from .xlsxsheet import clean_text, insert_ordered, split_ref

if TYPE_CHECKING:
    from .xlsxpatch import Workbook
    from .xlsxsheet import Sheet

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_COMMENTS = R_NS + "/comments"
REL_VML = R_NS + "/vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_SHAPE_ID = re.compile(r"_x0000_s(\d+)")
_NOTE = re.compile(r'(<x:ClientData[^>]*ObjectType="Note"[^>]*>)(.*?)(</x:ClientData>)', re.S)

VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
    ' <o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout>\n')
SHAPETYPE = (
    ' <v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
    ' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>\n')
SHAPE = (
    ' <v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;'
    'margin-top:2pt;width:220pt;height:70pt;z-index:{z};visibility:hidden" fillcolor="#ffffe1"'
    ' o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
    '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
    '<div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
    '<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>'
    '<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>\n')


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


SEPARATOR = "\n---\n"  # our note above, the note that was there below


def note_text(comment: etree._Element) -> str:
    return "".join(t.text or "" for t in comment.iter(q("t")))


class Notes:
    """The notes of one sheet: found through the sheet's relationships, created when absent."""

    def __init__(self, book: Workbook, sheet: Sheet) -> None:
        self.book, self.sheet = book, sheet
        targets = book.targets(sheet.part)
        self.part = next((p for t, p in targets.values() if t == REL_COMMENTS), None)
        legacy = sheet.root.find(q("legacyDrawing"))
        rid = legacy.get(f"{{{R_NS}}}id") if legacy is not None else None
        self.vml_part = targets[rid][1] if rid in targets else None
        self.root = book.xml(self.part) if self.part else None
        self.by_ref: dict[str, etree._Element] = {}
        if self.root is not None:
            for c in self.root.iterfind(f"{q('commentList')}/{q('comment')}"):
                self.by_ref[c.get("ref", "")] = c
        self.new_refs: list[str] = []
        self.moves: dict[int, int] = {}

    def _ensure_part(self) -> etree._Element:
        if self.root is None:
            self.part = self.book.free_name("xl/comments{}.xml")
            self.root = etree.Element(q("comments"), nsmap={None: NS})
            etree.SubElement(self.root, q("authors"))
            etree.SubElement(self.root, q("commentList"))
            self.book.parts[self.part] = self.root
            self.book.relate(self.sheet.part, self.part, REL_COMMENTS)
            self.book.content_type(self.part, CT_COMMENTS)
        return self.root

    def _author(self, name: str) -> str:
        authors = self._ensure_part().find(q("authors"))
        assert authors is not None
        names = [a.text for a in authors]
        if name not in names:
            etree.SubElement(authors, q("author")).text = name
            names.append(name)
        return str(names.index(name))

    def put(self, notes: Mapping[str, str], author: str, merge: bool) -> None:
        root = self._ensure_part()
        author_id = self._author(author)
        clist = root.find(q("commentList"))
        assert clist is not None
        for ref, text in notes.items():
            text = clean_text(text)
            old = self.by_ref.get(ref)
            if old is not None:
                theirs = self._theirs(old, author_id, merge)
                if theirs.strip():
                    text = f"{text}{SEPARATOR}{theirs}"
                clist.replace(old, new := self._comment(ref, author_id, text))
            else:
                new = self._comment(ref, author_id, text)
                clist.append(new)
                self.new_refs.append(ref)
            self.by_ref[ref] = new

    @staticmethod
    def _theirs(old: etree._Element, author_id: str, merge: bool) -> str:
        """The part of an existing note that is not ours to replace: someone else's note
        whole (a reviewer's note on a Due Date cell survives every update); of a note we wrote
        before, what was kept below it (``merge``: all of it)."""
        text = note_text(old)
        if old.get("authorId") != author_id or merge:
            return text
        return text.partition(SEPARATOR)[2]

    @staticmethod
    def _comment(ref: str, author_id: str, text: str) -> etree._Element:
        c = etree.Element(q("comment"), ref=ref, authorId=author_id)
        t = etree.SubElement(etree.SubElement(c, q("text")), q("t"))
        t.text = text
        t.set(XML_SPACE, "preserve")
        return c

    def move(self, mapping: Mapping[int, int]) -> None:
        """Rows were renumbered: notes on them follow (comments refs now, VML rows on flush)."""
        def moved(ref: str) -> str:
            r, col = split_ref(ref)
            return f"{get_column_letter(col)}{mapping.get(r, r)}"

        self.by_ref = {moved(ref): c for ref, c in self.by_ref.items()}
        for ref, c in self.by_ref.items():
            c.set("ref", ref)
        self.new_refs = [moved(ref) for ref in self.new_refs]
        moves = {old: mapping.get(cur, cur) for old, cur in self.moves.items()}
        self.moves = moves | {r: n for r, n in mapping.items() if r not in self.moves}

    def flush(self) -> None:
        """Write the VML: move existing note shapes, add shapes for the new notes."""
        if not self.new_refs and not self.moves:
            return
        text = self._vml_text()
        if self.moves:
            text = _NOTE.sub(self._moved, text)
        if self.new_refs:
            vmls = [p for p in self.book.names if p.endswith(".vml") and self.book.exists(p)]
            ids = [int(n) for p in vmls
                   for n in _SHAPE_ID.findall(self.book.read(p).decode("latin-1"))]
            ids += [int(n) for n in _SHAPE_ID.findall(text)]
            start = max([1024, *ids]) + 1
            shapes = []
            for k, ref in enumerate(self.new_refs):
                r, c = split_ref(ref)
                anchor = f"{c}, 15, {max(r - 2, 0)}, 10, {c + 3}, 15, {r + 3}, 4"
                shapes.append(SHAPE.format(id=start + k, z=k + 1, anchor=anchor, row=r - 1,
                                           col=c - 1))
            if "_x0000_t202" not in text:
                shapes.insert(0, SHAPETYPE)
            if text.rfind("</xml>") < 0:
                text += "</xml>"
            end = text.rfind("</xml>")
            text = text[:end] + "".join(shapes) + text[end:]
            last = start + len(self.new_refs)
            blocks = [str(b) for b in range(start // 1024, last // 1024 + 1)]

            def idmap(m: re.Match[str]) -> str:
                have = [b for b in m.group(2).split(",") if b]
                return m.group(1) + ",".join(dict.fromkeys([*have, *blocks])) + m.group(3)

            text = re.sub(r'(<o:idmap[^>]*data=")([^"]*)(")', idmap, text, count=1)
        assert self.vml_part is not None
        self.book.new[self.vml_part] = text.encode("latin-1")
        self.new_refs, self.moves = [], {}

    def _vml_text(self) -> str:
        if self.vml_part is not None:
            return self.book.read(self.vml_part).decode("latin-1")
        self.vml_part = self.book.free_name("xl/drawings/vmlDrawing{}.vml")
        rid = self.book.relate(self.sheet.part, self.vml_part, REL_VML)
        self.book.content_type(ctype=CT_VML, ext="vml")
        legacy = etree.Element(q("legacyDrawing"))
        legacy.set(f"{{{R_NS}}}id", rid)
        insert_ordered(self.sheet.root, legacy)
        return VML_HEAD.format(blocks="1") + "</xml>"

    def _moved(self, m: re.Match[str]) -> str:
        body = m.group(2)
        row = re.search(r"<x:Row>(\d+)</x:Row>", body)
        if row is None or int(row.group(1)) + 1 not in self.moves:
            return m.group(0)
        shift = self.moves[int(row.group(1)) + 1] - (int(row.group(1)) + 1)
        body = body.replace(row.group(0), f"<x:Row>{int(row.group(1)) + shift}</x:Row>")

        def anchor(a: re.Match[str]) -> str:
            p = [int(x) for x in a.group(1).split(",")]
            p[2], p[6] = max(p[2] + shift, 0), max(p[6] + shift, 0)
            return f"<x:Anchor>{', '.join(map(str, p))}</x:Anchor>"

        body = re.sub(r"<x:Anchor>([^<]*)</x:Anchor>", anchor, body)
        return m.group(1) + body + m.group(3)
