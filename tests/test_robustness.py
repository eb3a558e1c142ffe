"""Issue 14: no input kills the process, budgets, compare-and-swap in-place writes, symlinks,
file-system errors, names, JSON/CSV values, over-long text, the shared hostile cases."""

from __future__ import annotations

import errno
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from poam_xl import batch, write
from poam_xl.cli import app
from poam_xl.errors import WriteError, shown
from poam_xl.grids import TOO_LONG
from poam_xl.package import Limits, inspect, scan_sheets
from poam_xl.sheetbound import quick_bound
from poam_xl.sheetscan import SheetScan, scan_part
from tests import corpus
from tests.helpers import AS_OF, SHARED, make_book, sha256

RUNNER = CliRunner()
# the fuzz profile's settings (tests/test_fuzz.py): derandomized, untimed
FUZZ = {"max_examples": 25, "deadline": None, "derandomize": True, "database": None,
        "suppress_health_check": list(HealthCheck)}
FAR_NS = SHARED / "cases" / "robustness" / "far-ns-prefix.xlsx"
INJECT = SHARED / "cases" / "robustness" / "inject.xlsx"
DAY = ["--as-of", AS_OF.isoformat()]


def cli(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, [*args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_book(tmp_path_factory.mktemp("book") / "poam.xlsx")


# ---------------------------------------------------------------- 1. no input kills the process
@pytest.mark.parametrize("verb", ["validate", "update", "convert", "diff", "review", "import",
                                  "annotate"])
def test_far_ns_prefix_is_one_line_exit_2_in_every_verb(verb: str, tmp_path: Path, book: Path
                                                        ) -> None:
    f = str(FAR_NS)
    args = {"validate": ["validate", f], "update": ["update", f, "-o", str(tmp_path / "u.xlsx")],
            "convert": ["convert", f, str(tmp_path / "c.json")], "diff": ["diff", f, str(book)],
            "review": ["review", f, "-o", str(tmp_path / "r"), "--no-pdf"],
            "import": ["import", str(SHARED / "cases" / "layouts" / "05-ckl-multi-stig.ckl"),
                       "--into", f, "-o", str(tmp_path / "i.xlsx")],
            "annotate": ["validate", f, "--output", str(tmp_path / "rep"), "--annotate"]}[verb]
    code, out = cli(*args, *DAY)
    assert code == 2, out
    lines = [line for line in out.splitlines() if "far-ns-prefix.xlsx" in line]
    assert lines and "reaches column 16,384" in out and "Traceback" not in out


def test_an_abort_in_a_batch_worker_prints_no_backtrace(tmp_path: Path, book: Path) -> None:
    """Two files with --jobs 2 run in pool workers: calamine's abort there (limits raised past
    the scanner) prints no Rust backtrace on the console's stderr, only the one line."""
    import subprocess
    import sys

    raised = ["--max-columns", "20000", "--max-rows", "2000000", "--max-cells", str(10**12),
              "--memory-mb", "1500", "--jobs", "2"]
    proc = subprocess.run([sys.executable, "-m", "poam_xl", "validate", str(FAR_NS), str(book),
                           *raised, *DAY], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2, proc.stderr
    assert "backtrace" not in proc.stderr and "memory allocation" not in proc.stderr
    assert "far-ns-prefix.xlsx: UNREADABLE" in proc.stdout + proc.stderr


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("twin", ["xl/worksheets/Sheet1.xml", "xl\\worksheets\\sheet1.xml",
                                  "xl/worksheets/sheet1.xml"])
def test_two_parts_with_one_name_are_refused(twin: str, tmp_path: Path, book: Path) -> None:
    """A second sheet part named in another letter case (or with backslashes) holding a far
    cell: one reader would take one, another the other. Refused in one line."""
    src = tmp_path / "twin.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
        zout.writestr(twin, '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                            '2006/main"><sheetData><row r="1048576"><c r="XFD1048576"><v>1</v>'
                            '</c></row></sheetData></worksheet>')
    code, out = cli("validate", str(src), *DAY)
    assert code == 2, out
    assert ("two parts with one name" in out or "stored twice" in out), out
    assert out.count("\n") <= 2, out


def test_an_abort_past_the_scanner_is_one_line(tmp_path: Path) -> None:
    """Limits raised so the scanner lets the sheet through: python-calamine then aborts on a
    550 GB allocation, in the capped child only: one line naming the file, exit 2."""
    raised = ["--max-columns", "20000", "--max-rows", "2000000", "--max-cells", str(10**12),
              "--memory-mb", "1500"]
    for args in (["validate", str(FAR_NS)], ["convert", str(FAR_NS), str(tmp_path / "x.json")]):
        code, out = cli(*args, *raised)
        assert code == 2, out
        assert "reader process died" in out and "far-ns-prefix.xlsx" in out
        assert "panicked" not in out and "backtrace" not in out


def test_strict_ooxml_read_everywhere_written_nowhere(tmp_path: Path) -> None:
    path = tmp_path / "strict.xlsx"
    path.write_bytes(corpus.strict(corpus.base_bytes()))
    assert inspect(path).strict
    report = batch.check_file(path, batch.BatchOptions(as_of=AS_OF))
    assert report["status"] != "unreadable" and report["summary"]["items"] == 6
    code, out = cli("convert", str(path), str(tmp_path / "s.json"))
    assert code == 0, out
    code, out = cli("diff", str(path), str(path))
    assert code == 0, out
    for args in (["update", str(path), "--in-place"], ["import", str(
            SHARED / "cases" / "layouts" / "05-ckl-multi-stig.ckl"), "--into", str(path), "-o",
            str(tmp_path / "i.xlsx")]):
        before = sha256(path)
        code, out = cli(*args, *DAY)
        assert code == 2 and "Strict Open XML" in out and "no sheet named" not in out, out
        assert sha256(path) == before
    annotated = batch.check_file(path, batch.BatchOptions(as_of=AS_OF),
                                 annotate_to=str(tmp_path / "fb.xlsx"))
    assert annotated["status"] != "unreadable"  # the output problem is not the input's
    assert "Strict Open XML" in annotated["annotate_error"]


def _tokenized(data: bytes) -> SheetScan:
    return scan_part(io.BytesIO(data), "sheet.xml")


def test_tokenizer_finds_the_true_extent() -> None:
    prefixed = corpus.prefixed_sheet(b'<row r="2"><c r="C2" t="e"><v>#N/A</v></c>'
                                     b'<c r="D2"><f>1+1</f></c></row>')
    scan = _tokenized(prefixed)
    assert scan.errors == {(2, 3): "#N/A"} and scan.uncached == {(2, 4): "1+1"}
    assert quick_bound(prefixed) is None  # prefixed: never the byte bound
    utf16 = corpus.sheet_xml(b'<row r="9"><c r="ZZ9"><v>1</v></c></row>', "A1:ZZ9").decode()
    utf16_part = b"\xff\xfe" + utf16.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le")
    assert quick_bound(utf16_part) is None  # bytes searches cannot read UTF-16: tokenize
    assert (_tokenized(utf16_part).last_row, _tokenized(utf16_part).last_col) == (9, 702)
    quoted = corpus.sheet_xml(b"<row r='4'><c s='1' r='b4'><v>1</v></c><c><v>2</v></c></row>"
                              b"<row><c><v>3</v></c></row>")
    scan = _tokenized(quoted)
    assert (scan.first_row, scan.last_row, scan.first_col, scan.last_col) == (4, 5, 1, 3)
    assert scan.content_rows == 2 and scan.cells == 3
    empty = corpus.sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row>'
                             b'<row r="1048576"><c r="XFD1048576" s="3"/></row>')
    scan = _tokenized(empty)
    assert (scan.last_row, scan.last_col, scan.content_rows) == (1, 1, 1)  # styled only: free


CELL = st.tuples(st.integers(1, 300), st.integers(1, 60))


@settings(**FUZZ)
@given(cells=st.lists(CELL, min_size=1, max_size=12),
       style=st.sampled_from(["plain", "single", "r-last", "no-r", "prefixed", "dimension",
                              "true-dimension", "wide-dimension", "styled", "errors"]),
       dimension=st.tuples(st.integers(1, 400), st.integers(1, 80)))
def test_byte_bound_never_undercounts(cells: list[tuple[int, int]], style: str,
                                      dimension: tuple[int, int]) -> None:
    """Whatever the serialisation and whatever the ``<dimension>`` claims, the quick bound is
    None or covers the tokenizer's extent with the same error cells and uncached formulas, and
    the tokenizer's extent is the one python-calamine allocates."""
    from openpyxl.utils import get_column_letter
    from python_calamine import CalamineWorkbook

    rows: dict[int, list[int]] = {}
    for r, c in cells:
        rows.setdefault(r, []).append(c)
    parts = []
    for r in sorted(rows):
        cs = []
        for c in sorted(set(rows[r])):
            ref = f"{get_column_letter(c)}{r}"
            plain = f'<c r="{ref}"><v>1</v></c>'
            cs.append({"single": f"<c r='{ref}'><v>1</v></c>", "r-last": f'<c s="0" r="{ref}"><v>1</v></c>',
                       "styled": f'<c r="{ref}" s="3" t="n"><v>1</v></c>' if c % 2 else
                       f'<c r="{ref}" t="s" s="2"/>',
                       "errors": f'<c r="{ref}" s="1" t="e"><v>#N/A</v></c>' if c % 3 == 0 else
                       f'<c r="{ref}" t="str"><f>1+{c}</f></c>' if c % 6 == 1 else
                       f'<c r="{ref}" s="2"><f>2+{c}</f></c>' if c % 6 == 4 else plain,
                       }.get(style, plain))
        parts.append(f'<row r="{r}">' + "".join(cs) + "</row>")
    body = "".join(parts).encode()
    last = (max(r for r, _ in cells), max(c for _, c in cells))
    dim = {"dimension": "A1:B2", "true-dimension": f"A1:{get_column_letter(last[1])}{last[0]}",
           "wide-dimension": f"A1:{get_column_letter(dimension[1])}{dimension[0]}",
           "errors": f"A1:{get_column_letter(last[1])}{last[0]}",
           "styled": f"A1:{get_column_letter(dimension[1])}{last[0]}"}.get(style, "A1")
    data = corpus.prefixed_sheet(body) if style == "prefixed" else corpus.sheet_xml(body, dim)
    exact = _tokenized(data)
    bound = quick_bound(data)
    if bound is not None and exact.cells:  # (cells styled only, with no content: nothing to cover)
        assert bound.first_row <= exact.first_row and bound.last_row >= exact.last_row
        assert bound.first_col <= exact.first_col and bound.last_col >= exact.last_col
        assert bound.content_rows >= exact.content_rows
        assert bound.cells >= exact.cells and bound.span >= exact.span  # what the budgets add up
        assert (bound.errors, bound.uncached) == (exact.errors, exact.uncached)
    if style in ("true-dimension", "styled", "errors"):  # the plain serialisation: bounded
        assert bound is not None
    if style == "true-dimension":  # ... by the one search over plain cell tags: the dimension
        assert bound is not None and (bound.last_row, bound.last_col) == last
    buf = io.BytesIO()
    book_bytes = corpus.rewrite(corpus.base_bytes(0), {"xl/worksheets/sheet1.xml": data})
    buf.write(book_bytes)
    buf.seek(0)
    sh = CalamineWorkbook.from_filelike(buf).get_sheet_by_name("Instructions")
    if style in ("errors", "styled"):  # calamine skips formulas without a value: within
        assert sh.start is None or (
            exact.first_row <= sh.start[0] + 1 and sh.end[0] + 1 <= exact.last_row
            and exact.first_col <= sh.start[1] + 1 and sh.end[1] + 1 <= exact.last_col)
    else:
        assert (sh.start[0] + 1, sh.start[1] + 1) == (exact.first_row, exact.first_col)
        assert (sh.end[0] + 1, sh.end[1] + 1) == (exact.last_row, exact.last_col)


def test_a_dimension_wider_than_its_cells_never_refuses_a_workbook(tmp_path: Path) -> None:
    """Two sheets whose <dimension> claims 19,000 x 500 cells each but hold two: their byte
    bounds (9.5 million cells each) together pass the workbook's 10 million only once the
    bounds are made exact (the tokenizer); the workbook is read, and its budget is what the
    sheets really hold."""
    from poam_xl.validation import validate

    loose = corpus.sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>',
                             "A1:SF19000")
    bound = quick_bound(loose)
    assert bound is not None and bound.span == 9_500_000  # the dimension's: an upper bound
    data = corpus.rewrite(corpus.many_sheets(corpus.base_bytes(6), 2),
                          {f"xl/worksheets/extra{i}.xml": loose for i in range(2)})
    path = tmp_path / "wide-dimension.xlsx"
    path.write_bytes(data)
    scans = scan_sheets(inspect(path))
    assert (scans["x0"].span, scans["x1"].span, scans["x1"].exact) == (2, 2, True)
    assert validate(path, as_of=AS_OF).errors == 0
    code, out = cli("validate", str(path), "--as-of", "2026-11-25")
    assert code == 0 and "UNREADABLE" not in out, out


def test_a_cell_with_two_r_attributes_is_never_bounded_by_its_first(tmp_path: Path) -> None:
    """calamine places a cell by its last r attribute; the byte searches read the first: such a
    part is left to the tokenizer, which refuses the duplicate attribute (the library call
    would otherwise allocate a 17-billion-cell grid and abort the process)."""
    from poam_xl.errors import WorkbookError
    from poam_xl.reader import read

    for tag in (b'<c r="B2" r="XFD1048576">', b'<c r="B2" s="1" r="XFD1048576">',
                b'<c r="B2"r="XFD1048576">'):
        part = corpus.sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">' + tag
                                + b"<v>1</v></c></row>", "A1:B2")
        assert quick_bound(part) is None, tag
        path = tmp_path / "two-r.xlsx"
        path.write_bytes(corpus.rewrite(corpus.base_bytes(0), {"xl/worksheets/sheet1.xml": part}))
        with pytest.raises(WorkbookError, match="XML"):
            read(path)


