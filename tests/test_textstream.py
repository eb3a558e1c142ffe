"""textstream: streamed rows give exactly the cells textcells.put gives, and Excel's readers
(openpyxl, calamine, LibreOffice) read them back."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineWorkbook

from poam_xl import textcells, textstream
from tests.test_xlsxpatch import lo_convert

WRAP = textcells.CellStyle(alignment=Alignment(wrap_text=True, vertical="top"))
DATE = textcells.CellStyle(alignment=Alignment(wrap_text=True), number_format="mm/dd/yyyy")
VALUES: list[tuple[Any, textcells.CellStyle | None]] = [
    ("plain text", WRAP), ("=1+1", WRAP), ("-not a formula", None), ("@user", WRAP),
    ("  leading and trailing  ", WRAP), ("a & b < c > d", None), ("two\r\nlines\nthree", WRAP),
    ("bell\x07 and nul\x00", WRAP), ("x" * 40_000, WRAP), ("Ünïcødé — ✓", None), ("", WRAP),
    (4711, WRAP), (2.5, None), (-0.1, WRAP), (True, WRAP), (False, None),
    (dt.date(2026, 12, 3), DATE), (dt.date(2026, 1, 5), WRAP), (dt.datetime(2026, 2, 3, 10, 30), None),
    (None, WRAP), ("lone \ud800 surrogate, \ufffe and ]]> and _x000D_ and 😀", WRAP),
]


def _book(path: Path, streamed: bool, rows: int = 3) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "Header"
    ws["A1"].font = Font(bold=True)
    ws.row_dimensions[1].height = 30
    put = textstream.stream(ws).put if streamed else (
        lambda r, c, v, s=None: textcells.put(ws, r, c, v, s))
    for r in range(2, 2 + rows):
        for c, (value, style) in enumerate(VALUES, start=1):
            put(r, c, value, style)
    wb.create_sheet("Other")["B2"] = "untouched"
    path = path.with_suffix(".xlsx")
    textstream.save(wb, path)
    path.with_suffix(".notes").write_text("\n".join(textcells.altered(wb)))
    return path


def _cells(path: Path) -> dict[str, tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                out[f"{ws.title}!{c.coordinate}"] = (
                    c.value, c.data_type, c.number_format, c.quotePrefix, c.alignment.wrap_text,
                    c.alignment.vertical, c.font.b)
    return out


def test_streamed_cells_equal_the_cells_put_writes(tmp_path: Path) -> None:
    slow, fast = _book(tmp_path / "put", False), _book(tmp_path / "stream", True)
    want, got = _cells(slow), _cells(fast)
    for ref in ("Data!K2", "Data!K3", "Data!K4"):  # empty text: no value either way, format kept
        assert want[ref][0] is None and got[ref][:2] == (None, "n")
        want[ref] = got[ref] = want[ref][2:]
    assert got == want
    assert got["Data!B2"][:4] == ("=1+1", "s", "General", True)  # text, never a formula
    assert got["Data!I2"][0] == "x" * 32_767
    assert got["Data!Q2"][0] == dt.datetime(2026, 12, 3) and got["Data!Q2"][2] == "mm/dd/yyyy"
    assert got["Data!R2"][2] == "yyyy-mm-dd"  # a date in a General cell gets a date format
    assert got["Data!G2"][0] == "two\r\nlines\nthree"  # the CR kept
    # the cut and the replaced characters are recorded, cell by cell, as put records them
    notes = fast.with_suffix(".notes").read_text()
    assert notes == slow.with_suffix(".notes").read_text()
    assert "Data!I2: text cut" in notes and "Data!H4: control characters" in notes
    with zipfile.ZipFile(fast) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert 't="inlineStr"' in sheet and "<f>" not in sheet
    assert '<dimension ref="A1:U4"/>' in sheet
    # Excel's own _xHHHH_ escape in text is escaped (_x005F_): openpyxl shows it raw
    assert got["Data!U2"][0] == "lone \ufffd surrogate, \ufffd and ]]> and _x005F_x000D_ and 😀"
    assert "Data!U2: control characters" in notes


def test_calamine_reads_the_streamed_rows(tmp_path: Path) -> None:
    rows = CalamineWorkbook.from_path(str(_book(tmp_path / "s", True))).get_sheet_by_name(
        "Data").to_python()
    assert rows[0][0] == "Header"
    assert rows[1][:3] == ["plain text", "=1+1", "-not a formula"]
    assert rows[1][11] == 4711 and rows[1][14] is True and rows[1][16] == dt.date(2026, 12, 3)
    # calamine (like Excel) reads the escaped text as it was written
    assert rows[1][20] == "lone \ufffd surrogate, \ufffd and ]]> and _x000D_ and 😀"


def test_libreoffice_opens_the_streamed_workbook(tmp_path: Path) -> None:
    src = _book(tmp_path / "s", True)
    back = lo_convert(src, tmp_path / "lo")
    assert _cells(back)["Data!A2"][0] == "plain text"
    lo = openpyxl.load_workbook(back)["Data"]
    assert [lo.cell(3, c).value for c in (2, 12, 17)] == ["=1+1", 4711, dt.datetime(2026, 12, 3)]
    assert lo.cell(3, 2).data_type == "s"
    assert "_x000D_ and" in lo.cell(3, 21).value, lo.cell(3, 21).value  # read as written


@pytest.mark.parametrize("clash", ["cell", "row format", "same cell twice", "other type"])
def test_a_sheet_that_cannot_stream_exactly_goes_through_put(tmp_path: Path, clash: str) -> None:
    """A row openpyxl writes itself at or below the stream, a cell given twice, or a value of
    another type: the streamed cells are written by textcells.put, the same result."""
    import decimal

    wb = openpyxl.Workbook()
    ws = wb.active
    st = textstream.stream(ws)
    st.put(2, 1, "first")
    st.put(3, 1, 7)
    if clash == "cell":
        ws["C5"] = "openpyxl's own"
    elif clash == "row format":
        ws.row_dimensions[3].height = 40
    elif clash == "same cell twice":
        st.put(3, 1, "last wins")
    else:
        st.put(3, 2, decimal.Decimal("1.5"))
    out = tmp_path / "x.xlsx"
    textstream.save(wb, out)
    back = openpyxl.load_workbook(out).active
    assert back["A2"].value == "first"
    assert back["A3"].value == ("last wins" if clash == "same cell twice" else 7)
    if clash == "cell":
        assert back["C5"].value == "openpyxl's own"
    if clash == "row format":
        assert back.row_dimensions[3].height == 40
    if clash == "other type":
        assert back["B3"].value == 1.5


def test_a_failed_splice_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    wb = openpyxl.Workbook()
    textstream.stream(wb.active).put(2, 1, "x")

    def full_disk(*_a: Any, **_k: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(textstream, "_copy_spliced", full_disk)
    with pytest.raises(OSError):
        textstream.save(wb, tmp_path / "x.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]  # openpyxl's save only


@pytest.mark.parametrize("streamed", [False, True])
def test_a_cut_ends_at_a_line_so_no_half_tag_is_left(tmp_path: Path, streamed: bool) -> None:
    """Comments full of kept tags over 32,767 characters: the cut falls at a line's end, so
    every tag left reads back whole (no 'Completed\\n[poam-xl Milestone 446 Compl' value)."""
    from poam_xl import kept

    text = "".join(f"[poam-xl Milestone {k} Status] Completed\n" for k in range(1, 1200))
    assert len(text) > textcells.MAX_TEXT
    wb = openpyxl.Workbook()
    ws = wb.active
    if streamed:
        textstream.stream(ws).put(1, 1, text)
    else:
        textcells.put(ws, 1, 1, text)
    textstream.save(wb, tmp_path / "c.xlsx")
    assert textcells.altered(wb) == ["Sheet!A1: text cut to Excel's 32,767-character cell limit"]
    back = openpyxl.load_workbook(tmp_path / "c.xlsx").active["A1"].value
    assert textcells.MAX_TEXT - 2000 < len(back) <= textcells.MAX_TEXT
    _plain, tags = kept.split_tags(back)
    assert tags and {value for _s, _l, value in tags} == {"Completed"}
