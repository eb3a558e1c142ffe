"""A report with many findings: the table summarises by rule, `--all` prints every finding, and
output to a file or a pipe is plain text (no terminal layout)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from poam_xl import report
from poam_xl.cli import app
from tests.helpers import AS_OF, item_ref, make_book

N = 70  # bad dates: one date.invalid finding each, over report.SUMMARY_OVER


def _bad_dates(wb):  # type: ignore[no-untyped-def]
    for i in range(1, N + 1):
        wb["POA&M"][item_ref(i, "date_identified")] = f"someday {i}"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_book(tmp_path_factory.mktemp("big") / "big.xlsx", sample=N, edit=_bad_dates)


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["validate", *args, "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1, result.stderr
    return result.stdout


def test_many_findings_are_summarised_by_rule(big: Path) -> None:
    out = run(str(big))
    lines = out.splitlines()
    assert "findings of" in lines[0] and "--all prints every finding" in lines[0]
    row = next(line for line in lines if line.split()[:1] == ["date.invalid"])
    assert row.split()[1:3] == ["error", str(N)]  # rule, severity, count, title
    first = item_ref(1, "date_identified")
    assert f"POA&M!{first}" in out and "'someday 1'" in out
    assert f"… {N - report.FIRST_PER_RULE:,} more" in out
    assert "'someday 70'" not in out  # only the first rows of each rule
    assert "┃" not in out and "│" not in out  # plain text, no rich box drawing
    assert lines[-1].startswith(f"{big}: ERRORS")


def test_all_prints_every_finding(big: Path, tmp_path: Path) -> None:
    out = run(str(big), "--all")
    for i in range(1, N + 1):
        assert f"POA&M!{item_ref(i, 'date_identified')}" in out
    assert "more (--all" not in out
    target = tmp_path / "report.txt"  # --output FILE: the same plain text, written atomically
    assert run(str(big), "--output", str(target)) == ""
    text = target.read_text(encoding="utf-8")
    assert "findings of" in text.splitlines()[0] and "'someday 70'" not in text


def test_terminal_table_is_summarised_too(big: Path) -> None:
    from poam_xl.validation import validate

    result = validate(big, as_of=AS_OF).to_dict()
    buf = io.StringIO()
    report.to_console(result, Console(file=buf, width=160, force_terminal=False, no_color=True))
    text = buf.getvalue()
    assert "findings by rule" in text and "date.invalid" in text and "someday 70" not in text
    buf = io.StringIO()
    report.to_console(result, Console(file=buf, width=160, no_color=True), all_findings=True)
    assert "someday 70" in buf.getvalue()


def test_few_findings_list_every_one(tmp_path: Path) -> None:
    def one_bad(wb):  # type: ignore[no-untyped-def]
        wb["POA&M"][item_ref(2, "date_identified")] = "someday"
    out = run(str(make_book(tmp_path / "few.xlsx", sample=4, edit=one_bad)))
    assert "date.invalid" in out and "someday" in out and "findings of" not in out
