"""The generated workbook: structure, dropdowns, formats, print set-up, and LibreOffice opens it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from poam_xl import model, template
from tests.helpers import AS_OF, make_book, workbook_content

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def book(tmp_path):
    return openpyxl.load_workbook(make_book(tmp_path / "t.xlsx", sample=12))


def test_sheets_and_lists(book):
    assert book.sheetnames == ["Instructions", "POA&M", "Milestones", "Policy", "Dashboard", "Lists"]
    assert book["Lists"].sheet_state == "hidden" and book["Lists"].protection.sheet
    for name, values in model.LISTS.items():
        sheet, ref = book.defined_names[name].attr_text.split("!")
        cells = book["Lists"][ref.replace("$", "")]
        assert tuple(c[0].value for c in cells) == values


def test_items_sheet_header_and_table(book):
    ws = book["POA&M"]
    assert ws["A1"].value == template.TITLE
    for i, f in enumerate(model.HEADER_FIELDS):
        assert ws.cell(template.HEADER_TOP + i, 2).value == f.label
    row = template.TABLE_HEADER_ROW
    assert [ws.cell(row, j).value for j in range(1, len(model.ITEM_COLUMNS) + 1)] == [
        c.header for c in model.ITEM_COLUMNS]
    first = ws.cell(row, 1)
    assert first.font.b and first.alignment.wrap_text
    assert ws.freeze_panes == f"C{template.FIRST_ROW}"
    assert ws.auto_filter.ref.startswith(f"A{row}:")
    for j, col in enumerate(model.ITEM_COLUMNS, start=1):
        assert ws.column_dimensions[get_column_letter(j)].width == template.column_width(col) >= col.width
        assert template.column_width(col) >= max(len(w) for w in col.header.split()) + 2
        if col.kind == "date":
            assert ws.cell(template.FIRST_ROW, j).number_format == template.DATE_FORMAT or \
                ws.cell(template.FIRST_ROW, j).value is None


def test_dropdowns_and_date_validation_cover_the_table(book):
    ws = book["POA&M"]
    by_col: dict[str, tuple[str, str]] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            by_col[rng.split(":")[0].rstrip("0123456789")] = (dv.type, dv.formula1)
    for j, col in enumerate(model.ITEM_COLUMNS, start=1):
        letter = get_column_letter(j)
        if col.derived:
            assert letter not in by_col
        elif col.kind == "choice":
            assert by_col[letter] == ("list", model.list_name(col.allowed)), col.key
        elif col.kind == "date":
            assert by_col[letter][0] == "date", col.key
    assert by_col["A"] == ("whole", "0")


def test_list_validations_are_written_as_excel_writes_them(tmp_path):
    """<formula1>list_status</formula1>: no leading '=' (Excel and XlsxWriter write it bare)."""
    import zipfile

    path = make_book(tmp_path / "dv.xlsx", sample=0)
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    lists = [f for s in sheets for f in re.findall(r'type="list"[^>]*>\s*<formula1>([^<]*)<', s)]
    assert len(lists) >= len([c for c in model.ITEM_COLUMNS if c.kind == "choice"]) + 1
    assert all(not f.startswith("=") for f in lists), lists
    assert f"{model.list_name(model.STATUSES)}" in lists


def test_conditional_formats_print_setup_and_footer(book):
    ws = book["POA&M"]
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    formulas = " ".join(r.formula[0] for r in rules)
    assert len(rules) == 3 and "TODAY()" in formulas and "policy_due_soon_days" in formulas
    assert {r.dxf.fill.fgColor.rgb[-6:] for r in rules} == {"D9D9D9", "F8CBAD", "FFE699"}
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == f"${template.TABLE_HEADER_ROW}:${template.TABLE_HEADER_ROW}"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text


def test_policy_sheet_names(book):
    for s in model.POLICY_SETTINGS:
        ref = book.defined_names[f"policy_{s.key}"].attr_text
        sheet, cell = ref.split("!")
        assert book["Policy"][cell.replace("$", "")].value == {
            "days_high": 30, "days_medium": 90, "days_low": 180, "day_count": "calendar",
            "due_soon_days": 14, "late_days": 90, "review_days": 90}[s.key]


def test_sample_is_varied(tmp_path):
    from poam_xl.reader import read

    f = read(make_book(tmp_path / "s.xlsx", sample=12)).items.frame
    assert set(f["status"]) == set(model.STATUSES)
    assert set(f["risk_level"]) == set(model.RISK_LEVELS)
    assert (f["flag"] == "OVERDUE").any() and f["flag"].str.contains("DAYS LATE").any()


def test_new_refuses_to_overwrite_without_force(tmp_path):
    from poam_xl.errors import WriteError

    out = tmp_path / "x.xlsx"
    template.new_workbook(out, as_of=AS_OF)
    before = out.read_bytes()
    with pytest.raises(WriteError):
        template.new_workbook(out, as_of=AS_OF, sample_items=3)
    assert out.read_bytes() == before
    template.new_workbook(out, as_of=AS_OF, sample_items=3, force=True)
    assert out.read_bytes() != before


@pytest.mark.parametrize(("name", "n"), [("poam-template.xlsx", 0), ("poam-sample.xlsx", 12)])
def test_committed_workbooks_regenerate_identically(tmp_path, name, n):
    """workbook/ holds generated files; regenerating them gives the same content."""
    fresh = template.new_workbook(tmp_path / name, sample_items=n, as_of=AS_OF)
    assert workbook_content(ROOT / "workbook" / name) == workbook_content(fresh)


@pytest.mark.libreoffice
def test_libreoffice_opens_and_prints_the_workbook(tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is installed by scripts/test"
    src = make_book(tmp_path / "print.xlsx", sample=12)
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                          capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "print.pdf"
    assert pdf.exists(), proc.stderr  # soffice exits 0 even when it fails
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert data.startswith(b"%PDF") and pages >= 4  # instructions, items, milestones, policy, ...


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from poam_xl.reader import read

    def edit(wb):
        pass
    wb = template.build(sample_items=0, as_of=AS_OF)
    template.write_rows(wb["POA&M"], template.FIRST_ROW, model.ITEM_COLUMNS,
                        [{"item_number": 1, "description": "=cmd|' /C calc'!A0", "status": "Open"}])
    wb.save(tmp_path / "f.xlsx")
    assert read(tmp_path / "f.xlsx").items.frame["description"].iloc[0] == "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("n", [0, 12])
def test_item_rows_of_the_print_area_are_formatted_like_the_sample(tmp_path, n):
    """Every cell of every item row that prints (items and the empty rows below them) has the
    grid, wrapped text and, in date columns, the date format: filled by hand, it prints as a table."""
    ws = openpyxl.load_workbook(make_book(tmp_path / "rows.xlsx", sample=n))["POA&M"]
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    last = int(re.search(r"(\d+)$", area).group(1))
    assert last == template.FIRST_ROW + n + template.EMPTY_ROWS - 1, area
    for r in range(template.FIRST_ROW, last + 1):
        for j, col in enumerate(model.ITEM_COLUMNS, start=1):
            c = ws.cell(r, j)
            sides = (c.border.left, c.border.right, c.border.top, c.border.bottom)
            assert all(s is not None and s.style == "thin" for s in sides), (c.coordinate, col.key)
            assert c.alignment.wrap_text and c.alignment.vertical == "top", c.coordinate
            if col.kind == "date":
                assert c.number_format == template.DATE_FORMAT, c.coordinate


def test_converted_dss_workbook_prints_every_item(tmp_path):
    from poam_xl import convert
    from poam_xl.reader import read

    src = template.new_workbook(tmp_path / "big.xlsx", sample_items=40, as_of=AS_OF)
    out = tmp_path / "again.xlsx"
    convert.get("dss").write(read(src), out, as_of=AS_OF)  # type: ignore[misc]
    area = openpyxl.load_workbook(out)["POA&M"].print_area
    area = area[0] if isinstance(area, list) else area
    assert area.endswith(f"$J${template.FIRST_ROW + 40 + template.EMPTY_ROWS - 1}"), area
