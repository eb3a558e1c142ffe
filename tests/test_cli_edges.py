"""Edge inputs of the CLI: dates a date column cannot hold (scanner dates, --as-of,
--scan-date); named pipes and devices; a report folder that is the input folder; --password on
every verb that reads a workbook."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import poam_xl
from poam_xl.cli import app
from poam_xl.importers import parse_timestamp
from poam_xl.importers.presets import _date as preset_date
from tests import corpus
from tests.helpers import AS_OF, make_book, sha256

RUNNER = CliRunner()
DAY = ["--as-of", AS_OF.isoformat()]


def cli(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.output


def one_error_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    assert "internal error" not in out and "Traceback" not in out
    return lines[0]


# ------------------------------------------------------- 1. dates a date column cannot hold
XCCDF = """<?xml version="1.0"?><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2"
 id="xccdf_mil.disa.stig_benchmark_X"><title>RHEL X STIG</title>
<Rule id="xccdf_mil.disa.stig_rule_SV-551r1_rule" severity="high"><title>Rule 1 title</title>
<fixtext>fix 1</fixtext><ident system="http://cyber.mil/cci">CCI-000366</ident></Rule>
<TestResult id="xccdf_org.open-scap_testresult_x" start-time="{when}" end-time="{when}">
<target>host1</target>
<rule-result idref="xccdf_mil.disa.stig_rule_SV-551r1_rule" time="{when}"><result>fail</result>
</rule-result></TestResult></Benchmark>"""


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_book(tmp_path_factory.mktemp("empty") / "empty.xlsx", sample=0)


@pytest.mark.parametrize("when", ["2300-01-01T10:00:00", "0001-01-01T00:00:00",
                                  "1899-12-31T23:00:00"])
def test_a_scanner_date_no_date_column_holds_is_no_date(when: str, empty: Path, tmp_path: Path
                                                         ) -> None:
    scan = tmp_path / "far.xml"
    scan.write_text(XCCDF.format(when=when), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    code, text = cli("import", str(scan), "--into", str(empty), "-o", str(out), *DAY)
    assert code == 0, text
    frame = poam_xl.read(out).items.frame
    assert len(frame) == 1
    assert frame["date_identified"].iloc[0].date() == AS_OF  # no scan date: --as-of


@pytest.mark.parametrize("text", ["2300-01-01T10:00:00", "Mon Jan  1 11:00:00 2300",
                                  "0001-01-01", "9999-12-31"])
def test_parse_timestamp_drops_days_out_of_range(text: str) -> None:
    assert parse_timestamp(text) is None
    assert parse_timestamp("2262-04-11T10:00:00") == dt.date(2262, 4, 11)  # the last one held


def test_scanner_export_dates_out_of_range_are_none() -> None:
    assert preset_date("01/01/2300 10:00:00") is None  # Qualys
    assert preset_date("Jan 1, 2300 10:48:42 UTC") is None  # Tenable.sc
    assert preset_date("05/13/2021 07:08:28") == dt.date(2021, 5, 13)


@pytest.mark.parametrize(("verb", "option", "value"), [
    ("import", "--as-of", "2300-01-01"), ("import", "--as-of", "9999-12-31"),
    ("import", "--scan-date", "2300-01-01"), ("import", "--scan-date", "0001-01-01"),
    ("validate", "--as-of", "0001-01-01"), ("update", "--as-of", "0001-01-01"),
    ("update", "--as-of", "2262-04-12"), ("validate", "--as-of", "1899-12-31"),
])
def test_a_date_option_out_of_range_is_a_usage_error(verb: str, option: str, value: str,
                                                     empty: Path, tmp_path: Path) -> None:
    scan = tmp_path / "scan.xml"
    scan.write_text(XCCDF.format(when="2026-11-02T10:00:00"), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    args = {"import": ["import", str(scan), "--into", str(empty), "-o", str(out)],
            "validate": ["validate", str(empty)],
            "update": ["update", str(empty), "-o", str(out)]}[verb]
    code, text = cli(*args, option, value)
    assert code == 2
    line = one_error_line(text)
    assert option in line and value in line and "1900-01-01 to 2262-04-11" in line
    assert str(empty) not in line  # the option is wrong, not the file
    assert not out.exists()


def test_the_first_and_last_days_held_are_accepted(empty: Path, tmp_path: Path) -> None:
    for day in ("1900-01-01", "2262-04-11"):
        out = tmp_path / f"{day}.xlsx"
        code, text = cli("update", str(empty), "-o", str(out), "--as-of", day)
        assert code == 0 and out.exists(), text


def test_a_due_date_past_the_last_day_held_is_none_not_wrapped(empty: Path, tmp_path: Path
                                                             ) -> None:
    scan = tmp_path / "scan.xml"
    scan.write_text(XCCDF.format(when="2026-11-02T10:00:00"), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    code, text = cli("import", str(scan), "--into", str(empty), "-o", str(out),
                     "--scan-date", "2262-04-01", "--as-of", "2262-04-11")
    assert code == 0, text
    report = poam_xl.validate(out, as_of=dt.date(2262, 4, 11))
    row = report.derived.iloc[0]
    assert report.items["date_identified"].iloc[0].date() == dt.date(2262, 4, 1)
    assert row["due_date"] is pd.NaT and row["proposed_milestone"] is pd.NaT  # not 1677
    assert row["explanation"] == "no due date: it would fall after 2262-04-11"
    assert report.items["milestone_date"].isna().all()  # none written by the import either


# ------------------------------------------------------------------ 2. named pipes, devices
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
QUICK = ["--timeout", "5"]  # what a read that opened the pipe would wait (then fail the test)


def cli_process(*args: str, seconds: float = 30) -> tuple[int, str]:
    """The CLI in a process of its own: one that opens a pipe blocks in open(), past any
    timeout of its own; it (and what it forked) is then killed and the test fails."""
    proc = subprocess.Popen([sys.executable, "-m", "poam_xl", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"poam-xl {args[0]} waited on the named pipe for {seconds:g} s")
    return proc.returncode, out


@needs_fifo
def test_a_named_pipe_in_a_folder_is_skipped_with_its_reason(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "a.xlsx")
    make_book(inbox / "b.xlsx", sample=2)
    report = tmp_path / "report.json"
    started = time.monotonic()
    code, out = cli_process("validate", str(inbox), "--format", "json", "--output", str(report),
                            "--jobs", "1", *QUICK, *DAY)
    assert time.monotonic() - started < 5, out
    assert code == 0, out
    files = {Path(f["path"]).name: f for f in json.loads(report.read_text())["files"]}
    assert files["b.xlsx"]["status"] == "ok"
    assert files["a.xlsx"]["status"] == "skipped"
    assert "named pipe" in files["a.xlsx"]["error"]


@needs_fifo
@pytest.mark.parametrize("verb", ["validate", "convert", "update", "diff", "import", "into"])
def test_a_named_pipe_named_directly_is_refused_unopened(verb: str, tmp_path: Path) -> None:
    pipe = tmp_path / ("f.ckl" if verb == "import" else "a.xlsx")
    os.mkfifo(pipe)
    book = make_book(tmp_path / "b.xlsx", sample=2)
    out = tmp_path / "out.xlsx"
    args = {"validate": ["validate", str(pipe)], "convert": ["convert", str(pipe), str(out)],
            "update": ["update", str(pipe), "-o", str(out)], "diff": ["diff", str(pipe), str(book)],
            "import": ["import", str(pipe), "--into", str(book), "-o", str(out)],
            "into": ["import", str(tmp_path / "s.xml"), "--into", str(pipe), "-o", str(out)]}[verb]
    (tmp_path / "s.xml").write_text(XCCDF.format(when="2026-11-02T10:00:00"), encoding="utf-8")
    started = time.monotonic()
    code, text = cli_process(*args, *QUICK, *DAY)
    assert time.monotonic() - started < 5, text
    assert code == 2
    line = one_error_line(text)
    assert pipe.name in line and "named pipe (FIFO), not a regular file" in line
    assert not out.exists()


@needs_fifo
@pytest.mark.parametrize("option", ["--mapping", "--map-file", "--contacts", "macros"])
def test_a_named_pipe_as_a_side_file_is_refused_unopened(option: str, tmp_path: Path) -> None:
    """Mapping, map-file, contacts and the workbook `excel macros` reads: a FIFO there is
    refused in one line (it used to wait for a writer until killed)."""
    pipe = tmp_path / ("p.csv" if option == "--contacts" else "p.toml")
    os.mkfifo(pipe)
    book = make_book(tmp_path / "b.xlsx", sample=2)
    (tmp_path / "s.xml").write_text(XCCDF.format(when="2026-11-02T10:00:00"), encoding="utf-8")
    args = {"--mapping": ["validate", str(book), "--mapping", str(pipe)],
            "--map-file": ["import", str(tmp_path / "s.xml"), "--into", str(book), "-o",
                           str(tmp_path / "o.xlsx"), "--map-file", str(pipe)],
            "--contacts": ["remind", str(book), "--contacts", str(pipe), "--output",
                           str(tmp_path / "r")],
            "macros": ["excel", "macros", str(pipe)]}[option]
    started = time.monotonic()
    code, text = cli_process(*args)
    assert time.monotonic() - started < 20, text
    assert code == 2, text
    assert "named pipe (FIFO), not a regular file" in one_error_line(text)


def test_a_device_named_directly_is_refused() -> None:
    if not Path(os.devnull).exists() or Path(os.devnull).is_file():
        pytest.skip("no character device to name")
    code, text = cli("validate", os.devnull, *QUICK, *DAY)
    assert code == 2 and "is a device, not a regular file" in one_error_line(text)


# ------------------------------------------------ 3. the report folder is the input folder
def _statuses(out: str) -> dict[str, str]:
    return {Path(f["path"]).name: f["status"] for f in json.loads(out)["files"]}


def test_output_folder_equal_to_the_input_folder(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make_book(inbox / "good.xlsx", sample=2)
    make_book(inbox / "other.xlsx", sample=2, seed=1)
    args = ["validate", str(inbox), "--output", str(inbox), "--annotate", "--jobs", "1", *DAY]
    code, out = cli(*args)
    assert code == 0, out
    made = {p.name for p in inbox.iterdir()}
    assert made == {"good.xlsx", "other.xlsx", "good.json", "other.json", "summary.json",
                    "summary.csv", "good-feedback.xlsx", "other-feedback.xlsx"}
    code, out = cli(*args)  # a later run: our own feedback copies are not submissions
    assert code == 0, out
    assert {p.name for p in inbox.iterdir()} == made  # no good-feedback-feedback.xlsx
    summary = json.loads((inbox / "summary.json").read_text())["files"]
    assert {Path(f["path"]).name: f["status"] for f in summary} == {
        "good.xlsx": "ok", "other.xlsx": "ok",
        "good-feedback.xlsx": "skipped", "other-feedback.xlsx": "skipped"}
    assert all("feedback copy" in f["error"] for f in summary if f["status"] == "skipped")
    result = RUNNER.invoke(app, ["validate", str(inbox), "--format", "json", "--jobs", "1", *DAY])
    assert _statuses(result.stdout) == {"good.xlsx": "ok", "other.xlsx": "ok",
                                        "good-feedback.xlsx": "skipped",
                                        "other-feedback.xlsx": "skipped"}
    result = RUNNER.invoke(app, ["validate", str(inbox / "good-feedback.xlsx"), "--format",
                                 "json", *DAY])  # named: read like any workbook
    assert _statuses(result.stdout) == {"good-feedback.xlsx": "ok"}


# ------------------------------------------------ 4. --password on every verb that reads one
PW = corpus.PASSWORD


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a workbook, the same workbook encrypted with PW)."""
    folder = tmp_path_factory.mktemp("locked")
    plain = make_book(folder / "plain.xlsx", sample=3)
    enc = folder / "enc.xlsx"
    enc.write_bytes(corpus.encrypted(plain.read_bytes(), PW))
    return plain, enc


