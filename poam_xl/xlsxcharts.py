"""Charts in a package (for xlsxpatch): the count axes of a sheet's charts, found by title.

``update`` rewrites the Dashboard's figures; the bar charts' value axes get a major unit that
fits the new counts (whole items: 1, 2, 5, 10 ...), so an axis never steps by half an item.
Only the chart parts whose axis changes are rewritten; everything else is copied as it was.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lxml import etree

from .xlsxsheet import parse

if TYPE_CHECKING:
    from .xlsxpatch import Workbook

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
# CT_ValAx children after majorUnit: a new majorUnit goes before the first of these
_AFTER_MAJOR_UNIT = ("minorUnit", "dispUnits", "extLst")


def _related(wb: Workbook, part: str, kind: str) -> list[str]:
    """The parts ``part`` relates to with a relationship type ending in ``/kind``, read without
    marking the rels part for rewriting."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if not wb.exists(rels):
        return []
    out = []
    for rel in parse(wb.read(rels)):
        target = rel.get("Target", "")
        if rel.get("Type", "").endswith("/" + kind) and rel.get("TargetMode") != "External":
            out.append(target.lstrip("/") if target.startswith("/") else
                       posixpath.normpath(posixpath.join(folder, target)))
    return out


def chart_title(root: etree._Element) -> str:
    """The text of a chart's title ('' without one)."""
    title = root.find(f"{{{C}}}chart/{{{C}}}title")
    return "".join(t.text or "" for t in title.iter(f"{{{A}}}t")) if title is not None else ""


def set_major_units(wb: Workbook, sheet_part: str, steps: Mapping[str, int]) -> int:
    """Set the value-axis major unit of each chart on the sheet whose title is in ``steps``.
    Returns the number of chart parts changed."""
    changed = 0
    for drawing in _related(wb, sheet_part, "drawing"):
        for part in _related(wb, drawing, "chart"):
            root = parse(wb.read(part))
            step = steps.get(chart_title(root))
            if step is None:
                continue
            dirty = False
            for axis in root.iter(f"{{{C}}}valAx"):
                unit = axis.find(f"{{{C}}}majorUnit")
                if unit is None:
                    unit = etree.Element(f"{{{C}}}majorUnit")
                    later = next((k for k in axis if etree.QName(k).localname in _AFTER_MAJOR_UNIT), None)
                    if later is not None:
                        later.addprevious(unit)
                    else:
                        axis.append(unit)
                if unit.get("val") != str(step):
                    unit.set("val", str(step))
                    dirty = True
            if dirty:
                wb.new[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                              standalone=True)
                changed += 1
    return changed
