"""Batch runner: finding files, the process pool, crashes, time and memory guards, exit codes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from poam_xl import batch
from tests.helpers import AS_OF, make_book

OPTIONS = batch.BatchOptions(as_of=AS_OF, timeout=120)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inbox")
    good = make_book(root / "good.xlsx", sample=4)
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "deeper" / "second.xlsm").write_bytes(good.read_bytes())
    (root / "sub" / "broken.xlsx").write_bytes(b"not a workbook")
    (root / "~$good.xlsx").write_bytes(b"\x05owner")
    (root / ".hidden.xlsx").write_bytes(good.read_bytes())
    (root / ".git").mkdir()
    (root / ".git" / "x.xlsx").write_bytes(good.read_bytes())
    (root / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "notes.txt").write_text("hello")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)  # a symlink loop
    return root


def names(files: list[Path]) -> list[str]:
    return sorted(f.name for f in files)


def test_find_files_in_folders(inbox: Path) -> None:
    files, skipped = batch.find_files([inbox])
    # .xls/.xlsb/.ods are read (python-calamine) for validation: found like the others
    assert names(files) == ["broken.xlsx", "good.xlsx", "old.xls", "second.xlsm"]
    assert any("~$good.xlsx" in s and "lock file" in s for s in skipped)
    assert any(".hidden.xlsx" in s and "hidden file" in s for s in skipped)  # listed, not silent
    assert not any(".git" in s for s in skipped)  # hidden folders are not searched
    assert any("symlink loop" in s for s in skipped)


def test_find_files_globs_names_and_missing(inbox: Path) -> None:
    files, _ = batch.find_files([str(inbox / "**" / "*.xlsm"), inbox / "good.xlsx",
                                 inbox / "missing.xlsx", inbox / "good.xlsx"])
    assert names(files) == ["good.xlsx", "missing.xlsx", "second.xlsm"]  # deduplicated


def test_find_files_excludes_output_folder(inbox: Path, tmp_path: Path) -> None:
    files, _ = batch.find_files([inbox], exclude=[inbox / "sub"])
    assert names(files) == ["good.xlsx", "old.xls"]


def test_missing_and_broken_files_do_not_stop_the_batch(inbox: Path) -> None:
    files = [inbox / "missing.xlsx", inbox / "sub" / "broken.xlsx", inbox / "good.xlsx"]
    results = batch.run(files, OPTIONS, jobs=2)
    assert [r["path"] for r in results] == [str(f) for f in files]  # input order
    assert [r["status"] for r in results][:2] == ["unreadable", "unreadable"]
    assert results[0]["error"] == "file not found"
    assert results[2]["status"] != "unreadable" and results[2]["summary"]["items"] == 4
    assert batch.exit_code(results) == 2


def test_pool_and_in_process_agree(inbox: Path) -> None:
    files, _ = batch.find_files([inbox])
    one = batch.run(files, OPTIONS, jobs=1)
    two = batch.run(files, OPTIONS, jobs=2)
    assert one == two


def _die_on_crash(path: str, options: batch.BatchOptions, *, annotate_to: str | None = None) -> dict:
    if Path(path).name == "crash.xlsx":
        os._exit(3)  # what a parser abort or the CPU cap does to a worker
    return {"path": path, "status": "ok", "findings": [], "error": None}


def test_a_dying_worker_loses_only_its_file(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setattr("poam_xl.batch.pool.check_file", _die_on_crash)  # workers are forked: they see it
    files = [tmp_path / f"f{i}.xlsx" for i in range(5)]
    files.insert(2, tmp_path / "crash.xlsx")
    results = batch.run(files, OPTIONS, jobs=2)
    assert [r["status"] for r in results] == ["ok", "ok", "unreadable", "ok", "ok", "ok"]
    assert "checker process died" in results[2]["error"]


def test_timeout_stops_one_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import time

    def slow(path: Path, options: batch.BatchOptions) -> None:
        time.sleep(60)

    monkeypatch.setattr("poam_xl.batch.check._validate", slow)
    result = batch.check_file(tmp_path / "slow.xlsx", batch.BatchOptions(as_of=AS_OF, timeout=0.5))
    assert result["status"] == "unreadable"
    assert result["error"] == "took longer than 0.5 s: stopped (raise it with --timeout)"


def _hog(path: Path, options: batch.BatchOptions) -> None:
    bytearray(2 * 1024**3)  # 2 GB


def test_memory_guard_in_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("poam_xl.batch.check._validate", _hog)
    opts = batch.BatchOptions(as_of=AS_OF, memory_mb=1536)
    results = batch.run([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], opts, jobs=2)
    assert all("out of memory" in r["error"] for r in results), results


def test_internal_errors_are_contained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def bug(path: Path, options: batch.BatchOptions) -> None:
        raise KeyError("oops")

    monkeypatch.setattr("poam_xl.batch.check._validate", bug)
    result = batch.check_file(tmp_path / "x.xlsx", OPTIONS)
    assert result["status"] == "unreadable" and result["error"].startswith("internal error: KeyError")


def test_lock_file_beside_is_noted(inbox: Path) -> None:
    result = batch.check_file(inbox / "good.xlsx", OPTIONS)
    assert "open in Excel" in result["notes"][0]


@pytest.mark.parametrize("statuses, severities, fail_on, code", [
    (["ok", "ok"], [], "error", 0),
    (["ok", "warnings"], ["warning"], "error", 0),
    (["ok", "warnings"], ["warning"], "warning", 1),
    (["errors"], ["error"], "error", 1),
    (["errors"], ["error"], "never", 0),
    (["errors", "unreadable"], ["error"], "never", 2),
])
def test_exit_code(statuses: list[str], severities: list[str], fail_on: str, code: int) -> None:
    results = [{"status": s, "findings": []} for s in statuses]
    results[-1 if statuses[-1] != "unreadable" else 0]["findings"] = [
        {"severity": s} for s in severities]
    assert batch.exit_code(results, fail_on) == code


def test_report_names_skip_skipped_files_and_control_characters(tmp_path: Path) -> None:
    from poam_xl.batch.output import unique_names, write_reports

    assert unique_names([Path("in/bad\nname.xlsx")]) == {"in/bad\nname.xlsx": "bad_name"}
    results = [{"path": "in/~$poam.xlsx", "status": "skipped", "error": "a lock file"},
               {"path": "in/bad\nname.xlsx", "status": "ok", "error": None, "summary": {},
                "findings": []}]
    assert write_reports(results, tmp_path) == 1  # reports written: the skipped file has none
    assert results[0]["report"] is None and results[1]["report"] == "bad_name.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_name.json", "summary.csv",
                                                          "summary.json"]


def test_warm_loads_the_checker_before_children_fork(tmp_path: Path) -> None:
    """``batch.run`` warms the parent on a workbook of its own before forking a child per file
    (--jobs 1) or pool workers: pandera and the item schema are loaded once, not per file; the
    user's files are not read in the parent."""
    import subprocess
    import sys

    code = (
        "import sys, datetime as dt\n"
        "from poam_xl.batch import check\n"
        "from poam_xl import schema\n"
        "assert 'pandera' not in sys.modules\n"
        "check.warm(check.BatchOptions(as_of=dt.date(2026, 11, 25)))\n"
        "print('pandera' in sys.modules, schema.build.cache_info().currsize > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert out.stdout.split() == ["True", "True"]