def test_the_byte_bound_reads_error_and_formula_text_as_the_tokenizer() -> None:
    """An error cell without text is blank; error and formula texts are unescaped with their
    line ends normalised; a shared formula whose f tag is single-quoted is left to the
    tokenizer (the searches read double quotes only)."""
    rows = (b'<row r="1"><c r="A1" t="e"><v></v></c><c r="B1" t="e"><v>#N&#47;A</v></c>'
            b'<c r="C1"><f>IF(A1&lt;2,\r\n"x",\r"y")</f></c></row>')
    part = corpus.sheet_xml(rows, "A1:C1")
    bound, exact = quick_bound(part), _tokenized(part)
    assert bound is not None
    assert (bound.errors, bound.uncached) == (exact.errors, exact.uncached)
    assert bound.errors == {(1, 2): "#N/A"} and bound.uncached == {(1, 3): 'IF(A1<2,\n"x",\n"y")'}
    shared = corpus.sheet_xml(b'<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2</f></c></row>'
                              b"<row r=\"3\"><c r=\"A3\"><f t='shared' si=\"0\"/></c></row>", "A1:A3")
    assert quick_bound(shared) is None
    assert _tokenized(shared).uncached == {(2, 1): "B2", (3, 1): "B3"}


def test_scanning_is_linear_in_the_sheets(tmp_path: Path) -> None:
    """1,206 sheets with --max-sheets raised: scanned (one zip directory read, not one per
    sheet); the budget holds."""
    path = tmp_path / "many.xlsx"
    path.write_bytes(corpus.many_sheets(corpus.base_bytes(), 1_200))
    info = inspect(path, Limits(max_sheets=5_000))
    scans = scan_sheets(info, Limits(max_sheets=5_000))
    assert len(scans) == 1_206 and scans["x7"].last_row == 1


