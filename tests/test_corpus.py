"""The hostile-input corpus: every bad input gets a one-line error or findings, never a crash."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from poam_xl import batch
from poam_xl.package import Limits
from poam_xl.reader import read
from tests import corpus
from tests.helpers import AS_OF, sha256

CASES = {c.name: c for c in corpus.cases()}
OPTIONS = batch.BatchOptions(as_of=AS_OF, timeout=60)
CLI = [sys.executable, "-c", "import sys; from poam_xl.cli import main; sys.argv[0] = 'poam-xl'; main()"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, corpus.Case]]:
    return corpus.build(tmp_path_factory.mktemp("corpus"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_behaves(built: dict[str, tuple[Path, corpus.Case]], name: str) -> None:
    path, case = built[name]
    before = sha256(path)
    result = batch.check_file(path, OPTIONS)
    assert sha256(path) == before  # the input is never modified
    if case.unreadable:
        assert result["status"] == "unreadable", result
        error = result["error"]
        assert error and "\n" not in error and len(error) < 300
        assert re.search(case.says, error), error
        assert "Traceback" not in error and "internal error" not in error
        return
    assert result["status"] in ("ok", "warnings", "errors"), result["error"]
    rules = {f["rule"] for f in result["findings"]}
    assert set(case.rules) <= rules, rules
    if case.says:
        assert any(re.search(case.says, f["message"]) for f in result["findings"])
    for f in result["findings"]:  # messages are one line with short excerpts only
        assert "\n" not in f["message"] and len(f["message"]) < 400


def test_hostile_files_are_refused_before_parsing(built: dict[str, tuple[Path, corpus.Case]]
                                                   ) -> None:
    """Bombs are refused by the pre-checks (the refusal names the limit), before a parser
    allocates anything: never by the time limit, and without this process growing."""
    import resource

    options = batch.BatchOptions(as_of=AS_OF, timeout=120)
    for name in ("zip-bomb.xlsx", "entity-bomb-sheet.xlsx", "sparse-far-cell.xlsx",
                 "million-rows.xlsx"):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = batch.check_file(built[name][0], options)
        assert result["status"] == "unreadable"
        assert "refused" in result["error"], result["error"]
        assert not any(w in result["error"] for w in ("time", "memory")), result["error"]
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 500 * 1024  # KiB


def test_encrypted_opens_with_password(built: dict[str, tuple[Path, corpus.Case]]) -> None:
    path = built["encrypted.xlsx"][0]
    ok = batch.check_file(path, batch.BatchOptions(as_of=AS_OF, password=corpus.PASSWORD))
    assert ok["status"] != "unreadable", ok["error"]
    assert ok["summary"]["items"] == 6
    wrong = batch.check_file(path, batch.BatchOptions(as_of=AS_OF, password="nope"))
    assert wrong["error"] == "wrong password for this encrypted workbook"


def test_decrypted_copy_is_deleted(built: dict[str, tuple[Path, corpus.Case]]) -> None:
    from poam_xl.crypto import decrypted_copy

    with decrypted_copy(built["encrypted.xlsx"][0], corpus.PASSWORD) as plain:
        assert plain.read_bytes()[:2] == b"PK"
    assert not plain.exists()


def test_values_survive(built: dict[str, tuple[Path, corpus.Case]]) -> None:
    poam = read(built["unicode-long.xlsx"][0])
    desc = list(poam.items.frame["description"])
    assert desc[0] == corpus.LONG_TEXT.strip() and len(desc[0]) > 32_000
    assert "שגיאה" in desc[1] and "🔥" in desc[2]
    dates = read(built["text-dates.xlsx"][0]).items.frame["date_identified"]
    assert {str(d)[:10] for d in dates.iloc[: len(corpus.TEXT_DATES)]} == {"2026-03-31"}


def test_1904_dates_match(built: dict[str, tuple[Path, corpus.Case]], tmp_path: Path) -> None:
    from tests.helpers import make_book

    plain = read(make_book(tmp_path / "plain.xlsx")).items.frame
    mac = read(built["date1904.xlsx"][0])
    assert mac.date1904
    assert list(mac.items.frame["date_identified"]) == list(plain["date_identified"])


def test_layout_cases_read_all_items(built: dict[str, tuple[Path, corpus.Case]]) -> None:
    assert len(read(built["phantom-range.xlsx"][0]).items.frame) == 10
    moved = read(built["header-moved-shuffled.xlsx"][0])
    assert len(moved.items.frame) == 8 and moved.items.header_row == 14
    assert moved.items.frame["status"].notna().all()
    hidden = read(built["hidden-sheets.xlsx"][0])
    assert hidden.sheet_states["Scratch"] == "hidden"
    assert hidden.sheet_states["Macro data"] == "veryHidden"


def test_error_cells_are_invalid_not_blank(built: dict[str, tuple[Path, corpus.Case]]) -> None:
    poam = read(built["error-values.xlsx"][0])
    got = {(i.cell, i.value, i.expected) for i in poam.invalid}
    assert ("K12", "#N/A", "a date") in got and ("C13", "#REF!", "a value") in got


def test_row_limit_is_configurable(built: dict[str, tuple[Path, corpus.Case]]) -> None:
    path = built["phantom-range.xlsx"][0]
    small = batch.BatchOptions(as_of=AS_OF, limits=Limits(max_rows=12))
    result = batch.check_file(path, small)
    assert result["status"] == "unreadable"
    assert "over the limit of 12" in result["error"]


# one case of each kind of refusal and of each reader path (every case runs in-process above)
THROUGH_CLI = ("not-a-zip.xlsx", "truncated.xlsx", "encrypted.xlsx", "legacy.xls", "binary.xlsb",
               "csv-renamed.xlsx", "zip-bomb.xlsx", "entity-bomb-sheet.xlsx",
               "external-entity-styles.xlsx", "sparse-far-cell.xlsx", "million-rows.xlsx",
               "formulas-no-cache.xlsx", "error-values.xlsx", "over-long-text.xlsx",
               "far-ns-prefix.xlsx", "strict-ooxml.xlsx", "libreoffice-empty-rows.xlsx",
               "many-sheets.xlsx", "~$poam.xlsx")


def test_cli_corpus_folder_no_traceback(built: dict[str, tuple[Path, corpus.Case]],
                                        tmp_path: Path) -> None:
    """The real command over a folder of the corpus: one line per bad file, exit 2, inputs
    intact (a reader child per file, the process pool, the JSON document)."""
    import shutil

    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in THROUGH_CLI:
        shutil.copy2(built[name][0], folder / name)
    hashes = {p: sha256(p) for p in folder.iterdir()}
    proc = subprocess.run([*CLI, "validate", str(folder),
                           "--as-of", AS_OF.isoformat(), "--format", "json", "--jobs", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "skipped" in proc.stderr and "~$poam.xlsx" in proc.stderr
    import json

    files = {Path(f["path"]).name: f for f in json.loads(proc.stdout)["files"]}
    assert files.pop("~$poam.xlsx")["status"] == "skipped"  # listed with its reason, not read
    assert set(files) == set(THROUGH_CLI) - {"~$poam.xlsx"}  # every file has its entry
    assert files["legacy.xls"]["status"] != "unreadable"  # read through python-calamine
    for name, f in files.items():
        assert (f["status"] == "unreadable") == CASES[name].unreadable, (name, f["error"])
    assert {p: sha256(p) for p in folder.iterdir()} == hashes
