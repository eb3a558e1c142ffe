"""Worksheet XML for xlsxpatch: cells set in place (rows and cells kept in order), styles derived.

Strings are written inline (``t="inlineStr"``) so sharedStrings.xml is left alone; styles.xml
gains an entry only for a new date format or fill. Parsing is lxml with a safe parser.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import get_column_letter

from .dates import to_serial
from .errors import WorkbookError
from .values import FORMULA_START, split_ref

if TYPE_CHECKING:
    from .xlsxpatch import Workbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
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
        self.unquoted: dict[int, int] = {}  # with_quote's styles -> the style they came from

    def is_date(self, s: int) -> bool:
        xf = self.xfs[s] if s < len(self.xfs) else self.xfs[0]
        fid = int(xf.get("numFmtId", "0"))
        code = self.codes.get(fid, BUILTIN_FORMATS.get(fid, ""))
        return fid in (14, 15, 16, 17, 22) or bool(code and is_date_format(code))

    def format_id(self, s: int) -> int:
        """The numFmtId of style ``s``."""
        return int((self.xfs[s] if s < len(self.xfs) else self.xfs[0]).get("numFmtId", "0"))

    def as_date(self, s: int, fmt: int | None = None) -> int:
        """A style like ``s`` that shows a date: ``s`` itself if it already does (unless ``fmt``,
        a numFmtId, is asked for), else with ``fmt`` or the yyyy-mm-dd format."""
        if (fmt is None and self.is_date(s)) or (fmt is not None and self.format_id(s) == fmt):
            return s
        fid = fmt if fmt is not None else next((i for i, c in self.codes.items() if c == DATE_FORMAT),
                                               None)
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

    def with_quote(self, s: int) -> int:
        """A style like ``s`` with Excel's quote prefix (text stays text when edited in Excel:
        what textcells.put gives risky text in every writer)."""
        if (self.xfs[s] if s < len(self.xfs) else self.xfs[0]).get("quotePrefix") in ("1", "true"):
            return s
        self.unquoted[quoted := self._derive(s, "quotePrefix", "1")] = s
        return quoted

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
        self.cut: list[str] = []  # cells whose text was cut to Excel's 32,767 characters
        self.max_row = max(self.rows, default=0)
        self.max_col = 0

    # ------------------------------------------------------------ cells
    def row(self, r: int) -> etree._Element:
        row = self.rows.get(r)
        if row is None:
            row = etree.Element(q("row"), r=str(r))
            if r > self.max_row:
                self.data.append(row)  # the common case (a new sheet filled top down)
            elif after := [n for n in self.rows if n < r]:
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

    def is_blank(self, ref: str) -> bool:
        """True when the cell holds no value, text or formula (it may still have a style)."""
        r, col = split_ref(ref)
        c = self.cells_of(r).get(col) if r in self.rows else None
        if c is None or c.find(q("f")) is not None:
            return c is None
        v, inline = c.find(q("v")), c.find(q("is"))
        return not ((v is not None and (v.text or "").strip())
                    or (inline is not None and "".join(inline.itertext()).strip()))

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
            c.set("t", "inlineStr")  # text is never written as <f>: it stays text
            if len(str(value)) > MAX_TEXT:
                self.cut.append(f"{self.name}!{ref}")
            text = clean_text(str(value))
            styles, style = self.book.styles(), int(c.get("s", "0"))  # "=1+1": the quote prefix
            risky = text.lstrip(" ").startswith(FORMULA_START)  # (a row styled after it: not)
            c.set("s", str(styles.with_quote(style) if risky else styles.unquoted.get(style, style)))
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

    def date_format(self, col: int) -> int | None:
        """The numFmtId the sheet's dates use: the commonest date format of column ``col``'s
        cells holding a value, else of any such cell on the sheet; None when the sheet has none."""
        styles = self.book.styles()
        found: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}
        for r in self.rows:
            for k, c in self.cells_of(r).items():
                s = int(c.get("s", "0"))
                if c.find(q("v")) is not None and c.get("t") in (None, "n") and styles.is_date(s):
                    found[k == col][styles.format_id(s)] += 1
        best = found[True] or found[False]
        return best.most_common(1)[0][0] if best else None

    def set_date(self, ref: str, day: dt.date, fmt: int | None = None) -> None:
        """Write a date shown with numFmtId ``fmt`` (default: the cell's own date format, else
        yyyy-mm-dd); the rest of the cell's style is kept."""
        c = self.cell(ref)
        style = int(c.get("s", "0"))
        self.set(ref, None)  # clears the text (and its type) and keeps the style
        self._v(c, str(to_serial(day, self.book.date1904)))
        c.set("s", str(self.book.styles().as_date(style, fmt)))

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
        data: bytes = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8",
                                     standalone=True)
        return data
