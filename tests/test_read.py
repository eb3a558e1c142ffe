"""The reader finds tables by header text and keeps every value's cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from poam_xl import model, sample, template
from poam_xl.errors import TemplateError
from poam_xl.reader import Grid, read, read_grid
from tests.helpers import AS_OF, REALWORLD, make_book


def _value(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def test_reader_round_trips_the_generated_sample_exactly(tmp_path):
    path = make_book(tmp_path / "s.xlsx", sample=30)
    poam = read(path)
    rows, miles = sample.items(30, AS_OF)
    assert list(poam.items.frame.index) == list(range(template.FIRST_ROW, template.FIRST_ROW + 30))
    for rec, (_, got) in zip(rows, poam.items.frame.iterrows(), strict=True):
        for key, want in rec.items():
            assert _value(got[key]) == want, (rec["item_number"], key)
    assert len(poam.milestones.frame) == len(miles)
    for rec, (_, got) in zip(miles, poam.milestones.frame.iterrows(), strict=True):
        for key, want in rec.items():
            assert _value(got[key]) == want
    assert poam.header == sample.header(AS_OF)
    assert poam.header_cells["cage_code"] == f"C{template.HEADER_TOP + 1}"
    assert poam.items.letters["risk_level"] == "J"
    assert poam.items.cell("risk_level", 12) == "J12"
    assert poam.policy.days == {"High": 30, "Medium": 90, "Low": 180} and poam.policy_found
    assert poam.invalid == [] and poam.items.missing == [] and poam.items.duplicates == []


def _sheet_book(tmp_path: Path, rows: list[list], *, title_rows: int = 0, date1904: bool = False,
                name: str = "Findings list") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    for _ in range(title_rows):
        ws.append(["My company POA&M — draft"])
    for r in rows:
        ws.append(r)
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    path = tmp_path / "custom.xlsx"
    wb.save(path)
    return path


def test_moved_columns_aliases_title_rows_and_blank_rows(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Risk", "Item #", "Extra stuff", "Description", "Status (Open/Closed)", "Control",
         "Date Found", "Target Date"],
        ["high", 1, "x", "Weak passwords", "Open", "IA-5", dt.datetime(2024, 2, 29, 14, 30), "3/15/2024"],
        [None] * 8,
        ["Low", 2, None, "No banner", "closed", "AC-8", 45000, "2024-12-31"],
    ], title_rows=3)
    poam = read(path)
    f = poam.items.frame
    assert poam.items.header_row == 4 and poam.items.sheet == "Findings list"
    assert list(f.index) == [5, 7]  # the blank row is skipped, rows keep their Excel numbers
    assert poam.items.letters["risk_level"] == "A" and poam.items.letters["description"] == "D"
    assert poam.items.extra == {"Extra stuff": "C"}
    assert f.loc[5, "date_identified"] == pd.Timestamp("2024-02-29")  # time part dropped
    assert f.loc[5, "milestone_date"] == pd.Timestamp("2024-03-15")  # text date
    assert f.loc[7, "date_identified"] == pd.Timestamp("2023-03-15")  # serial number
    assert f.loc[7, "risk_level"] == "Low" and f.loc[5, "risk_level"] == "high"  # raw kept
    assert "mitigation" in poam.items.missing


def test_1904_workbook_dates(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Item Number", "Non-Compliance Description", "Status", "Risk Level", "Date Identified"],
        [1, "x", "Open", "High", dt.date(2024, 2, 29)],
        [2, "y", "Open", "High", 43538],  # a bare serial in a 1904 workbook
    ], date1904=True)
    poam = read(path)
    assert poam.date1904
    assert list(poam.items.frame["date_identified"]) == [pd.Timestamp("2024-02-29"),
                                                          pd.Timestamp("2023-03-15")]


def test_unparseable_values_are_recorded_with_their_cell(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Item Number", "Non-Compliance Description", "Status", "Risk Level", "Date Identified"],
        ["one", "x", "Open", "High", "next Tuesday"],
    ])
    poam = read(path)
    got = {(i.key, i.cell, i.value, i.expected) for i in poam.invalid}
    assert got == {("item_number", "A2", "one", "a whole number"),
                   ("date_identified", "E2", "next Tuesday", "a date")}


def test_duplicate_headers_first_one_wins(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Item Number", "Description", "Status", "Risk Level", "Status"],
        [1, "x", "Open", "High", "Closed"],
    ])
    poam = read(path)
    assert poam.items.duplicates == [("Status", ["C", "E"])]
    assert poam.items.frame.loc[2, "status"] == "Open"


def test_combined_dss_determination_column(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Item Number", "Non-Compliance Description", "Status", "Risk Level",
         "DSS Approval Date and Determination"],
        [1, "x", "Closed", "High", "Closed 03/01/2024"],
        [2, "y", "Open", "Low", "Open"],
    ])
    f = read(path).items.frame
    assert f.loc[2, "dss_determination"] == "Closed"
    assert f.loc[2, "dss_date"] == pd.Timestamp("2024-03-01")
    assert f.loc[3, "dss_determination"] == "Open" and pd.isna(f.loc[3, "dss_date"])


def test_header_block_inline_labels(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Company Name: Acme Corp", None, "CAGE Code:", "9Z9Z9"],
        ["POA&M Date", "2024-05-01"],
        [],
        ["Item Number", "Non-Compliance Description", "Status", "Risk Level"],
        [1, "x", "Open", "High"],
    ])
    poam = read(path)
    assert poam.header["company_name"] == "Acme Corp"
    assert poam.header["cage_code"] == "9Z9Z9" and poam.header_cells["cage_code"] == "D1"
    assert poam.header["poam_date"] == dt.date(2024, 5, 1)


def test_read_grid_matches_read(tmp_path):
    """The xlwings buttons hand bulk-read grids to read_grid: same result as reading the file."""
    path = make_book(tmp_path / "s.xlsx", sample=6)
    wb = openpyxl.load_workbook(path)
    grids = {ws.title: Grid([list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb}
    a, b = read(path), read_grid(grids)
    pd.testing.assert_frame_equal(a.items.frame, b.items.frame, check_dtype=False)
    assert a.header == b.header and a.policy == b.policy


def test_grid_with_offset_origin_keeps_cell_addresses():
    rows = [["Item Number", "Description", "Status", "Risk Level"], [7, "x", "Open", "High"]]
    poam = read_grid({"POA&M": Grid(rows, row0=5, col0=3)})
    assert poam.items.header_row == 5 and poam.items.letters["status"] == "E"
    assert list(poam.items.frame.index) == [6]


def test_no_table_is_a_template_error_naming_the_file(tmp_path):
    path = _sheet_book(tmp_path, [["hello", "world"], [1, 2]])
    with pytest.raises(TemplateError) as err:
        read(path)
    assert str(path) in str(err.value) and "Item Number" in str(err.value)


@pytest.mark.skipif(not REALWORLD.exists(), reason="../shared/realworld is absent")
def test_foreign_templates_are_not_mistaken_for_dss():
    for name, expected in (("fedramp-gov__FedRAMP-POAM-Template.xlsx", "fedramp-rev5-v2.1"),
                           ("ckl2POAM__POA&M Template.xlsm", "emass-classic")):
        with pytest.raises(TemplateError):
            read(REALWORLD / "workbooks" / name, layout="dss")
        assert read(REALWORLD / "workbooks" / name).template == expected  # default: any layout


def test_policy_sheet_values_are_read(tmp_path):
    def edit(wb):
        ws = wb[model.POLICY_SHEET]
        ws["B4"], ws["B7"] = 15, "business"
        ws["E4"], ws["E5"] = dt.date(2026, 12, 25), "2027-01-01"
    poam = read(make_book(tmp_path / "p.xlsx", sample=2, edit=edit))
    assert poam.policy.days["High"] == 15 and poam.policy.day_count == "business"
    assert poam.policy.holidays == (dt.date(2026, 12, 25), dt.date(2027, 1, 1))


def test_empty_header_value_does_not_swallow_the_next_label(tmp_path):
    path = _sheet_book(tmp_path, [
        ["Company Name:", None, "Security Costs:", "$5"],
        ["Item Number", "Non-Compliance Description", "Status", "Risk Level"],
        [1, "x", "Open", "High"],
    ])
    assert read(path).header["company_name"] is None


def test_a_workbook_under_another_extension_is_read_by_its_content(tmp_path):
    src = make_book(tmp_path / "s.xlsx", sample=3)
    renamed = tmp_path / "sent-as.xls"
    renamed.write_bytes(src.read_bytes())
    assert len(read(renamed).items.frame) == 3


def _corrupt_second_sheet(path: Path) -> Path:
    """A workbook whose second sheet calamine cannot parse (a number cell holding text)."""
    import zipfile

    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.create_sheet("Two")["A1"] = 2
    wb.save(path.with_suffix(".src.xlsx"))
    with zipfile.ZipFile(path.with_suffix(".src.xlsx")) as zin, zipfile.ZipFile(path, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<v>2</v>", b"<v>abc</v>")
            zout.writestr(name, data)
    return path


def test_sheets_parsed_in_worker_threads_read_exactly_as_in_one_thread(tmp_path, monkeypatch):
    """Big sheets are parsed by calamine in two threads (grids._ParsePool): every workbook -
    the shared real-world and fault files, a sample with error values and uncached formulas,
    one with a corrupt second sheet - gives the same grids, or the same error, either way."""
    from poam_xl import grids, isolate
    from poam_xl.errors import PoamXlError
    from poam_xl.package import inspect

    def with_problems(wb: openpyxl.Workbook) -> None:
        ws = wb[model.ITEMS.sheet]
        ws.cell(template.FIRST_ROW, 3).value = "=1/0"  # no cached value
        wb["Milestones"]["B2"] = "=NA()"

    paths = sorted(p for p in REALWORLD.parent.rglob("*") if p.suffix in (".xlsx", ".xlsm"))
    paths += [make_book(tmp_path / "problems.xlsx", sample=30, edit=with_problems),
              _corrupt_second_sheet(tmp_path / "corrupt.xlsx")]
    threaded = []
    real_parse = grids._ParsePool._parse

    def spy(self: grids._ParsePool, name: str) -> object:
        threaded.append(self.info.path)
        return real_parse(self, name)

    monkeypatch.setattr(grids._ParsePool, "_parse", spy)
    monkeypatch.setattr(isolate.SETTINGS, "enabled", False)  # in this process: the spy sees it

    def outcome(path: Path) -> object:
        try:
            return {n: (g.rows, g.row0, g.col0, g.state, g.merges, g.problems, g.long_text)
                    for n, g in grids.load_grids(inspect(path)).items()}
        except PoamXlError as exc:
            return str(exc)

    for path in paths:
        monkeypatch.setattr(grids, "PARALLEL_PART_BYTES", 10**12)
        alone = outcome(path)
        monkeypatch.setattr(grids, "PARALLEL_PART_BYTES", 0)
        assert outcome(path) == alone, path
    assert len(set(threaded)) >= 8  # the multi-sheet workbooks really went through the threads
    assert "sheet 'Two' is corrupt" in str(outcome(tmp_path / "corrupt.xlsx"))


def test_rows_built_in_a_worker_thread_fail_as_in_one_thread(tmp_path, monkeypatch):
    """A sheet parsed in a worker thread has its rows built there too; when building them
    fails (a Rust panic in calamine's to_python), the error is the one the calling thread
    gives: 'could not be read', naming the sheet, never a crash or another sheet's rows."""
    from poam_xl import grids, isolate
    from poam_xl.errors import WorkbookError
    from poam_xl.package import inspect

    class Sheet:
        def __init__(self, sheet: object, name: str) -> None:
            self.sheet, self.name = sheet, name

        def __getattr__(self, attr: str) -> object:
            return getattr(self.sheet, attr)

        def to_python(self, **kwargs: object) -> object:
            if self.name == "Two":
                raise RuntimeError("boom in to_python")
            return self.sheet.to_python(**kwargs)  # type: ignore[attr-defined]

    class Book:
        def __init__(self, wb: object) -> None:
            self.wb = wb

        def __getattr__(self, attr: str) -> object:
            return getattr(self.wb, attr)

        def get_sheet_by_name(self, name: str) -> Sheet:
            return Sheet(self.wb.get_sheet_by_name(name), name)  # type: ignore[attr-defined]

    real_open, real_parse = grids._open, grids._ParsePool._parse
    threads = set()

    def spy(self: grids._ParsePool, name: str) -> object:
        import threading

        threads.add(threading.current_thread().name.split("_")[0])
        return real_parse(self, name)

    monkeypatch.setattr(grids, "_open", lambda info: Book(real_open(info)))
    monkeypatch.setattr(grids._ParsePool, "_parse", spy)
    monkeypatch.setattr(isolate.SETTINGS, "enabled", False)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "one"
    wb.create_sheet("Two")["A1"] = "two"
    wb.create_sheet("Three")["A1"] = "three"
    wb.save(tmp_path / "three.xlsx")
    messages = []
    for size in (10**12, 0):  # one thread, then every sheet in the worker threads
        monkeypatch.setattr(grids, "PARALLEL_PART_BYTES", size)
        with pytest.raises(WorkbookError) as exc:
            grids.load_grids(inspect(tmp_path / "three.xlsx"))
        messages.append(str(exc.value))
    assert messages[0] == messages[1]
    assert threads == {"poam-xl-sheet"}  # the second time, the sheets went through the workers
    assert "sheet 'Two' could not be read (boom in to_python" in messages[0]
    assert "three.xlsx" in messages[0]
    monkeypatch.setattr(grids, "_open", real_open)
    grid = grids.load_grids(inspect(tmp_path / "three.xlsx"))
    assert [g.rows for g in grid.values()] == [[["one"]], [["two"]], [["three"]]]


def test_the_raw_cell_frame_is_built_on_first_read_only(tmp_path):
    """TableData.raw (the cell values as read) is built from the kept lists when first read:
    a copy compares equal and repr shows no frame without building one; once built, it holds
    the lists' values at the frame's rows."""
    import copy

    from poam_xl.reader import read

    poam = read(make_book(tmp_path / "s.xlsx", sample=12))
    items = poam.items
    assert items.__dict__.get("_raw") is None and items.raw_cells is not None
    assert copy.copy(items) == items and "raw=" not in repr(items)
    assert items.__dict__.get("_raw") is None  # neither built it
    assert items.raw_column("description") == items.raw_cells["description"]
    raw = items.raw
    assert raw is not None and raw is items.raw and list(raw.index) == list(items.frame.index)
    assert raw["description"].tolist() == items.raw_cells["description"]
    assert items.raw_column("description") == raw["description"].tolist()
