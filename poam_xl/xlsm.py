"""The macro-enabled POA&M workbook (.xlsm): the template plus the VBA project, the xlwings.conf
sheet and form buttons bound to the macros; and reading the buttons back."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl.utils import get_column_letter

from . import model
from .vba import BUTTONS, DOC_BASE, codenames, document, our_modules, vba_project, xlwings_modules

CONF_SHEET = "xlwings.conf"


def buttons_vml(widths: dict[int, float]) -> str:
    """Form buttons (VML) in the POA&M sheet's header area, two rows, bound to the macros."""
    col_pt = {c: widths.get(c, 8.43) * 5.25 + 3.75 for c in range(1, 40)}
    shapes = []
    for k, (macro, caption) in enumerate(BUTTONS):
        col = 7 + 2 * (k % 4)  # G, I, K, M (1-based), two columns wide
        row = 2 + 3 * (k // 4)  # rows 3-4 and 6-7 (0-based 2 and 5)
        left = sum(col_pt[c] for c in range(1, col))
        width = col_pt[col] + col_pt[col + 1] - 8
        top = 26 + 15 * (row - 1)
        shapes.append(
            f'<v:shape id="_x0000_s{1025 + k}" type="#_x0000_t201" style="position:absolute;'
            f'margin-left:{left:.2f}pt;margin-top:{top:.2f}pt;width:{width:.2f}pt;height:26pt;'
            f'z-index:{k + 1};mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" '
            f'strokecolor="windowText [64]" o:insetmode="auto"><v:fill color2="buttonFace [67]" '
            f'o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/><v:textbox '
            f'style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="Calibri" size="200" color="#000000">{caption}</font></div></v:textbox>'
            f'<x:ClientData ObjectType="Button"><x:Anchor>{col - 1}, 2, {row}, 2, {col + 1}, 0, '
            f'{row + 2}, 0</x:Anchor><x:PrintObject>False</x:PrintObject><x:AutoFill>False'
            f'</x:AutoFill><x:FmlaMacro>[0]!{macro}</x:FmlaMacro><x:TextHAlign>Center'
            f'</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>')
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
            'office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            '<o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype id="_x0000_t201" '
            'coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe"><v:stroke '
            'joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
            'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>'
            + "".join(shapes) + "</xml>")


CONF_ROWS = (("UDF Modules", "poam_xl.udf",
              "Python module with the POAM_* worksheet functions (Import Functions button)"),)
CONF_HELP = ("Settings read by the xlwings VBA module. Column A key, column B value, no blank rows "
             "above. Add a row 'Interpreter_Win' (or 'Interpreter_Mac') with the full path of "
             "python.exe if Python is not found; add 'PYTHONPATH' if poam_xl is not installed.")


def build_workbook(*, as_of: dt.date, sample_items: int = 0, seed: int = 0) -> object:
    """The .xlsm (openpyxl): template.build + codenames + xlwings.conf + VBA + buttons."""
    from openpyxl.styles import Font

    from . import template

    wb = template.build(sample_items=sample_items, as_of=as_of, seed=seed)
    conf = wb.create_sheet(CONF_SHEET)
    for i, (key, value, note) in enumerate(CONF_ROWS, start=1):
        conf.cell(i, 1, key).font = Font(bold=True)
        conf.cell(i, 2, value)
        conf.cell(i, 4, note)
    conf.cell(len(CONF_ROWS) + 3, 4, CONF_HELP)
    conf.column_dimensions["A"].width, conf.column_dimensions["B"].width = 18, 24
    names = codenames(wb.sheetnames)
    wb.code_name = "ThisWorkbook"
    for ws in wb.worksheets:
        ws.sheet_properties.codeName = names[ws.title]
    modules = [document("ThisWorkbook", DOC_BASE["workbook"])]
    modules += [document(names[ws.title], DOC_BASE["sheet"]) for ws in wb.worksheets]
    modules += our_modules() + xlwings_modules()
    items = wb[model.ITEMS.sheet]
    widths = {i: (items.column_dimensions[_letter(i)].width or 8.43) for i in range(1, 40)}
    vml = "xl/drawings/vmlDrawing1.vml"
    archive = zipfile.ZipFile(io.BytesIO(), "a", zipfile.ZIP_DEFLATED)
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    archive.writestr("_rels/.rels", _ROOT_RELS)
    archive.writestr("xl/vbaProject.bin", vba_project(modules))
    archive.writestr(vml, buttons_vml(widths))
    wb.vba_archive = archive
    items.legacy_drawing = vml
    return wb


def build_xlsm(path: str | Path, *, as_of: dt.date, sample_items: int = 0, seed: int = 0) -> Path:
    """Write the macro-enabled POA&M workbook atomically."""
    from .write import atomic_path

    out = Path(path)
    wb = build_workbook(as_of=as_of, sample_items=sample_items, seed=seed)
    with atomic_path(out) as tmp:
        wb.save(tmp)  # type: ignore[attr-defined]
    return out


def _letter(i: int) -> str:
    return str(get_column_letter(i))


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
                  'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" '
                  'ContentType="application/vnd.ms-office.vbaProject"/><Default Extension="vml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/></Types>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
              'schemas.openxmlformats.org/package/2006/relationships"></Relationships>')


def buttons_of(path: str | Path) -> list[tuple[str, str, str]]:
    """(sheet, caption, macro) of every form button in the workbook's VML drawings."""
    from defusedxml import ElementTree

    out: list[tuple[str, str, str]] = []
    ns = {"v": "urn:schemas-microsoft-com:vml", "x": "urn:schemas-microsoft-com:office:excel"}
    with zipfile.ZipFile(path) as z:
        sheets = _sheet_parts(z)
        for sheet, part in sheets.items():
            rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            if rels not in z.namelist():
                continue
            for rel in ElementTree.fromstring(z.read(rels)):
                if not rel.get("Type", "").endswith("/vmlDrawing"):
                    continue
                target = rel.get("Target", "")
                vml = target.lstrip("/") if target.startswith("/") else \
                    str(Path("xl/worksheets", target)).replace("\\", "/")
                vml = re.sub(r"[^/]+/\.\./", "", vml)
                root = ElementTree.fromstring(z.read(vml))
                for shape in root.iter("{urn:schemas-microsoft-com:vml}shape"):
                    data = shape.find("x:ClientData", ns)
                    if data is None or data.get("ObjectType") != "Button":
                        continue
                    macro = (data.findtext("x:FmlaMacro", "", ns) or "").split("!")[-1]
                    caption = "".join(shape.find("v:textbox", ns).itertext()).strip() \
                        if shape.find("v:textbox", ns) is not None else ""
                    out.append((sheet, caption, macro))
    return out


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = {r.get("Id"): r.get("Target", "") for r in
            ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    out = {}
    for s in book.iter(f"{main}sheet"):
        target = rels.get(s.get(rid), "")
        out[s.get("name", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out
