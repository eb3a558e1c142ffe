"""The layout corpus itself (tests/layout_corpus*.py): every case builds, opens with openpyxl and
python-calamine, and its Expect agrees with the cells written. No poam_xl import: these tests
check the corpus, not the reader."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, range_boundaries
from python_calamine import CalamineWorkbook

from tests.layout_corpus import CASES, PROFILES, Case, build_all, main
from tests.layout_corpus_base import Expect, Table, sheet_part

NAMES = [c.name for c in CASES]
DATE_TEXT = re.compile(r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}[-/]\d{1,2}[-/]\d{1,2})")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Case, Path]]:
    folder = tmp_path_factory.mktemp("layout-corpus")
    return {c.name: (c, p) for c, p in build_all(folder)}


@pytest.fixture(scope="module")
def books(built: dict[str, tuple[Case, Path]]) -> dict[str, Any]:
    return {name: openpyxl.load_workbook(path) for name, (_c, path) in built.items()}


def _date(text: str) -> dt.date | None:
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def matches(cell: Any, want: Any, *, within: bool = False) -> bool:
    """Does the cell value give ``want``? (dates may be text; ``within``: part of a longer text)."""
    if isinstance(cell, dt.datetime):
        cell = cell.date()
    if isinstance(want, dt.date):
        if isinstance(cell, dt.date):
            return cell == want
        return isinstance(cell, str) and want in {_date(t) for t in DATE_TEXT.findall(cell)} and (
            within or _date(cell.strip()) == want or cell.strip().endswith(DATE_TEXT.findall(cell)[-1]))
    if isinstance(want, str):
        if not isinstance(cell, str):
            return False
        text = cell.strip()
        if within:
            return want in text
        rest = text[len(want):].strip()
        return text == want or (text.startswith(want) and _date(rest) is not None)
    return cell == want


def _cell(ws: Any, letter: str, row: int) -> Any:
    return ws.cell(row, column_index_from_string(letter)).value


def _tables(e: Expect) -> tuple[Table, ...]:
    return (*e.tables, *e.milestone_tables)


def _nonempty(v: Any) -> bool:
    return v is not None and str(v).strip() != ""


# ---------------------------------------------------------------- the corpus as a whole
def test_corpus_covers_every_profile_and_enough_shapes() -> None:
    assert len(CASES) >= 14
    assert len(set(NAMES)) == len(NAMES)
    assert {c.expect.profile for c in CASES} == set(PROFILES)
    for c in CASES:
        assert c.source, c.name
        for t in _tables(c.expect):
            assert t.milestone_style in ("none", "rows", "lines")
            letters = [col.letter for col in t.columns]
            assert len(set(letters)) == len(letters), (c.name, t.sheet)


def test_main_writes_every_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    assert len(list(tmp_path.iterdir())) == len(CASES)
    assert len(capsys.readouterr().out.splitlines()) == len(CASES)
    assert main([]) == 2


# ---------------------------------------------------------------- per case
@pytest.mark.parametrize("name", NAMES)
def test_opens_with_openpyxl_and_calamine(name: str, built: dict, books: dict) -> None:
    case, path = built[name]
    wb = books[name]
    cal = CalamineWorkbook.from_path(str(path))
    assert cal.sheet_names == wb.sheetnames
    visible = {m.name: str(m.visible).rsplit(".", 1)[-1].lower() for m in cal.sheets_metadata}
    for t in _tables(case.expect):
        ws = wb[t.sheet]
        assert ws.sheet_state == t.sheet_state
        assert visible[t.sheet] == t.sheet_state.lower()
        rows = cal.get_sheet_by_name(t.sheet).to_python(skip_empty_area=False, nrows=t.header_row)
        header = rows[t.header_row - 1] if len(rows) >= t.header_row else []
        for col in t.columns:
            if col.row is None:
                i = column_index_from_string(col.letter) - 1
                assert (header[i] if i < len(header) else "") == col.header, (t.sheet, col)


@pytest.mark.parametrize("name", NAMES)
def test_header_cells_are_as_expected(name: str, built: dict, books: dict) -> None:
    case, _path = built[name]
    for t in _tables(case.expect):
        ws = books[name][t.sheet]
        for col in t.columns:
            value = _cell(ws, col.letter, col.row or t.header_row)
            assert value == (col.header or None), (t.sheet, col)
            if col.group is not None:
                top = t.header_rows[0]
                rng = next(r for r in ws.merged_cells.ranges
                           if (top, column_index_from_string(col.letter)) in r.cells)
                assert ws.cell(rng.min_row, rng.min_col).value == col.group
        known = {column_index_from_string(c.letter) for c in t.columns}
        stray = [c.coordinate for c in ws[t.header_row] if c.column not in known and _nonempty(c.value)]
        assert not stray, (t.sheet, stray)


@pytest.mark.parametrize("name", NAMES)
def test_item_rows_and_counts_agree_with_the_cells(name: str, built: dict, books: dict) -> None:
    case, _path = built[name]
    e = case.expect
    for t in e.tables:
        ws = books[name][t.sheet]
        desc = t.letter("description")
        ident = next((c.letter for c in t.columns if c.field == "item_number"), None)
        starts, previous = [], None
        for r in range(t.header_row + 1, t.last_row + 1):
            if r in t.skipped_rows or r == t.totals_row:
                continue
            key = (_cell(ws, desc, r), _cell(ws, ident, r) if ident else None)
            if _nonempty(key[0]) and key != previous:
                starts.append(r)
            previous = key if _nonempty(key[0]) else previous
        assert tuple(starts) == t.item_rows, t.sheet
        for r in t.skipped_rows:
            assert any(_nonempty(c.value) for c in ws[r]), (t.sheet, r)
        for row in ws.iter_rows(min_row=t.last_row + 1):
            for c in row:
                formula = isinstance(c.value, str) and c.value.startswith("=")
                assert c.row == t.totals_row or not _nonempty(c.value) or formula, c.coordinate
        if t.milestone_style == "rows":
            m = t.letter("milestone.milestone")
            count = sum(_nonempty(_cell(ws, m, r)) for r in range(t.header_row + 1, t.last_row + 1))
        elif t.milestone_style == "lines":
            m = t.letter("milestone.milestone")
            count = sum(len([x for x in str(_cell(ws, m, r) or "").splitlines() if x.strip()])
                        for r in t.item_rows)
        else:
            count = 0
        assert count == t.milestones, t.sheet
    for t in e.milestone_tables:
        ws = books[name][t.sheet]
        m = t.letter("milestone.milestone")
        rows = tuple(r for r in range(t.header_row + 1, ws.max_row + 1) if _nonempty(_cell(ws, m, r)))
        assert rows == t.item_rows and t.last_row == rows[-1]
    assert e.items == sum(len(t.item_rows) for t in e.tables)


def _milestone_cell(e: Expect, ws_of: Any, n: int, m: int, key: str) -> tuple[Any, bool]:
    """(cell value, is_part_of_a_text) of milestone m of item n's field ``key``."""
    if e.milestone_tables:
        t = e.milestone_tables[0]
        ws = ws_of(t.sheet)
        rows = [r for r in t.item_rows if _cell(ws, t.letter("milestone.item_number"), r) == n]
        return _cell(ws, t.letter("milestone." + key), rows[m - 1]), False
    t, row = e.locate(n)
    ws = ws_of(t.sheet)
    if t.milestone_style == "rows":
        try:
            return _cell(ws, t.letter("milestone." + key), row + m - 1), False
        except KeyError:  # eMASS classic: "text m/d/yyyy" in one cell per row
            return _cell(ws, t.letter("milestone.milestone"), row + m - 1), True
    letter = t.letter("milestone.milestone")
    lines = [x for x in str(_cell(ws, letter, row) or "").splitlines() if x.strip()]
    return lines[m - 1], True