def test_every_verb_that_reads_a_workbook_has_the_one_password_option() -> None:
    group = typer.main.get_command(app)
    readers = {name: cmd for name, cmd in group.commands.items()  # type: ignore[attr-defined]
               if any("--timeout" in p.opts for p in cmd.params)}
    assert {"validate", "update", "convert", "diff", "review", "import", "rollup", "history",
            "remind"} <= set(readers)
    options = {name: next((p for p in cmd.params if "--password" in p.opts), None)
               for name, cmd in readers.items()}
    assert all(options.values()), [n for n, o in options.items() if o is None]
    assert {(o.envvar, o.help) for o in options.values() if o} == {  # one definition: _app.PASSWORD
        ("POAM_XL_PASSWORD", "Password of encrypted workbooks (or set POAM_XL_PASSWORD).")}


def _outputs(verb: str, enc: Path, plain: Path, tmp: Path) -> tuple[list[str], Path]:
    scan = tmp / "scan.xml"
    scan.write_text(XCCDF.format(when="2026-11-02T10:00:00"), encoding="utf-8")
    return {"convert": (["convert", str(enc), str(tmp / "e.json")], tmp / "e.json"),
            "diff": (["diff", str(enc), str(plain), "--format", "json", "-o", str(tmp / "d.json")],
                     tmp / "d.json"),
            "review": (["review", str(enc), "--previous", str(enc), "-o", str(tmp / "r"),
                        "--no-pdf"], tmp / "r" / "enc-review.xlsx"),
            "update": (["update", str(enc), "-o", str(tmp / "u.xlsx")], tmp / "u.xlsx"),
            "import": (["import", str(scan), "--into", str(enc), "-o", str(tmp / "i.xlsx")],
                       tmp / "i.xlsx")}[verb]


