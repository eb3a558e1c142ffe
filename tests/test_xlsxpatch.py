"""xlsxpatch: cell values, styles, notes, fills, new sheets and raw copies of untouched parts."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.comments import Comment
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from poam_xl.xlsxpatch import NS, Workbook, clean_text, q
from tests.helpers import REALWORLD, make_book, require_shared, require_soffice

SAF = REALWORLD / "workbooks" / "saf__converted-RHEL8V1R3.ckl-2026-03-03-0034.xlsm"


def lo_convert(src: Path, outdir: Path, fmt: str = "xlsx") -> Path:
    """Open ``src`` in LibreOffice headless and save it as ``fmt``; the output must exist."""
    require_soffice()
    outdir.mkdir(exist_ok=True)
    profile = f"file:///tmp/lo-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    fmt, "--outdir", str(outdir), str(src)], capture_output=True, timeout=180,
                   check=False)
    out = outdir / f"{src.stem}.{fmt}"
    assert out.exists(), "LibreOffice did not write its output (soffice exits 0 even on failure)"
    return out


def sheet_xml(path: Path, part: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(part))


def changed_members(a: Path, b: Path) -> set[str]:
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        old = {i.filename: za.read(i) for i in za.infolist()}
        return {i.filename for i in zb.infolist() if old.get(i.filename) != zb.read(i)}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["POA&M"]
        ws["B11"].comment = Comment("user note", "Alice")
        ws["AD11"] = "=1+1"

    return make_book(tmp_path / "in.xlsx", sample=4, edit=edit)


def test_values_of_every_type_keep_style_and_read_back(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with Workbook(book) as wb:
        sh = wb.sheet("POA&M")
        style_b = sh.cell("B11").get("s")
        sh.set_many({"B11": "new text ", "Z11": 7, "AA11": 2.5, "Y11": dt.date(2026, 2, 9),
                     "E12": None, "AC12": True, "AD11": "was a formula"})
        wb.save(out)
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert ws["B11"].value == "new text "
    assert (ws["Z11"].value, ws["AA11"].value, ws["AC12"].value) == (7, 2.5, True)
    assert ws["Y11"].value == dt.datetime(2026, 2, 9) and ws["Y11"].is_date
    assert ws["E12"].value is None and ws["AD11"].value == "was a formula"
    root = sheet_xml(out, "xl/worksheets/sheet2.xml")
    b11 = root.find(f".//{q('c')}[@r='B11']")
    assert b11.get("s") == style_b and b11.get("t") == "inlineStr"
    assert root.find(f".//{q('c')}[@r='AD11']/{q('f')}") is None
    assert "xl/sharedStrings.xml" not in changed_members(book, out)


def test_new_cells_and_rows_stay_in_order(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with Workbook(book) as wb:
        sh = wb.sheet("POA&M")
        sh.set_many({"AF11": "far right", "AE11": "between", "B40": "row 40", "B30": "row 30"})
        wb.save(out)
    root = sheet_xml(out, "xl/worksheets/sheet2.xml")
    rows = [int(r.get("r")) for r in root.iter(q("row"))]
    assert rows == sorted(rows) and {30, 40} <= set(rows)
    for row in root.iter(q("row")):
        cols = [openpyxl.utils.column_index_from_string(c.get("r").rstrip("0123456789"))
                for c in row.iter(q("c"))]
        assert cols == sorted(cols)
    assert root.find(q("dimension")).get("ref").endswith("AF40")
    ws = openpyxl.load_workbook(out)["POA&M"]
    values = (ws["AE11"].value, ws["AF11"].value, ws["B30"].value)
    assert values == ("between", "far right", "row 30")


def test_untouched_members_are_raw_copies(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with Workbook(book) as wb:
        wb.sheet("POA&M").set("Z11", 3)
        wb.save(out)
    assert changed_members(book, out) == {"xl/worksheets/sheet2.xml"}
    with zipfile.ZipFile(book) as za, zipfile.ZipFile(out) as zb:
        assert za.namelist() == zb.namelist()
        for a, b in zip(za.infolist(), zb.infolist(), strict=True):
            if a.filename != "xl/worksheets/sheet2.xml":
                assert (a.CRC, a.compress_size, a.compress_type) == (b.CRC, b.compress_size,
                                                                     b.compress_type)
        assert zb.testzip() is None


def test_notes_added_replaced_and_merged(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with Workbook(book) as wb:
        sh = wb.sheet("POA&M")
        sh.notes({"Y11": "due because", "Y12": "second"})
        sh.notes({"Y11": "due, replaced"})
        sh.notes({"B11": "finding"}, merge=True)
        wb.save(out)
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert ws["Y11"].comment.text == "due, replaced"
    assert ws["Y12"].comment.text == "second"
    assert ws["B11"].comment.text.startswith("finding") and "user note" in ws["B11"].comment.text
    with zipfile.ZipFile(out) as z:
        vml = next(n for n in z.namelist() if n.endswith(".vml"))
        text = z.read(vml).decode()
    assert text.count('ObjectType="Note"') == 3  # one shape per noted cell
    assert "<x:Row>10</x:Row><x:Column>24</x:Column>" in text  # Y11


def test_notes_on_a_sheet_without_any(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with Workbook(book) as wb:
        wb.sheet("Milestones").notes({"C2": "planned"})
        wb.save(out)
    wb2 = openpyxl.load_workbook(out)
    assert wb2["Milestones"]["C2"].comment.text == "planned"
    root = sheet_xml(out, "xl/worksheets/sheet3.xml")
    names = [etree.QName(c).localname for c in root]
    assert names.index("legacyDrawing") > names.index("pageSetup")


def test_fill_and_new_sheet_with_links(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with Workbook(book) as wb:
        wb.sheet("POA&M").fill(["B11", "C11"], "FFC7CE")
        f = wb.add_sheet("Findings")
        f.set_many({"A1": "Cell", "A2": "POA&M!B11"})
        f.link("A2", "'POA&M'!B11")
        wb.add_sheet("Findings").set("A1", "second")
        wb.save(out)
    wb2 = openpyxl.load_workbook(out)
    assert wb2.sheetnames[-2:] == ["Findings", "Findings (2)"]
    assert wb2["POA&M"]["B11"].fill.fgColor.rgb == "FFFFC7CE"
    assert wb2["POA&M"]["B11"].border.left.style == "thin"  # rest of the style kept
    assert wb2["Findings"]["A2"].hyperlink.location == "'POA&M'!B11"


def test_shared_formula_master_overwritten(tmp_path: Path) -> None:
    src = make_book(tmp_path / "in.xlsx", sample=2)
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(shared, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</sheetData>", (
                    b'<row r="50"><c r="A50"><f t="shared" ref="A50:A52" si="0">B50*2</f>'
                    b'<v>0</v></c></row>'
                    b'<row r="51"><c r="A51"><f t="shared" si="0"/><v>0</v></c></row>'
                    b'<row r="52"><c r="A52"><f t="shared" si="0"/><v>0</v></c></row></sheetData>'))
            zout.writestr(info, data)
    out = tmp_path / "out.xlsx"
    with Workbook(shared) as wb:
        wb.sheet("POA&M").set("A50", 1)
        wb.save(out)
    ws = openpyxl.load_workbook(out)["POA&M"]
    assert (ws["A50"].value, ws["A51"].value, ws["A52"].value) == (1, "=B51*2", "=B52*2")


def test_1904_workbook_gets_1904_serials(tmp_path: Path) -> None:
    src = make_book(tmp_path / "in.xlsx", sample=2,
                    edit=lambda wb: setattr(wb, "epoch", CALENDAR_MAC_1904))
    out = tmp_path / "out.xlsx"
    with Workbook(src) as wb:
        assert wb.date1904
        wb.sheet("POA&M").set("Y11", dt.date(2026, 2, 9))
        wb.save(out)
    cell = sheet_xml(out, "xl/worksheets/sheet2.xml").find(f".//{q('c')}[@r='Y11']/{q('v')}")
    assert int(cell.text) == (dt.date(2026, 2, 9) - dt.date(1904, 1, 1)).days == 46062 - 1462
    assert openpyxl.load_workbook(out)["POA&M"]["Y11"].value == dt.datetime(2026, 2, 9)


def test_clean_text_escapes_and_caps() -> None:
    assert clean_text("a\x01b") == "a_x0001_b"
    assert len(clean_text("x" * 40000)) == 32767


def test_realworld_xlsm_keeps_vba_and_x14_validations(tmp_path: Path) -> None:
    require_shared(SAF)
    out = tmp_path / "saf.xlsm"
    with Workbook(SAF) as wb:
        part = wb.sheet_parts["POA&M"]
        sh = wb.sheet("POA&M")
        sh.set_many({"H8": dt.date(2027, 3, 3), "B8": 1})
        sh.notes({"H8": "due date note"})
        wb.save(out)
    changed = changed_members(SAF, out)
    assert "xl/vbaProject.bin" not in changed
    assert changed <= {part, "xl/styles.xml", "[Content_Types].xml",
                       part.replace("worksheets/", "worksheets/_rels/") + ".rels"} | {
        n for n in zipfile.ZipFile(out).namelist() if "comments" in n or n.endswith(".vml")}
    root = sheet_xml(out, part)
    assert b"x14:dataValidations" in etree.tostring(root)
    assert root.get("{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable")
    wb2 = openpyxl.load_workbook(out, keep_vba=True)
    assert wb2["POA&M"]["H8"].value == dt.datetime(2027, 3, 3)
    assert wb2["POA&M"]["H8"].comment.text == "due date note"


@pytest.mark.libreoffice
def test_libreoffice_opens_the_patched_workbook(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "patched.xlsx"
    with Workbook(book) as wb:
        sh = wb.sheet("POA&M")
        sh.set_many({"Y11": dt.date(2026, 2, 9), "AB11": "OVERDUE"})
        sh.notes({"Y11": "why"})
        wb.add_sheet("Findings").set("A1", "rule")
        wb.save(out)
    converted = lo_convert(out, tmp_path / "lo")
    wb2 = openpyxl.load_workbook(converted)
    assert wb2["POA&M"]["Y11"].value == dt.datetime(2026, 2, 9)
    assert wb2["POA&M"]["AB11"].value == "OVERDUE"
    assert wb2["POA&M"]["Y11"].comment is not None and "why" in wb2["POA&M"]["Y11"].comment.text
    assert wb2["Findings"]["A1"].value == "rule"


def test_overwritten_formula_drops_stale_calc_chain(book: Path, tmp_path: Path) -> None:
    chained = tmp_path / "chain.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(chained, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
                                    b'.calcChain+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdCalc" Type="http://'
                                    b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                    b'calcChain" Target="calcChain.xml"/></Relationships>')
            zout.writestr(info, data)
        zout.writestr("xl/calcChain.xml", f'<calcChain xmlns="{NS}"><c r="AD11" i="2"/></calcChain>'
                      )
    kept, dropped = tmp_path / "kept.xlsx", tmp_path / "dropped.xlsx"
    with Workbook(chained) as wb:
        wb.sheet("POA&M").set("Z11", 1)  # no formula touched: calcChain stays
        wb.save(kept)
    with Workbook(chained) as wb:
        wb.sheet("POA&M").set("AD11", 2)  # the formula goes: calcChain would be stale
        wb.save(dropped)
    assert "xl/calcChain.xml" in zipfile.ZipFile(kept).namelist()
    with zipfile.ZipFile(dropped) as z:
        assert "xl/calcChain.xml" not in z.namelist()
        assert b"calcChain" not in z.read("[Content_Types].xml")
        assert b"calcChain" not in z.read("xl/_rels/workbook.xml.rels")
    assert openpyxl.load_workbook(dropped)["POA&M"]["AD11"].value == 2