@pytest.mark.parametrize("name", NAMES)
def test_expected_values_are_in_the_cells(name: str, built: dict, books: dict) -> None:
    case, _path = built[name]
    e = case.expect
    wb = books[name]
    for (n, key), want in e.values.items():
        if (n, key) in e.formulas:
            continue
        t, row = e.locate(n)
        ws = wb[t.sheet]
        try:
            letter = t.letter(key)
        except KeyError:  # no column of its own: read from another cell (eMASS 'Completed 11/13/2026')
            assert any(matches(c.value, want, within=True) for c in ws[row]), (n, key)
            continue
        cell = _cell(ws, letter, row)
        if isinstance(cell, str) and cell.startswith("="):  # an uncached formula: the reader computes it
            assert n in {i for i, _k in e.formulas}, (n, key)
            continue
        assert matches(cell, want), (n, key, cell)
    for (n, label), want in e.kept.items():
        t, row = e.locate(n)
        col = next(c for c in t.columns if c.label == label)
        assert col.field is None, label
        assert matches(_cell(wb[t.sheet], col.letter, row), want), (n, label)
    for (n, key), text in e.tagged.items():
        t, row = e.locate(n)
        cell = _cell(wb[t.sheet], t.letter(key), row)
        assert cell == text and _date(text) is None
    for (n, m, key), want in e.milestone_values.items():
        cell, within = _milestone_cell(e, lambda s: wb[s], n, m, key)
        assert matches(cell, want, within=within), (n, m, key, cell)
    for key, want in e.header.items():
        ws = wb[e.tables[0].sheet]
        above = [c.value for row in ws.iter_rows(max_row=e.tables[0].header_row - 1) for c in row]
        assert any(matches(v, want) for v in above), key
    for n, req in e.requirements.items():
        t, row = e.locate(n)
        found = re.search(r"(\d+)\.(\d+)\.(\d+)", str(_cell(wb[t.sheet], t.letter("cws"), row)))
        assert found and tuple(int(x) for x in found.groups()) == tuple(int(x) for x in req.split("."))