@pytest.mark.parametrize("verb", ["convert", "diff", "review", "update", "import"])
def test_password_opens_an_encrypted_workbook(verb: str, locked: tuple[Path, Path],
                                              tmp_path: Path) -> None:
    plain, enc = locked
    before = sha256(enc)
    args, made = _outputs(verb, enc, plain, tmp_path)
    code, out = cli(*args, "--password", PW, *DAY)
    assert code == 0, out
    assert made.exists() and sha256(enc) == before
    assert "poam-xl-" not in out  # the decrypted copy is never named
    if verb == "convert":
        assert len(json.loads(made.read_text())["items"]) == 3
    elif verb == "diff":
        assert json.loads(made.read_text())["changes"] == []  # the same items as the plain one
    elif verb in ("update", "import"):  # written unencrypted, every item kept
        assert len(poam_xl.read(made).items.frame) == (3 if verb == "update" else 4)


@pytest.mark.parametrize("verb", ["convert", "update"])
def test_password_from_the_environment_and_a_wrong_one(verb: str, locked: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    plain, enc = locked
    args, made = _outputs(verb, enc, plain, tmp_path)
    result = RUNNER.invoke(app, [*args, *DAY], env={"POAM_XL_PASSWORD": PW})
    assert result.exit_code == 0 and made.exists(), result.output
    made.unlink()
    code, out = cli(*args, "--password", "not-it", *DAY)
    assert code == 2 and not made.exists()
    assert one_error_line(out) == f"poam-xl: error: {enc}: wrong password for this encrypted workbook"


@pytest.mark.parametrize("verb", ["update", "import"])
def test_in_place_into_an_encrypted_workbook_is_refused(verb: str, locked: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    enc = tmp_path / "enc.xlsx"
    enc.write_bytes(locked[1].read_bytes())
    scan = tmp_path / "scan.xml"
    scan.write_text(XCCDF.format(when="2026-11-02T10:00:00"), encoding="utf-8")
    args = (["update", str(enc), "--in-place"] if verb == "update" else
            ["import", str(scan), "--into", str(enc), "--in-place"])
    before = sha256(enc)
    code, out = cli(*args, "--password", PW, *DAY)
    assert code == 2
    line = one_error_line(out)
    assert str(enc) in line and f"{verb} --in-place would write it back unencrypted" in line
    assert sha256(enc) == before


def test_remind_reads_an_encrypted_workbooks_contacts_with_the_password(
        locked: tuple[Path, Path], tmp_path: Path) -> None:
    """remind with --password (no --contacts): the Contacts sheet is read from the decrypted
    copy too (it used to ask for --password again)."""
    _plain, enc = locked
    code, out = cli("remind", str(enc), "--output", str(tmp_path / "r"), "--password", PW, *DAY)
    assert code == 0, out
    assert any((tmp_path / "r").glob("*.md"))


@pytest.mark.parametrize("args", [
    ["diff", "{a}", "{b}", "--output", "{a}"],
    ["diff", "{a}", "{b}", "--format", "xlsx", "--output", "{a}"],
    ["rollup", "{a}", "{b}", "--output", "{a}"],
    ["history", "{a}", "{b}", "--output", "{a}"],
    ["convert", "{a}", "{x}", "--report", "{a}"],
    ["convert", "{a}", "{x}", "--save-mapping", "{a}"],
    ["validate", "{a}", "--save-mapping", "{b}"],
    ["new", "{q}"],
])
def test_no_report_mapping_or_workbook_lands_on_an_input(args: list[str], tmp_path: Path) -> None:
    """An output naming an input (or a mapping over a workbook, a macro-free workbook named
    .xlsm) is refused in one line, exit 2; the inputs stay byte for byte."""
    a = make_book(tmp_path / "a.xlsx", sample=3)
    b = make_book(tmp_path / "b.xlsx", sample=3, seed=1)
    before = (sha256(a), sha256(b))
    names = {"a": str(a), "b": str(b), "x": str(tmp_path / "x.json"), "q": str(tmp_path / "q.xlsm")}
    code, out = cli(*[arg.format(**names) for arg in args])
    assert code == 2, out
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out
    assert (sha256(a), sha256(b)) == before
    assert not (tmp_path / "q.xlsm").exists()


def test_a_file_name_that_is_not_utf8_is_read_and_reported(tmp_path: Path) -> None:
    """A name whose bytes are no UTF-8 (kept by the file system as they were): read like any
    other, its reports written with the bytes escaped (it used to end the run: exit 5)."""
    folder = tmp_path / "in"
    folder.mkdir()
    book = make_book(folder / "ok.xlsx", sample=2)
    try:
        odd = os.fsdecode(bytes(folder) + b"/\xff\xfebad.xlsx")
        shutil.copy(book, odd)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    code, out = cli_process("validate", str(folder), "--output", str(tmp_path / "rep"), *DAY)
    assert code == 0, out
    files = json.loads((tmp_path / "rep" / "summary.json").read_text(encoding="utf-8"))["files"]
    assert sorted(f["status"] for f in files) == ["ok", "ok"]


def test_annotate_an_encrypted_workbook_with_its_password(locked: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    """--annotate with --password: the feedback copy is made from the decrypted workbook (it
    used to say "pass --password" although it was passed); the copy is not encrypted."""
    _plain, enc = locked
    rep = tmp_path / "rep"
    code, out = cli("validate", str(enc), "--password", PW, "--output", str(rep), "--annotate",
                    *DAY)
    assert code in (0, 1), out
    copies = list(rep.glob("*-feedback.xlsx"))
    assert len(copies) == 1 and "no feedback copy" not in out, out
    assert len(poam_xl.read(copies[0]).items.frame) == 3
