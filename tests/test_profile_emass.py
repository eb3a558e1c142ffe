"""eMASS profile: a valid published-layout workbook, then one breaking fixture per rule."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from poam_xl import profiles
from poam_xl.catalogue import all_rules
from poam_xl.profiles import emass as emass_profile
from poam_xl.validation import validate
from tests.helpers import AS_OF
from tests.test_convert_emass import build_emass

RULES = all_rules()

VALID: list[list[dict[str, Any]]] = [
    [
        {
            "C": "Audit records not reviewed",
            "D": "AU-6",
            "E": "Security Office",
            "G": "Staff time",
            "H": "11/23/2026",
            "I": "Write procedure 10/25/2026",
            "K": "Annual review",
            "L": "Ongoing",
            "N": "II",
            "P": "Moderate",
            "R": "Low",
        },
        {"I": "Train reviewers 11/5/2026"},
    ],
    [
        {
            "C": "Weak ciphers",
            "D": "SC-8",
            "E": "Network Team",
            "G": "Change board",
            "K": "ACAS scan",
            "L": "Risk Accepted 2/1/2026",
            "M": "AO accepted",
            "N": "III",
        }
    ],
    [
        {
            "C": "Backups untested",
            "D": "CP-9",
            "E": "Ops",
            "G": "Two days",
            "H": "10/25/2026",
            "I": "Test restore 10/17/2026",
            "K": "Self-inspection",
            "L": "Completed 11/13/2026",
            "M": "Restore verified",
            "N": "I",
        }
    ],
]


def findings(path: Path, as_of: dt.date = AS_OF) -> list[Any]:
    """The eMASS profile's own findings, through validate() as every shell calls it."""
    report = validate(path, profile="emass", as_of=as_of)
    own = {r.id for r in emass_profile.RULES}
    return [f for f in report.findings if f.rule in own]


def broken(tmp_path: Path, item: int, row: int, **cells: Any) -> Path:
    items = copy.deepcopy(VALID)
    for letter, value in cells.items():
        if value is None:
            items[item][row].pop(letter, None)
        else:
            items[item][row][letter] = value
    return build_emass(tmp_path / "broken.xlsx", items)


def test_valid_workbook_has_no_emass_findings(tmp_path: Path) -> None:
    path = build_emass(tmp_path / "ok.xlsx", VALID)
    assert findings(path) == []
    report = validate(path, profile="emass", as_of=AS_OF)
    assert [f for f in report.findings if f.severity == "error"] == [], report.findings
    assert report.summary["emass_status"] == {"Ongoing": 1, "Risk Accepted": 1, "Completed": 1}
    assert "not a DoD rule" in report.summary["policy"]


CASES = [
    ("emass.status.allowed", 0, 0, {"L": "In Work"}, "L8"),
    ("emass.raw-severity.allowed", 0, 0, {"N": "CAT 2"}, "N8"),
    ("emass.level.allowed", 0, 0, {"P": "Severe"}, "P8"),
    ("emass.required", 0, 0, {"K": None}, "K8"),
    ("emass.scheduled-date.required", 0, 0, {"H": None}, "H8"),
    ("emass.completed.milestone-required", 2, 0, {"I": None}, "I19"),
    ("emass.completed.completion-date-missing", 2, 0, {"L": "Completed"}, "L19"),
    ("emass.completed.completion-date-future", 2, 0, {"L": "Completed 1/5/2027"}, "L19"),
    ("emass.comments.required", 1, 0, {"M": None}, "M14"),
    ("emass.risk-accepted.no-scheduled-date", 1, 0, {"H": "12/1/2026"}, "H14"),
    ("emass.risk-accepted.no-milestones", 1, 0, {"I": "Replace device 12/1/2026"}, "I14"),
    ("emass.milestone.after-scheduled", 0, 1, {"I": "Train reviewers 12/5/2026"}, "I9"),
    ("emass.length.description", 0, 0, {"C": "x" * 2001}, "C8"),
    ("emass.length.resources", 0, 0, {"G": "y" * 251}, "G8"),
    ("emass.length.office", 0, 0, {"E": "z" * 101}, "E8"),
]


@pytest.mark.parametrize(
    ("rule_id", "item", "row", "cells", "cell"), CASES, ids=[c[0] for c in CASES]
)
def test_each_rule_has_a_breaking_fixture(
    tmp_path: Path, rule_id: str, item: int, row: int, cells: dict[str, Any], cell: str
) -> None:
    path = broken(tmp_path, item, row, **cells)
    got = findings(path)
    assert [(f.rule, f.sheet, f.cell) for f in got] == [(rule_id, "POA&M", cell)], got
    report = validate(path, profile="emass", as_of=AS_OF)
    assert [f.rule for f in report.findings if f.rule.startswith("emass.")] == [rule_id]


def test_ongoing_item_without_milestones(tmp_path: Path) -> None:
    items = copy.deepcopy(VALID)
    items[0] = [{k: v for k, v in items[0][0].items() if k != "I"}]
    got = findings(build_emass(tmp_path / "b.xlsx", items))
    assert [(f.rule, f.cell) for f in got] == [("emass.ongoing.milestone-required", "I8")]


def test_milestone_without_date(tmp_path: Path) -> None:
    got = findings(broken(tmp_path, 0, 1, I="Train reviewers"))
    assert [(f.rule, f.cell) for f in got] == [("emass.milestone.date-missing", "I9")]


def test_every_emass_rule_is_exercised() -> None:
    ids = {c[0] for c in CASES} | {
        "emass.milestone.date-missing",
        "emass.ongoing.milestone-required",
    }
    declared = {r for r in RULES if r.startswith("emass.")}
    assert declared - ids <= {
        "emass.length.comments",
        "emass.length.mitigations",
        "emass.length.recommendations",
        "emass.length.impact-description",
        "emass.length.milestones",
    }
    assert all(RULES[r].profiles == ("emass",) and RULES[r].source for r in declared)


def test_dss_workbook_under_emass_profile_is_refused(tmp_path: Path) -> None:
    from tests.helpers import make_book

    report = validate(make_book(tmp_path / "dss.xlsx", sample=2), profile="emass", as_of=AS_OF)
    assert report.findings[0].rule in ("template.other-profile", "template.unknown")


def test_policy_defaults_are_practice() -> None:
    pol = profiles.get("emass").policy
    assert pol.days == {"High": 30, "Medium": 180, "Low": 365}
    assert "not a DoD rule" in pol.source
