"""streamzip: a sheet part deflated in runs while its rows are made holds exactly what the part
deflated in one go holds, under the same zip entry, and every reader takes it."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from poam_xl import streamzip, textcells, textstream
from tests.test_writer_fast import LONG

WRAP = textcells.CellStyle(number_format="@")


def _book(path: Path, rows: int) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Header"
    put = textstream.stream(ws).put
    for r in range(2, 2 + rows):
        put(r, 1, f"row {r} & <text> \x01", WRAP)
        put(r, 2, r * 1.5)
        put(r, 3, "=1+1" if r % 7 else LONG)
    wb.create_sheet("Other")["B2"] = "untouched"
    textstream.save(wb, path)
    return path


def _entries(path: Path) -> list[tuple[object, ...]]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every CRC-32 right
        return [(i.filename, i.date_time if i.filename.endswith("sheet1.xml") else None,  # saved at
                 i.external_attr, i.flag_bits, i.compress_type, i.file_size, i.CRC,
                 i.extract_version, z.read(i)) for i in z.infolist()
                if i.filename != "docProps/core.xml"]  # the time of saving


@pytest.mark.parametrize("chunk", [50, 10_000, 10**9])  # many runs, a few, one
def test_runs_hold_what_one_deflate_holds(tmp_path: Path, monkeypatch, chunk: int) -> None:
    monkeypatch.setattr(textstream, "CHUNK", chunk)
    runs = _entries(_book(tmp_path / "runs.xlsx", 3000))
    monkeypatch.setattr(streamzip, "LIMIT", 0)  # the plain way: zipfile deflates the part
    plain = _entries(_book(tmp_path / "plain.xlsx", 3000))
    assert runs == plain
    wb = openpyxl.load_workbook(tmp_path / "runs.xlsx")
    assert wb.active["A3000"].value == "row 3000 & <text> \ufffd"
    assert wb.active["C3000"].value == "=1+1" and wb.active["C3000"].data_type == "s"
    cal = CalamineWorkbook.from_path(str(tmp_path / "runs.xlsx"))
    assert cal.get_sheet_by_index(0).to_python()[-1][:2] == ["row 3001 & <text> \ufffd", 4501.5]


def test_a_file_that_cannot_seek_gets_the_part_deflated_in_one_go(tmp_path: Path) -> None:
    class NoSeek:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            return self.fh.write(data)

        def flush(self):
            self.fh.flush()

        def seekable(self):
            return False

        def tell(self):
            raise OSError("cannot tell")

    deflater = streamzip.Deflater(1)
    deflater.add(b"<row/>" * 1000)
    with open(tmp_path / "x.zip", "wb") as raw:
        fh = NoSeek(raw)
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zout:  # type: ignore[arg-type]
            streamzip.write_part(zout, fh, "part.xml", b"<a>", deflater, b"", b"</a>")  # type: ignore[arg-type]
    with zipfile.ZipFile(tmp_path / "x.zip") as z:
        assert z.read("part.xml") == b"<a>" + b"<row/>" * 1000 + b"</a>"


def test_a_sheet_that_cannot_stream_leaves_no_worker_behind(tmp_path: Path) -> None:
    before = threading.active_count()
    wb = openpyxl.Workbook()
    put = textstream.stream(wb.active).put
    put(2, 1, "x")
    put(2, 1, "twice")  # one cell written twice: the sheet goes through textcells.put
    put(3, 1, float("nan"))
    textstream.save(wb, tmp_path / "t.xlsx")
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").active["A2"].value == "twice"
    assert threading.active_count() == before