# ---------------------------------------------------------------- 3, 4: compare and swap, links
def _rival(other: bytes):  # noqa: ANN202 - a hook
    def hook(target: Path) -> None:
        target.write_bytes(other)  # another program saves between read and rename

    return hook


@pytest.mark.parametrize("rival", ["other workbook", "same bytes, new mtime", "same size",
                                   "replaced file"])
def test_race_between_read_and_rename_is_detected(rival: str, tmp_path: Path, book: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from poam_xl.update import update_file

    for attempt in range(3):  # every time, not once
        path = tmp_path / f"p{attempt}.xlsx"
        path.write_bytes(book.read_bytes())
        other = make_book(tmp_path / f"other{attempt}.xlsx", sample=3).read_bytes()

        def hook(target: Path, other: bytes = other) -> None:
            data = target.read_bytes()
            if rival == "other workbook":
                target.write_bytes(other)
            elif rival == "same bytes, new mtime":
                st_ = target.stat()
                os.utime(target, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**9))
            elif rival == "same size":
                target.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
            else:  # saved to a new file and renamed over (another inode)
                (target.parent / "new.tmp").write_bytes(data)
                os.replace(target.parent / "new.tmp", target)

        monkeypatch.setattr(write, "BEFORE_SWAP", [hook])
        theirs_before = None
        with pytest.raises(WriteError) as err:
            update_file(path, None, as_of=AS_OF)
        theirs_before = path.read_bytes()
        assert "not written" in str(err.value) and "conflict-" in str(err.value)
        conflicts = list(tmp_path.glob(f"p{attempt}.conflict-*.xlsx"))
        assert len(conflicts) == 1 and zipfile.is_zipfile(conflicts[0])
        assert path.read_bytes() == theirs_before  # the other program's version is kept
        assert not list(tmp_path.glob(".p*.tmp"))


