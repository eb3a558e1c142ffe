"""`poam-xl validate`: formats, exit codes, --output folders, annotation, read-only folders."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl.workbook import Workbook
from typer.testing import CliRunner

from poam_xl.cli import app
from tests.helpers import AS_OF, item_ref, make_book, require_shared, sha256

RUNNER = CliRunner()
ROOT = os.geteuid() == 0  # root ignores file modes: assert on hashes, skip "permission denied"


def run(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, ["validate", *args, "--as-of", AS_OF.isoformat()])
    return result.exit_code, result.stdout, result.stderr


def _flaw(wb: Workbook) -> None:
    wb["POA&M"][item_ref(2, "date_identified")] = "someday"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    make_book(folder / "good.xlsx", sample=4)
    make_book(folder / "flawed.xlsx", sample=4, edit=_flaw)
    (folder / "junk.xlsx").write_bytes(b"PK\x03\x04 truncated")
    return folder


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in folder.iterdir() if p.is_file()}


def test_single_file_table(inbox: Path) -> None:
    code, out, err = run(str(inbox / "good.xlsx"))
    assert code == 0, err
    assert "good.xlsx: OK" in out and err == ""


def test_findings_exit_1_and_fail_on(inbox: Path) -> None:
    flawed = str(inbox / "flawed.xlsx")
    code, out, _ = run(flawed)
    assert code == 1 and "date.invalid" in out and "someday" in out
    assert run(flawed, "--fail-on", "never")[0] == 0


def test_batch_json_is_clean_on_stdout(inbox: Path) -> None:
    before = hashes(inbox)
    code, out, err = run(str(inbox), "--format", "json", "--jobs", "2")
    assert code == 2  # junk.xlsx is unreadable
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}  # nothing else on stdout
    assert files["good.xlsx"]["status"] == "ok"
    assert files["flawed.xlsx"]["status"] == "errors"
    assert files["junk.xlsx"]["status"] == "unreadable"
    assert "corrupt or truncated" in files["junk.xlsx"]["error"]
    assert set(files["junk.xlsx"]) == set(files["good.xlsx"])  # one shape for every entry
    assert "[3/3]" in err and "Traceback" not in err  # plain progress lines, on stderr
    assert hashes(inbox) == before
    computed = files["good.xlsx"]["computed"]  # every computed date explains itself
    assert computed and computed[0]["item"] == 1 and computed[0]["row"] == 12
    assert computed[0]["explanation"].startswith(f"due {computed[0]['due_date']} = identified ")


def test_csv_and_junit(inbox: Path) -> None:
    _, out, _ = run(str(inbox), "--format", "csv", "--jobs", "1")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["rule"] for r in rows} >= {"date.invalid", "file.unreadable"}
    _, out, _ = run(str(inbox), "--format", "junit", "--jobs", "1")
    suites = ElementTree.fromstring(out).findall("testsuite")
    assert len(suites) == 3
    assert sum(int(s.get("errors", 0)) for s in suites) == 1


def test_junit_agrees_with_the_exit_code_and_skips_lock_files(tmp_path: Path) -> None:
    def text_date(wb: Workbook) -> None:  # a date typed as text: a warning, not an error
        wb["POA&M"][item_ref(2, "date_identified")] = "2026-01-05"

    make_book(tmp_path / "warned.xlsx", sample=4, edit=text_date)
    (tmp_path / "~$warned.xlsx").write_bytes(b"\x00lock")  # Excel's owner file: passed over
    suites = {}
    for fail_on in ("error", "warning"):
        code, out, _ = run(str(tmp_path), "--format", "junit", "--fail-on", fail_on)
        suites[fail_on] = {Path(s.get("name", "")).name: s
                           for s in ElementTree.fromstring(out).findall("testsuite")}
        lock = suites[fail_on]["~$warned.xlsx"]
        assert (lock.get("errors"), lock.get("skipped"), lock.get("failures")) == ("0", "1", "0")
        assert lock.find("testcase/skipped") is not None and lock.find("testcase/error") is None
        failures = int(suites[fail_on]["warned.xlsx"].get("failures", -1))
        assert code == (1 if fail_on == "warning" else 0)
        assert (failures > 0) == (code == 1), (fail_on, failures)  # the XML says what exit says
    warned = suites["error"]["warned.xlsx"]
    assert "date" in "".join(e.text or "" for e in warned.iter("system-out"))


def test_output_folder_reports_and_feedback_copies(inbox: Path, tmp_path: Path) -> None:
    before = hashes(inbox)
    out_dir = tmp_path / "reports"
    code, _, err = run(str(inbox), "--output", str(out_dir), "--annotate", "--jobs", "2")
    assert code == 2, err
    assert {p.name for p in out_dir.iterdir()} == {
        "good.json", "flawed.json", "junk.json", "summary.json", "summary.csv",
        "good-feedback.xlsx", "flawed-feedback.xlsx"}
    assert json.loads((out_dir / "flawed.json").read_text())["status"] == "errors"
    summary = list(csv.DictReader(io.StringIO((out_dir / "summary.csv").read_text())))
    by_file = {Path(r["file"]).name: r for r in summary}
    assert by_file["good.xlsx"]["company"] and by_file["good.xlsx"]["cage_code"]
    assert by_file["good.xlsx"]["items"] == "4" and by_file["junk.xlsx"]["status"] == "unreadable"
    assert set(summary[0]) >= {"file", "company", "cage_code", "items", "open", "overdue",
                               "errors", "warnings", "status"}
    from openpyxl import load_workbook

    assert "Findings" in load_workbook(out_dir / "flawed-feedback.xlsx").sheetnames
    assert hashes(inbox) == before


def test_output_folder_inside_input_is_not_rescanned(inbox: Path) -> None:
    out_dir = inbox / "reports"
    run(str(inbox), "--output", str(out_dir), "--annotate", "--jobs", "1")
    code, out, _ = run(str(inbox), "--output", str(out_dir), "--annotate", "--jobs", "1",
                       "--format", "json")
    assert len(json.loads(out)["files"]) == 3


def test_output_file(inbox: Path, tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    code, out, _ = run(str(inbox / "good.xlsx"), "--format", "json", "--output", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["files"][0]["status"] == "ok"


def test_read_only_input_folder(inbox: Path, tmp_path: Path) -> None:
    before = hashes(inbox)
    mode = inbox.stat().st_mode
    for p in inbox.iterdir():
        p.chmod(0o444)
    inbox.chmod(0o555)
    try:
        code, _, err = run(str(inbox), "--output", str(tmp_path / "out"), "--annotate")
    finally:
        inbox.chmod(mode)
    assert code == 2 and "Traceback" not in err
    assert hashes(inbox) == before
    assert (tmp_path / "out" / "good-feedback.xlsx").exists()


def test_read_only_output_folder(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                 ) -> None:
    out_dir = tmp_path / "locked"
    out_dir.mkdir()
    out_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if ROOT:  # root ignores file modes: the file system refuses as it would refuse a user
        import tempfile

        real = tempfile.mkstemp

        def refuse(*args: object, dir: object = None, **kw: object) -> object:
            if dir is not None and Path(str(dir)).resolve() == out_dir.resolve():
                raise PermissionError(13, "Permission denied", str(dir))
            return real(*args, dir=dir, **kw)  # type: ignore[call-overload]

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        code, _, err = run(str(inbox / "good.xlsx"), "--output", str(out_dir))
    finally:
        out_dir.chmod(0o755)
    assert code == 2
    assert err.strip().count("\n") == 0 and "not writable" in err and "Traceback" not in err


def test_usage_errors(inbox: Path, tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "empty-folder*"))
    assert code == 2 and "no .xlsx/.xlsm files found" in err
    code, _, err = run(str(inbox), "--annotate")
    assert code == 2 and "--annotate needs --output DIR" in err
    code, _, err = run(str(inbox), "--profile", "nope")
    assert code == 2 and "unknown profile" in err


def test_max_rows_option(inbox: Path) -> None:
    code, out, _ = run(str(inbox / "good.xlsx"), "--max-rows", "5", "--format", "json")
    assert code == 2
    assert "over the limit of 5" in json.loads(out)["files"][0]["error"]


def test_other_template_is_a_finding_not_a_crash() -> None:
    from tests.helpers import REALWORLD

    fedramp = REALWORLD / "workbooks" / "fedramp-gov__FedRAMP-POAM-Template.xlsx"
    require_shared(fedramp)
    code, out, _ = run(str(fedramp), "--format", "json", "--profile", "dss")
    f = json.loads(out)["files"][0]
    assert code == 1 and f["template"] == "fedramp-rev5-v2.1"
    assert f["findings"][0]["rule"] == "template.other-profile"
    # the default, --profile auto: read as what it is and checked under its own profile
    _code, out, _ = run(str(fedramp), "--format", "json")
    f = json.loads(out)["files"][0]
    assert f["profile"] == "fedramp" and f["template"] == "fedramp-rev5-v2.1"
    assert not [x for x in f["findings"] if x["rule"].startswith("template.")]


def test_unwritable_output_folder_any_user(inbox: Path, tmp_path: Path) -> None:
    """A folder that cannot be created (a file is in the way) fails the same way, even as root."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    code, _, err = run(str(inbox / "good.xlsx"), "--output", str(blocker / "reports"))
    assert code == 2 and "cannot create the output folder" in err
    assert err.strip().count("\n") == 0 and "Traceback" not in err


def test_report_names_never_collide_with_the_summary(tmp_path: Path) -> None:
    from poam_xl.batch import unique_names as _unique_names

    files = [tmp_path / "summary.xlsx", tmp_path / "a" / "x.xlsx", tmp_path / "b" / "x.xlsx",
             tmp_path / "x-2.xlsx"]
    names = _unique_names(files)
    assert len(set(names.values())) == 4 and "summary" not in names.values()
    assert names[str(files[0])] == "summary-2"


def test_an_unreadable_file_is_one_line_on_stderr_and_a_row_on_stdout(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 truncated")
    code, out, err = run(str(junk), "--format", "json")
    assert code == 2
    assert json.loads(out)["files"][0]["status"] == "unreadable"  # stdout: only the document
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"poam-xl: {junk}: ") and "corrupt" in lines[0]
