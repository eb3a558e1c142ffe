"""Golden files: the documented output shapes (JSON, CSV and JUnit reports, OSCAL) stay as they are.

Inputs: the committed sample (workbook/poam-sample.xlsx) and the demo's flawed copy
(`poam-xl demo`), validated as of 2026-11-25. A change of shape or content fails here; after a
deliberate change, regenerate with

    python -m pytest tests/test_golden.py --update-golden     (or ./scripts/regen)

and review `git diff tests/golden/` before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from poam_xl import demo
from poam_xl.cli import app
from tests.helpers import AS_OF

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SAMPLE = ROOT / "workbook" / "poam-sample.xlsx"

CASES = {
    "sample.json": ("validate", "poam-sample.xlsx", "--format", "json"),
    "sample.csv": ("validate", "poam-sample.xlsx", "--format", "csv"),
    "sample.junit.xml": ("validate", "poam-sample.xlsx", "--format", "junit"),
    "submitted.json": ("validate", "poam-submitted.xlsx", "--format", "json"),
    "submitted.csv": ("validate", "poam-submitted.xlsx", "--format", "csv"),
    "submitted.junit.xml": ("validate", "poam-submitted.xlsx", "--format", "junit"),
    "sample.oscal.json": ("convert", "poam-sample.xlsx", "out.oscal.json", "--to", "oscal"),
}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden")
    demo.run(folder, AS_OF)  # poam-submitted.xlsx (and a sample we replace with the committed one)
    shutil.copyfile(SAMPLE, folder / "poam-sample.xlsx")
    return folder


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_matches_golden(name: str, inbox: Path, monkeypatch: pytest.MonkeyPatch,
                               update_golden: bool) -> None:
    monkeypatch.chdir(inbox)  # relative paths in the reports, as a user in that folder sees them
    args = [*CASES[name], "--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    if args[0] == "convert":
        (inbox / args[2]).replace(inbox / name)
        got = (inbox / name).read_text(encoding="utf-8")
    else:
        got = result.stdout
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(got, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with --update-golden"
    assert got == golden.read_text(encoding="utf-8"), (
        f"{name} differs from tests/golden/{name}; if the change is deliberate, run "
        "`python -m pytest tests/test_golden.py --update-golden` and review the diff")


def test_golden_files_are_all_checked() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(CASES)