def test_import_in_place_race_is_detected(tmp_path: Path, book: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from poam_xl.importers.apply import import_into

    path = tmp_path / "poam.xlsx"
    path.write_bytes(book.read_bytes())
    other = make_book(tmp_path / "other.xlsx", sample=2).read_bytes()
    monkeypatch.setattr(write, "BEFORE_SWAP", [_rival(other)])
    with pytest.raises(WriteError, match="not written"):
        import_into([SHARED / "cases" / "layouts" / "05-ckl-multi-stig.ckl"], path, in_place=True,
                    as_of=AS_OF)
    assert path.read_bytes() == other
    assert list(tmp_path.glob("poam.conflict-*.xlsx"))


def test_in_place_through_a_symlink_and_backup(tmp_path: Path, book: Path) -> None:
    real = tmp_path / "real" / "poam.xlsx"
    real.parent.mkdir()
    real.write_bytes(book.read_bytes())
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    code, out = cli("update", str(link), "--in-place", "--backup", *DAY)
    assert code == 0, out
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != before  # the target was updated
    assert (real.parent / "poam.bak.xlsx").read_bytes() == before  # the version that was read


# ---------------------------------------------------------------- 6. file-system errors, names
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.ENAMETOOLONG,
                                  errno.EISDIR])
def test_file_system_errors_are_one_line_naming_the_output(code: int, tmp_path: Path, book: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace

    def failing(src: str, dst: str) -> None:
        if str(dst).endswith("out.xlsx"):
            raise OSError(code, os.strerror(code), str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    exit_code, out = cli("update", str(book), "-o", str(tmp_path / "out.xlsx"), *DAY)
    assert exit_code == 2, out
    assert "out.xlsx" in out and os.strerror(code).lower()[:12] in out.lower()
    assert "internal error" not in out and "poam.xlsx:" not in out


def test_disk_full_on_a_feedback_copy_never_marks_the_input(tmp_path: Path, book: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.tmp"))

    monkeypatch.setattr("poam_xl.xlsxpatch.Workbook.save", full)
    result = batch.check_file(book, batch.BatchOptions(as_of=AS_OF),
                              annotate_to=str(tmp_path / "fb.xlsx"))
    assert result["status"] != "unreadable" and result["error"] is None
    assert "no space left" in result["annotate_error"]


def test_long_and_crafted_names(tmp_path: Path, book: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    long = inbox / ("x" * 249 + ".xlsx")  # 254 bytes
    long.write_bytes(book.read_bytes())
    evil = inbox / "evil\n[1 of 1] fake.xlsx: ok\u202e.xlsx"
    evil.write_bytes(b"not a workbook")
    code, out = cli("validate", str(inbox), "--output", str(tmp_path / "rep"), "--annotate",
                    "--jobs", "1", *DAY)
    assert code == 2, out  # the crafted one is unreadable; the long one validated
    assert "fake.xlsx: ok\\u202e" in out and "\n[1 of 1] fake.xlsx: ok" not in out
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    by_path = {Path(f["path"]).name: f for f in summary["files"]}
    assert by_path[long.name]["status"] != "unreadable"
    assert (tmp_path / "rep" / by_path[long.name]["report"]).exists()
    assert (tmp_path / "rep" / by_path[long.name]["feedback"]).exists()
    # an output name of 250 bytes: the temp name still fits NAME_MAX
    code, out = cli("update", str(book), "-o", str(tmp_path / ("y" * 245 + ".xlsx")), *DAY)
    assert code == 0, out


def test_shown_escapes_controls_and_bidi() -> None:
    assert shown("a\nb\u202ec\x1b[2J.xlsx") == "a\\nb\\u202ec\\x1b[2J.xlsx"


# ---------------------------------------------------------------- issue 17 items 9 and 10
def test_xls_in_folder_is_read_and_listed(tmp_path: Path) -> None:
    folder = SHARED / "cases" / "desk" / "b-xls-in-folder"
    code, out = cli("validate", str(folder), "--output", str(tmp_path / "rep"), "--format", "csv",
                    *DAY)
    summary = (tmp_path / "rep" / "summary.csv").read_text()
    assert "site-legacy.xls" in summary and "good.xlsm" in summary
    files = json.loads((tmp_path / "rep" / "summary.json").read_text())["files"]
    xls = next(f for f in files if f["path"].endswith(".xls"))
    assert xls["status"] != "unreadable" and xls["summary"]["items"] > 0
    code, out = cli("update", str(folder / "site-legacy.xls"), "-o", str(tmp_path / "u.xlsx"))
    assert code == 2 and "write-back needs .xlsx/.xlsm" in out


def test_same_file_names_map_back_to_their_reports(tmp_path: Path, book: Path) -> None:
    for site in ("site-a", "site-b"):
        (tmp_path / "inbox" / site).mkdir(parents=True)
        (tmp_path / "inbox" / site / "poam.xlsx").write_bytes(book.read_bytes())
    cli("validate", str(tmp_path / "inbox"), "--output", str(tmp_path / "rep"), "--annotate",
        "--jobs", "1", *DAY)
    files = json.loads((tmp_path / "rep" / "summary.json").read_text())["files"]
    assert len({f["report"] for f in files}) == 2 and len({f["feedback"] for f in files}) == 2
    for f in files:
        assert json.loads((tmp_path / "rep" / f["report"]).read_text())["path"] == f["path"]


# ---------------------------------------------------------------- 7. JSON and CSV values
@pytest.mark.parametrize("body, says", [
    ('{"profiles":[{"controls":[{"id":"V-1","impact":NaN}]}]}', "NaN is not a JSON value"),
    ('{"profiles":[{"controls":[{"id":"V-1","impact":Infinity}]}]}', "Infinity is not"),
    ('{"profiles":[{"controls":[{"id":"V-1","impact":1e400}]}]}', "1e400 is out of range"),
    ('{"profiles":' + "[" * 3000 + "]" * 3000 + "}", "nested deeper than 64"),
])
def test_bad_json_values_are_one_line(body: str, says: str, tmp_path: Path, book: Path) -> None:
    src = tmp_path / "scan-hdf.json"
    src.write_text(body)
    code, out = cli("import", str(src), "--into", str(book), "-o", str(tmp_path / "o.xlsx"))
    assert code == 2 and says in out and "scan-hdf.json" in out, out
    doc = tmp_path / "items.json"
    doc.write_text('{"poam-xl": "1", "format": "poam-xl/items-1", "items": [{"item_number": NaN}]}')
    code, out = cli("convert", str(doc), str(tmp_path / "o2.xlsx"), "--from", "json")
    assert code == 2 and "NaN" in out and "internal error" not in out, out


def test_huge_csv_field_is_one_line(tmp_path: Path, book: Path) -> None:
    src = tmp_path / "big.csv"
    src.write_text('item_number,description\n1,"' + "x" * 2_000_000 + '"\n')
    code, out = cli("convert", str(src), str(tmp_path / "o.xlsx"))
    assert code == 2 and "big.csv" in out and "longer than 1,048,576" in out, out


# ---------------------------------------------------------------- 5, 8: writers
HOSTILE = st.sampled_from(["=1+1", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", " =1",
                           "=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "=", "==", "'=x"])


@settings(**{**FUZZ, "max_examples": 6})
@given(texts=st.lists(st.tuples(HOSTILE, st.text(st.characters(codec="utf-8", categories=(
    "L", "N", "P", "S", "Zs")), max_size=8)), min_size=1, max_size=3))
def test_every_writer_keeps_text_text(texts: list[tuple[str, str]], tmp_path_factory:
                                      pytest.TempPathFactory) -> None:
    """Every workbook poam-xl writes with openpyxl, over hostile strings: no cell is a formula
    (the only formulas are none: our writers put none in these cells)."""
    from poam_xl import convert, diff, diff_workbook, review
    from poam_xl.reader import read

    folder = tmp_path_factory.mktemp("writers")
    values = [a + b for a, b in texts]

    def edit(wb: object) -> None:
        ws = wb["POA&M"]  # type: ignore[index]
        for i, v in enumerate(values):
            for key in ("description", "mitigation", "owner", "comments", "assets"):
                ws[f"{corpus.col_letter_of(corpus.model.ITEMS.keys.index(key) + 1)}{12 + i}"] = v

    src = make_book(folder / "src.xlsx", edit=edit)
    poam = read(src)
    outputs = []
    for fmt in ("dss", "fedramp", "emass"):
        out = folder / f"{fmt}.xlsx"
        convert.get(fmt).write(poam, out, as_of=AS_OF)  # type: ignore[misc]
        outputs.append(out)
    d = diff.diff_files(src, src, AS_OF)
    outputs.append(diff_workbook.to_xlsx(d, folder / "diff.xlsx"))
    pack = review.make_pack(src, folder / "rev", as_of=AS_OF, pdf=False)
    outputs += list((folder / "rev").glob("*.xlsx"))
    assert pack is not None
    for out in outputs:
        with zipfile.ZipFile(out) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), (out, name)


def test_inject_case_stays_text(tmp_path: Path) -> None:
    for to in ("fedramp", "emass", "dss"):
        out = tmp_path / f"{to}.xlsx"
        code, text = cli("convert", str(INJECT), str(out), "--to", to, *DAY)
        assert code == 0, text
        import openpyxl

        wb = openpyxl.load_workbook(out)
        risky = [c for ws in wb for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
        assert risky and all(c.data_type == "s" for c in risky)
        assert all(c.quotePrefix for c in risky if c.value.startswith(("=", "+", "@")))
        with zipfile.ZipFile(out) as zf:
            assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if "worksheets/" in n)


def test_over_long_text_is_cut_with_a_line(tmp_path: Path) -> None:
    from poam_xl import convert, textcells
    from poam_xl.reader import read

    src = tmp_path / "long.xlsx"
    src.write_bytes(corpus.rewrite(corpus.base_bytes(), {corpus.ITEMS_PART: corpus.over_long}))
    poam = read(src)
    assert any(i.expected == TOO_LONG for i in poam.invalid)
    poam.items.frame.loc[poam.items.frame.index[0], "description"] = "y" * 40_000
    conv = convert.get("fedramp").write(poam, tmp_path / "f.xlsx")  # type: ignore[misc]
    assert any("cut to fit" in n for n in conv.notes)
    assert textcells.MAX_TEXT == 32_767


# ---------------------------------------------------------------- the isolation module
def _sleep() -> None:
    import time

    time.sleep(30)


def _abort() -> None:
    os.abort()


def _refuse() -> None:
    from poam_xl.errors import LimitExceededError

    raise LimitExceededError("too big", path="x.xlsx", cell="B2")


def test_isolate_turns_deaths_and_hangs_into_one_line() -> None:
    from poam_xl import isolate
    from poam_xl.errors import LimitExceededError, WorkbookError

    assert isolate.run(sum, [1, 2, 3], path="p.xlsx") == 6
    with pytest.raises(WorkbookError, match=r"reader process died .*SIGABRT") as died:
        isolate.run(_abort, path="p.xlsx")
    assert str(died.value).startswith("p.xlsx: ")
    with pytest.raises(LimitExceededError, match=r"took longer than 0.5 s"):
        isolate.run(_sleep, path="p.xlsx", timeout=0.5)
    with pytest.raises(LimitExceededError) as err:  # the child's own error, as it was raised
        isolate.run(_refuse, path="p.xlsx")
    assert (err.value.reason, err.value.path, err.value.cell) == ("too big", "x.xlsx", "B2")


def _import_fails() -> None:
    raise ImportError("x.so: failed to map segment from shared object")


def test_a_cap_too_low_is_named_not_an_internal_error() -> None:
    """Under a low --memory-mb an import in the capped child fails to map its library, or the
    native reader aborts: the line names the cap and --memory-mb, never "internal error"."""
    from poam_xl import isolate
    from poam_xl.errors import LimitExceededError, WorkbookError

    with pytest.raises(LimitExceededError, match=r"out of memory .*capped at 300 MB.*--memory-mb"):
        isolate.run(_import_fails, path="p.xlsx", memory_mb=300)
    with pytest.raises(WorkbookError, match=r"SIGABRT; memory cap 300 MB.*--memory-mb"):
        isolate.run(_abort, path="p.xlsx", memory_mb=300)
    assert isolate.near_cap() is None  # this process has no cap


@pytest.mark.parametrize("mb", ["120", "200", "260"])
def test_low_memory_caps_give_one_line_on_every_verb(tmp_path: Path, book: Path, mb: str) -> None:
    """The verbs that read in a capped child (diff, convert) at caps around what a read needs:
    either the job is done or one line naming the file and --memory-mb, exit 2."""
    for args in (["diff", str(book), str(book)], ["convert", str(book), str(tmp_path / "x.csv")]):
        code, out = cli(*args, "--memory-mb", mb, *DAY)
        assert code in (0, 2), out
        assert "internal error" not in out and "Traceback" not in out, out
        if code == 2:
            assert "--memory-mb" in out and book.name in out and out.count("\n") <= 1, out


def test_control_characters_are_replaced_and_reported(tmp_path: Path) -> None:
    """Text with characters XML 1.0 cannot hold (openpyxl refuses them) is written with U+FFFD
    and the conversion report names the cell: no "internal error", nothing silent."""
    import openpyxl

    from poam_xl import convert
    from poam_xl.reader import read

    src = make_book(tmp_path / "src.xlsx")
    poam = read(src)  # as a CSV, JSON, checklist or a workbook's _x0007_ escape can bring them
    frame = poam.items.frame
    frame.loc[frame.index[0], "description"] = "bell\x07and escape\x1b"
    for fmt in ("dss", "fedramp", "emass"):
        out = tmp_path / f"{fmt}.xlsx"
        conv = convert.get(fmt).write(poam, out, as_of=AS_OF)  # type: ignore[misc]
        assert any("U+FFFD" in n for n in conv.notes), (fmt, conv.notes)
        texts = [c.value for ws in openpyxl.load_workbook(out) for r in ws.iter_rows() for c in r]
        assert "bell\ufffdand escape\ufffd" in texts, fmt


def test_strict_refuses_text_it_would_alter(tmp_path: Path) -> None:
    """convert --strict writes nothing when a text would be cut or have characters replaced."""
    import json

    src = make_book(tmp_path / "src.xlsx")
    code, text = cli("convert", str(src), str(tmp_path / "src.json"), *DAY)
    assert code == 0, text
    doc = json.loads((tmp_path / "src.json").read_text(encoding="utf-8"))
    doc["items"][0]["description"] = "bell\u0007"
    (tmp_path / "ctl.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "ctl.xlsx"
    code, text = cli("convert", str(tmp_path / "ctl.json"), str(out), "--strict", *DAY)
    assert code == 1 and "U+FFFD" in text and "POA&M!B" in text and not out.exists(), text
    code, text = cli("convert", str(tmp_path / "ctl.json"), str(out), *DAY)
    assert code == 0 and out.exists() and "U+FFFD" in text, text


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/styles.xml"])
def test_write_back_into_a_package_missing_a_part_is_one_line(part: str, tmp_path: Path,
                                                              book: Path) -> None:
    """Reading such a package works; writing back needs the part: update is refused in one
    line naming the file (it was a KeyError), and --annotate keeps the validation's result."""
    src = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != part:
                zout.writestr(item, zin.read(item))
    code, out = cli("update", str(src), "-o", str(tmp_path / "u.xlsx"), *DAY)
    assert code == 2 and f"has no {part} part" in out and "Traceback" not in out, out
    assert not (tmp_path / "u.xlsx").exists()
    code, out = cli("validate", str(src), "--output", str(tmp_path / "rep"), "--annotate", *DAY)
    assert "internal error" not in out and f"no feedback copy: the workbook has no {part}" in out
    assert (tmp_path / "rep" / "summary.json").exists()
