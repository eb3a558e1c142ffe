"""The `new`, `demo` and `rules` verbs, run as a user would."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.reader import read

runner = CliRunner()


def test_new_with_sample(tmp_path):
    out = tmp_path / "p.xlsx"
    res = runner.invoke(app, ["new", str(out), "--sample", "5", "--as-of", "2026-11-25"])
    assert res.exit_code == 0, res.output
    assert len(read(out).items.frame) == 5


def test_new_refuses_overwrite_with_one_line_and_exit_2(tmp_path):
    out = tmp_path / "p.xlsx"
    out.write_bytes(b"keep me")
    proc = subprocess.run([sys.executable, "-m", "poam_xl", "new", str(out)], capture_output=True,
                          text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and str(out) in proc.stderr
    assert "Traceback" not in proc.stderr and out.read_bytes() == b"keep me"


def test_bad_as_of_is_a_usage_error(tmp_path):
    res = runner.invoke(app, ["new", str(tmp_path / "x.xlsx"), "--as-of", "yesterday"])
    assert res.exit_code == 2 and "--as-of" in res.output


def test_demo_writes_and_validates_both_files(tmp_path):
    res = runner.invoke(app, ["demo", str(tmp_path / "d"), "--as-of", "2026-11-25"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert (tmp_path / "d" / "poam-sample.xlsx").exists()
    assert "poam-sample.xlsx: OK" in res.output
    assert "poam-submitted.xlsx: ERRORS" in res.output
    for rule in ("description.placeholder", "risk-level.normalised", "completion-date.required",
                 "date.invalid", "item-number.unique", "header.cage-code.format"):
        assert rule in res.output
    assert not set("┏┃│━") & set(res.output)  # not a terminal: plain lines, as validate prints


def test_rules_lists_the_catalogue():
    res = runner.invoke(app, ["rules", "--profile", "dss"])
    assert res.exit_code == 0
    assert "| `item-number.unique` | error |" in res.output


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.startswith("poam-xl ")


def test_new_in_other_frameworks_layouts(tmp_path):
    from poam_xl.reader import recognise
    from poam_xl.validation import validate

    for profile, template in (("fedramp", "fedramp-rev5-v2.1"), ("emass", "emass-classic"), ("cmmc", "cmmc")):
        out = tmp_path / f"{profile}.xlsx"
        res = runner.invoke(app, ["new", str(out), "--profile", profile, "--sample", "4",
                                  "--as-of", "2026-11-25"])
        assert res.exit_code == 0, res.output
        assert recognise(out) == template
        report = validate(out, profile=profile)
        assert report.summary["items"] == 4 and report.errors == 0, report.findings


def test_new_with_unknown_profile_is_one_line_exit_2(tmp_path):
    res = runner.invoke(app, ["new", str(tmp_path / "x.xlsx"), "--profile", "nist"])
    assert res.exit_code == 2 and "unknown profile" in res.output
    assert not (tmp_path / "x.xlsx").exists()


def test_a_closed_pipe_ends_quietly_like_unix_tools():
    """`poam-xl rules | head -1`: the reader leaves; no error line, exit 141 (128 + SIGPIPE)."""
    proc = subprocess.Popen([sys.executable, "-m", "poam_xl", "convert", "--show-mapping", "fedramp"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert err == ""


@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["--version"], ["demo"]])
def test_a_closed_pipe_after_help_or_demo_is_141_too(args: list[str], tmp_path) -> None:
    """click (help, version) and rich (demo) end a closed pipe with exit 1 of their own: the
    entry point reports it as 141, quietly."""
    proc = subprocess.Popen([sys.executable, "-m", "poam_xl", *args], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == ""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["rules"]])
def test_a_full_disk_on_stdout_is_one_line(args: list[str]) -> None:
    """`poam-xl --help > /dev/full`: one error line, exit 2, never a traceback."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "poam_xl", *args], stdout=full,
                              stderr=subprocess.PIPE, timeout=120, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and "no space left" in err, err


def test_the_console_script_validates_without_hypothesis_and_finds_the_same(tmp_path) -> None:
    """main() keeps pandera's data-synthesis import (hypothesis) out of the process and
    freezes the collector at exit: the pandera checks still find every fault."""
    import json

    from tests.helpers import AS_OF, item_ref, make_book

    def edit(wb) -> None:
        wb["POA&M"][item_ref(1, "status")] = "Maybe"  # pandera isin check
        wb["POA&M"][item_ref(2, "item_number")] = 1  # pandera unique check

    book = make_book(tmp_path / "bad.xlsx", sample=4, edit=edit)
    args = ["validate", str(book), "--format", "json", "--as-of", AS_OF.isoformat()]
    script = ("import atexit, sys; from poam_xl.cli import main; sys.argv[0] = 'poam-xl'; "
              "atexit.register(lambda: sys.stderr.write('hypothesis=%r' % "
              "(sys.modules.get('hypothesis', 'absent'),))); main()")
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=120, check=False)
    assert "hypothesis=None" in proc.stderr
    here = CliRunner().invoke(app, args)
    assert proc.returncode == here.exit_code == 1
    got, want = (json.loads(out)["files"][0]["findings"] for out in (proc.stdout, here.stdout))
    assert {"status.allowed", "item-number.unique"} <= {f["rule"] for f in got}
    assert got == want
