"""The README tells the truth: every command documented with an example, the rules table current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from poam_xl.cli import app
from poam_xl.cli.rules import catalogue_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", _commands())
def test_every_command_is_documented_with_an_example(name):
    group = typer.main.get_command(app)
    cmd = group.commands[name]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip(), f"{name} has no --help text"
    assert re.search(rf"^### {re.escape(name)}\b", README, re.M), f"README has no '### {name}' section"
    assert re.search(rf"poam-xl {re.escape(name)}\b", README), f"README has no example of {name}"


def test_readme_rules_table_is_the_catalogue():
    import subprocess
    import sys

    # a fresh process: the table must not depend on what else happened to be imported
    table = subprocess.run([sys.executable, "-m", "poam_xl", "rules"], capture_output=True,
                           text=True, check=True).stdout
    assert table == catalogue_markdown()
    assert table in README, "regenerate the README rules table with `poam-xl rules`"


def test_two_commands_and_ci_agree():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./scripts/test" in ci
    assert "./scripts/test" in README and "pip install -e . && poam-xl demo" in README