@pytest.mark.parametrize("name", [c.name for c in CASES if c.expect.formulas])
def test_formulas_have_no_cached_value(name: str, built: dict, books: dict) -> None:
    case, path = built[name]
    for (n, key), formula in case.expect.formulas.items():
        t, row = case.expect.locate(n)
        ref = f"{t.letter(key)}{row}"
        assert books[name][t.sheet][ref].value == formula
        with zipfile.ZipFile(path) as z:
            xml = z.read(sheet_part(path, t.sheet)).decode()
        cell = re.search(rf'<c r="{ref}"[^>]*>(.*?)</c>', xml)
        assert cell and "<f>" in cell.group(1) and "<v>" not in cell.group(1)


# ---------------------------------------------------------------- special shapes
def test_libreoffice_file_is_small_but_runs_to_row_1048576(built: dict) -> None:
    case, path = built["fedramp-libreoffice"]
    assert path.stat().st_size < 200_000
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part(path, case.expect.tables[0].sheet)).decode()
    assert '<row r="1048576"' in xml and '<dimension ref="A1:AMJ1048576"/>' in xml
    assert xml.count("<row ") > 29_000


def test_excel_table_part_covers_its_rows(built: dict, books: dict) -> None:
    case, path = built["cmmc-excel-table"]
    t = case.expect.tables[0]
    table = books[case.name][t.sheet].tables[t.excel_table]
    assert table.ref == t.table_ref and table.totalsRowCount == 1
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    letters = [column_index_from_string(c.letter) for c in t.columns]
    assert (min_row, max_row, min_col, max_col) == (t.header_row, t.totals_row, min(letters), max(letters))
    assert max(t.item_rows) < max_row == t.last_row + 1
    assert table.autoFilter.ref == f"A{t.header_row}:J{t.last_row}"
    assert [c.name for c in table.tableColumns] == [c.header for c in t.columns]
    assert t.excel_table in CalamineWorkbook.from_path(str(path), load_tables=True).table_names


def test_js_library_case_is_written_sheetjs_style(built: dict) -> None:
    _case, path = built["generic-js-library"]
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" not in z.namelist()
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert 't="str"' in xml and 't="s"' not in xml and "inlineStr" not in xml


def test_xlsm_cases_have_the_macro_enabled_content_type(built: dict) -> None:
    xlsm = [p for _c, p in built.values() if p.suffix == ".xlsm"]
    assert len(xlsm) >= 2
    for path in xlsm:
        with zipfile.ZipFile(path) as z:
            assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in z.read("[Content_Types].xml")


def test_very_hidden_sheet_is_very_hidden_in_the_file(built: dict) -> None:
    _case, path = built["generic-very-hidden"]
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert re.search(r'<sheet [^>]*name="Data"[^>]*state="veryHidden"', workbook)
