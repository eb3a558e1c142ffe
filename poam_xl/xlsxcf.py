"""Conditional formats in worksheet XML (for xlsxpatch): a highlight that nothing paints over.

A cell's own fill loses to any conditional format that applies to it: on a POA&M row that the
sheet's rules colour closed grey or overdue orange, a finding's red fill is invisible. The
highlight here is a conditional format itself, placed first with priority 1 and ``stopIfTrue``
(ECMA-376 Part 1, 18.3.1.10 cfRule: the lowest priority number is applied first and a rule with
stopIfTrue ends the evaluation for that cell), so the flagged cells show it on every row. Every
other rule keeps its order (priorities shift by the number of rules added, x14 rules included).
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from .xlsxsheet import NS, Sheet, Styles, insert_ordered, q

X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
BORDER = "C00000"  # the highlight's border: dark red, distinct from every fill of the palette


def dxf(styles: Styles, fill: str, border: str | None = BORDER) -> int:
    """Add a differential format (a solid ``fill``, a medium ``border`` box) to styles.xml and
    return its dxfId."""
    root = styles.root
    dxfs = root.find(q("dxfs"))
    if dxfs is None:  # CT_Stylesheet order: dxfs after cellStyles (or cellXfs)
        dxfs = etree.Element(q("dxfs"))
        anchor = root.find(q("cellStyles"))
        (anchor if anchor is not None else styles.xfs).addnext(dxfs)
    entry = etree.SubElement(dxfs, q("dxf"))
    pattern = etree.SubElement(etree.SubElement(entry, q("fill")), q("patternFill"), patternType="solid")
    # Excel paints a differential solid fill with bgColor, other readers with fgColor: give both
    etree.SubElement(pattern, q("fgColor"), rgb="FF" + fill.upper())
    etree.SubElement(pattern, q("bgColor"), rgb="FF" + fill.upper())
    if border:
        box = etree.SubElement(entry, q("border"))
        for side in ("left", "right", "top", "bottom"):
            etree.SubElement(etree.SubElement(box, q(side), style="medium"), q("color"),
                             rgb="FF" + border.upper())
    dxfs.set("count", str(len(dxfs)))
    styles.dirty = True
    return len(dxfs) - 1


def _rules(sheet: Sheet) -> list[etree._Element]:
    """Every cfRule of the sheet: its own and the x14 ones in extLst (one priority space)."""
    return [*sheet.root.iterfind(f"{q('conditionalFormatting')}/{q('cfRule')}"),
            *sheet.root.iter(f"{{{X14_NS}}}cfRule")]


def highlight_first(sheet: Sheet, groups: Iterable[tuple[Iterable[str], str]]) -> int:
    """Give each group of cells (A1 refs, fill colour) a conditional format that applies before
    every other rule of the sheet and stops the rest. Returns the number of rules added."""
    groups = [(sorted(set(refs)), fill) for refs, fill in groups]
    groups = [(refs, fill) for refs, fill in groups if refs]
    if not groups:
        return 0
    for rule in _rules(sheet):  # make room at the top, keeping every other rule's order
        rule.set("priority", str(int(rule.get("priority", "1")) + len(groups)))
    styles = sheet.book.styles()
    first = sheet.root.find(q("conditionalFormatting"))
    for priority, (refs, fill) in enumerate(groups, start=1):
        block = etree.Element(q("conditionalFormatting"), sqref=" ".join(refs))
        rule = etree.SubElement(block, q("cfRule"), type="expression", priority=str(priority),
                                dxfId=str(dxf(styles, fill)), stopIfTrue="1")
        etree.SubElement(rule, q("formula")).text = "TRUE"
        if first is not None:
            first.addprevious(block)
        else:
            insert_ordered(sheet.root, block)
    return len(groups)


__all__ = ["NS", "dxf", "highlight_first"]
